import { SecretMask } from './mask';

/**
 * What an action's `run` may say to the world. `main` wires it to @actions/core; tests and
 * library users pass their own (see MemoryReporter). Keeping @actions/core out of `run`
 * keeps the logic usable outside GitHub and testable without ESM gymnastics.
 */
export interface Reporter {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Masks the value in every later log line. Call it for every credential, at once. */
  setSecret(value: string): void;
  /** Sets a step output; every registered secret in it becomes *** (outputs are not masked by the runner). */
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary (masked like the log). */
  summary(markdown: string): Promise<void>;
  /**
   * `text` with every value given to setSecret replaced by ***, longest first: for what the
   * runner does not mask itself (files the action writes, error lines built before a mask).
   */
  redact(text: string): string;
}

/** A Reporter that keeps everything in memory, masking log and summary like coreReporter does. */
export class MemoryReporter implements Reporter {
  readonly lines: string[] = [];
  readonly outputs: Record<string, string> = {};
  readonly secrets: string[] = [];
  summaryMarkdown = '';
  private readonly masker = new SecretMask();

  private mask(text: string): string {
    return this.masker.apply(text);
  }
  info(message: string): void {
    this.lines.push(this.mask(message));
  }
  warning(message: string): void {
    this.lines.push(`::warning::${this.mask(message)}`);
  }
  debug(message: string): void {
    this.lines.push(`::debug::${this.mask(message)}`);
  }
  setSecret(value: string): void {
    if (!value) return;
    this.secrets.push(value);
    this.masker.add(value);
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = this.mask(value);
  }
  async summary(markdown: string): Promise<void> {
    this.summaryMarkdown += this.mask(markdown);
  }
  redact(text: string): string {
    return this.mask(text);
  }
  get log(): string {
    return this.lines.join('\n');
  }
}
