/**
 * ECS blue/green through AWS CodeDeploy (CodeDeploy API reference): CreateDeployment with an
 * AppSpec (content, not S3), followed by GetDeployment on the deployment id. With
 * wait-at-ready the group must hold the replacement task set at Ready (deploymentReadyOption
 * actionOnTimeout STOP_DEPLOYMENT); then ContinueDeployment (READY_WAIT) or StopDeployment
 * with autoRollbackEnabled decides (aws-actions/amazon-ecs-deploy-task-definition #96).
 * Statuses: Created, Queued, InProgress, Baking, Ready, Succeeded, Failed, Stopped.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError, ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { scrubServiceText } from '../toolkit/secrets';
import { awsErrorText, type Clock, type CodeDeployApi } from './aws';
import type { Decision } from './inputs';
import { emptyOutcome, type DeploymentOutcome } from './outcome';

export interface CodeDeployContext {
  codedeploy: CodeDeployApi;
  clock: Clock;
  reporter: Reporter;
}

async function call<T>(
  operation: string,
  fn: () => Promise<T>,
  hint = 'Check the credentials (codedeploy:* for the role), the application and the deployment group',
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ServiceError('AWS CodeDeploy', `${operation} failed: ${scrubServiceText(awsErrorText(err))}`, hint);
  }
}

/** What the deployment group says about rollbacks, alarms and waiting at Ready. */
export interface GroupFacts {
  holdsAtReady: boolean;
  autoRollback: boolean;
  alarms: string[];
}

export async function deploymentGroupFacts(ctx: CodeDeployContext, application: string, deploymentGroup: string): Promise<GroupFacts> {
  const r = await call('GetDeploymentGroup', () => ctx.codedeploy.getDeploymentGroup({ applicationName: application, deploymentGroupName: deploymentGroup }));
  const g = r.deploymentGroupInfo;
  if (!g) throw new ServiceError('AWS CodeDeploy', `deployment group '${deploymentGroup}' of '${application}' not found`);
  return {
    holdsAtReady: g.blueGreenDeploymentConfiguration?.deploymentReadyOption?.actionOnTimeout === 'STOP_DEPLOYMENT',
    autoRollback: Boolean(g.autoRollbackConfiguration?.enabled),
    alarms: g.alarmConfiguration?.enabled ? (g.alarmConfiguration.alarms ?? []).map((a) => a.name ?? '') : [],
  };
}

/**
 * The AppSpec for an ECS deployment: the user's file with TaskDefinition replaced by the new
 * ARN (as amazon-ecs-deploy-task-definition does), or one generated from the load balancer's
 * container name and port. Returned as JSON text (valid YAML).
 */
export function buildAppSpec(taskDefinitionArn: string, file: string | undefined, lb: { containerName?: string; containerPort?: number } | undefined): string {
  if (file) {
    let spec: { Resources?: { [k: string]: { Properties?: Record<string, unknown> } }[] };
    try {
      spec = parseYaml(readFileSync(file, 'utf8')) as typeof spec;
    } catch (e) {
      throw new InputError(
        'codedeploy-appspec',
        `cannot read '${file}' as YAML or JSON: ${(e as Error).message}`,
        'Give an AppSpec file for an ECS deployment',
      );
    }
    const target = spec?.Resources?.[0] && Object.values(spec.Resources[0])[0];
    if (!target?.Properties)
      throw new InputError('codedeploy-appspec', `'${file}' has no Resources[0].TargetService.Properties`, 'Give an AppSpec for an ECS service (version 0.0)');
    target.Properties.TaskDefinition = taskDefinitionArn;
    return JSON.stringify(spec);
  }
  if (!lb?.containerName || !lb.containerPort) {
    throw new ServiceError(
      'Amazon ECS',
      'the service has no load balancer with a container name and port to generate an AppSpec from',
      'Give codedeploy-appspec',
    );
  }
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: taskDefinitionArn, LoadBalancerInfo: { ContainerName: lb.containerName, ContainerPort: lb.containerPort } },
        },
      },
    ],
  });
}

/** CreateDeployment with the AppSpec as content; returns the deployment id (d-XXXXXXXXX). */
export async function startCodeDeployDeployment(
  ctx: CodeDeployContext,
  request: { application: string; deploymentGroup: string; appspec: string; description?: string },
): Promise<string> {
  const sha256 = createHash('sha256').update(request.appspec).digest('hex');
  const r = await call('CreateDeployment', () =>
    ctx.codedeploy.createDeployment({
      applicationName: request.application,
      deploymentGroupName: request.deploymentGroup,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: request.appspec, sha256 } },
      description: request.description,
    }),
  );
  if (!r.deploymentId) throw new ServiceError('AWS CodeDeploy', 'CreateDeployment returned no deploymentId');
  return r.deploymentId;
}

/**
 * Polls GetDeployment until Succeeded / Failed / Stopped, Ready (with stopAtReady: result
 * paused), or the wait runs out (timed-out). A Failed or Stopped deployment that CodeDeploy
 * rolled back is rolled-back, with errorInformation and rollbackInfo as the reason.
 */
export async function waitForCodeDeploy(
  ctx: CodeDeployContext,
  deploymentId: string,
  opts: { waitMs: number; pollIntervalMs: number; stopAtReady: boolean; outcome?: DeploymentOutcome },
): Promise<DeploymentOutcome> {
  const out = opts.outcome ?? emptyOutcome('timed-out', deploymentId);
  out.result = 'timed-out';
  const deadline = ctx.clock.now() + opts.waitMs;
  for (;;) {
    out.polls++;
    out.pollCalls++;
    const r = await call('GetDeployment', () => ctx.codedeploy.getDeployment({ deploymentId }));
    const d = r.deploymentInfo;
    const status = d?.status ?? 'Unknown';
    const last = out.timeline[out.timeline.length - 1];
    if (!last || last.status !== status) {
      out.timeline.push({ at: ctx.clock.now(), status });
      const o = d?.deploymentOverview;
      ctx.reporter.info(
        `${new Date(ctx.clock.now()).toISOString()} CodeDeploy ${deploymentId} ${status}${o ? ` (targets: ${o.Succeeded ?? 0} succeeded, ${o.InProgress ?? 0} in progress, ${o.Failed ?? 0} failed, ${o.Ready ?? 0} ready)` : ''}`,
      );
    }
    out.rawStatus = status;
    if (status === 'Succeeded') return done(ctx, out, 'succeeded');
    if (status === 'Ready' && opts.stopAtReady) return done(ctx, out, 'paused');
    if (status === 'Failed' || status === 'Stopped') {
      const rolledBack = Boolean(d?.rollbackInfo?.rollbackDeploymentId);
      out.rollbackReason = scrubServiceText(
        [d?.errorInformation?.code, d?.errorInformation?.message, d?.rollbackInfo?.rollbackMessage].filter(Boolean).join(': ') || `deployment ${status}`,
      );
      out.statusReason = d?.errorInformation?.message;
      if (d?.errorInformation?.code === 'ALARM_ACTIVE') out.triggeredAlarms = (d.overrideAlarmConfiguration?.alarms ?? []).map((a) => a.name ?? '');
      return done(ctx, out, rolledBack ? 'rolled-back' : 'failed');
    }
    const now = ctx.clock.now();
    if (now >= deadline) return done(ctx, out, 'timed-out');
    await ctx.clock.sleep(Math.min(opts.pollIntervalMs, deadline - now));
  }
}

async function done(ctx: CodeDeployContext, out: DeploymentOutcome, result: DeploymentOutcome['result']): Promise<DeploymentOutcome> {
  out.result = result;
  out.noticedAt = ctx.clock.now();
  await addLifecycleEvents(ctx, out);
  return out;
}

/**
 * The ECS target's lifecycle events (BeforeInstall ... AfterAllowTraffic) with their times,
 * read once at the end (ListDeploymentTargets + GetDeploymentTarget), not on every poll, and
 * merged into the timeline. Missing events only cost the summary detail, never the result.
 */
async function addLifecycleEvents(ctx: CodeDeployContext, out: DeploymentOutcome): Promise<void> {
  const cd = ctx.codedeploy;
  if (!cd.listDeploymentTargets || !cd.getDeploymentTarget) return;
  try {
    const targets = await cd.listDeploymentTargets({ deploymentId: out.deploymentId });
    const targetId = targets.targetIds?.[0];
    if (!targetId) return;
    const t = await cd.getDeploymentTarget({ deploymentId: out.deploymentId, targetId });
    const events = t.deploymentTarget?.ecsTarget?.lifecycleEvents ?? [];
    const seen = out.timeline.filter((e) => e.stage === undefined);
    const stages = events.filter((e) => e.startTime).map((e) => ({ at: e.startTime?.getTime() ?? 0, status: e.status ?? '', stage: e.lifecycleEventName }));
    out.timeline = [...seen, ...stages].sort((a, b) => a.at - b.at);
  } catch (err) {
    ctx.reporter.debug(`CodeDeploy lifecycle events not read: ${scrubServiceText(awsErrorText(err))}`);
  }
}

/** The decision at Ready: ContinueDeployment (READY_WAIT) or StopDeployment with autoRollbackEnabled. */
export async function continueCodeDeploy(ctx: CodeDeployContext, deploymentId: string, decision: Decision): Promise<void> {
  if (decision === 'continue') {
    await call(
      'ContinueDeployment',
      () => ctx.codedeploy.continueDeployment({ deploymentId, deploymentWaitType: 'READY_WAIT' }),
      'Check that the deployment is waiting at Ready',
    );
  } else {
    await call('StopDeployment', () => ctx.codedeploy.stopDeployment({ deploymentId, autoRollbackEnabled: true }));
  }
}
