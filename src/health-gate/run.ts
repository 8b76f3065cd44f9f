/**
 * health-gate: HTTP checks first (a dead service needs no statistics), then the Prometheus
 * analysis with optional synthetic traffic; then outputs, report file and summary. The step
 * fails (one ::error:: line) on every verdict but pass, unless inconclusive-is / fail-on say
 * otherwise; a configuration error (invalid PromQL, refused credentials) always fails.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { maskHeaderValue, maskSecret } from '../toolkit/secrets';
import { noMetricJudged, planMetrics } from './analysis/baseline-mode';
import { runAnalysis, type AnalysisResult } from './analysis/engine';
import { comparisonAlpha } from './analysis/measurement';
import { minSamplesToReject } from './analysis/statistics';
import { score as scoreOf, type Decision } from './analysis/rules';
import { runHttpChecks, type HttpCheckResult } from './http-checks';
import type { GateInputs } from './inputs';
import { PrometheusClient, type Fetch } from './prometheus';
import { buildReport } from './report';
import { renderSummary } from './summary';
import { startTraffic, type TrafficStats } from './traffic';

export interface GateDeps {
  fetch?: Fetch;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Where the report goes when report-file is not set. */
  tempDir: string;
}

/** JSON without losing Infinity/NaN (JSON.stringify would write null). */
function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), indent);
}

export async function run(inputs: GateInputs, deps: GateDeps, reporter: Reporter): Promise<void> {
  for (const s of inputs.secrets) maskSecret(reporter, s);
  // a header value may be `Basic <base64>` written whole: its user:password is a secret too
  for (const v of Object.values(inputs.http?.headers ?? {})) maskHeaderValue(reporter, v);
  const startedMs = deps.clock();
  let decision: Decision | undefined;
  let http: HttpCheckResult | undefined;
  let analysis: AnalysisResult | undefined;
  let traffic: TrafficStats | undefined;

  if (inputs.http) {
    reporter.info(`Checking ${inputs.http.urls.length} URL(s) until ${inputs.http.consecutiveSuccesses} healthy rounds in a row`);
    http = await runHttpChecks(inputs.http, { fetch: deps.fetch, clock: deps.clock, sleep: deps.sleep, log: (l) => reporter.info(l) });
    if (!http.passed) decision = { verdict: 'fail', rule: 'http-checks-failed', reason: http.reason };
  }

  // compare-baseline: false runs the metrics without their baseline queries (plan.judged).
  const plan = inputs.analysis && planMetrics(inputs.analysis.metrics, inputs.analysis.compareBaseline);
  const a = inputs.analysis && plan && { ...inputs.analysis, metrics: plan.judged };
  if (!decision && a && plan && !a.compareBaseline) {
    reporter.info(`compare-baseline is false: baseline queries are not run; ${a.metrics.length} metric(s) judged by max/min only`);
    for (const m of plan.notJudged) reporter.warning(`'${m.name}' is not judged: ${m.reason}`);
    if (a.metrics.length === 0) {
      decision = noMetricJudged(plan.notJudged);
      analysis = { decision, states: [], rounds: 0, elapsedMs: 0 };
    }
  }
  if (!decision && a) {
    const client = new PrometheusClient({
      url: a.prometheusUrl,
      auth: a.auth,
      timeoutMs: a.queryTimeoutMs,
      staleAfterMs: 2 * a.intervalMs,
      fetch: deps.fetch,
      clock: deps.clock,
      reporter,
    });
    reporter.info(`Analysing ${a.metrics.length} metric(s) every ${a.intervalMs} ms, ${a.count} measurement(s) at most, against ${a.prometheusUrl}`);
    if (a.metrics.some((m) => m.baseline !== undefined && m.total === undefined)) {
      const alpha = comparisonAlpha({ ...a, looks: a.count - a.minSamples + 1 });
      const needed = minSamplesToReject(alpha);
      const note = `Mann-Whitney comparisons test at alpha ${alpha.toExponential(2)} per look and can first fail with ${needed} samples`;
      if (needed > a.count) reporter.warning(`${note}, more than count ${a.count}: raise count or lower confidence, or the comparison can never fail`);
      else reporter.info(note);
    }
    for (const m of a.metrics) {
      if (m.cumulative) reporter.info(`'${m.name}': raw counters, read once more an interval before the first measurement; counts are their differences`);
      if (m.countWindowMs !== undefined && m.countWindowMs > a.intervalMs) {
        reporter.info(
          `'${m.name}': its ${m.countWindowMs} ms count window is longer than the ${a.intervalMs} ms interval, so windows overlap; the rate test pools only non-overlapping ones (use a window equal to interval to use every sample)`,
        );
      }
    }
    const load = inputs.traffic
      ? startTraffic({
          url: inputs.traffic.url,
          rps: inputs.traffic.rps,
          timeoutMs: a.queryTimeoutMs,
          maxMs: a.count * a.intervalMs + 60_000,
          fetch: deps.fetch,
        })
      : undefined;
    try {
      analysis = await runAnalysis(a, {
        client,
        clock: deps.clock,
        sleep: deps.sleep,
        onRound: (round, states) =>
          reporter.info(
            `round ${round}: ${states.map((s) => `${s.spec.name} ${s.samples[s.samples.length - 1].status} (${s.samples[s.samples.length - 1].reason})`).join('; ')}`,
          ),
      });
    } finally {
      traffic = await load?.stop();
    }
    decision = analysis.decision;
  }
  decision ??= { verdict: 'pass', rule: 'http-checks-passed', reason: http?.reason ?? 'nothing to check' };

  const score = analysis ? scoreOf(analysis.states) : http?.passed ? 100 : 0;
  const report = buildReport(inputs, decision, score, { startedMs, finishedMs: deps.clock() }, http, analysis, traffic, plan?.notJudged);
  const json = toJson(report);
  const reportFile = path.resolve(inputs.reportFile ?? path.join(deps.tempDir, 'health-gate-report.json'));
  // quoted service text is scrubbed where it is read; redact is the last guard for the file
  writeFileSync(reportFile, reporter.redact(toJson(report, 2)) + '\n');
  reporter.setOutput('verdict', decision.verdict);
  reporter.setOutput('score', String(score));
  reporter.setOutput('report', json);
  reporter.setOutput('report-file', reportFile);
  await reporter.summary(renderSummary(report));
  reporter.info(`Verdict: ${decision.verdict} (rule ${decision.rule}): ${decision.reason}`);

  if (decision.verdict === 'pass') return;
  if (decision.rule === 'configuration-error') throw new ServiceError('health-gate', `configuration error: ${decision.reason}`);
  // inconclusive-is: pass excuses missing data, not a gate that had nothing to judge.
  if (decision.verdict === 'inconclusive' && inputs.inconclusiveIs === 'pass' && decision.rule !== 'no-metric-judged') {
    reporter.warning(`health-gate is inconclusive but inconclusive-is: pass lets the step succeed: ${decision.reason}`);
    return;
  }
  if (inputs.failOn === 'none') {
    reporter.warning(`health-gate verdict ${decision.verdict} (fail-on: none, so the step succeeds): ${decision.reason}`);
    return;
  }
  throw new ServiceError('health-gate', `verdict ${decision.verdict} (rule ${decision.rule}): ${decision.reason}`);
}
