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

it('keeps at most rps requests in flight against a hanging target, and counts timeouts as failed', async () => {
  hang = true;
  hits = 0;
  const t = startTraffic({ url, rps: 2, timeoutMs: 200, maxMs: 60_000 });
  await new Promise((r) => setTimeout(r, 150));
  const stats = await t.stop();
  hang = false;
  expect(hits).toBeLessThanOrEqual(2);
  expect(stats.failed).toBe(stats.sent);
});
