/**
 * Gets blobs into a repository and proves them there: HEAD first (present at its size -> skip),
 * else upload from a stream factory, then HEAD again and insist on the exact size. Callers write
 * manifests and tags only after this resolves, so a tag never points at a missing blob.
 */
import type { Readable } from 'node:stream';
import { ServiceError } from '../errors';
import { mapLimit } from '../pool';
import { formatRepository } from './reference';
import type { Descriptor, RegistryClient, RepositoryRef } from './types';

/** Opens a blob's bytes; may be called again when an interrupted upload restarts. */
export type OpenBlob = (blob: Descriptor) => Promise<Readable> | Readable;

export interface BlobPushCounts {
  /** Already in the repository at the expected size. */
  present: number;
  uploaded: number;
}

/** Throws a ServiceError naming the digest unless the repository holds the blob at its exact size. */
export async function verifyBlobPresent(client: RegistryClient, repo: RepositoryRef, blob: Descriptor): Promise<void> {
  const size = await client.headBlob(repo, blob.digest);
  if (size !== blob.size) {
    throw new ServiceError(
      formatRepository(repo),
      `blob ${blob.digest} is ${size === undefined ? 'missing' : `${size} bytes, not ${blob.size}`} right after it was written`,
      'The registry lost or altered the upload; nothing was tagged. Check its storage and retry',
    );
  }
}

/** Uploads a blob already known to be missing, then verifies it. */
export async function uploadBlobVerified(client: RegistryClient, repo: RepositoryRef, blob: Descriptor, open: OpenBlob): Promise<void> {
  await client.putBlob(repo, blob.digest, blob.size, () => open(blob));
  await verifyBlobPresent(client, repo, blob);
}

/** The verb: skip when present at its size, else upload and verify. */
export async function ensureBlobPresent(client: RegistryClient, repo: RepositoryRef, blob: Descriptor, open: OpenBlob): Promise<'present' | 'uploaded'> {
  if ((await client.headBlob(repo, blob.digest)) === blob.size) return 'present';
  await uploadBlobVerified(client, repo, blob, open);
  return 'uploaded';
}

/** `ensureBlobPresent` over the distinct blobs, at most `concurrency` at once; the first failure rejects. */
export async function ensureBlobsPresent(
  client: RegistryClient,
  repo: RepositoryRef,
  blobs: readonly Descriptor[],
  open: OpenBlob,
  concurrency: number,
): Promise<BlobPushCounts> {
  const distinct = [...new Map(blobs.map((b) => [b.digest, b])).values()];
  const counts: BlobPushCounts = { present: 0, uploaded: 0 };
  await mapLimit(distinct, concurrency, async (blob) => {
    counts[await ensureBlobPresent(client, repo, blob, open)]++;
  });
  return counts;
}
