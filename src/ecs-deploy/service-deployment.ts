/**
 * Following one ECS service deployment by its ARN (DescribeServiceDeployments), never by the
 * service's "stable" look: amazon-ecs-deploy-task-definition's waiter reports success after a
 * circuit-breaker rollback (#191, #494) and while the rollout is IN_PROGRESS (#838), and stops
 * at 60 minutes whatever was asked (#527). Here each poll is one DescribeServiceDeployments
 * call; the wait is honoured to the millisecond (the last poll lands on the deadline).
 *
 * States (ECS API reference, ServiceDeployment.status): PENDING, IN_PROGRESS, SUCCESSFUL,
 * STOP_REQUESTED, STOPPED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL,
 * ROLLBACK_FAILED. A PAUSE lifecycle hook waits in AWAITING_ACTION until ContinueServiceDeployment.
 */
import type { ServiceDeployment, Task } from '@aws-sdk/client-ecs';
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { scrubServiceText } from '../toolkit/secrets';
import { awsErrorText, type Clock, type EcsApi } from './aws';
import { emptyOutcome, type DeploymentOutcome, type StoppedTask } from './outcome';

/** Who we talk to about which service. */
export interface EcsContext {
  ecs: EcsApi;
  clock: Clock;
  reporter: Reporter;
  cluster: string;
  service: string;
}

export interface WaitOptions {
  /** How long to wait in total, in ms, from the call (no cap). */
  waitMs: number;
  /** Time between polls, in ms (the last one is shortened to land on the deadline). */
  pollIntervalMs: number;
  /** The task definition ARN the deployment installs (to check the service runs it at the end). */
  taskDefinitionArn?: string;
  /** Return `paused` when a PAUSE hook awaits action (default true). */
  stopAtPause?: boolean;
  /** Observations made before (a continued deployment keeps its timeline). */
  outcome?: DeploymentOutcome;
  /** Hooks already answered: ECS may still show them AWAITING_ACTION for a moment after ContinueServiceDeployment. */
  answeredHookIds?: readonly string[];
}

const ROLLBACK = new Set(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
const RETRYABLE =
  /Throttl|TooManyRequests|RequestLimitExceeded|ServerException|ServiceUnavailable|InternalError|TimeoutError|ECONNRESET|ECONNREFUSED|socket hang up/i;

/**
 * Polls the service deployment until it ends, pauses at a PAUSE hook, or the wait runs out.
 * Returns the outcome (never throws for a failed deployment: that is a result); throws
 * ServiceError when ECS cannot be asked (a non-retryable error, or 5 failed polls in a row).
 */
export async function waitForPauseOrEnd(ctx: EcsContext, serviceDeploymentArn: string, opts: WaitOptions): Promise<DeploymentOutcome> {
  const out = opts.outcome ?? emptyOutcome('timed-out', serviceDeploymentArn);
  out.result = 'timed-out';
  const deadline = ctx.clock.now() + opts.waitMs;
  let failures = 0;
  let rollbackSeenAt: number | undefined;
  for (;;) {
    out.polls++;
    out.pollCalls++;
    let sd: ServiceDeployment | undefined;
    try {
      const r = await ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [serviceDeploymentArn] });
      sd = r.serviceDeployments?.[0];
      if (!sd) {
        const why = r.failures?.map((f) => `${f.arn ?? ''} ${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ') || 'no service deployment in the answer';
        throw new ServiceError(
          'Amazon ECS',
          `DescribeServiceDeployments does not know ${serviceDeploymentArn}: ${scrubServiceText(why)}`,
          'Check the ARN and the region',
        );
      }
      failures = 0;
    } catch (err) {
      if (err instanceof ServiceError || !RETRYABLE.test(awsErrorText(err)) || ++failures >= 5) {
        if (err instanceof ServiceError) throw err;
        throw new ServiceError(
          'Amazon ECS',
          `DescribeServiceDeployments failed: ${scrubServiceText(awsErrorText(err))}`,
          'Check the credentials, the region and the service deployment ARN',
        );
      }
      ctx.reporter.warning(`DescribeServiceDeployments failed (${scrubServiceText(awsErrorText(err))}); polling again`);
    }
    if (sd) {
      observe(ctx, out, sd);
      const hook = sd.lifecycleHookDetails?.find(
        (h) => h.status === 'AWAITING_ACTION' && (h.targetType ?? 'PAUSE') === 'PAUSE' && !(opts.answeredHookIds ?? []).includes(h.hookId ?? ''),
      );
      const status = sd.status ?? '';
      if (hook && (opts.stopAtPause ?? true) && status === 'IN_PROGRESS') {
        out.result = 'paused';
        out.hookId = hook.hookId;
        out.pausedStage = sd.lifecycleStage;
        out.noticedAt = ctx.clock.now();
        return out;
      }
      if (status === 'SUCCESSFUL') return finish(ctx, out, sd, 'succeeded', opts);
      if (status === 'ROLLBACK_FAILED') return finish(ctx, out, sd, 'failed', opts);
      if (status === 'STOPPED') return finish(ctx, out, sd, 'failed', opts);
      if (ROLLBACK.has(status)) {
        rollbackSeenAt ??= ctx.clock.now();
        if (status === 'ROLLBACK_SUCCESSFUL') return finish(ctx, out, sd, 'rolled-back', opts);
      }
    }
    const now = ctx.clock.now();
    if (now >= deadline) {
      if (rollbackSeenAt !== undefined && sd) {
        ctx.reporter.warning('The wait ran out while ECS was still rolling back; reporting rolled-back');
        return finish(ctx, out, sd, 'rolled-back', opts);
      }
      out.noticedAt = now;
      if (sd) await addServiceCounts(ctx, out);
      return out;
    }
    await ctx.clock.sleep(Math.min(opts.pollIntervalMs, deadline - now));
  }
}

/** Adds a timeline entry when status, stage or traffic weight changed, and logs it. */
function observe(ctx: EcsContext, out: DeploymentOutcome, sd: ServiceDeployment): void {
  const last = out.timeline[out.timeline.length - 1];
  const entry = {
    at: ctx.clock.now(),
    status: sd.status ?? 'UNKNOWN',
    stage: sd.lifecycleStage,
    productionWeight: sd.targetServiceRevision?.requestedProductionTrafficWeight,
    testWeight: sd.targetServiceRevision?.requestedTestTrafficWeight,
  };
  out.rawStatus = sd.status;
  out.statusReason = sd.statusReason;
  if (!last || last.status !== entry.status || last.stage !== entry.stage || last.productionWeight !== entry.productionWeight) {
    out.timeline.push(entry);
    const weight = entry.productionWeight !== undefined ? `, production traffic ${entry.productionWeight}%` : '';
    const rev = sd.targetServiceRevision;
    const counts = rev ? `, new revision ${rev.runningTaskCount ?? 0}/${rev.requestedTaskCount ?? 0} running` : '';
    ctx.reporter.info(`${new Date(entry.at).toISOString()} ${entry.status}${entry.stage ? ` ${entry.stage}` : ''}${weight}${counts}`);
  }
  out.alarms = sd.alarms?.alarmNames ?? out.alarms;
  out.triggeredAlarms = sd.alarms?.triggeredAlarmNames ?? out.triggeredAlarms;
  if (sd.deploymentCircuitBreaker) out.circuitBreaker = { ...sd.deploymentCircuitBreaker };
}

/** Classifies an ended deployment and gathers what the summary needs. */
async function finish(
  ctx: EcsContext,
  out: DeploymentOutcome,
  sd: ServiceDeployment,
  result: DeploymentOutcome['result'],
  opts: WaitOptions,
): Promise<DeploymentOutcome> {
  out.noticedAt = ctx.clock.now();
  out.result = result;
  const service = await addServiceCounts(ctx, out);
  if (result === 'succeeded' && !service) {
    // Success is the deployment SUCCESSFUL and the service seen running it: unconfirmed is not success.
    out.result = 'failed';
    out.statusReason = 'ECS reports SUCCESSFUL, but DescribeServices could not confirm which task definition the service runs';
  } else if (result === 'succeeded' && service) {
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
    if (service.currentServiceDeployment && service.currentServiceDeployment !== out.deploymentId) {
      out.result = 'superseded';
      out.supersededBy = service.currentServiceDeployment;
    } else if (opts.taskDefinitionArn && primary?.taskDefinition !== opts.taskDefinitionArn) {
      out.result = 'failed';
      out.statusReason = `ECS reports SUCCESSFUL, but the primary deployment runs ${primary?.taskDefinition ?? 'nothing'}, not ${opts.taskDefinitionArn}`;
    } else if (!primary) {
      out.result = 'failed';
      out.statusReason = 'ECS reports SUCCESSFUL, but the service has no PRIMARY deployment';
    } else if ((primary.runningCount ?? 0) < (primary.desiredCount ?? 0)) {
      out.result = 'failed';
      out.statusReason = `ECS reports SUCCESSFUL, but only ${primary?.runningCount ?? 0} of ${primary?.desiredCount ?? 0} tasks of the new task definition run`;
    }
  }
  if (sd.status === 'STOPPED' && service?.currentServiceDeployment && service.currentServiceDeployment !== out.deploymentId) {
    out.result = 'superseded';
    out.supersededBy = service.currentServiceDeployment;
  }
  if (out.result === 'rolled-back' || out.result === 'failed') {
    out.stoppedTasks = await stoppedTasks(ctx, opts.taskDefinitionArn);
    // ECS said SUCCESSFUL but the service did not show it: that check is the reason, not ECS's text.
    out.rollbackReason = result === 'succeeded' ? scrubServiceText(out.statusReason ?? '') : rollbackReason(sd, out.stoppedTasks);
  }
  return out;
}

/** Counts from DescribeServices (one call); returns the service or undefined when ECS cannot say. */
async function addServiceCounts(ctx: EcsContext, out: DeploymentOutcome) {
  out.pollCalls++;
  try {
    const r = await ctx.ecs.describeServices({ cluster: ctx.cluster, services: [ctx.service] });
    const service = r.services?.[0];
    if (!service) return undefined;
    out.runningCount = service.runningCount;
    out.desiredCount = service.desiredCount;
    out.pendingCount = service.pendingCount;
    return service;
  } catch (err) {
    ctx.reporter.warning(`DescribeServices failed: ${scrubServiceText(awsErrorText(err))}`);
    return undefined;
  }
}

/** The new revision's stopped tasks (ListTasks desiredStatus STOPPED + DescribeTasks), newest first, at most 10. */
export async function stoppedTasks(ctx: EcsContext, taskDefinitionArn?: string): Promise<StoppedTask[]> {
  try {
    const list = await ctx.ecs.listTasks({ cluster: ctx.cluster, serviceName: ctx.service, desiredStatus: 'STOPPED', maxResults: 100 });
    const arns = list.taskArns ?? [];
    if (arns.length === 0) return [];
    const described = await ctx.ecs.describeTasks({ cluster: ctx.cluster, tasks: arns.slice(0, 100) });
    return (described.tasks ?? [])
      .filter((t) => !taskDefinitionArn || t.taskDefinitionArn === taskDefinitionArn)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, 10)
      .map(toStoppedTask);
  } catch (err) {
    ctx.reporter.warning(`Could not list stopped tasks: ${scrubServiceText(awsErrorText(err))}`);
    return [];
  }
}

function toStoppedTask(t: Task): StoppedTask {
  return {
    taskArn: t.taskArn ?? '',
    taskDefinitionArn: t.taskDefinitionArn,
    stoppedReason: t.stoppedReason,
    stopCode: t.stopCode,
    stoppedAt: t.stoppedAt?.getTime(),
    exitCodes: (t.containers ?? []).map((c) => ({ container: c.name ?? '', exitCode: c.exitCode, reason: c.reason })),
  };
}

/** One sentence: ECS's rollback reason, the circuit breaker, the alarms, and the tasks' stoppedReason. */
export function rollbackReason(sd: ServiceDeployment, tasks: readonly StoppedTask[]): string {
  const parts: string[] = [];
  const reason = sd.rollback?.reason ?? sd.statusReason;
  if (reason) parts.push(reason);
  const cb = sd.deploymentCircuitBreaker;
  if (cb?.status === 'TRIGGERED') parts.push(`circuit breaker triggered (${cb.failureCount ?? '?'} failed tasks, threshold ${cb.threshold ?? '?'})`);
  if (sd.alarms?.status === 'TRIGGERED' || sd.alarms?.triggeredAlarmNames?.length) {
    parts.push(`alarms in ALARM: ${(sd.alarms?.triggeredAlarmNames ?? []).join(', ') || 'unnamed'}`);
  }
  const reasons = [...new Set(tasks.map((t) => t.stoppedReason).filter((r): r is string => Boolean(r)))];
  if (reasons.length) parts.push(`stopped tasks: ${reasons.slice(0, 3).join('; ')}`);
  return scrubServiceText(parts.join('; '));
}
