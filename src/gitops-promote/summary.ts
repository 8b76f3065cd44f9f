/** The job summary a reviewer reads first: where, what changed (old -> new), how it landed, what Argo CD says. */
import { codeBlock, heading, table } from '../toolkit/summary';

export interface SummaryFacts {
  environment: string;
  repository: string;
  branch: string;
  file: string;
  before: string;
  after: string;
  /** `Committed abc123` / `Pull request #4` / `No change: ...`, with links where there are any. */
  result: string;
  attempts: number;
  argocd?: { application: string; sync: string; health: string };
  notes: string[];
  /** The changed lines, as a diff (empty when nothing changed). */
  diff: string;
  error?: string;
}

/** `-`/`+` lines between the common first and last lines of two texts (the edit is local). */
export function changedLines(before: string, after: string): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  let top = 0;
  while (top < a.length && top < b.length && a[top] === b[top]) top++;
  let end = 0;
  while (end < a.length - top && end < b.length - top && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return [...a.slice(top, a.length - end).map((l) => `-${l}`), ...b.slice(top, b.length - end).map((l) => `+${l}`)].join('\n');
}

export function gitopsSummary(f: SummaryFacts): string {
  const rows: [string, string][] = [
    ['Environment', f.environment],
    ['Repository', `${f.repository} (${f.branch})`],
    ['File', f.file],
    ['Image', `${f.before} → ${f.after}`],
    ['Result', f.result],
  ];
  if (f.attempts > 1) rows.push(['Push attempts', `${f.attempts} (the branch moved under earlier pushes; the edit was re-applied on each new head)`]);
  if (f.argocd) rows.push(['Argo CD', `${f.argocd.application}: sync ${f.argocd.sync}, health ${f.argocd.health}`]);
  for (const n of f.notes) rows.push(['Note', n]);
  if (f.error) rows.push(['Error', f.error]);
  const md = heading(`gitops-promote: ${f.environment}${f.error ? ' (failed)' : ''}`) + table(['', ''], rows);
  return f.diff ? md + codeBlock(f.diff, 'diff') : md;
}
