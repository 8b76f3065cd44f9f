/**
 * The wait loop on a fake clock and a scripted ECS: the wait is honoured exactly (the last poll
 * lands on the deadline, no cap), one DescribeServiceDeployments per poll, every ending
 * classified honestly, and ECS errors handled (retry a throttled poll, stop on a refused one).
 */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import type { Clock, EcsApi } from '../../src/ecs-deploy/aws';
import { rollbackReason, waitForPauseOrEnd, type EcsContext } from '../../src/ecs-deploy/service-deployment';
import { ServiceError } from '../../src/toolkit/errors';
import { MemoryReporter } from '../../src/toolkit/reporter';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/abc';
const NEW_TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8';

function fakeClock(start = 1_000_000): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: start,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

/** ECS answering from a script of service deployments (the last one repeats), or throwing what the script says. */
function scriptedEcs(script: (ServiceDeployment | Error)[], service: Record<string, unknown> = {}) {
  const calls: string[] = [];
  let i = 0;
  const api = {
    describeServiceDeployments: async () => {
      calls.push('DescribeServiceDeployments');
      const next = script[Math.min(i++, script.length - 1)];
      if (next instanceof Error) throw next;
      return { serviceDeployments: [{ serviceDeploymentArn: ARN, ...next }], $metadata: {} };
    },
    describeServices: async () => {
      calls.push('DescribeServices');
      return {
        services: [
          {
            serviceName: 'web',
            currentServiceDeployment: ARN,
            desiredCount: 2,
            runningCount: 2,
            pendingCount: 0,
            deployments: [{ status: 'PRIMARY', taskDefinition: NEW_TD, desiredCount: 2, runningCount: 2 }],
            ...service,
          },
        ],
        $metadata: {},
      };
    },
    listTasks: async () => {
      calls.push('ListTasks');
      return { taskArns: ['arn:aws:ecs:eu-west-1:123456789012:task/prod/t1'], $metadata: {} };
    },
    describeTasks: async () => {
      calls.push('DescribeTasks');
      return {
        tasks: [
          {
            taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/t1',
            taskDefinitionArn: NEW_TD,
            stoppedReason: 'Task failed ELB health checks in (target-group web)',
            stopCode: 'ServiceSchedulerInitiated' as const,
            containers: [{ name: 'app', exitCode: 137 }],
          },
        ],
        $metadata: {},
      };
    },
  } as unknown as EcsApi;
  return { api, calls };
}

function ctxOf(api: EcsApi, clock: Clock): EcsContext {
  return { ecs: api, clock, reporter: new MemoryReporter(), cluster: 'prod', service: 'web' };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

it('honours the wait exactly: polls every interval and once more on the deadline, then timed-out', async () => {
  const clock = fakeClock();
  const { api, calls } = scriptedEcs([{ status: 'IN_PROGRESS' }]);
  const out = await waitForPauseOrEnd(ctxOf(api, clock), ARN, { waitMs: 100 * 60_000 + 7_000, pollIntervalMs: 15_000, taskDefinitionArn: NEW_TD });
  expect(out.result).toBe('timed-out');
  // 100 m 7 s: 400 full intervals, then a 7 s sleep to land on the deadline. No 60-minute cap.
  expect(clock.sleeps.length).toBe(401);
  expect(clock.sleeps[400]).toBe(7_000);
  expect(clock.t - 1_000_000).toBe(100 * 60_000 + 7_000);
  expect(out.polls).toBe(402);
  expect(calls.filter((c) => c === 'DescribeServiceDeployments').length).toBe(402);
});

it('succeeds only when the service runs the new task definition with the desired count', async () => {
  const script = [{ status: 'PENDING' }, { status: 'IN_PROGRESS' }, { status: 'SUCCESSFUL' }] as ServiceDeployment[];
  const ok = await waitForPauseOrEnd(ctxOf(scriptedEcs(script).api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000, taskDefinitionArn: NEW_TD });
  expect(ok).toMatchObject({ result: 'succeeded', runningCount: 2, polls: 3, pollCalls: 4 });
  expect(ok.timeline.map((e) => e.status)).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESSFUL']);

  const short = scriptedEcs(script, { deployments: [{ status: 'PRIMARY', taskDefinition: NEW_TD, desiredCount: 2, runningCount: 1 }] });
  const r = await waitForPauseOrEnd(ctxOf(short.api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000, taskDefinitionArn: NEW_TD });
  expect(r.result).toBe('failed');
  expect(r.statusReason).toContain('only 1 of 2 tasks');
});

it('reports a rollback (not success) with every reason ECS gives', async () => {
  const rolled: ServiceDeployment = {
    status: 'ROLLBACK_SUCCESSFUL',
    rollback: { reason: 'Service deployment rolled back because the circuit breaker threshold was exceeded.' },
    deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 4, threshold: 3 },
    alarms: { status: 'TRIGGERED', alarmNames: ['web-5xx', 'web-p99'], triggeredAlarmNames: ['web-5xx'] },
  };
  const { api, calls } = scriptedEcs([{ status: 'IN_PROGRESS' }, { status: 'ROLLBACK_IN_PROGRESS' }, rolled]);
  const out = await waitForPauseOrEnd(ctxOf(api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000, taskDefinitionArn: NEW_TD });
  expect(out.result).toBe('rolled-back');
  expect(out.triggeredAlarms).toEqual(['web-5xx']);
  expect(out.rollbackReason).toBe(
    'Service deployment rolled back because the circuit breaker threshold was exceeded.; circuit breaker triggered (4 failed tasks, threshold 3); alarms in ALARM: web-5xx; stopped tasks: Task failed ELB health checks in (target-group web)',
  );
  expect(calls).toContain('DescribeTasks');
});

it('names the deployment that superseded ours', async () => {
  const other = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/newer';
  const { api } = scriptedEcs([{ status: 'IN_PROGRESS' }, { status: 'STOPPED', statusReason: 'stopped' }], { currentServiceDeployment: other });
  const out = await waitForPauseOrEnd(ctxOf(api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000 });
  expect(out).toMatchObject({ result: 'superseded', supersededBy: other });
});

it('stops at a PAUSE hook awaiting action, but not at one already answered', async () => {
  const paused: ServiceDeployment = {
    status: 'IN_PROGRESS',
    lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
    lifecycleHookDetails: [{ hookId: 'h1', targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
  };
  const first = await waitForPauseOrEnd(ctxOf(scriptedEcs([paused]).api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000 });
  expect(first).toMatchObject({ result: 'paused', hookId: 'h1', pausedStage: 'POST_TEST_TRAFFIC_SHIFT' });
  const after = await waitForPauseOrEnd(ctxOf(scriptedEcs([paused, { status: 'SUCCESSFUL' }]).api, fakeClock()), ARN, {
    waitMs: 60_000,
    pollIntervalMs: 1000,
    answeredHookIds: ['h1'],
  });
  expect(after.result).toBe('succeeded');
});

it('polls again after a throttled poll, and fails closed after five in a row or a refused call', async () => {
  const once = await waitForPauseOrEnd(ctxOf(scriptedEcs([throttled(), { status: 'SUCCESSFUL' }]).api, fakeClock()), ARN, {
    waitMs: 60_000,
    pollIntervalMs: 1000,
  });
  expect(once.result).toBe('succeeded');
  await expect(waitForPauseOrEnd(ctxOf(scriptedEcs([throttled()]).api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000 })).rejects.toThrow(
    /ThrottlingException/,
  );
  const denied = Object.assign(new Error('User is not authorized to perform: ecs:DescribeServiceDeployments'), { name: 'AccessDeniedException' });
  const e = await waitForPauseOrEnd(ctxOf(scriptedEcs([denied]).api, fakeClock()), ARN, { waitMs: 60_000, pollIntervalMs: 1000 }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ServiceError);
  expect((e as Error).message).toContain('AccessDeniedException');
});

it('keeps the rollback reason short when ECS says little', () => {
  expect(rollbackReason({ status: 'ROLLBACK_FAILED', statusReason: 'rollback failed' }, [])).toBe('rollback failed');
});
