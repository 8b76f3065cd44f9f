/** Everything the demo starts registers its stop here; it runs once, on success, failure or Ctrl-C. */
export class Cleanup {
  private readonly stops: { what: string; stop: () => Promise<unknown> | unknown }[] = [];
  private done = false;

  add(what: string, stop: () => Promise<unknown> | unknown): void {
    this.stops.push({ what, stop });
  }

  async run(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const { what, stop } of this.stops.reverse()) {
      try {
        await stop();
      } catch (e) {
        console.error(`cleanup: stopping ${what} failed: ${(e as Error).message}`);
      }
    }
    if (this.stops.length > 0) console.log(`cleaned up: ${this.stops.map((s) => s.what).join(', ')}`);
  }

  /** Ctrl-C and kill stop the demo's services before exiting. */
  onSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        console.log(`\n${signal}: stopping what the demo started…`);
        void this.run().finally(() => process.exit(130));
      });
  }
}
