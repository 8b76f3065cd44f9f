/**
 * promote-artifact: resolve the source once, plan every destination from reads only, then
 * execute the plan (tags last), report outputs and the summary. Clients are injected.
 */
import { errorLine } from '../toolkit/errors';
import { formatReference, manifestReference, repositoryOf, sameRepository } from '../toolkit/registry/reference';
import type { ManifestBlob, RegistryClient } from '../toolkit/registry/types';
import type { Reporter } from '../toolkit/reporter';
import { executePlan, type DestinationOutcome, type EcrRetag } from './engine';
import { manifestLinks } from './image-graph';
import type { PromoteInputs } from './inputs';
import { buildPlan, destinationReference, formatPlan, type PromotionPlan } from './plan';
import { sourceReferrers, type ReferrerLookup } from './referrers';
import { findSignatureTags } from './signature-tags';
import { promotionSummary, unplannedSummary } from './summary';

export interface PromoteDeps {
  client: RegistryClient;
  /** True for hosts whose same-repository promotions go through ECR's own API. */
  isEcrHost: (host: string) => boolean;
  ecrRetag?: EcrRetag;
  now?: () => number;
}

export interface PromoteResult {
  plan: PromotionPlan;
  outcomes: DestinationOutcome[];
  outputs: Record<string, string>;
}

/**
 * Reads the source once and plans every destination; nothing is written here. The reads do
 * not depend on one another, so they go out together rather than one round trip each: the
 * source manifest, each destination's look, and (when a destination is in another repository)
 * the signature-tag HEADs and the source's referrers. With a source pinned by digest all of
 * them start at once; given by tag, what needs the digest waits for the manifest.
 */
async function resolveAndPlan(inputs: PromoteInputs, deps: PromoteDeps, reporter: Reporter): Promise<Planned> {
  const { client } = deps;
  const source = repositoryOf(inputs.source);
  const rootP = client.getManifest(source, manifestReference(inputs.source));
  const digestP = inputs.source.digest !== undefined ? Promise.resolve(inputs.source.digest) : rootP.then((r) => r.descriptor.digest);
  const mediaTypeP = rootP.then((r) => r.descriptor.mediaType);
  const planP = buildPlan(client, source, digestP, mediaTypeP, inputs.destinations, {
    immutableTags: inputs.immutableTags,
    isEcrHost: deps.isEcrHost,
    concurrency: inputs.concurrency,
  });
  // cosign's tag-stored signatures and the referrers only need carrying to other repositories
  const carry = inputs.referrers && inputs.destinations.some((d) => !sameRepository(d, source));
  const referrers = sourceReferrers(client, source);
  if (carry && !inputs.dryRun) void digestP.then((d) => referrers(d)).catch(() => undefined); // asked now, awaited by the first destination
  const rootSigsP = carry ? digestP.then((d) => findSignatureTags(client, source, [d], inputs.concurrency)) : undefined;
  // The source's answer comes first: a missing source is the error to report, whatever the other reads met.
  for (const p of [digestP, mediaTypeP, planP, rootSigsP]) p?.catch(() => undefined);
  const root = await rootP;
  const digest = root.descriptor.digest;
  if (inputs.source.digest) reporter.info(`Source ${formatReference(inputs.source)}`);
  else reporter.info(`Resolved ${formatReference(inputs.source)} to ${digest} once; that digest is what gets promoted`);
  const childSigsP = carry
    ? findSignatureTags(
        client,
        source,
        manifestLinks(root, formatReference(inputs.source)).children.map((c) => c.digest),
        inputs.concurrency,
      )
    : undefined;
  childSigsP?.catch(() => undefined);
  const plan = await planP;
  if (rootSigsP && childSigsP) {
    const [own, children] = await Promise.all([rootSigsP, childSigsP]);
    plan.signatureTags = { found: [...own.found, ...children.found], unknown: [...own.unknown, ...children.unknown] };
    for (const u of plan.signatureTags.unknown)
      reporter.warning(`Could not check the source for signature tag ${u.tag} (${u.error}); signatures stored under it may not travel`);
  }
  return { root, plan, referrers };
}

interface Planned {
  root: ManifestBlob;
  plan: PromotionPlan;
  /** The source's referrers, each digest asked once for every destination. */
  referrers: ReferrerLookup;
}

export async function run(inputs: PromoteInputs, deps: PromoteDeps, reporter: Reporter): Promise<PromoteResult> {
  const { client } = deps;
  let planned: Planned;
  try {
    planned = await resolveAndPlan(inputs, deps, reporter);
  } catch (err) {
    // Failing before any write (source missing, immutable tag conflict, login refused) still gets a summary.
    await reporter.summary(unplannedSummary(inputs.source, errorLine(err)));
    throw err;
  }
  const { root, plan, referrers } = planned;
  const digest = plan.digest;
  reporter.info(formatPlan(plan));
  const children = manifestLinks(root, formatReference(inputs.source)).children.length;
  const shape = children > 0 ? `image index, ${children} manifests` : 'single-platform image';

  const outcomes: DestinationOutcome[] = [];
  const outputsNow = (): Record<string, string> => ({
    digest,
    promoted: JSON.stringify(outcomes.filter((o) => o.written).map((o) => o.reference)),
    'bytes-copied': String(client.stats.bytesUploaded),
    requests: String(client.stats.requests),
    plan: JSON.stringify(plan.destinations.map((d) => ({ destination: destinationReference(d, digest), path: d.path }))),
  });
  const report = async (error?: string): Promise<Record<string, string>> => {
    const outputs = outputsNow();
    for (const [name, value] of Object.entries(outputs)) reporter.setOutput(name, value);
    await reporter.summary(promotionSummary({ source: inputs.source, plan, shape, outcomes, outputs, dryRun: inputs.dryRun, error }));
    return outputs;
  };

  if (inputs.dryRun) {
    reporter.info('dry-run: nothing written');
    return { plan, outcomes, outputs: await report() };
  }
  try {
    await executePlan(plan, root, { client, reporter, ecrRetag: deps.ecrRetag, now: deps.now, referrers, onOutcome: (o) => outcomes.push(o) }, inputs);
  } catch (err) {
    await report(errorLine(err));
    throw err;
  }
  const outputs = await report();
  reporter.info(`Promoted ${digest}: ${outputs.promoted}; ${outputs['bytes-copied']} bytes uploaded in ${outputs.requests} registry requests`);
  return { plan, outcomes, outputs };
}
