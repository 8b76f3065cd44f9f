/**
 * The local OCI image layout the builders write: the one artifact that is scanned and then
 * pushed. Reads index.json and the manifests under it, checking every blob's digest.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import { digestOf } from '../toolkit/registry/digest';
import { INDEX_MEDIA_TYPES, type Descriptor } from '../toolkit/registry/types';

export interface LayoutManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  /** Blobs the manifest refers to (config and layers); empty for an index. */
  blobs: Descriptor[];
  /** For an index: its child manifests, pushed before it. */
  children: LayoutManifest[];
}

export interface OciLayout {
  dir: string;
  /** The top manifest or index: its digest is the image digest. */
  root: LayoutManifest;
}

export function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return path.join(dir, 'blobs', algorithm, hex);
}

export function openBlob(dir: string, digest: string) {
  return createReadStream(blobPath(dir, digest));
}

/**
 * Reads the layout; index.json must name exactly one image (what the builder just wrote). An
 * exporter may list it once per tag name: entries with the same digest are the same image.
 */
export async function readLayout(dir: string): Promise<OciLayout> {
  const indexFile = path.join(dir, 'index.json');
  if (!existsSync(indexFile))
    throw new ServiceError('builder', `no OCI layout at ${dir} (index.json missing)`, 'The build did not write its output; see the build log above');
  const index = JSON.parse(await readFile(indexFile, 'utf8')) as { manifests?: Descriptor[] };
  const tops = [...new Map((index.manifests ?? []).map((d) => [d.digest, d])).values()];
  if (tops.length !== 1) throw new ServiceError('builder', `the OCI layout at ${dir} holds ${tops.length} images, expected 1`);
  return { dir, root: await readManifest(dir, tops[0]) };
}

async function readManifest(dir: string, descriptor: Descriptor): Promise<LayoutManifest> {
  const bytes = await readVerified(dir, descriptor);
  const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  const mediaType = descriptor.mediaType || doc.mediaType || '';
  if (INDEX_MEDIA_TYPES.includes(mediaType) || Array.isArray(doc.manifests)) {
    const children = await Promise.all((doc.manifests ?? []).map((d) => readManifest(dir, d)));
    return { descriptor: { ...descriptor, mediaType }, bytes, blobs: [], children };
  }
  const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])];
  for (const b of blobs) {
    const s = await stat(blobPath(dir, b.digest)).catch(() => undefined);
    if (!s || s.size !== b.size)
      throw new ServiceError(
        'builder',
        `blob ${b.digest} of manifest ${descriptor.digest} is ${s ? `${s.size} bytes, expected ${b.size}` : 'missing'} in ${dir}`,
      );
  }
  return { descriptor: { ...descriptor, mediaType }, bytes, blobs, children: [] };
}

async function readVerified(dir: string, d: Descriptor): Promise<Buffer> {
  const bytes = await readFile(blobPath(dir, d.digest)).catch(() => {
    throw new ServiceError('builder', `manifest ${d.digest} is missing from the OCI layout at ${dir}`);
  });
  const actual = digestOf(bytes, d.digest.startsWith('sha512:') ? 'sha512' : 'sha256');
  if (actual !== d.digest) throw new ServiceError('builder', `manifest in ${dir} hashes to ${actual}, index.json says ${d.digest}`);
  return bytes;
}

/** Every manifest of the layout, children before parents (the order a registry accepts). */
export function manifestsBottomUp(m: LayoutManifest): LayoutManifest[] {
  return [...m.children.flatMap(manifestsBottomUp), m];
}

/** Total bytes of the distinct blobs, for the summary. */
export function layoutSize(layout: OciLayout): number {
  const seen = new Map<string, number>();
  for (const m of manifestsBottomUp(layout.root)) {
    seen.set(m.descriptor.digest, m.bytes.length);
    for (const b of m.blobs) seen.set(b.digest, b.size);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}
