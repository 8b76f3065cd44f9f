/**
 * ECS verbs of a deployment, each one API call or a short fixed sequence (ECS API reference):
 * describe the service, register a task definition, start a deployment (UpdateService, which
 * returns the service deployment ARN as service.currentServiceDeployment), answer a PAUSE
 * lifecycle hook (ContinueServiceDeployment), stop with rollback (StopServiceDeployment), and
 * find the task definition to roll back to. Errors are ServiceErrors naming the call.
 */
import type { DeploymentConfiguration, Service, ServiceDeployment } from '@aws-sdk/client-ecs';
import { ServiceError } from '../toolkit/errors';
import { scrubServiceText } from '../toolkit/secrets';
import { awsErrorText } from './aws';
import type { Decision } from './inputs';
import type { EcsContext } from './service-deployment';
import type { TaskDefinitionJson } from './task-definition';

async function call<T>(
  operation: string,
  fn: () => Promise<T>,
  hint = 'Check the credentials (ecs:* permissions for the role), the region, the cluster and the service',
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ServiceError('Amazon ECS', `${operation} failed: ${scrubServiceText(awsErrorText(err))}`, hint);
  }
}

/** The service (DescribeServices); ServiceError when it is missing or not ACTIVE. */
export async function describeService(ctx: EcsContext): Promise<Service> {
  const r = await call('DescribeServices', () => ctx.ecs.describeServices({ cluster: ctx.cluster, services: [ctx.service] }));
  const service = r.services?.[0];
  if (!service || service.status !== 'ACTIVE') {
    const why = r.failures?.map((f) => f.reason).join(', ') || service?.status || 'not found';
    throw new ServiceError(
      'Amazon ECS',
      `service '${ctx.service}' in cluster '${ctx.cluster}' is ${why}`,
      'Check the cluster and service names and the region',
    );
  }
  return service;
}

/** A registered task definition, as DescribeTaskDefinition returns it. */
export async function describeTaskDefinition(ctx: EcsContext, taskDefinition: string): Promise<TaskDefinitionJson> {
  const r = await call('DescribeTaskDefinition', () => ctx.ecs.describeTaskDefinition({ taskDefinition }));
  if (!r.taskDefinition) throw new ServiceError('Amazon ECS', `DescribeTaskDefinition returned no task definition for ${taskDefinition}`);
  return r.taskDefinition as unknown as TaskDefinitionJson;
}

/** Registers a new revision; returns its ARN and each container's image. */
export async function registerTaskDefinition(
  ctx: EcsContext,
  input: TaskDefinitionJson,
): Promise<{ arn: string; containers: { name: string; image: string }[] }> {
  const r = await call(
    'RegisterTaskDefinition',
    () => ctx.ecs.registerTaskDefinition(input as never),
    'Check the task definition (and ecs:RegisterTaskDefinition, iam:PassRole for its roles)',
  );
  const arn = r.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new ServiceError('Amazon ECS', 'RegisterTaskDefinition returned no taskDefinitionArn');
  return { arn, containers: (r.taskDefinition?.containerDefinitions ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })) };
}

/**
 * Starts a service deployment of `taskDefinitionArn` (UpdateService, forceNewDeployment off:
 * the new task definition is the change). Returns the service deployment ARN ECS created.
 */
export async function startDeployment(
  ctx: EcsContext,
  request: { taskDefinitionArn: string; deploymentConfiguration?: DeploymentConfiguration },
): Promise<{ serviceDeploymentArn: string; service: Service }> {
  const r = await call('UpdateService', () =>
    ctx.ecs.updateService({
      cluster: ctx.cluster,
      service: ctx.service,
      taskDefinition: request.taskDefinitionArn,
      ...(request.deploymentConfiguration ? { deploymentConfiguration: request.deploymentConfiguration } : {}),
    }),
  );
  const service = r.service;
  let arn = service?.currentServiceDeployment;
  if (!arn) {
    // Older answers lack currentServiceDeployment: take the newest deployment of this task definition.
    const list = await call('ListServiceDeployments', () =>
      ctx.ecs.listServiceDeployments({ cluster: ctx.cluster, service: ctx.service, status: ['PENDING', 'IN_PROGRESS'] }),
    );
    arn = list.serviceDeployments?.[0]?.serviceDeploymentArn;
  }
  if (!arn || !service)
    throw new ServiceError(
      'Amazon ECS',
      'UpdateService started no service deployment that can be followed',
      'Check that the service uses the ECS deployment controller',
    );
  return { serviceDeploymentArn: arn, service };
}

/** Answers a PAUSE lifecycle hook: CONTINUE or ROLLBACK (ContinueServiceDeployment). */
export async function continueDeployment(ctx: EcsContext, target: { serviceDeploymentArn: string; hookId: string }, decision: Decision): Promise<void> {
  await call(
    'ContinueServiceDeployment',
    () =>
      ctx.ecs.continueServiceDeployment({
        serviceDeploymentArn: target.serviceDeploymentArn,
        hookId: target.hookId,
        action: decision === 'continue' ? 'CONTINUE' : 'ROLLBACK',
      }),
    'Check that the deployment is still paused at that hook (service-deployment-arn and hook-id from the paused step)',
  );
}

/**
 * One service deployment as ECS describes it now (DescribeServiceDeployments: status,
 * statusReason, lifecycleStage...); ServiceError when ECS does not know the ARN.
 */
export async function describeServiceDeployment(ctx: EcsContext, serviceDeploymentArn: string): Promise<ServiceDeployment> {
  const r = await call('DescribeServiceDeployments', () => ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [serviceDeploymentArn] }));
  const sd = r.serviceDeployments?.[0];
  if (!sd) throw new ServiceError('Amazon ECS', `DescribeServiceDeployments does not know ${serviceDeploymentArn}`, 'Check the ARN and the region');
  return sd;
}

/** Stops a service deployment in flight and lets ECS roll it back (StopServiceDeployment stopType ROLLBACK). */
export async function stopWithRollback(ctx: EcsContext, serviceDeploymentArn: string): Promise<void> {
  await call('StopServiceDeployment', () => ctx.ecs.stopServiceDeployment({ serviceDeploymentArn, stopType: 'ROLLBACK' }));
}

/**
 * What `action: rollback` should do: a deployment in flight is rolled back by ECS; otherwise
 * the service returns to the task definition the latest successful deployment replaced
 * (its source service revision, DescribeServiceRevisions).
 */
export async function rollbackTarget(ctx: EcsContext): Promise<{ inFlight: string } | { taskDefinitionArn: string; from: string }> {
  const list = await call('ListServiceDeployments', () => ctx.ecs.listServiceDeployments({ cluster: ctx.cluster, service: ctx.service }));
  const deployments = [...(list.serviceDeployments ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  const inFlight = deployments.find((d) => d.status === 'PENDING' || d.status === 'IN_PROGRESS');
  if (inFlight?.serviceDeploymentArn) return { inFlight: inFlight.serviceDeploymentArn };
  const last = deployments.find((d) => d.status === 'SUCCESSFUL');
  if (!last?.serviceDeploymentArn)
    throw new ServiceError('Amazon ECS', `service '${ctx.service}' has no successful deployment to roll back`, 'Deploy a known task definition instead');
  const detail = await call('DescribeServiceDeployments', () =>
    ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [last.serviceDeploymentArn ?? ''] }),
  );
  const source = detail.serviceDeployments?.[0]?.sourceServiceRevisions?.[0]?.arn;
  if (!source)
    throw new ServiceError(
      'Amazon ECS',
      `the latest successful deployment of '${ctx.service}' names no previous service revision`,
      'Deploy the previous task definition explicitly',
    );
  const revs = await call('DescribeServiceRevisions', () => ctx.ecs.describeServiceRevisions({ serviceRevisionArns: [source] }));
  const td = revs.serviceRevisions?.[0]?.taskDefinition;
  if (!td) throw new ServiceError('Amazon ECS', `service revision ${source} names no task definition`);
  return { taskDefinitionArn: td, from: last.serviceDeploymentArn };
}
