/** The only place (with tool-cache.ts) that touches the ESM-only @actions packages. */
import * as core from '@actions/core';
import type { Reporter } from './reporter';

export const coreReporter: Reporter = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
  setSecret: (v) => {
    if (v) core.setSecret(v);
  },
  setOutput: (n, v) => core.setOutput(n, v),
  summary: async (md) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return; // outside a runner there is nowhere to write it
    await core.summary.addRaw(md, true).write();
  },
};

/** Reads every declared input as the runner passes it (INPUT_<NAME>). */
export function readRawInputs(names: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const n of names) raw[n] = core.getInput(n, { trimWhitespace: false });
  return raw;
}

export { core };
