/**
 * The ECS Deployer: an ECS native canary, linear or blue/green service deployment (ECS API
 * reference, DeploymentConfiguration strategy CANARY / LINEAR / BLUE_GREEN, lifecycle hooks of
 * targetType PAUSE), driven through ecs-deploy's library (src/ecs-deploy/library.ts) and followed
 * by its service deployment ARN. Traffic moves only when a PAUSE hook is answered, never on a
 * timer (the canary and step bake times are 0):
 *
 * - canary (canaryPercent P) and linear (linearConfiguration stepPercent S): PAUSE hooks at
 *   PRE_PRODUCTION_TRAFFIC_SHIFT, which ECS runs "before every traffic shift step" of a canary or
 *   linear deployment (DeploymentLifecycleHook.lifecycleStages), and POST_PRODUCTION_TRAFFIC_SHIFT.
 *   The first setWeight answers CONTINUE to the pause before the first shift (0 %); each setWeight
 *   then waits for the next pause and checks that ECS reports the weight asked (P, or k x S) at
 *   PRE_PRODUCTION_TRAFFIC_SHIFT, or 100 at POST_PRODUCTION_TRAFFIC_SHIFT; the next setWeight
 *   answers CONTINUE; finish answers the last pause CONTINUE and waits for SUCCESSFUL.
 * - blue/green: preview waits at the PAUSE hook after the test traffic shift, promote answers
 *   CONTINUE and waits at the one after the production shift.
 *
 * Every PAUSE hook has timeoutConfiguration { timeoutInMinutes: plan.hookTimeoutMinutes, action
 * ROLLBACK }: a hook nobody answers in time (the runner died) is rolled back by ECS itself.
 * Abort answers a waiting hook ROLLBACK (the next pause ECS reaches when that hook was answered
 * elsewhere), or stops the deployment in flight with rollback (StopServiceDeployment), and waits
 * until ECS reports it rolled back.
 */
import type { DeploymentLifecycleHookStage, ServiceDeployment } from '@aws-sdk/client-ecs';
import {
  buildDeploymentConfiguration,
  continueDeployment,
  describeServiceDeployment,
  rollback,
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
  /** Minutes (1-20160) ECS waits at each PAUSE hook before it rolls back by itself. */
  hookTimeoutMinutes: number;
}

/** Hands the service deployment ARN to the saved rollout state as soon as ECS returns it (the post step's abort needs it). */
export type RememberDeployment = (serviceDeploymentArn: string) => void;

const PRE = 'PRE_PRODUCTION_TRAFFIC_SHIFT';
const POST = 'POST_PRODUCTION_TRAFFIC_SHIFT';

export function ecsDeployer(ctx: EcsContext, inputs: EcsDeployInputs, plan: EcsRolloutPlan, remember: RememberDeployment = () => undefined): Deployer {
  let arn: string | undefined;
  let hookId: string | undefined;
  const answered: string[] = [];
  let taskDefinitionArn: string | undefined;
  const wait = { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs };
  const log = (l: string) => ctx.reporter.info(l);
  // rollout's parser sets canary or linear (with their percent and bake time 0) from the steps
  const strategy = plan.kind === 'blue-green' ? 'blue-green' : inputs.strategy === 'linear' ? 'linear' : 'canary';

  /** The deployment's bake time (both revisions run after the last shift): the end waits for it on top of `wait`. */
  let bakeMs = 0;

  /** Registers the new task definition and starts the service deployment with PAUSE hooks at `stages`. */
  async function start(stages: DeploymentLifecycleHookStage[]): Promise<void> {
    const { service, arn: registeredArn } = await registerNewTaskDefinition(ctx, inputs);
    taskDefinitionArn = registeredArn;
    const { configuration } = buildDeploymentConfiguration(service.deploymentConfiguration, strategy, { ...inputs.native, pauseAt: 'none' });
    bakeMs = (configuration.bakeTimeInMinutes ?? 0) * 60_000;
    configuration.lifecycleHooks = [
      ...(configuration.lifecycleHooks ?? []),
      { targetType: 'PAUSE', lifecycleStages: stages, timeoutConfiguration: { timeoutInMinutes: plan.hookTimeoutMinutes, action: 'ROLLBACK' } },
    ];
    const started = await startDeployment(ctx, { taskDefinitionArn: registeredArn, deploymentConfiguration: configuration });
    arn = started.serviceDeploymentArn;
    if (arn) remember(arn);
    log(
      `ECS ${strategy} service deployment ${arn} of ${registeredArn} (PAUSE hooks at ${stages.join(', ')}, each rolled back by ECS after ${plan.hookTimeoutMinutes} min unanswered)`,
    );
  }

  /** Waits for the next PAUSE hook; anything but paused (rolled back, failed, timed out) is an error. */
  async function untilPaused(what: string): Promise<{ stage?: string; weight: number }> {
    const o = await waitForPauseOrEnd(ctx, arn ?? '', { ...wait, taskDefinitionArn, answeredHookIds: answered });
    if (o.result !== 'paused' || !o.hookId)
      throw new ServiceError(
        'Amazon ECS',
        `${what}: the service deployment ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''} instead of pausing`,
      );
    hookId = o.hookId;
    const weight = o.timeline.at(-1)?.productionWeight ?? 0;
    log(`ECS paused at ${o.pausedStage} with ${weight} % of production traffic on the new revision (hook ${o.hookId})`);
    return { stage: o.pausedStage, weight };
  }

  async function answer(decision: 'continue' | 'rollback'): Promise<void> {
    await continueDeployment(ctx, { serviceDeploymentArn: arn ?? '', hookId: hookId ?? '' }, decision);
    answered.push(hookId ?? '');
    hookId = undefined;
  }

  /** Canary and linear: lets ECS make its next production traffic shift and checks where it paused. */
  async function shiftTo(weight: number): Promise<number> {
    await answer('continue');
    const at = await untilPaused(`waiting for ${weight} % of production traffic`);
    const stage = weight >= 100 ? POST : PRE;
    if (at.stage !== stage || at.weight !== weight)
      throw new ServiceError(
        'Amazon ECS',
        `setWeight ${weight} expected a pause at ${stage} with ${weight} % of production traffic, but ECS paused at ${at.stage ?? 'no stage'} with ${at.weight} %`,
        "Check that no one changed the service's deployment configuration during the rollout",
      );
    return at.weight;
  }

  /**
   * Whether ECS rolled the deployment back by itself (an alarm, the circuit breaker, a hook's
   * timeout) or is doing so (`sd`: the deployment as just described): then the abort waits for
   * that to end instead of stopping a deployment that no longer runs (StopServiceDeployment
   * would fail on it).
   */
  async function rolledBackByEcs(deploymentArn: string, sd: ServiceDeployment): Promise<boolean> {
    if (!sd.status?.startsWith('ROLLBACK_') || sd.status === 'ROLLBACK_FAILED') return false;
    const o = sd.status === 'ROLLBACK_SUCCESSFUL' ? undefined : await waitForPauseOrEnd(ctx, deploymentArn, { ...wait, stopAtPause: false });
    if (o && o.result !== 'rolled-back') throw new ServiceError('Amazon ECS', `ECS was rolling ${deploymentArn} back, but it ended ${o.result}`);
    log(`abort: ECS had already rolled ${deploymentArn} back by itself (${sd.statusReason ?? 'no reason given'})`);
    return true;
  }

  return {
    kind: plan.kind,
    async setWeight(weight) {
      if (!arn) {
        if (weight >= 100) throw new ServiceError('Amazon ECS', `an ECS ${strategy} deployment starts below 100 %`, 'Give a setWeight below 100 first');
        await start([PRE, POST]);
        const first = await untilPaused('waiting for the pause before the first production traffic shift');
        if (first.stage !== PRE || first.weight !== 0)
          throw new ServiceError(
            'Amazon ECS',
            `expected the first pause at ${PRE} with 0 % of production traffic, but ECS paused at ${first.stage} with ${first.weight} %`,
          );
      }
      if (!hookId) throw new ServiceError('Amazon ECS', `setWeight ${weight}: the service deployment is not paused, so it cannot be moved a step`);
      return { weight: await shiftTo(weight) };
    },
    async preview() {
      await start(['POST_TEST_TRAFFIC_SHIFT', POST]);
      await untilPaused('waiting for test traffic on the new revision');
    },
    async switchTraffic() {
      if (!arn) {
        await start(['POST_TEST_TRAFFIC_SHIFT', POST]);
        await untilPaused('waiting for test traffic on the new revision');
      }
      await answer('continue');
      await untilPaused('waiting for production traffic on the new revision');
    },
    async finish() {
      if (hookId) await answer('continue');
      // the bake time is ECS's own deliberate wait, not a slow deployment: it does not eat into `wait`
      const o = await waitForPauseOrEnd(ctx, arn ?? '', {
        ...wait,
        waitMs: wait.waitMs + bakeMs,
        taskDefinitionArn,
        stopAtPause: false,
        answeredHookIds: answered,
      });
      if (o.result !== 'succeeded')
        throw new ServiceError('Amazon ECS', `the service deployment ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''}`);
      return { taskDefinitionArn };
    },
    async abort(state) {
      if (arn && hookId) {
        const hook = hookId;
        try {
          await answer('rollback');
        } catch (e) {
          // The hook no longer awaits an answer: it timed out (ECS then rolled back by itself), or
          // someone else answered it CONTINUE (the console) and ECS moved on to its next pause.
          const o = await waitForPauseOrEnd(ctx, arn, { ...wait, answeredHookIds: [...answered, hook] });
          if (o.result === 'rolled-back') {
            log(`abort: ECS had already rolled ${arn} back (hook ${hook} no longer awaited an answer)`);
            return;
          }
          if (o.result !== 'paused' || !o.hookId) throw e;
          log(`abort: hook ${hook} was answered elsewhere; ECS paused again at ${o.pausedStage ?? 'no stage'} (hook ${o.hookId})`);
          hookId = o.hookId;
          await answer('rollback');
        }
        const o = await waitForPauseOrEnd(ctx, arn, { ...wait, stopAtPause: false });
        if (o.result !== 'rolled-back') throw new ServiceError('Amazon ECS', `ROLLBACK answered, but the deployment ended ${o.result}`);
        log(`abort: PAUSE hook answered ROLLBACK; ECS rolled ${arn} back`);
        return;
      }
      // after a restart (post step) the ARN comes from the saved state: only this rollout's own
      // deployment is stopped, never one someone else started on the same service
      const own = arn ?? state.ecsServiceDeploymentArn;
      if (!own) {
        log('abort: this rollout started no ECS service deployment (none recorded); nothing to stop');
        return;
      }
      const sd = await describeServiceDeployment(ctx, own);
      if (await rolledBackByEcs(own, sd)) return;
      if (sd.status === 'SUCCESSFUL')
        throw new ServiceError(
          'Amazon ECS',
          `${own} had already completed (SUCCESSFUL): the new task definition serves all traffic, so there is nothing in flight to stop`,
          'Roll back with ecs-deploy action: rollback if the new version must go',
        );
      const o = await rollback(ctx, own, wait);
      if (o.result !== 'rolled-back') throw new ServiceError('Amazon ECS', `stopping ${own} with rollback ended ${o.result}`);
      log(`abort: ${own} stopped with rollback; ECS rolled it back`);
    },
  };
}
