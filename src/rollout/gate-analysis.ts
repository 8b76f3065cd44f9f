/**
 * The Analysis the rollout injects: health-gate's own run (HTTP checks, then the Prometheus
 * analysis) in-process, once per analysis step, with the step's overrides (count, a subset of
 * the metrics, compareBaseline). Its log lines are forwarded with the step's number; its
 * outputs and summary are kept here and folded into the rollout's report and summary.
 * An adapter on rollout's side until health-gate publishes src/health-gate/library.ts.
 */
import * as path from 'node:path';
import type { GateInputs } from '../health-gate/inputs';
import type { GateReport } from '../health-gate/report';
import { run as runGate, type GateDeps } from '../health-gate/run';
import { MemoryReporter, type Reporter } from '../toolkit/reporter';
import type { Analysis, MetricSeries, StepVerdict } from './machine';
import type { AnalysisOverrides } from './steps';

/** The gate inputs one step runs with: the overrides applied, verdict policy left to the machine. */
export function stepGateInputs(gate: GateInputs, o: AnalysisOverrides, reportFile: string): GateInputs {
  const a = gate.analysis;
  const metrics = a && (o.metrics === undefined ? a.metrics : a.metrics.filter((m) => o.metrics?.includes(m.name)));
  return {
    ...gate,
    analysis:
      a && metrics && metrics.length > 0 ? { ...a, metrics, count: o.count ?? a.count, compareBaseline: o.compareBaseline ?? a.compareBaseline } : undefined,
    inconclusiveIs: 'fail',
    failOn: 'any',
    reportFile,
  };
}

/** Canary and baseline per metric from health-gate's report (samples without data left out). */
export function seriesOf(report: GateReport): MetricSeries[] {
  return (report.analysis?.metrics ?? []).map((m) => ({
    metric: m.name,
    samples: (m.samples as { atMs: number; value?: number; baselineValue?: number }[]).map((s) => ({
      atMs: s.atMs,
      canary: typeof s.value === 'number' ? s.value : undefined,
      baseline: typeof s.baselineValue === 'number' ? s.baselineValue : undefined,
    })),
  }));
}

class StepReporter extends MemoryReporter {
  constructor(
    private readonly outer: Reporter,
    private readonly prefix: string,
  ) {
    super();
  }
  override info(m: string): void {
    this.outer.info(`${this.prefix}${m}`);
  }
  override warning(m: string): void {
    this.outer.warning(`${this.prefix}${m}`);
  }
  override debug(m: string): void {
    this.outer.debug(`${this.prefix}${m}`);
  }
  override setSecret(v: string): void {
    super.setSecret(v);
    this.outer.setSecret(v);
  }
}

export function gateAnalysis(gate: GateInputs, deps: GateDeps, reporter: Reporter): Analysis {
  return {
    async run(overrides, { step }): Promise<StepVerdict> {
      const inputs = stepGateInputs(gate, overrides, path.join(deps.tempDir, `rollout-analysis-step-${step}.json`));
      const r = new StepReporter(reporter, `  [analysis, step ${step}] `);
      let thrown: Error | undefined;
      try {
        await runGate(inputs, deps, r);
      } catch (e) {
        thrown = e as Error; // the verdict is in the report; without a report this is an error
      }
      if (!r.outputs.report) {
        return {
          verdict: 'error',
          rule: 'analysis-error',
          reason: thrown?.message ?? 'health-gate wrote no report',
          series: [],
          report: { error: thrown?.message },
        };
      }
      const report = JSON.parse(r.outputs.report) as GateReport;
      return { verdict: report.verdict, rule: report.rule, reason: report.reason, series: seriesOf(report), report };
    },
  };
}
