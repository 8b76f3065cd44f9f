/**
 * health-gate's library surface (src/health-gate/library.ts), as actions/rollout uses it: parse
 * with health-gate's parser, judge a step with overrides, read the structured result.
 */
import { parseHealthGateInputs, runHealthGateAnalysis, withStepOverrides } from '../../src/health-gate/library';
import type { Fetch } from '../../src/toolkit/fetch';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { CloudWatchApiDouble } from '../doubles/cloudwatch-api';
import { inputError } from '../helpers/input-error';

const METRICS = [
  '- name: errors',
  '  query: canary_errors',
  '  max: 0.05',
  '- name: latency',
  '  query: canary_latency',
  '  baseline: stable_latency',
  '  max: 10',
  '- name: cpu',
  '  query: canary_cpu',
  '  max: 0.9',
].join('\n');
const RAW = { 'prometheus-url': 'http://prom:9090', metrics: METRICS, count: '10', interval: '10s' };

/** A Prometheus answering every query with the value of `values[query]`, and counting queries. */
function prometheus(values: Record<string, number>): Fetch & { queries: string[] } {
  const queries: string[] = [];
  return Object.assign(
    async (url: string) => {
      const u = new URL(url);
      const q = u.searchParams.get('query') as string;
      queries.push(q);
      return new Response(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [Number(u.searchParams.get('time')), String(values[q])] }] },
        }),
      );
    },
    { queries },
  );
}

function deps(fetch: Fetch) {
  let now = 1_700_000_000_000;
  return { fetch, clock: () => now, sleep: async (ms: number) => void (now += ms), reporter: new MemoryReporter() };
}

it('judges one step with a count, a subset of metrics and no baseline, and returns series for charts', async () => {
  const fetch = prometheus({ canary_errors: 0.01, canary_latency: 0.2, stable_latency: 0.2, canary_cpu: 0.5 });
  const gate = parseHealthGateInputs(RAW);
  const d = deps(fetch);
  const r = await runHealthGateAnalysis(gate, { count: 3, metrics: ['errors', 'latency'], compareBaseline: false }, d);
  expect(r).toMatchObject({ verdict: 'pass', rule: 'count-complete', passes: true, score: 100 });
  // cpu is not in the subset; latency is judged by max alone, without its baseline query.
  expect(r.metrics.map((m) => [m.name, m.source, m.samples.length])).toEqual([
    ['errors', 'prometheus', 3],
    ['latency', 'prometheus', 3],
  ]);
  expect(r.metrics[0].samples.map((s) => s.value)).toEqual([0.01, 0.01, 0.01]);
  expect(r.metrics[0].max).toBe(0.05);
  expect(new Set(fetch.queries)).toEqual(new Set(['canary_errors', 'canary_latency']));
  expect(JSON.parse(r.reportJson)).toMatchObject({ verdict: 'pass', analysis: { settings: { count: 3, minSamples: 3, compareBaseline: false } } });
  expect(r.summaryMarkdown).toContain('Health gate: pass');
  expect(d.reporter.outputs).toEqual({}); // the library sets no output
});

it('returns a failing verdict (never throws for one) with the message health-gate would end with', async () => {
  const r = await runHealthGateAnalysis(
    parseHealthGateInputs({ ...RAW, 'inconclusive-is': 'pass' }),
    { count: 3, metrics: ['errors'] },
    deps(prometheus({ canary_errors: 0.3 })),
  );
  expect(r).toMatchObject({ verdict: 'fail', rule: 'failure-limit', passes: false, metric: 'errors' });
  expect(r.failure).toContain('verdict fail (rule failure-limit)');
});

it('validates overrides like inputs: unknown metric, count below 1, explicit min-samples above the step count', () => {
  const gate = parseHealthGateInputs(RAW);
  expect(inputError(() => withStepOverrides(gate, { metrics: ['erors'] })).message).toContain("names no metric called 'erors'");
  expect(inputError(() => withStepOverrides(gate, { count: 0 })).input).toBe('count');
  expect(withStepOverrides(gate, { count: 2 }).analysis).toMatchObject({ count: 2, minSamples: 2 });
  const explicit = parseHealthGateInputs({ ...RAW, 'min-samples': '4' });
  expect(withStepOverrides(explicit, { count: 6 }).analysis?.minSamples).toBe(4);
  expect(inputError(() => withStepOverrides(explicit, { count: 3 })).message).toContain(
    "'min-samples': 4 is more than the 3 measurements the analysis takes (the step count)",
  );
  expect(withStepOverrides(parseHealthGateInputs({ urls: 'http://svc/healthz' }), { httpChecks: false }).http).toBeUndefined();
});

it('takes an injected CloudWatch API and judges alarms beside the metrics', async () => {
  const api = new CloudWatchApiDouble({
    describeAlarms: () => ({
      MetricAlarms: [{ AlarmName: 'shop-5xx', StateValue: 'OK', StateReason: 'fine', StateTransitionedTimestamp: new Date('2026-01-01T00:00:00Z') }],
    }),
  });
  const gate = parseHealthGateInputs({ ...RAW, 'cloudwatch-alarms': 'shop-5xx', 'aws-region': 'eu-west-1' });
  const r = await runHealthGateAnalysis(gate, { count: 2, metrics: ['errors'] }, { ...deps(prometheus({ canary_errors: 0.01 })), cloudWatch: api });
  expect(r.verdict).toBe('pass');
  expect(r.metrics.map((m) => [m.name, m.source, m.critical])).toEqual([
    ['errors', 'prometheus', false],
    ['shop-5xx', 'alarm', true],
  ]);
});
