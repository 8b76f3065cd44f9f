/**
 * Secret masking for text the runner does not mask itself the way it masks log lines (the job
 * summary, outputs, files): every registered value becomes ***, longest first so a secret that
 * contains another is hidden whole.
 */
export class SecretMask {
  private readonly values = new Set<string>();
  /** The values longest first, rebuilt after an add (apply runs on every log line). */
  private sorted: string[] = [];

  add(value: string): void {
    if (!value || this.values.has(value)) return;
    this.values.add(value);
    this.sorted = [...this.values].sort((a, b) => b.length - a.length);
  }

  has(value: string): boolean {
    return this.values.has(value);
  }

  apply(text: string): string {
    let out = text;
    for (const s of this.sorted) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  }
}
