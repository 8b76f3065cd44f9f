/**
 * ecs-deploy's committed bundle, run as the runner runs it, against the ECS / CodeDeploy test
 * double (AWS JSON 1.1 on loopback, reached through AWS_ENDPOINT_URL_ECS / _CODEDEPLOY by the
 * real SDK clients) and moto (a real CloudWatch Logs emulator) for the migration task's logs.
 * Each test checks what the user sees (exit code, outputs, summary) and what ECS was asked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { startMoto, type TestMoto } from '../helpers/moto';
import { CIRCUIT_BREAKER_REASON, startEcsDouble, type EcsDouble, type Scenario } from '../doubles/ecs';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`;
let moto: TestMoto;
let double: EcsDouble;
let workspace: string;

beforeAll(async () => {
  moto = await startMoto();
  workspace = mkdtempSync(path.join(tmpdir(), 'shipline-ecs-ws-'));
});
afterAll(async () => {
  await moto?.stop();
  rmSync(workspace, { recursive: true, force: true });
});
afterEach(async () => {
  await double?.stop();
});

async function withDouble(scenario: Scenario = 'healthy', seed: Parameters<EcsDouble['seedService']>[0] = {}): Promise<EcsDouble> {
  double = await startEcsDouble({ scenario, stageMs: 150, minuteMs: 10, logsEnv: moto.env });
  double.seedService(seed);
  return double;
}

function deploy(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepResult> {
  return runAction(
    'ecs-deploy',
    { service: 'web', 'poll-interval': '100ms', wait: '30s', ...inputs },
    { cwd: workspace, env: { ...moto.env, ...double.env, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: moto.url, ...env }, timeoutMs: 60_000 },
  );
}

const writes = () => double.calls.filter((c) => !/^(Describe|List|Get)/.test(c.operation)).map((c) => c.operation);

describe('rolling update', () => {
  it('registers the digest, follows the service deployment by ARN and reports succeeded', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}` });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({
      status: 'succeeded',
      'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      'previous-task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
      'running-count': '2',
      'rollback-reason': '',
    });
    expect(r.outputs['service-deployment-arn']).toBe(double.ecs.services.get('default/web')?.currentServiceDeployment);
    // What ECS holds now: the new image by digest in the service's task definition.
    const td = double.ecs.findTaskDefinition(double.ecs.services.get('default/web')?.taskDefinition ?? '');
    expect((td.body.containerDefinitions as { name: string; image: string }[]).find((c) => c.name === 'app')?.image).toBe(IMAGE);
    expect(writes()).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    expect(r.summary).toContain(DIGEST);
    expect(r.summary).toMatch(/\| IN_PROGRESS \|/);
    expect(r.summary).toMatch(/\| SUCCESSFUL \|/);
    expect(r.summary).toContain('task-definition/web:1 -&gt; arn:aws:ecs:us-east-1:123456789012:task-definition/web:2');
    // One DescribeServiceDeployments per poll while waiting, nothing else.
    const polls = double.callsOf('DescribeServiceDeployments').length;
    expect(polls).toBeGreaterThan(1);
    expect(double.callsOf('DescribeServices').length).toBe(2);
  });

  it('with strategy empty, refuses bake-time on a rolling service before anything is written', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, 'bake-time': '10m' });
    expectCleanFailure(r, "Input 'bake-time'", 'deploys by rolling update');
    expect(writes()).toEqual([]);
  });

  it('with strategy: rolling refuses canary-percent before any call', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'rolling', 'canary-percent': '5' });
    expectCleanFailure(r, 'canary-percent', 'strategy is rolling');
    expect(double.calls).toEqual([]);
  });

  it("reports rolled-back with the circuit breaker and the stopped tasks' reason, exit 1", async () => {
    await withDouble('circuit-breaker');
    const r = await deploy({ images: `app=${IMAGE}` });
    expectCleanFailure(r, 'rolled back', 'circuit breaker');
    expect(r.outputs.status).toBe('rolled-back');
    expect(r.outputs['rollback-reason']).toContain(CIRCUIT_BREAKER_REASON);
    expect(r.outputs['rollback-reason']).toContain('circuit breaker triggered (3 failed tasks, threshold 3)');
    expect(r.outputs['rollback-reason']).toContain('stopped tasks: Essential container in task exited');
    expect(r.summary).toContain('ROLLBACK_SUCCESSFUL');
    expect(r.summary).toMatch(/Stopped tasks of the new task definition[\s\S]*EssentialContainerExited[\s\S]*app=1/);
    // ECS is back on the old task definition: the step must not have said success.
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:1$/);
  });

  it('accepts describe-task-definition output as the file, dropping and naming the describe-only keys', async () => {
    await withDouble();
    const file = path.join(workspace, 'td-describe.json');
    writeFileSync(
      file,
      JSON.stringify({
        taskDefinition: {
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:9',
          family: 'web',
          revision: 9,
          status: 'ACTIVE',
          requiresAttributes: [{ name: 'ecs.capability.task-eni' }],
          compatibilities: ['EC2', 'FARGATE'],
          registeredAt: '2026-11-01T10:00:00.000Z',
          registeredBy: 'arn:aws:iam::123456789012:role/x',
          enableFaultInjection: null,
          cpu: '256',
          memory: '512',
          networkMode: 'awsvpc',
          containerDefinitions: [{ name: 'app', image: 'old', essential: true, environment: [{ name: 'MODE', value: 'a' }] }],
        },
      }),
    );
    const r = await deploy({ 'task-definition': 'td-describe.json', images: `app=${IMAGE}`, environment: 'app: MODE=b\napp: LOG_LEVEL=info' });
    expect(r.exitCode).toBe(0);
    expect(r.log).toMatch(
      /Dropped describe-only keys .*taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy, enableFaultInjection \(null\)/,
    );
    const body = double.callsOf('RegisterTaskDefinition')[0].body;
    expect(Object.keys(body).sort()).toEqual(['containerDefinitions', 'cpu', 'family', 'memory', 'networkMode']);
    expect(body.containerDefinitions).toEqual([
      {
        name: 'app',
        image: IMAGE,
        essential: true,
        environment: [
          { name: 'MODE', value: 'b' },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
      },
    ]);
  });

  it("survives ECS throttling through the SDK's own retries", async () => {
    await withDouble('throttle');
    const r = await deploy({ images: `app=${IMAGE}` });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.status).toBe('succeeded');
    expect(double.calls.filter((c) => c.error === 'ThrottlingException').length).toBeGreaterThan(2);
  });

  it('reports superseded, naming the competing deployment, exit 1', async () => {
    await withDouble('competing');
    const r = await deploy({ images: `app=${IMAGE}` });
    expectCleanFailure(r, 'superseded by arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/');
    expect(r.outputs.status).toBe('superseded');
    expect(r.errors[0]).toContain(double.ecs.services.get('default/web')?.currentServiceDeployment ?? 'x');
  });
});

describe('ECS unreachable or refusing', () => {
  it('fails closed with status failed when ECS refuses the service', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, service: 'missing' });
    expectCleanFailure(r, 'Amazon ECS', "service 'missing' in cluster 'default' is MISSING");
    expect(r.outputs.status).toBe('failed');
    expect(writes()).toEqual([]);
  });
});

describe('pre-deploy migration task', () => {
  const awslogsApp = [
    {
      name: 'app',
      image: 'old',
      essential: true,
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
    },
  ];

  it('runs the command in the new task definition on the service network, then deploys', async () => {
    await withDouble('healthy', { containers: awslogsApp });
    const r = await deploy({ images: `app=${IMAGE}`, 'pre-deploy-command': '["bin/rails","db:migrate"]' });
    expect(r.exitCode).toBe(0);
    const run = double.callsOf('RunTask')[0].body;
    expect(run).toMatchObject({
      taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      overrides: { containerOverrides: [{ name: 'app', command: ['bin/rails', 'db:migrate'] }] },
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60718'], securityGroups: ['sg-0123456789abcdef0'], assignPublicIp: 'DISABLED' },
      },
    });
    expect(writes()).toEqual(['RegisterTaskDefinition', 'RunTask', 'UpdateService']);
    expect(r.summary).toContain('Migrations complete: 1 applied');
    expect(r.summary).toMatch(/\| succeeded \| 0 \|/);
  });

  it('deploys nothing when the task exits 1, and shows its last log lines from CloudWatch Logs', async () => {
    await withDouble('migration-fails', { containers: awslogsApp });
    const r = await deploy({ images: `app=${IMAGE}`, 'pre-deploy-command': '["bin/rails","db:migrate"]' });
    expectCleanFailure(r, 'exited 1', 'nothing was deployed');
    expect(r.outputs.status).toBe('failed');
    expect(writes()).toEqual(['RegisterTaskDefinition', 'RunTask']);
    expect(r.summary).toContain('PG::DuplicateColumn: ERROR:  column "status" of relation "orders" already exists');
    expect(r.log).toMatch(/::stop-commands::[0-9a-f]{32}[\s\S]*rake aborted![\s\S]*::[0-9a-f]{32}::/);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:1$/);
  });
});

describe('ECS native strategies', () => {
  it('pauses a canary at a PAUSE hook, then action: continue finishes it', async () => {
    await withDouble();
    const paused = await deploy({
      images: `app=${IMAGE}`,
      strategy: 'canary',
      'canary-percent': '10',
      'canary-bake-time': '30',
      'pause-at': 'post-production-traffic-shift',
    });
    expect(paused.exitCode).toBe(0);
    expect(paused.outputs.status).toBe('paused');
    expect(paused.outputs['hook-id']).toMatch(/^[0-9a-f]{24}$/);
    const update = double.callsOf('UpdateService')[0].body as { deploymentConfiguration: Record<string, unknown> };
    expect(update.deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 30 },
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'] }],
    });
    expect(paused.log).toContain('Deployment configuration: strategy ROLLING -> CANARY');
    expect(paused.summary).toMatch(/PRODUCTION_TRAFFIC_SHIFT \| 10% \|/);
    const done = await deploy({
      action: 'continue',
      decision: 'continue',
      'service-deployment-arn': paused.outputs['service-deployment-arn'],
      'hook-id': paused.outputs['hook-id'],
    });
    expect(done.exitCode).toBe(0);
    expect(done.outputs.status).toBe('succeeded');
    expect(double.callsOf('ContinueServiceDeployment')[0].body).toEqual({
      serviceDeploymentArn: paused.outputs['service-deployment-arn'],
      hookId: paused.outputs['hook-id'],
      action: 'CONTINUE',
    });
    expect(done.summary).toMatch(/BAKE_TIME[\s\S]*CLEAN_UP[\s\S]*SUCCESSFUL/);
  });

  it('decision: rollback answers the hook with ROLLBACK; the rollback asked for exits 0', async () => {
    await withDouble();
    const paused = await deploy({ images: `app=${IMAGE}`, strategy: 'blue-green', 'pause-at': 'post-test-traffic-shift' });
    expect(paused.outputs.status).toBe('paused');
    const r = await deploy({
      action: 'continue',
      decision: 'rollback',
      'service-deployment-arn': paused.outputs['service-deployment-arn'],
      'hook-id': paused.outputs['hook-id'],
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', 'task-definition-arn': paused.outputs['task-definition-arn'] });
    expect(r.outputs['rollback-reason']).toContain('lifecycle hook returned ROLLBACK');
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:1$/);
  });

  it('on-timeout: fail leaves the deployment as ECS has it', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'canary', 'canary-bake-time': '600', wait: '1500ms' });
    expectCleanFailure(r, 'did not finish within wait 1.5 s', 'left as ECS has it');
    expect(r.outputs.status).toBe('timed-out');
    expect(double.callsOf('StopServiceDeployment')).toEqual([]);
    const sd = double.ecs.deployment(r.outputs['service-deployment-arn']);
    expect(double.ecs.current(sd).status).toBe('IN_PROGRESS');
  });

  it('rolls back on a triggered alarm and names it', async () => {
    await withDouble('alarm');
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'blue-green', alarms: 'web-5xx,web-latency', 'bake-time': '1' });
    expectCleanFailure(r, 'rolled back', 'web-5xx');
    expect(r.outputs).toMatchObject({ status: 'rolled-back', 'triggered-alarms': 'web-5xx' });
    expect(r.summary).toMatch(/\| web-5xx \| yes \|/);
    expect(r.summary).toMatch(/\| web-latency \| no \|/);
  });

  it('times out exactly at wait and, with on-timeout: rollback, stops the deployment with rollback', async () => {
    await withDouble();
    const r = await deploy({
      images: `app=${IMAGE}`,
      strategy: 'linear',
      'linear-step-percent': '10',
      'linear-step-bake-time': '60',
      wait: '1s',
      'on-timeout': 'rollback',
    });
    expectCleanFailure(r, 'did not finish within wait 1 s');
    expect(r.outputs.status).toBe('timed-out');
    expect(double.callsOf('StopServiceDeployment')[0].body).toMatchObject({ stopType: 'ROLLBACK' });
    expect(r.outputs['rollback-reason']).toContain('on-timeout: rollback');
    const polls = double.callsOf('DescribeServiceDeployments').filter((c) => c.at < double.callsOf('StopServiceDeployment')[0].at);
    // 1 s of wait for the whole step, at 100 ms: the polls stop at the deadline (exactness on a fake
    // clock is in test/unit/ecs-wait.test.ts; here only that it ends about then, on a loaded machine).
    expect(polls.length).toBeGreaterThanOrEqual(3);
    const firstCall = double.calls[0].at;
    expect(polls[polls.length - 1].at - firstCall).toBeGreaterThanOrEqual(800);
    expect(polls[polls.length - 1].at - firstCall).toBeLessThan(3000);
  });

  it('action: rollback lets ECS roll back the deployment in flight', async () => {
    await withDouble();
    const paused = await deploy({ images: `app=${IMAGE}`, strategy: 'blue-green', 'pause-at': 'post-scale-up' });
    expect(paused.outputs.status).toBe('paused');
    const r = await deploy({ action: 'rollback' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', 'service-deployment-arn': paused.outputs['service-deployment-arn'] });
    expect(double.callsOf('StopServiceDeployment')[0].body).toEqual({ serviceDeploymentArn: paused.outputs['service-deployment-arn'], stopType: 'ROLLBACK' });
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:1$/);
  });

  it('action: rollback returns the service to the previous task definition', async () => {
    await withDouble();
    expect((await deploy({ images: `app=${IMAGE}` })).exitCode).toBe(0);
    const r = await deploy({ action: 'rollback' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', 'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1' });
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:1$/);
  });
});

describe('CodeDeploy blue/green', () => {
  const group = { application: 'web-app', deploymentGroup: 'web-dg', cluster: 'default', service: 'web', holdAtReady: true, alarms: ['web-5xx'] };

  it('stops at Ready with wait-at-ready, then continue reroutes traffic and succeeds', async () => {
    await withDouble('healthy', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup(group);
    const cd = { strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' };
    const paused = await deploy({ images: `app=${IMAGE}`, ...cd, 'wait-at-ready': 'true' });
    expect(paused.exitCode).toBe(0);
    expect(paused.outputs.status).toBe('paused');
    expect(paused.outputs['codedeploy-deployment-id']).toMatch(/^d-[0-9A-F]{9}$/);
    const created = double.callsOf('CreateDeployment')[0].body as { revision: { appSpecContent: { content: string } } };
    expect(JSON.parse(created.revision.appSpecContent.content)).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: { TaskDefinition: paused.outputs['task-definition-arn'], LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 } },
          },
        },
      ],
    });
    const done = await deploy({ action: 'continue', decision: 'continue', ...cd, 'codedeploy-deployment-id': paused.outputs['codedeploy-deployment-id'] });
    expect(done.exitCode).toBe(0);
    expect(done.outputs).toMatchObject({ status: 'succeeded', 'running-count': '2' });
    expect(done.summary).toMatch(/AllowTestTraffic[\s\S]*BeforeAllowTraffic[\s\S]*AfterAllowTraffic[\s\S]*\| Succeeded \|/);
    expect(double.callsOf('ContinueDeployment')[0].body).toEqual({
      deploymentId: paused.outputs['codedeploy-deployment-id'],
      deploymentWaitType: 'READY_WAIT',
    });
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:2$/);
    // What ECS shows afterwards: the replacement task set, created by this deployment, is PRIMARY.
    expect(double.ecs.services.get('default/web')?.taskSets).toMatchObject([
      { status: 'PRIMARY', taskDefinition: paused.outputs['task-definition-arn'], externalId: paused.outputs['codedeploy-deployment-id'], runningCount: 2 },
    ]);
  });

  it('without wait-at-ready: succeeded once the PRIMARY task set runs the new task definition', async () => {
    await withDouble('healthy', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup({ ...group, holdAtReady: false });
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'succeeded', 'running-count': '2', 'rollback-reason': '' });
    expect(r.outputs['task-definition-arn']).toMatch(/task-definition\/web:2$/);
  });

  it('CodeDeploy says Succeeded but the PRIMARY task set still runs the old task definition: failed, exit 1, naming it', async () => {
    await withDouble('codedeploy-stale-primary', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup({ ...group, holdAtReady: false });
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' });
    expectCleanFailure(r, 'PRIMARY task set');
    expect(r.outputs.status).toBe('failed');
    expect(r.outputs['rollback-reason']).toMatch(
      /^CodeDeploy reports Succeeded, but the service's PRIMARY task set ecs-svc\/\d{19} runs arn:aws:ecs:us-east-1:123456789012:task-definition\/web:1, not arn:aws:ecs:us-east-1:123456789012:task-definition\/web:2$/,
    );
    expect(r.stdout).toContain('::error::');
    expect(r.summary).toContain('PRIMARY task set');
  });

  it('continue after Ready: a Succeeded whose PRIMARY task set another deployment created is failed', async () => {
    await withDouble('codedeploy-stale-primary', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup(group);
    const cd = { strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' };
    const paused = await deploy({ images: `app=${IMAGE}`, ...cd, 'wait-at-ready': 'true' });
    expect(paused.outputs.status).toBe('paused');
    const r = await deploy({ action: 'continue', decision: 'continue', ...cd, 'codedeploy-deployment-id': paused.outputs['codedeploy-deployment-id'] });
    expectCleanFailure(r, 'PRIMARY task set');
    expect(r.outputs.status).toBe('failed');
    expect(r.outputs['rollback-reason']).toContain(
      `(arn:aws:ecs:us-east-1:123456789012:task-definition/web:1) was created by no CodeDeploy deployment, not ${paused.outputs['codedeploy-deployment-id']}`,
    );
  });

  it('decision: rollback stops the deployment with auto-rollback', async () => {
    await withDouble('healthy', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup(group);
    const cd = { strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' };
    const paused = await deploy({ images: `app=${IMAGE}`, ...cd, 'wait-at-ready': 'true' });
    const r = await deploy({ action: 'continue', decision: 'rollback', ...cd, 'codedeploy-deployment-id': paused.outputs['codedeploy-deployment-id'] });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.status).toBe('rolled-back');
    expect(double.callsOf('StopDeployment')[0].body).toEqual({ deploymentId: paused.outputs['codedeploy-deployment-id'], autoRollbackEnabled: true });
    expect(double.ecs.services.get('default/web')?.taskDefinition).toMatch(/web:1$/);
  });

  it('refuses wait-at-ready when the group would not hold at Ready, before creating anything', async () => {
    await withDouble('healthy', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup({ ...group, holdAtReady: false });
    const r = await deploy({
      images: `app=${IMAGE}`,
      strategy: 'codedeploy',
      'codedeploy-application': 'web-app',
      'codedeploy-deployment-group': 'web-dg',
      'wait-at-ready': 'true',
    });
    expectCleanFailure(r, 'STOP_DEPLOYMENT');
    expect(writes()).toEqual([]);
  });

  it('reports the alarm that made CodeDeploy roll back', async () => {
    await withDouble('alarm', { controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup({ ...group, holdAtReady: false });
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' });
    expectCleanFailure(r, 'ALARM_ACTIVE');
    expect(r.outputs.status).toBe('rolled-back');
    expect(r.outputs['rollback-reason']).toContain('Activated alarms: <web-5xx>');
  });
});

describe('bad input: one ::error::, exit 1, no AWS call', () => {
  beforeEach(async () => {
    await withDouble();
  });
  it.each([
    [{ images: `app=${IMAGE}`, strategy: 'recreate' }, 'strategy'],
    [{ images: 'app=123456789012.dkr.ecr.us-east-1.amazonaws.com/web:latest' }, 'images'],
    [{ images: `app=${IMAGE}`, strategy: 'canary', 'canary-percent': '0.05' }, 'canary-percent'],
    [{ images: `app=${IMAGE}`, strategy: 'linear', 'linear-step-percent': '2' }, 'linear-step-percent'],
    [{ images: `app=${IMAGE}`, strategy: 'blue-green', 'bake-time': '1441' }, 'bake-time'],
    [{ images: `app=${IMAGE}`, strategy: 'rolling', 'pause-at': 'post-scale-up' }, 'pause-at'],
    [{ images: `app=${IMAGE}`, strategy: 'codedeploy' }, 'codedeploy-application'],
    [{ images: `app=${IMAGE}`, 'pre-deploy-command': 'bin/rails db:migrate' }, 'pre-deploy-command'],
    [{ action: 'continue', decision: 'continue', 'hook-id': 'abc' }, 'service-deployment-arn'],
  ])('%p names %s', async (inputs, name) => {
    const r = await deploy(inputs);
    expectCleanFailure(r, `Input '${name}'`);
    expect(double.calls).toEqual([]);
  });

  it('no region anywhere: names aws-region', async () => {
    const r = await deploy({ images: `app=${IMAGE}` }, { AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expectCleanFailure(r, "Input 'aws-region'");
    expect(double.calls).toEqual([]);
  });

  it('a task definition file that is not JSON: line and column', async () => {
    writeFileSync(path.join(workspace, 'broken.json'), '{\n  "family": "web",\n  "containerDefinitions": [\n    {"name": "app",}\n  ]\n}\n');
    const r = await deploy({ 'task-definition': 'broken.json', images: `app=${IMAGE}` });
    expectCleanFailure(r, "Input 'task-definition'", 'line 4 column');
    expect(double.calls).toEqual([]);
  });

  it('images naming a container the file lacks lists the ones it has', async () => {
    writeFileSync(
      path.join(workspace, 'td.json'),
      JSON.stringify({
        family: 'web',
        containerDefinitions: [
          { name: 'app', image: 'x' },
          { name: 'worker', image: 'y' },
        ],
      }),
    );
    const r = await deploy({ 'task-definition': 'td.json', images: `api=${IMAGE}` });
    expectCleanFailure(r, "Input 'images'", "'api'", 'it has: app, worker');
    expect(double.calls).toEqual([]);
  });

  it("images naming a container the service's task definition lacks: read, but nothing written", async () => {
    const r = await deploy({ images: `api=${IMAGE}` });
    expectCleanFailure(r, "Input 'images'", 'it has: app, log-router');
    expect(writes()).toEqual([]);
  });
});
