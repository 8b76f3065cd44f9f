/** Decision rules of the analysis, driven by scripted query outcomes with a fake clock (no waiting). */
import { ERROR_RETRY_MS, runAnalysis, type AnalysisSettingsForEngine, type QueryClient } from '../../src/health-gate/analysis/engine';
import { measure } from '../../src/health-gate/analysis/measurement';
import { decide, score } from '../../src/health-gate/analysis/rules';
import { minSamplesToReject } from '../../src/health-gate/analysis/statistics';
import { parseMetrics } from '../../src/health-gate/metrics-spec';
import { perLookAlpha } from '../../src/health-gate/analysis/sequential';
import { PrometheusConfigError, type QueryOutcome } from '../../src/health-gate/prometheus';

const value = (v: number): QueryOutcome => ({ kind: 'value', value: v, timestampMs: 0 });
const NAN: QueryOutcome = { kind: 'no-data', reason: 'nan', detail: 'the query returned NaN' };
const DOWN: QueryOutcome = { kind: 'error', reason: 'unreachable', detail: 'cannot reach prom (ECONNREFUSED)' };

/** Answers each query from a per-query script indexed by round (the last entry repeats). */
function scripted(script: Record<string, (QueryOutcome | 'invalid')[]>): QueryClient & { rounds: Record<string, number> } {
  const rounds: Record<string, number> = {};
  return {
    rounds,
    async query(promql, metric) {
      const n = (rounds[promql] = (rounds[promql] ?? 0) + 1);
      const list = script[promql];
      const o = list[Math.min(n, list.length) - 1];
      if (o === 'invalid') throw new PrometheusConfigError(`the query of metric '${metric}' is invalid: parse error`, 'fix it');
      return o;
    },
  };
}

function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return { clock: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)), sleeps };
}

function settings(metricsYaml: string, over: Partial<AnalysisSettingsForEngine> = {}): AnalysisSettingsForEngine {
  return {
    metrics: parseMetrics(metricsYaml),
    intervalMs: 10_000,
    count: 6,
    failureLimit: 0,
    inconclusiveLimit: 2,
    consecutiveErrorLimit: 2,
    consecutiveSuccessLimit: 0,
    minSamples: 3,
    effectSize: 1.5,
    confidence: 0.99,
    ...over,
  };
}

const SIMPLE = '- name: err\n  query: canary\n  max: 0.05\n';
const COMPARED = '- name: latency\n  query: canary\n  baseline: stable\n  max: 10\n';
const COUNTS = '- name: errors\n  query: canary_errors\n  total: canary_requests\n  baseline: stable_errors\n  baseline-total: stable_requests\n  max: 0.5\n';

it('passes only after all count measurements (slow to pass) and scores 100', async () => {
  const t = fakeTime();
  const r = await runAnalysis(settings(SIMPLE), { client: scripted({ canary: [value(0.01)] }), ...t });
  expect(r.decision).toMatchObject({ verdict: 'pass', rule: 'count-complete' });
  expect(r.rounds).toBe(6);
  expect(t.sleeps).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
});

it('passes early with consecutive-success-limit, never before min-samples', async () => {
  const r = await runAnalysis(settings(SIMPLE, { consecutiveSuccessLimit: 2 }), { client: scripted({ canary: [value(0.01)] }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'pass', rule: 'consecutive-success-limit' });
  expect(r.rounds).toBe(3);
});

it('fails a critical metric at the first breach, regardless of failure-limit', async () => {
  const yaml = '- name: err\n  query: canary\n  max: 0.05\n  critical: true\n';
  const r = await runAnalysis(settings(yaml, { failureLimit: 3 }), { client: scripted({ canary: [value(0.01), value(0.2)] }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'fail', rule: 'critical-breach', metric: 'err' });
  expect(r.decision.reason).toContain('0.2 is above max 0.05');
  expect(r.rounds).toBe(2);
});

it('fails once failures exceed failure-limit', async () => {
  const r = await runAnalysis(settings(SIMPLE, { failureLimit: 1 }), {
    client: scripted({ canary: [value(0.01), value(0.2), value(0.01), value(0.3)] }),
    ...fakeTime(),
  });
  expect(r.decision).toMatchObject({ verdict: 'fail', rule: 'failure-limit' });
  expect(r.rounds).toBe(4);
});

it('treats NaN as no data: inconclusive past the limit, never a pass', async () => {
  const r = await runAnalysis(settings(SIMPLE), { client: scripted({ canary: [NAN] }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'inconclusive', rule: 'inconclusive-limit' });
  expect(r.decision.reason).toContain('no data (canary: nan)');
  expect(r.rounds).toBe(3);
});

it('fails on no data when the metric says no-data: fail', async () => {
  const yaml = '- name: err\n  query: canary\n  max: 0.05\n  no-data: fail\n';
  const r = await runAnalysis(settings(yaml), { client: scripted({ canary: [NAN] }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'fail', rule: 'failure-limit' });
});

it('ends inconclusive when too few measurements had data', async () => {
  const r = await runAnalysis(settings(SIMPLE, { count: 4, inconclusiveLimit: 5 }), { client: scripted({ canary: [NAN, NAN, value(0.01)] }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'inconclusive', rule: 'not-enough-samples' });
  expect(r.decision.reason).toContain('only 2 successful');
});

it('ends in error after consecutive errors, retrying sooner than the interval', async () => {
  const t = fakeTime();
  const r = await runAnalysis(settings(SIMPLE, { intervalMs: 30_000 }), { client: scripted({ canary: [value(0.01), DOWN] }), ...t });
  expect(r.decision).toMatchObject({ verdict: 'error', rule: 'consecutive-error-limit' });
  expect(r.decision.reason).toContain('ECONNREFUSED');
  expect(r.rounds).toBe(4);
  expect(t.sleeps).toEqual([30_000, ERROR_RETRY_MS, ERROR_RETRY_MS]);
});

it('ends in error at once on an invalid query (configuration error)', async () => {
  const r = await runAnalysis(settings(SIMPLE), { client: scripted({ canary: ['invalid'] }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'error', rule: 'configuration-error' });
  expect(r.decision.reason).toContain("metric 'err' is invalid");
  expect(r.rounds).toBe(1);
});

it('fails a canary much slower than the baseline once Mann-Whitney can reach alpha', async () => {
  const canary = [5.1, 5.3, 4.9, 5.2, 5.0, 5.4].map(value);
  const stable = [1.0, 1.1, 0.9, 1.2, 1.05, 0.95].map(value);
  const r = await runAnalysis(settings(COMPARED, { minSamples: 4 }), { client: scripted({ canary, stable }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'fail', rule: 'failure-limit', metric: 'latency' });
  // Looks at 4, 5 and 6 samples on cumulative data share alpha 0.01 through a group-sequential
  // boundary: about 0.005 per look (Bonferroni would give 0.0033). The smallest exact p of n vs n
  // values is 1 / C(2n, n): 1/70 at n = 4, 1/252 at 5, so the first possible failure is round 5
  // (round 6 under Bonferroni, where 1/252 > 0.01 / 3).
  const alpha = perLookAlpha(0.01, 4, 6);
  expect(alpha).toBeGreaterThan(1 / 252);
  expect(alpha).toBeLessThan(1 / 70);
  expect(minSamplesToReject(alpha)).toBe(5);
  expect(minSamplesToReject(0.01 / 3)).toBe(6);
  expect(r.rounds).toBe(5);
  expect(r.states[0].samples[3].comparison).toMatchObject({ pValue: 1 / 70, worse: false });
  const last = r.states[0].samples[4];
  expect(last.comparison).toMatchObject({ test: 'mann-whitney', worse: true, exact: true, pValue: 1 / 252 });
  expect(last.comparison?.alpha).toBeCloseTo(alpha, 12);
});

it('passes a canary equal to its baseline in distribution', async () => {
  const canary = [1.0, 1.2, 0.9, 1.1, 1.05, 0.95].map(value);
  const stable = [1.1, 0.9, 1.0, 1.2, 0.95, 1.05].map(value);
  const r = await runAnalysis(settings(COMPARED), { client: scripted({ canary, stable }), ...fakeTime() });
  expect(r.decision).toMatchObject({ verdict: 'pass' });
});

it('does not fail a significant but small difference (below effect-size)', async () => {
  const canary = [1.1, 1.11, 1.12, 1.13, 1.14, 1.15].map(value);
  const stable = [1.0, 1.01, 1.02, 1.03, 1.04, 1.05].map(value);
  const r = await runAnalysis(settings(COMPARED), { client: scripted({ canary, stable }), ...fakeTime() });
  expect(r.decision.verdict).toBe('pass');
  expect(r.states[0].samples[5].comparison?.pValue).toBeLessThan(0.01);
});

describe('count metrics (Poisson rate test)', () => {
  const run = (canaryErrors: number, stableErrors: number, canaryRequests = 50, stableRequests = 50) =>
    runAnalysis(settings(COUNTS), {
      client: scripted({
        canary_errors: [value(canaryErrors)],
        canary_requests: [value(canaryRequests)],
        stable_errors: [value(stableErrors)],
        stable_requests: [value(stableRequests)],
      }),
      ...fakeTime(),
    });

  it('fails 5x the baseline error rate at the first look after min-samples', async () => {
    const r = await run(10, 2);
    expect(r.decision).toMatchObject({ verdict: 'fail', metric: 'errors' });
    expect(r.rounds).toBe(3);
    expect(r.states[0].samples[2].comparison).toMatchObject({ test: 'poisson-rate', canaryEvents: 30, baselineEvents: 6, effectSize: 5, worse: true });
  });

  it('counts each request once when increase() windows span several intervals', async () => {
    // [30s] windows measured every 10 s: each request shows up in three samples, so only every
    // third sample is pooled. 10 vs 2 errors (one window) is not yet significant; 20 vs 4 is.
    const overlapping = COUNTS.replace(/query: (\w+)|total: (\w+)|baseline: (\w+)|baseline-total: (\w+)/g, (m) => m.replace(/: (\w+)/, ': increase($1[30s])'));
    const q = (name: string) => `increase(${name}[30s])`;
    const r = await runAnalysis(settings(overlapping), {
      client: scripted({
        [q('canary_errors')]: [value(10)],
        [q('canary_requests')]: [value(50)],
        [q('stable_errors')]: [value(2)],
        [q('stable_requests')]: [value(50)],
      }),
      ...fakeTime(),
    });
    expect(r.states[0].spec.countWindowMs).toBe(30_000);
    expect(r.states[0].samples[2].comparison).toMatchObject({ canaryEvents: 10, baselineEvents: 2, pooledSamples: 1, worse: false });
    expect(r.decision).toMatchObject({ verdict: 'fail', metric: 'errors' });
    expect(r.rounds).toBe(4);
    expect(r.states[0].samples[3].comparison).toMatchObject({ canaryEvents: 20, baselineEvents: 4, pooledSamples: 2, worse: true });
    expect(r.states[0].samples[3].reason).toContain('counts of the 2 non-overlapping window(s)');
  });

  describe('on raw counters (counters: true: the gate takes the differences itself)', () => {
    const COUNTERS =
      '- name: errors\n  query: sum(canary_errors_total)\n  total: sum(canary_requests_total)\n  baseline: sum(stable_errors_total)\n  baseline-total: sum(stable_requests_total)\n  counters: true\n  max: 0.5\n';
    const counter = (start: number, step: number, n = 8) => Array.from({ length: n }, (_, i) => value(start + i * step));
    const q = (name: string) => `sum(${name}_total)`;

    it('reads the counters an interval before the first measurement and compares the increases: each request counts once', async () => {
      const t = fakeTime();
      const r = await runAnalysis(settings(COUNTERS), {
        client: scripted({
          [q('canary_errors')]: counter(100, 10),
          [q('canary_requests')]: counter(1000, 50),
          [q('stable_errors')]: counter(40, 2),
          [q('stable_requests')]: counter(5000, 50),
        }),
        ...t,
      });
      const [state] = r.states;
      expect(state.spec).toMatchObject({ cumulative: true });
      expect(state.startReadings).toEqual({ canary: { events: 100, total: 1000 }, baseline: { events: 40, total: 5000 } });
      expect(state.samples[0]).toMatchObject({
        status: 'successful',
        value: 0.2,
        baselineValue: 0.04,
        counts: { canaryEvents: 10, canaryTotal: 50, baselineEvents: 2, baselineTotal: 50 },
      });
      // the same 5x as above, at the first look: three differences of 10 vs 2 errors
      expect(r.decision).toMatchObject({ verdict: 'fail', rule: 'failure-limit' });
      expect(r.rounds).toBe(3);
      expect(t.sleeps).toEqual([10_000, 10_000, 10_000]); // the start reading, then two rounds
      expect(state.samples[2].comparison).toMatchObject({ test: 'poisson-rate', canaryEvents: 30, baselineEvents: 6, worse: true });
      expect(state.samples[2].comparison?.pooledSamples).toBeUndefined(); // no windows, nothing left out
    });

    it('ends in a configuration error at the start reading when a counter query is invalid', async () => {
      const r = await runAnalysis(settings(COUNTERS), {
        client: scripted({
          [q('canary_errors')]: ['invalid'],
          [q('canary_requests')]: counter(1000, 50),
          [q('stable_errors')]: counter(40, 2),
          [q('stable_requests')]: counter(5000, 50),
        }),
        ...fakeTime(),
      });
      expect(r.decision).toMatchObject({ verdict: 'error', rule: 'configuration-error' });
      expect(r.rounds).toBe(0);
    });

    it('counts from 0 again after a counter reset (a restarted pod)', async () => {
      const r = await runAnalysis(settings(COUNTERS, { count: 3, minSamples: 2 }), {
        client: scripted({
          [q('canary_errors')]: [value(5), value(6), value(1), value(2)],
          [q('canary_requests')]: [value(1000), value(1050), value(40), value(90)],
          [q('stable_errors')]: counter(40, 1),
          [q('stable_requests')]: counter(5000, 50),
        }),
        ...fakeTime(),
      });
      expect(r.states[0].samples.map((x) => x.counts)).toMatchObject([
        { canaryEvents: 1, canaryTotal: 50 },
        { canaryEvents: 1, canaryTotal: 40 },
        { canaryEvents: 1, canaryTotal: 50 },
      ]);
      expect(r.decision).toMatchObject({ verdict: 'pass', rule: 'count-complete' });
    });

    it('makes the first measurement a warm-up when the start reading failed: never a failure, not against inconclusive-limit, not in the score', async () => {
      const yaml = COUNTERS.replace('max: 0.5\n', 'max: 0.5\n  no-data: fail\n');
      const r = await runAnalysis(settings(yaml, { count: 4, minSamples: 2, inconclusiveLimit: 0 }), {
        client: scripted({
          [q('canary_errors')]: [DOWN, ...counter(5, 1)],
          [q('canary_requests')]: counter(1000, 50),
          [q('stable_errors')]: counter(40, 1),
          [q('stable_requests')]: counter(5000, 50),
        }),
        ...fakeTime(),
      });
      const samples = r.states[0].samples;
      expect(r.states[0].startReadings?.canary).toBeUndefined();
      expect(samples[0]).toMatchObject({ status: 'inconclusive', warmUp: true });
      expect(samples[0].reason).toContain('no data (canary: first-reading)');
      expect(samples[1].counts).toMatchObject({ canaryEvents: 1, canaryTotal: 50 });
      expect(r.decision).toMatchObject({ verdict: 'pass', rule: 'count-complete' });
      expect(score(r.states)).toBe(100);
    });
  });

  it('passes 0 canary errors against a few baseline errors', async () => {
    expect((await run(0, 2)).decision.verdict).toBe('pass');
  });

  it('passes a few canary errors against 0 baseline errors at low traffic (not significant)', async () => {
    const r = await runAnalysis(settings(COUNTS), {
      client: scripted({
        canary_errors: [value(1), value(0), value(0), value(1), value(0), value(0)],
        canary_requests: [value(5)],
        stable_errors: [value(0)],
        stable_requests: [value(5)],
      }),
      ...fakeTime(),
    });
    expect(r.decision.verdict).toBe('pass');
  });

  it('treats a canary without requests as no traffic (no data), not as 0% errors', async () => {
    const r = await run(0, 1, 0);
    expect(r.decision).toMatchObject({ verdict: 'inconclusive', rule: 'inconclusive-limit' });
    expect(r.decision.reason).toContain('no-traffic');
  });
});

it('measure reports a baseline without data under the no-data policy', () => {
  const [spec] = parseMetrics(COMPARED);
  const s = measure(
    spec,
    { query: value(1), baseline: { kind: 'no-data', reason: 'empty-vector', detail: 'empty' } },
    [],
    { minSamples: 3, effectSize: 1.5, confidence: 0.99, looks: 1 },
    0,
  );
  expect(s).toMatchObject({ status: 'inconclusive', value: 1 });
  expect(s.reason).toContain('baseline: empty-vector');
});

it('decide checks fail before error before inconclusive', () => {
  const specs = parseMetrics('- name: a\n  query: a\n  max: 1\n- name: b\n  query: b\n  max: 1\n');
  const sample = (status: 'failed' | 'error', index: number) => ({ index, atMs: 0, status, reason: status });
  const limits = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 0, consecutiveSuccessLimit: 0, minSamples: 1 };
  const d = decide(
    [
      { spec: specs[0], samples: [sample('error', 0)] },
      { spec: specs[1], samples: [sample('failed', 0)] },
    ],
    limits,
    false,
  );
  expect(d).toMatchObject({ verdict: 'fail', metric: 'b' });
});

it('a passing verdict counts what it judged by kind: metrics and CloudWatch alarms', () => {
  const specs = parseMetrics('- name: a\n  query: a\n  max: 1\n- name: b\n  query: b\n  max: 1\n');
  const ok = [0, 1].map((index) => ({ index, atMs: 0, status: 'successful' as const, reason: 'ok' }));
  const limits = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 0, consecutiveSuccessLimit: 0, minSamples: 2 };
  const reason = (states: Parameters<typeof decide>[0]) => decide(states, limits, true)?.reason;
  expect(reason([{ spec: specs[0], samples: ok, alarm: true }])).toBe('all 1 alarm(s) met their conditions over 2 measurements (at least 2 successful each)');
  expect(
    reason([
      { spec: specs[0], samples: ok },
      { spec: specs[1], samples: ok, alarm: true },
    ]),
  ).toContain('all 1 metric(s) and 1 alarm(s) met');
  expect(
    reason([
      { spec: specs[0], samples: ok },
      { spec: specs[1], samples: ok },
    ]),
  ).toContain('all 2 metric(s) met');
});
