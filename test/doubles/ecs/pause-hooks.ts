/**
 * TEST DOUBLE. PAUSE lifecycle hooks as the ECS developer guide ("Pause hooks for Amazon ECS
 * service deployments") and API reference (DeploymentLifecycleHook, DeploymentLifecycleHookDetail)
 * describe them: a deployment reaching a stage with a PAUSE hook gets a new hookId in
 * lifecycleHookDetails, status AWAITING_ACTION, until ContinueServiceDeployment or until the
 * hook's timeoutConfiguration runs out (timeoutInMinutes, default 1440; action ROLLBACK or
 * CONTINUE, default ROLLBACK), when it is TIMED_OUT and ECS takes the action (ecs-model.ts).
 * A configured timeout runs on the accelerated clock (`minuteMs` per minute); without one the
 * default 1440 minutes is kept in real time, so a test that is not about timeouts never meets one.
 */
import { id } from './ids';

export interface HookDetail {
  hookId: string;
  targetType: 'PAUSE';
  status: 'AWAITING_ACTION' | 'SUCCEEDED' | 'TIMED_OUT';
  stage: string;
  expiresAt: Date;
  timeoutAction: 'ROLLBACK' | 'CONTINUE';
}

export interface PauseHookConfig {
  targetType?: string;
  lifecycleStages?: string[];
  timeoutConfiguration?: { timeoutInMinutes?: number; action?: string };
}

/** The PAUSE hooks of a deployment configuration (DeploymentLifecycleHook, targetType PAUSE). */
export function pauseHooks(config: Record<string, unknown>): PauseHookConfig[] {
  return ((config.lifecycleHooks as PauseHookConfig[] | undefined) ?? []).filter((h) => h.targetType === 'PAUSE');
}

/** The hook a deployment gets on entering `stage` at `at` (ms epoch), when its configuration pauses there. */
export function pauseAt(config: Record<string, unknown>, stage: string | undefined, at: number, minuteMs: number): HookDetail | undefined {
  const hook = stage ? pauseHooks(config).find((h) => h.lifecycleStages?.includes(stage)) : undefined;
  if (!hook || !stage) return undefined;
  const t = hook.timeoutConfiguration;
  const expiresAt = at + (t ? (t.timeoutInMinutes ?? 1440) * minuteMs : 1440 * 60_000);
  return {
    hookId: id(12),
    targetType: 'PAUSE',
    status: 'AWAITING_ACTION',
    stage,
    expiresAt: new Date(expiresAt),
    timeoutAction: t?.action === 'CONTINUE' ? 'CONTINUE' : 'ROLLBACK',
  };
}
