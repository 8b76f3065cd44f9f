/**
 * `npm run bench:promote`: promote-artifact against `skopeo copy`, whole process against whole
 * process: the committed bundle run as the runner runs it (Node 24, INPUT_*, GITHUB_OUTPUT:
 * bench/step.ts) beside the skopeo binary, for the same three promotions of images of growing
 * size: same-repository retag, cross-repository (same registry) and cross-registry. Both go
 * through the same counting proxy in front of each real docker-registry, so requests and
 * uploaded bytes are counted the same way. Extra columns: promote-artifact's run() timed
 * in-process (no process start), and `node -e ""` spawn to exit in the same rounds (the floor
 * any Node action pays before its first instruction; skopeo, a Go binary, does not). Not a
 * test: it prints numbers side by side, as ratios.
 *
 * The bundle runs as a job's first step would: no NODE_COMPILE_CACHE, nothing warm from an
 * earlier step (a runner starts every job on a fresh machine).
 *
 *   BENCH_SIZES=10,100,500 (MB, default)   BENCH_LAYERS=5 (layers per image)   BENCH_REPEAT=5
 *
 * Each promotion is repeated BENCH_REPEAT times into fresh destinations, the three runs of a
 * round in rotating order (interleaved); times are medians (the machine is shared, single
 * runs are noisy).
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { MemoryReporter } from '../src/toolkit/reporter';
import { createRegistryClient } from '../src/toolkit/registry/client';
import { isEcrHost } from '../src/toolkit/registry/ecr-host';
import { parseInputs } from '../src/promote-artifact/inputs';
import { run } from '../src/promote-artifact/run';
import { pushTestImage } from '../test/helpers/images';
import { startRegistry, type TestRegistry } from '../test/helpers/registry';
import { median, node24, printTable, timeProcess, timeStep } from './step';

const execFileP = promisify(execFile);
const MB = 1024 * 1024;
const sizes = (process.env.BENCH_SIZES ?? '10,100,500')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const layers = Number(process.env.BENCH_LAYERS ?? 5);
const repeats = Math.max(1, Number(process.env.BENCH_REPEAT ?? 5));

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

/** Counts what `work` sent through the proxies; its time is what `work` reports (whole process or in-process). */
async function measure(proxies: Counter[], work: () => Promise<number>): Promise<Measure> {
  const before = proxies.map((p) => ({ r: p.requests, b: p.bytesUp }));
  const ms = await work();
  return {
    ms,
    requests: proxies.reduce((n, p, i) => n + p.requests - before[i].r, 0),
    bytes: proxies.reduce((n, p, i) => n + p.bytesUp - before[i].b, 0),
  };
}

const noAuth = mkdtempSync(path.join(tmpdir(), 'shipline-bench-no-auth-'));

const authEnv = { DOCKER_CONFIG: noAuth, REGISTRY_AUTH_FILE: path.join(noAuth, 'auth.json') };

/** The committed bundle, whole process, spawn to exit. */
async function promoteProcess(source: string, destination: string): Promise<number> {
  const r = await timeStep('promote-artifact', { source, destinations: destination }, { env: authEnv });
  if (r.exitCode !== 0 || !r.outputs.promoted?.includes(destination)) {
    throw new Error(`bench: promote-artifact did not write ${destination} (exit ${r.exitCode})\n${r.stdout}${r.stderr}`);
  }
  return r.exitMs;
}

/** run() in this process (no process start, module loading already paid): the extra column. */
async function promoteInProcess(source: string, destination: string): Promise<number> {
  const start = performance.now();
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source, destinations: destination });
  const client = createRegistryClient({ reporter, dockerConfigDir: noAuth, concurrency: inputs.concurrency, insecureRegistries: [] });
  try {
    const r = await run(inputs, { client, isEcrHost: (h) => isEcrHost(h) !== undefined }, reporter);
    if (!r.outcomes.every((o) => o.written)) throw new Error(`bench: ${destination} was not written`);
  } finally {
    client.close();
  }
  return performance.now() - start;
}

/** `node -e ""` on the runner's Node, spawn to exit: Node's own start and exit. */
async function bareNode(): Promise<number> {
  const r = await timeProcess(node24(), ['-e', '']);
  if (r.exitCode !== 0) throw new Error(`bench: node -e "" failed\n${r.stderr}`);
  return r.exitMs;
}

/** skopeo, whole process, spawn to exit. */
async function skopeo(source: string, destination: string): Promise<number> {
  const r = await timeProcess(
    'skopeo',
    ['copy', '--all', '--preserve-digests', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${source}`, `docker://${destination}`],
    { env: { ...process.env, ...authEnv } },
  );
  if (r.exitCode !== 0) throw new Error(`bench: skopeo copy to ${destination} failed\n${r.stderr}`);
  return r.exitMs;
}

function fmtBytes(n: number): string {
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}
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
        const inProcess: Measure[] = [];
        const bare: number[] = [];
        for (let i = 0; i < repeats; i++) {
          const t = await target();
          const runs = [
            () => measure(t.proxies, () => promoteProcess(source, dest(`promote${i}`, t.host))).then((m) => ours.push(m)),
            () => measure(t.proxies, () => skopeo(source, dest(`skopeo${i}`, t.host))).then((m) => theirs.push(m)),
            () => measure(t.proxies, () => promoteInProcess(source, dest(`inproc${i}`, t.host))).then((m) => inProcess.push(m)),
            () => bareNode().then((ms) => bare.push(ms)),
          ];
          for (let k = 0; k < runs.length; k++) await runs[(k + i) % runs.length]();
          await t.done();
        }
        const [oursMs, theirsMs, inMs] = [median(ours.map((m) => m.ms)), median(theirs.map((m) => m.ms)), median(inProcess.map((m) => m.ms))];
        rows.push([
          `${size} MB`,
          name,
          `${oursMs.toFixed(0)} ms`,
          `${theirsMs.toFixed(0)} ms`,
          ratio(oursMs, theirsMs),
          `${inMs.toFixed(0)} ms`,
          `${median(bare).toFixed(0)} ms`,
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
    rmSync(noAuth, { recursive: true, force: true });
  }
  const head = [
    'image',
    'promotion',
    'promote (process)',
    'skopeo (process)',
    'ratio promote/skopeo',
    'promote run() in-process',
    'node -e "" (process)',
    'promote requests',
    'skopeo requests',
    'promote bytes up',
    'skopeo bytes up',
  ];
  const version = (await execFileP('skopeo', ['--version'])).stdout.trim().replace('skopeo version ', '');
  console.log(
    `promote-artifact (committed bundle, Node 24) vs skopeo ${version}, whole process each, spawn to exit, on docker-registry (loopback); ${layers} layers per image; median of ${repeats} interleaved runs; load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  printTable(head, rows);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
