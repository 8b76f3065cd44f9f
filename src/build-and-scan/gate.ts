/**
 * The vulnerability gate: from the findings of Trivy's JSON report to a verdict. Decided by
 * the action, so it is the same whatever format or flags Trivy ran with.
 */
import { isExpired, type IgnoreEntry } from './ignore-file';
import { isFixed, severityRank, SEVERITIES, type Finding, type Severity } from './trivy-report';

export interface GatePolicy {
  threshold: Exclude<Severity, 'UNKNOWN'>;
  ignoreUnfixed: boolean;
  ignores: readonly IgnoreEntry[];
}

export type Disposition = { kind: 'counted'; gating: boolean } | { kind: 'ignored'; entry: IgnoreEntry } | { kind: 'unfixed' };

export interface JudgedFinding {
  finding: Finding;
  disposition: Disposition;
}

export interface GateResult {
  passed: boolean;
  threshold: Severity;
  /** Counts by severity after ignores (ignore file and ignore-unfixed), every severity present. */
  counts: Record<Severity, number>;
  judged: JudgedFinding[];
  /** Findings at or above the threshold that nothing ignores: why the gate failed. */
  failing: Finding[];
  ignored: { finding: Finding; entry: IgnoreEntry }[];
  /** Entries whose date has passed: no longer applied, reported so someone renews or fixes. */
  expired: IgnoreEntry[];
  /** Entries that matched nothing in this report (stale, worth cleaning up). */
  unused: IgnoreEntry[];
  unfixedSkipped: number;
}

export function gate(findings: readonly Finding[], policy: GatePolicy, now: Date): GateResult {
  const active = policy.ignores.filter((e) => !isExpired(e, now));
  const expired = policy.ignores.filter((e) => isExpired(e, now));
  const used = new Set<IgnoreEntry>();
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const limit = severityRank(policy.threshold);
  const byId = new Map<string, IgnoreEntry[]>();
  for (const e of active) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  const judged = findings.map((finding): JudgedFinding => {
    const entry = byId.get(finding.id)?.find((e) => e.package === undefined || e.package === finding.pkg);
    if (entry) {
      used.add(entry);
      return { finding, disposition: { kind: 'ignored', entry } };
    }
    if (policy.ignoreUnfixed && !isFixed(finding)) return { finding, disposition: { kind: 'unfixed' } };
    counts[finding.severity]++;
    return { finding, disposition: { kind: 'counted', gating: severityRank(finding.severity) >= limit } };
  });
  const failing = judged.filter((j) => j.disposition.kind === 'counted' && j.disposition.gating).map((j) => j.finding);
  return {
    passed: failing.length === 0,
    threshold: policy.threshold,
    counts,
    judged,
    failing,
    ignored: judged.flatMap((j) => (j.disposition.kind === 'ignored' ? [{ finding: j.finding, entry: j.disposition.entry }] : [])),
    expired,
    unused: active.filter((e) => !used.has(e)),
    unfixedSkipped: judged.filter((j) => j.disposition.kind === 'unfixed').length,
  };
}

/** Why the gate failed, for the ::error:: line (after 'vulnerability gate: '). */
export function failureMessage(result: GateResult): string {
  const bySeverity = SEVERITIES.map((s) => [s, result.failing.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const ids = [...new Set(result.failing.map((f) => f.id))];
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '');
  return `failed on ${bySeverity} finding${result.failing.length === 1 ? '' : 's'} at or above ${result.threshold} (${shown})`;
}
