/**
 * One release, changed and then checked: upgrade (or rollback) through Helm, read the history
 * back, judge it, and when it failed go back to the last good revision (deployed, or else the
 * newest superseded). Stuck pending releases are recovered here (or explained), before anything
 * new is started. A release that ever served (see judge.hasServed) is never uninstalled.
 */
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { ANOTHER_OPERATION, helmError, type Helm, type UpgradeRequest } from './helm';
import type { HistoryEntry } from './helm-json';
import { hasServed, judge, lastDeployed, lastGood, latest, nextRevision, pendingRevision, previousGood } from './judge';

export interface ReleaseResult {
  release: string;
  /** The revision now serving (after a rollback: the rollback's revision). */
  revision?: number;
  /** The revision that served before this run. */
  previousRevision?: number;
  /** The revision this run created and that failed, when it failed. */
  failedRevision?: number;
  status: 'deployed' | 'rolled-back' | 'failed' | 'pending';
  history: HistoryEntry[];
}

/** A deploy that did not end deployed; carries what the summary and outputs must tell. */
export class DeployFailed extends ServiceError {
  constructor(
    readonly result: ReleaseResult,
    problem: string,
    hint?: string,
  ) {
    super('helm', problem, hint);
  }
}

export interface ReleaseOps {
  helm: Helm;
  reporter: Reporter;
  namespace: string;
  timeoutMs: number;
  wait: boolean;
  rollbackOnFailure: boolean;
  recoverPending: boolean;
}

/** Clears a leftover pending revision (with recover-pending), or refuses with the way out. */
async function clearPending(ops: ReleaseOps, release: string, history: HistoryEntry[]): Promise<HistoryEntry[]> {
  const stuck = pendingRevision(history);
  if (!stuck) return history;
  const good = lastGood(history);
  const stuckText = `release ${release} is stuck in ${stuck.status} at revision ${stuck.revision}`;
  if (!good && hasServed(history)) {
    // history-max pruned the revisions that could tell: never uninstall what may have served
    throw new DeployFailed(
      { release, status: 'pending', history },
      `${stuckText}, and ${history.some((e) => e.status === 'uninstalled') ? 'no revision since it was uninstalled (--keep-history) is deployed or superseded' : `no kept revision is deployed or superseded (oldest kept: ${history[0].revision})`}, so there is nothing proven good to roll back to`,
      `Roll back by hand to a revision you know served: 'helm history ${release} --namespace ${ops.namespace}' then 'helm rollback ${release} <revision> --namespace ${ops.namespace}'`,
    );
  }
  const cure = good
    ? `roll back to revision ${good.revision} (the last ${good.status === 'deployed' ? 'deployed' : 'good: newest superseded'})`
    : 'uninstall it (no revision ever reached deployed)';
  const command = good ? `helm rollback ${release} ${good.revision} --namespace ${ops.namespace}` : `helm uninstall ${release} --namespace ${ops.namespace}`;
  if (!ops.recoverPending) {
    throw new DeployFailed(
      { release, revision: good?.revision, previousRevision: good?.revision, status: 'pending', history },
      `${stuckText}: another operation (install/upgrade/rollback) is in progress, usually left by a run that was cancelled or timed out`,
      `If no other deploy is running, re-run with recover-pending: true to ${cure}, or run '${command}'`,
    );
  }
  ops.reporter.warning(`Release ${release} is stuck in ${stuck.status} at revision ${stuck.revision}; recover-pending is true, so Shipline will ${cure}`);
  const r = good
    ? await ops.helm.rollback(release, ops.namespace, good.revision, ops.timeoutMs, ops.wait)
    : await ops.helm.uninstall(release, ops.namespace, ops.timeoutMs, ops.wait);
  const after = await ops.helm.history(release, ops.namespace);
  if (r.exitCode !== 0 || pendingRevision(after)) {
    throw new DeployFailed(
      { release, status: 'pending', history: after },
      `recovering ${release} from ${stuck.status} failed: ${helmError(r)}`,
      'Check the cluster; the release was left as Helm reported it',
    );
  }
  return after;
}

/** Upgrades (or installs) and returns only when the new revision is deployed; throws DeployFailed otherwise. */
export async function upgradeVerified(ops: ReleaseOps, req: UpgradeRequest): Promise<ReleaseResult> {
  const before = await clearPending(ops, req.release, await ops.helm.history(req.release, ops.namespace));
  // after a failed rollback no revision is deployed: the newest superseded one is the last good
  const previous = lastGood(before)?.revision;
  const served = hasServed(before);
  const expected = nextRevision(before);
  const r = await ops.helm.upgrade(req);
  const after = await ops.helm.history(req.release, ops.namespace);
  const verdict = judge(after, expected, r.exitCode);
  if (verdict.ok) return { release: req.release, revision: verdict.revision, previousRevision: previous, status: 'deployed', history: after };

  const why = r.exitCode !== 0 ? helmError(r) : verdict.reason;
  if (ANOTHER_OPERATION.test(r.stderr) && !pendingRevision(before)) {
    // Someone else is deploying this release right now: touching it would fight them.
    throw new DeployFailed(
      { release: req.release, revision: previous, previousRevision: previous, status: 'pending', history: after },
      `upgrade of ${req.release} refused: ${why}`,
      'Another deploy of this release is running; wait for it, or re-run with recover-pending: true if it was cancelled',
    );
  }
  return await goBack(ops, req.release, { previous, served }, expected, after, why);
}

/** After a failed change: make sure the release serves its last good revision again, then throw. */
async function goBack(
  ops: ReleaseOps,
  release: string,
  before: { previous: number | undefined; served: boolean },
  failed: number,
  after: HistoryEntry[],
  why: string,
): Promise<never> {
  const { previous } = before;
  const top = latest(after);
  const helmRolledBack =
    previous !== undefined &&
    top !== undefined &&
    top.revision > failed &&
    top.status === 'deployed' &&
    (top.rollbackRevision === previous || top.description === `Rollback to ${previous}`);
  const base = { release, previousRevision: previous, failedRevision: failed };
  if (helmRolledBack) {
    throw new DeployFailed(
      { ...base, revision: top.revision, status: 'rolled-back', history: after },
      `deploy of ${release} failed and was rolled back: revision ${failed} failed, revision ${previous} serves again as revision ${top.revision}: ${why}`,
    );
  }
  if (!ops.rollbackOnFailure) {
    throw new DeployFailed(
      { ...base, revision: failed, status: 'failed', history: after },
      `deploy of ${release} failed at revision ${failed} (last good: ${previous ?? 'none'}), not rolled back because rollback-on-failure is false: ${why}`,
      `Roll back with action: rollback${previous ? ` and revision: ${previous}` : ''}`,
    );
  }
  if (previous === undefined && !before.served && !hasServed(after)) {
    // Nothing ever served (every revision from 1 failed or pending): remove it rather than leave it half there.
    if (after.length > 0) await ops.helm.uninstall(release, ops.namespace, ops.timeoutMs, ops.wait);
    throw new DeployFailed(
      { ...base, status: 'failed', history: after },
      `first install of ${release} failed and was removed (no revision ever reached deployed): ${why}`,
    );
  }
  if (previous === undefined) {
    // It may have served before history-max pruned the proof: never uninstall, never guess a revision.
    throw new DeployFailed(
      { ...base, revision: failed, status: 'failed', history: after },
      `deploy of ${release} failed at revision ${failed}; ${latest(after)?.status === 'uninstalled' ? 'the release was uninstalled (--keep-history) and is not brought back' : 'no kept revision is deployed or superseded'}, so there is nothing proven good to roll back to, and a release that may have served is never uninstalled: ${why}`,
      `Roll back by hand to a revision you know served: 'helm rollback ${release} <revision> --namespace ${ops.namespace}'`,
    );
  }
  ops.reporter.warning(`Deploy of ${release} failed (${why}); rolling back to revision ${previous}`);
  const expected = nextRevision(after);
  const rb = await ops.helm.rollback(release, ops.namespace, previous, ops.timeoutMs, ops.wait);
  const final = await ops.helm.history(release, ops.namespace);
  const verdict = judge(final, expected, rb.exitCode);
  if (!verdict.ok) {
    throw new DeployFailed(
      { ...base, revision: lastDeployed(final)?.revision, status: 'failed', history: final },
      `deploy of ${release} failed (${why}) and the rollback to revision ${previous} failed too: ${rb.exitCode !== 0 ? helmError(rb) : verdict.reason}`,
      'The release needs a person: check helm history and the events below',
    );
  }
  throw new DeployFailed(
    { ...base, revision: verdict.revision, status: 'rolled-back', history: final },
    `deploy of ${release} failed and was rolled back: revision ${failed} failed, revision ${previous} serves again as revision ${verdict.revision}: ${why}`,
  );
}

/** `action: rollback`: to the given revision, or to the one before the current. */
export async function rollbackVerified(ops: ReleaseOps, release: string, target: number | undefined): Promise<ReleaseResult> {
  const history = await clearPending(ops, release, await ops.helm.history(release, ops.namespace));
  if (history.length === 0)
    throw new DeployFailed(
      { release, status: 'failed', history },
      `release ${release} does not exist in namespace ${ops.namespace}`,
      'Check release and namespace',
    );
  const current = lastDeployed(history);
  // with no deployed revision (a failed rollback), the newest superseded one is what served last
  const to = target ?? (current ? previousGood(history, current.revision) : lastGood(history))?.revision;
  if (to === undefined)
    throw new DeployFailed(
      { release, revision: current?.revision, status: 'failed', history },
      current
        ? `release ${release} has no earlier revision than ${current.revision} to roll back to`
        : `release ${release} has no deployed or superseded revision to roll back to`,
      'Give revision: with one listed in helm history',
    );
  if (!history.some((e) => e.revision === to)) {
    throw new DeployFailed(
      { release, revision: current?.revision, status: 'failed', history },
      `release ${release} has no revision ${to} (kept: ${history.map((e) => e.revision).join(', ')})`,
      'Give revision: with one listed in helm history',
    );
  }
  const expected = nextRevision(history);
  const r = await ops.helm.rollback(release, ops.namespace, to, ops.timeoutMs, ops.wait);
  const after = await ops.helm.history(release, ops.namespace);
  const verdict = judge(after, expected, r.exitCode);
  if (!verdict.ok) {
    throw new DeployFailed(
      { release, revision: lastDeployed(after)?.revision, previousRevision: current?.revision, failedRevision: expected, status: 'failed', history: after },
      `rollback of ${release} to revision ${to} failed: ${r.exitCode !== 0 ? helmError(r) : verdict.reason}`,
    );
  }
  return { release, revision: verdict.revision, previousRevision: current?.revision, status: 'deployed', history: after };
}
