/**
 * helm-deploy: mask credentials, get helm, open cluster access, run the strategy's step,
 * and report the release as Helm records it (outputs and summary), success or not.
 */
import type { Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import type { ToolCache } from '../toolkit/tools';
import { openCluster } from './cluster-access';
import type { EksDescriber } from './eks';
import { helmBinary, maskDeploySecrets, releaseOps } from './helm-setup';
import { hardStopMs, Helm, type HelmMajor } from './helm';
import { releaseUrl } from './helm-json';
import type { HelmDeployInputs } from './inputs';
import { Kubectl, type ClusterEvent } from './kubectl';
import { planCommands } from './plan';
import { DeployFailed } from './release-ops';
import { blueGreenDeploy, blueGreenPromote, blueGreenSwitchBack } from './strategies/blue-green';
import { canaryAbort, canaryDeploy, canaryPromote, canaryRollback } from './strategies/canary';
import { rollingDeploy, rollingRollback } from './strategies/rolling';
import { canaryName, colorName, type StrategyContext, type StrategyOutcome } from './strategy';
import { writeSecretValueFiles, type SecretValueFiles } from './secret-values';
import { renderSummary, type SummaryData } from './summary';

export interface HelmDeployDeps {
  exec: Exec;
  toolCache: ToolCache;
  describeEks: EksDescriber;
  /** The step's environment (main passes process.env); helm and kubectl run with it, plus KUBECONFIG when the action writes one. */
  env: NodeJS.ProcessEnv;
}

function step(ctx: StrategyContext): Promise<StrategyOutcome> {
  const { strategy, action } = ctx.inputs;
  if (strategy === 'rolling') return action === 'rollback' ? rollingRollback(ctx) : rollingDeploy(ctx);
  if (strategy === 'canary') return { deploy: canaryDeploy, promote: canaryPromote, abort: canaryAbort, rollback: canaryRollback }[action](ctx);
  return { deploy: blueGreenDeploy, promote: blueGreenPromote, abort: blueGreenSwitchBack, rollback: blueGreenSwitchBack }[action](ctx);
}

function setOutputs(
  reporter: Reporter,
  inputs: HelmDeployInputs,
  o: { revision?: number; previousRevision?: number; status: string; canaryWeight?: number; activeColor?: string; releaseUrl?: string },
): void {
  reporter.setOutput('revision', o.revision === undefined ? '' : String(o.revision));
  reporter.setOutput('previous-revision', o.previousRevision === undefined ? '' : String(o.previousRevision));
  reporter.setOutput('status', o.status);
  reporter.setOutput('strategy', inputs.strategy);
  reporter.setOutput('canary-weight', o.canaryWeight === undefined ? '' : String(o.canaryWeight));
  reporter.setOutput('active-color', o.activeColor ?? '');
  reporter.setOutput('release-url', o.releaseUrl ?? '');
}

async function dryRun(inputs: HelmDeployInputs, exec: Exec, env: NodeJS.ProcessEnv, reporter: Reporter): Promise<void> {
  let major: HelmMajor = inputs.helmVersion.startsWith('4') ? 4 : 3;
  let version = inputs.helmVersion;
  if (inputs.helmVersion === 'path') {
    // `helm version` is local (no cluster); without helm the plan assumes Helm 3 flags.
    const found = await Helm.detect(exec, 'helm', env).catch(() => undefined);
    major = found?.major ?? 3;
    version = found ? found.version : 'not on PATH (Helm 3 flags shown)';
  }
  const steps = planCommands(inputs, major);
  reporter.info(
    `dry-run: nothing runs against a cluster (Helm ${major} flags; helm ${version}). A real ${inputs.action} with ${inputs.strategy} reads the releases (helm list, history, get values), then runs:`,
  );
  for (const s of steps) reporter.info(`  # ${s.why}\n  $ ${s.command}`);
  // Only a canary deploy sets a weight; promote and abort end at 0 (the canary is gone).
  const plannedWeight = inputs.strategy !== 'canary' ? undefined : inputs.action === 'deploy' ? inputs.canaryWeight : 0;
  setOutputs(reporter, inputs, { status: 'planned', canaryWeight: plannedWeight });
  const data: SummaryData = {
    inputs,
    ok: true,
    status: 'planned',
    step: `dry-run of ${inputs.action}`,
    helmVersion: version,
    histories: [],
    commands: steps.map((s) => `# ${s.why}\n${s.command}`),
    dryRun: true,
  };
  await reporter.summary(renderSummary(data));
}

export async function run(inputs: HelmDeployInputs, deps: HelmDeployDeps, reporter: Reporter): Promise<void> {
  const secrets = maskDeploySecrets(inputs, reporter);
  if (inputs.dryRun) return dryRun(inputs, deps.exec, deps.env, reporter);

  const binary = await helmBinary(inputs, deps.toolCache, reporter);
  const session = await openCluster(inputs.cluster, inputs.namespace, deps.env, deps.describeEks, reporter);
  const summary: SummaryData = { inputs, ok: false, status: 'failed', step: inputs.action, histories: [], commands: [], cluster: session.describe };
  let helm: Helm | undefined;
  let kubectl: Kubectl | undefined;
  let values: SecretValueFiles | undefined;
  try {
    values = writeSecretValueFiles(inputs.set, deps.env);
    const found = await Helm.detect(deps.exec, binary, session.env);
    summary.helmVersion = found.version;
    reporter.info(`Helm ${found.version} (Helm ${found.major} flags); cluster: ${session.describe}`);
    helm = new Helm(deps.exec, binary, found.major, session.env, reporter, secrets, hardStopMs(inputs.timeoutMs));
    kubectl = new Kubectl(deps.exec, session.env, reporter);
    const ops = releaseOps(inputs, helm, reporter);
    const outcome = await step({ inputs, set: values.set, helm, kubectl, ops, reporter });
    const r = outcome.result;
    // the release users reach is always <release>: the stable release, or the blue/green router
    const url = releaseUrl((await helm.status(inputs.release, inputs.namespace)) ?? { name: '', namespace: '', status: '' });
    const out = {
      revision: r.revision,
      previousRevision: r.previousRevision,
      status: r.status,
      canaryWeight: outcome.canaryWeight,
      activeColor: outcome.activeColor,
      releaseUrl: url,
    };
    setOutputs(reporter, inputs, out);
    Object.assign(summary, out, { ok: true, step: outcome.step, digest: outcome.digest, histories: await histories(helm, inputs, outcome.releases, r) });
    reporter.info(`${inputs.release}: ${outcome.step} (revision ${r.revision ?? '—'}, previous ${r.previousRevision ?? '—'})`);
  } catch (err) {
    summary.problem = err instanceof Error ? err.message : String(err);
    if (err instanceof DeployFailed && kubectl) {
      const r = err.result;
      const out = { revision: r.revision, previousRevision: r.previousRevision, status: r.status };
      setOutputs(reporter, inputs, out);
      Object.assign(summary, out, {
        failedRevision: r.failedRevision,
        histories: [{ release: r.release, history: r.history }],
        events: await events(kubectl, inputs, reporter),
      });
    }
    throw err;
  } finally {
    values?.close();
    session.close();
    summary.commands = [...(helm?.commands ?? []), ...(kubectl?.commands ?? [])];
    await reporter.summary(renderSummary(summary));
  }
}

async function histories(helm: Helm, inputs: HelmDeployInputs, releases: string[], result: StrategyOutcome['result']) {
  const out = [];
  for (const name of releases) out.push({ release: name, history: name === result.release ? result.history : await helm.history(name, inputs.namespace) });
  return out;
}

/** Warning events of the release's objects, as far as kubectl can tell (never fatal: the deploy already failed). */
async function events(kubectl: Kubectl, inputs: HelmDeployInputs, reporter: Reporter): Promise<ClusterEvent[] | undefined> {
  const prefixes = [inputs.release, canaryName(inputs.release), colorName(inputs.release, 'blue'), colorName(inputs.release, 'green')];
  try {
    return await kubectl.warningEvents(inputs.namespace, prefixes);
  } catch (e) {
    reporter.warning(`Could not read events: ${(e as Error).message}`);
    return undefined;
  }
}
