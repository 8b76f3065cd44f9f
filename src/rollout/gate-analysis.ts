/**
 * The Analysis the rollout injects: health-gate's library (src/health-gate/library.ts), one
 * in-process evaluation per analysis step with the step's overrides (count, a subset of the
 * metrics, compareBaseline). Its log lines are forwarded with the step's number; the verdict
 * policy (inconclusive-is, fail-on) is the step machine's.
 */
import { runHealthGateAnalysis, type AnalysisOutcome, type HealthGateInputs } from '../health-gate/library';
import type { Fetch } from '../toolkit/fetch';
import type { Reporter } from '../toolkit/reporter';
import type { Analysis, MetricSeries, StepVerdict } from './machine';

export interface GateAnalysisDeps {
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  fetch?: Fetch;
}

/** Canary and baseline per metric from health-gate's outcome (alarms have no baseline). */
export function seriesOf(outcome: Pick<AnalysisOutcome, 'metrics'>): MetricSeries[] {
  return outcome.metrics.map((m) => ({
    metric: m.name,
    samples: m.samples.map((s) => ({ atMs: s.atMs, canary: s.value, baseline: s.baselineValue })),
  }));
}

/** A reporter that prefixes log lines with the step and passes credentials and masking through. */
function stepReporter(outer: Reporter, prefix: string): Reporter {
  return {
    info: (m) => outer.info(`${prefix}${m}`),
    warning: (m) => outer.warning(`${prefix}${m}`),
    debug: (m) => outer.debug(`${prefix}${m}`),
    setSecret: (v) => outer.setSecret(v),
    setOutput: () => undefined,
    summary: async () => undefined,
    redact: (text) => outer.redact(text),
  };
}

export function gateAnalysis(gate: HealthGateInputs, deps: GateAnalysisDeps, reporter: Reporter): Analysis {
  return {
    async run(overrides, { step }): Promise<StepVerdict> {
      const o = await runHealthGateAnalysis(gate, overrides, { ...deps, reporter: stepReporter(reporter, `  [analysis, step ${step}] `) });
      return { verdict: o.verdict, rule: o.rule, reason: o.reason, series: seriesOf(o), report: o.report };
    },
  };
}
