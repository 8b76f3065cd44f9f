/**
 * helm-deploy's run in-process, with its environment injected (deps.env) instead of read from
 * process.env: the helm and kubectl doubles are found through that env's PATH and keep their
 * state where that env says, so every assertion below holds only if run used deps.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseInputs } from '../../src/helm-deploy/inputs';
import { run, type HelmDeployDeps } from '../../src/helm-deploy/run';
import { exec, type Exec } from '../../src/toolkit/exec';
import { MemoryReporter } from '../../src/toolkit/reporter';
import type { ToolCache } from '../../src/toolkit/tools';
import { testTempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '..', '..');
const DOUBLES = path.join(ROOT, 'test', 'doubles', 'bin');
const IMAGE = `registry.example.com/team/app@sha256:${'a'.repeat(64)}`;

interface DoubleCall {
  tool: string;
  argv: string[];
  kubeconfig: string | null;
  kubeconfigMode: string | null;
}

const noToolCache: ToolCache = {
  find: () => '',
  downloadTool: () => Promise.reject(new Error('no download expected')),
  extractTar: () => Promise.reject(new Error('no extract expected')),
  cacheDir: () => Promise.reject(new Error('no cache expected')),
  addPath: () => undefined,
};

/** A step environment of its own: the doubles first on PATH, their state dir, a RUNNER_TEMP. */
function stepEnv(extra: NodeJS.ProcessEnv = {}) {
  const state = testTempDir('helm-run-');
  const runnerTemp = testTempDir('runner-temp-');
  const env: NodeJS.ProcessEnv = { PATH: `${DOUBLES}${path.delimiter}${process.env.PATH ?? ''}`, HELM_DOUBLE_STATE: state, RUNNER_TEMP: runnerTemp, ...extra };
  const calls = (): DoubleCall[] => {
    const f = path.join(state, 'calls.log');
    return existsSync(f)
      ? readFileSync(f, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as DoubleCall)
      : [];
  };
  return { env, runnerTemp, calls };
}

/** The real exec, recording the environment each command got. */
function recordingExec() {
  const envs: NodeJS.ProcessEnv[] = [];
  const recorded: Exec = (command, args, options) => {
    envs.push(options?.env ?? {});
    return exec(command, args, options);
  };
  return { exec: recorded, envs };
}

function deps(env: NodeJS.ProcessEnv, e: Exec): HelmDeployDeps {
  return { exec: e, toolCache: noToolCache, describeEks: () => Promise.reject(new Error('no EKS expected')), env };
}

const inputs = (raw: Record<string, string>) => parseInputs({ release: 'web', chart: 'charts/app', image: IMAGE, 'helm-version': 'path', ...raw }, ROOT);

let processEnvBefore: NodeJS.ProcessEnv;
beforeEach(() => {
  processEnvBefore = { ...process.env };
});
afterEach(() => {
  expect(process.env).toEqual(processEnvBefore); // run never writes process.env
});

it('runs helm and kubectl with the injected environment, not process.env', async () => {
  expect(process.env.HELM_DOUBLE_STATE).toBeUndefined(); // the doubles can only find their state through deps.env
  const step = stepEnv({ KUBECONFIG: '/job/kubeconfig', SHIPLINE_STEP_MARK: 'from-deps' });
  const rec = recordingExec();
  const reporter = new MemoryReporter();
  await run(inputs({}), deps(step.env, rec.exec), reporter);
  expect(reporter.outputs).toMatchObject({ status: 'deployed', revision: '1' });
  expect(rec.envs.length).toBeGreaterThan(0);
  for (const env of rec.envs)
    expect({ mark: env.SHIPLINE_STEP_MARK, kubeconfig: env.KUBECONFIG }).toEqual({ mark: 'from-deps', kubeconfig: '/job/kubeconfig' });
  expect(step.calls().map((c) => c.kubeconfig)).toEqual(step.calls().map(() => '/job/kubeconfig'));
  expect(reporter.log).toContain('KUBECONFIG from the job (/job/kubeconfig)');
});

it('writes a kubeconfig input under the injected RUNNER_TEMP (0600) and removes it at the end', async () => {
  const step = stepEnv();
  const kubeconfig = [
    'apiVersion: v1',
    'clusters:',
    '- name: k',
    '  cluster: {server: "https://127.0.0.1:6443"}',
    'users:',
    '- name: u',
    '  user: {token: "kube-token-s3cr3t"}',
    'contexts: []',
  ].join('\n');
  const reporter = new MemoryReporter();
  await run(inputs({ kubeconfig }), deps(step.env, recordingExec().exec), reporter);
  const calls = step.calls();
  expect(calls.length).toBeGreaterThan(0);
  const files = new Set(calls.map((c) => c.kubeconfig));
  expect(files.size).toBe(1);
  const file = [...files][0]!;
  expect(path.dirname(path.dirname(file))).toBe(step.runnerTemp);
  expect(calls.every((c) => c.kubeconfigMode === '600')).toBe(true);
  expect(existsSync(file)).toBe(false);
  expect(reporter.log).not.toContain('kube-token-s3cr3t');
});

it('dry-run with helm-version path asks the helm on the injected PATH which flags to plan', async () => {
  const step = stepEnv({ HELM_DOUBLE_VERSION: 'v4.0.0' });
  const reporter = new MemoryReporter();
  await run(inputs({ 'dry-run': 'true' }), deps(step.env, recordingExec().exec), reporter);
  expect(reporter.outputs.status).toBe('planned');
  expect(reporter.log).toContain('Helm 4 flags; helm 4.0.0');
  expect(reporter.log).toContain('--wait=watcher --rollback-on-failure');
  expect(step.calls().map((c) => c.argv[0])).toEqual(['version']);
});
