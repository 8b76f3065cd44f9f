/**
 * The metrics world of rollout's integration tests: three sample services (`stable`, a `good`
 * canary at 1 % errors, a `bad` one at 30 %) driven at 30 requests/s and scraped by a real
 * Prometheus, and the analysis inputs that judge a canary job's error rate against stable's.
 */
import { rmSync } from 'node:fs';
import type { StepResult } from '../harness/run-action';
import { startPrometheus, type TestPrometheus } from './prometheus';
import { startSampleService, type SampleService } from './sample-service';

export const JOBS = ['stable', 'good', 'bad'] as const;
export type Job = (typeof JOBS)[number];

export interface CanaryMetrics {
  prometheus: TestPrometheus;
  /** Stops the drivers, Prometheus and the services. */
  stop(): Promise<void>;
}

/** Starts the services, their drivers and Prometheus, then waits 3 s (a rate over [3s] needs a few scrapes). */
export async function startCanaryMetrics(): Promise<CanaryMetrics> {
  const services: Partial<Record<Job, SampleService>> = {};
  const drivers: { stop(): Promise<void> }[] = [];
  let prometheus: TestPrometheus | undefined;
  const stop = async () => {
    await Promise.all(drivers.map((d) => d.stop()));
    await prometheus?.stop();
    await Promise.all(JOBS.map((j) => services[j]?.close()));
  };
  try {
    for (const job of JOBS) services[job] = await startSampleService({ errorRate: job === 'bad' ? 0.3 : 0.01 });
    for (const job of JOBS) drivers.push(services[job]!.drive(30));
    prometheus = await startPrometheus(Object.fromEntries(JOBS.map((j) => [j, services[j]!.host])));
    await new Promise((r) => setTimeout(r, 3000));
    return { prometheus, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

const errorRate = (job: string) => `sum(rate(http_requests_total{job="${job}",code="500"}[3s])) / sum(rate(http_requests_total{job="${job}"}[3s]))`;

/** rollout's analysis inputs: `job`'s error rate, at most 5 % and compared with stable's; 4 measurements 1 s apart. */
export const analysisInputs = (prometheus: TestPrometheus, job: Job) => ({
  'prometheus-url': prometheus.url,
  metrics: ['- name: error-rate', `  query: ${errorRate(job)}`, `  baseline: ${errorRate('stable')}`, '  max: 0.05', '  critical: true'].join('\n'),
  interval: '1s',
  count: '4',
  'min-samples': '3',
  'request-timeout': '2s',
});

/** Removes the runner temp dirs of every case's main and post steps. */
export async function removeCaseDirs(cases: Record<string, Promise<{ main: StepResult; post?: StepResult }>>): Promise<void> {
  for (const k of Object.keys(cases)) {
    const c = await cases[k].catch(() => undefined);
    for (const r of [c?.main, c?.post]) if (r) rmSync(r.tempDir, { recursive: true, force: true });
  }
}
