/**
 * Blue/green: two colour releases `<release>-blue` and `<release>-green` run Deployments; a
 * router release `<release>` owns the Service and Ingress, whose selector points at the
 * colour in its value `blueGreen.activeColor`. That value is the state: the router's helm
 * history is the list of switches, and the idle colour stays up until promote retires it.
 */
import { InputError, ServiceError } from '../../toolkit/errors';
import { helmError } from '../helm';
import { lastGood, latest } from '../judge';
import type { HelmDeployInputs, PinnedImage } from '../inputs';
import { valueAt } from '../helm-json';
import { upgradeVerified } from '../release-ops';
import { colorName, imageFromValues, imageValues, upgradeRequest, type StrategyContext, type StrategyOutcome } from '../strategy';

export type Color = 'blue' | 'green';
const other = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');

async function state(ctx: StrategyContext) {
  const { release, namespace } = ctx.inputs;
  const listed = await ctx.helm.list(namespace, [release, colorName(release, 'blue'), colorName(release, 'green')]);
  const router = listed.find((r) => r.name === release);
  let active: Color | undefined;
  if (router) {
    if (router.status !== 'deployed') {
      // `helm get values` would read the newest revision, which is not what serves: refuse to guess,
      // and name the last good revision (deployed, or newest superseded after a failed rollback)
      const good = lastGood(await ctx.helm.history(release, namespace));
      throw new ServiceError(
        'helm',
        `router release ${release} is ${router.status} at revision ${router.revision}, so the live colour is unknown`,
        good
          ? `Roll it back to revision ${good.revision}, the last good one (helm rollback ${release} ${good.revision} --namespace ${namespace}), and run again`
          : `No revision of ${release} ever reached deployed: check helm history ${release} --namespace ${namespace}`,
      );
    }
    const value = valueAt(await ctx.helm.values(release, namespace), 'blueGreen.activeColor');
    if (value !== 'blue' && value !== 'green') {
      throw new ServiceError(
        'helm',
        `release ${release} exists but its blueGreen.activeColor is ${JSON.stringify(value)}, so the live colour is unknown`,
        'Is it a blue-green release of a chart that supports blueGreen? Fix it by hand before switching',
      );
    }
    active = value;
  }
  const colour = (c: Color) => listed.find((r) => r.name === colorName(release, c));
  return { router, active, colour };
}

export function routerValues(color: string) {
  return [
    { key: 'blueGreen.enabled', value: 'true' },
    { key: 'blueGreen.role', value: 'router' },
    { key: 'blueGreen.activeColor', value: color },
  ];
}

export function colorValues(inputs: HelmDeployInputs, image: PinnedImage, color: Color) {
  return [
    ...imageValues(inputs, image),
    { key: 'blueGreen.enabled', value: 'true' },
    { key: 'blueGreen.role', value: 'color' },
    { key: 'blueGreen.color', value: color },
  ];
}

async function switchTo(ctx: StrategyContext, color: Color) {
  return upgradeVerified(ctx.ops, upgradeRequest(ctx, ctx.inputs.release, routerValues(color)));
}

export async function blueGreenDeploy(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const image = inputs.image!;
  const { active } = await state(ctx);
  const idle = active ? other(active) : 'blue';
  const name = colorName(inputs.release, idle);
  // 1. the idle colour gets the new digest; a failure here never touched live traffic
  const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, name, colorValues(inputs, image, idle)));
  // 2. only once it is ready does the Service selector move to it
  await switchTo(ctx, idle);
  const kept = active ? `; ${colorName(inputs.release, active)} stays up for an instant switch back until promote` : '';
  return {
    result,
    step: `switched traffic ${active ? `from ${active} ` : ''}to ${idle}${kept}`,
    activeColor: idle,
    digest: image.digest,
    releases: [name, inputs.release],
  };
}

/** abort and rollback: move the selector back to the other colour, which is still running. */
export async function blueGreenSwitchBack(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const { active, colour } = await state(ctx);
  if (!active)
    throw new InputError(
      'release',
      `no blue-green release ${inputs.release} in namespace ${inputs.namespace}`,
      'Deploy with strategy: blue-green first, or check release and namespace',
    );
  const back = other(active);
  const target = colour(back);
  if (!target || target.status !== 'deployed') {
    throw new ServiceError(
      'helm',
      `cannot switch back from ${active}: ${colorName(inputs.release, back)} is ${target ? target.status : 'not installed (promote retired it)'}`,
      `Deploy the previous digest again with action: deploy`,
    );
  }
  const result = await switchTo(ctx, back);
  return {
    result,
    step: `switched traffic back from ${active} to ${back}; ${colorName(inputs.release, active)} kept`,
    activeColor: back,
    releases: [inputs.release, colorName(inputs.release, back)],
  };
}

/** promote: the live colour is kept, the idle one is retired. */
export async function blueGreenPromote(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { inputs } = ctx;
  const { active, colour } = await state(ctx);
  if (!active)
    throw new InputError(
      'action',
      `promote found no blue-green release ${inputs.release} in namespace ${inputs.namespace}`,
      'Deploy with strategy: blue-green first',
    );
  const idle = other(active);
  const liveName = colorName(inputs.release, active);
  // the live colour is checked before the idle one is retired: never remove the only one that serves
  const history = await ctx.helm.history(liveName, inputs.namespace);
  const live = latest(history);
  if (!live || live.status !== 'deployed')
    throw new ServiceError(
      'helm',
      `the live colour ${liveName} is ${live ? `${live.status} at revision ${live.revision}` : 'not installed'}, so ${colorName(inputs.release, idle)} is kept`,
      'Switch back with action: abort, or deploy again; promote retires the idle colour only when the live one is deployed',
    );
  if (colour(idle)) {
    const r = await ctx.helm.uninstall(colorName(inputs.release, idle), inputs.namespace, inputs.timeoutMs, inputs.wait);
    if (r.exitCode !== 0)
      throw new ServiceError(
        'helm',
        `retiring ${colorName(inputs.release, idle)} failed: ${helmError(r)}`,
        `${liveName} still serves; remove the idle colour with helm uninstall`,
      );
  } else {
    ctx.reporter.info(`No idle colour ${colorName(inputs.release, idle)} to retire`);
  }
  return {
    result: { release: liveName, revision: live.revision, previousRevision: live.revision, status: 'deployed', history },
    step: `promoted ${active}: ${colorName(inputs.release, idle)} retired`,
    activeColor: active,
    releases: [liveName, inputs.release],
  };
}

/**
 * A rollout's preview (rollout action, through library.ts): the idle colour gets the new
 * digest and takes no traffic; the selector stays on the live colour until blueGreenSwitchToNew.
 */
export async function blueGreenPreview(ctx: StrategyContext): Promise<{ colour: Color; result: Awaited<ReturnType<typeof upgradeVerified>> }> {
  const { inputs } = ctx;
  const { active } = await state(ctx);
  const idle = active ? other(active) : 'blue';
  const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, colorName(inputs.release, idle), colorValues(inputs, inputs.image!, idle)));
  return { colour: idle, result };
}

/** Which colour runs `digest`, and which serves (for a rollout's switch and its abort). */
export async function blueGreenColours(ctx: StrategyContext, digest: string): Promise<{ active?: Color; withDigest?: Color }> {
  const { active, colour } = await state(ctx);
  let withDigest: Color | undefined;
  for (const c of ['blue', 'green'] as const) {
    if (!colour(c)) continue;
    const image = imageFromValues(ctx.inputs, await ctx.helm.values(colorName(ctx.inputs.release, c), ctx.inputs.namespace));
    if (image?.digest === digest) withDigest = c;
  }
  return { active, withDigest };
}

/** Points the router's selector at `colour` (verified like every upgrade). */
export async function blueGreenSwitchTo(ctx: StrategyContext, colour: Color) {
  return switchTo(ctx, colour);
}
