/**
 * health-gate: HTTP checks first (a dead service needs no statistics), then the analysis of
 * Prometheus and CloudWatch metrics and CloudWatch alarms, with optional synthetic traffic; then
 * outputs, report file and summary. The step fails (one ::error:: line) on every verdict but
 * pass, unless inconclusive-is (only for a genuine lack of data) or fail-on say otherwise; a
 * configuration error (invalid PromQL, refused credentials, a missing alarm) always fails.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import type { Fetch } from '../toolkit/fetch';
import type { Reporter } from '../toolkit/reporter';
import { maskHeaderValue, maskSecret } from '../toolkit/secrets';
import { noMetricJudged, planMetrics } from './analysis/baseline-mode';
import { runAnalysis, type AnalysisResult } from './analysis/engine';
import { score as scoreOf, type Decision } from './analysis/rules';
import type { CloudWatchApi } from './cloudwatch/api';
import { cloudWatchSources } from './cloudwatch/sources';
import { runHttpChecks, type HttpCheckResult } from './http-checks';
import type { GateInputs } from './inputs';
import { analysisNotes } from './notes';
import { PrometheusClient } from './prometheus';
import { buildReport, type GateReport } from './report';
import { renderSummary } from './summary';
import { startTraffic, type TrafficStats } from './traffic';

export interface GateDeps {
  fetch?: Fetch;
  /** CloudWatch (DescribeAlarms, GetMetricData); by default the SDK client, loaded only when a CloudWatch input is used. */
  cloudWatch?: CloudWatchApi;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Where the report goes when report-file is not set. */
  tempDir: string;
}

/** Everything one evaluation of the gate found, before anything is written. */
export interface GateEvaluation {
  decision: Decision;
  /** Share of successful measurements, 0-100. */
  score: number;
  report: GateReport;
  analysis?: AnalysisResult;
}

/** JSON without losing Infinity/NaN (JSON.stringify would write null). */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), indent);
}

/**
 * Runs the HTTP checks and the analysis the inputs describe and returns the decision and the
 * report; writes nothing (no output, file or summary) and never throws for a verdict, only for
 * an unexpected failure. Logs progress through the reporter.
 */
export async function evaluateGate(inputs: GateInputs, deps: Omit<GateDeps, 'tempDir'>, reporter: Reporter): Promise<GateEvaluation> {
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
    if (a.metrics.length === 0 && a.alarms.length === 0) {
      decision = noMetricJudged(plan.notJudged);
      analysis = { decision, states: [], rounds: 0, elapsedMs: 0 };
    }
  }
  if (!decision && a) {
    const client = a.prometheusUrl
      ? new PrometheusClient({
          url: a.prometheusUrl,
          auth: a.auth,
          timeoutMs: a.queryTimeoutMs,
          staleAfterMs: 2 * a.intervalMs,
          fetch: deps.fetch,
          clock: deps.clock,
          reporter,
        })
      : undefined;
    const where = [a.prometheusUrl, a.awsRegion && `CloudWatch in ${a.awsRegion}`].filter(Boolean).join(' and ');
    reporter.info(
      `Analysing ${a.metrics.length} metric(s)${a.alarms.length > 0 ? ` and ${a.alarms.length} alarm selector(s)` : ''} every ${a.intervalMs} ms, ${a.count} measurement(s) at most, against ${where}`,
    );
    for (const note of analysisNotes(a)) reporter[note.level](note.text);
    const cw = a.awsRegion ? await cloudWatchSources(a, { api: deps.cloudWatch, clock: deps.clock, sleep: deps.sleep }) : undefined;
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
        cloudwatch: cw?.metrics,
        alarms: cw?.alarms,
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
  return { decision, score, report, analysis };
}

/**
 * What the decision means for the step: pass, pass with a warning (inconclusive-is: pass for a
 * genuine lack of data; fail-on: none), or fail with one error. Only the `inconclusive` verdict
 * (no data: no traffic, empty results, INSUFFICIENT_DATA) can be excused by inconclusive-is;
 * a measured failure or an error never is.
 */
export function stepOutcome(
  inputs: Pick<GateInputs, 'inconclusiveIs' | 'failOn'>,
  decision: Decision,
): { passes: boolean; warning?: string; error?: ServiceError } {
  if (decision.verdict === 'pass') return { passes: true };
  if (decision.rule === 'configuration-error') return { passes: false, error: new ServiceError('health-gate', `configuration error: ${decision.reason}`) };
  // inconclusive-is: pass excuses missing data, not a gate that had nothing to judge.
  if (decision.verdict === 'inconclusive' && inputs.inconclusiveIs === 'pass' && decision.rule !== 'no-metric-judged')
    return { passes: true, warning: `health-gate is inconclusive but inconclusive-is: pass lets the step succeed: ${decision.reason}` };
  if (inputs.failOn === 'none')
    return { passes: true, warning: `health-gate verdict ${decision.verdict} (fail-on: none, so the step succeeds): ${decision.reason}` };
  return { passes: false, error: new ServiceError('health-gate', `verdict ${decision.verdict} (rule ${decision.rule}): ${decision.reason}`) };
}

export async function run(inputs: GateInputs, deps: GateDeps, reporter: Reporter): Promise<void> {
  const { decision, score, report } = await evaluateGate(inputs, deps, reporter);
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
  const outcome = stepOutcome(inputs, decision);
  if (outcome.warning) reporter.warning(outcome.warning);
  if (outcome.error) throw outcome.error;
}
