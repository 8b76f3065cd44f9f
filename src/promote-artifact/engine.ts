/**
 * Executes a promotion plan with the registry client's verbs, one destination at a time so
 * each one's requests, bytes and time are its own. In every path the destination tag is
 * written after every blob, child manifest and referrer is verified present, and read back
 * after it is written; cosign's signature tags follow the image.
 */
import { errorLine, ServiceError } from '../toolkit/errors';
import { formatReference, formatRepository } from '../toolkit/registry/reference';
import type { ManifestBlob, RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import type { Reporter } from '../toolkit/reporter';
import { formatBytes, formatMs } from '../toolkit/summary';
import type { BlobCounts } from './blobs';
import { loadImage, type ImageNode } from './image-graph';
import { writeTree } from './manifests';
import { destinationReference, tagConflict, type PlannedDestination, type PromotionPlan } from './plan';
import { syncReferrers, type ReferrerLookup } from './referrers';
import { syncSignatureTags, type SignatureTagOutcome } from './signature-tags';
import { verifyTag } from './tag-write';

/** ECR's own retag (BatchGetImage + PutImage) inside one repository; false when the tag already held the digest. */
export type EcrRetag = (repo: RepositoryRef, tag: string, digest: string) => Promise<boolean>;

export interface EngineOptions {
  concurrency: number;
  referrers: boolean;
  /** Check the tag again right before writing it, and refuse to move it. */
  immutableTags?: boolean;
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
  /** cosign's signature tags at this destination, after the image. */
  signatureTags: SignatureTagOutcome[];
}

export interface EngineDeps {
  client: RegistryClient;
  reporter: Reporter;
  ecrRetag?: EcrRetag;
  now?: () => number;
  /** The source's referrers (run.ts asks for the image's while planning); default: asked per destination. */
  referrers?: ReferrerLookup;
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
      referrersWritten = await syncReferrers(client, plan.source, dest, plan.digest, mode, options.concurrency, deps.referrers);
    }
    if (dest.path === 'ecr-retag') {
      if (!deps.ecrRetag) throw new ServiceError(formatRepository(dest), 'is an ECR repository but no ECR client is configured', 'Set aws-region');
      written = await deps.ecrRetag(dest, dest.tag as string, plan.digest);
      if (written) await verifyTag(client, dest, dest.tag as string, plan.digest);
    } else if (dest.path !== 'noop' && dest.tag !== undefined) {
      written = (await putTag(client, dest, dest.tag, root, plan.digest, reporter, options.immutableTags === true)) || written;
    }
    const signatureTags =
      options.referrers && plan.signatureTags
        ? await syncSignatureTags(client, plan.source, dest, plan.signatureTags.found, mode, options.concurrency, reporter)
        : [];
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
      signatureTags,
    };
    outcomes.push(outcome);
    deps.onOutcome?.(outcome);
    reporter.info(describe(outcome));
  }
  return outcomes;
}

/**
 * The tag write of a destination. With immutable tags the tag is checked again right before
 * the write (the plan looked long before). A failed PUT (e.g. an immutable tag) is success when
 * the tag already holds the digest, and otherwise an error naming both digests and what the
 * registry answered. A PUT that succeeded is read back: a tag holding another digest by then
 * (another promotion wrote it) is an error naming both. Returns whether the tag was written.
 */
async function putTag(
  client: RegistryClient,
  dest: PlannedDestination,
  tag: string,
  root: ManifestBlob,
  digest: string,
  reporter: Reporter,
  immutable: boolean,
): Promise<boolean> {
  if (immutable) {
    const now = (await client.headManifest(dest, tag))?.digest;
    if (now === digest) {
      reporter.info(`${formatReference(dest)} holds ${digest} already (written since the plan looked): nothing to do`);
      return false;
    }
    if (now !== undefined) throw tagConflict(dest, now, digest);
  }
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
  await verifyTag(client, dest, tag, digest);
  return true;
}

function describe(o: DestinationOutcome): string {
  const blobs =
    o.blobs.mounted + o.blobs.uploaded + o.blobs.present > 0
      ? `, blobs ${o.blobs.mounted} mounted / ${o.blobs.uploaded} uploaded / ${o.blobs.present} present`
      : '';
  const referrers = o.referrersWritten > 0 ? `, ${o.referrersWritten} referrer manifest(s)` : '';
  const sigs = o.signatureTags.length > 0 ? `, signature tags: ${o.signatureTags.map((t) => `${t.tag} ${t.result}`).join(', ')}` : '';
  const what = o.written ? o.destination.path : `${o.destination.path} (nothing written)`;
  return `${what} ${o.reference}: ${o.requests} request(s), ${formatBytes(o.bytes)} uploaded, ${formatMs(o.ms)}${blobs}${referrers}${sigs}`;
}
