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

/** Reads the source once and plans every destination; nothing is written here. */
async function resolveAndPlan(inputs: PromoteInputs, deps: PromoteDeps, reporter: Reporter): Promise<{ root: ManifestBlob; plan: PromotionPlan }> {
  const source = repositoryOf(inputs.source);
  const root = await deps.client.getManifest(source, manifestReference(inputs.source));
  const digest = root.descriptor.digest;
  if (inputs.source.digest) reporter.info(`Source ${formatReference(inputs.source)}`);
  else reporter.info(`Resolved ${formatReference(inputs.source)} to ${digest} once; that digest is what gets promoted`);
  const plan = await buildPlan(deps.client, source, digest, root.descriptor.mediaType, inputs.destinations, {
    immutableTags: inputs.immutableTags,
    isEcrHost: deps.isEcrHost,
  });
  // cosign's tag-stored signatures only need carrying to other repositories
  if (inputs.referrers && inputs.destinations.some((d) => !sameRepository(d, source))) {
    const subjects = [digest, ...manifestLinks(root, formatReference(inputs.source)).children.map((c) => c.digest)];
    plan.signatureTags = await findSignatureTags(deps.client, source, subjects, inputs.concurrency);
    for (const u of plan.signatureTags.unknown)
      reporter.warning(`Could not check the source for signature tag ${u.tag} (${u.error}); signatures stored under it may not travel`);
  }
  return { root, plan };
}

export async function run(inputs: PromoteInputs, deps: PromoteDeps, reporter: Reporter): Promise<PromoteResult> {
  const { client } = deps;
  let planned: { root: ManifestBlob; plan: PromotionPlan };
  try {
    planned = await resolveAndPlan(inputs, deps, reporter);
  } catch (err) {
    // Failing before any write (source missing, immutable tag conflict, login refused) still gets a summary.
    await reporter.summary(unplannedSummary(inputs.source, errorLine(err)));
    throw err;
  }
  const { root, plan } = planned;
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
    await executePlan(plan, root, { client, reporter, ecrRetag: deps.ecrRetag, now: deps.now, onOutcome: (o) => outcomes.push(o) }, inputs);
  } catch (err) {
    await report(errorLine(err));
    throw err;
  }
  const outputs = await report();
  reporter.info(`Promoted ${digest}: ${outputs.promoted}; ${outputs['bytes-copied']} bytes uploaded in ${outputs.requests} registry requests`);
  return { plan, outcomes, outputs };
}
