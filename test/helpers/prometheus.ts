/**
 * Starts Debian's `prometheus` on loopback with its own config (scrape_interval 1s) and a
 * throwaway TSDB directory, scraping the given targets (job name -> host:port). Waits until
 * /-/ready answers and every target has been scraped once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from './registry';
import { testTempDir } from './temp';

export interface TestPrometheus {
  url: string;
  /** Instant query, for test set-up checks. */
  query(promql: string): Promise<{ status: string; data?: { result: unknown[] } }>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: Record<string, string>): Promise<TestPrometheus> {
  const dir = testTempDir('prometheus-');
  const port = await freePort();
  const jobs = Object.entries(targets)
    .map(([job, host]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ['${host}']`)
    .join('\n');
  const config = `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}\n`;
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=error',
      '--storage.tsdb.retention.time=1h',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const query = async (promql: string) => {
    const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    return (await r.json()) as { status: string; data?: { result: unknown[] } };
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) {
        const up = await query('up == 1');
        if ((up.data?.result.length ?? 0) >= Object.keys(targets).length) break;
      }
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, query, stop };
}
