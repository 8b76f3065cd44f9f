/** The job summary a reviewer reads, and the AppSpec given to CodeDeploy. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildAppSpec } from '../../src/ecs-deploy/codedeploy';
import { emptyOutcome } from '../../src/ecs-deploy/outcome';
import { deploySummary } from '../../src/ecs-deploy/summary';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

it('shows old -> new, digests, the timeline with times, alarms, stopped tasks and the migration', () => {
  const outcome = {
    ...emptyOutcome('rolled-back', 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/NCWGC2ZR-taawPAYrIaU5'),
    rawStatus: 'ROLLBACK_SUCCESSFUL',
    rollbackReason: 'alarms in ALARM: web-5xx',
    alarms: ['web-5xx', 'web-p99'],
    triggeredAlarms: ['web-5xx'],
    runningCount: 2,
    desiredCount: 2,
    pendingCount: 0,
    timeline: [
      { at: T0, status: 'PENDING' },
      { at: T0 + 30_000, status: 'IN_PROGRESS', stage: 'PRODUCTION_TRAFFIC_SHIFT', productionWeight: 10 },
      { at: T0 + 95_000, status: 'ROLLBACK_SUCCESSFUL' },
    ],
    stoppedTasks: [
      {
        taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/abc',
        stoppedReason: 'Task failed ELB health checks',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedAt: T0 + 60_000,
        exitCodes: [{ container: 'app', exitCode: 137 }],
      },
    ],
    polls: 7,
    pollCalls: 8,
  };
  const md = deploySummary({
    action: 'deploy',
    cluster: 'prod',
    service: 'web',
    strategy: 'canary',
    configChanges: ['strategy ROLLING -> CANARY'],
    previousTaskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8',
    oldContainers: [{ name: 'app', image: `r.example/web@${D1}` }],
    newContainers: [{ name: 'app', image: `r.example/web@${D2}` }],
    outcome,
    migration: {
      result: 'succeeded',
      taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/mig',
      container: 'app',
      command: ['bin/rails', 'db:migrate'],
      exitCode: 0,
      stoppedReason: 'Essential container in task exited',
      logLines: ['== AddOrders: migrated', '```evil'],
      logSource: 'CloudWatch Logs /ecs/web web/app/mig',
      startedAt: T0 - 20_000,
      endedAt: T0 - 5_000,
    },
    startedAt: T0 - 30_000,
  });
  expect(md).toContain('## ↩️ ECS deploy: web in prod: rolled-back');
  expect(md).toContain(
    '| task definition | arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7 -&gt; arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8 |',
  );
  expect(md).toContain(`| app | r.example/web@${D1} | r.example/web@${D2} | ${D2} |`);
  expect(md).toContain('| 2026-11-30 12:00:30Z | 30.0 | IN_PROGRESS | PRODUCTION_TRAFFIC_SHIFT | 10% |');
  expect(md).toContain('| web-5xx | yes |');
  expect(md).toContain('| web-p99 | no |');
  expect(md).toContain('| abc | 2026-11-30 12:01:00Z | ServiceSchedulerInitiated | Task failed ELB health checks | app=137 |');
  expect(md).toContain('| mig | app | ["bin/rails","db:migrate"] | succeeded | 0 |');
  // Untrusted log text cannot close the code fence.
  expect(md).not.toMatch(/\n```evil/);
});

describe('AppSpec', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shipline-appspec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("replaces the TaskDefinition of the user's file (YAML) and keeps the rest", () => {
    const file = path.join(dir, 'appspec.yaml');
    writeFileSync(
      file,
      'version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: <TASK_DEFINITION>\n        LoadBalancerInfo:\n          ContainerName: api\n          ContainerPort: 3000\nHooks:\n  - AfterAllowTestTraffic: arn:aws:lambda:eu-west-1:123456789012:function:smoke\n',
    );
    const spec = JSON.parse(buildAppSpec('arn:td:9', file, undefined)) as Record<string, unknown>;
    expect(spec).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: { TaskDefinition: 'arn:td:9', LoadBalancerInfo: { ContainerName: 'api', ContainerPort: 3000 } },
          },
        },
      ],
      Hooks: [{ AfterAllowTestTraffic: 'arn:aws:lambda:eu-west-1:123456789012:function:smoke' }],
    });
  });

  it('refuses to generate one without a load balancer container and port', () => {
    expect(() => buildAppSpec('arn:td:9', undefined, undefined)).toThrow(/codedeploy-appspec/);
  });
});
