/**
 * ecs-deploy's committed bundle with `pause-at: pre-production-traffic-shift` on a canary or
 * linear deployment: ECS runs that stage before every production traffic shift, so the PAUSE
 * hook pauses once per shift, each time with a new hook id. `action: continue` answers the
 * hook it is given and ends `paused` again at the next one, saying so; the last answer ends
 * `succeeded`. Against the ECS test double (test/doubles/ecs, plans.ts models the stages).
 */
import { runAction, type StepResult } from '../harness/run-action';
import { startEcsDouble, type EcsDouble } from '../doubles/ecs';
import { testTempDir } from '../helpers/temp';

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'ab'.repeat(32)}`;
let double: EcsDouble;

afterEach(async () => {
  await double?.stop();
});

function step(inputs: Record<string, string>): Promise<StepResult> {
  return runAction(
    'ecs-deploy',
    { service: 'web', 'poll-interval': '100ms', wait: '30s', ...inputs },
    { cwd: testTempDir('ecs-pause-ws-'), env: { ...double.env }, timeoutMs: 60_000 },
  );
}

const answer = (paused: StepResult, decision = 'continue') =>
  step({ action: 'continue', decision, 'service-deployment-arn': paused.outputs['service-deployment-arn'], 'hook-id': paused.outputs['hook-id'] });

describe('pause-at: pre-production-traffic-shift pauses before each production traffic shift', () => {
  it('linear 50 %: paused at 0 %, continue -> paused again at 50 % with a new hook, continue -> succeeded', async () => {
    double = await startEcsDouble({ scenario: 'healthy', stageMs: 100, minuteMs: 10 });
    double.seedService({});
    const first = await step({
      images: `app=${IMAGE}`,
      strategy: 'linear',
      'linear-step-percent': '50',
      'linear-step-bake-time': '0',
      'pause-at': 'pre-production-traffic-shift',
    });
    expect({ exit: first.exitCode, status: first.outputs.status }).toEqual({ exit: 0, status: 'paused' });
    expect(first.log).toContain(`paused at PRE_PRODUCTION_TRAFFIC_SHIFT, production traffic 0% (hook ${first.outputs['hook-id']})`);

    const second = await answer(first);
    expect({ exit: second.exitCode, status: second.outputs.status }).toEqual({ exit: 0, status: 'paused' });
    expect(second.outputs['hook-id']).toMatch(/^[0-9a-f]{24}$/);
    expect(second.outputs['hook-id']).not.toBe(first.outputs['hook-id']);
    expect(second.outputs['service-deployment-arn']).toBe(first.outputs['service-deployment-arn']);
    expect(second.log).toContain(
      `ECS paused again at PRE_PRODUCTION_TRAFFIC_SHIFT, production traffic 50% (hook ${second.outputs['hook-id']}): answer it with another action: continue`,
    );
    expect(second.summary).toContain(`PRE_PRODUCTION_TRAFFIC_SHIFT, production traffic 50% (hook ${second.outputs['hook-id']})`);

    const done = await answer(second);
    expect({ exit: done.exitCode, status: done.outputs.status }).toEqual({ exit: 0, status: 'succeeded' });
    expect(double.callsOf('ContinueServiceDeployment').map((c) => c.body)).toEqual([
      { serviceDeploymentArn: first.outputs['service-deployment-arn'], hookId: first.outputs['hook-id'], action: 'CONTINUE' },
      { serviceDeploymentArn: first.outputs['service-deployment-arn'], hookId: second.outputs['hook-id'], action: 'CONTINUE' },
    ]);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(first.outputs['task-definition-arn']);
  });

  it('canary 10 %: the second pause holds 10 % until it is answered; decision rollback there rolls back (exit 0)', async () => {
    double = await startEcsDouble({ scenario: 'healthy', stageMs: 100, minuteMs: 10 });
    double.seedService({});
    const first = await step({
      images: `app=${IMAGE}`,
      strategy: 'canary',
      'canary-percent': '10',
      'canary-bake-time': '0',
      'pause-at': 'pre-production-traffic-shift',
    });
    const second = await answer(first);
    expect(second.outputs.status).toBe('paused');
    expect(second.log).toContain('ECS paused again at PRE_PRODUCTION_TRAFFIC_SHIFT, production traffic 10%');
    const back = await answer(second, 'rollback');
    expect({ exit: back.exitCode, status: back.outputs.status }).toEqual({ exit: 0, status: 'rolled-back' });
    // ECS never shifted more than the canary percent, and the service is back on its task definition
    const d = double.ecs.deployment(first.outputs['service-deployment-arn']);
    expect(Math.max(...d.history.map((h) => h.productionWeight ?? 0))).toBe(10);
    expect(double.ecs.services.get('default/web')?.taskDefinition).toBe(first.outputs['previous-task-definition-arn']);
  });
});
