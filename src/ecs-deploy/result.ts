/**
 * How a deployment ends for the step: outputs set, the wait's end handled (on-timeout), and
 * one error line for every result that is not a success. Shared by deploy, continue, rollback.
 */
import { ServiceError } from '../toolkit/errors';
import { scrubServiceText } from '../toolkit/secrets';
import type { Clock, CodeDeployApi, EcsApi, LogsApi } from './aws';
import { continueCodeDeploy, waitForCodeDeploy, type CodeDeployContext } from './codedeploy';
import { stopWithRollback } from './deployer';
import type { EcsDeployInputs } from './inputs';
import { pausedAt, type DeploymentOutcome } from './outcome';
import { waitForPauseOrEnd, type EcsContext } from './service-deployment';
import type { SummaryInput } from './summary';
import { primaryTaskSetProblem } from './task-set-check';

/** AWS clients, each created on first use (dynamic import in main), and the clock. */
export interface Clients {
  ecs(): Promise<EcsApi>;
  codedeploy(): Promise<CodeDeployApi>;
  logs(region: string | undefined): Promise<LogsApi>;
  clock: Clock;
}

/** Thrown after outputs are set, carrying the one error line for a deployment that did not succeed. */
export class DeploymentEnded extends Error {
  constructor(readonly error: ServiceError) {
    super(error.message);
  }
}

/** on-timeout: rollback: StopServiceDeployment (ROLLBACK), then wait for ECS to finish it. */
export async function finishEcsTimeout(inputs: EcsDeployInputs, ctx: EcsContext, outcome: DeploymentOutcome, taskDefinitionArn?: string): Promise<void> {
  if (outcome.result !== 'timed-out' || inputs.onTimeout !== 'rollback') return;
  ctx.reporter.warning(`The wait ran out; rolling back ${outcome.deploymentId} (on-timeout: rollback)`);
  await stopWithRollback(ctx, outcome.deploymentId);
  const after = await waitForPauseOrEnd(ctx, outcome.deploymentId, {
    waitMs: inputs.waitMs,
    pollIntervalMs: inputs.pollIntervalMs,
    taskDefinitionArn,
    stopAtPause: false,
    outcome,
  });
  // The rollback was ours: the step still reports that the deployment timed out.
  after.rollbackReason = `the wait (${inputs.waitMs / 1000} s) ran out; rolled back by on-timeout: rollback${after.result === 'rolled-back' ? '' : ` (rollback ended ${after.result})`}`;
  after.result = 'timed-out';
}

export async function finishCodeDeployTimeout(inputs: EcsDeployInputs, ctx: CodeDeployContext, outcome: DeploymentOutcome): Promise<void> {
  if (outcome.result !== 'timed-out' || inputs.onTimeout !== 'rollback') return;
  ctx.reporter.warning(`The wait ran out; stopping ${outcome.deploymentId} with rollback (on-timeout: rollback)`);
  await continueCodeDeploy(ctx, outcome.deploymentId, 'rollback');
  const after = await waitForCodeDeploy(ctx, outcome.deploymentId, {
    waitMs: inputs.waitMs,
    pollIntervalMs: inputs.pollIntervalMs,
    stopAtReady: false,
    outcome,
  });
  after.rollbackReason = `the wait ran out; stopped with rollback by on-timeout: rollback (${after.rollbackReason ?? after.rawStatus ?? ''})`;
  after.result = 'timed-out';
}

/**
 * Sets the outputs and decides the exit: succeeded and paused exit 0 (and rolled-back when
 * the rollback was what the step was asked for); everything else throws one error line.
 */
export function report(inputs: EcsDeployInputs, ctx: EcsContext, summary: SummaryInput, outcome: DeploymentOutcome, rollbackWanted = false): void {
  const r = ctx.reporter;
  summary.outcome = outcome;
  r.setOutput('status', outcome.result);
  if (outcome.deploymentId.startsWith('arn:')) r.setOutput('service-deployment-arn', outcome.deploymentId);
  else r.setOutput('codedeploy-deployment-id', outcome.deploymentId);
  r.setOutput('hook-id', outcome.hookId ?? '');
  r.setOutput('rollback-reason', outcome.rollbackReason ?? '');
  r.setOutput('triggered-alarms', outcome.triggeredAlarms.join(','));
  r.setOutput('running-count', outcome.runningCount === undefined ? '' : String(outcome.runningCount));
  if (outcome.result === 'succeeded' || outcome.result === 'paused' || (rollbackWanted && outcome.result === 'rolled-back')) {
    r.info(`Deployment ${outcome.deploymentId}: ${outcome.result}${outcome.hookId ? ` at ${pausedAt(outcome)} (hook ${outcome.hookId})` : ''}`);
    return;
  }
  const what: Record<string, string> = {
    'rolled-back': `was rolled back: ${outcome.rollbackReason || outcome.statusReason || 'no reason given'}`,
    failed: `failed (${outcome.rawStatus ?? 'unknown'}): ${outcome.rollbackReason || outcome.statusReason || 'no reason given'}`,
    'timed-out': `did not finish within wait ${inputs.waitMs / 1000} s (last status ${outcome.rawStatus ?? 'unknown'}${outcome.timeline.at(-1)?.stage ? ` ${outcome.timeline.at(-1)?.stage}` : ''})${outcome.rollbackReason ? `; ${outcome.rollbackReason}` : '; left as ECS has it (on-timeout: fail)'}`,
    superseded: `was superseded by ${outcome.supersededBy ?? 'a newer deployment'} started by someone else`,
  };
  throw new DeploymentEnded(
    new ServiceError(
      outcome.deploymentId.startsWith('arn:') ? 'Amazon ECS' : 'AWS CodeDeploy',
      `deployment ${outcome.deploymentId} ${what[outcome.result] ?? outcome.result}`,
      'See the job summary for the timeline and stopped tasks',
    ),
  );
}

/**
 * Task counts of the service for a CodeDeploy outcome (GetDeployment has none), and for a
 * Succeeded one the check that ECS runs it (task-set-check.ts): otherwise the result is
 * `failed` with what ECS shows. `taskDefinitionArn` is the new task definition when known.
 */
export async function countTasksAfterCodeDeploy(ctx: EcsContext, outcome: DeploymentOutcome, taskDefinitionArn?: string): Promise<void> {
  let svc;
  try {
    const r = await ctx.ecs.describeServices({ cluster: ctx.cluster, services: [ctx.service] });
    svc = r.services?.[0];
    outcome.runningCount = svc?.runningCount;
    outcome.desiredCount = svc?.desiredCount;
    outcome.pendingCount = svc?.pendingCount;
    if (!svc) throw new Error('no service in the answer');
  } catch {
    ctx.reporter.warning('DescribeServices failed after the CodeDeploy deployment: running-count is left empty');
    // Success needs ECS to show the service: a Succeeded that ECS cannot confirm is not reported as one.
    if (outcome.result === 'succeeded') {
      outcome.result = 'failed';
      outcome.rollbackReason = 'CodeDeploy reports Succeeded, but DescribeServices could not confirm the service runs it';
    }
    return;
  }
  if (outcome.result !== 'succeeded') return;
  const problem = primaryTaskSetProblem(svc, { taskDefinitionArn, deploymentId: outcome.deploymentId });
  if (problem) {
    outcome.result = 'failed';
    outcome.rollbackReason = scrubServiceText(problem);
  }
}
