/**
 * Files a step writes for itself: under the runner's temp directory ($RUNNER_TEMP, emptied
 * after every job), never the workspace; credentials in files only their owner can read.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** $RUNNER_TEMP (the OS temp directory outside a runner), created when missing. */
export function runnerTemp(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RUNNER_TEMP || tmpdir();
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A new directory of this step's own under runnerTemp, e.g. `shipline-kube-AbC123`. */
export function makeTempDir(prefix: string, env: NodeJS.ProcessEnv = process.env): string {
  return mkdtempSync(path.join(runnerTemp(env), prefix));
}

/** Writes a file readable by its owner only (0600), whatever the umask. */
export function writePrivateFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600); // mode applies only to a new file, and after the umask
}
