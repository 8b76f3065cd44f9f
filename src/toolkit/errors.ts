/**
 * The two kinds of failure a user may see. Anything else is a bug and is reported as
 * "unexpected error" with its message; stacks only ever go to the debug log.
 */

/** Bad input: names the input and says how to fix it. Raised before anything is written. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly problem: string,
    readonly fix?: string,
  ) {
    super(`Input '${input}': ${problem}${fix ? `. ${fix}` : ''}`);
    this.name = 'InputError';
  }
}

/** An outside system (registry, Prometheus, Helm, AWS) failed or answered unexpectedly. */
export class ServiceError extends Error {
  constructor(
    readonly system: string,
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(`${system}: ${problem}${hint ? `. ${hint}` : ''}`);
    this.name = 'ServiceError';
  }
}

/** One line for `::error::`: newlines folded, so the runner shows the whole message. */
export function errorLine(err: unknown): string {
  let text: string;
  if (err instanceof InputError || err instanceof ServiceError) text = err.message;
  else if (err instanceof Error) text = `Unexpected error: ${err.message}`;
  else text = `Unexpected error: ${String(err)}`;
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}
