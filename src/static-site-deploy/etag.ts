/**
 * S3 ETags computed locally, so an unchanged file is skipped without reading the object:
 * a single PUT's ETag is the MD5 of the body; a multipart upload's is the MD5 of the
 * concatenated binary MD5s of its parts, then `-<part count>` (what S3, MinIO and moto return).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** aws-cli's and the SDK's lib-storage defaults: 8 MiB parts above an 8 MiB threshold. */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
export const PART_SIZE = 8 * 1024 * 1024;

const BLOCK = 1024 * 1024;
/** One read buffer for every digest: each block is hashed before any await, so callers never share it across a pause. */
const block = Buffer.allocUnsafe(BLOCK);
/** How long digesting holds the event loop before letting a listing page in flight be handled. */
const SLICE_MS = 5;
let sliceStart = performance.now();

/** Yields to the event loop once the current slice of synchronous reading is used up. */
async function pause(): Promise<void> {
  if (performance.now() - sliceStart < SLICE_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  sliceStart = performance.now();
}

/**
 * Binary MD5 of each `partSize` slice of the file, in one read of 1 MiB blocks. The reads are
 * synchronous (half the time of a thread-pool read per file for a build of small files, which
 * was just written and is in the page cache) in slices of SLICE_MS, so requests in flight still
 * progress. Rejects with the file system's error (ENOENT, EACCES).
 */
export async function partDigests(file: string, partSize: number): Promise<Buffer[]> {
  const digests: Buffer[] = [];
  let hash = createHash('md5');
  let filled = 0;
  const fd = openSync(file, 'r');
  try {
    for (;;) {
      const read = readSync(fd, block, 0, BLOCK, null);
      if (read === 0) break;
      let at = 0;
      while (at < read) {
        const take = Math.min(partSize - filled, read - at);
        hash.update(block.subarray(at, at + take));
        filled += take;
        at += take;
        if (filled === partSize) {
          digests.push(hash.digest());
          hash = createHash('md5');
          filled = 0;
        }
      }
      await pause();
    }
  } finally {
    closeSync(fd);
  }
  if (filled > 0 || digests.length === 0) digests.push(hash.digest());
  return digests;
}

/** The ETag (without quotes) S3 gives this file uploaded as we upload it: single PUT below the threshold, else multipart. */
export async function localETag(file: string, size: number): Promise<string> {
  return size < MULTIPART_THRESHOLD ? (await partDigests(file, Number.MAX_SAFE_INTEGER))[0].toString('hex') : multipartETag(await partDigests(file, PART_SIZE));
}

export function multipartETag(parts: readonly Buffer[]): string {
  return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
}

/** `"abc-3"` -> { hex: 'abc', parts: 3 }; a plain ETag has parts 0. */
export function parseETag(etag: string): { hex: string; parts: number } {
  const m = /^"?([0-9a-fA-F]{32})(?:-(\d+))?"?$/.exec(etag.trim());
  return m ? { hex: m[1].toLowerCase(), parts: m[2] ? Number(m[2]) : 0 } : { hex: '', parts: -1 };
}

/** Whether the stored ETag (quoted or not, any case) is `ours`: the same bytes uploaded as we upload them. */
function sameETag(ours: string, remote: string): boolean {
  const r = parseETag(remote);
  return r.parts >= 0 && (r.parts === 0 ? r.hex : `${r.hex}-${r.parts}`) === ours;
}

/**
 * Whether the stored object's ETag says it holds exactly this file. A multipart ETag made by
 * another uploader (another part size) is checked against the part sizes that give its part count:
 * ours, 5/16/64 MiB and size/parts rounded up to a MiB, as aws-cli and most SDKs choose.
 */
export async function sameContent(file: string, size: number, ours: string, remote: string): Promise<boolean> {
  // Our own ETag is the common answer; only another uploader's part size needs the file read again.
  if (sameETag(ours, remote)) return true;
  const r = parseETag(remote);
  if (r.parts < 0) return false;
  if (r.parts === 0) return size >= MULTIPART_THRESHOLD && r.hex === (await partDigests(file, Number.MAX_SAFE_INTEGER))[0].toString('hex');
  const MiB = 1024 * 1024;
  const sizes = new Set([5 * MiB, 16 * MiB, 64 * MiB, Math.ceil(size / r.parts / MiB) * MiB].filter((p) => p !== PART_SIZE && Math.ceil(size / p) === r.parts));
  for (const p of sizes) if (multipartETag(await partDigests(file, p)) === `${r.hex}-${r.parts}`) return true;
  return false;
}
