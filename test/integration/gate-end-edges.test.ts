/**
 * health-gate's committed bundle against a real Prometheus (no scrape targets: PromQL literals
 * give the values), trying to make a measured failure or an outage end green through the
 * inconclusive-limit rule: a metric measured failing (within failure-limit) or erroring (fewer in
 * a row than consecutive-error-limit) while another metric has no data.
 */
import { rmSync } from 'node:fs';
import { runAction, type StepResult } from '../harness/run-action';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';

let prometheus: TestPrometheus;
const results: StepResult[] = [];
beforeAll(async () => {
  prometheus = await startPrometheus({});
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
  for (const r of results) rmSync(r.tempDir, { recursive: true, force: true });
});

const gate = async (metrics: string, over: Record<string, string> = {}) => {
  const r = await runAction('health-gate', {
    'prometheus-url': prometheus.url,
    interval: '200ms',
    count: '6',
    'min-samples': '2',
    'failure-limit': '5',
    'consecutive-error-limit': '5',
    'inconclusive-limit': '2',
    'inconclusive-is': 'pass',
    metrics,
    ...over,
  });
  results.push(r);
  return r;
};
const NO_TRAFFIC = '- name: no-traffic\n  query: vector(1) > 5\n  max: 1\n';

it('a metric failing every measurement beside one without data fails, whatever inconclusive-is says', async () => {
  const r = await gate(`- name: errors\n  query: vector(0.3)\n  max: 0.05\n${NO_TRAFFIC}`);
  expect(r.outputs.verdict).toBe('fail');
  expect(r.exitCode).toBe(1);
});

it('a metric erroring every measurement beside one without data ends in error, whatever inconclusive-is says', async () => {
  // Prometheus answers a string for a string literal: not a value the gate can judge, an error every time.
  const r = await gate(`- name: errors\n  query: '"not a number"'\n  max: 5\n${NO_TRAFFIC}`);
  expect(r.outputs.verdict).toBe('error');
  expect(r.exitCode).toBe(1);
});

it('genuine lack of data alone stays inconclusive and inconclusive-is: pass lets it through', async () => {
  const r = await gate(`- name: ok\n  query: vector(0.01)\n  max: 0.05\n${NO_TRAFFIC}`);
  expect(r.outputs.verdict).toBe('inconclusive');
  expect(r.exitCode).toBe(0);
});
