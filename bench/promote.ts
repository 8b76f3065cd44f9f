/**
 * `npm run bench:promote`: promote-artifact (run() in-process, real registry client) against
 * `skopeo copy` for the same three promotions of images of growing size: same-repository
 * retag, cross-repository (same registry) and cross-registry. Both go through the same
 * counting proxy in front of each real docker-registry, so requests and uploaded bytes are
 * counted the same way. Not a test: it prints numbers side by side, as ratios.
 *
 *   BENCH_SIZES=10,100,500 (MB, default)   BENCH_LAYERS=5 (layers per image, default)
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { MemoryReporter } from '../src/toolkit/reporter';
import { createRegistryClient } from '../src/toolkit/registry/client';
import { isEcrHost } from '../src/toolkit/registry/ecr';
import { parseInputs } from '../src/promote-artifact/inputs';
import { run } from '../src/promote-artifact/run';
import { pushTestImage } from '../test/helpers/images';
import { startRegistry, type TestRegistry } from '../test/helpers/registry';

const execFileP = promisify(execFile);
const MB = 1024 * 1024;
const sizes = (process.env.BENCH_SIZES ?? '10,100,500').split(',').map(Number).filter((n) => n > 0);
const layers = Number(process.env.BENCH_LAYERS ?? 5);

/** A plain forwarding proxy that counts requests and request-body bytes (uploads). */
interface Counter {
  host: string;
  requests: number;
  bytesUp: number;
  stop(): Promise<void>;
}

async function countingProxy(target: TestRegistry): Promise<Counter> {
  const url = new URL(target.url);
  const counter = { requests: 0, bytesUp: 0 } as Counter;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const server = http.createServer((req, res) => {
    counter.requests++;
    const up = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.socket?.destroy());
    req.on('data', (c: Buffer) => (counter.bytesUp += c.length));
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  counter.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  counter.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      agent.destroy();
      server.close(() => r());
    });
  return counter;
}

interface Measure {
  ms: number;
  requests: number;
  bytes: number;
}

async function measure(proxies: Counter[], work: () => Promise<unknown>): Promise<Measure> {
  const before = proxies.map((p) => ({ r: p.requests, b: p.bytesUp }));
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  return {
    ms,
    requests: proxies.reduce((n, p, i) => n + p.requests - before[i].r, 0),
    bytes: proxies.reduce((n, p, i) => n + p.bytesUp - before[i].b, 0),
  };
}

const noAuth = mkdtempSync(path.join(tmpdir(), 'shipline-bench-no-auth-'));

async function promote(source: string, destination: string): Promise<void> {
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source, destinations: destination, referrers: 'true' });
  const client = createRegistryClient({ reporter, dockerConfigDir: noAuth, concurrency: inputs.concurrency, insecureRegistries: [] });
  try {
    const r = await run(inputs, { client, isEcrHost: (h) => isEcrHost(h) !== undefined }, reporter);
    if (!r.outcomes.every((o) => o.written)) throw new Error(`bench: ${destination} was not written`);
  } finally {
    client.close();
  }
}

async function skopeo(source: string, destination: string): Promise<void> {
  await execFileP(
    'skopeo',
    ['copy', '--all', '--preserve-digests', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${source}`, `docker://${destination}`],
    { maxBuffer: 16 * MB, env: { ...process.env, DOCKER_CONFIG: noAuth, REGISTRY_AUTH_FILE: path.join(noAuth, 'auth.json') } },
  );
}

function fmtBytes(n: number): string {
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}
const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1.00' : 'inf') : (a / b).toFixed(2));

async function main(): Promise<void> {
  const [dev, prod] = await Promise.all([startRegistry(), startRegistry()]);
  const [devP, prodP] = await Promise.all([countingProxy(dev), countingProxy(prod)]);
  const rows: string[][] = [];
  try {
    for (const size of sizes) {
      const layerSize = Math.floor((size * MB) / layers);
      process.stderr.write(`pushing a ${size} MB image (${layers} layers) ...\n`);
      const image = await pushTestImage(dev.host, `bench/app${size}`, 'rc', { layerSizes: Array(layers).fill(layerSize) });
      const source = `${devP.host}/bench/app${size}@${image.digest}`;
      const cases: [string, (tool: string) => string, Counter[]][] = [
        ['same-repo retag', (tool) => `${devP.host}/bench/app${size}:${tool}`, [devP]],
        ['cross-repo (same registry)', (tool) => `${devP.host}/bench/${tool}${size}:rc`, [devP]],
        ['cross-registry copy', (tool) => `${prodP.host}/bench/${tool}${size}:rc`, [devP, prodP]],
      ];
      for (const [name, dest, proxies] of cases) {
        process.stderr.write(`  ${name} ...\n`);
        const ours = await measure(proxies, () => promote(source, dest('promote')));
        const theirs = await measure(proxies, () => skopeo(source, dest('skopeo')));
        rows.push([
          `${size} MB`,
          name,
          `${ours.ms.toFixed(0)} ms`,
          `${theirs.ms.toFixed(0)} ms`,
          ratio(ours.ms, theirs.ms),
          String(ours.requests),
          String(theirs.requests),
          fmtBytes(ours.bytes),
          fmtBytes(theirs.bytes),
        ]);
      }
    }
  } finally {
    await Promise.all([devP.stop(), prodP.stop()]);
    await Promise.all([dev.stop(), prod.stop()]);
  }
  const head = ['image', 'promotion', 'promote time', 'skopeo time', 'time ratio promote/skopeo', 'promote requests', 'skopeo requests', 'promote bytes up', 'skopeo bytes up'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(`promote-artifact vs skopeo ${(await execFileP('skopeo', ['--version'])).stdout.trim().replace('skopeo version ', '')} on docker-registry (loopback), ${layers} layers per image, one run each`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
