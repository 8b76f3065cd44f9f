/** The job summary: verdict first, then image, findings by severity, what failed, what was ignored. */
import { cell, details, formatBytes, heading, table } from '../toolkit/summary';
import type { GateResult } from './gate';
import { SEVERITIES } from './trivy-report';

export interface SummaryFacts {
  image: string;
  digest: string;
  tags: readonly string[];
  builder: string;
  size: number;
  /** 'pushed', 'not pushed (push: false)', 'not pushed (gate failed)', ... */
  pushState: string;
  pushFailed?: boolean;
  scan:
    | { kind: 'scanned'; gate: GateResult; trivyVersion: string; ignoreUnfixed: boolean; platforms?: string[]; sarifOmitted?: number }
    | { kind: 'skipped' }
    | { kind: 'error'; message: string };
}

/** GitHub caps a step's summary at 1 MiB; long lists are cut, the report file has them all. */
const MAX_ROWS = 50;
const more = (n: number) => (n > MAX_ROWS ? `_…and ${n - MAX_ROWS} more in the report file._\n\n` : '');

export function renderSummary(f: SummaryFacts): string {
  let md = heading(`build-and-scan: ${verdict(f)}`);
  if (f.scan.kind === 'skipped') md += '> [!CAUTION]\n> **This image was NOT scanned** (`scanner: none`). Nothing is known about its vulnerabilities.\n\n';
  if (f.scan.kind === 'error') md += `> [!CAUTION]\n> **Scanner error: this image was NOT judged.** ${cell(f.scan.message)}\n\n`;
  md += table(
    ['image', 'digest', 'tags', 'builder', 'size', 'registry'],
    [[f.image, `\`${f.digest}\``, f.tags.join(', '), f.builder, formatBytes(f.size), f.pushState]],
  );
  if (f.scan.kind !== 'scanned') return md;
  const g = f.scan.gate;
  md += heading('Findings by severity (after ignores)', 3);
  md += table(
    ['severity', 'count', 'gates'],
    SEVERITIES.map((s) => [s, g.counts[s], SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(g.threshold) ? 'yes' : 'no']),
  );
  const extra = [`threshold ${g.threshold}`, `trivy ${f.scan.trivyVersion}`];
  if (f.scan.platforms?.length) extra.push(`each platform scanned: ${f.scan.platforms.join(', ')}`);
  if (f.scan.ignoreUnfixed) extra.push(`${g.unfixedSkipped} unfixed finding(s) not counted (ignore-unfixed)`);
  if (f.scan.sarifOmitted)
    extra.push(`SARIF: ${g.judged.length - f.scan.sarifOmitted} of ${g.judged.length} findings (GitHub's upload limits), gating ones first`);
  md += `_${extra.join(' · ')}_\n\n`;
  if (g.failing.length > 0) {
    md += heading(`Failing findings (${g.failing.length})`, 3);
    md += table(
      ['package', 'installed', 'fixed in', 'ID', 'severity', 'title'],
      g.failing.slice(0, MAX_ROWS).map((x) => [x.pkg, x.installed, x.fixedIn || '(no fix)', x.url ? `[${x.id}](${x.url})` : x.id, x.severity, x.title]),
    );
    md += more(g.failing.length);
  }
  if (g.expired.length > 0) {
    md += heading('Expired ignore entries (no longer applied)', 3);
    md += table(
      ['ID', 'package', 'expired on', 'reason', 'line'],
      g.expired.map((e) => [e.id, e.package ?? 'any', e.expires, e.reason, e.line]),
    );
  }
  if (g.ignored.length > 0) {
    md += details(
      `Ignored findings (${g.ignored.length})`,
      table(
        ['ID', 'package', 'severity', 'until', 'reason'],
        g.ignored.slice(0, MAX_ROWS).map(({ finding, entry }) => [finding.id, finding.pkg, finding.severity, entry.expires, entry.reason]),
      ) + more(g.ignored.length),
    );
  }
  if (g.unused.length > 0) {
    md += details(
      `Ignore entries that matched nothing (${g.unused.length})`,
      table(
        ['ID', 'package', 'until', 'line'],
        g.unused.slice(0, MAX_ROWS).map((e) => [e.id, e.package ?? 'any', e.expires, e.line]),
      ) + more(g.unused.length),
    );
  }
  return md;
}

function verdict(f: SummaryFacts): string {
  if (f.pushFailed) return `❌ push failed${f.scan.kind === 'scanned' ? ' (scan passed)' : ''}`;
  if (f.scan.kind === 'skipped') return '⚠️ NOT SCANNED';
  if (f.scan.kind === 'error') return '❌ scanner error';
  return f.scan.gate.passed ? '✅ passed' : '❌ vulnerability gate failed';
}
