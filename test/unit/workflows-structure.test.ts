/** Structural rules over every workflow and starter template; each rule is also shown catching a bad snippet. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ROOT,
  actionInputMismatches,
  calledWorkflowFile,
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
  readRepoYaml,
  readmeTables,
  reusableInterface,
  shiplineCheckoutMissing,
  steps,
  undocumentedInterface,
  unpinnedUses,
} from '../helpers/workflow-rules';
import { callerTypeMismatches, undeclaredNeedsOutputs } from '../helpers/caller-rules';
import { parseInputs as parseRolloutInputs } from '../../src/rollout/inputs';

const files = allWorkflowFiles();
const workflows = files.map((f) => loadWorkflow(f));
const snippet = (text: string) => loadWorkflow('snippet.yml', text);

it('finds the reusable workflows, the project workflows and the templates', () => {
  for (const f of ['ci', 'staging', 'approval', 'production', 'gitops', 'static-site', 'pipeline', 'test', 'check-dist', 'release'])
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
  ['callers pass values of the type each input declares', callerTypeMismatches],
  ['jobs read only declared outputs of jobs they need', undeclaredNeedsOutputs],
  ['jobs running Shipline actions check out their own Shipline revision first', shiplineCheckoutMissing],
])('%s', (_title, rule) => {
  it.each(files)('%s', (file) => {
    expect(rule(workflows[files.indexOf(file)])).toEqual([]);
  });
});

describe('each rule catches a deliberately bad snippet', () => {
  it('unpinned and tag-pinned actions', () => {
    const wf = snippet(
      [
        'jobs:',
        '  a:',
        '    steps:',
        '      - uses: actions/checkout@v5',
        '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
        '      - uses: ./actions/x',
        '',
      ].join('\n'),
    );
    const problems = unpinnedUses(wf);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('actions/checkout@v5');
    expect(problems[1]).toContain('without a version comment');
  });

  it('Shipline workflows too: a SHA with its version, never a tag or a branch; the zero placeholder only in templates and docs, as v0.0.0', () => {
    const call = (uses: string, file = 'snippet.yml') => loadWorkflow(file, `jobs:\n  a:\n    uses: ${uses}\n`);
    expect(unpinnedUses(call('acme/shipline/.github/workflows/ci.yml@1234567890abcdef1234567890abcdef12345678 # v1.4.0'))).toEqual([]);
    for (const movable of ['@v1', '@v1.4.0', '@main'])
      expect(unpinnedUses(call(`acme/shipline/.github/workflows/ci.yml${movable}`))).toEqual([expect.stringContaining('a Shipline tag can be moved too')]);
    const placeholder = 'shipline/shipline/.github/workflows/ci.yml@0000000000000000000000000000000000000000 # v0.0.0';
    expect(unpinnedUses(call(placeholder))).toEqual([expect.stringContaining('placeholder SHA')]);
    expect(unpinnedUses(call(placeholder, 'workflows-templates/x.yml'))).toEqual([]);
    expect(unpinnedUses(call(placeholder, 'README.md#12'))).toEqual([]);
    expect(unpinnedUses(call(placeholder.replace('v0.0.0', 'v1'), 'README.md#12'))).toEqual([expect.stringContaining('placeholder SHA')]);
    expect(unpinnedUses(call('acme/other/.github/workflows/ci.yml@0000000000000000000000000000000000000000 # v0.0.0', 'README.md#3'))).toHaveLength(1);
    expect(unpinnedUses(call('acme/other/.github/workflows/ci.yml@v1'))).toEqual([expect.stringContaining('not pinned to a 40-character SHA: acme/other')]);
    expect(unpinnedUses(call('aws-actions/configure-aws-credentials@v5'))).toHaveLength(1);
  });

  it('a job without permissions', () => {
    expect(missingPermissions(snippet('permissions: {}\njobs:\n  a:\n    runs-on: x\n  b:\n    permissions: {}\n'))).toEqual([
      "snippet.yml: job 'a' has no permissions",
    ]);
  });

  it('an input interpolated into a script', () => {
    const wf = snippet(
      'jobs:\n  a:\n    steps:\n      - name: greet\n        run: echo "${{ inputs.name }}"\n      - env:\n          N: ${{ inputs.name }}\n        run: echo "$N"\n',
    );
    expect(expressionsInRun(wf)).toEqual(["snippet.yml: job 'a' step 1 (greet) has ${{ }} in run:"]);
  });

  it('stored AWS keys', () => {
    const wf = snippet(
      'jobs:\n  a:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838 # v5.0.0\n        with:\n          aws-access-key-id: x\n',
    );
    expect(longLivedAwsKeys(wf)).toHaveLength(2);
  });

  it('an undocumented input', () => {
    const wf = snippet(
      'on:\n  workflow_call:\n    inputs:\n      x:\n        type: string\n    outputs:\n      y:\n        description: the y value of it\n        value: z\n',
    );
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
    const wf = snippet(
      'permissions: {}\njobs:\n  ci:\n    uses: ./.github/workflows/ci.yml\n    permissions:\n      contents: read\n      security-events: read\n',
    );
    const problems = insufficientCallerPermissions(wf);
    expect(problems).toContain("snippet.yml: job 'ci' grants id-token: none but .github/workflows/ci.yml job 'build' needs write");
    expect(problems).toContain("snippet.yml: job 'ci' grants security-events: read but .github/workflows/ci.yml job 'build' needs write");
  });

  it('a job running Shipline actions without checking out its own revision', () => {
    const wf = snippet(
      'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0\n      - uses: ./.shipline/actions/health-gate\n',
    );
    expect(shiplineCheckoutMissing(wf)).toEqual([
      "snippet.yml: job 'a' runs ./.shipline actions without first checking out its own Shipline revision into .shipline",
    ]);
  });

  it('production not gated by approval', () => {
    const ungated = snippet(
      'jobs:\n  approval:\n    uses: ./.github/workflows/approval.yml\n  production:\n    needs: [ci]\n    uses: ./.github/workflows/production.yml\n  ci:\n    uses: ./.github/workflows/ci.yml\n',
    );
    expect(productionWithoutApproval(ungated)).toEqual(["snippet.yml: job 'production' deploys to production without needing the approval job"]);
    const gated = snippet(
      'jobs:\n  gate:\n    uses: ./.github/workflows/approval.yml\n  wait:\n    needs: gate\n  production:\n    needs: wait\n    uses: ./.github/workflows/production.yml\n',
    );
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

  /** A workflow's default-steps env (job `brief` of approval.yml, `deploy` of production.yml), and the expression that picks one. */
  const stepDefaults = (file: string, job: string) => {
    const j = Object.fromEntries(jobs(loadWorkflow(file)))[job];
    const env = j.env as Record<string, string>;
    const picked = JSON.stringify(j).match(/\$\{\{ inputs\.steps != '' [^}]*\}\}/)?.[0];
    return { env, picked };
  };

  it('the plan the reviewer approves is the plan production runs (same strategy, platform and rollout steps, defaults included)', () => {
    const defaults = (file: string) => {
      const api = (loadWorkflow(file).doc.on as Record<string, Record<string, Record<string, Record<string, unknown>>>>).workflow_call.inputs;
      return [api.strategy.default, api.platform.default, api.steps.default];
    };
    expect(defaults('.github/workflows/approval.yml')).toEqual(defaults('.github/workflows/production.yml'));
    expect(stepDefaults('.github/workflows/approval.yml', 'brief')).toEqual(stepDefaults('.github/workflows/production.yml', 'deploy'));
    for (const wf of pipelines) {
      const byCall = (name: string) => jobs(wf).find(([, job]) => String(job.uses ?? '').includes(name))![1].with as Record<string, unknown>;
      const [approval, production] = [byCall('approval.yml'), byCall('production.yml')];
      expect([wf.file, approval.strategy, approval.platform, approval.steps]).toEqual([wf.file, production.strategy, production.platform, production.steps]);
    }
  });

  it("each platform's default steps are ones the rollout action takes for it (helm 10/50/100, ecs 10/100, blue-green preview/promote)", () => {
    const { env, picked } = stepDefaults('.github/workflows/production.yml', 'deploy');
    expect(picked).toBe(
      "${{ inputs.steps != '' && inputs.steps || (inputs.strategy == 'blue-green' && env.DEFAULT_STEPS_BLUE_GREEN || (inputs.platform == 'ecs' && env.DEFAULT_STEPS_ECS_CANARY || env.DEFAULT_STEPS_HELM_CANARY)) }}",
    );
    const image = `registry.example/web@sha256:${'ab'.repeat(32)}`;
    const helm = { target: 'helm', chart: './charts/app', release: 'web', image, urls: 'http://web/health' };
    const ecs = { target: 'ecs', service: 'web', images: `app=${image}`, 'aws-region': 'us-east-1', urls: 'http://web/health' };
    const weights = (raw: Record<string, string>) =>
      parseRolloutInputs(raw, ROOT).steps.flatMap((st) => (st.kind === 'setWeight' ? [st.weight as number | string] : st.kind === 'analysis' ? [] : [st.kind]));
    expect(weights({ ...helm, strategy: 'canary', steps: env.DEFAULT_STEPS_HELM_CANARY })).toEqual([10, 50, 100]);
    expect(weights({ ...ecs, strategy: 'canary', steps: env.DEFAULT_STEPS_ECS_CANARY })).toEqual([10, 100]);
    // the helm default is not an ECS canary: why ecs needs its own
    expect(() => weights({ ...ecs, strategy: 'canary', steps: env.DEFAULT_STEPS_HELM_CANARY })).toThrow();
    for (const target of [helm, ecs])
      expect(weights({ ...target, strategy: 'blue-green', steps: env.DEFAULT_STEPS_BLUE_GREEN })).toEqual(['preview', 'promote']);
  });

  it('production deploys of one service never overlap, and a newer run waits instead of cancelling', () => {
    const production = loadWorkflow('.github/workflows/production.yml');
    const deploy = Object.fromEntries(jobs(production)).deploy;
    expect(deploy.concurrency).toEqual({ group: expect.stringContaining('${{ matrix.service.name }}'), 'cancel-in-progress': false });
    expect(deploy.environment).toEqual(expect.objectContaining({ name: '${{ inputs.environment }}' }));
  });

  it('approval guards the credentials: every production job that can get the production role is bound to the protected environment', () => {
    const production = loadWorkflow('.github/workflows/production.yml');
    const credentialed = jobs(production).filter(([, job]) =>
      steps(job).some(
        (s) => String(s.uses ?? '').startsWith('aws-actions/configure-aws-credentials@') || String(s.uses ?? '').startsWith('./.shipline/actions/'),
      ),
    );
    expect(credentialed.map(([id]) => id)).toEqual(['deploy']);
    for (const [, job] of credentialed) expect(job.environment).toEqual(expect.objectContaining({ name: '${{ inputs.environment }}' }));
    // approval.yml is the brief only: a gate on a job without credentials would guard nothing
    const approval = Object.fromEntries(jobs(loadWorkflow('.github/workflows/approval.yml')));
    expect(Object.keys(approval)).toEqual(['brief']);
    expect(approval.brief.environment).toBeUndefined();
    expect(
      (readRepoYaml('.github/workflows/approval.yml') as Record<string, Record<string, Record<string, Record<string, Record<string, string>>>>>).on
        .workflow_call.inputs.environment.default,
    ).toBe('production');
  });

  it('every reusable workflow but ci serialises what it changes per environment and service, and never cancels a run in progress', () => {
    const group = (c: unknown) => (c as Record<string, unknown> | undefined)?.group as string | undefined;
    const staging = loadWorkflow('.github/workflows/staging.yml').doc;
    expect(staging.concurrency).toEqual({ group: expect.stringContaining('inputs.environment'), 'cancel-in-progress': false });
    expect(group(staging.concurrency)).toContain('fromJSON(inputs.images).*.name'); // deploy, tests and rollback of one run are one unit
    for (const [file, job] of [
      ['production.yml', 'deploy'],
      ['gitops.yml', 'promote'],
    ]) {
      const c = Object.fromEntries(jobs(loadWorkflow(`.github/workflows/${file}`)))[job].concurrency;
      expect([file, c]).toEqual([file, { group: expect.stringMatching(/inputs\.environment.*matrix\.service\.name/), 'cancel-in-progress': false }]);
    }
  });

  it('production never drops an approved run silently: a cancelled deploy fails the outcome job loudly', () => {
    const all = Object.fromEntries(jobs(loadWorkflow('.github/workflows/production.yml')));
    expect(all.outcome).toMatchObject({ needs: 'deploy', if: 'always()', permissions: {} });
  });

  it('callers set no concurrency of their own on the reusable workflows (GitHub would cancel a pending approved run)', () => {
    for (const wf of workflows.filter((w) => !w.file.startsWith('.github/workflows/') || w.file.endsWith('pipeline.yml')))
      for (const [id, job] of jobs(wf)) if (typeof job.uses === 'string') expect([wf.file, id, job.concurrency]).toEqual([wf.file, id, undefined]);
  });

  it('staging rolls back when tests or the gate fail, and only after a deploy that succeeded', () => {
    const staging = Object.fromEntries(jobs(loadWorkflow('.github/workflows/staging.yml')));
    expect(staging.rollback.needs).toEqual(['shipline', 'deploy', 'e2e', 'load', 'health']);
    expect(staging.rollback.if).toBe('${{ failure() }}');
    // each service returns to the revision recorded before this run's deploy, and only if that deploy succeeded
    const rollback = steps(staging.rollback).find((s) => s.uses === './.shipline/actions/helm-deploy')!;
    expect(rollback.if).toBe("inputs.platform == 'helm' && steps.recorded.outputs.revision != ''");
    const ecsRollback = steps(staging.rollback).find((s) => s.uses === './.shipline/actions/ecs-deploy')!;
    expect(ecsRollback.if).toBe("inputs.platform == 'ecs' && steps.recorded.outputs.revision != ''");
    expect((ecsRollback.with as Record<string, string>).action).toBe('rollback');
    expect((rollback.with as Record<string, string>).revision).toBe('${{ steps.recorded.outputs.revision }}');
    const deploySteps = steps(staging.deploy).map((s) => String(s.name ?? s.uses));
    expect(deploySteps.indexOf('Record the revision to return to')).toBe(deploySteps.indexOf('Deploy (ECS)') + 1); // runs only after a successful deploy
    expect(deploySteps.indexOf('Deploy (ECS)')).toBe(deploySteps.indexOf('Deploy') + 1);
    expect((staging.deploy.strategy as Record<string, unknown>)['fail-fast']).toBe(false);
  });

  describe('production.yml deploy job', () => {
    const deploySteps = () => steps(Object.fromEntries(jobs(loadWorkflow('.github/workflows/production.yml'))).deploy);
    const w = (step: Record<string, unknown>) => (step.with ?? {}) as Record<string, string>;
    const isAction = (step: Record<string, unknown>, name: string) => step.uses === `./.shipline/actions/${name}`;

    it('is thin: one rollout step takes the steps as given, with the deploy and analysis inputs; no unrolled steps, no bash that reads the steps', () => {
      const list = deploySteps();
      const rollouts = list.filter((s) => isAction(s, 'rollout'));
      expect(rollouts).toHaveLength(1);
      const r = w(rollouts[0]);
      expect(r).toMatchObject({
        target: '${{ inputs.platform }}',
        strategy: '${{ inputs.strategy }}',
        steps:
          "${{ inputs.steps != '' && inputs.steps || (inputs.strategy == 'blue-green' && env.DEFAULT_STEPS_BLUE_GREEN || (inputs.platform == 'ecs' && env.DEFAULT_STEPS_ECS_CANARY || env.DEFAULT_STEPS_HELM_CANARY)) }}",
        'cloudwatch-alarms': '${{ steps.service.outputs.cloudwatch-alarms }}',
        alarms: '${{ steps.service.outputs.deployment-alarms }}',
        release: '${{ matrix.service.name }}',
        'traffic-router': '${{ inputs.traffic-router }}',
        metrics: '${{ steps.service.outputs.metrics }}',
        urls: '${{ steps.service.outputs.health-urls }}',
      });
      expect(r.image).toContain('matrix.service.digest'); // pinned by digest
      expect(list.filter((s) => isAction(s, 'helm-deploy') || isAction(s, 'health-gate'))).toEqual([]);
      for (const s of list.filter((x) => typeof x.run === 'string')) expect(String(s.run)).not.toMatch(/setWeight|weight|STEPS/i);
      // the rollout's own post step aborts a cancelled run: no abort steps here
      expect(list.filter((s) => /abort|switch.*back/i.test(String(s.name ?? '')))).toEqual([]);
    });

    it('notifies last, always, from the rollout result', () => {
      const list = deploySteps();
      const notify = list[list.length - 1];
      expect(notify.name).toBe('Notify');
      expect(notify.if).toBe('always()');
      expect((notify.env as Record<string, string>).RESULT).toBe('${{ steps.rollout.outputs.result }}');
    });

    it('reads the Shipline revision from the first job, which alone asks for the OIDC token to locate it', () => {
      const all = Object.fromEntries(jobs(loadWorkflow('.github/workflows/production.yml')));
      expect(all.deploy.needs).toBe('shipline');
      expect(Object.keys(all)[0]).toBe('shipline');
      expect(
        Object.entries(all)
          .filter(([, job]) => (job.permissions as Record<string, string>)['id-token'])
          .map(([id]) => id),
      ).toEqual(['shipline', 'deploy']);
    });

    it('reports the result over every service of the matrix, not the last one to finish', () => {
      const api = reusableInterface(loadWorkflow('.github/workflows/production.yml').doc)!;
      expect(Object.keys(api.outputs)).toEqual(['result']);
      const call = (loadWorkflow('.github/workflows/production.yml').doc.on as Record<string, Record<string, Record<string, Record<string, string>>>>)
        .workflow_call;
      expect(call.outputs.result.value).toBe('${{ jobs.deploy.result }}');
    });
  });

  it('CI builds from a checkout beside .shipline/, so Shipline never enters the build context', () => {
    const build = steps(Object.fromEntries(jobs(loadWorkflow('.github/workflows/ci.yml'))).build);
    const checkouts = build.filter((s) => String(s.uses).startsWith('actions/checkout@')).map((s) => (s.with as Record<string, unknown>).path);
    expect(checkouts).toEqual(['app', '.shipline']);
    const w = build.find((s) => s.uses === './.shipline/actions/build-and-scan')!.with as Record<string, string>;
    expect(w.context).toBe("app/${{ matrix.service.context || '.' }}");
    expect(w.file).toBe("${{ matrix.service.dockerfile && format('app/{0}', matrix.service.dockerfile) || '' }}");
    expect(w['ignore-file']).toBe("${{ inputs.ignore-file && format('app/{0}', inputs.ignore-file) || '' }}");
  });

  it('CI caches the Trivy database outside the workspace, so it never enters a build context', () => {
    const build = steps(Object.fromEntries(jobs(loadWorkflow('.github/workflows/ci.yml'))).build);
    const scan = build.find((s) => s.uses === './.shipline/actions/build-and-scan')!;
    expect((scan.with as Record<string, unknown>)['trivy-cache-dir']).toBeUndefined(); // Trivy's default, ~/.cache/trivy
    const cache = build.find((s) => String(s.uses).startsWith('actions/cache@'))!;
    expect((cache.with as Record<string, unknown>).path).toBe('~/.cache/trivy');
  });

  it('outputs flow from ci into staging, approval and production', () => {
    const ci = reusableInterface(loadWorkflow('.github/workflows/ci.yml').doc)!;
    expect(Object.keys(ci.outputs)).toEqual(['images', 'vulnerabilities', 'digest', 'image', 'image-ref']);
    const pipeline = Object.fromEntries(jobs(loadWorkflow('.github/workflows/pipeline.yml')));
    expect((pipeline.staging.with as Record<string, string>).images).toBe('${{ needs.ci.outputs.images }}');
    expect((pipeline.approval.with as Record<string, string>)['health-verdict']).toBe('${{ needs.staging.outputs.health-verdict }}');
    expect((pipeline.production.with as Record<string, string>).images).toBe('${{ needs.ci.outputs.images }}');
  });
});

describe('starter workflow templates', () => {
  const templates = files.filter((f) => f.startsWith('workflows-templates/'));

  it.each(templates)('%s calls Shipline’s workflows by the release placeholder release.yml fills in (SHA, version comment)', (file) => {
    const wf = loadWorkflow(file);
    const calls = jobs(wf)
      .map(([, job]) => job.uses)
      .filter((u): u is string => typeof u === 'string');
    expect(calls.length).toBeGreaterThan(0);
    for (const uses of calls) expect(uses).toMatch(/^shipline\/shipline\/\.github\/workflows\/(ci|staging|approval|production)\.yml@0{40}$/);
    for (const line of wf.text.split('\n').filter((l) => /^\s+uses: shipline\//.test(l))) expect(line).toMatch(/ # v0\.0\.0$/);
  });

  it.each(templates)('%s passes values files per environment to each deploy stage', (file) => {
    for (const [, job] of jobs(loadWorkflow(file))) {
      const stage = /\/(staging|production)\.yml@/.exec(String(job.uses ?? ''));
      if (stage) expect((job.with as Record<string, string>)['values-files']).toBe(`chart/values-${stage[1]}.yaml`);
    }
  });

  it('the CI-only template is at most 5 lines under with: and grants what ci.yml’s jobs ask for, packages included', () => {
    const ci = Object.fromEntries(jobs(loadWorkflow('workflows-templates/shipline-ci.yml'))).ci;
    expect(Object.keys(ci.with as object).length).toBeLessThanOrEqual(5);
    expect(ci.permissions).toEqual({ contents: 'read', 'id-token': 'write', packages: 'write', 'security-events': 'write', actions: 'read' });
  });

  it.each(templates)('%s checks every variable a required input needs, and documents every variable it reads', (file) => {
    const wf = loadWorkflow(file);
    const header = wf.text.slice(0, wf.text.indexOf('\nname:'));
    for (const m of wf.text.matchAll(/\b(?:vars|secrets)\.([A-Z0-9_]+)/g)) expect(header).toContain(m[1]);
    const settings = Object.fromEntries(jobs(wf)).settings;
    if (!settings) {
      // no settings job: nothing is required, every variable is optional
      expect(header).not.toContain('Required:');
      return;
    }
    const checked = Object.keys((steps(settings)[0].env ?? {}) as Record<string, string>)
      .filter((k) => k.startsWith('REQUIRED_'))
      .map((k) => k.replace(/^REQUIRED_/, ''));
    const required = header.slice(header.indexOf('Required:'), header.indexOf('Optional:'));
    expect(checked.sort()).toEqual([...required.matchAll(/\b[A-Z][A-Z0-9_]+\b/g)].map((m) => m[0]).sort());
    for (const [id, job] of jobs(wf)) {
      if (typeof job.uses !== 'string') continue;
      const api = reusableInterface(readRepoYaml(calledWorkflowFile(job.uses)!)!)!;
      for (const [input, value] of Object.entries((job.with ?? {}) as Record<string, string>)) {
        const direct = /^\$\{\{ vars\.([A-Z0-9_]+) \}\}$/.exec(String(value));
        if (direct && api.inputs[input].required) expect([id, input, checked]).toEqual([id, input, expect.arrayContaining([direct[1]])]);
      }
    }
    for (const m of wf.text.matchAll(/\b(?:vars|secrets)\.([A-Z0-9_]+)/g)) expect(header).toContain(m[1]);
  });

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

describe('docs/workflows.md', () => {
  const readme = readFileSync(path.join(ROOT, 'docs', 'workflows.md'), 'utf8');
  it.each(['ci.yml', 'staging.yml', 'approval.yml', 'production.yml'])('documents every input, secret and output of %s as the YAML declares them', (name) => {
    expect(readmeTables(readme, name)).toBe(interfaceTables(`.github/workflows/${name}`));
  });

  it('documents every input, secret and output of gitops.yml in docs/gitops-promote.md', () => {
    expect(readmeTables(readFileSync(path.join(ROOT, 'docs', 'gitops-promote.md'), 'utf8'), 'gitops.yml')).toBe(
      interfaceTables('.github/workflows/gitops.yml'),
    );
  });

  it('documents static-site.yml in docs/static-site-deploy.md as the YAML declares it', () => {
    const page = readFileSync(path.join(ROOT, 'docs', 'static-site-deploy.md'), 'utf8');
    expect(readmeTables(page, 'static-site.yml')).toBe(interfaceTables('.github/workflows/static-site.yml'));
  });

  it('notices a table that drifted from the YAML', () => {
    const drifted = readme.replace('| `images` | string | yes |', '| `images` | string | no |');
    expect(readmeTables(drifted, 'staging.yml')).not.toBe(interfaceTables('.github/workflows/staging.yml'));
  });
});
