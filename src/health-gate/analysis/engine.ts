/**
 * The analysis loop: every interval, query every metric (canary, baseline and totals at
 * once), classify each measurement, and ask the rules for a decision. Clock and sleep are
 * injected so tests and the benchmark replay series without waiting.
 * After a round with an error the next round comes after at most ERROR_RETRY_MS rather than a
 * full interval, so an outage reaches consecutive-error-limit (and `error`) in bounded time.
 * Raw counters (counters: true) are read once more an interval before the first round.
 */
import type { AnalysisSettings } from '../inputs';
import type { MetricSpec } from '../metrics-spec';
import { PrometheusConfigError, type QueryOutcome } from '../prometheus';
import { counterReadings, measure, type ComparisonSettings, type QueryOutcomes, type Sample } from './measurement';
import { decide, type Decision, type MetricState } from './rules';

export const ERROR_RETRY_MS = 5_000;

export interface QueryClient {
  query(promql: string, metricName: string): Promise<QueryOutcome>;
}

/**
 * Reads every CloudWatch metric of a round at once (one GetMetricData call, paginated), keyed by
 * metric name. Throws a ServiceError subclass flagged `configuration` for errors no retry can fix.
 */
export interface MetricBatchReader {
  readRound(specs: readonly MetricSpec[]): Promise<Map<string, QueryOutcomes>>;
}

/**
 * The alarms of cloudwatch-alarms, judged as critical metrics: `resolve` names them once at the
 * start (a missing name or an empty prefix throws a configuration error), `read` returns one
 * sample per alarm each measurement.
 */
export interface AlarmWatch {
  resolve(): Promise<MetricSpec[]>;
  read(specs: readonly MetricSpec[], history: readonly MetricState[], atMs: number): Promise<Sample[]>;
}

/** An error no retry can fix (bad PromQL, refused credentials, an alarm that does not exist): the gate ends in `error` at once. */
export function isConfigurationError(e: unknown): e is Error {
  return e instanceof PrometheusConfigError || (e instanceof Error && (e as { configuration?: boolean }).configuration === true);
}

export interface AnalysisResult {
  decision: Decision;
  states: MetricState[];
  rounds: number;
  elapsedMs: number;
}

export interface EngineDeps {
  /** Prometheus, for metrics with query:. */
  client?: QueryClient;
  /** CloudWatch GetMetricData, for metrics with cloudwatch:. */
  cloudwatch?: MetricBatchReader;
  /** CloudWatch alarms (cloudwatch-alarms). */
  alarms?: AlarmWatch;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Told after every round (for the log). */
  onRound?: (round: number, states: readonly MetricState[]) => void;
}

function noClient(what: string): never {
  throw Object.assign(new Error(`no ${what} client was given to the analysis`), { configuration: true });
}

async function queryAll(spec: MetricSpec, client: QueryClient | undefined): Promise<QueryOutcomes> {
  const ask = (q: string | undefined) => (q === undefined ? Promise.resolve(undefined) : (client ?? noClient('Prometheus')).query(q, spec.name));
  const [query, total, baseline, baselineTotal] = await Promise.all([ask(spec.query), ask(spec.total), ask(spec.baseline), ask(spec.baselineTotal)]);
  return { query: query as QueryOutcome, total, baseline, baselineTotal };
}

export type AnalysisSettingsForEngine = Pick<
  AnalysisSettings,
  | 'metrics'
  | 'intervalMs'
  | 'count'
  | 'failureLimit'
  | 'inconclusiveLimit'
  | 'consecutiveErrorLimit'
  | 'consecutiveSuccessLimit'
  | 'minSamples'
  | 'effectSize'
  | 'confidence'
>;

/** One round of every metric: Prometheus queries in parallel, CloudWatch metrics in one batch. */
async function readMetrics(states: readonly MetricState[], deps: EngineDeps): Promise<QueryOutcomes[]> {
  const cw = states.filter((s) => s.spec.cloudwatch !== undefined && !s.alarm).map((s) => s.spec);
  const [batch, prom] = await Promise.all([
    cw.length > 0 ? (deps.cloudwatch ?? noClient('CloudWatch')).readRound(cw) : Promise.resolve(new Map<string, QueryOutcomes>()),
    Promise.all(states.map((s) => (s.spec.cloudwatch !== undefined || s.alarm ? undefined : queryAll(s.spec, deps.client)))),
  ]);
  return states.map((s, i) => prom[i] ?? (batch.get(s.spec.name) as QueryOutcomes));
}

export async function runAnalysis(settings: AnalysisSettingsForEngine, deps: EngineDeps): Promise<AnalysisResult> {
  const states: MetricState[] = settings.metrics.map((spec) => ({ spec, samples: [] as Sample[] }));
  const configError = (e: unknown, round: number): AnalysisResult => {
    if (!isConfigurationError(e)) throw e;
    return { decision: { verdict: 'error', rule: 'configuration-error', reason: e.message }, states, rounds: round, elapsedMs: deps.clock() - started };
  };
  const comparison: ComparisonSettings = {
    minSamples: settings.minSamples,
    effectSize: settings.effectSize,
    confidence: settings.confidence,
    looks: settings.count - settings.minSamples + 1,
  };
  const started = deps.clock();
  if (deps.alarms) {
    try {
      for (const spec of await deps.alarms.resolve()) states.push({ spec, samples: [], alarm: true });
    } catch (e) {
      return configError(e, 0);
    }
  }
  if (states.some((s) => s.spec.cumulative)) {
    // Raw counters give counts only as differences: read them once, an interval before the first
    // measurement, so that measurement already has its counts. A failed reading here only makes
    // that metric's first measurement a warm-up.
    const readStart = deps.clock();
    try {
      const first = await Promise.all(states.map((s) => (s.spec.cumulative ? queryAll(s.spec, deps.client) : undefined)));
      states.forEach((s, i) => {
        const outcomes = first[i];
        if (outcomes) s.startReadings = counterReadings(outcomes);
      });
      // Alarms are judged at the start even so: a firing alarm fails the gate before the wait.
      const alarmStates = states.filter((s) => s.alarm);
      if (deps.alarms && alarmStates.length > 0) {
        const samples = await deps.alarms.read(
          alarmStates.map((s) => s.spec),
          alarmStates,
          readStart,
        );
        if (samples.some((x) => x.status === 'failed')) {
          alarmStates.forEach((s, i) => s.samples.push(samples[i]));
          const decision = decide(states, settings, false) as Decision;
          return { decision, states, rounds: 0, elapsedMs: deps.clock() - started };
        }
      }
    } catch (e) {
      return configError(e, 0);
    }
    await deps.sleep(Math.max(0, readStart + settings.intervalMs - deps.clock()));
  }
  for (let round = 1; ; round++) {
    const roundStart = deps.clock();
    const metricStates = states.filter((s) => !s.alarm);
    const alarmStates = states.filter((s) => s.alarm);
    let outcomes: QueryOutcomes[];
    let alarmSamples: Sample[] = [];
    try {
      [outcomes, alarmSamples] = await Promise.all([
        readMetrics(metricStates, deps),
        deps.alarms && alarmStates.length > 0
          ? deps.alarms.read(
              alarmStates.map((s) => s.spec),
              alarmStates,
              roundStart,
            )
          : Promise.resolve([]),
      ]);
    } catch (e) {
      return configError(e, round);
    }
    const at = deps.clock();
    metricStates.forEach((s, i) => s.samples.push(measure(s.spec, outcomes[i], s.samples, comparison, at, s.startReadings)));
    alarmStates.forEach((s, i) => s.samples.push(alarmSamples[i]));
    deps.onRound?.(round, states);
    const decision = decide(states, settings, round >= settings.count);
    if (decision) return { decision, states, rounds: round, elapsedMs: deps.clock() - started };
    const errored = states.some((s) => s.samples[s.samples.length - 1].status === 'error');
    const delay = errored ? Math.min(settings.intervalMs, ERROR_RETRY_MS) : settings.intervalMs;
    await deps.sleep(Math.max(0, roundStart + delay - deps.clock()));
  }
}
