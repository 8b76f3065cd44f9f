/**
 * Runs one `run:` script of a workflow step the way GitHub's runner does on Linux
 * (`bash --noprofile --norc -eo pipefail <file>`), with the step's env and the runner's
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, and reads the outputs back.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCommandFile } from '../harness/run-action';
import { jobs, loadWorkflow, steps } from './workflow-rules';
import { testTempDir } from './temp';

export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** `::error::` lines printed by the script. */
  errors: string[];
}

/** The `run:` of the step named (or with id) `step` in job `job` of `file`. */
export function stepScript(file: string, job: string, step: string): string {
  const found = jobs(loadWorkflow(file)).find(([id]) => id === job);
  if (!found) throw new Error(`${file} has no job '${job}'`);
  const s = steps(found[1]).find((x) => x.id === step || x.name === step);
  if (!s || typeof s.run !== 'string') throw new Error(`${file} job '${job}' has no run step '${step}'`);
  return s.run;
}

/** Async, so a test's own HTTP server (e.g. a webhook receiver) can answer while the script runs. */
export async function runScript(script: string, env: Record<string, string>, cwd?: string): Promise<ScriptResult> {
  const dir = testTempDir('script-');
  const files = { GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  writeFileSync(path.join(dir, 'script.sh'), script);
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', path.join(dir, 'script.sh')], {
    cwd: cwd ?? dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...files, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exitCode = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code ?? 137);
    });
  });
  const result = {
    exitCode,
    stdout,
    stderr,
    outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    errors: stdout.split('\n').filter((l) => l.startsWith('::error::')),
  };
  rmSync(dir, { recursive: true, force: true });
  return result;
}
