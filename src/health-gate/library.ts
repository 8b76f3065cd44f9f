/**
 * health-gate as a library: the deliberate surface other actions (actions/rollout) use to judge
 * a step with health-gate's own parser and analysis, in-process (no subprocess, no re-parsing).
 *
 *   const gate = parseHealthGateInputs(raw);              // health-gate's inputs, same errors
 *   const step = withStepOverrides(gate, { count: 3, metrics: ['errors'], compareBaseline: false });
 *   const r = await runHealthGateAnalysis(step, { clock, sleep, reporter });
 *   if (!r.passes) ... r.verdict, r.rule, r.reason; r.metrics[i].samples for a chart; r.reportJson
 *
 * Stability: the signatures below change only additively (new optional fields).
 */
import { InputError } from '../toolkit/errors';
import type { Fetch } from '../toolkit/fetch';
import type { Reporter } from '../toolkit/reporter';
import type { Sample } from './analysis/measurement';
import type { RuleId, Verdict } from './analysis/rules';
import type { CloudWatchApi } from './cloudwatch/api';
import { INPUTS, parseInputs, resolveMinSamples, type GateInputs } from './inputs';
import type { GateReport } from './report';
import { evaluateGate, stepOutcome, toJson } from './run';
import { renderSummary } from './summary';

export type { Verdict, RuleId } from './analysis/rules';
export type { MeasurementStatus } from './analysis/measurement';
export type { GateReport } from './report';
export type { CloudWatchApi } from './cloudwatch/api';

/** health-gate's parsed inputs (HTTP checks, analysis settings, inconclusive-is, fail-on, ...). */
export type HealthGateInputs = GateInputs;

/** health-gate's input specs (name -> default), as in actions/health-gate/action.yml. */
export const HEALTH_GATE_INPUTS = INPUTS;

/**
 * health-gate's parser: raw input strings keyed by health-gate's input names (missing = empty)
 * -> validated inputs. Throws InputError naming the health-gate input and the fix; makes no
 * remote call.
 */
export function parseHealthGateInputs(
  raw: Readonly<Partial<Record<keyof typeof INPUTS, string>>>,
  /** Where AWS_REGION / AWS_DEFAULT_REGION are read when aws-region is empty (default process.env). */
  env: Readonly<Record<string, string | undefined>> = process.env,
): HealthGateInputs {
  return parseInputs(raw, env);
}

/** Per-step changes to one analysis (a canary step judged with fewer measurements or metrics). */
export interface StepOverrides {
  /** Measurements to take in this step (>= 1). min-samples, when not given explicitly, becomes min(5, count). */
  count?: number;
  /** Only these metrics (by their `name:` in the metrics YAML); alarms are always judged. */
  metrics?: readonly string[];
  /** false: no baseline queries, max/min only (the stable version gets no traffic at this step). */
  compareBaseline?: boolean;
  /** false: skip the HTTP checks at this step (default: run them when urls are set). */
  httpChecks?: boolean;
}

/**
 * The inputs with a step's overrides applied, validated like the inputs themselves: throws
 * InputError for a count below 1, an unknown metric name, an explicit min-samples above the
 * step's count, or a count or metrics given to a gate without metrics/alarms. compareBaseline
 * alone on such a gate (HTTP checks only) changes nothing: there is no baseline to compare, so
 * a step list written for metrics (production.yml's defaults) also fits a gate of URLs. Call it
 * while validating a rollout's steps, before anything is changed.
 */
export function withStepOverrides(inputs: HealthGateInputs, overrides: StepOverrides): HealthGateInputs {
  const { count, metrics, compareBaseline, httpChecks } = overrides;
  const out: HealthGateInputs = { ...inputs, http: httpChecks === false ? undefined : inputs.http };
  if (count === undefined && metrics === undefined && compareBaseline === undefined) return out;
  const a = inputs.analysis;
  if (!a) {
    if (count === undefined && metrics === undefined) return out;
    throw new InputError('metrics', 'is empty, so a step cannot override count or metrics', 'Give health-gate metrics or cloudwatch-alarms');
  }
  if (count !== undefined && (!Number.isInteger(count) || count < 1))
    throw new InputError('count', `${count} is not a whole number of measurements of at least 1`, 'Give each step a count of 1 or more');
  let selected = a.metrics;
  if (metrics !== undefined) {
    const known = new Set(a.metrics.map((m) => m.name));
    const unknown = metrics.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new InputError(
        'metrics',
        `names no metric called ${unknown.map((n) => `'${n}'`).join(', ')}`,
        `Use names from the metrics input: ${[...known].join(', ')}`,
      );
    selected = a.metrics.filter((m) => metrics.includes(m.name));
    if (selected.length === 0 && a.alarms.length === 0) throw new InputError('metrics', 'selects no metric for this step', 'Name at least one metric');
  }
  const stepCount = count ?? a.count;
  out.analysis = {
    ...a,
    metrics: selected,
    count: stepCount,
    minSamples: resolveMinSamples(a.explicitMinSamples, stepCount, count !== undefined ? 'the step count' : undefined),
    compareBaseline: compareBaseline ?? a.compareBaseline,
  };
  return out;
}

export interface AnalysisDeps {
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Logs, masks (credentials are registered with setSecret first); nothing is set as output. */
  reporter: Reporter;
  fetch?: Fetch;
  /** CloudWatch; by default the SDK client for the inputs' aws-region, loaded on first use. */
  cloudWatch?: CloudWatchApi;
}

/**
 * One sample of one metric, for charts: its 0-based measurement number `index`, epoch ms `atMs`,
 * status, reason, and the canary and baseline values (undefined when there was no data).
 */
export type SeriesSample = Pick<Sample, 'index' | 'atMs' | 'status' | 'reason' | 'value' | 'baselineValue'>;

export interface MetricSeries {
  name: string;
  source: 'prometheus' | 'cloudwatch' | 'alarm';
  critical: boolean;
  max?: number;
  min?: number;
  samples: SeriesSample[];
}

export interface AnalysisOutcome {
  verdict: Verdict;
  /** The rule that decided (see docs/health-gate.md, "Verdict rules"). */
  rule: RuleId;
  reason: string;
  /** The metric or alarm the rule fired on, if one. */
  metric?: string;
  /** Share of successful measurements, 0-100. */
  score: number;
  /** Whether the step passes after inconclusive-is and fail-on (as health-gate's own exit code would say). */
  passes: boolean;
  /** The ::error:: message health-gate would end with, when it does not pass. */
  failure?: string;
  /** The warning health-gate would print when it passes on a non-pass verdict. */
  warning?: string;
  metrics: MetricSeries[];
  /** health-gate's report (the `report` output) as an object and as JSON (Infinity kept as "Infinity"). */
  report: GateReport;
  reportJson: string;
  /** health-gate's job summary for this analysis (Markdown, tables and charts), for embedding. */
  summaryMarkdown: string;
}

/**
 * Runs one health-gate evaluation (HTTP checks, then metrics and alarms) with the step's
 * overrides, exactly as the action judges, and returns the structured result. Writes no
 * output, file or summary. Throws InputError for invalid overrides (see withStepOverrides);
 * a verdict, even error, is returned, never thrown.
 */
export async function runHealthGateAnalysis(inputs: HealthGateInputs, overrides: StepOverrides, deps: AnalysisDeps): Promise<AnalysisOutcome> {
  const step = withStepOverrides(inputs, overrides);
  const { decision, score, report, analysis } = await evaluateGate(step, deps, deps.reporter);
  const outcome = stepOutcome(step, decision);
  const metrics: MetricSeries[] = (analysis?.states ?? []).map(({ spec, samples, alarm }) => ({
    name: spec.name,
    source: alarm ? 'alarm' : spec.cloudwatch ? 'cloudwatch' : 'prometheus',
    critical: spec.critical,
    ...(spec.max !== undefined && { max: spec.max }),
    ...(spec.min !== undefined && { min: spec.min }),
    samples: samples.map((s) => ({ index: s.index, atMs: s.atMs, status: s.status, reason: s.reason, value: s.value, baselineValue: s.baselineValue })),
  }));
  return {
    verdict: decision.verdict,
    rule: decision.rule,
    reason: decision.reason,
    ...(decision.metric !== undefined && { metric: decision.metric }),
    score,
    passes: outcome.passes,
    ...(outcome.error && { failure: outcome.error.message }),
    ...(outcome.warning && { warning: outcome.warning }),
    metrics,
    report,
    reportJson: toJson(report),
    summaryMarkdown: renderSummary(report),
  };
}
