/**
 * The real ToolCache. `find` reads the runner's tool cache itself; the rest is
 * @actions/tool-cache (ESM-only, so only bundles import this), imported on first use: it
 * brings @actions/core, @actions/http-client and undici, which a run that finds its tools
 * cached (or fails on its inputs) should not pay for at start.
 */
import { existsSync } from 'node:fs';
import { arch } from 'node:os';
import * as path from 'node:path';
import { lazy } from './lazy';
import { addPath } from './runner-commands';
import type { ToolCache } from './tools';

const tc = lazy(() => import('@actions/tool-cache'));

/**
 * @actions/tool-cache's `find` for an explicit version (ours always are: tools.ts parses them):
 * `$RUNNER_TOOL_CACHE/<tool>/<version>/<arch>` with its `.complete` marker, the layout its
 * `cacheDir` writes; '' when absent.
 */
export function findCached(tool: string, version: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.RUNNER_TOOL_CACHE;
  if (!root || !version) return '';
  const dir = path.join(root, tool, version.replace(/^v/, ''), arch());
  return existsSync(dir) && existsSync(`${dir}.complete`) ? dir : '';
}

export const actionsToolCache: ToolCache = {
  find: (tool, version) => findCached(tool, version),
  downloadTool: async (url) => (await tc()).downloadTool(url),
  extractTar: async (file) => (await tc()).extractTar(file),
  cacheDir: async (dir, tool, version) => (await tc()).cacheDir(dir, tool, version),
  addPath,
};
