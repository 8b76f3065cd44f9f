/**
 * Blob upload (OCI distribution "push"): POST opens a session, then either one monolithic
 * PUT with the digest (small blobs) or PATCH chunks followed by a closing PUT. The body is
 * streamed from the caller's source, never held whole. When anything breaks midway (a
 * dropped connection, a 5xx, the source stream failing) the session is abandoned and the
 * whole upload starts again from a new session with a freshly opened source.
 */
import { Readable } from 'node:stream';
import { ServiceError } from '../errors';
import { RetryableError } from '../retry';
import { DigestMismatchError } from './digest';
import type { RegistryHttp } from './http-session';
import { header, isNetworkError, drain, type HttpResponse } from './transport';
import type { RegistryStats, RepositoryRef } from './types';

export interface UploadOptions {
  /** Blobs up to this size go in one PUT; larger ones in PATCH chunks (by default one streamed PATCH, as docker push does: no resume is attempted, so smaller chunks would only add round trips). */
  monolithicMaxBytes: number;
  chunkBytes: number;
}

export const DEFAULT_UPLOAD: UploadOptions = { monolithicMaxBytes: 32 * 1024 * 1024, chunkBytes: Number.MAX_SAFE_INTEGER };

export type BlobSource = () => Promise<Readable> | Readable;

/** Hands out exact byte ranges of a source stream, one range at a time. */
class ByteRanges {
  private leftover: Buffer | undefined;
  private readonly it: AsyncIterator<Buffer>;
  constructor(
    source: Readable,
    private readonly onBytes: (n: number) => void,
  ) {
    this.it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  take(length: number): Readable {
    return Readable.from(this.range(length), { objectMode: false });
  }

  private async *range(length: number): AsyncGenerator<Buffer> {
    let remaining = length;
    while (remaining > 0) {
      let chunk = this.leftover;
      this.leftover = undefined;
      if (!chunk) {
        const next = await this.it.next();
        if (next.done) throw sourceError(`the blob source ended ${remaining} bytes short`);
        chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
      }
      if (chunk.length > remaining) {
        this.leftover = chunk.subarray(remaining);
        chunk = chunk.subarray(0, remaining);
      }
      remaining -= chunk.length;
      this.onBytes(chunk.length);
      yield chunk;
    }
  }

  /** Fails when the source has more bytes than the declared size. */
  async expectEnd(): Promise<void> {
    if (this.leftover?.length) throw sourceError('the blob source is longer than its declared size');
    const next = await this.it.next();
    if (!next.done) throw sourceError('the blob source is longer than its declared size');
  }

  close(): void {
    void this.it.return?.();
  }
}

/** A source that does not match its size is a caller bug, not worth retrying. */
function sourceError(message: string): Error {
  const e = new Error(message);
  e.name = 'BlobSourceError';
  return e;
}

export async function uploadBlob(
  http: RegistryHttp,
  stats: RegistryStats,
  repo: RepositoryRef,
  digest: string,
  size: number,
  open: BlobSource,
  opts: UploadOptions,
  /** An upload session left open by a mount the registry answered with 202. */
  takePendingSession: () => string | undefined,
): Promise<void> {
  const scopes = [`repository:${repo.repository}:pull,push`];
  const call = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, headers: Record<string, string> = {}) => ({
    registry: repo.registry,
    method,
    path,
    scopes,
    headers,
  });
  const expect = async (res: HttpResponse, status: number, what: string): Promise<string | undefined> => {
    if (res.status !== status) throw await http.unexpected(res, repo.registry, what);
    await drain(res);
    return header(res, 'location');
  };
  const nextLocation = (location: string | undefined, what: string): string => {
    if (!location) throw new ServiceError(`registry ${repo.registry}`, `${what} answered without a Location for the upload`);
    return http.resolve(repo.registry, location).toString();
  };

  await http.retrying(repo.registry, async () => {
    // The source is opened while the session is: a copy's GET and its POST cost one round trip, not two.
    const opened = Promise.resolve().then(open);
    opened.catch(() => undefined); // awaited below, or dropped when the session could not be opened
    let location = takePendingSession();
    if (!location) {
      try {
        const res = await http.once(call('POST', `/v2/${repo.repository}/blobs/uploads/`));
        location = nextLocation(await expect(res, 202, `starting an upload to ${repo.repository}`), 'starting an upload');
      } catch (e) {
        void opened.then(
          (source) => source.destroy(),
          () => undefined,
        );
        throw e;
      }
    }
    let ranges: ByteRanges | undefined;
    try {
      ranges = new ByteRanges(await opened, (n) => (stats.bytesUploaded += n));
      const octets = { 'content-type': 'application/octet-stream' };
      if (size <= opts.monolithicMaxBytes) {
        const body = ranges.take(size);
        const res = await http.once(call('PUT', withDigest(location, digest), { ...octets, 'content-length': String(size) }), body);
        await ranges.expectEnd();
        await finish(res);
        return;
      }
      for (let offset = 0; offset < size; offset += opts.chunkBytes) {
        const length = Math.min(opts.chunkBytes, size - offset);
        const headers = { ...octets, 'content-length': String(length), 'content-range': `${offset}-${offset + length - 1}` };
        const res = await http.once(call('PATCH', location, headers), ranges.take(length));
        location = nextLocation(await expect(res, 202, `uploading ${digest} to ${repo.repository}`), 'a chunk upload');
      }
      await ranges.expectEnd();
      const res = await http.once(call('PUT', withDigest(location, digest), { 'content-length': '0' }), Buffer.alloc(0));
      await finish(res);
    } catch (e) {
      const failure = classify(e);
      // Starting over: cancel the abandoned session (best effort) so the registry can drop it.
      if (failure instanceof RetryableError) {
        await http
          .once(call('DELETE', location))
          .then(drain)
          .catch(() => undefined);
      }
      throw failure;
    } finally {
      ranges?.close();
    }
  });

  function classify(e: unknown): unknown {
    if (e instanceof RetryableError || e instanceof ServiceError) return e;
    if (e instanceof DigestMismatchError || (e as Error).name === 'BlobSourceError') {
      return new ServiceError(`registry ${repo.registry}`, `upload of ${digest} to ${repo.repository} failed: ${(e as Error).message}`);
    }
    // The source or the connection dropped midway: start over from a new session.
    if (isNetworkError(e) || /ended after|premature/i.test((e as Error).message)) {
      return new RetryableError(`upload of ${digest} to ${repo.repository} interrupted (${(e as Error).message})`);
    }
    return e;
  }

  async function finish(res: HttpResponse): Promise<void> {
    await expect(res, 201, `completing the upload of ${digest} to ${repo.repository}`);
    const stored = header(res, 'docker-content-digest');
    if (stored && stored !== digest) {
      throw new ServiceError(`registry ${repo.registry}`, `stored the upload as ${stored}, expected ${digest}`);
    }
  }
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}
