/** The real ToolCache, from @actions/tool-cache (ESM-only, so only bundles import this). */
import * as tc from '@actions/tool-cache';
import * as core from '@actions/core';
import type { ToolCache } from './tools';

export const actionsToolCache: ToolCache = {
  find: (tool, version) => tc.find(tool, version),
  downloadTool: (url) => tc.downloadTool(url),
  extractTar: (file) => tc.extractTar(file),
  cacheDir: (dir, tool, version) => tc.cacheDir(dir, tool, version),
  addPath: (dir) => core.addPath(dir),
};
