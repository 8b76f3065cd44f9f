/**
 * Records every file a Node process loads through the ES module loader (a bundle's index.js
 * and each ncc chunk it imports), with a `module.registerHooks` load hook passed in
 * NODE_OPTIONS. Lets a test see what a committed bundle loaded on a given path.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOOK = `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) appendFileSync(process.env.SHIPLINE_MODULE_LOG, url + '\\n');
    return nextLoad(url, context);
  },
});
`;

export interface ModuleLog {
  /** Variables to pass to the step (NODE_OPTIONS and the log file). */
  env: Record<string, string>;
  /** Absolute paths of the files loaded so far, in load order. */
  loaded(): string[];
  remove(): void;
}

export function moduleLog(): ModuleLog {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-module-log-'));
  const hook = path.join(dir, 'hook.mjs');
  const log = path.join(dir, 'loaded.txt');
  writeFileSync(hook, HOOK);
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, SHIPLINE_MODULE_LOG: log },
    loaded: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((u) => fileURLToPath(u))
            .filter((f) => f !== hook)
        : [],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
