/**
 * Pushes the scanned OCI layout, byte for byte, through the registry client: blobs (HEAD, then
 * PUT when missing), child manifests by digest, then the image manifest under every tag. Each
 * tag is proven: the digest the registry reports (Docker-Content-Digest) must be the scanned one.
 */
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { formatRepository } from '../toolkit/registry/reference';
import type { RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import { manifestsBottomUp, openBlob, type OciLayout } from './oci-layout';

export interface PushResult {
  digest: string;
  tags: string[];
  blobsUploaded: number;
  blobsPresent: number;
}

export async function pushLayout(client: RegistryClient, repo: RepositoryRef, layout: OciLayout, tags: readonly string[], reporter: Reporter): Promise<PushResult> {
  const scanned = layout.root.descriptor.digest;
  const where = formatRepository(repo);
  let blobsUploaded = 0;
  let blobsPresent = 0;
  const done = new Set<string>();
  for (const m of manifestsBottomUp(layout.root)) {
    for (const blob of m.blobs) {
      if (done.has(blob.digest)) continue;
      done.add(blob.digest);
      const size = await client.headBlob(repo, blob.digest);
      if (size === blob.size) {
        blobsPresent++;
        continue;
      }
      await client.putBlob(repo, blob.digest, blob.size, () => openBlob(layout.dir, blob.digest));
      blobsUploaded++;
    }
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
    throw new ServiceError('registry', `${what} reports digest ${reported}, but the scanned image is ${scanned}`, 'The registry does not hold what was scanned; do not deploy this tag');
  }
}
