/**
 * rollout: open the target's deployer, run the steps through the step machine with
 * health-gate's analysis, then report (outputs, report file, summary). The step fails unless
 * the rollout was promoted; an aborted rollout has put all traffic back on stable first.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Clock, CodeDeployApi, EcsApi } from '../ecs-deploy/library';
import { openHelmRollout, type HelmDeployDeps } from '../helm-deploy/library';
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { codeDeployDeployer } from './codedeploy-deployer';
import { ecsDeployer } from './ecs-deployer';
import { gateAnalysis, type GateAnalysisDeps } from './gate-analysis';
import { helmDeployer } from './helm-deployer';
import type { RolloutInputs } from './inputs';
import { runRollout, type Analysis, type Deployer, type RolloutOutcome, type RolloutState, type StateStore } from './machine';
import { renderSummary } from './summary';

export interface RolloutDeps {
  helm: HelmDeployDeps;
  /** ECS client for a region (main: ecs-deploy's loadEcsApi, a dynamic import of the SDK). */
  loadEcs: (region?: string) => Promise<EcsApi>;
  /** CodeDeploy client for a region (main: ecs-deploy's loadCodeDeployApi). */
  loadCodeDeploy: (region?: string) => Promise<CodeDeployApi>;
  ecsClock: Clock;
  gate: GateAnalysisDeps;
  /** Where the rollout's progress is saved for the post step (GITHUB_STATE in main). */
  state: StateStore;
}

/** An opened deployer and what closes it. */
export interface OpenedDeployer {
  deployer: Deployer;
  describe: string;
  close(): void;
  /** The store the machine saves through (adds what the deployer learned, e.g. a deployment id). */
  state?: StateStore;
}

/**
 * Wraps a StateStore so a deployer can add what only it learns mid-step (the CodeDeploy
 * deployment id) to the state the machine saves: `remember` re-saves the last state at once,
 * before the deployer waits, and every later save keeps it.
 */
export function trackDeployerState(store: StateStore): { store: StateStore; remember(patch: Partial<RolloutState>): void } {
  let last: RolloutState | undefined;
  let extra: Partial<RolloutState> = {};
  return {
    store: {
      save(s) {
        last = { ...s, ...extra };
        store.save(last);
      },
    },
    remember(patch) {
      extra = { ...extra, ...patch };
      if (last) {
        last = { ...last, ...extra };
        store.save(last);
      }
    },
  };
}

/** Added to the PAUSE hooks' timeout: an analysis may run past its estimate (slow queries, retries). */
export const HOOK_TIMEOUT_MARGIN_MINUTES = 10;

/**
 * The ECS PAUSE hooks' timeout, in whole minutes (timeoutConfiguration.timeoutInMinutes, 1-20160):
 * the longest time ECS is held at one pause, i.e. the longest run of steps between two traffic
 * moves (setWeight, preview, promote) or after the last one, each pause at its duration and each
 * analysis at its longest (HTTP checks' deadline, then count x (interval + query timeout)), plus
 * one poll interval, plus HOOK_TIMEOUT_MARGIN_MINUTES. ECS rolls back a hook still unanswered then
 * (action ROLLBACK): what happens when the runner dies between two steps.
 */
export function pauseHookTimeoutMinutes(inputs: RolloutInputs): number {
  const a = inputs.gate?.analysis;
  let longest = 0;
  let ms = 0;
  for (const s of inputs.steps) {
    if (s.kind === 'setWeight' || s.kind === 'preview' || s.kind === 'promote') ms = 0;
    else if (s.kind === 'pause') ms += s.durationMs;
    else ms += (inputs.gate?.http?.deadlineMs ?? 0) + (a ? (s.overrides.count ?? a.count) * (a.intervalMs + a.queryTimeoutMs) : 0);
    longest = Math.max(longest, ms);
  }
  const poll = inputs.deploy.target === 'ecs' ? inputs.deploy.ecs.pollIntervalMs : 0;
  return Math.min(20_160, Math.ceil((longest + poll) / 60_000) + HOOK_TIMEOUT_MARGIN_MINUTES);
}

export async function openDeployer(inputs: RolloutInputs, deps: RolloutDeps, reporter: Reporter): Promise<OpenedDeployer> {
  if (inputs.deploy.target === 'ecs') {
    const e = inputs.deploy.ecs;
    const ctx = { ecs: await deps.loadEcs(e.awsRegion), clock: deps.ecsClock, reporter, cluster: e.cluster, service: e.service };
    const tracked = trackDeployerState(deps.state);
    const deployer = e.codedeploy
      ? codeDeployDeployer(ctx, { codedeploy: await deps.loadCodeDeploy(e.awsRegion), clock: deps.ecsClock, reporter }, e, (id) =>
          tracked.remember({ codeDeployDeploymentId: id }),
        )
      : ecsDeployer(ctx, e, { kind: inputs.kind, hookTimeoutMinutes: pauseHookTimeoutMinutes(inputs) }, (arn) =>
          tracked.remember({ ecsServiceDeploymentArn: arn }),
        );
    return {
      deployer,
      state: tracked.store,
      describe: `ECS ${e.strategy === 'linear' ? 'linear' : inputs.kind} of service ${e.service} in cluster ${e.cluster}, ${e.images.map((i) => `${i.container}=${i.image}`).join(', ')}`,
      close: () => undefined,
    };
  }
  const h = inputs.deploy.helm;
  const release = await openHelmRollout(h, deps.helm, reporter);
  return {
    deployer: helmDeployer(release, inputs.kind, (l) => reporter.info(l)),
    describe: `helm ${inputs.kind} of ${h.release} in ${h.namespace}${inputs.kind === 'canary' ? ` (traffic-router ${h.trafficRouter})` : ''}, ${h.image?.repository}@${h.image?.digest}`,
    close: () => release.close(),
  };
}

/** The analysis-report output: every analysis step's verdict, rule and health-gate report. */
export function analysisReport(outcome: RolloutOutcome): string {
  return JSON.stringify(
    outcome.analyses.map((a) => ({
      step: a.step,
      weight: a.weight,
      startedAt: new Date(a.startedMs).toISOString(),
      verdict: a.verdict.verdict,
      rule: a.verdict.rule,
      reason: a.verdict.reason,
      accepted: a.accepted,
      report: a.verdict.report,
    })),
  );
}

const noAnalysis: Analysis = {
  run: () => Promise.reject(new Error('no analysis inputs (validated before the rollout: unreachable)')),
};

export async function run(inputs: RolloutInputs, deps: RolloutDeps, reporter: Reporter): Promise<void> {
  for (const s of inputs.gate?.secrets ?? []) reporter.setSecret(s);
  const opened = await openDeployer(inputs, deps, reporter);
  let outcome: RolloutOutcome;
  try {
    reporter.info(`Rollout: ${opened.describe}; ${inputs.steps.length} step(s)`);
    outcome = await runRollout(inputs.steps, {
      deployer: opened.deployer,
      analysis: inputs.gate ? gateAnalysis(inputs.gate, deps.gate, reporter) : noAnalysis,
      state: opened.state ?? deps.state,
      policy: { inconclusiveIs: inputs.gate?.inconclusiveIs ?? 'fail', failOn: inputs.gate?.failOn ?? 'any' },
      clock: deps.gate.clock,
      sleep: deps.gate.sleep,
      log: (l) => reporter.info(l),
    });
  } finally {
    opened.close();
  }
  const report = analysisReport(outcome);
  reporter.setOutput('result', outcome.result);
  reporter.setOutput('reached-weight', String(outcome.reachedWeight));
  reporter.setOutput('analysis-report', report);
  reporter.setOutput('revision', outcome.revision ?? '');
  reporter.setOutput('task-definition-arn', outcome.taskDefinitionArn ?? '');
  if (inputs.reportFile) writeFileSync(path.resolve(inputs.reportFile), JSON.stringify(JSON.parse(report), null, 2) + '\n');
  await reporter.summary(renderSummary(outcome, opened.describe));
  if (outcome.result === 'promoted') return;
  if (outcome.result === 'aborted') throw new ServiceError('rollout', `aborted, all traffic back on stable: ${outcome.problem}`);
  throw new ServiceError('rollout', `FAILED: ${outcome.problem}`, 'Check the release by hand: traffic may still reach the new version');
}
