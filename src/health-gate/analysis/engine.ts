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

export interface AnalysisResult {
  decision: Decision;
  states: MetricState[];
  rounds: number;
  elapsedMs: number;
}

export interface EngineDeps {
  client: QueryClient;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Told after every round (for the log). */
  onRound?: (round: number, states: readonly MetricState[]) => void;
}

async function queryAll(spec: MetricSpec, client: QueryClient): Promise<QueryOutcomes> {
  const ask = (q: string | undefined) => (q === undefined ? Promise.resolve(undefined) : client.query(q, spec.name));
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

export async function runAnalysis(settings: AnalysisSettingsForEngine, deps: EngineDeps): Promise<AnalysisResult> {
  const states: MetricState[] = settings.metrics.map((spec) => ({ spec, samples: [] as Sample[] }));
  const comparison: ComparisonSettings = {
    minSamples: settings.minSamples,
    effectSize: settings.effectSize,
    confidence: settings.confidence,
    looks: settings.count - settings.minSamples + 1,
  };
  const started = deps.clock();
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
    } catch (e) {
      if (!(e instanceof PrometheusConfigError)) throw e;
      return { decision: { verdict: 'error', rule: 'configuration-error', reason: e.message }, states, rounds: 0, elapsedMs: deps.clock() - started };
    }
    await deps.sleep(Math.max(0, readStart + settings.intervalMs - deps.clock()));
  }
  for (let round = 1; ; round++) {
    const roundStart = deps.clock();
    let outcomes: QueryOutcomes[];
    try {
      outcomes = await Promise.all(states.map((s) => queryAll(s.spec, deps.client)));
    } catch (e) {
      if (!(e instanceof PrometheusConfigError)) throw e;
      const decision: Decision = { verdict: 'error', rule: 'configuration-error', reason: e.message };
      return { decision, states, rounds: round, elapsedMs: deps.clock() - started };
    }
    const at = deps.clock();
    states.forEach((s, i) => s.samples.push(measure(s.spec, outcomes[i], s.samples, comparison, at, s.startReadings)));
    deps.onRound?.(round, states);
    const decision = decide(states, settings, round >= settings.count);
    if (decision) return { decision, states, rounds: round, elapsedMs: deps.clock() - started };
    const errored = states.some((s) => s.samples[s.samples.length - 1].status === 'error');
    const delay = errored ? Math.min(settings.intervalMs, ERROR_RETRY_MS) : settings.intervalMs;
    await deps.sleep(Math.max(0, roundStart + delay - deps.clock()));
  }
}
