/** The job summary: what was promoted, where, by which path, at what cost; then the outputs. */
import { formatReference } from '../toolkit/registry/reference';
import type { ImageReference } from '../toolkit/registry/types';
import { codeBlock, details, formatBytes, formatMs, heading, table } from '../toolkit/summary';
import type { DestinationOutcome } from './engine';
import { destinationReference, formatPlan, PATH_COST, SHARED_COST, type PromotionPlan } from './plan';

export interface SummaryInput {
  source: ImageReference;
  plan: PromotionPlan;
  /** e.g. "image index, 2 platforms" */
  shape: string;
  outcomes: readonly DestinationOutcome[];
  outputs: Record<string, string>;
  dryRun: boolean;
  /** Set when the step failed part way: the summary says where. */
  error?: string;
}

export function promotionSummary(s: SummaryInput): string {
  const title = s.error ? 'Promotion failed' : s.dryRun ? 'Promotion plan (dry run, nothing written)' : 'Promoted';
  let md = heading(`${title}: ${s.plan.digest}`);
  md += table(
    ['promoted', 'value'],
    [
      ['source', formatReference(s.source)],
      ['digest', s.plan.digest],
      ['image', `${s.shape} (${s.plan.mediaType})`],
    ],
  );
  if (s.error) md += `**Error:** ${s.error}\n\n`;
  const done = new Map(s.outcomes.map((o) => [o.reference, o]));
  const rows = s.plan.destinations.map((d) => {
    const ref = destinationReference(d, s.plan.digest);
    const o = done.get(ref);
    const result = s.dryRun ? 'planned' : !o ? 'not reached' : o.written ? 'written' : 'already there';
    const moved = o ? o.blobs.mounted + o.blobs.uploaded + o.blobs.present : 0;
    const blobs = moved > 0 && o ? `${o.blobs.mounted} mounted, ${o.blobs.uploaded} uploaded, ${o.blobs.present} present` : '-';
    return [ref, d.path, result, o?.requests ?? '', o ? formatBytes(o.bytes) : '', blobs, o?.referrersWritten ?? '', o ? formatMs(o.ms) : ''];
  });
  rows.push(['**all, with source resolution and planning**', '', '', s.outputs.requests, formatBytes(Number(s.outputs['bytes-copied'])), '', '', '']);
  md += table(['destination', 'path', 'result', 'requests', 'uploaded', 'blobs', 'referrers written', 'time'], rows);
  md += signatureTagsSection(s);
  const paths = [...new Set(s.plan.destinations.map((d) => d.path))];
  md += [...paths.map((p) => `- **${p}**: ${PATH_COST[p]}`), `- ${SHARED_COST}`].join('\n') + '\n\n';
  md += details('Plan as printed in the log', codeBlock(formatPlan(s.plan)));
  md += details('Outputs', table(['output', 'value'], Object.entries(s.outputs)));
  return md;
}

/** The summary of a step that failed before a plan existed: nothing was written anywhere. */
export function unplannedSummary(source: ImageReference, error: string): string {
  return (
    heading('Promotion failed before anything was written') + table(['promotion', 'value'], [['source', formatReference(source)]]) + `**Error:** ${error}\n\n`
  );
}

/** cosign's signature tags: one row per tag and destination, with what became of it. */
function signatureTagsSection(s: SummaryInput): string {
  const sigs = s.plan.signatureTags;
  if (!sigs) return '';
  if (sigs.found.length === 0 && sigs.unknown.length === 0) return 'Signature tags (cosign `sha256-<hex>.sig` / `.att` / `.sbom`): none at the source.\n\n';
  const rows: (string | number)[][] = [];
  for (const o of s.outcomes) for (const t of o.signatureTags) rows.push([o.reference, t.tag, t.digest, t.result, t.note ?? '']);
  const reached = new Set(s.outcomes.map((o) => o.reference));
  for (const d of s.plan.destinations) {
    const ref = destinationReference(d, s.plan.digest);
    if (!reached.has(ref)) for (const t of sigs.found) rows.push([ref, t.tag, t.digest, s.dryRun ? 'planned' : 'not reached', '']);
  }
  for (const u of sigs.unknown) rows.push(['(source)', u.tag, '', 'not checked', `the source registry could not be asked: ${u.error}`]);
  return heading('Signature tags (cosign)', 3) + table(['destination', 'tag', 'digest', 'result', 'note'], rows);
}
