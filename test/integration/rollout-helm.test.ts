/**
 * rollout's committed bundle (main and post, as the runner runs them) against the helm and
 * kubectl test doubles and a real Prometheus (Debian's, 1 s scrapes) scraping a stable and two
 * canary sample services. The doubles do not route traffic, so each case's canary job stands
 * for the canary whatever its weight; what the test checks is what the rollout did to the
 * releases (the doubles' state), its outputs, its log and its summary.
 * Cases start in beforeAll and run at the same time; each test then checks its own.
 */
import { rmSync } from 'node:fs';
import { expectCleanFailure, runAction, runPost, type StepResult } from '../harness/run-action';
import { CHART, Cluster, DIGEST_A, DIGEST_B, DOUBLES, digestOf, IMAGE_A, IMAGE_B } from '../helpers/helm-cluster';
import { analysisInputs, removeCaseDirs, startCanaryMetrics, type CanaryMetrics, type Job } from '../helpers/canary-metrics';

jest.retryTimes(1, { logErrorsBeforeRetry: true }); // real Prometheus in real time, as health-gate's test

const INGRESS = 'ingress.enabled=true\ningress.host=web.example.com';
let metrics: CanaryMetrics;
const clusters: Cluster[] = [];
const cases: Record<string, Promise<{ cluster: Cluster; main: StepResult; post?: StepResult }>> = {};

function rollout(c: Cluster, inputs: Record<string, string>, opts: { killWhen?: (log: string) => boolean } = {}): Promise<StepResult> {
  return runAction(
    'rollout',
    { 'helm-version': 'path', chart: CHART, release: 'web', ...inputs },
    {
      path: [DOUBLES],
      env: { HELM_DOUBLE_STATE: c.dir, HELM_DOUBLE_VERSION: c.helmVersion },
      timeoutMs: 90_000,
      ...opts,
    },
  );
}
function post(c: Cluster, inputs: Record<string, string>, main: StepResult): Promise<StepResult> {
  return runPost('rollout', { 'helm-version': 'path', chart: CHART, release: 'web', ...inputs }, main, {
    path: [DOUBLES],
    env: { HELM_DOUBLE_STATE: c.dir, HELM_DOUBLE_VERSION: c.helmVersion },
  });
}
const analysis = (job: Job) => analysisInputs(metrics.prometheus, job);
const CANARY_STEPS = '- setWeight: 10\n- analysis: {}\n- setWeight: 50\n- analysis: {}\n- setWeight: 100\n- analysis: {compareBaseline: false}';

/** A cluster whose stable release `web` runs DIGEST_A (installed by helm-deploy itself). */
async function stableCluster(strategy = 'canary'): Promise<Cluster> {
  const c = new Cluster();
  clusters.push(c);
  const r = await c.deploy({ strategy, image: IMAGE_A, set: INGRESS });
  if (r.exitCode !== 0) throw new Error(`seeding the stable release failed:\n${r.log}`);
  c.clearCalls();
  return c;
}

beforeAll(async () => {
  metrics = await startCanaryMetrics();
  const inputs = (job: Job, extra: Record<string, string> = {}) => ({ image: IMAGE_B, set: INGRESS, steps: CANARY_STEPS, ...analysis(job), ...extra });

  cases.healthy = stableCluster().then(async (cluster) => ({ cluster, main: await rollout(cluster, inputs('good')) }));
  cases.bad = stableCluster().then(async (cluster) => ({ cluster, main: await rollout(cluster, inputs('bad')) }));
  cases.killed = stableCluster().then(async (cluster) => {
    const steps = '- setWeight: 10\n- setWeight: 50\n- pause: {duration: 60s}\n- setWeight: 100';
    const main = await rollout(cluster, { image: IMAGE_B, set: INGRESS, steps }, { killWhen: (log) => log.includes('step 3: pause') });
    return { cluster, main, post: await post(cluster, { image: IMAGE_B, set: INGRESS, steps }, main) };
  });
  cases.blueGreen = stableCluster('blue-green').then(async (cluster) => {
    const steps = '- preview\n- analysis: {}\n- promote\n- analysis: {}';
    const bg = { strategy: 'blue-green', image: IMAGE_B, steps, ...analysis('good') };
    const main = await rollout(cluster, bg);
    return { cluster, main, post: await post(cluster, bg, main) };
  });
  cases.badInput = stableCluster().then(async (cluster) => ({
    cluster,
    main: await rollout(cluster, { image: IMAGE_B, steps: '- setWeight: 50\n- setWeight: 10\n- setWeight: 100', ...analysis('good') }),
  }));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(cases));
  await metrics?.stop();
  for (const c of clusters) rmSync(c.dir, { recursive: true, force: true });
});

afterEach(() => removeCaseDirs(cases));

describe('rollout (helm) from the committed bundle', () => {
  it('promotes a healthy canary through 10, 50 and 100 %, judging each step against the real Prometheus', async () => {
    const { cluster, main } = await cases.healthy;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'reached-weight': '100', revision: '2', 'task-definition-arn': '' });
    const weights = cluster.writes().flatMap((w) => /canary\.weight=(\d+)/.exec(w)?.[1] ?? []);
    expect(weights).toEqual(['10', '50', '100']);
    expect(cluster.writes().slice(-2)).toEqual([
      expect.stringMatching(/^helm upgrade --install web .*image.digest=sha256:b{64} /),
      'helm uninstall web-canary --namespace default --timeout 5m --wait',
    ]);
    expect(digestOf(cluster.history('web').at(-1))).toBe(DIGEST_B);
    expect(cluster.history('web-canary')).toEqual([]);
    const report = JSON.parse(main.outputs['analysis-report']) as {
      step: number;
      weight: number;
      verdict: string;
      report: { analysis: { settings: { compareBaseline: boolean } } };
    }[];
    expect(report.map((r) => [r.step, r.weight, r.verdict])).toEqual([
      [2, 10, 'pass'],
      [4, 50, 'pass'],
      [6, 100, 'pass'],
    ]);
    expect(report[2].report.analysis.settings.compareBaseline).toBe(false);
    expect(main.summary).toContain('Rollout promoted');
    expect(main.summary).toMatch(/\| 2 \| analysis \| 10 % \| .* \| pass \| count-complete \|/);
    expect(main.summary).toContain('```mermaid');
    expect(main.summary).toContain('"10% #1"');
  });

  it('aborts a bad canary at 10 %: canary removed, stable untouched, one ::error::, result aborted', async () => {
    const { cluster, main } = await cases.bad;
    expectCleanFailure(main, 'aborted, all traffic back on stable', 'step 2: analysis at 10 % is fail (rule critical-breach)');
    expect(main.outputs).toMatchObject({ result: 'aborted', 'reached-weight': '10' });
    expect(cluster.writes()).toEqual([
      expect.stringMatching(/^helm upgrade --install web-canary .*canary\.weight=10/),
      'helm uninstall web-canary --namespace default --timeout 5m --wait',
    ]);
    expect(cluster.history('web').map(digestOf)).toEqual([DIGEST_A]);
    expect(main.summary).toMatch(/\| abort \| 0 % \|/);
  });

  it('a killed main leaves the canary at 50 %; the post step, run as the runner runs it, aborts it', async () => {
    const { cluster, main, post: p } = await cases.killed;
    expect(main.killed).toBe(true);
    expect(JSON.parse(main.state.rollout)).toMatchObject({ phase: 'progressing', weight: 50, step: 2 });
    expect(
      cluster
        .writes()
        .filter((w) => w.startsWith('helm upgrade'))
        .map((w) => /canary\.weight=(\d+)/.exec(w)?.[1]),
    ).toEqual(['10', '50']);
    expect(cluster.history('web-canary')).toEqual([]); // removed by post
    expect(cluster.writes().at(-1)).toBe('helm uninstall web-canary --namespace default --timeout 5m --wait');
    expect(cluster.history('web').map(digestOf)).toEqual([DIGEST_A]);
    expect(p?.exitCode).toBe(0);
    // a warning's % is escaped as %25 in the workflow command, as @actions/core writes it
    expect(p?.log).toMatch(
      /::warning::rollout post: the rollout did not finish \(progressing; its last traffic change was step 2, weight 50 %25\): aborting it/,
    );
    expect(p?.summary).toContain('Rollout aborted by its post step');
  });

  it('blue/green: previews the idle colour, judges it, switches, judges again, retires the old colour; post then does nothing', async () => {
    const { cluster, main, post: p } = await cases.blueGreen;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'reached-weight': '100' });
    const writes = cluster.writes();
    expect(writes[0]).toMatch(/^helm upgrade --install web-green .*blueGreen\.color=green/);
    expect(writes[1]).toMatch(/^helm upgrade --install web .*blueGreen\.activeColor=green/);
    expect(writes.at(-1)).toBe('helm uninstall web-blue --namespace default --timeout 5m --wait');
    expect(digestOf(cluster.history('web-green').at(-1))).toBe(DIGEST_B);
    expect(p?.exitCode).toBe(0);
    expect(p?.log).toContain('the rollout ended (promoted); nothing to undo');
    expect(cluster.writes()).toEqual(writes);
  });

  it('refuses weights that do not increase before anything is deployed', async () => {
    const { cluster, main } = await cases.badInput;
    expectCleanFailure(main, "Input 'steps': step 2: setWeight 10 is not above the previous weight 50");
    expect(cluster.calls()).toEqual([]);
    expect(main.state).toEqual({});
  });
});
