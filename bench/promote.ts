/**
 * `npm run bench:promote`: promote-artifact (run() in-process, real registry client) against
 * `skopeo copy` for the same three promotions of images of growing size: same-repository
 * retag, cross-repository (same registry) and cross-registry. Both go through the same
 * counting proxy in front of each real docker-registry, so requests and uploaded bytes are
 * counted the same way. Not a test: it prints numbers side by side, as ratios.
 *
 *   BENCH_SIZES=10,100,500 (MB, default)   BENCH_LAYERS=5 (layers per image)   BENCH_REPEAT=3
 *
 * Each promotion is repeated BENCH_REPEAT times into fresh destinations, alternating which
 * tool goes first; times are medians (the machine is shared, single runs are noisy).
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
const sizes = (process.env.BENCH_SIZES ?? '10,100,500')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const layers = Number(process.env.BENCH_LAYERS ?? 5);
const repeats = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1.00' : 'inf') : (a / b).toFixed(2));

/** Shown as one number when every run agreed, else as min-max (a run that found blobs already there). */
function spread(values: number[], fmt: (n: number) => string = String): string {
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return lo === hi ? fmt(lo) : `${fmt(lo)}-${fmt(hi)}`;
}

interface Target {
  host: string;
  proxies: Counter[];
  done(): Promise<void>;
}

async function main(): Promise<void> {
  const dev = await startRegistry();
  const devP = await countingProxy(dev);
  const rows: string[][] = [];
  const same: Target = { host: devP.host, proxies: [devP], done: async () => undefined };
  // skopeo remembers where it has seen a blob (its blob-info cache) and mounts from there on the
  // next copy; a fresh registry per cross-registry run keeps every run a real copy for both tools.
  const fresh = async (): Promise<Target> => {
    const reg = await startRegistry();
    const proxy = await countingProxy(reg);
    return { host: proxy.host, proxies: [devP, proxy], done: () => proxy.stop().then(() => reg.stop()) };
  };
  try {
    for (const size of sizes) {
      const layerSize = Math.floor((size * MB) / layers);
      process.stderr.write(`pushing a ${size} MB image (${layers} layers) ...\n`);
      const image = await pushTestImage(dev.host, `bench/app${size}`, 'rc', { layerSizes: Array(layers).fill(layerSize) });
      const source = `${devP.host}/bench/app${size}@${image.digest}`;
      // Every run gets a destination of its own, so none of them finds the image already there.
      const cases: [string, (run: string, host: string) => string, () => Promise<Target>][] = [
        ['same-repo retag', (run, host) => `${host}/bench/app${size}:${run}`, async () => same],
        ['cross-repo (same registry)', (run, host) => `${host}/bench/${run}${size}:rc`, async () => same],
        ['cross-registry copy', (run, host) => `${host}/bench/${run}${size}:rc`, fresh],
      ];
      for (const [name, dest, target] of cases) {
        process.stderr.write(`  ${name} x${repeats} ...\n`);
        const ours: Measure[] = [];
        const theirs: Measure[] = [];
        for (let i = 0; i < repeats; i++) {
          const t = await target();
          const a = () => measure(t.proxies, () => promote(source, dest(`promote${i}`, t.host))).then((m) => ours.push(m));
          const b = () => measure(t.proxies, () => skopeo(source, dest(`skopeo${i}`, t.host))).then((m) => theirs.push(m));
          if (i % 2 === 0) await a().then(b);
          else await b().then(a);
          await t.done();
        }
        const [oursMs, theirsMs] = [median(ours.map((m) => m.ms)), median(theirs.map((m) => m.ms))];
        rows.push([
          `${size} MB`,
          name,
          `${oursMs.toFixed(0)} ms`,
          `${theirsMs.toFixed(0)} ms`,
          ratio(oursMs, theirsMs),
          spread(ours.map((m) => m.requests)),
          spread(theirs.map((m) => m.requests)),
          spread(
            ours.map((m) => m.bytes),
            fmtBytes,
          ),
          spread(
            theirs.map((m) => m.bytes),
            fmtBytes,
          ),
        ]);
      }
    }
  } finally {
    await devP.stop();
    await dev.stop();
  }
  const head = [
    'image',
    'promotion',
    'promote time',
    'skopeo time',
    'time ratio promote/skopeo',
    'promote requests',
    'skopeo requests',
    'promote bytes up',
    'skopeo bytes up',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(
    `promote-artifact vs skopeo ${(await execFileP('skopeo', ['--version'])).stdout.trim().replace('skopeo version ', '')} on docker-registry (loopback), ${layers} layers per image, median of ${repeats} runs`,
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
