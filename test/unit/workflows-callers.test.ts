/**
 * The caller workflows a new team copies (the starter templates and every caller written in the
 * README and docs/) are written out as workflow files and checked as GitHub would check them when
 * it runs the calls: GitHub's own parser resolving each call, every `with:` key declared, required
 * inputs present, types compatible, secrets declared, every `needs.X.outputs.Y` declared, and the
 * caller granting every permission the called jobs ask for. Shipline is never called by a movable
 * ref there. Each check is also shown catching a broken caller.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { callerTypeMismatches, expressionType, markdownCallers, undeclaredNeedsOutputs } from '../helpers/caller-rules';
import {
  ROOT,
  callerMismatches,
  expressionsInRun,
  insufficientCallerPermissions,
  loadWorkflow,
  missingPermissions,
  productionWithoutApproval,
  unpinnedUses,
  type WorkflowFile,
} from '../helpers/workflow-rules';

const pages = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));
const documented = pages.flatMap((page) => markdownCallers(page, readFileSync(path.join(ROOT, page), 'utf8')));
const templates = readdirSync(path.join(ROOT, 'workflows-templates'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => loadWorkflow(`workflows-templates/${f}`));
const callers: WorkflowFile[] = [...templates, ...documented];

const byName = (list: WorkflowFile[]) => list.map((wf) => [wf.file, wf] as const);

/** Writes the callers out as workflow files and runs GitHub's parser over them (calls resolved in this repository). */
function parseWritten(list: WorkflowFile[]): Record<string, string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-callers-'));
  try {
    mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    const files = list.map((wf, i) => {
      const file = path.join(dir, '.github', 'workflows', `caller-${i}.yml`);
      writeFileSync(file, wf.text);
      return file;
    });
    const out = execFileSync(process.execPath, [path.join(ROOT, 'test', 'helpers', 'workflow-parser.mjs'), ROOT, ...files], { cwd: ROOT, encoding: 'utf8' });
    const raw = JSON.parse(out) as Record<string, string[]>;
    return Object.fromEntries(list.map((wf, i) => [wf.file, raw[files[i]]]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('finds the README quick start callers, the docs callers and the templates', () => {
  expect(documented.filter((wf) => wf.file.startsWith('README.md#')).length).toBeGreaterThanOrEqual(2);
  expect(templates.length).toBeGreaterThanOrEqual(3);
});

describe('every documented and template caller works as written', () => {
  let parsed: Record<string, string[]>;
  beforeAll(() => {
    parsed = parseWritten(callers);
  });

  describe.each(byName(callers))('%s', (_file, wf) => {
    it('is a whole workflow (on, permissions, jobs)', () => {
      expect([wf.doc.on !== undefined || wf.doc[true as unknown as string] !== undefined, 'permissions' in wf.doc]).toEqual([true, true]);
    });
    it('passes GitHub’s parser, with every call resolved', () => expect(parsed[wf.file]).toEqual([]));
    it('passes declared inputs and secrets only, and every required one', () => expect(callerMismatches(wf)).toEqual([]));
    it('passes values of the type each input declares', () => expect(callerTypeMismatches(wf)).toEqual([]));
    it('reads only declared outputs of jobs it needs', () => expect(undeclaredNeedsOutputs(wf)).toEqual([]));
    it('grants every permission the called jobs ask for', () => expect(insufficientCallerPermissions(wf)).toEqual([]));
    it('pins Shipline to a SHA with its version (the release placeholder in the source)', () => expect(unpinnedUses(wf)).toEqual([]));
    it('declares permissions on every job, keeps expressions out of scripts, and gates production on approval', () =>
      expect([...missingPermissions(wf), ...expressionsInRun(wf), ...productionWithoutApproval(wf)]).toEqual([]));
  });
});

describe('no movable ref to Shipline in the templates or the docs', () => {
  /** Every `<owner>/shipline...@<ref>` written anywhere in the file, code or prose. */
  const movableRefs = (file: string, text: string) =>
    [...text.matchAll(/[\w.<>-]+\/shipline(?:\/[^\s@`'"]*)?@([^\s`'")\],]+)/g)]
      .filter((m) => !/^[0-9a-f]{40}$/.test(m[1]) && m[1] !== '*') // `@*`: an IAM job_workflow_ref pattern, not a ref
      .map((m) => `${file}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);

  it.each([...pages, ...templates.map((t) => t.file)])('%s', (file) => {
    expect(movableRefs(file, readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('catches a tag, a branch or a short SHA', () => {
    const text = 'uses: acme/shipline/.github/workflows/ci.yml@v1\nsee `acme/shipline/actions/rollout@main` or acme/shipline@1234abc';
    expect(movableRefs('x.md', text)).toEqual([
      'x.md:1: acme/shipline/.github/workflows/ci.yml@v1',
      'x.md:2: acme/shipline/actions/rollout@main',
      'x.md:2: acme/shipline@1234abc',
    ]);
  });
});

describe('each caller check catches a broken caller', () => {
  const pin = '@0000000000000000000000000000000000000000 # v0.0.0';
  const broken = loadWorkflow(
    'README.md#1',
    [
      'on: push',
      'permissions: {}',
      'jobs:',
      '  ci:',
      `    uses: shipline/shipline/.github/workflows/ci.yml${pin}`,
      '    permissions: { contents: read, id-token: write, security-events: write, actions: read }',
      '    with:',
      '      push: ${{ vars.PUSH_IMAGES }}',
      "      create-repository: 'yes'",
      '      test-command: npm test',
      '  deploy:',
      '    needs: ci',
      '    runs-on: ubuntu-24.04',
      '    permissions: {}',
      '    steps:',
      '      - env:',
      '          REF: ${{ needs.ci.outputs.image-reff }}',
      '          OTHER: ${{ needs.staging.outputs.health-verdict }}',
      '        run: echo "$REF $OTHER"',
      '',
    ].join('\n'),
  );

  it('a string (a variable, a quoted word) into a boolean input', () => {
    expect(callerTypeMismatches(broken)).toEqual([
      "README.md#1: job 'ci' passes a string to boolean input 'push' of .github/workflows/ci.yml: \"${{ vars.PUSH_IMAGES }}\"",
      "README.md#1: job 'ci' passes a string to boolean input 'create-repository' of .github/workflows/ci.yml: \"yes\"",
    ]);
  });

  it('an undeclared output, and an output of a job it does not need', () => {
    expect(undeclaredNeedsOutputs(broken)).toEqual([
      "README.md#1: job 'deploy' reads needs.ci.outputs.image-reff, which 'ci' does not declare (it would be empty)",
      "README.md#1: job 'deploy' reads needs.staging.outputs.health-verdict but does not need 'staging'",
    ]);
  });

  it('a missing permission (packages: write for the ghcr.io push)', () => {
    expect(insufficientCallerPermissions(broken)).toEqual(["README.md#1: job 'ci' grants packages: none but .github/workflows/ci.yml job 'build' needs write"]);
  });

  it('why these checks exist: GitHub’s parser lets all of that through (the run fails, or reads empty, only once it starts)', () => {
    expect(parseWritten([broken])['README.md#1']).toEqual([]);
  });

  it('the documented callers are found in Markdown, whole or not', () => {
    const md = [
      '# x',
      '```yaml',
      'jobs:',
      '  ci:',
      `    uses: shipline/shipline/.github/workflows/ci.yml${pin}`,
      '```',
      '```yaml',
      'image: {digest: x}',
      '```',
      '',
    ].join('\n');
    const found = markdownCallers('x.md', md);
    expect(found.map((wf) => wf.file)).toEqual(['x.md#3']);
    expect('permissions' in found[0].doc).toBe(false); // the whole-workflow check above refuses it
  });

  it.each([
    ["github.event_name == 'push'", 'boolean'],
    ["github.event_name == 'push' && vars.ROLE || ''", 'string'],
    ['!cancelled()', 'boolean'],
    ['inputs.dry-run', 'boolean'],
    ['vars.PUSH', 'string'],
    ["fromJSON(vars.PUSH || 'true')", 'any'],
    ['true', 'boolean'],
  ])('types ${{ %s }} as %s', (expr, want) => {
    expect(expressionType(expr, { 'dry-run': 'boolean' })).toBe(want);
  });
});
