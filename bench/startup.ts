/**
 * `npm run bench:startup`: every committed bundle (each dist/<name>/index.js present at run
 * time) from spawn to its first log line, beside `node -e ""` (spawn to exit) and beside a
 * minimal ncc bundle of `@actions/core` alone (built into a temp dir by this run), all on the
 * runner's Node 24 and run the way the runner runs a step (test/harness/step-env.ts).
 *
 * Each bundle runs with action.yml's defaults only, so it reads its inputs and prints its first
 * line (an input error for most; setup's first tool-cache line) without touching the network;
 * the minimal bundle does the same: a required input read, `core.debug(stack)`, `setFailed`.
 * Runs are interleaved (each round runs every candidate once, the order rotating) and the
 * figures are medians, so machine load hits every candidate alike.
 *
 * Two columns come from inside each process (a --require probe, in extra untimed runs): how
 * many Node built-ins it had loaded at its first line, and its CPU time by then.
 * The last columns run each bundle with Node's module compile cache warm (NODE_COMPILE_CACHE
 * pointing at a directory an earlier run filled, as a later step of the same job could find in
 * RUNNER_TEMP). The actions do not enable it: measured on this machine it did not clearly
 * help once the bundles stopped loading the AWS SDK and undici at start (docs/promote-artifact.md);
 * the column is here to tell when it would.
 *
 *   BENCH_STARTUP_RUNS=15 (rounds)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { actionYmlPathIn } from '../test/harness/step-env';
import { median, node24, printTable, ROOT, timeProcess, timeStep } from './step';

const RUNS = Math.max(3, Number(process.env.BENCH_STARTUP_RUNS ?? 15));

/** The floor any action bundle pays: @actions/core alone, bundled by the same ncc. */
const MINIMAL_SOURCE = `import * as core from '@actions/core';
try {
  core.getInput('source', { required: true });
} catch (err) {
  core.debug(err.stack);
  core.setFailed(err.message);
}
`;

/**
 * Preloaded with --require: at the first stdout write (or at exit), records how many Node
 * built-in modules and bindings were loaded and the process's CPU time so far.
 */
const PROBE = `const fs = require('node:fs');
let done = false;
const record = () => {
  if (done) return;
  done = true;
  const cpu = process.cpuUsage();
  fs.writeFileSync(process.env.BENCH_PROBE_FILE, JSON.stringify({ modules: process.moduleLoadList.length, cpuMs: (cpu.user + cpu.system) / 1000 }));
};
const write = process.stdout.write;
process.stdout.write = function (...args) {
  record();
  return write.apply(this, args);
};
process.on('exit', record);
`;

function buildMinimalBundle(dir: string): string {
  // ncc resolves @actions/core from the entry's directory: give it ours.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(path.join(dir, 'main.js'), MINIMAL_SOURCE);
  const ncc = path.join(ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
  const out = path.join(dir, 'out');
  const r = spawnSync(process.execPath, [ncc, 'build', path.join(dir, 'main.js'), '-o', out, '-q'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ncc build of the minimal bundle failed:\n${r.stderr}`);
  const bundle = readdirSync(out).find((f) => /^index\.m?js$/.test(f));
  if (!bundle) throw new Error(`ncc wrote no index.js into ${out}`);
  return path.join(out, bundle);
}

/** The actions whose bundles are in dist now (new ones are picked up without editing this file). */
function bundledActions(): string[] {
  return readdirSync(path.join(ROOT, 'dist'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(path.join(ROOT, 'dist', d.name, 'index.js')))
    .map((d) => d.name)
    .sort();
}

const kib = (file: string) => `${Math.round(statSync(file).size / 1024)} KiB`;

interface Candidate {
  label: string;
  size: string;
  /** ms from spawn to the first log line (to exit for `node -e ""`); `env` is added to the run's. */
  time: (env?: Record<string, string>) => Promise<number>;
  /** Same with Node's compile cache warm (bundles only). */
  warm?: () => Promise<number>;
}

function firstLine(r: { firstLineMs?: number; stdout: string; stderr: string }, what: string): number {
  if (r.firstLineMs === undefined) throw new Error(`${what} printed nothing on stdout:\n${r.stderr}`);
  return r.firstLineMs;
}

async function main(): Promise<void> {
  const temp = mkdtempSync(path.join(tmpdir(), 'shipline-bench-startup-'));
  try {
    process.stderr.write('building the minimal @actions/core bundle with ncc ...\n');
    const minimal = buildMinimalBundle(path.join(temp));
    const probe = path.join(temp, 'probe.cjs');
    writeFileSync(probe, PROBE);
    const minimalEnv = { PATH: process.env.PATH ?? '', INPUT_SOURCE: '', GITHUB_ACTIONS: 'true' };
    const candidates: Candidate[] = [
      {
        label: 'node -e "" (spawn to exit)',
        size: '-',
        time: async (env) => (await timeProcess(node24(), ['-e', ''], { env: { ...minimalEnv, ...env } })).exitMs,
      },
      {
        label: 'minimal ncc bundle of @actions/core',
        size: kib(minimal),
        time: async (env) => firstLine(await timeProcess(node24(), [minimal], { env: { ...minimalEnv, ...env }, killAtFirstLine: true }), 'the minimal bundle'),
      },
    ];
    for (const action of bundledActions()) {
      const bundle = path.join(ROOT, 'dist', action, 'index.js');
      if (!existsSync(actionYmlPathIn(ROOT, action))) {
        process.stderr.write(`skipping dist/${action}: no action.yml names it\n`);
        continue;
      }
      // A compile cache of its own that persists across runs: what a later step of the same job would find.
      const cacheDir = path.join(temp, `compile-cache-${action}`);
      mkdirSync(cacheDir);
      candidates.push({
        label: action,
        size: kib(bundle),
        time: async (env) => firstLine(await timeStep(action, {}, { killAtFirstLine: true, env }), action),
        warm: async () => firstLine(await timeStep(action, {}, { killAtFirstLine: true, env: { NODE_COMPILE_CACHE: cacheDir } }), action),
      });
    }
    // One untimed run each fills the warm caches (and the OS file cache for every candidate).
    for (const c of candidates) await (c.warm ?? c.time)();
    const cold = candidates.map(() => [] as number[]);
    const warm = candidates.map(() => [] as number[]);
    for (let round = 0; round < RUNS; round++) {
      process.stderr.write(`\rround ${round + 1}/${RUNS}`);
      for (let k = 0; k < candidates.length; k++) {
        const i = (k + round) % candidates.length;
        cold[i].push(await candidates[i].time());
        const w = candidates[i].warm;
        if (w) warm[i].push(await w());
      }
    }
    process.stderr.write('\n');
    // What each loaded before its first line, seen from inside: Node built-ins (exact, whatever
    // the load) and CPU time (less sensitive to waiting for a core than wall time).
    const probes = [] as { modules: number; cpuMs: number[] }[];
    for (const c of candidates) {
      const p = { modules: 0, cpuMs: [] as number[] };
      for (let i = 0; i < 5; i++) {
        const file = path.join(temp, 'probe.json');
        await c.time({ NODE_OPTIONS: `--require=${probe}`, BENCH_PROBE_FILE: file });
        const seen = JSON.parse(readFileSync(file, 'utf8')) as { modules: number; cpuMs: number };
        p.modules = seen.modules;
        p.cpuMs.push(seen.cpuMs);
        rmSync(file);
      }
      probes.push(p);
    }
    const version = spawnSync(node24(), ['--version'], { encoding: 'utf8' }).stdout.trim();
    const minimalMs = median(cold[1]);
    const bareMs = median(cold[0]);
    console.log(
      `Start-up on Node ${version}: spawn to the first log line, median of ${RUNS} interleaved rounds (${new Date().toISOString()}, load average ${loadAverage()})`,
    );
    printTable(
      [
        'what',
        'bundle (index.js)',
        'first line',
        'x minimal bundle',
        'x node -e ""',
        'built-ins loaded',
        'CPU to first line',
        'compile cache warm',
        'warm x minimal',
      ],
      candidates.map((c, i) => {
        const ms = median(cold[i]);
        const w = warm[i].length ? median(warm[i]) : undefined;
        return [
          c.label,
          c.size,
          `${ms.toFixed(1)} ms`,
          `${(ms / minimalMs).toFixed(2)}x`,
          `${(ms / bareMs).toFixed(2)}x`,
          String(probes[i].modules),
          `${median(probes[i].cpuMs).toFixed(0)} ms`,
          w === undefined ? '-' : `${w.toFixed(1)} ms`,
          w === undefined ? '-' : `${(w / minimalMs).toFixed(2)}x`,
        ];
      }),
    );
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
