/**
 * Decision rules on a release's history: is it stuck, what was live before, and did the
 * upgrade we just ran really produce a deployed revision. Helm's exit code alone is not
 * trusted: a release Helm rolled back, or one left pending, is a failed deploy.
 */
import type { HistoryEntry } from './helm-json';

export type Verdict =
  | { ok: true; status: 'deployed'; revision: number }
  | { ok: false; status: 'rolled-back' | 'pending' | 'failed' | 'missing'; revision?: number; reason: string };

export function latest(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  return history.reduce<HistoryEntry | undefined>((a, e) => (a === undefined || e.revision > a.revision ? e : a), undefined);
}

/** The revision serving now (status `deployed`), excluding `except` (the one we just made). */
export function lastDeployed(history: readonly HistoryEntry[], except?: number): HistoryEntry | undefined {
  return latest(history.filter((e) => e.status === 'deployed' && e.revision !== except));
}

/** Helm's mark of a revision that once served: `deployed` now, or `superseded` by a later one. */
export const hasServedStatus = (e: HistoryEntry) => e.status === 'deployed' || e.status === 'superseded';

/**
 * The last good revision: the one `deployed`, or when none is (a failed rollback leaves such
 * histories, e.g. 1 superseded, 2 superseded, 3 failed) the newest `superseded` one. This is the
 * revision Helm's own `--atomic`/`--rollback-on-failure` goes back to (pkg/action/upgrade.go
 * failRelease filters superseded|deployed and takes the newest). Only revisions after the newest
 * `uninstalled` one count.
 */
export function lastGood(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  // `helm uninstall --keep-history` marks the revision `uninstalled`: what served before it was
  // removed by a person, and going "back" to it would bring it back.
  const removedAt = latest(history.filter((e) => e.status === 'uninstalled'))?.revision ?? 0;
  const since = history.filter((e) => e.revision > removedAt);
  return lastDeployed(since) ?? latest(since.filter(hasServedStatus));
}

/** The revision to go back to: the newest earlier one that once served (deployed or superseded). */
export function previousGood(history: readonly HistoryEntry[], before: number): HistoryEntry | undefined {
  return latest(history.filter((e) => e.revision < before && hasServedStatus(e)));
}

/**
 * Whether the release may have served, so must never be uninstalled. True when any kept
 * revision is deployed or superseded, and also when Helm's history no longer starts at
 * revision 1 (`--history-max` pruned the oldest): what was pruned cannot be proven unserved.
 * False only for a release all of whose revisions, from revision 1, are failed or pending-*.
 */
export function hasServed(history: readonly HistoryEntry[]): boolean {
  if (history.length === 0) return false;
  return history.some(hasServedStatus) || Math.min(...history.map((e) => e.revision)) > 1;
}

/** A leftover `pending-install`/`pending-upgrade`/`pending-rollback` as the newest revision. */
export function pendingRevision(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  const top = latest(history);
  return top && top.status.startsWith('pending-') ? top : undefined;
}

/** The revision Helm will create next. */
export function nextRevision(history: readonly HistoryEntry[]): number {
  return (latest(history)?.revision ?? 0) + 1;
}

/**
 * Judges an upgrade (or rollback) that was expected to create revision `expected`.
 * Success only when Helm exited 0 AND `expected` is the newest revision AND it is deployed.
 */
export function judge(history: readonly HistoryEntry[], expected: number, exitCode: number): Verdict {
  const top = latest(history);
  const mine = history.find((e) => e.revision === expected);
  if (!top || !mine) return { ok: false, status: 'missing', reason: `Helm created no revision ${expected}` };
  if (top.revision > expected && top.status === 'deployed' && (top.rollbackRevision !== undefined || /^Rollback/i.test(top.description))) {
    return {
      ok: false,
      status: 'rolled-back',
      revision: expected,
      reason: `revision ${expected} ended ${mine.status} and Helm rolled back to ${top.rollbackRevision ?? 'an earlier revision'} (${top.description})`,
    };
  }
  if (top.status.startsWith('pending-'))
    return { ok: false, status: 'pending', revision: top.revision, reason: `revision ${top.revision} is still ${top.status}` };
  if (top.revision !== expected)
    return {
      ok: false,
      status: 'failed',
      revision: expected,
      reason: `revision ${top.revision} is newer than ours (${expected}); another deploy ran at the same time`,
    };
  if (mine.status !== 'deployed')
    return { ok: false, status: 'failed', revision: expected, reason: `revision ${expected} is ${mine.status}: ${mine.description}` };
  if (exitCode !== 0) return { ok: false, status: 'failed', revision: expected, reason: `helm exited ${exitCode} although revision ${expected} is deployed` };
  return { ok: true, status: 'deployed', revision: expected };
}
