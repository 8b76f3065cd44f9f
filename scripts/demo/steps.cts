/**
 * The pipeline's steps, each one call of a real bundled action through the runner harness
 * (dist/<name>/index.js on Node 24 with INPUT_* and the runner's files), as ci.yml, staging.yml
 * and production.yml call them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { ROOT, actionYmlPath, readActionYml, runAction, type StepResult } from '../../test/harness/run-action';
import { runScript, stepScript } from '../../test/helpers/workflow-script';
import { banner, loud, showStep } from './report.cjs';

export type ActionName = 'build-and-scan' | 'promote-artifact' | 'health-gate' | 'helm-deploy' | 'rollout';

/** Whether an action's contract and committed bundle exist yet. */
export function bundled(action: ActionName): boolean {
  if (!existsSync(actionYmlPath(action))) return false;
  const main = path.resolve(path.dirname(actionYmlPath(action)), readActionYml(action).runs.main);
  return existsSync(main);
}

export class StepFailed extends Error {}

/** Runs one step, prints it, and fails the demo when the step's exit code is not the expected one. */
async function step(
  title: string,
  action: ActionName,
  inputs: Record<string, string>,
  opts: { cwd?: string; expectExit?: number; env?: Record<string, string>; path?: string[] } = {},
): Promise<StepResult> {
  const r = await runAction(action, inputs, { cwd: opts.cwd ?? ROOT, timeoutMs: 90_000, env: opts.env, path: opts.path });
  showStep(`${title} (${action})`, r);
  rmSync(r.tempDir, { recursive: true, force: true }); // the step's runner files: shown above, not needed after
  if (r.exitCode !== (opts.expectExit ?? 0)) throw new StepFailed(`${title}: ${action} exited ${r.exitCode}, expected ${opts.expectExit ?? 0}`);
  return r;
}

/** A tiny sample app: FROM scratch, so it builds offline. */
export function sampleWorkspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-demo-app-'));
  writeFileSync(path.join(dir, 'index.html'), '<h1>Shipline demo shop</h1>\n');
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY index.html /srv/index.html\nLABEL org.opencontainers.image.title="shipline demo shop"\n');
  return dir;
}

export async function buildAndScan(
  workspace: string,
  image: string,
  trivyOnPath: boolean,
): Promise<{ imageRef: string; digest: string; vulnerabilities: string }> {
  if (!trivyOnPath) loud('Trivy is not installed: the image is built and pushed WITHOUT a vulnerability scan (scanner: none).');
  const r = await step(
    'CI: build, scan, push',
    'build-and-scan',
    { image, builder: 'buildah', tags: 'demo', ...(trivyOnPath ? { scanner: 'trivy', 'trivy-version': 'path' } : { scanner: 'none' }) },
    { cwd: workspace },
  );
  if (!/^sha256:[0-9a-f]{64}$/.test(r.outputs.digest ?? '')) throw new StepFailed(`build-and-scan gave no digest (outputs: ${JSON.stringify(r.outputs)})`);
  return { imageRef: r.outputs['image-ref'], digest: r.outputs.digest, vulnerabilities: r.outputs.vulnerabilities ?? '' };
}

export async function promote(title: string, source: string, destination: string): Promise<string> {
  const r = await step(title, 'promote-artifact', { source, destinations: destination });
  return r.outputs.digest;
}

export interface GateSetup {
  prometheusUrl: string;
  canaryUrl: string;
}

/** Canary vs stable analysis against the real Prometheus, with short intervals so the demo stays quick. */
export async function healthGate(title: string, g: GateSetup, expect: 'pass' | 'fail'): Promise<StepResult> {
  const errorRate = (job: string) => `sum(rate(http_requests_total{job="${job}",code="500"}[3s])) / sum(rate(http_requests_total{job="${job}"}[3s]))`;
  const metrics = ['- name: error-rate', `  query: ${errorRate('canary')}`, `  baseline: ${errorRate('stable')}`, '  max: 0.05', '  critical: true'].join('\n');
  return step(
    title,
    'health-gate',
    {
      urls: `${g.canaryUrl}/healthz`,
      'check-interval': '200ms',
      'consecutive-successes': '2',
      'prometheus-url': g.prometheusUrl,
      metrics,
      interval: '1s',
      count: '6',
      'min-samples': '4',
    },
    { expectExit: expect === 'pass' ? 0 : 1 },
  );
}

/** The canary analysis every rollout step runs: error rate of canary vs stable (real Prometheus), short intervals. */
function rolloutAnalysis(prometheusUrl: string): Record<string, string> {
  const errorRate = (job: string) => `sum(rate(http_requests_total{job="${job}",code="500"}[3s])) / sum(rate(http_requests_total{job="${job}"}[3s]))`;
  const metrics = ['- name: error-rate', `  query: ${errorRate('canary')}`, `  baseline: ${errorRate('stable')}`, '  max: 0.05', '  critical: true'].join('\n');
  return { 'prometheus-url': prometheusUrl, metrics, interval: '1s', count: '4', 'min-samples': '3', 'request-timeout': '2s' };
}

export const ROLLOUT_STEPS = '- setWeight: 10\n- analysis: {}\n- setWeight: 50\n- analysis: {}\n- setWeight: 100\n- analysis: {compareBaseline: false}';

/** production.yml's rollout step against the helm and kubectl test doubles (release state in `stateDir`). */
export async function rolloutHelm(title: string, stateDir: string, image: string, prometheusUrl: string, expect: 'promoted' | 'aborted'): Promise<StepResult> {
  const r = await step(
    title,
    'rollout',
    {
      target: 'helm',
      release: 'shop',
      chart: 'charts/app',
      'helm-version': 'path',
      image,
      set: 'ingress.enabled=true\ningress.host=shop.example.com',
      steps: ROLLOUT_STEPS,
      ...rolloutAnalysis(prometheusUrl),
    },
    { expectExit: expect === 'promoted' ? 0 : 1, path: [path.join(ROOT, 'test', 'doubles', 'bin')], env: { HELM_DOUBLE_STATE: stateDir } },
  );
  if (r.outputs.result !== expect) throw new StepFailed(`${title}: result ${r.outputs.result}, expected ${expect}`);
  return r;
}

/** The stable release the canary is compared with, installed through helm-deploy into the helm double. */
export async function seedStable(stateDir: string, image: string): Promise<void> {
  await step(
    'install stable (helm double)',
    'helm-deploy',
    { release: 'shop', chart: 'charts/app', 'helm-version': 'path', strategy: 'canary', image, set: 'ingress.enabled=true\ningress.host=shop.example.com' },
    {
      path: [path.join(ROOT, 'test', 'doubles', 'bin')],
      env: { HELM_DOUBLE_STATE: stateDir },
    },
  );
}

/** The same rollout against the ECS test double: an ECS native canary (10 %, then all traffic). */
export async function rolloutEcs(
  title: string,
  ecsEnv: Record<string, string>,
  image: string,
  prometheusUrl: string,
  expect: 'promoted' | 'aborted',
): Promise<StepResult> {
  const steps = '- setWeight: 10\n- analysis: {}\n- setWeight: 100\n- analysis: {compareBaseline: false}';
  const r = await step(
    title,
    'rollout',
    { target: 'ecs', service: 'web', images: `app=${image}`, 'poll-interval': '100ms', wait: '60s', steps, ...rolloutAnalysis(prometheusUrl) },
    { expectExit: expect === 'promoted' ? 0 : 1, env: ecsEnv },
  );
  if (r.outputs.result !== expect) throw new StepFailed(`${title}: result ${r.outputs.result}, expected ${expect}`);
  return r;
}

/** helm-deploy with dry-run: the Helm commands each pipeline step would run, without a cluster. */
export async function planDeploy(title: string, inputs: Record<string, string>): Promise<StepResult> {
  return step(title, 'helm-deploy', { release: 'shop', namespace: 'demo', chart: 'charts/app', 'helm-version': 'path', 'dry-run': 'true', ...inputs });
}

/** What the runner sets for the brief's "Commit ... on ..., started by ..." line, taken from this checkout. */
function runnerContext(): Record<string, string> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { GITHUB_SHA: git('rev-parse', 'HEAD'), GITHUB_REF_NAME: git('rev-parse', '--abbrev-ref', 'HEAD'), GITHUB_TRIGGERING_ACTOR: userInfo().username };
  } catch {
    return {}; // not a git checkout: the brief says unknown
  }
}

/** The reviewer's view: approval.yml's own brief script, run with bash as the runner would. */
export async function approvalBrief(images: { name: string; image: string; digest: string }[], vulnerabilities: string, healthVerdict: string): Promise<void> {
  const script = stepScript('.github/workflows/approval.yml', 'brief', 'Write the approval brief to the run summary');
  const r = await runScript(script, {
    IMAGES: JSON.stringify(images.map((i) => ({ ...i, 'image-ref': `${i.image}@${i.digest}` }))),
    VULNERABILITIES: JSON.stringify(Object.fromEntries(images.map((i) => [i.name, JSON.parse(vulnerabilities || '{}') as unknown]))),
    E2E_RESULT: '',
    LOAD_RESULT: '',
    HEALTH_VERDICT: healthVerdict,
    STRATEGY: 'canary',
    ROLLOUT_STEPS,
    ENVIRONMENT: 'production',
    ...runnerContext(),
  });
  showStep('approval brief (approval.yml, job brief)', { ...r, env: {}, addedPath: [], log: r.stdout + r.stderr, tempDir: '', state: {}, killed: false });
  if (r.exitCode !== 0) throw new StepFailed(`approval brief exited ${r.exitCode}`);
  banner(
    'Approval: in GitHub the production deploy jobs now wait for a required reviewer of the protected `production` environment, which holds the production role',
  );
}
