/**
 * `body-match`: either `/regex/flags`, or a small JSON path condition such as
 * `$.status == "ok"`, `$.checks[0].healthy == true`, `$.version != null` or just `$.ready`
 * (present and truthy). Parsed once at input time; evaluated per response.
 */
import { InputError } from '../toolkit/errors';

export type BodyMatch =
  { kind: 'regex'; source: string; regex: RegExp } | { kind: 'json'; source: string; path: (string | number)[]; op?: '==' | '!='; expected?: unknown };

const INPUT = 'body-match';
const FIX = 'Write /regex/ or a JSON path condition such as $.status == "ok"';

function parsePath(text: string): (string | number)[] {
  if (!text.startsWith('$')) throw new InputError(INPUT, `'${text}' does not start with $`, FIX);
  const parts: (string | number)[] = [];
  const re = /\.([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/y;
  let at = 1;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new InputError(INPUT, `cannot read the JSON path '${text}' at character ${at + 1}`, FIX);
    parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
    at = re.lastIndex;
  }
  return parts;
}

export function parseBodyMatch(value: string): BodyMatch | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const rx = /^\/(.*)\/([dgimsuy]*)$/s.exec(v);
  if (rx) {
    try {
      return { kind: 'regex', source: v, regex: new RegExp(rx[1], rx[2].replace('g', '')) };
    } catch (e) {
      throw new InputError(INPUT, `'${v}' is not a valid regular expression (${(e as Error).message})`, FIX);
    }
  }
  const cond = /^(\$\S*)\s*(==|!=)\s*(.+)$/s.exec(v);
  if (!cond) return { kind: 'json', source: v, path: parsePath(v) };
  let expected: unknown;
  try {
    expected = JSON.parse(cond[3]);
  } catch {
    throw new InputError(INPUT, `${cond[3]} is not a JSON value`, 'Quote strings: $.status == "ok"; numbers, true, false and null as is');
  }
  return { kind: 'json', source: v, path: parsePath(cond[1]), op: cond[2] as '==' | '!=', expected };
}

function lookup(doc: unknown, path: (string | number)[]): { found: boolean; value?: unknown } {
  let cur: unknown = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as Record<string | number, unknown>))) return { found: false };
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return { found: true, value: cur };
}

/** Undefined when the body matches; otherwise why not, for the report. */
export function bodyMismatch(match: BodyMatch, body: string): string | undefined {
  if (match.kind === 'regex') return match.regex.test(body) ? undefined : `body does not match ${match.source}`;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return `body is not JSON, so ${match.source} cannot hold`;
  }
  const { found, value } = lookup(doc, match.path);
  const shown = found ? JSON.stringify(value) : 'missing';
  if (match.op === undefined) return found && Boolean(value) ? undefined : `${match.source} is ${shown}`;
  const equal = found && JSON.stringify(value) === JSON.stringify(match.expected);
  const holds = match.op === '==' ? equal : found && !equal;
  return holds ? undefined : `${match.source} does not hold: value is ${shown}`;
}
