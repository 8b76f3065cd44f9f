/** The job summary: counts and bytes per cache rule and phase, deletes, and the invalidation. */
import { cell, details, formatBytes, formatMs, heading, table } from '../toolkit/summary';
import { PHASES, type Phase } from './classify';
import type { BuildFile } from './build-files';
import type { DeployPlan } from './plan';

export interface InvalidationReport {
  ids: string[];
  paths: string[];
  /** Completed (waited for), created (not waited for), planned (dry run), none. */
  status: string;
  /** Why there is none: no distribution-id, invalidate: none, or nothing cached changed. */
  reason?: string;
}

export interface SummaryInput {
  target: string;
  url: string;
  plan: DeployPlan;
  dryRun: boolean;
  invalidation: InvalidationReport;
  deleted: number;
  /** Files and bytes stored (the plan's, in a dry run). */
  stored: { files: number; bytes: number };
  ms: number;
  error?: string;
}

const PHASE_TEXT: Record<Phase, string> = { hashed: '1 content-hashed', other: '2 other files', entry: '3 entry points (HTML, service worker, manifests)' };

export function deploySummary(s: SummaryInput): string {
  const title = s.error ? 'Static site deploy failed' : s.dryRun ? 'Static site deploy plan (dry run, nothing written)' : 'Static site deployed';
  let md = heading(`${title}: ${s.target}`);
  if (s.error) md += `**Error:** ${cell(s.error)}\n\n`;
  const uploaded = PHASES.flatMap((p) => s.plan.uploads[p]);
  md += table(
    [s.dryRun ? 'to upload' : 'uploaded', 'skipped (unchanged)', 'deleted', 'kept for previous builds', 'bytes uploaded', 'invalidation', 'time'],
    [
      [
        s.stored.files,
        s.plan.skipped.length,
        s.deleted,
        s.plan.kept.length,
        formatBytes(s.stored.bytes),
        s.invalidation.ids.join(', ') || 'none',
        formatMs(s.ms),
      ],
    ],
  );
  // One row per (phase, rule): the Cache-Control each group of files was stored with.
  const groups = new Map<string, { phase: Phase; rule: string; cache: string; files: number; up: number; bytes: number; types: Set<string> }>();
  const add = (f: BuildFile, up: boolean) => {
    const id = `${f.phase}\n${f.headers.rule}\n${f.headers.cacheControl}`;
    const g = groups.get(id) ?? { phase: f.phase, rule: f.headers.rule, cache: f.headers.cacheControl, files: 0, up: 0, bytes: 0, types: new Set<string>() };
    g.files++;
    if (up) {
      g.up++;
      g.bytes += f.size;
    }
    g.types.add(f.headers.contentType.split(';')[0] + (f.headers.contentEncoding ? ` (${f.headers.contentEncoding})` : ''));
    groups.set(id, g);
  };
  for (const f of uploaded) add(f, true);
  for (const f of s.plan.skipped) add(f, false);
  const rows = [...groups.values()]
    .sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || a.rule.localeCompare(b.rule))
    .map((g) => [PHASE_TEXT[g.phase], g.rule, `\`${g.cache}\``, g.files, g.up, formatBytes(g.bytes), [...g.types].sort().slice(0, 6).join(', ')]);
  md += heading('Cache rules by upload phase', 3);
  md += table(['upload phase', 'rule', 'Cache-Control', 'files', 'to upload', 'bytes', 'Content-Type'], rows);
  md += heading('Invalidation', 3);
  md += s.invalidation.paths.length
    ? table(
        ['invalidation', 'status', 'paths'],
        [
          [
            s.invalidation.ids.join(', ') || '(dry run)',
            s.invalidation.status,
            s.invalidation.paths.slice(0, 20).join(' ') + (s.invalidation.paths.length > 20 ? ` … (${s.invalidation.paths.length})` : ''),
          ],
        ],
      )
    : `No invalidation: ${s.invalidation.reason ?? 'nothing to invalidate'}.\n\n`;
  if (s.url) md += `Site: ${s.url}\n\n`;
  const list = (files: readonly string[]) => files.slice(0, 200).join('\n') + (files.length > 200 ? `\n… ${files.length - 200} more` : '');
  if (uploaded.length) md += details(`Upload order (${uploaded.length})`, '```\n' + list(uploaded.map((f) => f.key)) + '\n```\n');
  if (s.plan.deletes.length) md += details(`${s.dryRun ? 'To delete' : 'Deleted'} (${s.plan.deletes.length})`, '```\n' + list(s.plan.deletes) + '\n```\n');
  if (s.plan.kept.length)
    md += details(`Kept for the previous ${s.plan.manifest.builds.length - 1} build(s) (${s.plan.kept.length})`, '```\n' + list(s.plan.kept) + '\n```\n');
  return md;
}
