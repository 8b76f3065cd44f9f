/**
 * The service's DeploymentConfiguration for this deployment (ECS API reference,
 * DeploymentConfiguration): strategy ROLLING / BLUE_GREEN / CANARY / LINEAR (2025 native
 * deployments), bakeTimeInMinutes, canaryConfiguration, linearConfiguration, alarms, and a
 * PAUSE lifecycle hook at `pause-at`. Pure: what changes is returned as log lines.
 */
import type { DeploymentConfiguration, DeploymentLifecycleHook, DeploymentLifecycleHookStage, DeploymentStrategy } from '@aws-sdk/client-ecs';
import type { NativeSettings, PauseAt, Strategy } from './inputs';

export const ECS_STRATEGY: Record<Exclude<Strategy, 'codedeploy'>, DeploymentStrategy> = {
  rolling: 'ROLLING',
  'blue-green': 'BLUE_GREEN',
  canary: 'CANARY',
  linear: 'LINEAR',
};

/** pause-at -> the lifecycle stage of the PAUSE hook. */
export function pauseStage(pauseAt: PauseAt): string | undefined {
  return pauseAt === 'none' ? undefined : pauseAt.toUpperCase().replace(/-/g, '_');
}

/** The strategy a service is configured for, in our terms. */
export function serviceStrategy(controller: string | undefined, config: DeploymentConfiguration | undefined): Strategy | 'external' {
  if (controller === 'CODE_DEPLOY') return 'codedeploy';
  if (controller === 'EXTERNAL') return 'external';
  const s = config?.strategy ?? 'ROLLING';
  return (Object.entries(ECS_STRATEGY).find(([, v]) => v === s)?.[0] as Strategy | undefined) ?? 'rolling';
}

/**
 * The configuration to send with UpdateService: the service's own, with the chosen strategy
 * and the given settings written over it. PAUSE hooks an earlier paused run left are removed
 * unless asked for again (the configuration outlives the deployment).
 */
export function buildDeploymentConfiguration(
  current: DeploymentConfiguration | undefined,
  strategy: Exclude<Strategy, 'codedeploy'>,
  native: NativeSettings,
): { configuration: DeploymentConfiguration; changes: string[] } {
  const changes: string[] = [];
  const config: DeploymentConfiguration = JSON.parse(JSON.stringify(current ?? {})) as DeploymentConfiguration;
  const wanted = ECS_STRATEGY[strategy];
  if ((config.strategy ?? 'ROLLING') !== wanted) changes.push(`strategy ${config.strategy ?? 'ROLLING'} -> ${wanted}`);
  config.strategy = wanted;
  const set = <K extends keyof DeploymentConfiguration>(key: K, value: DeploymentConfiguration[K], label: string) => {
    if (JSON.stringify(config[key]) !== JSON.stringify(value)) changes.push(`${label} ${JSON.stringify(config[key] ?? null)} -> ${JSON.stringify(value)}`);
    config[key] = value;
  };
  if (native.bakeTimeMinutes !== undefined) set('bakeTimeInMinutes', native.bakeTimeMinutes, 'bakeTimeInMinutes');
  if (strategy === 'canary' && (native.canaryPercent !== undefined || native.canaryBakeTimeMinutes !== undefined)) {
    set(
      'canaryConfiguration',
      {
        canaryPercent: native.canaryPercent ?? config.canaryConfiguration?.canaryPercent,
        canaryBakeTimeInMinutes: native.canaryBakeTimeMinutes ?? config.canaryConfiguration?.canaryBakeTimeInMinutes,
      },
      'canaryConfiguration',
    );
  }
  if (strategy === 'linear' && (native.linearStepPercent !== undefined || native.linearStepBakeTimeMinutes !== undefined)) {
    set(
      'linearConfiguration',
      {
        stepPercent: native.linearStepPercent ?? config.linearConfiguration?.stepPercent,
        stepBakeTimeInMinutes: native.linearStepBakeTimeMinutes ?? config.linearConfiguration?.stepBakeTimeInMinutes,
      },
      'linearConfiguration',
    );
  }
  if (native.alarms.length) set('alarms', { alarmNames: native.alarms, enable: true, rollback: true }, 'alarms');
  const hooks: DeploymentLifecycleHook[] = (config.lifecycleHooks ?? []).filter((h) => h.targetType !== 'PAUSE');
  const removed = (config.lifecycleHooks ?? []).filter((h) => h.targetType === 'PAUSE');
  const stage = pauseStage(native.pauseAt);
  if (stage) hooks.push({ targetType: 'PAUSE', lifecycleStages: [stage as DeploymentLifecycleHookStage] });
  const before = removed.flatMap((h) => h.lifecycleStages ?? []).join(',');
  if (before !== (stage ?? '')) changes.push(`PAUSE lifecycle hook ${before || 'none'} -> ${stage ?? 'none'}`);
  if (hooks.length || config.lifecycleHooks) config.lifecycleHooks = hooks;
  return { configuration: config, changes };
}
