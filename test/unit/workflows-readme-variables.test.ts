import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README's variables step is the one list a user sets up from: every `vars.X` / `secrets.X`
// the starter workflows and the README's own callers read must be named there.
const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Names in `${{ vars.X }}` / `${{ secrets.X }}` expressions (GITHUB_TOKEN is GitHub's own). */
function referenced(text: string): string[] {
  const names = [...text.matchAll(/\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
  return [...new Set(names)].filter((n) => n !== 'GITHUB_TOKEN').sort();
}

/** Backticked names in the README's "**5. Variables**" step (up to step 6). */
function listed(): Set<string> {
  const start = readme.indexOf('**5. Variables**');
  const end = readme.indexOf('**6. ', start);
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return new Set([...readme.slice(start, end).matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
}

describe('README variables step', () => {
  const names = listed();
  const templates = readdirSync(join(root, 'workflows-templates')).filter((f) => f.endsWith('.yml'));
  const readmeYaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');

  it.each(templates)('lists every variable and secret workflows-templates/%s reads', (file) => {
    const used = referenced(readFileSync(join(root, 'workflows-templates', file), 'utf8'));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });

  it("lists every variable and secret the README's callers read", () => {
    const used = referenced(readmeYaml);
    expect(used).toEqual(expect.arrayContaining(['SHIPLINE_CI_ROLE_ARN', 'SHIPLINE_NOTIFY_WEBHOOK_URL']));
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });
});
