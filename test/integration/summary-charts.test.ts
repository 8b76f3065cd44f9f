/**
 * Every Mermaid chart our job summaries draw, rendered by the `mermaid` package in headless
 * Chromium (Debian's, driven by playwright-core; no browser download), as GitHub renders
 * them: a block that does not parse, or parses and draws no line, fails the test (GitHub would
 * show an error box or an empty frame). Each chart must also say which colour is which line
 * (title), draw each line in that colour, and label its y axis with a unit.
 * The summaries come from the real renderers: health-gate's (through its library, with a fake
 * Prometheus) and rollout's (the step machine with a fake deployer and health-gate's analysis).
 */
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseHealthGateInputs, runHealthGateAnalysis } from '../../src/health-gate/library';
import { gateAnalysis } from '../../src/rollout/gate-analysis';
import { runRollout, type Deployer } from '../../src/rollout/machine';
import { parseSteps } from '../../src/rollout/steps';
import { renderSummary as rolloutSummary } from '../../src/rollout/summary';
import { LINE_COLOURS } from '../../src/toolkit/summary';
import { MemoryReporter } from '../../src/toolkit/reporter';
import type { Fetch } from '../../src/toolkit/fetch';

const ROOT = path.resolve(__dirname, '..', '..');
let browser: Browser;
let page: Page;

/** A fake Prometheus: each query's value from a function of the query and its call number (undefined: no data). */
function prometheus(answer: (query: string, n: number) => number | undefined): Fetch {
  const seen: Record<string, number> = {};
  return async (url: string) => {
    const u = new URL(url);
    const q = u.searchParams.get('query') ?? '';
    const n = (seen[q] = (seen[q] ?? 0) + 1);
    const v = answer(q, n);
    const result = v === undefined ? [] : [{ metric: {}, value: [Number(u.searchParams.get('time')), String(v)] }];
    return new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  };
}
function fakeTime() {
  let now = 1_700_000_000_000;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms) };
}
const METRICS = [
  '- name: error-rate',
  '  query: sum(rate(http_requests_total{track="canary",code=~"5.."}[1m])) / sum(rate(http_requests_total{track="canary"}[1m]))',
  '  baseline: sum(rate(http_requests_total{track="stable",code=~"5.."}[1m])) / sum(rate(http_requests_total{track="stable"}[1m]))',
  '  max: 0.05',
  '- name: p99-latency',
  '  query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{track="canary"}[1m])))',
  '  baseline: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{track="stable"}[1m])))',
  '  max: 0.5',
].join('\n');
const gateRaw = { 'prometheus-url': 'http://prom:9090', metrics: METRICS, interval: '10s', count: '6' };
const canaryValue = (q: string, n: number) => (q.includes('latency') ? 0.2 + (n % 3) / 50 : 0.01 + (n % 4) / 1000);
const answer = (q: string, n: number) => (q.includes('track="stable"') ? canaryValue(q, n + 1) : canaryValue(q, n));

async function healthGateSummaries(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const gate = parseHealthGateInputs(gateRaw);
  const run = (fetch: Fetch, o = {}) => runHealthGateAnalysis(gate, o, { ...fakeTime(), fetch, reporter: new MemoryReporter() });
  out['health-gate pass'] = (await run(prometheus(answer))).summaryMarkdown;
  // the threshold near the data is drawn as a third line
  out['health-gate fail, threshold drawn'] = (
    await run(prometheus((q, n) => (q.includes('track="canary"') && q.includes('5..') ? 0.02 * n : answer(q, n))))
  ).summaryMarkdown;
  // samples without data are left out of the chart
  out['health-gate with gaps'] = (await run(prometheus((q, n) => (n === 2 && q.includes('track="canary"') ? undefined : answer(q, n))))).summaryMarkdown;
  out['health-gate compare-baseline false'] = (await run(prometheus(answer), { compareBaseline: false })).summaryMarkdown;
  return out;
}

async function rolloutSummaries(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const deployer: Deployer = {
    kind: 'canary',
    setWeight: async (w) => ({ weight: w }),
    preview: async () => undefined,
    switchTraffic: async () => undefined,
    finish: async () => ({ revision: '4' }),
    abort: async () => undefined,
  };
  const steps = parseSteps('- setWeight: 10\n- analysis: {}\n- setWeight: 50\n- analysis: {}\n- setWeight: 100\n- analysis: {compareBaseline: false}');
  for (const [name, fetch] of [
    ['rollout promoted', prometheus(answer)],
    ['rollout aborted at 50 %', prometheus((q, n) => (q.includes('track="canary"') && q.includes('5..') && n > 7 ? 0.3 : answer(q, n)))],
  ] as const) {
    const time = fakeTime();
    const reporter = new MemoryReporter();
    const outcome = await runRollout(steps, {
      deployer,
      analysis: gateAnalysis(parseHealthGateInputs(gateRaw), { ...time, fetch }, reporter),
      state: { save: () => undefined },
      policy: { inconclusiveIs: 'fail', failOn: 'any' },
      ...time,
      log: () => undefined,
    });
    out[name] = rolloutSummary(outcome, 'helm canary of shop');
  }
  return out;
}

interface Rendered {
  error?: string;
  title: string;
  yAxis: string;
  lines: { stroke: string; points: number }[];
}

/** Renders one block in the page; what it drew, or the parse error. */
function render(code: string, id: string): Promise<Rendered> {
  return page.evaluate(
    async ({ code, id }) => {
      // runs in the page: the DOM types are declared here, the test's tsconfig has no DOM lib
      interface El {
        textContent: string | null;
        getAttribute(name: string): string | null;
      }
      interface Doc {
        querySelector(sel: string): El | null;
        querySelectorAll(sel: string): Iterable<El>;
      }
      const page = globalThis as unknown as {
        mermaid: { initialize(c: object): void; render(id: string, code: string): Promise<{ svg: string }> };
        DOMParser: new () => { parseFromString(text: string, type: string): Doc };
      };
      const m = page.mermaid;
      m.initialize({ startOnLoad: false });
      try {
        const { svg } = await m.render(id, code);
        const doc = new page.DOMParser().parseFromString(svg, 'image/svg+xml');
        const text = (sel: string) => doc.querySelector(sel)?.textContent ?? '';
        const lines = [...doc.querySelectorAll('g[class^="line-plot-"] path')].map((p) => ({
          stroke: p.getAttribute('stroke') ?? '',
          points: ((p.getAttribute('d') ?? '').match(/[ML]/g) ?? []).length,
        }));
        return { title: text('g.chart-title text'), yAxis: text('g.left-axis g.title text'), lines };
      } catch (e) {
        return { error: (e as Error).message, title: '', yAxis: '', lines: [] };
      }
    },
    { code, id },
  );
}

const blocks = (md: string) => [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
let summaries: Record<string, string>;

beforeAll(async () => {
  summaries = { ...(await healthGateSummaries()), ...(await rolloutSummaries()) };
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

it('every summary has charts to check', () => {
  for (const [name, md] of Object.entries(summaries)) expect({ name, charts: blocks(md).length > 0 }).toEqual({ name, charts: true });
  expect(blocks(summaries['rollout promoted'])).toHaveLength(2); // one per metric, over all steps
});

it('the checker fails a block that does not parse and one that draws nothing', async () => {
  expect((await render('xychart-beta\n  line [1, oops]', 'bad1')).error).toMatch(/Parse error/);
  expect((await render('xychart-beta\n  x-axis ["1"]\n  y-axis "v"', 'bad2')).lines).toEqual([]);
});

describe.each([
  'health-gate pass',
  'health-gate fail, threshold drawn',
  'health-gate with gaps',
  'health-gate compare-baseline false',
  'rollout promoted',
  'rollout aborted at 50 %',
])('%s', (name) => {
  it('renders every Mermaid block: parsed, lines drawn in the colours the title names, y axis with a unit', async () => {
    const list = blocks(summaries[name]);
    for (const [i, code] of list.entries()) {
      const r = await render(code, `c${i}${name.replace(/\W/g, '')}`);
      const where = `${name}, chart ${i + 1}:\n${code}`;
      expect({ where, error: r.error }).toEqual({ where, error: undefined });
      expect({ where, lines: r.lines.length }).toEqual({ where, lines: (code.match(/^\s*line \[/gm) ?? []).length });
      expect(r.lines.length).toBeGreaterThan(0);
      r.lines.forEach((l, n) => {
        expect({ where, n, points: l.points >= 2 }).toEqual({ where, n, points: true });
        expect({ where, n, stroke: l.stroke }).toEqual({ where, n, stroke: LINE_COLOURS[n].hex });
        expect(r.title).toContain(LINE_COLOURS[n].name);
      });
      expect(r.title).toMatch(/canary orange/);
      expect(r.yAxis).toMatch(/\((share of requests, 0-1|seconds|per second|count|bytes|ratio, 0-1|value of the query)\)$/);
    }
  });
});
