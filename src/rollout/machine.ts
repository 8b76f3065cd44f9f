/**
 * The rollout's step machine: walks the validated steps, moves traffic through an injected
 * Deployer, judges through an injected Analysis, and on a verdict it may not accept (fail,
 * error, inconclusive unless allowed) or a deploy error aborts: traffic back on stable, the
 * rollout `aborted` (or `failed` when the abort itself failed). The state needed to abort is
 * saved before every traffic change, so a killed run is aborted by the post step (post.ts).
 */
import type { AnalysisOverrides, RolloutKind, Step } from './steps';
import { describeStep } from './steps';

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** One analysis' answer (health-gate's verdict and rule, with the samples behind them). */
export interface StepVerdict {
  verdict: Verdict;
  rule: string;
  reason: string;
  /** Per metric, canary and baseline values in measurement order (for the chart). */
  series: MetricSeries[];
  /** health-gate's report of this analysis, as JSON-able data. */
  report: unknown;
}

export interface MetricSeries {
  metric: string;
  samples: { atMs: number; canary?: number; baseline?: number }[];
}

export interface Analysis {
  /** Runs one analysis with the step's overrides; never throws for a verdict (an exception is an `error`). */
  run(overrides: AnalysisOverrides, context: { step: number; weight: number }): Promise<StepVerdict>;
}

/** What was reached, saved before each traffic change: enough for post to abort. */
export interface RolloutState {
  v: 1;
  kind: RolloutKind;
  /** progressing: steps running; promoting: the end step; aborting: abort started; promoted/aborted: nothing left to do. */
  phase: 'progressing' | 'promoting' | 'aborting' | 'promoted' | 'aborted';
  /** The 1-based step being run. */
  step: number;
  /** Canary: the highest weight asked so far (the one being set included). Blue/green: 0 or 100. */
  weight: number;
  /** Blue/green: the new colour is deployed beside the live one. */
  previewed: boolean;
  /** Blue/green: traffic was switched to the new colour. */
  switched: boolean;
  /** CodeDeploy: the deployment started, saved before waiting at Ready so post can stop it. */
  codeDeployDeploymentId?: string;
  /** ECS native: the service deployment started, saved as soon as UpdateService returns it so post stops only that one. */
  ecsServiceDeploymentArn?: string;
}

export interface SetWeightResult {
  /** The weight really set (a replica ratio rounds). */
  weight: number;
  /** No stable version existed: the new one was installed as stable, nothing to compare. */
  firstInstall?: boolean;
}

/** Moves production traffic; one implementation per target and strategy (helm, ECS, CodeDeploy). */
export interface Deployer {
  readonly kind: RolloutKind;
  /** Canary: deploys the canary (first call) or moves it to `weight` percent. */
  setWeight(weight: number): Promise<SetWeightResult>;
  /** Blue/green: the new version up beside the live one, taking no user traffic. */
  preview(): Promise<void>;
  /** Blue/green: all traffic to the new version (deploying it first when there was no preview). */
  switchTraffic(): Promise<void>;
  /** After the last step: the new version becomes stable (canary promoted, old colour retired). */
  finish(): Promise<{ revision?: string; taskDefinitionArn?: string }>;
  /** Traffic back on stable from whatever `state` reached; idempotent. */
  abort(state: RolloutState): Promise<void>;
}

export interface StateStore {
  save(state: RolloutState): void;
}

export interface Policy {
  /** inconclusive-is: pass lets an inconclusive analysis continue (never one that judged nothing). */
  inconclusiveIs: 'fail' | 'pass';
  /** fail-on: none records verdicts without acting on them (Argo Rollouts' dryRun). */
  failOn: 'any' | 'none';
}

export interface TimelineEntry {
  step: number;
  what: string;
  /** Canary weight (percent) after the step. */
  weight: number;
  startedMs: number;
  durationMs: number;
  status: 'done' | 'failed' | 'aborted' | 'skipped';
  verdict?: Verdict;
  rule?: string;
  reason?: string;
}

export interface StepAnalysisRecord {
  step: number;
  weight: number;
  startedMs: number;
  verdict: StepVerdict;
  accepted: boolean;
}

export type RolloutResult = 'promoted' | 'aborted' | 'failed';

export interface RolloutOutcome {
  result: RolloutResult;
  reachedWeight: number;
  timeline: TimelineEntry[];
  analyses: StepAnalysisRecord[];
  revision?: string;
  taskDefinitionArn?: string;
  /** Why it did not promote (the failed verdict or error); undefined when promoted. */
  problem?: string;
}

export interface MachineDeps {
  deployer: Deployer;
  analysis: Analysis;
  state: StateStore;
  policy: Policy;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

/** Whether the rollout may go on after this verdict. */
export function accepts(v: StepVerdict, policy: Policy): boolean {
  if (v.verdict === 'pass') return true;
  if (v.rule === 'configuration-error') return false;
  if (policy.failOn === 'none') return true;
  return v.verdict === 'inconclusive' && policy.inconclusiveIs === 'pass' && v.rule !== 'no-metric-judged';
}

class Stop extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}

export async function runRollout(steps: readonly Step[], deps: MachineDeps): Promise<RolloutOutcome> {
  const { deployer, analysis, clock, log } = deps;
  const state: RolloutState = { v: 1, kind: deployer.kind, phase: 'progressing', step: 0, weight: 0, previewed: false, switched: false };
  const save = (patch: Partial<RolloutState>) => {
    Object.assign(state, patch);
    deps.state.save({ ...state });
  };
  const timeline: TimelineEntry[] = [];
  const analyses: StepAnalysisRecord[] = [];
  let reached = 0;
  let firstInstall = false;

  const runStep = async (s: Step, entry: TimelineEntry): Promise<void> => {
    switch (s.kind) {
      case 'setWeight': {
        save({ step: s.index, weight: Math.max(state.weight, s.weight) }); // before traffic moves
        const r = await deployer.setWeight(s.weight);
        reached = Math.max(reached, r.weight);
        entry.weight = r.weight;
        if (r.weight !== s.weight) entry.reason = `asked ${s.weight} %, set ${r.weight} %`;
        if (r.firstInstall) firstInstall = true;
        return;
      }
      case 'preview':
        save({ step: s.index, previewed: true });
        await deployer.preview();
        return;
      case 'promote':
        if (deployer.kind === 'blue-green') {
          save({ step: s.index, previewed: true, switched: true, weight: 100 });
          await deployer.switchTraffic();
        } else {
          save({ step: s.index, weight: 100 });
        }
        reached = 100;
        entry.weight = 100;
        return;
      case 'pause':
        await deps.sleep(s.durationMs);
        return;
      case 'analysis': {
        let v: StepVerdict;
        try {
          v = await analysis.run(s.overrides, { step: s.index, weight: reached });
        } catch (e) {
          v = { verdict: 'error', rule: 'analysis-error', reason: (e as Error).message, series: [], report: { error: (e as Error).message } };
        }
        const ok = accepts(v, deps.policy);
        analyses.push({ step: s.index, weight: reached, startedMs: entry.startedMs, verdict: v, accepted: ok });
        Object.assign(entry, { verdict: v.verdict, rule: v.rule, reason: v.reason });
        log(`step ${s.index}: analysis at ${reached} %: ${v.verdict} (rule ${v.rule}): ${v.reason}`);
        if (!ok) throw new Stop(`step ${s.index}: analysis at ${reached} % is ${v.verdict} (rule ${v.rule}): ${v.reason}`);
        if (v.verdict !== 'pass') log(`step ${s.index}: ${v.verdict} accepted (${deps.policy.failOn === 'none' ? 'fail-on: none' : 'inconclusive-is: pass'})`);
      }
    }
  };

  let problem: string | undefined;
  for (const s of steps) {
    const entry: TimelineEntry = { step: s.index, what: describeStep(s), weight: reached, startedMs: clock(), durationMs: 0, status: 'done' };
    timeline.push(entry);
    if (firstInstall) {
      entry.status = 'skipped';
      entry.reason = 'first install: nothing to compare with';
      continue;
    }
    log(`step ${s.index}: ${entry.what}`);
    try {
      await runStep(s, entry);
    } catch (e) {
      entry.status = 'failed';
      problem = e instanceof Stop ? e.problem : `step ${s.index} (${entry.what}) failed: ${(e as Error).message}`;
      entry.reason ??= e instanceof Stop ? undefined : (e as Error).message;
    } finally {
      entry.durationMs = clock() - entry.startedMs;
    }
    if (problem) break;
  }

  if (!problem) {
    const entry: TimelineEntry = { step: steps.length + 1, what: 'finish', weight: 100, startedMs: clock(), durationMs: 0, status: 'done' };
    timeline.push(entry);
    try {
      save({ phase: 'promoting', step: entry.step });
      const ids = await deployer.finish();
      entry.durationMs = clock() - entry.startedMs;
      save({ phase: 'promoted' });
      log(`promoted${ids.revision ? ` (revision ${ids.revision})` : ''}${ids.taskDefinitionArn ? ` (${ids.taskDefinitionArn})` : ''}`);
      return { result: 'promoted', reachedWeight: 100, timeline, analyses, ...ids };
    } catch (e) {
      entry.durationMs = clock() - entry.startedMs;
      entry.status = 'failed';
      entry.reason = (e as Error).message;
      problem = `finishing the rollout failed: ${(e as Error).message}`;
    }
  }

  const abort: TimelineEntry = { step: timeline.length + 1, what: 'abort', weight: 0, startedMs: clock(), durationMs: 0, status: 'done' };
  timeline.push(abort);
  log(`aborting: ${problem}`);
  try {
    save({ phase: 'aborting' });
    await deployer.abort({ ...state });
    save({ phase: 'aborted' });
    abort.durationMs = clock() - abort.startedMs;
    abort.status = 'aborted';
    return { result: 'aborted', reachedWeight: reached, timeline, analyses, problem };
  } catch (e) {
    abort.durationMs = clock() - abort.startedMs;
    abort.status = 'failed';
    abort.reason = (e as Error).message;
    return { result: 'failed', reachedWeight: reached, timeline, analyses, problem: `${problem}; the abort failed too: ${(e as Error).message}` };
  }
}
