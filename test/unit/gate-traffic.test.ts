/** Synthetic traffic: paced, bounded in flight, and silent after stop(). Uses a loopback server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTraffic } from '../../src/health-gate/traffic';

let server: Server;
let url: string;
let hits = 0;
let hang = false;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    if (!hang) res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

it('sends requests while running and none after stop', async () => {
  hits = 0;
  const t = startTraffic({ url, rps: 50, timeoutMs: 1000, maxMs: 60_000 });
  await new Promise((r) => setTimeout(r, 300));
  const stats = await t.stop();
  expect(stats.sent).toBeGreaterThan(3);
  expect(stats.ok).toBe(stats.sent);
  expect(hits).toBe(stats.sent);
  await new Promise((r) => setTimeout(r, 100));
  expect(hits).toBe(stats.sent);
});

it('counts timeouts against a hanging target as failed', async () => {
  hang = true;
  hits = 0;
  const t = startTraffic({ url, rps: 2, timeoutMs: 200, maxMs: 60_000 });
  await new Promise((r) => setTimeout(r, 150));
  const stats = await t.stop();
  hang = false;
  expect(hits).toBeLessThanOrEqual(2);
  expect(stats.failed).toBe(stats.sent);
});

it('keeps at most rps requests in flight against a hanging target, skipping the rest', async () => {
  jest.useFakeTimers();
  const pending: (() => void)[] = [];
  const neverAnswers = () => new Promise<Response>((_resolve, reject) => pending.push(() => reject(new Error('aborted'))));
  const t = startTraffic({ url: 'http://canary.test/', rps: 4, timeoutMs: 60_000, maxMs: 60_000, fetch: neverAnswers });
  jest.advanceTimersByTime(3000); // 1 + 12 ticks at 4 per second
  expect(pending).toHaveLength(4);
  pending.forEach((abort) => abort());
  const stopping = t.stop();
  jest.useRealTimers();
  expect(await stopping).toEqual({ sent: 4, ok: 0, failed: 4, skipped: 9 });
});
