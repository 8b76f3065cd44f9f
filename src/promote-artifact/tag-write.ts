/**
 * A tag write that is checked after it happens. A registry answers a manifest PUT with the
 * digest of what it just stored, but another writer may move the tag a moment later (two
 * promotions to one tag at once); only a read of the tag after the write (HEAD, OCI
 * distribution spec "Checking if content exists") says what the tag holds now.
 */
import { ServiceError } from '../toolkit/errors';
import { formatReference } from '../toolkit/registry/reference';
import type { RegistryClient, RepositoryRef } from '../toolkit/registry/types';

/** The error for a tag found holding `held` right after this run wrote `wanted` to it. */
export function tagMovedError(repo: RepositoryRef, tag: string, held: string | undefined, wanted: string): ServiceError {
  return new ServiceError(
    formatReference({ ...repo, tag }),
    `after writing ${wanted}, the tag holds ${held ?? 'nothing'}: another writer (a promotion running at the same time?) moved it, so ${wanted} is not what the tag serves`,
    'Run one promotion per tag at a time (concurrency: in the workflow), then promote again; with immutable-tags, use a registry that enforces them (ECR IMMUTABLE, Harbor)',
  );
}

/** Reads the tag back (one HEAD) and throws tagMovedError unless it holds `digest`. */
export async function verifyTag(client: RegistryClient, repo: RepositoryRef, tag: string, digest: string): Promise<void> {
  const held = (await client.headManifest(repo, tag))?.digest;
  if (held !== digest) throw tagMovedError(repo, tag, held, digest);
}

/** PUT `bytes` under `tag`, then read the tag back: resolves only when the tag holds `digest`. */
export async function putTagVerified(
  client: RegistryClient,
  repo: RepositoryRef,
  tag: string,
  bytes: Buffer,
  mediaType: string,
  digest: string,
): Promise<void> {
  const stored = await client.putManifest(repo, tag, bytes, mediaType);
  if (stored !== digest) {
    throw new ServiceError(
      formatReference({ ...repo, tag }),
      `the registry reports ${stored} for the tag, not the promoted ${digest}`,
      'The registry rewrote the manifest, so the promotion is not byte-exact; check the destination tag by hand',
    );
  }
  await verifyTag(client, repo, tag, digest);
}
