/**
 * The ECS Deployer's pause discipline against the ECS test double (in process, the real SDK on
 * loopback): every setWeight checks where ECS paused and with what weight, a hook left
 * unanswered past its timeout is rolled back by ECS itself and the abort accepts that, and the
 * PAUSE hooks' timeout covers the longest run of steps between two traffic moves.
 */
import * as Ecs from '@aws-sdk/client-ecs';
import type { EcsApi } from '../../src/ecs-deploy/library';
import { ecsDeployer } from '../../src/rollout/ecs-deployer';
import { parseInputs } from '../../src/rollout/inputs';
import type { RolloutState } from '../../src/rollout/machine';
import { HOOK_TIMEOUT_MARGIN_MINUTES, pauseHookTimeoutMinutes } from '../../src/rollout/run';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { startEcsDouble, type EcsDouble } from '../doubles/ecs';

const ROOT = `${__dirname}/../..`;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'ab'.repeat(32)}`;
/** Rollout inputs for target ecs; aws-region is also an analysis input, so the analysis has a health URL (2 min deadline). */
const ecsInputs = (steps: string, extra: Record<string, string> = {}) =>
  parseInputs(
    {
      target: 'ecs',
      service: 'web',
      images: `app=${IMAGE}`,
      'aws-region': 'us-east-1',
      'poll-interval': '100ms',
      wait: '20s',
      urls: 'http://canary.internal/health',
      'check-interval': '5s',
      deadline: '2m',
      steps,
      ...extra,
    },
    ROOT,
  );
const STATE: RolloutState = { v: 1, kind: 'canary', phase: 'aborting', step: 2, weight: 10, previewed: false, switched: false };

let double: EcsDouble;
let client: Ecs.ECSClient;
let api: EcsApi;
const CLOCK = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
afterEach(async () => {
  client?.destroy();
  await double?.stop();
});

/** ecs-deploy's EcsApi over an SDK client pointed at the double. */
async function open(minuteMs: number, steps: string, hookTimeoutMinutes: number, extra: Record<string, string> = {}) {
  double = await startEcsDouble({ stageMs: 30, minuteMs });
  double.seedService({});
  client = new Ecs.ECSClient({ region: 'us-east-1', endpoint: double.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const send = (C: new (i: never) => unknown) => (i: unknown) => client.send(new C(i as never) as never);
  api = {
    describeServices: send(Ecs.DescribeServicesCommand),
    describeTaskDefinition: send(Ecs.DescribeTaskDefinitionCommand),
    registerTaskDefinition: send(Ecs.RegisterTaskDefinitionCommand),
    updateService: send(Ecs.UpdateServiceCommand),
    describeServiceDeployments: send(Ecs.DescribeServiceDeploymentsCommand),
    listServiceDeployments: send(Ecs.ListServiceDeploymentsCommand),
    describeServiceRevisions: send(Ecs.DescribeServiceRevisionsCommand),
    continueServiceDeployment: send(Ecs.ContinueServiceDeploymentCommand),
    stopServiceDeployment: send(Ecs.StopServiceDeploymentCommand),
    runTask: send(Ecs.RunTaskCommand),
    describeTasks: send(Ecs.DescribeTasksCommand),
    listTasks: send(Ecs.ListTasksCommand),
  } as unknown as EcsApi;
  const inputs = ecsInputs(steps, extra);
  if (inputs.deploy.target !== 'ecs') throw new Error('target ecs expected');
  const reporter = new MemoryReporter();
  const deployer = ecsDeployer({ ecs: api, clock: CLOCK, reporter, cluster: 'default', service: 'web' }, inputs.deploy.ecs, {
    kind: 'canary',
    hookTimeoutMinutes,
  });
  return { deployer, reporter, oldTd: double.ecs.services.get('default/web')?.taskDefinition };
}

/** A fresh deployer on the running double, as the post step opens one. */
function reopen() {
  const inputs = ecsInputs('- setWeight: 10\n- setWeight: 100');
  if (inputs.deploy.target !== 'ecs') throw new Error('target ecs expected');
  const reporter = new MemoryReporter();
  return {
    deployer: ecsDeployer({ ecs: api, clock: CLOCK, reporter, cluster: 'default', service: 'web' }, inputs.deploy.ecs, {
      kind: 'canary',
      hookTimeoutMinutes: 60,
    }),
    reporter,
  };
}

describe('ECS deployer', () => {
  it('fails closed when ECS pauses at another weight than asked, and the abort answers that pause ROLLBACK', async () => {
    const { deployer, oldTd } = await open(20, '- setWeight: 10\n- setWeight: 100', 60);
    await expect(deployer.setWeight(20)).rejects.toThrow(
      'setWeight 20 expected a pause at PRE_PRODUCTION_TRAFFIC_SHIFT with 20 % of production traffic, but ECS paused at PRE_PRODUCTION_TRAFFIC_SHIFT with 10 %',
    );
    await deployer.abort(STATE);
    expect(double.callsOf('ContinueServiceDeployment').map((c) => c.body.action)).toEqual(['CONTINUE', 'ROLLBACK']);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(oldTd);
  });

  it('a pause left past its timeout is rolled back by ECS (TIMED_OUT); the next answer fails and the abort accepts the rollback ECS made', async () => {
    // an ECS minute of 100 ms, hooks timing out after 20 of them (2 s)
    const { deployer, reporter, oldTd } = await open(100, '- setWeight: 10\n- setWeight: 100', 20);
    expect(await deployer.setWeight(10)).toEqual({ weight: 10 });
    const update = double.callsOf('UpdateService')[0].body as { deploymentConfiguration: { lifecycleHooks: unknown[] } };
    expect(update.deploymentConfiguration.lifecycleHooks).toEqual([
      {
        targetType: 'PAUSE',
        lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'],
        timeoutConfiguration: { timeoutInMinutes: 20, action: 'ROLLBACK' },
      },
    ]);
    await new Promise((r) => setTimeout(r, 3000)); // the runner "gone" longer than the hook's timeout
    await expect(deployer.setWeight(100)).rejects.toThrow('ContinueServiceDeployment failed');
    await deployer.abort(STATE);
    expect(reporter.lines.join('\n')).toContain('abort: ECS had already rolled');
    expect(double.ecs.deployments.at(-1)?.hooks.map((h) => h.status)).toEqual(['SUCCEEDED', 'TIMED_OUT']);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(oldTd);
  });

  it('a pause someone else answered CONTINUE (the console): the abort answers ROLLBACK to the pause ECS moved on to', async () => {
    const { deployer, reporter, oldTd } = await open(20, '- setWeight: 10\n- setWeight: 100', 60);
    expect(await deployer.setWeight(10)).toEqual({ weight: 10 });
    const d = double.ecs.deployments.at(-1)!;
    const held = d.hooks.find((h) => h.status === 'AWAITING_ACTION')!;
    double.ecs.continueDeployment(d.arn, held.hookId, 'CONTINUE'); // ECS shifts all traffic and pauses at POST
    await expect(deployer.setWeight(100)).rejects.toThrow('ContinueServiceDeployment failed');
    await deployer.abort(STATE);
    expect(double.callsOf('ContinueServiceDeployment').map((c) => [c.body.hookId === held.hookId, c.body.action])).toEqual([
      [false, 'CONTINUE'],
      [true, 'CONTINUE'],
      [true, 'ROLLBACK'],
      [false, 'ROLLBACK'],
    ]);
    expect(reporter.lines.join('\n')).toContain('answered ROLLBACK');
    expect(double.ecs.deployments.at(-1)?.plan[d.step].status).toBe('ROLLBACK_SUCCESSFUL');
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(oldTd);
  });

  it('when ECS rolls back by itself (a deployment alarm) the abort finds it rolled back and stops nothing', async () => {
    const { deployer, reporter, oldTd } = await open(20, '- setWeight: 10\n- setWeight: 100', 60);
    double.setScenario('alarm');
    expect(await deployer.setWeight(10)).toEqual({ weight: 10 });
    expect(await deployer.setWeight(100)).toEqual({ weight: 100 });
    await expect(deployer.finish()).rejects.toThrow('the service deployment ended rolled-back');
    await deployer.abort(STATE);
    expect(reporter.lines.join('\n')).toContain('by itself (Service deployment rolled back because one or more of the deployment alarms triggered.)');
    expect(double.callsOf('StopServiceDeployment')).toHaveLength(0);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(oldTd);
  });

  it("a post step's abort stops only the service deployment its rollout saved, never another one in flight on the service", async () => {
    const { deployer: other, oldTd } = await open(20, '- setWeight: 10\n- setWeight: 100', 60);
    expect(await other.setWeight(10)).toEqual({ weight: 10 }); // someone else's deployment, paused at 10 %
    const othersArn = double.ecs.deployments.at(-1)!.arn;
    const { deployer: ours, reporter } = reopen();
    await ours.abort({ ...STATE, ecsServiceDeploymentArn: undefined });
    expect(reporter.lines.join('\n')).toContain('abort: this rollout started no ECS service deployment (none recorded); nothing to stop');
    expect(double.callsOf('StopServiceDeployment')).toHaveLength(0);
    // with the ARN saved, the same abort stops it and waits for ECS's rollback
    await reopen().deployer.abort({ ...STATE, ecsServiceDeploymentArn: othersArn });
    expect(double.callsOf('StopServiceDeployment').map((c) => c.body.serviceDeploymentArn)).toEqual([othersArn]);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(oldTd);
  });

  it('a post step finding its saved deployment already SUCCESSFUL fails, saying the new version serves', async () => {
    const { deployer } = await open(20, '- setWeight: 10\n- setWeight: 100', 60);
    await deployer.setWeight(10);
    await deployer.setWeight(100);
    await deployer.finish();
    const arn = double.ecs.deployments.at(-1)!.arn;
    await expect(reopen().deployer.abort({ ...STATE, ecsServiceDeploymentArn: arn })).rejects.toThrow(
      'had already completed (SUCCESSFUL): the new task definition serves all traffic',
    );
    expect(double.callsOf('StopServiceDeployment')).toHaveLength(0);
  });

  it("waits for the deployment's bake time on top of wait: a bake longer than wait does not abort a rollout whose analyses passed", async () => {
    // an ECS minute of 500 ms: bake-time 3 is 1.5 s of both revisions running, wait only 1 s
    const { deployer } = await open(500, '- setWeight: 10\n- setWeight: 100', 60, { wait: '1s', 'bake-time': '3' });
    await deployer.setWeight(10);
    await deployer.setWeight(100);
    expect(await deployer.finish()).toMatchObject({ taskDefinitionArn: expect.stringContaining('task-definition/') });
    expect(double.ecs.deployments.at(-1)?.history.map((h) => h.stage)).toContain('BAKE_TIME');
  });
});

describe('pauseHookTimeoutMinutes', () => {
  it('is the longest run of pauses and analyses between two traffic moves, plus a poll and the margin, in whole minutes', () => {
    // 10 %: pause 3m + analysis (HTTP deadline 2m) = 5 min; 100 %: one analysis = 2 min
    const i = ecsInputs('- setWeight: 10\n- pause: {duration: 3m}\n- analysis: {}\n- setWeight: 100\n- analysis: {}');
    expect(pauseHookTimeoutMinutes(i)).toBe(6 + HOOK_TIMEOUT_MARGIN_MINUTES); // 5 min and 100 ms of poll, rounded up
    const metrics = {
      'prometheus-url': 'http://prometheus:9090',
      metrics: '- name: errors\n  query: sum(rate(e[1m]))\n  max: 0.05',
      interval: '1m',
      count: '10',
      'request-timeout': '30s',
    };
    // the HTTP checks (2 min), then each measurement at its longest: 20 x (1m + 30s) = 30 min, the step's count overriding the input's
    const m = ecsInputs(
      '- setWeight: 20\n- analysis: {count: 20}\n- setWeight: 40\n- analysis: {}\n- setWeight: 60\n- setWeight: 80\n- setWeight: 100',
      metrics,
    );
    expect(pauseHookTimeoutMinutes(m)).toBe(33 + HOOK_TIMEOUT_MARGIN_MINUTES);
  });

  it('never exceeds what ECS takes (20160 minutes)', () => {
    const i = ecsInputs('- setWeight: 10\n' + Array(20).fill('- pause: {duration: 24h}').join('\n') + '\n- setWeight: 100');
    expect(pauseHookTimeoutMinutes(i)).toBe(20_160);
  });
});
