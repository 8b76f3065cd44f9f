/**
 * The local side: every file of the built frontend, with its key, phase, headers and the
 * digests S3 would give it. Read once; nothing remote is touched here.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../toolkit/errors';
import { classify, type ClassifyOptions, type Headers, type Phase } from './classify';
import { MULTIPART_THRESHOLD, PART_SIZE, multipartETag, partDigests } from './etag';
import { headerSignature, MANIFEST_NAME } from './manifest';

/** A build file as found on disk, before its bytes are read. */
export interface LocalFile {
  /** Key under the prefix, `/`-separated, e.g. `assets/app.3f9a1c.js`. */
  key: string;
  file: string;
  /** Bytes. */
  size: number;
  phase: Phase;
  headers: Headers;
  /** See headerSignature. */
  signature: string;
}

export interface BuildFile extends LocalFile {
  /** The ETag S3 gives this file as we upload it (no quotes). */
  etag: string;
  /** Binary MD5 per uploaded part (one entry for a single PutObject). */
  md5: Buffer[];
}

/**
 * Symlinks are followed, as `aws s3 sync` does by default; `ancestors` (real paths) stops a cycle.
 * Synchronous: one stat per file, and a thread-pool round trip each made a 2,000-file walk 12x slower.
 */
function walk(dir: string, rel: string, out: { key: string; file: string; size: number }[], ancestors = new Set<string>()): void {
  const real = realpathSync(dir);
  if (ancestors.has(real)) return;
  const seen = new Set([...ancestors, real]);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const key = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(file, key, out, seen);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      let s;
      try {
        s = statSync(file);
      } catch {
        throw new InputError('source-dir', `'${key}' is a symbolic link to nothing`, 'Fix or remove the link in the build: its file cannot be uploaded');
      }
      if (s.isFile()) out.push({ key, file, size: s.size });
      else if (s.isDirectory()) walk(file, key, out, seen);
    }
  }
}

/**
 * Lists and classifies the build, sorted by key, without reading any file's bytes. InputError
 * (naming source-dir) when the directory is missing, not a directory, empty, holds the
 * manifest's own key or a symbolic link to nothing.
 */
export async function scanBuild(sourceDir: string, opts: ClassifyOptions): Promise<LocalFile[]> {
  const dir = path.resolve(sourceDir);
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new InputError('source-dir', `'${sourceDir}' does not exist`, 'Point it at the build output (e.g. dist or build) and run the build first');
  if (!s.isDirectory()) throw new InputError('source-dir', `'${sourceDir}' is not a directory`, 'Point it at the build output directory');
  const found: { key: string; file: string; size: number }[] = [];
  walk(dir, '', found);
  if (found.length === 0) throw new InputError('source-dir', `'${sourceDir}' holds no files`, 'Run the build first: an empty deploy would take the site down');
  if (found.some((f) => f.key === MANIFEST_NAME))
    throw new InputError('source-dir', `'${sourceDir}' contains ${MANIFEST_NAME}, the key of Shipline's deploy manifest`, 'Remove it from the build');
  found.sort((a, b) => (a.key < b.key ? -1 : 1));
  const keys = new Set(found.map((f) => f.key));
  return found.map((f) => {
    const { phase, headers } = classify(f.key, keys, opts);
    return { ...f, phase, headers, signature: headerSignature(headers) };
  });
}

/**
 * Reads every file once for the digests S3 would give it: the MD5 of a single PutObject body
 * below MULTIPART_THRESHOLD, else of each PART_SIZE part and the multipart ETag over them.
 * One file at a time (see partDigests); rejects with the first file system error.
 */
export async function digestBuild(files: readonly LocalFile[]): Promise<BuildFile[]> {
  const out: BuildFile[] = [];
  for (const f of files) {
    const multipart = f.size >= MULTIPART_THRESHOLD;
    const md5 = await partDigests(f.file, multipart ? PART_SIZE : Number.MAX_SAFE_INTEGER);
    out.push({ ...f, etag: multipart ? multipartETag(md5) : md5[0].toString('hex'), md5 });
  }
  return out;
}
