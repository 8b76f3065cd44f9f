/**
 * Canary: a second release `<release>-canary` runs the new digest beside the stable release.
 * State is the canary release itself (present or not) and its values (`canary.weight`, the
 * image digest). Traffic: NGINX canary annotations rendered by the chart, the ALB
 * controller's weighted forward action (annotated on the stable Ingress), or replica ratio.
 */
import { InputError, ServiceError } from '../../toolkit/errors';
import { helmError } from '../helm';
import { lastDeployed, lastGood } from '../judge';
import type { HelmDeployInputs, PinnedImage } from '../inputs';
import { albWeightedAction, canaryReplicas } from '../kubectl';
import { rollbackVerified, upgradeVerified, type ReleaseResult } from '../release-ops';
import { canaryName, imageFromValues, imageValues, upgradeRequest, type StrategyContext, type StrategyOutcome } from '../strategy';

export const albActionKey = (release: string) => `alb.ingress.kubernetes.io/actions.${release}-weighted`;

/** The canary release's values: new digest plus the switches the chart's templates read. */
export function canaryValues(inputs: HelmDeployInputs, image: PinnedImage, weight: number, replicas?: string): { key: string; value: string }[] {
  return [
    ...imageValues(inputs, image),
    { key: 'canary.enabled', value: 'true' },
    { key: 'canary.router', value: inputs.trafficRouter },
    { key: 'canary.stableService', value: inputs.release },
    { key: 'canary.weight', value: String(weight) },
    ...(replicas === undefined ? [] : [{ key: 'replicaCount', value: replicas }]),
  ];
}

export async function setAlbWeight(ctx: StrategyContext, weight: number): Promise<void> {
  const { release, namespace } = ctx.inputs;
  await ctx.kubectl.annotate(namespace, 'ingress', release, albActionKey(release), albWeightedAction(release, canaryName(release), weight));
}

/** nginx and alb split traffic at the stable Ingress: checked before the canary exists, since without it no traffic reaches a canary. */
async function requireStableIngress(ctx: StrategyContext): Promise<void> {
  const { trafficRouter, namespace, release } = ctx.inputs;
  if (trafficRouter === 'replicas' || (await ctx.kubectl.exists(namespace, 'ingress', release))) return;
  const chart = trafficRouter === 'alb' ? 'ingress.enabled=true and ingress.className=alb' : 'ingress.enabled=true';
  throw new ServiceError(
    'kubectl',
    `traffic-router ${trafficRouter} splits traffic at the stable Ingress ${release}, but namespace ${namespace} has none`,
    `Deploy the stable release with ${chart} (see charts/app), or use traffic-router: replicas`,
  );
}

async function releasesNow(ctx: StrategyContext) {
  const { release, namespace } = ctx.inputs;
  const listed = await ctx.helm.list(namespace, [release, canaryName(release)]);
  return { stable: listed.find((r) => r.name === release), canary: listed.find((r) => r.name === canaryName(release)) };
}

async function stableResult(ctx: StrategyContext): Promise<ReleaseResult> {
  const { release, namespace } = ctx.inputs;
  const history = await ctx.helm.history(release, namespace);
  const live = lastDeployed(history);
  return { release, revision: live?.revision, previousRevision: live?.revision, status: live ? 'deployed' : 'failed', history };
}

async function removeCanary(ctx: StrategyContext): Promise<void> {
  const { release, namespace, timeoutMs, wait } = ctx.inputs;
  const r = await ctx.helm.uninstall(canaryName(release), namespace, timeoutMs, wait);
  if (r.exitCode !== 0)
    throw new ServiceError('helm', `removing ${canaryName(release)} failed: ${helmError(r)}`, 'Remove it with helm uninstall; stable is unaffected');
}

export async function canaryDeploy(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const image = inputs.image!;
  const { stable } = await releasesNow(ctx);
  if (!stable) {
    // Nothing to compare a canary with yet: the first version becomes stable directly.
    ctx.reporter.info(`No stable release ${inputs.release} yet: installing this digest as stable`);
    const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, inputs.release, imageValues(inputs, image)));
    return { result, step: 'first install: no stable release yet, so installed as stable', canaryWeight: 0, digest: image.digest, releases: [inputs.release] };
  }
  if (stable.status !== 'deployed') {
    // name the last good revision (deployed, or the newest superseded after a failed rollback)
    const good = lastGood(await ctx.helm.history(inputs.release, inputs.namespace));
    throw new ServiceError(
      'helm',
      `stable release ${inputs.release} is ${stable.status} (revision ${stable.revision}); a canary needs a deployed stable release to compare with`,
      good
        ? `Roll the stable release back to revision ${good.revision}, its last good one (action: rollback, or helm rollback ${inputs.release} ${good.revision} --namespace ${inputs.namespace}), or deploy it with strategy: rolling`
        : `No revision of ${inputs.release} ever reached deployed: deploy it with strategy: rolling first`,
    );
  }
  await requireStableIngress(ctx);
  let weight = inputs.canaryWeight;
  let replicas: string | undefined;
  if (inputs.trafficRouter === 'replicas') {
    const stableReplicas = await ctx.kubectl.deploymentReplicas(inputs.namespace, inputs.release);
    const split = canaryReplicas(stableReplicas, weight);
    if (split.effectiveWeight !== weight)
      ctx.reporter.info(`Replica ratio: ${split.replicas} canary pod(s) beside ${stableReplicas} stable give ${split.effectiveWeight}% (asked ${weight}%)`);
    replicas = String(split.replicas);
    weight = split.effectiveWeight;
  }
  const values = canaryValues(inputs, image, weight, replicas);
  const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, canaryName(inputs.release), values));
  if (inputs.trafficRouter === 'alb') await setAlbWeight(ctx, weight); // only once the canary is ready
  if (inputs.trafficRouter === 'nginx' && !(await ctx.kubectl.exists(inputs.namespace, 'ingress', canaryName(inputs.release)))) {
    throw new ServiceError(
      'kubectl',
      `canary ${canaryName(inputs.release)} is deployed but renders no Ingress, so NGINX sends it no traffic (not ${weight}%)`,
      'Give the canary the same ingress values as stable (ingress.enabled=true), or remove it with action: abort',
    );
  }
  return {
    result,
    step: `canary at ${weight}% beside stable revision ${stable.revision}`,
    canaryWeight: weight,
    digest: image.digest,
    releases: [canaryName(inputs.release), inputs.release],
  };
}

export async function canaryPromote(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const { canary } = await releasesNow(ctx);
  const name = canaryName(inputs.release);
  if (!canary)
    throw new InputError(
      'action',
      `promote found no canary release ${name} in namespace ${inputs.namespace}`,
      'Deploy a canary first (action: deploy, strategy: canary), or check release and namespace',
    );
  if (canary.status !== 'deployed')
    throw new ServiceError('helm', `canary ${name} is ${canary.status}, so there is nothing proven to promote`, 'Deploy the canary again or abort it');
  const image = imageFromValues(inputs, await ctx.helm.values(name, inputs.namespace));
  if (!image)
    throw new ServiceError(
      'helm',
      `canary ${name} has no digest-pinned image at ${inputs.imageRepositoryKey}/${inputs.imageDigestKey}`,
      'Use the same image-*-key inputs as the canary deploy',
    );
  if (inputs.image && inputs.image.digest !== image.digest) {
    throw new InputError(
      'image',
      `is ${inputs.image.digest} but the canary runs ${image.digest}`,
      'Promote what the canary ran: leave image empty or give the canary digest',
    );
  }
  const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, inputs.release, imageValues(inputs, image)));
  if (inputs.trafficRouter === 'alb') await setAlbWeight(ctx, 0);
  await removeCanary(ctx);
  return { result, step: `promoted: stable now runs the canary digest; ${name} removed`, canaryWeight: 0, digest: image.digest, releases: [inputs.release] };
}

export async function canaryAbort(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const { stable, canary } = await releasesNow(ctx);
  if (inputs.trafficRouter === 'alb' && stable) await setAlbWeight(ctx, 0); // traffic back first
  if (canary) await removeCanary(ctx);
  else ctx.reporter.info(`No canary release ${canaryName(inputs.release)}: nothing to remove`);
  return {
    result: await stableResult(ctx),
    step: canary ? 'aborted: canary removed, stable untouched' : 'aborted: there was no canary',
    canaryWeight: 0,
    releases: [inputs.release],
  };
}

/** Going back in a canary set-up: drop any canary, then roll the stable release back. */
export async function canaryRollback(ctx: StrategyContext): Promise<StrategyOutcome> {
  await canaryAbort(ctx);
  const result = await rollbackVerified(ctx.ops, ctx.inputs.release, ctx.inputs.revision);
  return {
    result,
    step: `canary removed; stable rolled back to revision ${ctx.inputs.revision ?? 'before the current one'}`,
    canaryWeight: 0,
    releases: [ctx.inputs.release],
  };
}
