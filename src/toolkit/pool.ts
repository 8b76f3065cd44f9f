/**
 * The toolkit's one concurrency limiter (a counting semaphore, first come first served) and
 * `mapLimit` built on it. The registry client bounds blob uploads with it; promotion and
 * blob pushes map over descriptors with `mapLimit`.
 */

/** Runs the function it is given once fewer than its limit are running; resolves to its result. */
export type Limit = <R>(fn: () => Promise<R>) => Promise<R>;

/**
 * At most `concurrency` (at least 1) functions passed to the returned `Limit` run at once; the
 * others wait in call order. A rejection frees the slot like a success does.
 */
export function createLimit(concurrency: number): Limit {
  let free = Math.max(1, Math.floor(concurrency) || 1);
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async (fn) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/**
 * Runs `fn` over `items` with at most `limit` in flight, in order; results keep the items'
 * order. After the first failure no new item starts; those in flight finish, then it rejects
 * with that first failure.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const run = createLimit(limit);
  const results = new Array<R>(items.length);
  let failure: { error: unknown } | undefined;
  await Promise.all(
    items.map((item, i) =>
      run(async () => {
        if (failure) return;
        try {
          results[i] = await fn(item);
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  return results;
}
