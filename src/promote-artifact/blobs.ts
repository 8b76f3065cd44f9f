/**
 * Gets blobs into a destination repository the cheapest way: already there (HEAD), mounted
 * from the source repository (same registry), or streamed from the source registry. Every
 * blob is checked present with its exact size after it is written.
 */
import { ServiceError } from '../toolkit/errors';
import { formatRepository } from '../toolkit/registry/reference';
import type { Descriptor, RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import { mapLimit } from './pool';

export interface BlobCounts {
  /** Already in the destination repository. */
  present: number;
  mounted: number;
  uploaded: number;
}

export type BlobMode = 'mount' | 'copy';

export async function transferBlobs(
  client: RegistryClient,
  from: RepositoryRef,
  to: RepositoryRef,
  blobs: readonly Descriptor[],
  mode: BlobMode,
  concurrency: number,
): Promise<BlobCounts> {
  const counts: BlobCounts = { present: 0, mounted: 0, uploaded: 0 };
  await mapLimit(blobs, concurrency, async (blob) => {
    // A mount of a blob the repository already has is answered 201 too, so it needs no HEAD first.
    if (mode === 'mount' && (await client.mountBlob(to, blob.digest, from))) {
      counts.mounted++;
    } else if (mode === 'copy' && (await client.headBlob(to, blob.digest)) === blob.size) {
      counts.present++;
      return;
    } else {
      await client.putBlob(to, blob.digest, blob.size, () => client.getBlob(from, blob.digest));
      counts.uploaded++;
    }
    const size = await client.headBlob(to, blob.digest);
    if (size !== blob.size) {
      throw new ServiceError(
        formatRepository(to),
        `blob ${blob.digest} is ${size === undefined ? 'missing' : `${size} bytes, not ${blob.size}`} right after it was written`,
        'The registry lost or altered the upload; nothing was tagged. Check its storage and retry',
      );
    }
  });
  return counts;
}
