/** run(): outputs, report file, summary and the step's failure, with a fake Prometheus and fake time. */
import { readFileSync } from 'node:fs';
import { ServiceError } from '../../src/toolkit/errors';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { parseInputs } from '../../src/health-gate/inputs';
import type { Fetch } from '../../src/health-gate/prometheus';
import { run } from '../../src/health-gate/run';
import { testTempDir } from '../helpers/temp';

/** A fake Prometheus answering each query from a function of the query and the call number. */
function prometheus(answer: (query: string, n: number) => string | number | 'bad'): Fetch & { calls: number } {
  const seen: Record<string, number> = {};
  const f = Object.assign(
    async (url: string): Promise<Response> => {
      f.calls++;
      if (url.includes('/healthz')) return new Response('{"status":"ok"}', { status: 200 });
      const u = new URL(url);
      const q = u.searchParams.get('query') as string;
      const n = (seen[q] = (seen[q] ?? 0) + 1);
      const v = answer(q, n);
      if (v === 'bad')
        return new Response(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input' }), { status: 400 });
      return new Response(
        JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Number(u.searchParams.get('time')), String(v)] }] } }),
      );
    },
    { calls: 0 },
  );
  return f;
}

function deps(fetch: Fetch) {
  let now = 1_700_000_000_000;
  return { fetch, clock: () => now, sleep: async (ms: number) => void (now += ms), tempDir: testTempDir('gate-run-') };
}

const METRICS = '- name: latency\n  query: canary_latency\n  baseline: stable_latency\n  max: 2\n';
const base = { 'prometheus-url': 'http://prom:9090', 'prometheus-token': 'sekret-token', metrics: METRICS, interval: '10s', count: '8', 'min-samples': '6' };

it('passes a healthy canary: outputs, report file, summary with a chart, token masked', async () => {
  const reporter = new MemoryReporter();
  const d = deps(prometheus((q, n) => (q.startsWith('canary') ? 1 + (n % 3) / 10 : 1 + ((n + 1) % 3) / 10)));
  await run(parseInputs({ ...base, urls: 'http://svc/healthz', 'check-interval': '1s', 'consecutive-successes': '2' }), d, reporter);
  expect(reporter.outputs.verdict).toBe('pass');
  expect(reporter.outputs.score).toBe('100');
  const report = JSON.parse(readFileSync(reporter.outputs['report-file'], 'utf8'));
  expect(report).toEqual(JSON.parse(reporter.outputs.report));
  expect(report).toMatchObject({ verdict: 'pass', rule: 'count-complete', http: { passed: true } });
  expect(report.analysis.metrics[0]).toMatchObject({
    name: 'latency',
    queries: { query: 'canary_latency', baseline: 'stable_latency' },
    thresholds: { max: 2 },
  });
  expect(report.analysis.metrics[0].samples).toHaveLength(8);
  expect(report.analysis.metrics[0].statistics).toMatchObject({ test: 'mann-whitney', worse: false });
  expect(reporter.summaryMarkdown).toContain('✅ Health gate: pass');
  expect(reporter.summaryMarkdown).toContain('xychart-beta');
  expect(reporter.summaryMarkdown).toMatch(/\| latency \| canary_latency \| 8 \|/);
  expect(reporter.secrets).toContain('sekret-token');
  expect(reporter.log).not.toContain('sekret-token');
});

it('leaves samples without data out of the chart instead of drawing them as 0', async () => {
  const reporter = new MemoryReporter();
  const d = deps(prometheus((q, n) => (q.startsWith('canary') && n === 2 ? 'NaN' : 1 + (n % 3) / 10)));
  await run(parseInputs(base), d, reporter);
  expect(reporter.outputs.verdict).toBe('pass');
  const md = reporter.summaryMarkdown;
  expect(md).toContain('x-axis ["1", "3", "4", "5", "6", "7", "8"]');
  expect(md).toContain('line [1.1, 1, 1.1, 1.2, 1, 1.1, 1.2]');
  expect(md).toContain('_Not drawn, no data: sample 2 (see the table)._');
  expect(md).toContain('| 2 |  |  | inconclusive | no data (canary: nan)');
});

it('fails the step with one message naming the rule when the canary is worse', async () => {
  const reporter = new MemoryReporter();
  const d = deps(prometheus((q, n) => (q.startsWith('canary') ? 1.5 + n / 100 : 0.5 + n / 100)));
  const err = await run(parseInputs(base), d, reporter).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ServiceError);
  expect((err as Error).message).toContain('verdict fail (rule failure-limit)');
  expect((err as Error).message).toContain('significantly worse than baseline');
  expect(reporter.outputs.verdict).toBe('fail');
  expect(reporter.summaryMarkdown).toContain('❌ Health gate: fail');
});

it('reports an invalid query as a configuration error, even with fail-on: none', async () => {
  const reporter = new MemoryReporter();
  const d = deps(prometheus((q) => (q.startsWith('canary') ? 'bad' : 1)));
  const err = await run(parseInputs({ ...base, 'fail-on': 'none' }), d, reporter).catch((e: unknown) => e);
  expect((err as Error).message).toContain("configuration error: Prometheus: the query of metric 'latency' is invalid");
  expect(reporter.outputs.verdict).toBe('error');
});

it('lets an inconclusive verdict pass the step only when inconclusive-is: pass', async () => {
  const nan = () => prometheus(() => 'NaN');
  const strict = await run(parseInputs(base), deps(nan()), new MemoryReporter()).catch((e: unknown) => e);
  expect((strict as Error).message).toContain('verdict inconclusive (rule inconclusive-limit)');
  const lenient = new MemoryReporter();
  await run(parseInputs({ ...base, 'inconclusive-is': 'pass' }), deps(nan()), lenient);
  expect(lenient.outputs.verdict).toBe('inconclusive');
  expect(lenient.log).toContain('::warning::health-gate is inconclusive');
});

it('skips the analysis when the health checks fail', async () => {
  const reporter = new MemoryReporter();
  const fetch = prometheus(() => 1);
  const down: Fetch = async (url, init) => (url.includes('/healthz') ? new Response('', { status: 503 }) : fetch(url, init));
  const err = await run(parseInputs({ ...base, urls: 'http://svc/healthz', deadline: '15s' }), deps(down), reporter).catch((e: unknown) => e);
  expect((err as Error).message).toContain('rule http-checks-failed');
  expect(fetch.calls).toBe(0);
  expect(reporter.outputs.score).toBe('0');
});

it('ends in error within 30 s of fake time with the defaults when Prometheus never answers', async () => {
  const d = deps(prometheus(() => 1));
  const timingOut: Fetch = async () => {
    await d.sleep(5000); // each query hangs for the whole request-timeout (5 s by default)
    throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
  };
  const reporter = new MemoryReporter();
  const started = d.clock();
  const err = await run(
    parseInputs({ 'prometheus-url': 'http://prom:9090', metrics: '- name: m\n  query: up\n  max: 1\n' }),
    { ...d, fetch: timingOut },
    reporter,
  ).catch((e: unknown) => e);
  expect((err as Error).message).toContain('verdict error (rule consecutive-error-limit)');
  expect((err as Error).message).toContain('timeout');
  // 3 rounds, each starting 5 s after the last (the retry pace) and taking its 5 s timeout:
  // 15 s, not 3 intervals of 30 s
  expect(d.clock() - started).toBe(15_000);
});
