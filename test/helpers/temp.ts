/**
 * Temp directories for tests, removed when the test file ends, passed or failed: each one is
 * recorded on the test file's global, and the test environment (test/setup/environment.cjs)
 * removes them in its teardown, after every afterAll hook (so a server started in the file has
 * been stopped by then). `npx jest` also runs with a private TMPDIR and reports anything left
 * in it (test/setup/global-setup.cjs, global-teardown.cjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The key under which the test file's global lists directories to remove. */
export const TEMP_DIRS_KEY = '__shiplineTempDirs';

function tracked(): Set<string> {
  const g = globalThis as unknown as Record<string, Set<string> | undefined>;
  return (g[TEMP_DIRS_KEY] ??= new Set<string>());
}

/** Records `dir` (made some other way) for removal when the test file ends; returns it. */
export function removeAfterFile(dir: string): string {
  tracked().add(dir);
  return dir;
}

/** A new directory `<os.tmpdir()>/shipline-<prefix>XXXXXX`, removed when the test file ends. */
export function testTempDir(prefix: string): string {
  return removeAfterFile(mkdtempSync(path.join(tmpdir(), `shipline-${prefix}`)));
}

/**
 * Removes every directory recorded so far. Jest does this itself (the test environment); a
 * script outside jest that uses the harness or these helpers (a bench) calls it when done.
 */
export function removeTempDirs(): void {
  for (const dir of tracked()) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tracked().clear();
}
