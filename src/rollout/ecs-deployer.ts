/**
 * The ECS Deployer: an ECS native canary or blue/green service deployment (ECS API reference,
 * DeploymentConfiguration strategy CANARY / BLUE_GREEN, lifecycle hooks of targetType PAUSE),
 * driven through ecs-deploy's library (src/ecs-deploy/library.ts) and followed by its service
 * deployment ARN. Canary: setWeight P starts the deployment with canaryPercent P and a canary
 * bake time covering the steps at P, and returns once ECS reports P % of production traffic;
 * setWeight 100 waits for the PAUSE hook after the production traffic shift; finish answers it
 * CONTINUE. Blue/green: preview waits at the PAUSE hook after the test traffic shift, promote
 * answers CONTINUE and waits at the one after the production shift. Abort answers a waiting
 * hook ROLLBACK, or stops the deployment in flight with rollback (StopServiceDeployment), and
 * waits until ECS reports it rolled back.
 */
import type { DeploymentLifecycleHookStage } from '@aws-sdk/client-ecs';
import {
  buildDeploymentConfiguration,
  continueDeployment,
  rollback,
  rollbackTarget,
  startDeployment,
  waitForPauseOrEnd,
  type EcsContext,
  type EcsDeployInputs,
} from '../ecs-deploy/library';
import { ServiceError } from '../toolkit/errors';
import type { Deployer } from './machine';
import { registerNewTaskDefinition } from './new-task-definition';
import type { RolloutKind } from './steps';

export interface EcsRolloutPlan {
  kind: RolloutKind;
  /** Canary: minutes ECS holds the canary percent (covers the steps between the two setWeights). */
  canaryBakeMinutes: number;
}

export function ecsDeployer(ctx: EcsContext, inputs: EcsDeployInputs, plan: EcsRolloutPlan): Deployer {
  let arn: string | undefined;
  let hookId: string | undefined;
  let taskDefinitionArn: string | undefined;
  const wait = { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs };
  const log = (l: string) => ctx.reporter.info(l);

  /** Registers the new task definition and starts the service deployment with PAUSE hooks at `stages`. */
  async function start(strategy: 'canary' | 'blue-green', stages: DeploymentLifecycleHookStage[], canaryPercent?: number): Promise<void> {
    const { service, arn: registeredArn } = await registerNewTaskDefinition(ctx, inputs);
    taskDefinitionArn = registeredArn;
    const native = {
      ...inputs.native,
      pauseAt: 'none' as const,
      ...(canaryPercent !== undefined && { canaryPercent, canaryBakeTimeMinutes: plan.canaryBakeMinutes }),
    };
    const { configuration } = buildDeploymentConfiguration(service.deploymentConfiguration, strategy, native);
    configuration.lifecycleHooks = [...(configuration.lifecycleHooks ?? []), { targetType: 'PAUSE', lifecycleStages: stages }];
    const started = await startDeployment(ctx, { taskDefinitionArn: registeredArn, deploymentConfiguration: configuration });
    arn = started.serviceDeploymentArn;
    log(`ECS ${strategy} service deployment ${arn} of ${registeredArn} (PAUSE hooks at ${stages.join(', ')})`);
  }

  /** Waits for the PAUSE hook; anything but paused (rolled back, failed, timed out) is an error. */
  async function untilPaused(what: string): Promise<void> {
    const o = await waitForPauseOrEnd(ctx, arn ?? '', { ...wait, taskDefinitionArn });
    if (o.result !== 'paused' || !o.hookId)
      throw new ServiceError(
        'Amazon ECS',
        `${what}: the service deployment ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''} instead of pausing`,
      );
    hookId = o.hookId;
    log(`ECS paused at ${o.pausedStage} (hook ${o.hookId})`);
  }

  async function answer(decision: 'continue' | 'rollback'): Promise<void> {
    await continueDeployment(ctx, { serviceDeploymentArn: arn ?? '', hookId: hookId ?? '' }, decision);
    hookId = undefined;
  }

  /** Canary: returns once ECS sends `weight` % of production traffic to the new revision. */
  async function untilWeight(weight: number): Promise<number> {
    const deadline = ctx.clock.now() + wait.waitMs;
    for (;;) {
      const sd = (await ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [arn ?? ''] })).serviceDeployments?.[0];
      const now = sd?.targetServiceRevision?.requestedProductionTrafficWeight ?? 0;
      if (now >= weight) return now;
      if (!sd || !['PENDING', 'IN_PROGRESS'].includes(sd.status ?? ''))
        throw new ServiceError(
          'Amazon ECS',
          `the canary never reached ${weight} %: the service deployment is ${sd?.status ?? 'unknown'} ${sd?.statusReason ?? ''}`.trim(),
        );
      if (ctx.clock.now() >= deadline) throw new ServiceError('Amazon ECS', `the canary did not reach ${weight} % within the wait`, 'Raise wait');
      await ctx.clock.sleep(wait.pollIntervalMs);
    }
  }

  return {
    kind: plan.kind,
    async setWeight(weight) {
      if (!arn) {
        if (weight >= 100) throw new ServiceError('Amazon ECS', 'an ECS canary starts below 100 %', 'Give a setWeight below 100 first');
        await start('canary', ['POST_PRODUCTION_TRAFFIC_SHIFT'], weight);
        return { weight: await untilWeight(weight) };
      }
      if (weight < 100)
        throw new ServiceError('Amazon ECS', `an ECS native canary has one canary percent; ${weight} % after it is not possible`, 'Use setWeight P then 100');
      await untilPaused('waiting for all production traffic');
      return { weight: 100 };
    },
    async preview() {
      await start('blue-green', ['POST_TEST_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT']);
      await untilPaused('waiting for test traffic on the new revision');
    },
    async switchTraffic() {
      if (!arn) {
        await start('blue-green', ['POST_TEST_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT']);
        await untilPaused('waiting for test traffic on the new revision');
      }
      await answer('continue');
      await untilPaused('waiting for production traffic on the new revision');
    },
    async finish() {
      if (hookId) await answer('continue');
      const o = await waitForPauseOrEnd(ctx, arn ?? '', { ...wait, taskDefinitionArn, stopAtPause: false });
      if (o.result !== 'succeeded')
        throw new ServiceError('Amazon ECS', `the service deployment ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''}`);
      return { taskDefinitionArn };
    },
    async abort() {
      if (arn && hookId) {
        await answer('rollback');
        const o = await waitForPauseOrEnd(ctx, arn, { ...wait, stopAtPause: false });
        if (o.result !== 'rolled-back') throw new ServiceError('Amazon ECS', `ROLLBACK answered, but the deployment ended ${o.result}`);
        log(`abort: PAUSE hook answered ROLLBACK; ECS rolled ${arn} back`);
        return;
      }
      // after a restart (post step) the ARN is found again: the deployment in flight, if any
      const target = arn ? { inFlight: arn } : await rollbackTarget(ctx);
      if (!('inFlight' in target)) {
        log('abort: no service deployment in flight; the service runs what it ran');
        return;
      }
      const o = await rollback(ctx, target.inFlight, wait);
      if (o.result !== 'rolled-back') throw new ServiceError('Amazon ECS', `stopping ${target.inFlight} with rollback ended ${o.result}`);
      log(`abort: ${target.inFlight} stopped with rollback; ECS rolled it back`);
    },
  };
}
