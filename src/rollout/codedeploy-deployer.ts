/**
 * The CodeDeploy Deployer: an ECS blue/green deployment by AWS CodeDeploy (services with the
 * CODE_DEPLOY deployment controller), through ecs-deploy's library. preview creates the
 * deployment and waits until CodeDeploy holds the replacement task set at Ready (test listener
 * serving it; the deployment group must "specify when to reroute traffic"); promote answers
 * ContinueDeployment (READY_WAIT): production traffic reroutes; finish waits for Succeeded; abort
 * stops the deployment with auto-rollback (StopDeployment) and waits until CodeDeploy reports it
 * rolled back. The deployment id is handed to `remember` as soon as CreateDeployment returns (the
 * rollout saves it in GITHUB_STATE before waiting), so the post step of a killed run stops that
 * deployment with rollback from the saved state (abort reads `state.codeDeployDeploymentId`).
 */
import {
  buildAppSpec,
  continueCodeDeploy,
  deploymentGroupFacts,
  primaryTaskSetProblem,
  describeService,
  startCodeDeployDeployment,
  waitForCodeDeploy,
  type CodeDeployContext,
  type EcsContext,
  type EcsDeployInputs,
} from '../ecs-deploy/library';
import { ServiceError } from '../toolkit/errors';
import type { Deployer } from './machine';
import { registerNewTaskDefinition } from './new-task-definition';

export function codeDeployDeployer(
  ctx: EcsContext,
  cd: CodeDeployContext,
  inputs: EcsDeployInputs,
  remember: (deploymentId: string) => void = () => undefined,
): Deployer {
  const group = inputs.codedeploy;
  if (!group) throw new ServiceError('AWS CodeDeploy', 'no deployment group given');
  let id: string | undefined;
  let taskDefinitionArn: string | undefined;
  let ended = false;
  const wait = { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs };

  async function startAndHoldAtReady(): Promise<void> {
    const facts = await deploymentGroupFacts(cd, group!.application, group!.deploymentGroup);
    if (!facts.holdsAtReady)
      throw new ServiceError(
        'AWS CodeDeploy',
        `deployment group '${group!.deploymentGroup}' does not hold the replacement task set at Ready, so there is no moment to analyse before traffic moves`,
        'Set its deployment ready option to "Specify when to reroute traffic"',
      );
    const { service, arn: registeredArn } = await registerNewTaskDefinition(ctx, inputs);
    taskDefinitionArn = registeredArn;
    const lb = service.loadBalancers?.[0];
    const appspec = buildAppSpec(registeredArn, group!.appspecFile, lb ? { containerName: lb.containerName, containerPort: lb.containerPort } : undefined);
    id = await startCodeDeployDeployment(cd, {
      application: group!.application,
      deploymentGroup: group!.deploymentGroup,
      appspec,
      description: `shipline rollout ${registeredArn}`,
    });
    remember(id);
    ctx.reporter.info(`CodeDeploy deployment ${id} of ${registeredArn}`);
    const o = await waitForCodeDeploy(cd, id, { ...wait, stopAtReady: true });
    if (o.result !== 'paused') {
      ended = true;
      throw new ServiceError('AWS CodeDeploy', `deployment ${id} ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''} before Ready`);
    }
  }

  return {
    kind: 'blue-green',
    setWeight: () => Promise.reject(new ServiceError('AWS CodeDeploy', 'CodeDeploy blue/green has no traffic weights', 'Use preview and promote steps')),
    preview: startAndHoldAtReady,
    async switchTraffic() {
      if (!id) await startAndHoldAtReady();
      await continueCodeDeploy(cd, id!, 'continue');
      ctx.reporter.info(`CodeDeploy ${id}: ContinueDeployment (READY_WAIT), production traffic rerouted to the replacement task set`);
    },
    async finish() {
      const o = await waitForCodeDeploy(cd, id ?? '', { ...wait, stopAtReady: false });
      ended = true;
      if (o.result !== 'succeeded')
        throw new ServiceError('AWS CodeDeploy', `deployment ${id} ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''}`);
      // Succeeded counts only when ECS runs it: the PRIMARY task set is the new task definition, all tasks up.
      const problem = primaryTaskSetProblem(await describeService(ctx), { taskDefinitionArn, deploymentId: id ?? '' });
      if (problem) throw new ServiceError('Amazon ECS', `deployment ${id}: ${problem}`, "Check the service's task sets in the ECS console");
      return { taskDefinitionArn };
    },
    async abort(state) {
      const restored = !id && state.codeDeployDeploymentId !== undefined;
      if (restored) id = state.codeDeployDeploymentId;
      if (!id) {
        if (!state.previewed && !state.switched) return; // CreateDeployment never returned: nothing to stop
        throw new ServiceError('AWS CodeDeploy', 'the deployment id was not saved, so it cannot be stopped', 'Stop it in the CodeDeploy console with rollback');
      }
      if (ended) return;
      if (restored) {
        // a restarted run: the deployment may have ended while nobody watched
        const status = (await cd.codedeploy.getDeployment({ deploymentId: id })).deploymentInfo?.status;
        if (status === 'Failed' || status === 'Stopped') {
          ended = true;
          ctx.reporter.info(`abort: CodeDeploy ${id} already ${status}; nothing to stop`);
          return;
        }
        if (status === 'Succeeded')
          throw new ServiceError(
            'AWS CodeDeploy',
            `deployment ${id} already Succeeded: production serves the new task definition although the rollout did not finish`,
            'Redeploy the previous task definition if it must not serve',
          );
      }
      await continueCodeDeploy(cd, id, 'rollback');
      const o = await waitForCodeDeploy(cd, id, { ...wait, stopAtReady: false });
      ended = true;
      if (o.result !== 'rolled-back' && o.result !== 'failed')
        throw new ServiceError('AWS CodeDeploy', `StopDeployment with auto-rollback, but deployment ${id} ended ${o.result}`);
      ctx.reporter.info(`abort: CodeDeploy ${id} stopped with auto-rollback (${o.result}${o.rollbackReason ? `: ${o.rollbackReason}` : ''})`);
    },
  };
}
