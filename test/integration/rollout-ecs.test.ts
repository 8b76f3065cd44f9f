/**
 * rollout's committed bundle with target ecs, against the ECS test double (AWS JSON 1.1 on
 * loopback, reached by the real SDK through AWS_ENDPOINT_URL_ECS) and a real Prometheus scraping
 * a stable and two canary sample services. The double does not route traffic: each case's canary
 * job stands for the new revision. Checked: the rollout's outputs and exit code, and what ECS was
 * asked and holds (the service's task definition, the service deployment's status, and the
 * double's record of every lifecycle stage entered with its production traffic weight).
 * Each case has its own double; all start in beforeAll and run at the same time.
 */
import { expectCleanFailure, runAction, runPost, type StepResult } from '../harness/run-action';
import { startEcsDouble, type EcsDouble, type Scenario } from '../doubles/ecs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { putErrorsAlarm } from '../helpers/cloudwatch-alarm';
import { MOTO_REGION, startMoto, type TestMoto } from '../helpers/moto';
import { analysisInputs, removeCaseDirs, startCanaryMetrics, type CanaryMetrics, type Job } from '../helpers/canary-metrics';

jest.retryTimes(1, { logErrorsBeforeRetry: true }); // real Prometheus in real time, as health-gate's test

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`;
const OLD_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const NEW_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const doubles: EcsDouble[] = [];
let metrics: CanaryMetrics;
let moto: TestMoto;
const cases: Record<string, Promise<{ double: EcsDouble; main: StepResult; post?: StepResult }>> = {};

const CANARY = '- setWeight: 10\n- analysis: {}\n- setWeight: 100\n- analysis: {compareBaseline: false}';
const LINEAR =
  [20, 40, 60, 80].map((w) => `- setWeight: ${w}\n- analysis: {count: 3}`).join('\n') + '\n- setWeight: 100\n- analysis: {count: 3, compareBaseline: false}';
/** The PAUSE hooks' timeout these analyses get (run.ts): one ECS minute of analysis and poll, plus the 10-minute margin. */
const HOOK_TIMEOUT = { timeoutInMinutes: 11, action: 'ROLLBACK' };
const HOOKS = [{ targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration: HOOK_TIMEOUT }];

async function double(controller: 'ECS' | 'CODE_DEPLOY' = 'ECS', scenario: Scenario = 'healthy', minuteMs = 5000): Promise<EcsDouble> {
  // an ECS "minute" lasts 5 s here, so a PAUSE hook's timeout (11 minutes) outlasts every analysis
  const d = await startEcsDouble({ stageMs: 60, minuteMs, scenario });
  d.seedService({ controller });
  if (controller === 'CODE_DEPLOY')
    d.seedDeploymentGroup({ application: 'web-app', deploymentGroup: 'web-dg', cluster: 'default', service: 'web', holdAtReady: true });
  doubles.push(d);
  return d;
}
const inputs = (job: Job, extra: Record<string, string> = {}) => ({
  target: 'ecs',
  service: 'web',
  images: `app=${IMAGE}`,
  'poll-interval': '100ms',
  wait: '60s',
  steps: CANARY,
  ...analysisInputs(metrics.prometheus, job),
  ...extra,
});
const run = (d: EcsDouble, i: Record<string, string>, killWhen?: (log: string) => boolean, env: Record<string, string> = {}) =>
  runAction('rollout', i, { env: { ...env, ...d.env }, timeoutMs: 90_000, killWhen });
const writes = (d: EcsDouble) => d.calls.filter((c) => !/^(Describe|List|Get)/.test(c.operation)).map((c) => c.operation);
const serviceTd = (d: EcsDouble) => d.ecs.services.get('default/web')?.taskDefinition;
const answers = (d: EcsDouble) => d.callsOf('ContinueServiceDeployment').map((c) => c.body.action);
/** The production traffic shifts ECS made (PRODUCTION_TRAFFIC_SHIFT entered), with when. */
const shifts = (d: EcsDouble) =>
  d.ecs.deployments
    .at(-1)
    ?.history.filter((h) => h.stage === 'PRODUCTION_TRAFFIC_SHIFT')
    .map((h) => ({ at: h.at, weight: h.productionWeight })) ?? [];

beforeAll(async () => {
  metrics = await startCanaryMetrics();
  cases.healthy = double().then(async (d) => ({ double: d, main: await run(d, inputs('good')) }));
  cases.bad = double().then(async (d) => ({ double: d, main: await run(d, inputs('bad')) }));
  cases.blueGreen = double().then(async (d) => ({
    double: d,
    main: await run(d, inputs('good', { strategy: 'blue-green', steps: '- preview\n- analysis: {}\n- promote\n- analysis: {compareBaseline: false}' })),
  }));
  cases.killed = double().then(async (d) => {
    const i = inputs('good');
    const main = await run(d, i, (log) => log.includes('step 2: analysis'));
    return { double: d, main, post: await runPost('rollout', i, main, { env: { ...d.env } }) };
  });
  const cd = (job: Job) =>
    inputs(job, {
      strategy: 'blue-green',
      'codedeploy-application': 'web-app',
      'codedeploy-deployment-group': 'web-dg',
      steps: '- preview\n- analysis: {}\n- promote\n- analysis: {compareBaseline: false}',
    });
  cases.codedeployKilled = double('CODE_DEPLOY').then(async (d) => {
    const i = cd('good');
    const main = await run(d, i, (log) => log.includes('step 2: analysis'));
    return { double: d, main, post: await runPost('rollout', i, main, { env: { ...d.env } }) };
  });
  cases.codedeploy = double('CODE_DEPLOY').then(async (d) => ({ double: d, main: await run(d, cd('good')) }));
  cases.codedeployBad = double('CODE_DEPLOY').then(async (d) => ({ double: d, main: await run(d, cd('bad')) }));
  cases.codedeployStale = double('CODE_DEPLOY', 'codedeploy-stale-primary').then(async (d) => ({ double: d, main: await run(d, cd('good')) }));
  // CloudWatch (moto, a real emulator): the deployment alarm is already firing, so the first analysis fails
  moto = await startMoto();
  const cw = new CloudWatchClient({ region: MOTO_REGION, endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await putErrorsAlarm(cw, 'web-5xx', 'ALARM', 'Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (5.0).', 5);
  cw.destroy();
  const motoEnv = Object.fromEntries(Object.entries(moto.env).filter(([k]) => k.startsWith('AWS_')));
  cases.alarm = double().then(async (d) => ({
    double: d,
    main: await run(d, inputs('good', { 'cloudwatch-alarms': 'web-5xx', 'aws-region': MOTO_REGION }), undefined, motoEnv),
  }));
  cases.linear = double().then(async (d) => ({ double: d, main: await run(d, inputs('good', { steps: LINEAR })) }));
  cases.linearBad = double().then(async (d) => ({
    double: d,
    main: await run(d, inputs('bad', { steps: '- setWeight: 20\n- setWeight: 40\n- analysis: {}\n- setWeight: 60\n- setWeight: 80\n- setWeight: 100' })),
  }));
  // an ECS minute of 2 s: the canary bake time the old deployer set (2 minutes here) ends long before the 5 s pause and the analysis
  cases.slow = double('ECS', 'healthy', 2000).then(async (d) => ({
    double: d,
    main: await run(d, inputs('good', { steps: '- setWeight: 10\n- pause: {duration: 5s}\n- analysis: {}\n- setWeight: 100' })),
  }));
  cases.badSteps = double().then(async (d) => ({
    double: d,
    main: await run(d, inputs('good', { steps: '- setWeight: 10\n- setWeight: 50\n- setWeight: 100' })),
  }));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(cases));
  await metrics?.stop();
  await Promise.all(doubles.map((d) => d.stop()));
  await moto?.stop();
});

afterEach(() => removeCaseDirs(cases));

describe('rollout (ecs) from the committed bundle', () => {
  it('promotes a healthy ECS native canary: 10 %, analysis, all traffic, PAUSE hook answered CONTINUE after the last analysis', async () => {
    const { double: d, main } = await cases.healthy;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'reached-weight': '100', 'task-definition-arn': NEW_TD, revision: '' });
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'UpdateService', ...Array(3).fill('ContinueServiceDeployment')]);
    const update = d.callsOf('UpdateService')[0].body as { deploymentConfiguration: Record<string, unknown> };
    expect(update.deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 },
      lifecycleHooks: HOOKS,
    });
    // before the first shift (0 %), before the second (at 10 %), after the last (100 %)
    expect(answers(d)).toEqual(['CONTINUE', 'CONTINUE', 'CONTINUE']);
    expect(shifts(d).map((x) => x.weight)).toEqual([10, 100]);
    expect(serviceTd(d)).toBe(NEW_TD);
    expect(JSON.parse(main.outputs['analysis-report']).map((a: { weight: number; verdict: string }) => [a.weight, a.verdict])).toEqual([
      [10, 'pass'],
      [100, 'pass'],
    ]);
  });

  it('aborts a bad canary at 10 %: the PAUSE hook holding it answered ROLLBACK, the service back on its task definition', async () => {
    const { double: d, main } = await cases.bad;
    expectCleanFailure(main, 'aborted, all traffic back on stable', 'step 2: analysis at 10 % is fail');
    expect(main.outputs).toMatchObject({ result: 'aborted', 'reached-weight': '10' });
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'UpdateService', 'ContinueServiceDeployment', 'ContinueServiceDeployment']);
    expect(answers(d)).toEqual(['CONTINUE', 'ROLLBACK']);
    expect(shifts(d).map((x) => x.weight)).toEqual([10]);
    expect(d.ecs.deployments.at(-1)?.history.at(-1)?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(serviceTd(d)).toBe(OLD_TD);
  });

  it('promotes an ECS linear rollout 20, 40, 60, 80, 100 %: one PAUSE hook before each shift, each answered after the analysis at its weight', async () => {
    const { double: d, main } = await cases.linear;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'reached-weight': '100', 'task-definition-arn': NEW_TD });
    const update = d.callsOf('UpdateService')[0].body as { deploymentConfiguration: Record<string, unknown> };
    expect(update.deploymentConfiguration).toMatchObject({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 0 },
      lifecycleHooks: HOOKS,
    });
    expect(answers(d)).toEqual(Array(6).fill('CONTINUE'));
    expect(JSON.parse(main.outputs['analysis-report']).map((a: { weight: number; verdict: string }) => [a.weight, a.verdict])).toEqual(
      [20, 40, 60, 80, 100].map((w) => [w, 'pass']),
    );
    // ECS shifted each step only after the answer before it: the weight stayed put through each analysis
    const continued = d.callsOf('ContinueServiceDeployment').map((c) => c.at);
    expect(shifts(d).map((x) => x.weight)).toEqual([20, 40, 60, 80, 100]);
    shifts(d).forEach((x, i) => expect(x.at).toBeGreaterThanOrEqual(continued[i]));
    expect(main.log).toContain('ECS paused at PRE_PRODUCTION_TRAFFIC_SHIFT with 60 % of production traffic on the new revision');
    expect(serviceTd(d)).toBe(NEW_TD);
  });

  it('aborts an ECS linear rollout at 40 %: ROLLBACK answered to the pause there, ECS never went past 40 %, the service back on its task definition', async () => {
    const { double: d, main } = await cases.linearBad;
    expectCleanFailure(main, 'aborted, all traffic back on stable', 'step 3: analysis at 40 % is fail');
    expect(main.outputs).toMatchObject({ result: 'aborted', 'reached-weight': '40' });
    expect(answers(d)).toEqual(['CONTINUE', 'CONTINUE', 'ROLLBACK']);
    expect(writes(d)).not.toContain('StopServiceDeployment');
    expect(shifts(d).map((x) => x.weight)).toEqual([20, 40]);
    expect(d.ecs.deployments.at(-1)?.history.at(-1)?.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(serviceTd(d)).toBe(OLD_TD);
  });

  it('holds the canary at 10 % through a pause and an analysis longer than the old bake time, until CONTINUE', async () => {
    const { double: d, main } = await cases.slow;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'task-definition-arn': NEW_TD });
    const [atTen, atAll] = shifts(d);
    expect([atTen.weight, atAll.weight]).toEqual([10, 100]);
    // the old deployer's canary bake time: 2 ECS minutes = 4 s here; the 10 % lasted the 5 s pause and the analysis
    expect(atAll.at - atTen.at).toBeGreaterThan(2 * 2000);
    expect(atAll.at).toBeGreaterThanOrEqual(d.callsOf('ContinueServiceDeployment')[1].at);
    expect(d.ecs.deployments.at(-1)?.hooks.map((h) => h.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('blue/green: test traffic to the new revision, analysis, promote, analysis; each PAUSE hook answered CONTINUE', async () => {
    const { double: d, main } = await cases.blueGreen;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'task-definition-arn': NEW_TD });
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'UpdateService', 'ContinueServiceDeployment', 'ContinueServiceDeployment']);
    const update = d.callsOf('UpdateService')[0].body as { deploymentConfiguration: Record<string, unknown> };
    expect(update.deploymentConfiguration).toMatchObject({
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [
        { targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration: HOOK_TIMEOUT },
      ],
    });
    expect(serviceTd(d)).toBe(NEW_TD);
  });

  it('a killed main leaves the canary at 10 %; the post step stops the service deployment main saved and rolls it back', async () => {
    const { double: d, main, post } = await cases.killed;
    expect(main.killed).toBe(true);
    const started = d.ecs.deployments.at(-1)?.arn;
    expect(JSON.parse(main.state.rollout)).toMatchObject({ phase: 'progressing', weight: 10, ecsServiceDeploymentArn: started });
    expect(post?.exitCode).toBe(0);
    expect(d.callsOf('StopServiceDeployment').map((c) => c.body.serviceDeploymentArn)).toEqual([started]);
    // main answered the pause before the first shift; post stops the deployment paused at 10 %
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'UpdateService', 'ContinueServiceDeployment', 'StopServiceDeployment']);
    expect(serviceTd(d)).toBe(OLD_TD);
    expect(post?.summary).toContain('Rollout aborted by its post step');
  });

  it('CodeDeploy blue/green: held at Ready for the analysis, ContinueDeployment at promote, Succeeded at the end', async () => {
    const { double: d, main } = await cases.codedeploy;
    expect({ exit: main.exitCode, log: main.exitCode === 0 ? '' : main.log }).toEqual({ exit: 0, log: '' });
    expect(main.outputs).toMatchObject({ result: 'promoted', 'task-definition-arn': NEW_TD });
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'ContinueDeployment']);
    expect(d.callsOf('ContinueDeployment')[0].body).toMatchObject({ deploymentWaitType: 'READY_WAIT' });
    expect(serviceTd(d)).toBe(NEW_TD);
  });

  it('CodeDeploy blue/green: a failed analysis at Ready stops the deployment with auto-rollback; traffic never moved', async () => {
    const { double: d, main } = await cases.codedeployBad;
    expectCleanFailure(main, 'aborted, all traffic back on stable', 'step 2: analysis at 0 % is fail');
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'StopDeployment']);
    expect(d.callsOf('StopDeployment')[0].body).toMatchObject({ autoRollbackEnabled: true });
    expect(serviceTd(d)).toBe(OLD_TD);
  });

  it('a killed main leaves CodeDeploy at Ready; the post step stops the saved deployment with auto-rollback and waits for it', async () => {
    const { double: d, main, post } = await cases.codedeployKilled;
    expect(main.killed).toBe(true);
    const created = d.callsOf('CreateDeployment');
    expect(created).toHaveLength(1);
    const saved = JSON.parse(main.state.rollout) as { phase: string; previewed: boolean; codeDeployDeploymentId?: string };
    expect(saved).toMatchObject({ phase: 'progressing', previewed: true, switched: false });
    expect(saved.codeDeployDeploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    expect({ exit: post?.exitCode, errors: post?.errors }).toEqual({ exit: 0, errors: [] });
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'StopDeployment']);
    expect(d.callsOf('StopDeployment')[0].body).toEqual({ deploymentId: saved.codeDeployDeploymentId, autoRollbackEnabled: true });
    // waited for the rollback: the post step read the Stopped status after StopDeployment
    const stopAt = d.calls.findIndex((c) => c.operation === 'StopDeployment');
    expect(d.calls.slice(stopAt + 1).some((c) => c.operation === 'GetDeployment')).toBe(true);
    expect(post?.log).toContain('stopped with auto-rollback (rolled-back');
    expect(serviceTd(d)).toBe(OLD_TD);
    expect(post?.summary).toContain('Rollout aborted by its post step');
    expect(post?.summary).toContain(`${saved.codeDeployDeploymentId} stopped with auto-rollback`);
  });

  it('CodeDeploy blue/green: Succeeded while the PRIMARY task set still runs the old task definition is not promoted', async () => {
    const { double: d, main } = await cases.codedeployStale;
    expectCleanFailure(main, 'PRIMARY task set', `runs ${OLD_TD}, not ${NEW_TD}`);
    expect(main.outputs.result).not.toBe('promoted');
    expect(writes(d)).toEqual(['RegisterTaskDefinition', 'CreateDeployment', 'ContinueDeployment']);
  });

  it('a CloudWatch alarm in ALARM (moto) fails the analysis at 10 %: the ECS canary is rolled back', async () => {
    const { double: d, main } = await cases.alarm;
    expectCleanFailure(main, 'aborted, all traffic back on stable', 'web-5xx');
    expect(main.outputs).toMatchObject({ result: 'aborted', 'reached-weight': '10' });
    expect(answers(d)).toEqual(['CONTINUE', 'ROLLBACK']);
    expect(serviceTd(d)).toBe(OLD_TD);
  });

  it('refuses weights that are neither one canary percent nor equal increments before anything is asked of ECS', async () => {
    const { double: d, main } = await cases.badSteps;
    expectCleanFailure(main, "Input 'steps': step 2: setWeight 50 in setWeight 10, 50, 100", 'equal increments S, 2S');
    expect(d.calls).toEqual([]);
  });
});
