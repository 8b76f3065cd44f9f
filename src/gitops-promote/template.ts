/**
 * `{name}` placeholders in the commit message and author, the way the suite's workflows write
 * `{service}`. Unknown names are refused when inputs are parsed, not when the commit is made.
 */
import { InputError } from '../toolkit/errors';

export const PLACEHOLDERS = ['environment', 'image', 'digest', 'short-digest', 'previous', 'path', 'actor', 'sha', 'run-url', 'source-repository'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

/** Throws an InputError on `input` naming any placeholder that is not one of PLACEHOLDERS. */
export function checkTemplate(input: string, template: string): string {
  for (const m of template.matchAll(/\{([a-z-]+)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1])) {
      throw new InputError(input, `has an unknown placeholder {${m[1]}}`, `Use any of ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    }
  }
  return template;
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{([a-z-]+)\}/g, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
}
