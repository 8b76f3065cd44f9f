/**
 * The Reporter the actions run with, on the runner's workflow commands (runner-commands.ts:
 * what @actions/core writes, without loading it; only tool-cache.ts loads an @actions package).
 */
import * as core from './runner-commands';
import { SecretMask } from './mask';
import type { Reporter } from './reporter';

/** Every value given to setSecret, so the job summary, outputs and written files get the same masking as the log. */
const summaryMask = new SecretMask();

export const coreReporter: Reporter = {
  // the runner masks log lines too; masking here as well keeps them clean in logs read elsewhere
  info: (m) => core.info(summaryMask.apply(m)),
  warning: (m) => core.warning(summaryMask.apply(m)),
  debug: (m) => core.debug(summaryMask.apply(m)),
  setSecret: (v) => {
    // one ::add-mask:: per value: derived forms of a credential often coincide
    if (!v || summaryMask.has(v)) return;
    core.setSecret(v);
    summaryMask.add(v);
  },
  setOutput: (n, v) => core.setOutput(n, summaryMask.apply(v)),
  summary: async (md) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return; // outside a runner there is nowhere to write it
    await core.appendSummary(summaryMask.apply(md));
  },
  redact: (text) => summaryMask.apply(text),
};

/** Reads every declared input as the runner passes it (INPUT_<NAME>). */
export function readRawInputs(names: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const n of names) raw[n] = core.getInput(n, { trimWhitespace: false });
  return raw;
}

export { core };
