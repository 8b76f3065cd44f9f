/** Structural rules over every workflow and starter template; each rule is also shown catching a bad snippet. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ROOT,
  actionInputMismatches,
  allWorkflowFiles,
  callerMismatches,
  expressionsInRun,
  insufficientCallerPermissions,
  interfaceTables,
  jobs,
  loadWorkflow,
  longLivedAwsKeys,
  missingPermissions,
  productionWithoutApproval,
  readmeTables,
  reusableInterface,
  shiplineCheckoutMissing,
  undocumentedInterface,
  unpinnedUses,
} from '../helpers/workflow-rules';

const files = allWorkflowFiles();
const workflows = files.map((f) => loadWorkflow(f));
const snippet = (text: string) => loadWorkflow('snippet.yml', text);

it('finds the reusable workflows, the project workflows and the templates', () => {
  for (const f of ['ci', 'staging', 'approval', 'production', 'pipeline', 'test', 'check-dist', 'release'])
    expect(files).toContain(`.github/workflows/${f}.yml`);
  expect(files.filter((f) => f.startsWith('workflows-templates/')).length).toBeGreaterThanOrEqual(3);
});

describe.each([
  ['every uses: is a local path or pinned to a 40-character SHA with its version', unpinnedUses],
  ['the workflow and every job declare permissions', missingPermissions],
  ['no ${{ }} expression inside run:', expressionsInRun],
  ['AWS access only by OIDC role', longLivedAwsKeys],
  ['every reusable input, secret and output is documented', undocumentedInterface],
  ['callers pass only declared inputs and secrets, and every required one', callerMismatches],
  ['steps of the suite actions pass only inputs their action.yml declares', actionInputMismatches],
  ['production needs the approval job', productionWithoutApproval],
  ['callers grant every permission the called jobs ask for', insufficientCallerPermissions],
  ['jobs running Shipline actions check out their own Shipline revision first', shiplineCheckoutMissing],
])('%s', (_title, rule) => {
  it.each(files)('%s', (file) => {
    expect(rule(workflows[files.indexOf(file)])).toEqual([]);
  });
});

describe('each rule catches a deliberately bad snippet', () => {
  it('unpinned and tag-pinned actions', () => {
    const wf = snippet(
      ['jobs:', '  a:', '    steps:', '      - uses: actions/checkout@v5', '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8', '      - uses: ./actions/x', ''].join('\n'),
    );
    const problems = unpinnedUses(wf);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('actions/checkout@v5');
    expect(problems[1]).toContain('without a version comment');
  });

  it('a job without permissions', () => {
    expect(missingPermissions(snippet('permissions: {}\njobs:\n  a:\n    runs-on: x\n  b:\n    permissions: {}\n'))).toEqual([
      "snippet.yml: job 'a' has no permissions",
    ]);
  });

  it('an input interpolated into a script', () => {
    const wf = snippet('jobs:\n  a:\n    steps:\n      - name: greet\n        run: echo "${{ inputs.name }}"\n      - env:\n          N: ${{ inputs.name }}\n        run: echo "$N"\n');
    expect(expressionsInRun(wf)).toEqual(["snippet.yml: job 'a' step 1 (greet) has ${{ }} in run:"]);
  });

  it('stored AWS keys', () => {
    const wf = snippet(
      'jobs:\n  a:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838 # v5.0.0\n        with:\n          aws-access-key-id: x\n',
    );
    expect(longLivedAwsKeys(wf)).toHaveLength(2);
  });

  it('an undocumented input', () => {
    const wf = snippet('on:\n  workflow_call:\n    inputs:\n      x:\n        type: string\n    outputs:\n      y:\n        description: the y value of it\n        value: z\n');
    expect(undocumentedInterface(wf)).toEqual(["snippet.yml: input 'x' has no description"]);
  });

  it('a caller passing an undeclared input and missing a required one', () => {
    const wf = snippet('jobs:\n  deploy:\n    uses: ./.github/workflows/staging.yml\n    with:\n      imagez: "[]"\n    secrets:\n      kubecfg: x\n');
    expect(callerMismatches(wf).sort()).toEqual(
      [
        "snippet.yml: job 'deploy' passes input 'imagez' that .github/workflows/staging.yml does not declare",
        "snippet.yml: job 'deploy' omits required input 'images' of .github/workflows/staging.yml",
        "snippet.yml: job 'deploy' omits required input 'environment-url' of .github/workflows/staging.yml",
        "snippet.yml: job 'deploy' passes secret 'kubecfg' that .github/workflows/staging.yml does not declare",
      ].sort(),
    );
  });

  it('a step passing an input the action does not declare', () => {
    const fake = { inputs: { source: { required: true }, 'dry-run': { default: 'false' } } };
    const wf = snippet('jobs:\n  a:\n    steps:\n      - uses: ./.shipline/actions/promote-artifact\n        with:\n          destination: x\n');
    expect(actionInputMismatches(wf, () => fake).sort()).toEqual([
      "snippet.yml: job 'a' omits required input 'source' of actions/promote-artifact",
      "snippet.yml: job 'a' passes 'destination' that actions/promote-artifact does not declare",
    ]);
    expect(actionInputMismatches(wf, () => undefined)).toEqual(["snippet.yml: job 'a' uses actions/promote-artifact, which has no action.yml"]);
  });

  it('a caller granting less than the called jobs need', () => {
    const wf = snippet('permissions: {}\njobs:\n  ci:\n    uses: ./.github/workflows/ci.yml\n    permissions:\n      contents: read\n      security-events: read\n');
    const problems = insufficientCallerPermissions(wf);
    expect(problems).toContain("snippet.yml: job 'ci' grants id-token: none but .github/workflows/ci.yml job 'build' needs write");
    expect(problems).toContain("snippet.yml: job 'ci' grants security-events: read but .github/workflows/ci.yml job 'build' needs write");
  });

  it('a job running Shipline actions without checking out its own revision', () => {
    const wf = snippet('jobs:\n  a:\n    steps:\n      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0\n      - uses: ./.shipline/actions/health-gate\n');
    expect(shiplineCheckoutMissing(wf)).toEqual(["snippet.yml: job 'a' runs ./.shipline actions without first checking out its own Shipline revision into .shipline"]);
  });

  it('production not gated by approval', () => {
    const ungated = snippet(
      'jobs:\n  approval:\n    uses: ./.github/workflows/approval.yml\n  production:\n    needs: [ci]\n    uses: ./.github/workflows/production.yml\n  ci:\n    uses: ./.github/workflows/ci.yml\n',
    );
    expect(productionWithoutApproval(ungated)).toEqual(["snippet.yml: job 'production' deploys to production without needing the approval job"]);
    const gated = snippet('jobs:\n  gate:\n    uses: ./.github/workflows/approval.yml\n  wait:\n    needs: gate\n  production:\n    needs: wait\n    uses: ./.github/workflows/production.yml\n');
    expect(productionWithoutApproval(gated)).toEqual([]);
  });
});

describe('the pipeline', () => {
  const pipelines = workflows.filter((wf) => jobs(wf).some(([, job]) => String(job.uses ?? '').includes('production.yml')));

  it('every caller that deploys to production goes through approval (example and templates)', () => {
    expect(pipelines.map((wf) => wf.file)).toEqual(expect.arrayContaining(['.github/workflows/pipeline.yml']));
    for (const wf of pipelines) {
      const approval = jobs(wf).find(([, job]) => String(job.uses ?? '').includes('approval.yml'));
      expect(approval).toBeDefined();
    }
  });

  it('production deploys of one service never overlap, and a newer run waits instead of cancelling', () => {
    const production = loadWorkflow('.github/workflows/production.yml');
    const deploy = Object.fromEntries(jobs(production)).deploy;
    expect(deploy.concurrency).toEqual({ group: expect.stringContaining('${{ matrix.service.name }}'), 'cancel-in-progress': false });
    expect(deploy.environment).toEqual(expect.objectContaining({ name: '${{ inputs.environment }}' }));
  });

  it('the approval job is bound to a protected environment and comes after the brief the reviewer reads', () => {
    const approval = Object.fromEntries(jobs(loadWorkflow('.github/workflows/approval.yml')));
    expect(approval.approve.environment).toBe('${{ inputs.environment }}');
    expect(approval.approve.needs).toBe('brief');
  });

  it('staging rolls back when tests or the gate fail, and only after a deploy that succeeded', () => {
    const staging = Object.fromEntries(jobs(loadWorkflow('.github/workflows/staging.yml')));
    expect(staging.rollback.needs).toEqual(['deploy', 'e2e', 'load', 'health']);
    expect(staging.rollback.if).toBe("${{ failure() && needs.deploy.result == 'success' }}");
  });

  it('outputs flow from ci into staging, approval and production', () => {
    const ci = reusableInterface(loadWorkflow('.github/workflows/ci.yml').doc)!;
    expect(Object.keys(ci.outputs)).toEqual(['images', 'vulnerabilities']);
    const pipeline = Object.fromEntries(jobs(loadWorkflow('.github/workflows/pipeline.yml')));
    expect((pipeline.staging.with as Record<string, string>).images).toBe('${{ needs.ci.outputs.images }}');
    expect((pipeline.approval.with as Record<string, string>)['health-verdict']).toBe('${{ needs.staging.outputs.health-verdict }}');
    expect((pipeline.production.with as Record<string, string>).images).toBe('${{ needs.ci.outputs.images }}');
  });
});

describe('starter workflow templates', () => {
  const templates = files.filter((f) => f.startsWith('workflows-templates/'));
  it.each(templates)('%s has a properties file in GitHub’s format', (file) => {
    const props = path.join(ROOT, file.replace(/\.ya?ml$/, '.properties.json'));
    expect(existsSync(props)).toBe(true);
    const p = JSON.parse(readFileSync(props, 'utf8')) as Record<string, unknown>;
    expect(typeof p.name).toBe('string');
    expect(typeof p.description).toBe('string');
    expect(typeof p.iconName).toBe('string');
    expect(Array.isArray(p.categories) && p.categories.length > 0).toBe(true);
    expect(Array.isArray(p.filePatterns) && p.filePatterns.length > 0).toBe(true);
    for (const pattern of p.filePatterns as string[]) expect(() => new RegExp(pattern)).not.toThrow();
  });
});

describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  it.each(['ci.yml', 'staging.yml', 'approval.yml', 'production.yml'])('documents every input, secret and output of %s as the YAML declares them', (name) => {
    expect(readmeTables(readme, name)).toBe(interfaceTables(`.github/workflows/${name}`));
  });

  it('notices a table that drifted from the YAML', () => {
    const drifted = readme.replace('| `images` | string | yes |', '| `images` | string | no |');
    expect(readmeTables(drifted, 'staging.yml')).not.toBe(interfaceTables('.github/workflows/staging.yml'));
  });
});
