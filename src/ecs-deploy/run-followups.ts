/**
 * The steps after a deploy: `continue` answers a paused deployment (ECS PAUSE lifecycle hook:
 * ContinueServiceDeployment; CodeDeploy at Ready: ContinueDeployment or StopDeployment with
 * rollback) and follows it to its end, or to the next pause (a PAUSE hook at
 * PRE_PRODUCTION_TRAFFIC_SHIFT holds a canary or linear deployment before each traffic shift:
 * status paused again, with the new hook-id); `rollback` lets ECS roll back a deployment in flight
 * (StopServiceDeployment ROLLBACK) or returns the service to the task definition the last
 * successful deployment replaced. A rollback that was asked for and happened exits 0.
 */
import { InputError, ServiceError } from '../toolkit/errors';
import { continueCodeDeploy, waitForCodeDeploy } from './codedeploy';
import { continueDeployment, describeService, rollbackTarget, startDeployment, stopWithRollback } from './deployer';
import { serviceStrategy } from './deployment-config';
import type { EcsDeployInputs } from './inputs';
import { pausedAt } from './outcome';
import { countTasksAfterCodeDeploy, finishEcsTimeout, report, type Clients } from './result';
import { waitForPauseOrEnd, type EcsContext } from './service-deployment';
import type { SummaryInput } from './summary';

/** Task definitions of a service deployment's source and target revisions (for outputs and summary). */
async function revisionTaskDefinitions(ctx: EcsContext, serviceDeploymentArn: string): Promise<{ source?: string; target?: string }> {
  try {
    const r = await ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [serviceDeploymentArn] });
    const sd = r.serviceDeployments?.[0];
    if (!sd)
      throw new ServiceError(
        'Amazon ECS',
        `service deployment ${serviceDeploymentArn} not found`,
        'Pass the service-deployment-arn output of the paused step, in the same region',
      );
    const arns = [sd.sourceServiceRevisions?.[0]?.arn, sd.targetServiceRevision?.arn].filter((a): a is string => Boolean(a));
    const revs = arns.length ? await ctx.ecs.describeServiceRevisions({ serviceRevisionArns: arns }) : { serviceRevisions: [] };
    const td = (arn?: string) => revs.serviceRevisions?.find((x) => x.serviceRevisionArn === arn)?.taskDefinition;
    return { source: td(sd.sourceServiceRevisions?.[0]?.arn), target: td(sd.targetServiceRevision?.arn) };
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    throw new ServiceError('Amazon ECS', `DescribeServiceDeployments failed: ${(err as Error).message}`, 'Check the ARN, the region and the credentials');
  }
}

export async function continueAction(inputs: EcsDeployInputs, ctx: EcsContext, clients: Clients, summary: SummaryInput): Promise<void> {
  const decision = inputs.decision ?? 'continue';
  if (inputs.strategy === 'codedeploy' || inputs.codedeployDeploymentId) {
    const id = inputs.codedeployDeploymentId ?? '';
    const cdCtx = { codedeploy: await clients.codedeploy(), clock: ctx.clock, reporter: ctx.reporter };
    summary.strategy = 'codedeploy';
    ctx.reporter.info(
      `CodeDeploy deployment ${id}: ${decision === 'continue' ? 'ContinueDeployment (reroute production traffic)' : 'StopDeployment with automatic rollback'}`,
    );
    await continueCodeDeploy(cdCtx, id, decision);
    const outcome = await waitForCodeDeploy(cdCtx, id, { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs, stopAtReady: false });
    await countTasksAfterCodeDeploy(ctx, outcome);
    return report(inputs, ctx, summary, outcome, decision === 'rollback');
  }
  const arn = inputs.serviceDeploymentArn ?? '';
  const tds = await revisionTaskDefinitions(ctx, arn);
  summary.previousTaskDefinitionArn = tds.source;
  summary.taskDefinitionArn = tds.target;
  ctx.reporter.setOutput('previous-task-definition-arn', tds.source ?? '');
  ctx.reporter.setOutput('task-definition-arn', tds.target ?? '');
  const service = await describeService(ctx);
  summary.strategy = serviceStrategy(service.deploymentController?.type, service.deploymentConfiguration);
  ctx.reporter.info(`Service deployment ${arn}: answering lifecycle hook ${inputs.hookId ?? ''} with ${decision.toUpperCase()}`);
  await continueDeployment(ctx, { serviceDeploymentArn: arn, hookId: inputs.hookId ?? '' }, decision);
  const outcome = await waitForPauseOrEnd(ctx, arn, {
    waitMs: inputs.waitMs,
    pollIntervalMs: inputs.pollIntervalMs,
    taskDefinitionArn: decision === 'continue' ? tds.target : undefined,
    answeredHookIds: [inputs.hookId ?? ''],
  });
  // A canary or linear deployment pauses at PRE_PRODUCTION_TRAFFIC_SHIFT before each traffic shift: a new hook to answer.
  if (outcome.result === 'paused')
    ctx.reporter.info(
      `ECS paused again at ${pausedAt(outcome)} (hook ${outcome.hookId ?? ''}): answer it with another action: continue and this step's hook-id output`,
    );
  await finishEcsTimeout(inputs, ctx, outcome, tds.target);
  return report(inputs, ctx, summary, outcome, decision === 'rollback');
}

export async function rollbackAction(inputs: EcsDeployInputs, ctx: EcsContext, clients: Clients, summary: SummaryInput): Promise<void> {
  if (inputs.strategy === 'codedeploy' || inputs.codedeployDeploymentId) {
    const id = inputs.codedeployDeploymentId;
    if (!id)
      throw new InputError(
        'codedeploy-deployment-id',
        'is required to roll back a CodeDeploy deployment',
        'Pass the codedeploy-deployment-id of the deployment in flight; to return to an older revision, deploy its task definition',
      );
    const cdCtx = { codedeploy: await clients.codedeploy(), clock: ctx.clock, reporter: ctx.reporter };
    summary.strategy = 'codedeploy';
    await continueCodeDeploy(cdCtx, id, 'rollback');
    const outcome = await waitForCodeDeploy(cdCtx, id, { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs, stopAtReady: false });
    await countTasksAfterCodeDeploy(ctx, outcome);
    return report(inputs, ctx, summary, outcome, true);
  }
  const service = await describeService(ctx);
  summary.strategy = serviceStrategy(service.deploymentController?.type, service.deploymentConfiguration);
  summary.previousTaskDefinitionArn = service.taskDefinition;
  ctx.reporter.setOutput('previous-task-definition-arn', service.taskDefinition ?? '');
  const target = inputs.serviceDeploymentArn ? { inFlight: inputs.serviceDeploymentArn } : await rollbackTarget(ctx);
  if ('inFlight' in target) {
    const tds = await revisionTaskDefinitions(ctx, target.inFlight);
    summary.taskDefinitionArn = tds.source;
    ctx.reporter.setOutput('task-definition-arn', tds.source ?? '');
    ctx.reporter.info(`Rolling back service deployment ${target.inFlight} (StopServiceDeployment, stopType ROLLBACK)`);
    await stopWithRollback(ctx, target.inFlight);
    const outcome = await waitForPauseOrEnd(ctx, target.inFlight, { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs, stopAtPause: false });
    return report(inputs, ctx, summary, outcome, true);
  }
  if (target.taskDefinitionArn === service.taskDefinition) {
    throw new ServiceError(
      'Amazon ECS',
      `service '${inputs.service}' already runs ${target.taskDefinitionArn}, the task definition its last successful deployment started from`,
      'Nothing to roll back to: deploy a known task definition explicitly',
    );
  }
  ctx.reporter.info(`Returning ${inputs.service} to ${target.taskDefinitionArn}, the task definition ${target.from} replaced`);
  summary.taskDefinitionArn = target.taskDefinitionArn;
  ctx.reporter.setOutput('task-definition-arn', target.taskDefinitionArn);
  const started = await startDeployment(ctx, { taskDefinitionArn: target.taskDefinitionArn });
  const outcome = await waitForPauseOrEnd(ctx, started.serviceDeploymentArn, {
    waitMs: inputs.waitMs,
    pollIntervalMs: inputs.pollIntervalMs,
    taskDefinitionArn: target.taskDefinitionArn,
    stopAtPause: false,
  });
  // Returning to the previous task definition succeeded: that is the rollback asked for.
  if (outcome.result === 'succeeded') outcome.result = 'rolled-back';
  if (!outcome.rollbackReason && outcome.result === 'rolled-back') outcome.rollbackReason = `action: rollback to ${target.taskDefinitionArn}`;
  return report(inputs, ctx, summary, outcome, true);
}
