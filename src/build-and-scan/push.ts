/**
 * Pushes the scanned OCI layout, byte for byte, through the registry client: every distinct blob
 * several at once (HEAD, PUT when missing, HEAD again to prove it present at its size), then
 * child manifests by digest, then the image manifest under every tag. Each tag is proven: the
 * digest the registry reports (Docker-Content-Digest) must be the scanned one.
 */
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { ensureBlobsPresent } from '../toolkit/registry/push-blobs';
import { formatRepository } from '../toolkit/registry/reference';
import type { RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import { manifestsBottomUp, openBlob, type OciLayout } from './oci-layout';

export interface PushResult {
  digest: string;
  tags: string[];
  blobsUploaded: number;
  blobsPresent: number;
}

/** Blob uploads in flight at once: enough to fill a link, few enough not to trip registry rate limits. */
export const BLOB_CONCURRENCY = 4;

export async function pushLayout(
  client: RegistryClient,
  repo: RepositoryRef,
  layout: OciLayout,
  tags: readonly string[],
  reporter: Reporter,
  concurrency = BLOB_CONCURRENCY,
): Promise<PushResult> {
  const scanned = layout.root.descriptor.digest;
  const where = formatRepository(repo);
  const manifests = manifestsBottomUp(layout.root);
  // Every blob is verified present before the first manifest refers to it.
  const { uploaded: blobsUploaded, present: blobsPresent } = await ensureBlobsPresent(
    client,
    repo,
    manifests.flatMap((m) => m.blobs),
    (blob) => openBlob(layout.dir, blob.digest),
    concurrency,
  );
  for (const m of manifests) {
    if (m !== layout.root) {
      const got = await client.putManifest(repo, m.descriptor.digest, m.bytes, m.descriptor.mediaType);
      expectDigest(got, m.descriptor.digest, `${where}@${m.descriptor.digest}`);
    }
  }
  reporter.info(`Blobs: ${blobsUploaded} uploaded, ${blobsPresent} already in ${where}`);
  for (const tag of tags) {
    // A re-run pushing the same digest is a no-op, which also keeps ECR's immutable tags happy.
    if ((await client.headManifest(repo, tag))?.digest === scanned) {
      reporter.info(`${where}:${tag} already holds ${scanned}`);
      continue;
    }
    const reported = await client.putManifest(repo, tag, layout.root.bytes, layout.root.descriptor.mediaType);
    expectDigest(reported, scanned, `${where}:${tag}`);
    // Ask again, as any later puller would: the tag must now resolve to the scanned digest.
    const head = await client.headManifest(repo, tag);
    expectDigest(head?.digest ?? '(tag not found)', scanned, `${where}:${tag}`);
    reporter.info(`Pushed ${where}:${tag} -> ${reported} (the scanned digest)`);
  }
  return { digest: scanned, tags: [...tags], blobsUploaded, blobsPresent };
}

function expectDigest(reported: string, scanned: string, what: string): void {
  if (reported !== scanned) {
    throw new ServiceError(
      'registry',
      `${what} reports digest ${reported}, but the scanned image is ${scanned}`,
      'The registry does not hold what was scanned; do not deploy this tag',
    );
  }
}
