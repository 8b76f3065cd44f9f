/**
 * A small HTTP service standing in for the stable or the canary version of an app. It counts
 * requests by status code and records latencies in a histogram (prom-client, its own registry),
 * and its error rate and latency are set by the test at any time.
 *   GET /          the "work" endpoint: every 1/errorRate-th request answers 500 (deterministic),
 *                  after latencyMs
 *   GET /healthz   {"status":"ok"} (or "degraded" when healthy is set to false, with status 503)
 *   GET /hang      never answers (for timeout tests)
 *   GET /metrics   Prometheus exposition
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Counter, Histogram, Registry } from 'prom-client';

export interface Behaviour {
  /** Share of work requests answered 500, 0..1. */
  errorRate: number;
  /** Delay of each work request. */
  latencyMs: number;
  healthy: boolean;
}

export interface SampleService {
  url: string;
  /** host:port, for Prometheus' scrape config. */
  host: string;
  set(b: Partial<Behaviour>): void;
  /** Sends `rps` work requests per second until the returned stop() is called. */
  drive(rps: number): { stop(): Promise<void> };
  requests(): number;
  close(): Promise<void>;
}

export async function startSampleService(initial: Partial<Behaviour> = {}): Promise<SampleService> {
  const behaviour: Behaviour = { errorRate: 0, latencyMs: 0, healthy: true, ...initial };
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'Work requests by status code', labelNames: ['code'], registers: [registry] });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Work request latency',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Both codes exist from the start, as in real services: an idle canary shows 0/0 = NaN, not an empty vector.
  requests.labels({ code: '200' }).inc(0);
  requests.labels({ code: '500' }).inc(0);
  let served = 0;
  let errorDebt = 0;
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      return;
    }
    if (p === '/healthz') {
      res
        .writeHead(behaviour.healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: behaviour.healthy ? 'ok' : 'degraded' }));
      return;
    }
    if (p === '/hang') return; // never answers
    const start = process.hrtime.bigint();
    if (behaviour.latencyMs > 0) await new Promise((r) => setTimeout(r, behaviour.latencyMs));
    served++;
    errorDebt += behaviour.errorRate;
    const fail = errorDebt >= 1;
    if (fail) errorDebt -= 1;
    const code = fail ? 500 : 200;
    requests.labels({ code: String(code) }).inc();
    latency.observe(Number(process.hrtime.bigint() - start) / 1e9);
    res.writeHead(code, { 'content-type': 'text/plain' }).end(fail ? 'error\n' : 'ok\n');
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    host: `127.0.0.1:${port}`,
    set: (b) => Object.assign(behaviour, b),
    requests: () => served,
    drive(rps) {
      const timer = setInterval(() => {
        fetch(`${url}/`).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
      }, 1000 / rps);
      return {
        stop: async () => {
          clearInterval(timer);
          await new Promise((r) => setTimeout(r, 50));
        },
      };
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
