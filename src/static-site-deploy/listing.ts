/**
 * Listing a prefix in parallel segments. ListObjectsV2 pages follow each other by continuation
 * token, so a plain listing of n objects takes n/1000 round trips in a row. Here the first page is
 * listed as usual (an empty or small bucket costs one request, as before); if it is truncated, the
 * rest of the key space is cut at the keys the deploy expects to find (the build's keys and the
 * manifest's) into as many segments as they fill pages, and each segment is listed at once from its StartAfter, page after
 * page until it passes the next segment's start. When the bucket holds what was expected, each
 * segment is one page: the same number of requests as a plain listing, in two round trips.
 * Whatever the bucket holds, the result is the plain listing's: the segments cover the key space
 * end to end, and each keeps only the keys of its own range.
 *
 * Key order is S3's: "List results are always returned in UTF-8 binary order" (ListObjectsV2).
 */
import { createLimit } from '../toolkit/pool';

/** One ListObjectsV2 answer: its objects in order, and the continuation token when IsTruncated. */
export interface ListPage<T> {
  objects: readonly (readonly [key: string, value: T])[];
  next?: string;
}

/** One ListObjectsV2 request under the listing's prefix: from the start, after a key, or by token. */
export type PageLister<T> = (from: { startAfter?: string; token?: string }) => Promise<ListPage<T>>;

/** S3's order: UTF-8 bytes (JavaScript's `<` compares UTF-16 units, which differs past U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Objects per ListObjectsV2 page (MaxKeys' default and maximum). */
export const PAGE_SIZE = 1000;

/**
 * Every object the lister sees, keyed by key. `expected`: full keys the caller expects (any order,
 * may be empty). At most `concurrency` segments are listed at once. `onPage` gets each page's keys
 * as it arrives (the caller can start work on a key it is waiting for). Rejects with the first
 * failed request's error.
 */
export async function listSegmented<T>(
  listPage: PageLister<T>,
  expected: readonly string[],
  concurrency: number,
  onPage?: (keys: readonly string[]) => void,
): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  const take = (page: ListPage<T>, upTo: string | undefined) => {
    const keys: string[] = [];
    for (const [key, value] of page.objects) {
      if (upTo !== undefined && compareKeys(key, upTo) > 0) continue;
      found.set(key, value);
      keys.push(key);
    }
    onPage?.(keys);
  };
  const first = await listPage({});
  take(first, undefined);
  if (first.next === undefined) return found;
  const last = first.objects.reduce<string | undefined>((max, [key]) => (max === undefined || compareKeys(key, max) > 0 ? key : max), undefined);
  if (last === undefined) {
    // A truncated page without objects (not seen from S3): nowhere to cut, so go on by token.
    await segment(listPage, { token: first.next }, undefined, take);
    return found;
  }
  const rest = [...new Set(expected)].filter((k) => compareKeys(k, last) > 0).sort(compareKeys);
  // As few segments as the expected keys need pages, of even size: each has room for keys the
  // build does not expect (stale ones) before it needs a second page.
  // Segment i lists (starts[i], starts[i + 1]]; segment 0 goes on from the first page by its token.
  const count = Math.max(1, Math.ceil(rest.length / PAGE_SIZE));
  const starts = [last];
  for (let i = 1; i < count; i++) starts.push(rest[Math.floor((i * rest.length) / count) - 1]);
  const limit = createLimit(concurrency);
  await Promise.all(starts.map((start, i) => limit(() => segment(listPage, i === 0 ? { token: first.next } : { startAfter: start }, starts[i + 1], take))));
  return found;
}

/** Lists from `from` page by page until a page reaches `end` (inclusive) or the listing ends. */
async function segment<T>(
  listPage: PageLister<T>,
  from: { startAfter?: string; token?: string },
  end: string | undefined,
  take: (page: ListPage<T>, upTo: string | undefined) => void,
): Promise<void> {
  let page = await listPage(from);
  for (;;) {
    take(page, end);
    if (page.next === undefined) return;
    if (end !== undefined && page.objects.some(([key]) => compareKeys(key, end) >= 0)) return;
    page = await listPage({ token: page.next });
  }
}
