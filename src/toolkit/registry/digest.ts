/** Content digests: hashing bytes and streams, and checking the `algorithm:hex` form. */
import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * node:crypto is loaded on the first hash, not at start-up: it is ~3 ms of compiling Node's
 * crypto internals, which a client can spend while its first request is on the wire
 * (`warmUpHashing`) and a run that fails on its inputs never spends.
 */
function createHash(algorithm: string): Hash {
  return process.getBuiltinModule('node:crypto').createHash(algorithm);
}

let warming = false;

/** Loads node:crypto after the event loop's next poll, i.e. once the requests queued now are sent; once per process. */
export function warmUpHashing(): void {
  if (warming) return;
  warming = true;
  setImmediate(() => process.getBuiltinModule('node:crypto'));
}

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export type DigestAlgorithm = 'sha256' | 'sha512';

/** Why `value` is not a usable digest, or undefined when it is one. */
export function digestProblem(value: string): string | undefined {
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([^\s]*)$/.exec(value);
  if (!m) return `'${value}' is not a digest of the form sha256:<64 hex digits>`;
  const [, algorithm, hex] = m;
  const expected = HEX_LENGTH[algorithm];
  if (expected === undefined) return `digest algorithm '${algorithm}' is not supported (use sha256 or sha512)`;
  if (!/^[a-f0-9]*$/.test(hex)) return `digest '${value}' must be lowercase hexadecimal after '${algorithm}:'`;
  if (hex.length !== expected) return `a ${algorithm} digest has ${expected} hex digits, '${value}' has ${hex.length}`;
  return undefined;
}

export function isDigest(value: string): boolean {
  return digestProblem(value) === undefined;
}

export function algorithmOf(digest: string): DigestAlgorithm {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestOf(bytes: Buffer | Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Hashes a stream to its digest and size (consumes it). */
export async function digestOfStream(stream: AsyncIterable<Buffer | string>, algorithm: DigestAlgorithm = 'sha256'): Promise<{ digest: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(b);
    size += b.length;
  }
  return { digest: `${algorithm}:${hash.digest('hex')}`, size };
}

export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what} has digest ${actual}, expected ${expected}`);
    this.name = 'DigestMismatchError';
  }
}

/**
 * A pass-through that hashes what flows by and fails the stream at its end when the
 * content is not `expected` (or not `expectedSize` bytes), so a consumer never takes a
 * corrupt or truncated blob for a good one.
 */
export class VerifyingStream extends Transform {
  private readonly hash;
  private seen = 0;
  constructor(
    private readonly expected: string,
    private readonly expectedSize: number | undefined,
    private readonly what: string,
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
    this.hash = createHash(algorithmOf(expected));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.seen += chunk.length;
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
      done(new Error(`${this.what} ended after ${this.seen} of ${this.expectedSize} bytes`));
      return;
    }
    const actual = `${algorithmOf(this.expected)}:${this.hash.digest('hex')}`;
    done(actual === this.expected ? null : new DigestMismatchError(this.expected, actual, this.what));
  }
}
