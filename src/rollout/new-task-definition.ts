/**
 * The first step of both ECS deployers (native and CodeDeploy): read the service, apply the
 * images and environment to the task definition (the given file's, else the service's
 * current one) and register the result as a new revision.
 */
import type { Service } from '@aws-sdk/client-ecs';
import {
  applyImagesAndEnvironment,
  describeService,
  describeTaskDefinition,
  registerTaskDefinition,
  toRegisterInput,
  type EcsContext,
  type EcsDeployInputs,
} from '../ecs-deploy/library';
import { ServiceError } from '../toolkit/errors';

/**
 * DescribeServices, then RegisterTaskDefinition of the new revision. Returns the service as
 * described and the new task definition's ARN. Throws ServiceError (Amazon ECS) when a
 * container named in the images or environment is not in the task definition, and what
 * describeService / registerTaskDefinition throw.
 */
export async function registerNewTaskDefinition(ctx: EcsContext, inputs: EcsDeployInputs): Promise<{ service: Service; arn: string }> {
  const service = await describeService(ctx);
  const base = inputs.taskDefinition ?? (await describeTaskDefinition(ctx, service.taskDefinition ?? ''));
  const applied = applyImagesAndEnvironment(base, inputs.images, inputs.environment);
  if (applied.missing.length) throw new ServiceError('Amazon ECS', `the task definition has no container ${applied.missing.join(', ')}`, 'Check images');
  const registered = await registerTaskDefinition(ctx, toRegisterInput(applied.taskDefinition).input);
  return { service, arn: registered.arn };
}
