/**
 * A Reporter that hands each distinct secret to setSecret once. The same credential reaches
 * the client by several ways (config.json, the Basic header, ECR's token, a registrytoken
 * reused for every scope); the runner needs one `::add-mask::` per value, not one per request.
 */
import type { Reporter } from '../reporter';

const MASKED = Symbol('masksOnce');

export function maskOnce(reporter: Reporter): Reporter {
  if ((reporter as { [MASKED]?: true })[MASKED]) return reporter;
  const seen = new Set<string>();
  return {
    [MASKED]: true,
    info: (m) => reporter.info(m),
    warning: (m) => reporter.warning(m),
    debug: (m) => reporter.debug(m),
    setSecret: (value) => {
      if (!value || seen.has(value)) return;
      seen.add(value);
      reporter.setSecret(value);
    },
    setOutput: (name, value) => reporter.setOutput(name, value),
    summary: (markdown) => reporter.summary(markdown),
    redact: (text) => reporter.redact(text),
  } as Reporter;
}
