/**
 * One measurement of one metric, Argo Rollouts style: successful, failed, inconclusive or
 * error. Pure: it receives the query outcomes and the metric's earlier samples.
 * Order of judgement: Prometheus errors, then missing data (the metric's `no-data` policy),
 * then the threshold on the canary value, then the comparison with the baseline series.
 */
import type { MetricSpec } from '../metrics-spec';
import type { QueryOutcome } from '../prometheus';
import { perLookAlpha } from './sequential';
import { effectIsWorse, mannWhitney, poissonRateTest, type MannWhitneyResult, type RateTestResult } from './statistics';

export type MeasurementStatus = 'successful' | 'failed' | 'inconclusive' | 'error';

export type Comparison = (MannWhitneyResult | RateTestResult) & {
  /** Significance level used at this look (the group-sequential share of 1 - confidence). */
  alpha: number;
  allowedEffect: number;
  worse: boolean;
  /** Count metrics whose windows overlap: how many samples' counts were pooled (the non-overlapping ones). */
  pooledSamples?: number;
};

export interface Sample {
  index: number;
  atMs: number;
  status: MeasurementStatus;
  reason: string;
  /** Canary value (query, or query/total for count metrics). */
  value?: number;
  baselineValue?: number;
  /** Raw counts of count metrics, summed by the rate test (for raw counters: the increase since the last reading). */
  counts?: { canaryEvents: number; canaryTotal: number; baselineEvents?: number; baselineTotal?: number };
  /** A raw counter read for the first time (its start reading failed): inconclusive by nature, so not counted against inconclusive-limit nor in the score. */
  warmUp?: true;
  /** Raw counter values read at this sample (count metrics on raw counters), the start of the next difference. */
  readings?: { canary?: Reading; baseline?: Reading };
  comparison?: Comparison;
  /** A CloudWatch alarm's state at this sample (cloudwatch-alarms). */
  alarm?: { type: 'metric' | 'composite'; state: string; reason: string; since?: string };
}

export interface QueryOutcomes {
  query: QueryOutcome;
  total?: QueryOutcome;
  baseline?: QueryOutcome;
  baselineTotal?: QueryOutcome;
}

export interface ComparisonSettings {
  minSamples: number;
  effectSize: number;
  confidence: number;
  /** How many times the comparison may run (count - min-samples + 1): the per-look alpha keeps 1 - confidence over all of them. */
  looks: number;
}

export interface Reading {
  events: number;
  total: number;
}

type Derived = { kind: 'value'; value: number; events?: number; total?: number } | Exclude<QueryOutcome, { kind: 'value' }>;

/** The value of one side: a plain query, or events/total for count metrics. */
function derive(query: QueryOutcome, total: QueryOutcome | undefined): Derived {
  if (query.kind === 'error') return query;
  if (total?.kind === 'error') return total;
  if (query.kind === 'no-data') return query;
  if (!total) return { kind: 'value', value: query.value };
  if (total.kind === 'no-data') return total;
  if (total.value <= 0) return { kind: 'no-data', reason: 'no-traffic', detail: 'no requests in the window (total is 0)' };
  return { kind: 'value', value: query.value / total.value, events: query.value, total: total.value };
}

function readingOf(query: QueryOutcome | undefined, total: QueryOutcome | undefined): Reading | undefined {
  return query?.kind === 'value' && total?.kind === 'value' ? { events: query.value, total: total.value } : undefined;
}

/** A counter that went down was restarted (a new pod): like Prometheus, count from 0 again. */
function increaseOf(now: number, before: number): number {
  return now >= before ? now - before : now;
}

/** The raw counter values in one round's outcomes (sides without both values are left out). */
export function counterReadings(outcomes: QueryOutcomes): Sample['readings'] {
  return { canary: readingOf(outcomes.query, outcomes.total), baseline: readingOf(outcomes.baseline, outcomes.baselineTotal) };
}

/** Raw counters: the events and requests since the side's last reading (or the start reading), as a Derived value. */
function sinceLastReading(derived: Derived, side: 'canary' | 'baseline', history: readonly Sample[], start: Sample['readings']): Derived {
  if (derived.kind !== 'value' || derived.events === undefined || derived.total === undefined) return derived;
  const previous = [...history].reverse().find((s) => s.readings?.[side])?.readings?.[side] ?? start?.[side];
  if (!previous) return { kind: 'no-data', reason: 'first-reading', detail: 'first counter reading: counts start from here' };
  const events = increaseOf(derived.events, previous.events);
  const total = increaseOf(derived.total, previous.total);
  if (total <= 0) return { kind: 'no-data', reason: 'no-traffic', detail: 'no requests since the last measurement (the counter did not move)' };
  return { kind: 'value', value: events / total, events, total };
}

function fmt(n: number): string {
  return Number.isFinite(n) ? String(Number(n.toPrecision(4))) : String(n);
}

/** The significance level of each look: the looks run on cumulative data, at samples min-samples..count. */
export function comparisonAlpha(settings: ComparisonSettings): number {
  return perLookAlpha(1 - settings.confidence, settings.minSamples, settings.minSamples + Math.max(1, settings.looks) - 1);
}

function compare(spec: MetricSpec, history: readonly Sample[], current: Sample, settings: ComparisonSettings): Comparison | undefined {
  const usable = [...history, current].filter((s) => s.value !== undefined && s.baselineValue !== undefined);
  if (usable.length < settings.minSamples) return undefined;
  const alpha = comparisonAlpha(settings);
  let result: MannWhitneyResult | RateTestResult;
  let pooledSamples: number | undefined;
  if (spec.total !== undefined) {
    const pooled = disjointWindows(usable, spec.countWindowMs);
    if (pooled.length < usable.length) pooledSamples = pooled.length;
    const sum = (f: (s: Sample) => number | undefined) => pooled.reduce((a, s) => a + (f(s) ?? 0), 0);
    result = poissonRateTest(
      sum((s) => s.counts?.canaryEvents),
      sum((s) => s.counts?.canaryTotal),
      sum((s) => s.counts?.baselineEvents),
      sum((s) => s.counts?.baselineTotal),
      spec.direction,
    );
  } else {
    result = mannWhitney(
      usable.map((s) => s.value as number),
      usable.map((s) => s.baselineValue as number),
      spec.direction,
    );
  }
  const worse = result.pValue < alpha && effectIsWorse(result.effectSize, settings.effectSize, spec.direction);
  return { ...result, alpha, allowedEffect: settings.effectSize, worse, ...(pooledSamples !== undefined && { pooledSamples }) };
}

/**
 * The samples whose count windows do not overlap, from the first one forward (so the pool only
 * grows from look to look, as the sequential boundary assumes). increase(x[2m]) measured every
 * 30 s counts each request in four samples: summing them all would treat one error as four and
 * overstate the confidence. A 10% slack absorbs the jitter of the measurement times.
 */
export function disjointWindows(samples: readonly Sample[], windowMs: number | undefined): Sample[] {
  if (!windowMs) return [...samples];
  const kept: Sample[] = [];
  for (const s of samples) {
    if (kept.length === 0 || s.atMs - kept[kept.length - 1].atMs >= 0.9 * windowMs) kept.push(s);
  }
  return kept;
}

function missing(spec: MetricSpec, side: string, o: { reason: string; detail: string }): Pick<Sample, 'status' | 'reason' | 'warmUp'> {
  const reason = `no data (${side}: ${o.reason}): ${o.detail}`;
  // A first counter reading is a warm-up, not missing data: never a failure, whatever no-data says.
  if (o.reason === 'first-reading') return { status: 'inconclusive', reason, warmUp: true };
  // A CloudWatch period read again (interval shorter than the period) is no new measurement: not counted either.
  if (o.reason === 'same-period') return { status: 'inconclusive', reason, warmUp: true };
  return { status: spec.noData === 'fail' ? 'failed' : 'inconclusive', reason };
}

export function measure(
  spec: MetricSpec,
  outcomes: QueryOutcomes,
  history: readonly Sample[],
  settings: ComparisonSettings,
  atMs: number,
  /** Raw counters: the readings taken before the first measurement. */
  startReadings?: Sample['readings'],
): Sample {
  const base: Pick<Sample, 'index' | 'atMs' | 'readings'> = { index: history.length, atMs };
  let canary = derive(outcomes.query, outcomes.total);
  let baseline = spec.baseline !== undefined && outcomes.baseline ? derive(outcomes.baseline, outcomes.baselineTotal) : undefined;
  if (spec.cumulative) {
    const readings = counterReadings(outcomes);
    if (readings?.canary || readings?.baseline) base.readings = readings;
    canary = sinceLastReading(canary, 'canary', history, startReadings);
    if (baseline) baseline = sinceLastReading(baseline, 'baseline', history, startReadings);
  }
  if (canary.kind === 'error') return { ...base, status: 'error', reason: `canary query: ${canary.reason}: ${canary.detail}` };
  if (baseline?.kind === 'error') return { ...base, status: 'error', reason: `baseline query: ${baseline.reason}: ${baseline.detail}` };
  if (canary.kind === 'no-data') return { ...base, ...missing(spec, 'canary', canary) };

  const sample: Sample = { ...base, status: 'successful', reason: '', value: canary.value };
  if (canary.events !== undefined) sample.counts = { canaryEvents: canary.events, canaryTotal: canary.total as number };
  if (spec.max !== undefined && canary.value > spec.max) return { ...sample, status: 'failed', reason: `${fmt(canary.value)} is above max ${fmt(spec.max)}` };
  if (spec.min !== undefined && canary.value < spec.min) return { ...sample, status: 'failed', reason: `${fmt(canary.value)} is below min ${fmt(spec.min)}` };
  const within = `${fmt(canary.value)} within ${[spec.min !== undefined ? `min ${fmt(spec.min)}` : '', spec.max !== undefined ? `max ${fmt(spec.max)}` : ''].filter(Boolean).join(' and ')}`;
  if (!baseline) return { ...sample, reason: within };
  if (baseline.kind === 'no-data') return { ...sample, ...missing(spec, 'baseline', baseline) };

  sample.baselineValue = baseline.value;
  if (sample.counts && baseline.events !== undefined) Object.assign(sample.counts, { baselineEvents: baseline.events, baselineTotal: baseline.total });
  const comparison = compare(spec, history, sample, settings);
  if (!comparison) return { ...sample, reason: `${within}; comparison waits for ${settings.minSamples} samples` };
  sample.comparison = comparison;
  const stats = `${comparison.test} p=${comparison.pValue.toExponential(2)} (alpha ${comparison.alpha.toExponential(2)}), canary/baseline ${fmt(comparison.effectSize)}x (allowed ${fmt(comparison.allowedEffect)}x)${comparison.pooledSamples !== undefined ? `, counts of the ${comparison.pooledSamples} non-overlapping window(s)` : ''}`;
  if (comparison.worse) return { ...sample, status: 'failed', reason: `canary is significantly worse than baseline: ${stats}` };
  return { ...sample, reason: `${within}; not worse than baseline: ${stats}` };
}
