/**
 * The Reporter the actions run with, on the runner's workflow commands (runner-commands.ts:
 * what @actions/core writes, without loading it; only tool-cache.ts loads an @actions package).
 */
import * as core from './runner-commands';
import { SecretMask } from './mask';
import type { Reporter } from './reporter';

/** Every value given to setSecret, so the job summary gets the same masking as the log. */
const summaryMask = new SecretMask();

export const coreReporter: Reporter = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
  setSecret: (v) => {
    if (!v) return;
    core.setSecret(v);
    summaryMask.add(v);
  },
  setOutput: (n, v) => core.setOutput(n, v),
  summary: async (md) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return; // outside a runner there is nowhere to write it
    await core.appendSummary(summaryMask.apply(md));
  },
};

/** Reads every declared input as the runner passes it (INPUT_<NAME>). */
export function readRawInputs(names: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const n of names) raw[n] = core.getInput(n, { trimWhitespace: false });
  return raw;
}

export { core };
