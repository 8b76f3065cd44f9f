/**
 * TEST DOUBLE. The steps a service deployment goes through, per strategy and scenario, as the
 * ECS developer guide describes them: rolling (scale up the new revision, drain the old; the
 * circuit breaker counts failed tasks up to its threshold), and native blue/green, canary and
 * linear (lifecycle stages, test traffic, production traffic in one, two or many shifts, bake
 * time, clean-up). Durations are accelerated: `stageMs` per stage, `minuteMs` per minute.
 *
 * Production traffic (ECS API reference, DeploymentLifecycleHook.lifecycleStages: "For linear
 * and canary deployments, this stage is invoked before every traffic shift step"):
 *   blue/green  PRE_PRODUCTION_TRAFFIC_SHIFT (0 %), PRODUCTION_TRAFFIC_SHIFT (100 %)
 *   canary      PRE (0 %), SHIFT (P %, then the canary bake time), PRE (P %), SHIFT (100 %)
 *   linear      PRE (0 %), SHIFT (S %, step bake time), PRE (S %), SHIFT (2S %, step bake time),
 *               PRE (2S %), ... SHIFT (100 %, no bake: "not applied after reaching 100 percent")
 * then POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP. Each PRE stage keeps the production
 * weight of the shift before it; the bake time ("the time to wait between each traffic shift
 * increment", developer guide, linear and canary deployments) is spent in the shift's stage,
 * after the shift and before the next PRE stage. A PAUSE hook at PRE_PRODUCTION_TRAFFIC_SHIFT
 * therefore pauses once per shift (ecs-model.ts keys pauses by plan step).
 */

export type Scenario = 'healthy' | 'circuit-breaker' | 'alarm' | 'migration-fails' | 'throttle' | 'competing' | 'codedeploy-stale-primary';

export interface PlanStep {
  status: string;
  stage?: string;
  ms: number;
  /** New-revision tasks running in this step. */
  running?: number;
  productionWeight?: number;
  testWeight?: number;
  /** Tasks of the new revision that fail (circuit breaker count) on entering this step. */
  failTasks?: number;
  triggerAlarms?: boolean;
  rollbackReason?: string;
  /** Another deployment is started by someone else on entering this step. */
  competing?: boolean;
}

export const CIRCUIT_BREAKER_REASON = 'Service deployment rolled back because the circuit breaker threshold was exceeded.';
export const ALARM_REASON = 'Service deployment rolled back because one or more of the deployment alarms triggered.';

export function deploymentPlan(config: Record<string, unknown>, desired: number, scenario: Scenario, s: number, minuteMs: number): PlanStep[] {
  const strategy = String(config.strategy ?? 'ROLLING');
  const threshold = Math.min(200, Math.max(3, Math.ceil(desired / 2)));
  const rollback = (reason: string): PlanStep[] => [
    { status: 'ROLLBACK_REQUESTED', ms: s, rollbackReason: reason },
    { status: 'ROLLBACK_IN_PROGRESS', ms: 2 * s },
    { status: 'ROLLBACK_SUCCESSFUL', ms: 0 },
  ];
  const steps: PlanStep[] = [{ status: 'PENDING', ms: s, running: 0 }];
  if (strategy === 'ROLLING') {
    if (scenario === 'circuit-breaker') {
      for (let i = 0; i < threshold; i++) steps.push({ status: 'IN_PROGRESS', ms: s, running: 0, failTasks: 1 });
      return [...steps, ...rollback(CIRCUIT_BREAKER_REASON)];
    }
    steps.push({ status: 'IN_PROGRESS', ms: s, running: Math.ceil(desired / 2), competing: scenario === 'competing' });
    steps.push({ status: 'IN_PROGRESS', ms: s, running: desired });
    if (scenario === 'alarm') return [...steps, { status: 'IN_PROGRESS', ms: s, running: desired, triggerAlarms: true }, ...rollback(ALARM_REASON)];
    return [...steps, { status: 'SUCCESSFUL', ms: 0, running: desired }];
  }
  const stage = (name: string, extra: Partial<PlanStep> = {}): PlanStep => ({ status: 'IN_PROGRESS', stage: name, ms: s, running: desired, ...extra });
  steps.push(stage('RECONCILE_SERVICE', { running: 0 }), stage('PRE_SCALE_UP', { running: 0 }));
  if (scenario === 'circuit-breaker') {
    for (let i = 0; i < threshold; i++) steps.push(stage('SCALE_UP', { running: 0, failTasks: 1 }));
    return [...steps, ...rollback(CIRCUIT_BREAKER_REASON)];
  }
  steps.push(stage('SCALE_UP', { competing: scenario === 'competing' }), stage('POST_SCALE_UP'));
  steps.push(stage('TEST_TRAFFIC_SHIFT', { testWeight: 100, productionWeight: 0 }), stage('POST_TEST_TRAFFIC_SHIFT', { testWeight: 100, productionWeight: 0 }));
  // Before every production traffic shift a PRE stage at the weight reached so far (see the header).
  const shift = (weight: number, bakeMs: number) => {
    const before = steps[steps.length - 1].productionWeight ?? 0;
    steps.push(stage('PRE_PRODUCTION_TRAFFIC_SHIFT', { testWeight: 100, productionWeight: before }));
    steps.push(stage('PRODUCTION_TRAFFIC_SHIFT', { productionWeight: weight, testWeight: 100, ms: Math.max(s, bakeMs) }));
  };
  if (strategy === 'CANARY') {
    const c = config.canaryConfiguration as { canaryPercent?: number; canaryBakeTimeInMinutes?: number } | undefined;
    shift(c?.canaryPercent ?? 5, (c?.canaryBakeTimeInMinutes ?? 10) * minuteMs);
  } else if (strategy === 'LINEAR') {
    const l = config.linearConfiguration as { stepPercent?: number; stepBakeTimeInMinutes?: number } | undefined;
    const step = l?.stepPercent ?? 10;
    for (let i = 1; i * step < 100; i++) shift(Math.round(i * step * 10) / 10, (l?.stepBakeTimeInMinutes ?? 6) * minuteMs);
  }
  shift(100, 0);
  steps.push(stage('POST_PRODUCTION_TRAFFIC_SHIFT', { productionWeight: 100, testWeight: 100 }));
  const bake = Math.max(s, Number(config.bakeTimeInMinutes ?? 0) * minuteMs);
  if (scenario === 'alarm') return [...steps, stage('BAKE_TIME', { productionWeight: 100, ms: bake, triggerAlarms: true }), ...rollback(ALARM_REASON)];
  steps.push(stage('BAKE_TIME', { productionWeight: 100, testWeight: 100, ms: bake }), stage('CLEAN_UP', { productionWeight: 100, testWeight: 100 }));
  return [...steps, { status: 'SUCCESSFUL', ms: 0, running: desired, productionWeight: 100, testWeight: 100 }];
}
