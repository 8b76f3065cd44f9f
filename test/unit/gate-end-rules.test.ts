/**
 * The verdict rules table of docs/health-gate.md, one test per row, driven through the analysis
 * engine with scripted query outcomes and a fake clock; then the issue's two examples end to end
 * through run() (verdict output, the step's failure), and min-samples' default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAnalysis, type AnalysisSettingsForEngine, type QueryClient } from '../../src/health-gate/analysis/engine';
import { parseInputs } from '../../src/health-gate/inputs';
import { parseMetrics } from '../../src/health-gate/metrics-spec';
import type { QueryOutcome } from '../../src/health-gate/prometheus';
import { run, stepOutcome } from '../../src/health-gate/run';
import { ServiceError } from '../../src/toolkit/errors';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { inputError } from '../helpers/input-error';

const value = (v: number): QueryOutcome => ({ kind: 'value', value: v, timestampMs: 0 });
const EMPTY: QueryOutcome = { kind: 'no-data', reason: 'empty-vector', detail: 'the query returned an empty vector' };
const HTTP_503: QueryOutcome = { kind: 'error', reason: 'http-error', detail: 'HTTP 503: service unavailable' };

/** Answers each query from a list indexed by round (the last entry repeats). */
function scripted(script: Record<string, QueryOutcome[]>): QueryClient {
  const rounds: Record<string, number> = {};
  return {
    async query(promql) {
      const n = (rounds[promql] = (rounds[promql] ?? 0) + 1);
      const list = script[promql];
      return list[Math.min(n, list.length) - 1];
    },
  };
}

function time() {
  let now = 0;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms) };
}

const ERR = '- name: err\n  query: canary\n  max: 0.05\n';
const CRITICAL = '- name: err\n  query: canary\n  max: 0.05\n  critical: true\n';

function settings(yaml: string, over: Partial<AnalysisSettingsForEngine> = {}): AnalysisSettingsForEngine {
  return {
    metrics: parseMetrics(yaml),
    intervalMs: 10_000,
    count: 3,
    failureLimit: 5,
    inconclusiveLimit: 5,
    consecutiveErrorLimit: 5,
    consecutiveSuccessLimit: 0,
    minSamples: 2,
    effectSize: 1.5,
    confidence: 0.99,
    ...over,
  };
}

async function decide(yaml: string, answers: QueryOutcome[], over: Partial<AnalysisSettingsForEngine> = {}) {
  const r = await runAnalysis(settings(yaml, over), { client: scripted({ canary: answers }), ...time() });
  return { ...r.decision, rounds: r.rounds, outcome: stepOutcome({ inconclusiveIs: 'pass', failOn: 'any' }, r.decision) };
}

describe('end-of-analysis rules, one test per row of the table', () => {
  it('1 critical-breach: a critical metric failing stops at once, even with failure-limit 5', async () => {
    const d = await decide(CRITICAL, [value(0.01), value(0.3)]);
    expect(d).toMatchObject({ verdict: 'fail', rule: 'critical-breach', rounds: 2, outcome: { passes: false } });
  });
  it('2 failure-limit: more failed measurements than the limit fail', async () => {
    const d = await decide(ERR, [value(0.3)], { failureLimit: 1, count: 5 });
    expect(d).toMatchObject({ verdict: 'fail', rule: 'failure-limit', rounds: 2 });
  });
  it('3 consecutive-error-limit: more errors in a row than the limit end in error', async () => {
    const d = await decide(ERR, [HTTP_503], { consecutiveErrorLimit: 1, count: 5 });
    expect(d).toMatchObject({ verdict: 'error', rule: 'consecutive-error-limit', rounds: 2, outcome: { passes: false } });
  });
  it('4 inconclusive-limit: more measurements without data than the limit are inconclusive (inconclusive-is: pass may excuse it)', async () => {
    const d = await decide(ERR, [EMPTY], { inconclusiveLimit: 1, count: 5 });
    expect(d).toMatchObject({ verdict: 'inconclusive', rule: 'inconclusive-limit', rounds: 2, outcome: { passes: true } });
  });
  it('4 inconclusive-limit never excuses a measured failure or an outage of a metric short of min-samples', async () => {
    const failing = await decide(ERR, [value(0.3), EMPTY], { inconclusiveLimit: 1, count: 5 });
    expect(failing).toMatchObject({ verdict: 'fail', rule: 'failed-measurements', rounds: 3, outcome: { passes: false } });
    const erroring = await decide(ERR, [HTTP_503, EMPTY], { inconclusiveLimit: 1, count: 5 });
    expect(erroring).toMatchObject({ verdict: 'error', rule: 'measurement-errors', rounds: 3, outcome: { passes: false } });
  });
  it('5 consecutive-success-limit: passes early', async () => {
    const d = await decide(ERR, [value(0.01)], { consecutiveSuccessLimit: 2, count: 10 });
    expect(d).toMatchObject({ verdict: 'pass', rule: 'consecutive-success-limit', rounds: 2 });
  });
  it('6 count-complete: min-samples successes pass, failures within failure-limit tolerated', async () => {
    const d = await decide(ERR, [value(0.3), value(0.01)]);
    expect(d).toMatchObject({ verdict: 'pass', rule: 'count-complete', rounds: 3 });
  });
  it('7 failed-measurements: short of min-samples because measured failing -> fail, whatever inconclusive-is says', async () => {
    const d = await decide(ERR, [value(0.3)]);
    expect(d).toMatchObject({ verdict: 'fail', rule: 'failed-measurements', rounds: 3, outcome: { passes: false } });
    expect(d.reason).toContain('0 successful, 3 failed, 0 error, 0 without data');
  });
  it('7 before 8 before 9: failures outrank errors, errors outrank missing data', async () => {
    expect(await decide(ERR, [value(0.3), HTTP_503, EMPTY])).toMatchObject({ verdict: 'fail', rule: 'failed-measurements' });
    expect(await decide(ERR, [EMPTY, HTTP_503, EMPTY])).toMatchObject({ verdict: 'error', rule: 'measurement-errors' });
  });
  it('8 measurement-errors: every query erroring within the limits -> error, not inconclusive', async () => {
    const d = await decide(ERR, [HTTP_503]);
    expect(d).toMatchObject({ verdict: 'error', rule: 'measurement-errors', rounds: 3, outcome: { passes: false } });
    expect(d.reason).toContain('HTTP 503');
  });
  it('9 not-enough-samples: only a genuine lack of data is inconclusive, which inconclusive-is: pass excuses', async () => {
    const d = await decide(ERR, [EMPTY, value(0.01), EMPTY]);
    expect(d).toMatchObject({ verdict: 'inconclusive', rule: 'not-enough-samples', rounds: 3, outcome: { passes: true } });
    expect(stepOutcome({ inconclusiveIs: 'fail', failOn: 'any' }, d).passes).toBe(false);
  });
});

describe("the issue's examples through run(): outputs and the step's failure", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A fake Prometheus: every query answers `body` with `status`. */
  async function gate(status: number, canaryValue: string) {
    let now = 1_700_000_000_000;
    const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-end-'));
    dirs.push(tempDir);
    const fetch = async (url: string) => {
      const t = Number(new URL(url).searchParams.get('time'));
      if (status !== 200) return new Response('upstream unavailable', { status });
      return new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [t, canaryValue] }] } }));
    };
    const reporter = new MemoryReporter();
    const inputs = parseInputs({
      'prometheus-url': 'http://prom:9090',
      metrics: '- name: errors\n  query: canary_error_ratio\n  max: 0.05\n',
      count: '3',
      'min-samples': '2',
      'failure-limit': '5',
      'consecutive-error-limit': '10',
      'inconclusive-is': 'pass',
      interval: '10s',
    });
    const err = await run(inputs, { fetch, clock: () => now, sleep: async (ms) => void (now += ms), tempDir }, reporter).catch((e: unknown) => e);
    return { reporter, err, report: JSON.parse(reporter.outputs.report) };
  }

  it('3/3 above max (30 % errors, max 0.05), count 3, min-samples 2, failure-limit 5, inconclusive-is pass -> fail, exit 1', async () => {
    const { reporter, err, report } = await gate(200, '0.3');
    expect(reporter.outputs.verdict).toBe('fail');
    expect(reporter.outputs.score).toBe('0');
    expect(report).toMatchObject({ verdict: 'fail', rule: 'failed-measurements' });
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toContain('verdict fail (rule failed-measurements)');
    expect(reporter.summaryMarkdown).toContain('Health gate: fail');
  });

  it('Prometheus answering 5xx throughout, inconclusive-is pass -> error, exit 1', async () => {
    const { reporter, err, report } = await gate(503, '0');
    expect(reporter.outputs.verdict).toBe('error');
    expect(report).toMatchObject({ verdict: 'error', rule: 'measurement-errors' });
    expect(report.analysis.metrics[0].counts).toEqual({ successful: 0, failed: 0, inconclusive: 0, error: 3 });
    expect((err as Error).message).toContain('verdict error (rule measurement-errors)');
  });
});

describe('min-samples default never conflicts with a valid count', () => {
  const base = { 'prometheus-url': 'http://prom:9090', metrics: '- name: e\n  query: up\n  max: 1\n' };
  it('count 3 without min-samples uses 3', () => {
    expect(parseInputs({ ...base, count: '3' }).analysis).toMatchObject({ count: 3, minSamples: 3 });
  });
  it('a duration of 2 intervals uses 2; the default count 10 uses 5', () => {
    expect(parseInputs({ ...base, duration: '1m', interval: '30s' }).analysis).toMatchObject({ count: 2, minSamples: 2 });
    expect(parseInputs(base).analysis).toMatchObject({ count: 10, minSamples: 5 });
  });
  it('only an explicit min-samples above count is an input error', () => {
    expect(parseInputs({ ...base, count: '3', 'min-samples': '3' }).analysis?.minSamples).toBe(3);
    const e = inputError(() => parseInputs({ ...base, count: '3', 'min-samples': '4' }));
    expect(e.message).toContain("'min-samples': 4 is more than the 3 measurements");
  });
});

describe('other health-gate defaults never conflict with a valid explicit input', () => {
  const base = { 'prometheus-url': 'http://prom:9090', metrics: '- name: e\n  query: up\n  max: 1\n' };
  it('duration shorter than the default 30 s interval takes one measurement of that length', () => {
    expect(parseInputs({ ...base, duration: '20s' }).analysis).toMatchObject({ intervalMs: 20_000, count: 1, minSamples: 1 });
    expect(inputError(() => parseInputs({ ...base, duration: '20s', interval: '30s' })).message).toContain("'duration': '20s' is shorter than one interval");
  });
  it('deadline defaults to room for the healthy rounds a long check-interval needs; an explicit one too short is an input error', () => {
    const http = { urls: 'http://svc/healthz', 'check-interval': '2m', 'consecutive-successes': '3' };
    expect(parseInputs(http).http?.deadlineMs).toBe(12 * 60_000);
    expect(parseInputs({ urls: 'http://svc/healthz' }).http?.deadlineMs).toBe(5 * 60_000);
    const e = inputError(() => parseInputs({ ...http, deadline: '4m' }));
    expect(e.message).toContain("'deadline': '4m' is too short for 3 healthy rounds 2m apart");
  });
});
