/**
 * `npm run bench:gate`: how often the gate is wrong, and how fast it is right.
 * Part 1 replays many seeded synthetic series through the real analysis engine with a fake
 * clock (no waiting): A/A (canary identical to baseline, noisy) for the false-fail rate, and
 * 2x / 5x regressions for the detection rate and intervals to detection, at the action's
 * defaults (interval 30s, count 10, min-samples 5, effect-size 1.5, confidence 0.99). The
 * peer is the rule people write in Argo/Flagger templates: fail a sample when the canary's
 * error ratio (or p90) is above 1.5x the baseline's. Extra cases: sparse traffic over a longer
 * analysis (count 30), counts from increase() windows of two scrapes (extrapolated 2x), and the
 * same counts read from raw counters (counters: true).
 * Part 2 runs the gate against a real Prometheus (1 s scrapes) and measures the time from an
 * injected failure (canary error rate raised to 25%) to the `fail` verdict.
 * Part 3 (bench/gate-cloudwatch.ts) runs the gate on CloudWatch metrics and alarms against moto:
 * intervals to detect a 5x error regression, A/A false fails, API calls per measurement.
 */
import { cloudWatchPart } from './gate-cloudwatch';
import { runAnalysis, type AnalysisSettingsForEngine, type QueryClient } from '../src/health-gate/analysis/engine';
import { parseInputs } from '../src/health-gate/inputs';
import { parseMetrics } from '../src/health-gate/metrics-spec';
import type { QueryOutcome } from '../src/health-gate/prometheus';
import { run } from '../src/health-gate/run';
import { MemoryReporter } from '../src/toolkit/reporter';
import { startPrometheus } from '../test/helpers/prometheus';
import { startSampleService } from '../test/helpers/sample-service';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

// 10,000 per case: the A/A rates sit near 1%, where 2,000 trials leave a standard error of 0.2 points.
const TRIALS = Number(process.env.GATE_BENCH_TRIALS ?? 10_000);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(lambda: number, rnd: () => number): number {
  if (lambda > 40) {
    const z = Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }
  const limit = Math.exp(-lambda);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
}

function lognormal(median: number, sigma: number, rnd: () => number): number {
  const z = Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
  return median * Math.exp(sigma * z);
}

const value = (v: number): QueryOutcome => ({ kind: 'value', value: v, timestampMs: 0 });

const DEFAULTS = parseInputs({ 'prometheus-url': 'http://bench', metrics: '- name: x\n  query: x\n  max: 1\n' }).analysis!;
const settingsFor = (yaml: string): AnalysisSettingsForEngine => ({ ...DEFAULTS, metrics: parseMetrics(yaml) });

const ERRORS = settingsFor('- name: errors\n  query: ce\n  total: cr\n  baseline: be\n  baseline-total: br\n  max: 1\n');
const COUNTERS = settingsFor('- name: errors\n  query: ce\n  total: cr\n  baseline: be\n  baseline-total: br\n  counters: true\n  max: 1\n');
const LATENCY = settingsFor('- name: p90\n  query: cl\n  baseline: bl\n  max: 100\n');

interface Scenario {
  name: string;
  settings: AnalysisSettingsForEngine;
  /** One interval's values per query, from a seeded random source. */
  draw: (rnd: () => number) => Record<string, number>;
  /** The peer rule on one interval's values: true = this sample fails. */
  peerFails: (v: Record<string, number>) => boolean;
  regression: boolean;
  /** The queries read raw counters: the fake Prometheus answers the running totals. */
  counters?: boolean;
}

/**
 * `extrapolated` > 1 models increase() over a window of a few scrapes: Prometheus sees only the
 * requests between the window's first and last scrape and scales them up to the window, so a
 * window of 2 scrape intervals reports twice the requests of one interval (2 x Poisson(n/2)).
 */
function errorScenario(label: string, requestsPerInterval: number, baseRate: number, factor: number, count = ERRORS.count, extrapolated = 1): Scenario {
  const observe = (lambda: number, rnd: () => number) => extrapolated * poisson(lambda / extrapolated, rnd);
  const extra = [count === ERRORS.count ? '' : `count ${count}`, extrapolated === 1 ? '' : `increase() extrapolated ${extrapolated}x`]
    .filter(Boolean)
    .join(', ');
  return {
    name: `error rate ${label}${extra ? `, ${extra}` : ''}, ${factor === 1 ? 'A/A' : `${factor}x`}`,
    settings: { ...ERRORS, count },
    regression: factor > 1,
    draw: (rnd) => {
      const cr = poisson(requestsPerInterval, rnd);
      const br = poisson(requestsPerInterval, rnd);
      return { cr, br, ce: observe(cr * baseRate * factor, rnd), be: observe(br * baseRate, rnd) };
    },
    peerFails: (v) => v.cr > 0 && v.br > 0 && v.ce / v.cr > 1.5 * (v.be / v.br) && v.ce > 0,
  };
}

/** The same traffic read from raw counters (counters: true): exact counts, whatever the scrape interval. */
function counterScenario(requestsPerInterval: number, factor: number): Scenario {
  const exact = errorScenario(`1% at ${requestsPerInterval} req/interval`, requestsPerInterval, 0.01, factor);
  return { ...exact, name: exact.name.replace(/, (A\/A|\d+x)$/, ', raw counters, $1'), settings: COUNTERS, counters: true };
}

function latencyScenario(factor: number): Scenario {
  return {
    name: `p90 latency (lognormal, sigma 0.25), ${factor === 1 ? 'A/A' : `${factor}x`}`,
    settings: LATENCY,
    regression: factor > 1,
    draw: (rnd) => ({ cl: lognormal(0.1 * factor, 0.25, rnd), bl: lognormal(0.1, 0.25, rnd) }),
    peerFails: (v) => v.cl > 1.5 * v.bl,
  };
}

interface Outcome {
  failed: number;
  intervals: number[];
  peerFailed: number;
  peerIntervals: number[];
}

async function replay(s: Scenario, trials: number, seed: number): Promise<Outcome> {
  const out: Outcome = { failed: 0, intervals: [], peerFailed: 0, peerIntervals: [] };
  for (let t = 0; t < trials; t++) {
    const rnd = mulberry32(seed * 100_003 + t);
    const rounds: Record<string, number>[] = [];
    const client: QueryClient = {
      async query(q) {
        return value(s.counters ? rounds.reduce((sum, r) => sum + r[q], 1000) : rounds[rounds.length - 1][q]);
      },
    };
    let now = 0;
    const draw = () => rounds.push(s.draw(rnd));
    draw();
    const r = await runAnalysis(s.settings, {
      client,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
        draw();
      },
    });
    if (r.decision.verdict === 'fail') {
      out.failed++;
      out.intervals.push(r.rounds);
    }
    const peerAt = rounds.slice(0, s.settings.count).findIndex((v) => s.peerFails(v));
    if (peerAt >= 0) {
      out.peerFailed++;
      out.peerIntervals.push(peerAt + 1);
    }
  }
  return out;
}

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;
const median = (xs: number[]) => (xs.length === 0 ? '-' : String([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]));
const meanOf = (xs: number[]) => (xs.length === 0 ? '-' : (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2));

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

async function syntheticPart(): Promise<void> {
  const scenarios: Scenario[] = [
    errorScenario('1% at 300 req/interval', 300, 0.01, 1),
    errorScenario('1% at 300 req/interval', 300, 0.01, 2),
    errorScenario('1% at 300 req/interval', 300, 0.01, 5),
    errorScenario('1% at 30 req/interval (sparse)', 30, 0.01, 1),
    errorScenario('1% at 30 req/interval (sparse)', 30, 0.01, 2),
    errorScenario('1% at 30 req/interval (sparse)', 30, 0.01, 5),
    // Sparse traffic needs more intervals: 10 x 30 requests hold about 3 baseline errors.
    errorScenario('1% at 30 req/interval (sparse)', 30, 0.01, 1, 30),
    errorScenario('1% at 30 req/interval (sparse)', 30, 0.01, 5, 30),
    // What increase()[window of 2 scrapes] does to the counts (see the README: prefer longer windows).
    errorScenario('1% at 300 req/interval', 300, 0.01, 1, ERRORS.count, 2),
    counterScenario(300, 1),
    counterScenario(300, 5),
    latencyScenario(1),
    latencyScenario(1.5),
    latencyScenario(2),
  ];
  console.log(
    `\nPart 1: ${TRIALS} replayed analyses per scenario at the defaults (count ${DEFAULTS.count}, min-samples ${DEFAULTS.minSamples}, effect-size ${DEFAULTS.effectSize}, confidence ${DEFAULTS.confidence})`,
  );
  console.log('peer = per-sample rule "canary > 1.5x baseline" with failure-limit 0 (a common Argo/Flagger template)\n');
  const rows: string[][] = [];
  for (const [i, s] of scenarios.entries()) {
    const o = await replay(s, TRIALS, i + 1);
    const gateRate = o.failed / TRIALS;
    const peerRate = o.peerFailed / TRIALS;
    rows.push([
      s.name,
      s.regression ? 'detection' : 'false fail',
      pct(o.failed, TRIALS),
      pct(o.peerFailed, TRIALS),
      peerRate === 0 ? '-' : (gateRate / peerRate).toFixed(3),
      `${median(o.intervals)} / ${meanOf(o.intervals)}`,
      `${median(o.peerIntervals)} / ${meanOf(o.peerIntervals)}`,
    ]);
  }
  printTable(['scenario', 'measures', 'gate', 'peer', 'gate/peer', 'gate intervals to fail (median / mean)', 'peer intervals (median / mean)'], rows);
}

async function prometheusPart(): Promise<void> {
  const stable = await startSampleService({ errorRate: 0.01, latencyMs: 2 });
  const canary = await startSampleService({ errorRate: 0.01, latencyMs: 2 });
  const prom = await startPrometheus({ stable: stable.host, canary: canary.host });
  const load = [stable.drive(50), canary.drive(50)];
  await new Promise((r) => setTimeout(r, 3000));
  const metricsWith = (count: (job: string, code: string) => string, extra = '') =>
    [
      '- name: error-rate',
      `  query: ${count('canary', ',code="500"')}`,
      `  total: ${count('canary', '')}`,
      `  baseline: ${count('stable', ',code="500"')}`,
      `  baseline-total: ${count('stable', '')}`,
      '  max: 0.5',
      extra,
    ].join('\n');
  const windowed = metricsWith((job, code) => `sum(increase(http_requests_total{job="${job}"${code}}[2s]))`);
  const counters = metricsWith((job, code) => `sum(http_requests_total{job="${job}"${code}})`, '  counters: true');
  const rows: string[][] = [];
  for (const [label, metrics, over] of [
    ['increase()[2s], interval 1s, min-samples 3', windowed, { interval: '1s', 'min-samples': '3' }],
    ['increase()[2s], interval 2s, min-samples 3', windowed, { interval: '2s', 'min-samples': '3' }],
    ['raw counters, interval 1s, min-samples 3', counters, { interval: '1s', 'min-samples': '3' }],
  ] as const) {
    canary.set({ errorRate: 0.01 });
    await new Promise((r) => setTimeout(r, 2500));
    const inputs = parseInputs({ 'prometheus-url': prom.url, metrics, count: '60', 'inconclusive-limit': '5', ...over });
    const reporter = new MemoryReporter();
    const injectAfterMs = 6000;
    let injectedAt = 0;
    const timer = setTimeout(() => {
      injectedAt = Date.now();
      canary.set({ errorRate: 0.25 });
    }, injectAfterMs);
    const tempDir = mkdtempSync(path.join(tmpdir(), 'bench-gate-'));
    await run(inputs, { clock: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), tempDir }, reporter).catch(() => undefined);
    clearTimeout(timer);
    const doneAt = Date.now();
    const report = JSON.parse(reporter.outputs.report) as { verdict: string; rule: string; analysis: { rounds: number } };
    const seconds = injectedAt ? ((doneAt - injectedAt) / 1000).toFixed(2) : 'verdict before injection';
    const intervals = injectedAt ? ((doneAt - injectedAt) / inputs.analysis!.intervalMs).toFixed(1) : '-';
    rows.push([label, `${report.verdict} (${report.rule})`, String(report.analysis.rounds), seconds, intervals]);
  }
  await Promise.all(load.map((l) => l.stop()));
  await prom.stop();
  await Promise.all([stable.close(), canary.close()]);
  console.log(
    '\nPart 2: real Prometheus (1 s scrapes), 50 req/s per side, canary error rate 1% -> 25% after 6 s (at 1 s intervals the [2s] windows overlap: every other one is pooled)\n',
  );
  printTable(['settings', 'verdict', 'rounds', 'injection -> verdict (s)', 'in intervals'], rows);
}

await syntheticPart();
if (process.env.GATE_BENCH_SKIP_PROMETHEUS !== '1') await prometheusPart();
if (process.env.GATE_BENCH_SKIP_CLOUDWATCH !== '1') await cloudWatchPart(printTable, mulberry32);
