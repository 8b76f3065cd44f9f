/**
 * The promotion plan as data: for each destination, the cheapest path that gets the source
 * digest there. It is decided from reads only (one HEAD per destination), printed before
 * anything is written, tested on its own, and summarised after the run.
 */
import { ServiceError } from '../toolkit/errors';
import { mapLimit } from '../toolkit/pool';
import { formatReference, sameRepository } from '../toolkit/registry/reference';
import type { RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import type { Destination } from './inputs';
import type { SignatureLookup } from './signature-tags';

export type PromotionPath = 'noop' | 'retag' | 'ecr-retag' | 'mount' | 'copy';

/** What each path costs, for logs, the summary and the README. */
export const PATH_COST: Record<PromotionPath, string> = {
  noop: 'already holds the digest: 1 HEAD, no write',
  retag: 'same repository: 1 HEAD + 1 manifest PUT under the new tag + 1 HEAD reading it back, no blob traffic',
  'ecr-retag': 'same ECR repository: 1 HEAD, then BatchGetImage + PutImage (ECR API), then 1 HEAD reading the tag back, no blob traffic',
  mount: 'same registry: cross-repository blob mounts (copy where the registry declines), no blob bytes',
  copy: 'other registry: blobs streamed source -> destination, several at once',
};

/** Said once under the cost list: the source read every path shares (in the total, not in a destination's row). */
export const SHARED_COST = 'all destinations share one GET of the source manifest at the start: its bytes are what every path writes';

export interface PlannedDestination extends Destination {
  path: PromotionPath;
  /** Registry requests the plan spent looking at this destination: its HEAD. */
  lookupRequests: number;
  /** The digest the destination tag held before, when it held another one (the tag is moved). */
  previousDigest?: string;
}

export interface PromotionPlan {
  source: RepositoryRef;
  digest: string;
  mediaType: string;
  destinations: PlannedDestination[];
  /** cosign's signature tags found beside the source image (looked up only when a destination is in another repository). */
  signatureTags?: SignatureLookup;
}

/** The path rule: no write if the digest is there, else retag < mount < copy by locality. */
export function choosePath(source: RepositoryRef, destination: RepositoryRef, holdsDigest: boolean, isEcrHost: (host: string) => boolean): PromotionPath {
  if (holdsDigest) return 'noop';
  if (sameRepository(source, destination)) return isEcrHost(destination.registry) ? 'ecr-retag' : 'retag';
  if (source.registry === destination.registry) return 'mount';
  return 'copy';
}

export interface PlanOptions {
  immutableTags: boolean;
  isEcrHost: (host: string) => boolean;
  /** Destinations looked at once. Default 1 (one after the other). */
  concurrency?: number;
}

/**
 * Looks at each destination once (HEAD of its tag, or of the digest for digest-only
 * destinations), up to `concurrency` at once. `digest` may still be on its way (a source
 * given by tag): tag destinations are looked at without waiting for it. An immutable tag
 * already holding another digest stops the promotion here, before anything has been written
 * to any destination. Each destination's `lookupRequests` is its one HEAD; token requests and
 * retries of these concurrent looks count in the step's total only.
 */
export async function buildPlan(
  client: RegistryClient,
  source: RepositoryRef,
  digest: string | Promise<string>,
  mediaType: string | Promise<string>,
  destinations: readonly Destination[],
  options: PlanOptions,
): Promise<PromotionPlan> {
  const held = await mapLimit(destinations, options.concurrency ?? 1, async (dest) => (await client.headManifest(dest, dest.tag ?? (await digest)))?.digest);
  const wanted = await digest;
  const planned = destinations.map((dest, i): PlannedDestination => {
    const now = held[i];
    if (now !== undefined && now !== wanted && options.immutableTags) throw tagConflict(dest, now, wanted);
    const path = choosePath(source, dest, now === wanted, options.isEcrHost);
    return { ...dest, path, lookupRequests: 1, ...(now !== undefined && now !== wanted ? { previousDigest: now } : {}) };
  });
  return { source, digest: wanted, mediaType: await mediaType, destinations: planned };
}

/** How a destination is named in logs and outputs: with its tag, or `@digest` when pushed by digest only. */
export function destinationReference(dest: Destination, digest: string): string {
  return formatReference(dest.tag === undefined ? { ...dest, digest } : dest);
}

/** The error for a tag that already holds another digest and must not move. */
export function tagConflict(dest: Destination, held: string, wanted: string): ServiceError {
  return new ServiceError(
    formatReference(dest),
    `the tag already points at ${held}, not at the promoted ${wanted}, and tags are immutable here`,
    'Promote under a new tag, or delete the old tag first if moving it is intended',
  );
}

/** The plan as log lines: one per destination, path first, so a reader scans the paths. */
export function formatPlan(plan: PromotionPlan): string {
  const width = Math.max(...plan.destinations.map((d) => d.path.length));
  const lines = plan.destinations.map((d) => {
    const moved = d.previousDigest ? ` (tag moves from ${d.previousDigest})` : '';
    return `  ${d.path.padEnd(width)}  ${destinationReference(d, plan.digest)}  - ${PATH_COST[d.path]}${moved}`;
  });
  const sigs = plan.signatureTags;
  if (sigs) {
    const found = sigs.found.map((t) => `${t.tag} (${t.digest})`).join(', ');
    lines.push(
      `  signature tags (cosign) at the source: ${found || 'none'}${sigs.unknown.length ? `; could not check ${sigs.unknown.map((u) => u.tag).join(', ')}` : ''}`,
    );
  }
  return [`Promotion plan for ${formatReference({ ...plan.source, digest: plan.digest })} (${plan.mediaType}):`, ...lines].join('\n');
}
