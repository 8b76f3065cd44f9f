/**
 * What every strategy shares: the context handed to it, what it returns, and the values the
 * action sets on a release (the image pinned by digest, and the strategy's switches).
 * The strategy state lives in Helm itself (release names and their user values), so any
 * later run, or a person with `helm get values`, can see it.
 */
import type { Reporter } from '../toolkit/reporter';
import type { Helm, UpgradeRequest } from './helm';
import { valueAt } from './helm-json';
import type { HelmDeployInputs, PinnedImage } from './inputs';
import type { Kubectl } from './kubectl';
import type { ReleaseOps, ReleaseResult } from './release-ops';
import type { SetArg } from './secret-values';

export interface StrategyContext {
  inputs: HelmDeployInputs;
  /** inputs.set as helm gets it: secret values through their private files (--set-file). */
  set: readonly SetArg[];
  helm: Helm;
  kubectl: Kubectl;
  ops: ReleaseOps;
  reporter: Reporter;
}

export interface StrategyOutcome {
  /** The release whose revisions the outputs report. */
  result: ReleaseResult;
  /** What happened, in words, for the summary (e.g. "canary at 10%"). */
  step: string;
  canaryWeight?: number;
  activeColor?: 'blue' | 'green';
  /** The digest now taking traffic in the step's target release. */
  digest?: string;
  /** Releases whose history the summary shows. */
  releases: string[];
}

export const canaryName = (release: string) => `${release}-canary`;
export const colorName = (release: string, color: string) => `${release}-${color}`;

/**
 * The image as values. A digest key ending in `tag` is a tag-style chart (`repo:tag`), so the
 * value becomes `tag@sha256:…`, which still pins the digest (the tag is ignored by the runtime).
 */
export function imageValues(inputs: HelmDeployInputs, image: PinnedImage): { key: string; value: string }[] {
  const tagStyle = /(^|\.)tag$/i.test(inputs.imageDigestKey);
  return [
    { key: inputs.imageRepositoryKey, value: image.repository },
    { key: inputs.imageDigestKey, value: tagStyle ? `${image.tag ?? 'latest'}@${image.digest}` : image.digest },
  ];
}

/** Reads back the pinned image a release runs, from its values (reverse of imageValues). */
export function imageFromValues(inputs: HelmDeployInputs, values: Record<string, unknown> | undefined): PinnedImage | undefined {
  const repository = valueAt(values, inputs.imageRepositoryKey);
  const pinned = valueAt(values, inputs.imageDigestKey);
  if (typeof repository !== 'string' || typeof pinned !== 'string') return undefined;
  const m = /^(?:([\w][\w.-]*)@)?(sha256:[a-f0-9]{64})$/.exec(pinned);
  return m ? { repository, digest: m[2], tag: m[1] } : undefined;
}

export function upgradeRequest(
  ctx: { inputs: HelmDeployInputs; set: readonly SetArg[] },
  release: string,
  setString: { key: string; value: string }[],
): UpgradeRequest {
  const i = ctx.inputs;
  return {
    release,
    chart: i.chart ?? '',
    namespace: i.namespace,
    chartVersion: i.chartVersion,
    createNamespace: i.createNamespace,
    valuesFiles: i.valuesFiles,
    set: ctx.set,
    setString,
    timeoutMs: i.timeoutMs,
    wait: i.wait,
    rollbackOnFailure: i.rollbackOnFailure,
  };
}
