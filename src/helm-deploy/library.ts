/**
 * helm-deploy's library surface for the rollout action: its input contract and parser, and one
 * release opened for many traffic changes (the same strategy code the action runs: canary at a
 * weight, promote, abort; blue/green preview, switch, retire). Only what rollout needs.
 */
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { openCluster } from './cluster-access';
import { hardStopMs, Helm } from './helm';
import { helmBinary, maskDeploySecrets, releaseOps } from './helm-setup';
import type { HelmDeployInputs } from './inputs';
import { Kubectl } from './kubectl';
import type { HelmDeployDeps } from './run';
import { blueGreenColours, blueGreenPreview, blueGreenPromote, blueGreenSwitchTo } from './strategies/blue-green';
import { canaryAbort, canaryDeploy, canaryPromote } from './strategies/canary';
import type { StrategyContext } from './strategy';
import { writeSecretValueFiles } from './secret-values';

export { INPUTS as HELM_DEPLOY_INPUTS, parseInputs as parseHelmDeployInputs } from './inputs';
export type { HelmDeployInputs } from './inputs';
export type { HelmDeployDeps } from './run';
export { eksDescriber } from './eks';

/** One Helm release (and its canary or colours) held open for a rollout's traffic changes. */
export interface HelmRollout {
  /** Canary: deploy the canary or move it to `weight` %; returns the weight set (replica ratio rounds). */
  canaryAt(weight: number): Promise<{ weight: number; firstInstall: boolean; revision?: number }>;
  /** Canary: stable gets the canary's digest, the canary is removed. */
  promoteCanary(): Promise<{ revision?: number }>;
  /** Canary: all traffic back on stable, the canary removed (idempotent). */
  abortCanary(): Promise<void>;
  /** Blue/green: the idle colour gets the new digest, no traffic. */
  preview(): Promise<void>;
  /** Blue/green: the Service selector to the colour running the new digest (deployed first if none does). */
  switchToNew(): Promise<void>;
  /** Blue/green: the selector back to the colour not running the new digest, when it was moved (idempotent). */
  switchBack(): Promise<string>;
  /** Blue/green: the old colour retired; returns the live colour release's revision. */
  retireOld(): Promise<{ revision?: number }>;
  /** Every helm/kubectl command line run so far (credentials masked). */
  commands(): string[];
  close(): void;
}

/** Opens cluster access and helm as helm-deploy's run does; `inputs` is a parsed deploy (action deploy). */
export async function openHelmRollout(inputs: HelmDeployInputs, deps: HelmDeployDeps, reporter: Reporter): Promise<HelmRollout> {
  const secrets = maskDeploySecrets(inputs, reporter);
  const binary = await helmBinary(inputs, deps.toolCache, reporter);
  const session = await openCluster(inputs.cluster, inputs.namespace, deps.env, deps.describeEks, reporter);
  let values: ReturnType<typeof writeSecretValueFiles> | undefined;
  try {
    values = writeSecretValueFiles(inputs.set, deps.env);
    const found = await Helm.detect(deps.exec, binary, session.env);
    reporter.info(`Helm ${found.version} (Helm ${found.major} flags); cluster: ${session.describe}`);
    const helm = new Helm(deps.exec, binary, found.major, session.env, reporter, secrets, hardStopMs(inputs.timeoutMs));
    const kubectl = new Kubectl(deps.exec, session.env, reporter);
    const ops = releaseOps(inputs, helm, reporter);
    const set = values.set;
    const ctx = (patch: Partial<HelmDeployInputs> = {}): StrategyContext => ({ inputs: { ...inputs, ...patch }, set, helm, kubectl, ops, reporter });
    const digest = inputs.image?.digest ?? '';
    const opened = values;
    return {
      async canaryAt(weight) {
        const o = await canaryDeploy(ctx({ canaryWeight: weight }));
        const firstInstall = o.releases.length === 1 && o.result.release === inputs.release;
        return { weight: firstInstall ? 100 : (o.canaryWeight ?? weight), firstInstall, revision: o.result.revision };
      },
      async promoteCanary() {
        const o = await canaryPromote(ctx({ action: 'promote' }));
        return { revision: o.result.revision };
      },
      async abortCanary() {
        await canaryAbort(ctx({ action: 'abort' }));
      },
      async preview() {
        const p = await blueGreenPreview(ctx());
        reporter.info(`preview: ${inputs.release}-${p.colour} runs ${digest} (revision ${p.result.revision}), taking no traffic`);
      },
      async switchToNew() {
        let { withDigest } = await blueGreenColours(ctx(), digest);
        if (!withDigest) withDigest = (await blueGreenPreview(ctx())).colour;
        await blueGreenSwitchTo(ctx(), withDigest);
      },
      async switchBack() {
        const { active, withDigest } = await blueGreenColours(ctx(), digest);
        if (!active || active !== withDigest) return `traffic stays on ${active ?? 'no colour'}; the new digest never served`;
        const back = active === 'blue' ? 'green' : 'blue';
        const live = await helm.list(inputs.namespace, [`${inputs.release}-${back}`]);
        if (live[0]?.status !== 'deployed')
          throw new ServiceError(
            'helm',
            `cannot switch back from ${active}: ${inputs.release}-${back} is ${live[0]?.status ?? 'not installed'}`,
            'Deploy the previous digest again',
          );
        await blueGreenSwitchTo(ctx(), back);
        return `traffic switched back from ${active} to ${back}`;
      },
      async retireOld() {
        const o = await blueGreenPromote(ctx({ action: 'promote' }));
        return { revision: o.result.revision };
      },
      commands: () => [...helm.commands, ...kubectl.commands],
      close() {
        opened.close();
        session.close();
      },
    };
  } catch (e) {
    values?.close();
    session.close();
    throw e;
  }
}
