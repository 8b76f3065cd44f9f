/**
 * Referrers (signatures, SBOMs, attestations) travel with the image. Each referrer manifest
 * is written like an image (blobs first, verified); where the destination has no OCI 1.1
 * referrers API, the `sha256-<hex>` tag-scheme index is written (byte-exact when the
 * destination had none, else merged) so verifiers find them there as they did at the source.
 */
import { ServiceError } from '../toolkit/errors';
import { formatRepository } from '../toolkit/registry/reference';
import { MEDIA_TYPES, type Descriptor, type RegistryClient, type RepositoryRef } from '../toolkit/registry/types';
import type { BlobMode } from './blobs';
import { loadImage } from './image-graph';
import { writeTree } from './manifests';
import { putTagVerified } from './tag-write';

/** Referrers of referrers (a signature on an SBOM) are followed this deep. */
const MAX_DEPTH = 2;

export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

export type ReferrerList = Awaited<ReturnType<RegistryClient['referrers']>>;

/** The referrers of a digest in one repository. */
export type ReferrerLookup = (digest: string) => Promise<ReferrerList>;

/**
 * `client.referrers(from, digest)`, each digest asked once: every destination needs the same
 * answer about the source, and the first ask can go out while the plan is still being made.
 * A failed ask is not kept (the next caller asks again, after the client's own retries).
 */
export function sourceReferrers(client: RegistryClient, from: RepositoryRef): ReferrerLookup {
  const asked = new Map<string, Promise<ReferrerList>>();
  return (digest) => {
    let answer = asked.get(digest);
    if (!answer) {
      answer = client.referrers(from, digest);
      asked.set(digest, answer);
      answer.catch(() => asked.delete(digest));
    }
    return answer;
  };
}

/** Copies the referrers `to` lacks; returns how many referrer manifests were written. `sourceOf` defaults to asking `from` each time. */
export async function syncReferrers(
  client: RegistryClient,
  from: RepositoryRef,
  to: RepositoryRef,
  digest: string,
  mode: BlobMode,
  concurrency: number,
  sourceOf: ReferrerLookup = (d) => client.referrers(from, d),
  depth = 1,
): Promise<number> {
  const source = await sourceOf(digest);
  if (source.descriptors.length === 0) return 0;
  const before = await client.referrers(to, digest);
  const missing = source.descriptors.filter((d) => !holds(before.descriptors, d));
  let written = 0;
  for (const d of missing) {
    const node = await loadImage(client, from, await client.getManifest(from, d.digest), concurrency);
    written += (await writeTree(client, from, to, node, mode, concurrency)).manifestsWritten;
  }
  if (missing.length > 0) await indexReferrers(client, from, to, digest, missing, source.via, before);
  if (depth < MAX_DEPTH) {
    for (const d of source.descriptors) written += await syncReferrers(client, from, to, d.digest, mode, concurrency, sourceOf, depth + 1);
  }
  return written;
}

function holds(list: readonly Descriptor[], d: Descriptor): boolean {
  return list.some((h) => h.digest === d.digest);
}

/** Makes sure the destination lists every copied referrer, writing the tag-scheme index if needed. */
async function indexReferrers(
  client: RegistryClient,
  from: RepositoryRef,
  to: RepositoryRef,
  digest: string,
  copied: readonly Descriptor[],
  sourceVia: 'api' | 'tag-schema',
  before: { descriptors: Descriptor[]; via: 'api' | 'tag-schema' },
): Promise<void> {
  // An OCI 1.1 registry lists pushed referrers by itself: ask again. A tag-scheme index has not changed since `before`.
  const listed = before.via === 'api' ? await client.referrers(to, digest) : before;
  const unlisted = copied.filter((d) => !holds(listed.descriptors, d));
  if (unlisted.length === 0) return;
  const where = formatRepository(to);
  if (listed.via === 'api') {
    throw new ServiceError(
      where,
      `the referrers API does not list ${unlisted.map((d) => d.digest).join(', ')} after they were pushed`,
      'Check that the registry supports OCI 1.1 subject indexing',
    );
  }
  const tag = referrersTag(digest);
  if (listed.descriptors.length === 0 && sourceVia === 'tag-schema') {
    const index = await client.getManifest(from, tag);
    await putTagVerified(client, to, tag, index.bytes, index.descriptor.mediaType, index.descriptor.digest);
  } else {
    const merged = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...listed.descriptors, ...unlisted] };
    await client.putManifest(to, tag, Buffer.from(JSON.stringify(merged)), MEDIA_TYPES.ociIndex);
  }
  const after = await client.referrers(to, digest);
  const lost = copied.filter((d) => !holds(after.descriptors, d));
  if (lost.length > 0) throw new ServiceError(where, `referrers ${lost.map((d) => d.digest).join(', ')} are not listed under ${tag} after writing it`);
}
