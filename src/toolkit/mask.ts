/**
 * Secret masking for text the runner does not mask itself the way it masks log lines (the job
 * summary): every registered value becomes ***, longest first so a secret that contains another
 * is hidden whole.
 */
export class SecretMask {
  private readonly values = new Set<string>();

  add(value: string): void {
    if (value) this.values.add(value);
  }

  has(value: string): boolean {
    return this.values.has(value);
  }

  apply(text: string): string {
    return [...this.values].sort((a, b) => b.length - a.length).reduce((t, s) => t.split(s).join('***'), text);
  }
}
