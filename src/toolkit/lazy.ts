/**
 * `lazy(load)`: a function that runs `load` on its first call and hands every caller the same
 * promise. Used with `await import(...)` so a heavy dependency (the AWS SDK) is loaded, as its
 * own ncc chunk, only on the path that needs it, once. A failed load is not kept: the next
 * call tries again.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
