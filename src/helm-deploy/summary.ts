/** The job summary: what was deployed where, how it ended, Helm's history, and on failure the events. */
import { codeBlock, details, heading, table } from '../toolkit/summary';
import type { HistoryEntry } from './helm-json';
import type { HelmDeployInputs } from './inputs';
import type { ClusterEvent } from './kubectl';

export interface SummaryData {
  inputs: HelmDeployInputs;
  ok: boolean;
  status: string;
  step: string;
  problem?: string;
  revision?: number;
  previousRevision?: number;
  failedRevision?: number;
  digest?: string;
  canaryWeight?: number;
  activeColor?: string;
  releaseUrl?: string;
  helmVersion?: string;
  cluster?: string;
  histories: { release: string; history: HistoryEntry[] }[];
  events?: ClusterEvent[];
  /** Masked command lines, in order. */
  commands: string[];
  dryRun?: boolean;
}

const ICON: Record<string, string> = { deployed: '✅', planned: '📝' };

export function renderSummary(d: SummaryData): string {
  const i = d.inputs;
  const icon = d.ok ? (ICON[d.status] ?? '✅') : '❌';
  let md = heading(`${icon} helm-deploy ${i.action}: ${i.release} (${i.strategy})`);
  if (d.problem) md += `> **${d.ok ? 'Note' : 'Failed'}:** ${d.problem.replace(/\r?\n/g, ' ')}\n\n`;
  const rows: [string, unknown][] = [
    ['status', d.status],
    ['step', d.step],
    ['release', i.release],
    ['namespace', i.namespace],
    ['chart', i.chart ? `${i.chart}${i.chartVersion ? ` ${i.chartVersion}` : ''}` : '—'],
    ['image', i.image ? `${i.image.repository}@${i.image.digest}` : (d.digest ?? '—')],
    ['revision', d.revision ?? '—'],
    ['previous revision', d.previousRevision ?? '—'],
  ];
  if (d.failedRevision !== undefined) rows.push(['failed revision', d.failedRevision]);
  if (d.canaryWeight !== undefined) rows.push(['canary weight', `${d.canaryWeight}% (${i.trafficRouter})`]);
  if (d.activeColor) rows.push(['active colour', d.activeColor]);
  if (d.releaseUrl) rows.push(['URL', d.releaseUrl]);
  if (d.helmVersion) rows.push(['helm', d.helmVersion]);
  if (d.cluster) rows.push(['cluster', d.cluster]);
  md += table(['', ''], rows);

  for (const h of d.histories) {
    if (h.history.length === 0) continue;
    md += heading(`helm history ${h.release}`, 3);
    md += table(
      ['revision', 'updated', 'status', 'chart', 'app version', 'description'],
      h.history.map((e) => [e.revision, e.updated, e.status, e.chart, e.appVersion, e.description]),
    );
  }
  if (d.events !== undefined) {
    md += heading('Warning events of the release’s resources', 3);
    md += d.events.length
      ? table(
          ['last seen', 'object', 'reason', 'message'],
          d.events.slice(-20).map((e) => [e.lastSeen, e.object, e.reason, e.message]),
        )
      : 'kubectl reported no warning events for these resources.\n\n';
  }
  if (d.commands.length) {
    const title = d.dryRun ? 'Commands a real run would write to the cluster (dry-run: none ran)' : 'Commands run';
    md += d.dryRun ? heading(title, 3) + codeBlock(d.commands.join('\n'), 'sh') : details(title, codeBlock(d.commands.join('\n'), 'sh'));
  }
  return md;
}
