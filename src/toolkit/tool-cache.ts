/**
 * The real ToolCache, from @actions/tool-cache (ESM-only, so only bundles import this). It is
 * imported on first use: it brings @actions/core, @actions/http-client and undici, which a run
 * that finds nothing to download (or fails on its inputs) should not pay for at start.
 */
import { lazy } from './lazy';
import { addPath } from './runner-commands';
import type { ToolCache } from './tools';

const tc = lazy(() => import('@actions/tool-cache'));

export const actionsToolCache: ToolCache = {
  find: async (tool, version) => (await tc()).find(tool, version),
  downloadTool: async (url) => (await tc()).downloadTool(url),
  extractTar: async (file) => (await tc()).extractTar(file),
  cacheDir: async (dir, tool, version) => (await tc()).cacheDir(dir, tool, version),
  addPath,
};
