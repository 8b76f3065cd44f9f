/** Rolling: one release, updated in place by Kubernetes' rolling update. */
import { rollbackVerified, upgradeVerified } from '../release-ops';
import { imageValues, upgradeRequest, type StrategyContext, type StrategyOutcome } from '../strategy';

export async function rollingDeploy(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const image = inputs.image!; // parseInputs requires it for deploy
  const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, inputs.release, imageValues(inputs, image)));
  return { result, step: 'rolling update', digest: image.digest, releases: [inputs.release] };
}

export async function rollingRollback(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const result = await rollbackVerified(ctx.ops, inputs.release, inputs.revision);
  return { result, step: `rolled back to revision ${inputs.revision ?? 'before the current one'}`, releases: [inputs.release] };
}
