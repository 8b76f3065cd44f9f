/**
 * Writes an image tree into a destination repository: the manifests it lacks, children
 * before parents, each PUT by digest and then checked with a HEAD by digest. Subtrees the
 * destination already holds are skipped whole (a registry only accepts a manifest whose
 * blobs and children are present, so a present manifest vouches for everything below it).
 */
import { ServiceError } from '../toolkit/errors';
import { formatRepository } from '../toolkit/registry/reference';
import type { RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import { transferBlobs, type BlobCounts, type BlobMode } from './blobs';
import type { ImageNode } from './image-graph';
import { mapLimit } from '../toolkit/pool';

/** The nodes `to` lacks, children before their parent (the order they must be written in). */
async function missingNodes(client: RegistryClient, to: RepositoryRef, node: ImageNode, concurrency: number, knownAbsent = false): Promise<ImageNode[]> {
  const digest = node.manifest.descriptor.digest;
  if (!knownAbsent && (await client.headManifest(to, digest))?.digest === digest) return [];
  const below = await mapLimit(node.children, concurrency, (c) => missingNodes(client, to, c, concurrency));
  return [...below.flat(), node];
}

/** PUT by digest, then HEAD by digest: the destination must hold exactly the source bytes. */
export async function putVerified(client: RegistryClient, to: RepositoryRef, node: ImageNode): Promise<void> {
  const { digest, mediaType, size } = node.manifest.descriptor;
  const stored = await client.putManifest(to, digest, node.manifest.bytes, mediaType);
  const head = await client.headManifest(to, digest);
  if (stored !== digest || head?.digest !== digest || head.size !== size) {
    throw new ServiceError(
      formatRepository(to),
      `manifest ${digest} was stored as ${head ? `${head.digest} (${head.size} bytes)` : stored}, not byte-exact`,
      'The registry rewrote the manifest; promote to a registry that keeps manifests as pushed. Nothing was tagged',
    );
  }
}

export interface TreeWrite extends BlobCounts {
  manifestsWritten: number;
}

export async function writeTree(
  client: RegistryClient,
  from: RepositoryRef,
  to: RepositoryRef,
  root: ImageNode,
  mode: BlobMode,
  concurrency: number,
  /** The caller just saw `to` lack the root manifest (a HEAD by digest): don't ask again. */
  rootAbsent = false,
): Promise<TreeWrite> {
  const missing = await missingNodes(client, to, root, concurrency, rootAbsent);
  if (missing.length === 0) return { present: 0, mounted: 0, uploaded: 0, manifestsWritten: 0 };
  const blobs = [...new Map(missing.flatMap((n) => n.blobs).map((b) => [b.digest, b] as const)).values()];
  const counts = await transferBlobs(client, from, to, blobs, mode, concurrency);
  // Strictly in order: a parent may only be written once every child is verified present.
  for (const node of missing) await putVerified(client, to, node);
  return { ...counts, manifestsWritten: missing.length };
}
