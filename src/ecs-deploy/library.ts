/**
 * ecs-deploy's library surface, for other actions (actions/rollout drives ECS canary, linear
 * and blue/green step by step: start with a PAUSE hook, wait for the pause, analyse, answer
 * CONTINUE or ROLLBACK; CodeDeploy: wait at Ready, continue or stop with rollback).
 * Import from here only: everything else in src/ecs-deploy is internal. Signatures here only
 * grow (additive changes).
 *
 * Clients are injected (`loadEcsApi` / `loadCodeDeployApi` give the real ones, loaded by
 * dynamic import; endpoints come from AWS_ENDPOINT_URL_*), time through a `Clock`, and
 * everything said goes through a toolkit `Reporter`.
 *
 * A typical native canary:
 *   const ctx = { ecs: await loadEcsApi(region), clock: systemClock, reporter, cluster, service };
 *   const svc = await describeService(ctx);
 *   const { configuration } = buildDeploymentConfiguration(svc.deploymentConfiguration, 'canary',
 *     { canaryPercent: 10, alarms: [], pauseAt: 'post-production-traffic-shift' });
 *   const { serviceDeploymentArn } = await startDeployment(ctx, { taskDefinitionArn, deploymentConfiguration: configuration });
 *   let o = await waitForPauseOrEnd(ctx, serviceDeploymentArn, { waitMs, pollIntervalMs, taskDefinitionArn });
 *   if (o.result === 'paused') { await continueDeployment(ctx, { serviceDeploymentArn, hookId: o.hookId! }, 'continue');
 *     o = await waitForPauseOrEnd(ctx, serviceDeploymentArn, { waitMs, pollIntervalMs, taskDefinitionArn, outcome: o }); }
 */
export { parseInputs, INPUTS, OUTPUTS, STRATEGIES, PAUSE_STAGES } from './inputs';
export type { EcsDeployInputs, Strategy, PauseAt, Decision, NativeSettings, CodeDeploySettings, ImageAssignment, EnvironmentAssignment } from './inputs';
export { loadEcsApi, loadCodeDeployApi, loadLogsApi, systemClock } from './aws';
export type { EcsApi, CodeDeployApi, LogsApi, Clock } from './aws';
export type { DeploymentOutcome, DeploymentResult, TimelineEntry, StoppedTask } from './outcome';
export { waitForPauseOrEnd, stoppedTasks, rollbackReason } from './service-deployment';
export type { EcsContext, WaitOptions } from './service-deployment';
export {
  describeService,
  describeTaskDefinition,
  registerTaskDefinition,
  startDeployment,
  continueDeployment,
  describeServiceDeployment,
  stopWithRollback,
  rollbackTarget,
} from './deployer';
export { buildDeploymentConfiguration, pauseStage, serviceStrategy, ECS_STRATEGY } from './deployment-config';
export { deploymentGroupFacts, buildAppSpec, startCodeDeployDeployment, waitForCodeDeploy, continueCodeDeploy } from './codedeploy';
export type { CodeDeployContext, GroupFacts } from './codedeploy';
export { primaryTaskSetProblem } from './task-set-check';
export { toRegisterInput, applyImagesAndEnvironment, parseTaskDefinitionText, imageDigest, DESCRIBE_ONLY_KEYS } from './task-definition';
export type { TaskDefinitionJson, ContainerDefinitionJson } from './task-definition';

import type { EcsContext, WaitOptions } from './service-deployment';
import type { DeploymentOutcome } from './outcome';
import { stopWithRollback } from './deployer';
import { waitForPauseOrEnd } from './service-deployment';

/**
 * Rolls back a service deployment in flight (StopServiceDeployment stopType ROLLBACK) and waits
 * for ECS to finish it. Result `rolled-back` when ECS reports ROLLBACK_SUCCESSFUL (or still
 * rolling back when the wait ends), `failed` on ROLLBACK_FAILED.
 */
export async function rollback(ctx: EcsContext, serviceDeploymentArn: string, opts: Omit<WaitOptions, 'stopAtPause'>): Promise<DeploymentOutcome> {
  await stopWithRollback(ctx, serviceDeploymentArn);
  return waitForPauseOrEnd(ctx, serviceDeploymentArn, { ...opts, stopAtPause: false });
}
