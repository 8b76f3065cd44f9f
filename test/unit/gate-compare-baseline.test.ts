/**
 * compare-baseline: false, for a canary at 100 % (stable gets no traffic, every baseline query is
 * empty): baseline queries are not run, metrics are judged by max/min alone, a metric with
 * nothing else to judge it by is reported as not judged, and a gate that judged nothing never passes.
 */
import { readFileSync } from 'node:fs';
import { InputError, ServiceError } from '../../src/toolkit/errors';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { noMetricJudged, planMetrics } from '../../src/health-gate/analysis/baseline-mode';
import { parseInputs, type GateInputs } from '../../src/health-gate/inputs';
import { parseMetrics, type MetricSpec } from '../../src/health-gate/metrics-spec';
import type { Fetch } from '../../src/health-gate/prometheus';
import { run } from '../../src/health-gate/run';
import { testTempDir } from '../helpers/temp';

const ERRORS = [
  '- name: error-rate',
  '  query: sum(http_requests_total{track="canary",code="500"})',
  '  total: sum(http_requests_total{track="canary"})',
  '  baseline: sum(http_requests_total{track="stable",code="500"})',
  '  baseline-total: sum(http_requests_total{track="stable"})',
  '  max: 0.05',
  '  critical: true',
].join('\n');
const LATENCY = '- name: latency\n  query: canary_latency\n  baseline: stable_latency\n  max: 2\n';
const UP = '- name: up\n  query: canary_up\n  min: 1\n';

describe('planMetrics', () => {
  const metrics = parseMetrics(`${ERRORS}\n${LATENCY}${UP}`);

  it('keeps every metric and every query when comparing with the baseline', () => {
    expect(planMetrics(metrics, true)).toEqual({ judged: metrics, notJudged: [] });
  });

  it('drops the baseline queries and keeps max/min, totals and the rest when not comparing', () => {
    const { judged, notJudged } = planMetrics(metrics, false);
    expect(notJudged).toEqual([]);
    expect(judged.map((m) => [m.name, m.baseline, m.baselineTotal, m.max, m.min])).toEqual([
      ['error-rate', undefined, undefined, 0.05, undefined],
      ['latency', undefined, undefined, 2, undefined],
      ['up', undefined, undefined, undefined, 1],
    ]);
    expect(judged[0]).toMatchObject({ total: 'sum(http_requests_total{track="canary"})', critical: true, cumulative: false });
    expect(metrics[0].baseline).toBeDefined(); // the parsed metrics are left as they were
  });

  it('reports a metric judged only against the baseline as not judged, with the reason', () => {
    const compareOnly: MetricSpec = { ...metrics[1], name: 'latency-vs-stable', max: undefined, min: undefined };
    const { judged, notJudged } = planMetrics([compareOnly, metrics[2]], false);
    expect(judged.map((m) => m.name)).toEqual(['up']);
    expect(notJudged).toEqual([
      { name: 'latency-vs-stable', query: 'canary_latency', baseline: 'stable_latency', reason: expect.stringContaining('no max or min') },
    ]);
    expect(planMetrics([compareOnly], true).judged).toEqual([compareOnly]); // comparing, it is judged as before
  });

  it('makes a gate with nothing to judge inconclusive, naming the metrics', () => {
    expect(noMetricJudged([{ name: 'a', query: 'q', reason: 'r' }])).toEqual({
      verdict: 'inconclusive',
      rule: 'no-metric-judged',
      reason: expect.stringContaining("not judged: 'a'"),
    });
  });
});

describe('the compare-baseline input', () => {
  const base = { 'prometheus-url': 'http://prom:9090', metrics: LATENCY };

  it('defaults to comparing and reads true/false', () => {
    expect(parseInputs(base).analysis?.compareBaseline).toBe(true);
    expect(parseInputs({ ...base, 'compare-baseline': 'false' }).analysis?.compareBaseline).toBe(false);
    expect(parseInputs({ ...base, 'compare-baseline': 'true' }).analysis?.compareBaseline).toBe(true);
  });

  it('refuses anything else, naming the input', () => {
    const e = (() => {
      try {
        parseInputs({ ...base, 'compare-baseline': 'sometimes' });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).input).toBe('compare-baseline');
  });
});

/** A Prometheus where the canary takes all traffic: stable queries answer an empty vector. */
function canaryAtFullWeight(canary: (query: string, n: number) => number): Fetch & { asked: string[] } {
  const seen: Record<string, number> = {};
  const asked: string[] = [];
  const f = async (url: string): Promise<Response> => {
    const u = new URL(url);
    const q = u.searchParams.get('query') as string;
    asked.push(q);
    const n = (seen[q] = (seen[q] ?? 0) + 1);
    const result = q.includes('stable') ? [] : [{ metric: {}, value: [Number(u.searchParams.get('time')), String(canary(q, n))] }];
    return new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  };
  return Object.assign(f, { asked });
}

function deps(fetch: Fetch) {
  let now = 1_700_000_000_000;
  return { fetch, clock: () => now, sleep: async (ms: number) => void (now += ms), tempDir: testTempDir('gate-compare-') };
}

/** Raw counters growing by 100 requests and `errors` errors per measurement. */
const counters = (errors: number) => (q: string, n: number) => (q.includes('code="500"') ? n * errors : n * 100);
const latency = (q: string, n: number) => (q.includes('latency') ? 1 + (n % 3) / 10 : counters(1)(q, n));
const inputs = (over: Record<string, string> = {}) =>
  parseInputs({
    'prometheus-url': 'http://prom:9090',
    metrics: `${ERRORS}\n  counters: true\n${LATENCY}`,
    interval: '10s',
    count: '6',
    'min-samples': '5',
    ...over,
  });

it('ends inconclusive when stable gets no traffic and the gate compares with it (the default)', async () => {
  const err = await run(inputs(), deps(canaryAtFullWeight(latency)), new MemoryReporter()).catch((e: unknown) => e);
  expect((err as Error).message).toContain('verdict inconclusive');
  expect((err as Error).message).toContain('no data (baseline: empty-vector)');
});

it('passes the same healthy canary on max/min alone with compare-baseline: false, never asking for stable', async () => {
  const reporter = new MemoryReporter();
  const prom = canaryAtFullWeight(latency);
  await run(inputs({ 'compare-baseline': 'false' }), deps(prom), reporter);
  expect(reporter.outputs.verdict).toBe('pass');
  expect(prom.asked.length).toBeGreaterThan(0);
  expect(prom.asked.filter((q) => q.includes('stable'))).toEqual([]);
  const report = JSON.parse(readFileSync(reporter.outputs['report-file'], 'utf8'));
  expect(report.analysis.settings.compareBaseline).toBe(false);
  expect(report.analysis.notJudged).toEqual([]);
  expect(
    report.analysis.metrics.map((m: { name: string; baselineNotRun?: string; queries: { baseline?: string } }) => [
      m.name,
      m.baselineNotRun,
      m.queries.baseline,
    ]),
  ).toEqual([
    ['error-rate', 'sum(http_requests_total{track="stable",code="500"})', undefined],
    ['latency', 'stable_latency', undefined],
  ]);
  expect(report.analysis.metrics.every((m: { statistics?: unknown }) => m.statistics === undefined)).toBe(true);
  expect(reporter.summaryMarkdown).toContain('| not compared (compare-baseline: false) |');
  expect(reporter.summaryMarkdown).toContain('compare-baseline: false: baseline queries were not run');
  expect(reporter.summaryMarkdown).not.toContain('canary vs baseline'); // charts show the canary only
  expect(reporter.log).toContain('compare-baseline is false: baseline queries are not run; 2 metric(s) judged by max/min only');
});

it('still fails a canary that breaks its max with compare-baseline: false', async () => {
  const reporter = new MemoryReporter();
  const err = await run(inputs({ 'compare-baseline': 'false' }), deps(canaryAtFullWeight(counters(20))), reporter).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ServiceError);
  expect((err as Error).message).toContain('verdict fail (rule critical-breach)');
  expect((err as Error).message).toContain('above max 0.05');
  expect(reporter.outputs.verdict).toBe('fail');
});

describe('a gate where compare-baseline: false leaves nothing to judge', () => {
  /** parseMetrics insists on max or min; a metric with neither can only come from elsewhere. */
  const compareOnly = (over: Record<string, string> = {}): GateInputs => {
    const i = inputs({ 'compare-baseline': 'false', ...over });
    return { ...i, analysis: { ...i.analysis!, metrics: [{ ...i.analysis!.metrics[1], max: undefined, min: undefined }] } };
  };

  it('is inconclusive without querying, reports the metric as not judged with the reason, and fails the step', async () => {
    const reporter = new MemoryReporter();
    const prom = canaryAtFullWeight(latency);
    const err = await run(compareOnly(), deps(prom), reporter).catch((e: unknown) => e);
    expect((err as Error).message).toContain('verdict inconclusive (rule no-metric-judged)');
    expect(prom.asked).toEqual([]);
    expect(reporter.outputs.verdict).toBe('inconclusive');
    expect(reporter.outputs.score).toBe('0');
    const report = JSON.parse(reporter.outputs.report);
    expect(report.analysis.metrics).toEqual([]);
    expect(report.analysis.notJudged).toEqual([
      { name: 'latency', query: 'canary_latency', baseline: 'stable_latency', reason: expect.stringContaining('no max or min') },
    ]);
    expect(reporter.summaryMarkdown).toMatch(
      /\| latency \| canary_latency \| 0 \| {2}\| {2}\| not compared \(compare-baseline: false\) \| not judged: it has no max or min/,
    );
    expect(reporter.log).toContain("::warning::'latency' is not judged: it has no max or min");
  });

  it('fails the step even with inconclusive-is: pass (that excuses missing data, not a gate that checked nothing)', async () => {
    const err = await run(compareOnly({ 'inconclusive-is': 'pass' }), deps(canaryAtFullWeight(latency)), new MemoryReporter()).catch((e: unknown) => e);
    expect((err as Error).message).toContain('rule no-metric-judged');
  });

  it('judges the metrics that have a max or min and lists the others as not judged', async () => {
    const i = inputs({ 'compare-baseline': 'false' });
    const mixed: GateInputs = { ...i, analysis: { ...i.analysis!, metrics: [i.analysis!.metrics[0], { ...i.analysis!.metrics[1], max: undefined }] } };
    const reporter = new MemoryReporter();
    await run(mixed, deps(canaryAtFullWeight(latency)), reporter);
    expect(reporter.outputs.verdict).toBe('pass');
    const report = JSON.parse(reporter.outputs.report);
    expect(report.analysis.metrics.map((m: { name: string }) => m.name)).toEqual(['error-rate']);
    expect(report.analysis.notJudged.map((m: { name: string }) => m.name)).toEqual(['latency']);
    expect(reporter.summaryMarkdown).toContain('not judged: it has no max or min');
  });
});
