/**
 * Which CloudFront paths to invalidate after a deploy, batched under CloudFront's limits
 * (CloudFront Developer Guide, "Invalidating files": at most 3,000 file paths and 15 wildcard
 * paths in progress per distribution; `*` only as the last character of a path).
 */
import { createHash } from 'node:crypto';
import type { InvalidateMode } from './inputs';

export const MAX_PATHS_PER_BATCH = 3000;
export const MAX_WILDCARDS_PER_BATCH = 15;

/**
 * A key's URL path as browsers request it and CloudFront matches it: non-ASCII and RFC 1738 unsafe
 * characters, `?` and a literal `*` (a wildcard anywhere but the end is refused) percent-encoded;
 * nothing else, since CloudFront does not invalidate a path whose other characters are encoded
 * (Developer Guide, "Non-ASCII or unsafe characters in the path"): `+ $ & , : ; = @` stay as they are.
 */
export function urlPath(key: string): string {
  const segment = (s: string) =>
    encodeURIComponent(s)
      .replace(/%(2B|24|26|2C|3A|3B|3D|40)/g, (m) => decodeURIComponent(m))
      .replace(/\*/g, '%2A');
  return '/' + key.split('/').map(segment).join('/');
}

/**
 * Paths for the `changed` mode: every changed key that is not content-hashed (a hashed name is new
 * by definition and never cached), plus `/dir/` and `/dir` for a changed `dir/index.html`
 * (directory URLs served by a default root object or a CloudFront Function). More than `maxPaths`
 * collapses to `/<prefix>*` (one path, billed as one).
 */
export function invalidationPaths(mode: InvalidateMode, changedUnhashed: readonly string[], prefix: string, maxPaths: number): string[] {
  const root = urlPath(prefix).replace(/\/?$/, '/');
  if (mode.kind === 'none') return [];
  if (mode.kind === 'all') return [`${root}*`];
  if (mode.kind === 'paths') return [...new Set(mode.paths)];
  const paths = new Set<string>();
  for (const key of changedUnhashed) {
    const p = urlPath(key);
    paths.add(p);
    const index = /^(.*\/)index\.html?$/.exec(p);
    if (index) {
      paths.add(index[1]);
      if (index[1] !== '/') paths.add(index[1].slice(0, -1));
    }
  }
  return paths.size > maxPaths ? [`${root}*`] : [...paths].sort();
}

/** Splits paths into CreateInvalidation batches of at most 3,000 paths and 15 wildcards each. */
export function batchPaths(paths: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let wildcards = 0;
  for (const p of paths) {
    const wild = p.endsWith('*');
    if (current.length === MAX_PATHS_PER_BATCH || (wild && wildcards === MAX_WILDCARDS_PER_BATCH)) {
      batches.push(current);
      current = [];
      wildcards = 0;
    }
    current.push(p);
    if (wild) wildcards++;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * CallerReference of one batch: the same run (GITHUB_RUN_ID; a re-run attempt keeps it) asking for
 * the same paths of the same distribution gets the same reference, so CloudFront returns the
 * invalidation it already made instead of a second one. At most 128 characters.
 */
export function callerReference(run: string, distributionId: string, batch: readonly string[]): string {
  const digest = createHash('sha256')
    .update(`${distributionId}\n${batch.join('\n')}`)
    .digest('hex')
    .slice(0, 32);
  return `shipline-${run.slice(0, 60)}-${digest}`;
}
