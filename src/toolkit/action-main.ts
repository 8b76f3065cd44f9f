/**
 * The thin `main` every action shares: read raw inputs, parse (nothing is touched before this
 * succeeds), run with real clients, and turn any failure into one `::error::` line and exit 1.
 */
import { coreReporter, readRawInputs, core } from './actions-core';
import { errorLine } from './errors';
import type { Reporter } from './reporter';

export async function actionMain<T>(
  inputNames: readonly string[],
  parse: (raw: Record<string, string>) => T,
  run: (inputs: T, reporter: Reporter) => Promise<void>,
): Promise<void> {
  try {
    const inputs = parse(readRawInputs(inputNames));
    await run(inputs, coreReporter);
  } catch (err) {
    // The runner masks these lines too; redacting here also covers a secret registered in a
    // derived form only (a header built from it) and logs read outside the runner.
    if (err instanceof Error && err.stack) core.debug(coreReporter.redact(err.stack));
    core.setFailed(coreReporter.redact(errorLine(err)));
  }
}
