/**
 * Waits for an Argo CD application to run the promoted commit: `GET
 * /api/v1/applications/{name}` (Argo CD API v1, Bearer token) until `status.sync.status` is
 * `Synced` at a revision that is the commit or descends from it, and `status.health.status` is
 * `Healthy`. The first read asks for `refresh=normal`, so Argo CD looks at git now instead of at
 * its next poll (3 minutes by default). Fails on `Degraded` health, a failed or errored sync
 * operation, or a `SyncError` condition at that revision; an unreachable server or an unknown
 * state until the timeout is a failure, never success.
 */
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import type { Sleep } from '../toolkit/retry';
import { bearerAuthorization, scrubServiceText } from '../toolkit/secrets';
import type { Fetch } from './github';
import type { ArgoCdTarget } from './inputs';

/** The parts of an Argo CD `v1alpha1.Application` this wait reads. */
export interface Application {
  metadata?: { name?: string };
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; syncResult?: { revision?: string; revisions?: string[] } };
    conditions?: { type?: string; message?: string }[];
  };
}

export interface ArgoCdState {
  sync: string;
  health: string;
  revision: string;
}

export interface WaitDeps {
  fetch: Fetch;
  reporter: Pick<Reporter, 'setSecret' | 'info' | 'debug'>;
  /** Whether `revision` is `commit` or descends from it (git). */
  contains: (revision: string) => Promise<boolean>;
  sleep: Sleep;
  now: () => number;
  intervalMs?: number;
  /** Told every state read, so a failure still reports the last sync and health seen. */
  onState?: (state: ArgoCdState) => void;
}

const revisionsOf = (r?: { revision?: string; revisions?: string[] }): string[] => [...(r?.revision ? [r.revision] : []), ...(r?.revisions ?? [])];

/** Polls until Synced + Healthy at the commit; throws a ServiceError on failure or timeout. */
export async function waitForApplication(target: ArgoCdTarget, commit: string, deps: WaitDeps): Promise<ArgoCdState> {
  const auth = bearerAuthorization(deps.reporter, target.token);
  const base = new URL(
    `api/v1/applications/${encodeURIComponent(target.application)}`,
    target.server.href.endsWith('/') ? target.server : `${target.server.href}/`,
  );
  const deadline = deps.now() + target.timeoutMs;
  const interval = deps.intervalMs ?? 5000;
  const known = new Map<string, boolean>();
  const atCommit = async (revs: string[]): Promise<boolean> => {
    for (const rev of revs) {
      if (!known.has(rev)) known.set(rev, await deps.contains(rev));
      if (known.get(rev)) return true;
    }
    return false;
  };
  let state: ArgoCdState = { sync: 'Unknown', health: 'Unknown', revision: '' };
  let lastProblem = '';
  for (let n = 0; ; n++) {
    const url = new URL(base);
    if (target.appNamespace) url.searchParams.set('appNamespace', target.appNamespace);
    if (n === 0) url.searchParams.set('refresh', 'normal');
    const app = await readApplication(url.href, auth, target, deps).catch((e: unknown) => {
      if (e instanceof ServiceError && /answered (401|403|404)/.test(e.problem)) throw e; // will not heal by waiting
      lastProblem = (e as Error).message;
      return undefined;
    });
    if (app) {
      lastProblem = '';
      const s = app.status ?? {};
      state = { sync: s.sync?.status ?? 'Unknown', health: s.health?.status ?? 'Unknown', revision: revisionsOf(s.sync)[0] ?? '' };
      deps.onState?.(state);
      const here = await atCommit(revisionsOf(s.sync));
      const op = s.operationState;
      if (op && (op.phase === 'Failed' || op.phase === 'Error') && (await atCommit(revisionsOf(op.syncResult)))) {
        throw new ServiceError(
          'Argo CD',
          `application ${target.application}: sync ${op.phase} at ${commit.slice(0, 12)}: ${scrubServiceText(op.message ?? '', [target.token])}`,
          'See the application in Argo CD',
        );
      }
      const syncError = (s.conditions ?? []).find((c) => c.type === 'SyncError');
      if (here && syncError)
        throw new ServiceError('Argo CD', `application ${target.application}: SyncError: ${scrubServiceText(syncError.message ?? '', [target.token])}`);
      if (here && state.health === 'Degraded') {
        throw new ServiceError(
          'Argo CD',
          `application ${target.application} is Degraded at ${state.revision.slice(0, 12)}: ${scrubServiceText(s.health?.message ?? '', [target.token])}`,
          'The new image does not become healthy; see the application in Argo CD',
        );
      }
      if (here && state.sync === 'Synced' && state.health === 'Healthy') return state;
      deps.reporter.info(
        `Argo CD ${target.application}: sync ${state.sync} at ${state.revision.slice(0, 12) || '(none)'}, health ${state.health}; waiting for ${commit.slice(0, 12)}`,
      );
    }
    if (deps.now() + interval > deadline) {
      const last = lastProblem
        ? `last read failed: ${lastProblem}`
        : `last seen sync ${state.sync} at ${state.revision.slice(0, 12) || '(none)'}, health ${state.health}`;
      throw new ServiceError(
        'Argo CD',
        `application ${target.application} not Synced and Healthy at ${commit.slice(0, 12)} within ${Math.round(target.timeoutMs / 1000)}s (${last})`,
        'Check the application in Argo CD, or raise timeout',
      );
    }
    await deps.sleep(interval);
  }
}

async function readApplication(url: string, auth: string, target: ArgoCdTarget, deps: WaitDeps): Promise<Application> {
  deps.reporter.debug(`Argo CD GET ${url}`);
  const res = await deps.fetch(url, { method: 'GET', headers: { authorization: auth, accept: 'application/json' }, redirect: 'error' });
  const text = await res.text();
  if (res.status !== 200) {
    throw new ServiceError(
      'Argo CD',
      `GET /api/v1/applications/${target.application} answered ${res.status}: ${scrubServiceText(text.slice(0, 300), [target.token])}`,
      res.status === 404 ? 'Check argocd-application (and argocd-app-namespace)' : 'Check argocd-token: it needs get on the application',
    );
  }
  try {
    return JSON.parse(text) as Application;
  } catch {
    throw new ServiceError('Argo CD', `GET /api/v1/applications/${target.application} did not answer JSON`);
  }
}
