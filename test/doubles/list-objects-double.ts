/**
 * A ListObjectsV2 double over a fixed set of keys, paging as the S3 API reference describes:
 * keys in UTF-8 binary order, at most MaxKeys (1000) a page, StartAfter exclusive, IsTruncated
 * with an opaque NextContinuationToken that continues after the page's last key (a token wins
 * over StartAfter). Every request is recorded, with how many were in flight at its start.
 */
import type { ListPage } from '../../src/static-site-deploy/listing';

export interface ListRequest {
  startAfter?: string;
  token?: string;
  inFlight: number;
}

export class ListObjectsDouble {
  readonly requests: ListRequest[] = [];
  private readonly keys: string[];
  private inFlight = 0;

  /** `fail(n)` answers the n-th request (1-based) with an error instead of a page. */
  constructor(
    keys: Iterable<string>,
    private readonly options: { pageSize?: number; fail?: (n: number) => Error | undefined } = {},
  ) {
    this.keys = [...new Set(keys)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** The PageLister listSegmented takes; the value of each key is its ETag-like `etag:<key>`. */
  readonly page = async ({ startAfter, token }: { startAfter?: string; token?: string }): Promise<ListPage<string>> => {
    this.inFlight++;
    this.requests.push({ startAfter, token, inFlight: this.inFlight });
    const n = this.requests.length;
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    const error = this.options.fail?.(n);
    if (error) throw error;
    const after = token !== undefined ? Buffer.from(token, 'base64url').toString('utf8') : startAfter;
    const from = after === undefined ? 0 : this.keys.findIndex((k) => Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0);
    const start = from < 0 ? this.keys.length : from;
    const slice = this.keys.slice(start, start + (this.options.pageSize ?? 1000));
    const truncated = start + slice.length < this.keys.length;
    return {
      objects: slice.map((k) => [k, `etag:${k}`] as const),
      next: truncated ? Buffer.from(slice[slice.length - 1], 'utf8').toString('base64url') : undefined,
    };
  };

  /** What a plain listing (token after token) returns, and how many requests it takes. */
  async sequential(): Promise<{ found: Map<string, string>; requests: number }> {
    const found = new Map<string, string>();
    let requests = 0;
    let token: string | undefined;
    do {
      const p = await this.page({ token });
      requests++;
      for (const [k, v] of p.objects) found.set(k, v);
      token = p.next;
    } while (token !== undefined);
    this.requests.splice(-requests);
    return { found, requests };
  }
}
