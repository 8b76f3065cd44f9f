/**
 * Gets blobs into a destination repository the cheapest way: already there (HEAD), mounted
 * from the source repository (same registry), or streamed from the source registry. Every
 * blob is checked present with its exact size after it is written (toolkit push-blobs).
 */
import { mapLimit } from '../toolkit/pool';
import { ensureBlobPresent, uploadBlobVerified, verifyBlobPresent, type OpenBlob } from '../toolkit/registry/push-blobs';
import type { Descriptor, RegistryClient, RepositoryRef } from '../toolkit/registry/types';

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
  const open: OpenBlob = (blob) => client.getBlob(from, blob.digest);
  await mapLimit(blobs, concurrency, async (blob) => {
    if (mode === 'copy') {
      counts[await ensureBlobPresent(client, to, blob, open)]++;
    } else if (await client.mountBlob(to, blob.digest, from)) {
      // A mount of a blob the repository already has is answered 201 too, so it needs no HEAD first.
      await verifyBlobPresent(client, to, blob);
      counts.mounted++;
    } else {
      // The 202 already said the blob is not there: upload without another HEAD.
      await uploadBlobVerified(client, to, blob, open);
      counts.uploaded++;
    }
  });
  return counts;
}
