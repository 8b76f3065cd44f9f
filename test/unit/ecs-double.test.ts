/**
 * The ECS / CodeDeploy test double answers the real SDK clients (serialization, retries) the
 * way the services do: states in the documented order, AWS error shapes, every call recorded.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  UpdateServiceCommand,
  ServiceNotFoundException,
  ContinueServiceDeploymentCommand,
  RegisterTaskDefinitionCommand,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { startEcsDouble, type EcsDouble } from '../doubles/ecs';

let double: EcsDouble;
let client: ECSClient;
afterEach(async () => {
  client?.destroy();
  await double?.stop();
});

async function start(scenario: Parameters<typeof startEcsDouble>[0] = {}) {
  double = await startEcsDouble({ stageMs: 150, ...scenario });
  client = new ECSClient({ region: 'us-east-1', endpoint: double.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

async function statuses(arn: string, until: (s: string) => boolean): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
    const sd = r.serviceDeployments![0];
    const label = `${sd.status}${sd.lifecycleStage ? `/${sd.lifecycleStage}` : ''}`;
    if (seen[seen.length - 1] !== label) seen.push(label);
    if (until(sd.status!)) return seen;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never ended: ${seen.join(' ')}`);
}

it('moves a rolling deployment PENDING -> IN_PROGRESS -> SUCCESSFUL and answers through the real SDK', async () => {
  await start();
  const svc = double.seedService({});
  const r = await client.send(new UpdateServiceCommand({ cluster: 'default', service: 'web', taskDefinition: svc.taskDefinition, forceNewDeployment: true }));
  const arn = r.service!.currentServiceDeployment!;
  expect(arn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:service-deployment\/default\/web\//);
  expect(await statuses(arn, (s) => s === 'SUCCESSFUL')).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESSFUL']);
  const services = await client.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }));
  expect(services.services![0].deployments).toHaveLength(1);
  expect(double.callsOf('UpdateService')[0].target).toBe('AmazonEC2ContainerServiceV20141113.UpdateService');
});

it('rolls back on the circuit breaker with the reason ECS gives', async () => {
  await start({ scenario: 'circuit-breaker' });
  const svc = double.seedService({});
  const before = svc.taskDefinition;
  const r = await client.send(new UpdateServiceCommand({ cluster: 'default', service: 'web', taskDefinition: before }));
  const seen = await statuses(r.service!.currentServiceDeployment!, (s) => s === 'ROLLBACK_SUCCESSFUL');
  expect(seen).toEqual(['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
  const sd = (await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [r.service!.currentServiceDeployment!] })))
    .serviceDeployments![0];
  expect(sd.deploymentCircuitBreaker).toEqual({ status: 'TRIGGERED', failureCount: 3, threshold: 3 });
  expect(sd.rollback?.reason).toMatch(/circuit breaker threshold was exceeded/);
});

it('walks blue/green lifecycle stages and holds at a PAUSE hook until ContinueServiceDeployment', async () => {
  await start();
  const svc = double.seedService({ strategy: 'BLUE_GREEN' });
  const r = await client.send(
    new UpdateServiceCommand({
      cluster: 'default',
      service: 'web',
      taskDefinition: svc.taskDefinition,
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }],
      },
    }),
  );
  const arn = r.service!.currentServiceDeployment!;
  await new Promise((res) => setTimeout(res, 1500));
  const paused = (await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0];
  expect(paused.status).toBe('IN_PROGRESS');
  expect(paused.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT');
  const hook = paused.lifecycleHookDetails![0];
  expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION' });
  await client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId!, action: 'CONTINUE' }));
  const seen = await statuses(arn, (s) => s === 'SUCCESSFUL');
  expect(seen).toEqual(expect.arrayContaining(['IN_PROGRESS/PRODUCTION_TRAFFIC_SHIFT', 'IN_PROGRESS/BAKE_TIME', 'IN_PROGRESS/CLEAN_UP', 'SUCCESSFUL']));
});

/** Polls until a PAUSE hook awaits action or the deployment ends; returns what ECS shows then. */
async function nextPause(arn: string, answered: string[]) {
  for (let i = 0; i < 400; i++) {
    const sd = (await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0];
    const hook = sd.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION' && !answered.includes(h.hookId!));
    if (hook || !['PENDING', 'IN_PROGRESS'].includes(sd.status!))
      return { hook, status: sd.status, stage: sd.lifecycleStage, weight: sd.targetServiceRevision?.requestedProductionTrafficWeight, sd };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no pause and no end');
}

async function startWithHook(
  strategy: 'LINEAR' | 'CANARY' | 'BLUE_GREEN',
  timeoutConfiguration?: { timeoutInMinutes: number; action: 'ROLLBACK' | 'CONTINUE' },
) {
  const svc = double.seedService({ strategy });
  const r = await client.send(
    new UpdateServiceCommand({
      cluster: 'default',
      service: 'web',
      taskDefinition: svc.taskDefinition,
      deploymentConfiguration: {
        strategy,
        linearConfiguration: strategy === 'LINEAR' ? { stepPercent: 25, stepBakeTimeInMinutes: 0 } : undefined,
        canaryConfiguration: strategy === 'CANARY' ? { canaryPercent: 10, canaryBakeTimeInMinutes: 0 } : undefined,
        lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'], timeoutConfiguration }],
      },
    }),
  );
  return r.service!.currentServiceDeployment!;
}

describe('a PAUSE hook at PRE_PRODUCTION_TRAFFIC_SHIFT', () => {
  it.each([
    ['LINEAR', [0, 25, 50, 75]],
    ['CANARY', [0, 10]],
    ['BLUE_GREEN', [0]],
  ] as const)('%s: pauses before every production traffic shift, a new hookId each time, at the weight reached so far', async (strategy, weights) => {
    await start({ stageMs: 40 });
    const arn = await startWithHook(strategy);
    const answered: string[] = [];
    const seen: (number | undefined)[] = [];
    for (;;) {
      const p = await nextPause(arn, answered);
      if (!p.hook) break;
      expect(p).toMatchObject({ status: 'IN_PROGRESS', stage: 'PRE_PRODUCTION_TRAFFIC_SHIFT', hook: { targetType: 'PAUSE', timeoutAction: 'ROLLBACK' } });
      seen.push(p.weight);
      answered.push(p.hook.hookId!);
      await client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: p.hook.hookId!, action: 'CONTINUE' }));
    }
    expect(seen).toEqual(weights);
    expect(new Set(answered).size).toBe(weights.length);
    expect(await statuses(arn, (s) => s === 'SUCCESSFUL')).toEqual(['SUCCESSFUL']);
    // the weight held at each pause until CONTINUE: every shift was entered after the answer before it
    const shifts = double.ecs.deployment(arn).history.filter((h) => h.stage === 'PRODUCTION_TRAFFIC_SHIFT');
    expect(shifts.map((h) => h.productionWeight)).toEqual(strategy === 'LINEAR' ? [25, 50, 75, 100] : strategy === 'CANARY' ? [10, 100] : [100]);
    const continues = double.callsOf('ContinueServiceDeployment').map((c) => c.at);
    shifts.forEach((h, i) => expect(h.at).toBeGreaterThanOrEqual(continues[i]));
  });

  it('timeoutConfiguration action ROLLBACK: unanswered, the hook is TIMED_OUT and ECS rolls back by itself (accelerated minutes)', async () => {
    await start({ stageMs: 40, minuteMs: 100 });
    const arn = await startWithHook('LINEAR', { timeoutInMinutes: 2, action: 'ROLLBACK' });
    const p = await nextPause(arn, []);
    expect(p.hook).toMatchObject({ status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' });
    expect(p.hook!.expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(200);
    expect(await statuses(arn, (s) => s === 'ROLLBACK_SUCCESSFUL')).toContain('ROLLBACK_SUCCESSFUL');
    const sd = (await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0];
    expect(sd.lifecycleHookDetails).toEqual([expect.objectContaining({ hookId: p.hook!.hookId, status: 'TIMED_OUT' })]);
    expect(sd.rollback?.reason).toMatch(/lifecycle hook timed out/);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(double.ecs.deployment(arn).source.taskDefinition);
  });

  it('timeoutConfiguration action CONTINUE: unanswered, the hook is TIMED_OUT and the deployment moves on to the next pause', async () => {
    await start({ stageMs: 40, minuteMs: 100 });
    const arn = await startWithHook('CANARY', { timeoutInMinutes: 1, action: 'CONTINUE' });
    const first = await nextPause(arn, []);
    const second = await nextPause(arn, [first.hook!.hookId!]);
    expect({ stage: second.stage, weight: second.weight }).toEqual({ stage: 'PRE_PRODUCTION_TRAFFIC_SHIFT', weight: 10 });
    expect(second.sd.lifecycleHookDetails?.map((h) => h.status)).toEqual(['TIMED_OUT', 'AWAITING_ACTION']);
  });
});

it('answers AWS error shapes the SDK turns into typed exceptions, and retries ThrottlingException', async () => {
  await start({ scenario: 'throttle' });
  double.seedService({});
  await expect(client.send(new UpdateServiceCommand({ cluster: 'default', service: 'nope' }))).rejects.toBeInstanceOf(ServiceNotFoundException);
  const r = await client.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }));
  expect(r.services![0].serviceName).toBe('web');
  expect(double.callsOf('DescribeServices').map((c) => c.error ?? 'ok')).toEqual(['ThrottlingException', 'ok']);
});

describe('CODE_DEPLOY services carry task sets that move with the CodeDeploy deployment', () => {
  async function deployAndWatch(scenario: 'healthy' | 'codedeploy-stale-primary') {
    await start({ scenario });
    const oldTd = double.seedService({ controller: 'CODE_DEPLOY' }).taskDefinition;
    double.seedDeploymentGroup({ application: 'web-app', deploymentGroup: 'web-dg', cluster: 'default', service: 'web', holdAtReady: false });
    const cd = new CodeDeployClient({ region: 'us-east-1', endpoint: double.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    try {
      const td = await client.send(
        new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'app', image: 'web@sha256:' + 'cd'.repeat(32) }] }),
      );
      const newTd = td.taskDefinition!.taskDefinitionArn!;
      const content = JSON.stringify({ version: 0.0, Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: newTd } } }] });
      const before = (await client.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }))).services![0].taskSets!;
      const { deploymentId } = await cd.send(
        new CreateDeploymentCommand({
          applicationName: 'web-app',
          deploymentGroupName: 'web-dg',
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
        }),
      );
      const seen: string[] = [];
      let sets: TaskSet[] = [];
      for (let i = 0; i < 200; i++) {
        const status = (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!.status!;
        sets = (await client.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }))).services![0].taskSets!;
        const label = `${status}: ${sets.map((t) => `${t.status} ${t.taskDefinition === newTd ? 'new' : 'old'} ${t.runningCount}/${t.computedDesiredCount} ${t.stabilityStatus}`).join(', ')}`;
        if (seen[seen.length - 1] !== label) seen.push(label);
        if (status === 'Succeeded') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      return { before, seen, sets, oldTd, newTd, deploymentId };
    } finally {
      cd.destroy();
    }
  }

  it('the replacement task set (externalId the deployment id) scales up ACTIVE, then is PRIMARY when CodeDeploy says Succeeded', async () => {
    const r = await deployAndWatch('healthy');
    // Shaped as the ECS API reference's TaskSet.
    expect(r.before).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^ecs-svc\/\d{19}$/),
        taskSetArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:123456789012:task-set\/default\/web\/ecs-svc\/\d{19}$/),
        status: 'PRIMARY',
        taskDefinition: r.oldTd,
        computedDesiredCount: 2,
        pendingCount: 0,
        runningCount: 2,
        launchType: 'FARGATE',
        scale: { value: 100, unit: 'PERCENT' },
        stabilityStatus: 'STEADY_STATE',
      }),
    ]);
    expect(r.seen).toEqual([
      'Created: PRIMARY old 2/2 STEADY_STATE, ACTIVE new 0/2 STABILIZING',
      'InProgress: PRIMARY old 2/2 STEADY_STATE, ACTIVE new 2/2 STEADY_STATE',
      'Succeeded: PRIMARY new 2/2 STEADY_STATE',
    ]);
    expect(r.sets[0]).toMatchObject({ startedBy: 'CodeDeploy', externalId: r.deploymentId });
  });

  it('scenario codedeploy-stale-primary: Succeeded while the old task set stays PRIMARY', async () => {
    const r = await deployAndWatch('codedeploy-stale-primary');
    expect(r.seen.at(-1)).toBe('Succeeded: PRIMARY old 2/2 STEADY_STATE');
  });
});
