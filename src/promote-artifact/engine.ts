/**
 * Executes a promotion plan with the registry client's verbs, one destination at a time so
 * each one's requests, bytes and time are its own. In every path the destination tag is the
 * last thing written, after every blob, child manifest and referrer is verified present.
 */
import { errorLine, ServiceError } from '../toolkit/errors';
import { formatReference, formatRepository } from '../toolkit/registry/reference';
import type { ManifestBlob, RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import type { Reporter } from '../toolkit/reporter';
import { formatBytes, formatMs } from '../toolkit/summary';
import type { BlobCounts } from './blobs';
import { loadImage, type ImageNode } from './image-graph';
import { writeTree } from './manifests';
import { destinationReference, type PlannedDestination, type PromotionPlan } from './plan';
import { syncReferrers } from './referrers';

/** ECR's own retag (BatchGetImage + PutImage) inside one repository; false when the tag already held the digest. */
export type EcrRetag = (repo: RepositoryRef, tag: string, digest: string) => Promise<boolean>;

export interface EngineOptions {
  concurrency: number;
  referrers: boolean;
}

export interface DestinationOutcome {
  destination: PlannedDestination;
  reference: string;
  /** True when the image (tag or manifests) was written; referrers alone do not count. */
  written: boolean;
  requests: number;
  bytes: number;
  ms: number;
  blobs: BlobCounts;
  referrersWritten: number;
}

export interface EngineDeps {
  client: RegistryClient;
  reporter: Reporter;
  ecrRetag?: EcrRetag;
  now?: () => number;
  /** Told of each destination as it completes (so a failure later still reports the earlier ones). */
  onOutcome?: (outcome: DestinationOutcome) => void;
}

export async function executePlan(plan: PromotionPlan, root: ManifestBlob, deps: EngineDeps, options: EngineOptions): Promise<DestinationOutcome[]> {
  const { client, reporter } = deps;
  const now = deps.now ?? Date.now;
  let image: ImageNode | undefined;
  // The source tree is read once, and only if a destination needs blobs or child manifests.
  const loadOnce = async (): Promise<ImageNode> => (image ??= await loadImage(client, plan.source, root, options.concurrency));
  const outcomes: DestinationOutcome[] = [];
  for (const dest of plan.destinations) {
    const start = { requests: client.stats.requests, bytes: client.stats.bytesUploaded, ms: now() };
    const blobs: BlobCounts = { present: 0, mounted: 0, uploaded: 0 };
    let written = false;
    let referrersWritten = 0;
    const mode = dest.registry === plan.source.registry ? 'mount' : 'copy';
    if (dest.path === 'mount' || dest.path === 'copy') {
      // The plan's HEAD of a digest-only destination already found the root manifest absent there.
      const rootAbsent = dest.tag === undefined;
      const tree = await writeTree(client, plan.source, dest, await loadOnce(), mode, options.concurrency, rootAbsent);
      Object.assign(blobs, { present: tree.present, mounted: tree.mounted, uploaded: tree.uploaded });
      written = tree.manifestsWritten > 0;
    }
    // Same-repository paths share the source's referrers already; other repositories get them copied.
    const otherRepo = dest.registry !== plan.source.registry || dest.repository !== plan.source.repository;
    if (options.referrers && otherRepo) {
      referrersWritten = await syncReferrers(client, plan.source, dest, plan.digest, mode, options.concurrency);
    }
    if (dest.path === 'ecr-retag') {
      if (!deps.ecrRetag) throw new ServiceError(formatRepository(dest), 'is an ECR repository but no ECR client is configured', 'Set aws-region');
      written = await deps.ecrRetag(dest, dest.tag as string, plan.digest);
    } else if (dest.path !== 'noop' && dest.tag !== undefined) {
      written = (await putTag(client, dest, dest.tag, root, plan.digest, reporter)) || written;
    }
    const outcome: DestinationOutcome = {
      destination: dest,
      reference: destinationReference(dest, plan.digest),
      written,
      // The plan's look at this destination is part of what it cost.
      requests: dest.lookupRequests + client.stats.requests - start.requests,
      bytes: client.stats.bytesUploaded - start.bytes,
      ms: now() - start.ms,
      blobs,
      referrersWritten,
    };
    outcomes.push(outcome);
    deps.onOutcome?.(outcome);
    reporter.info(describe(outcome));
  }
  return outcomes;
}

/**
 * The last write of a destination. A failed PUT (e.g. an immutable tag) is success when the
 * tag already holds the digest, and otherwise an error naming both digests and what the
 * registry answered (refused, or stored something else). Returns whether the tag was written.
 */
async function putTag(client: RegistryClient, dest: PlannedDestination, tag: string, root: ManifestBlob, digest: string, reporter: Reporter): Promise<boolean> {
  let stored: string;
  try {
    stored = await client.putManifest(dest, tag, root.bytes, root.descriptor.mediaType);
  } catch (err) {
    const held = (await client.headManifest(dest, tag).catch(() => undefined))?.digest;
    if (held === digest) {
      reporter.info(`${formatReference(dest)} refused the tag write but already holds ${digest}: nothing to do`);
      return false;
    }
    if (held !== undefined) {
      throw new ServiceError(
        formatReference(dest),
        `the tag already points at ${held}, not at the promoted ${digest}; writing it failed: ${errorLine(err)}`,
        'If the tag is immutable, promote under a new tag, or delete the old tag first if moving it is intended',
      );
    }
    throw err;
  }
  if (stored !== digest) {
    throw new ServiceError(
      formatReference(dest),
      `the registry reports ${stored} for the tag, not the promoted ${digest}`,
      'The registry rewrote the manifest, so the promotion is not byte-exact; check the destination tag by hand',
    );
  }
  return true;
}

function describe(o: DestinationOutcome): string {
  const blobs =
    o.blobs.mounted + o.blobs.uploaded + o.blobs.present > 0
      ? `, blobs ${o.blobs.mounted} mounted / ${o.blobs.uploaded} uploaded / ${o.blobs.present} present`
      : '';
  const referrers = o.referrersWritten > 0 ? `, ${o.referrersWritten} referrer manifest(s)` : '';
  const what = o.written ? o.destination.path : `${o.destination.path} (nothing written)`;
  return `${what} ${o.reference}: ${o.requests} request(s), ${formatBytes(o.bytes)} uploaded, ${formatMs(o.ms)}${blobs}${referrers}`;
}
