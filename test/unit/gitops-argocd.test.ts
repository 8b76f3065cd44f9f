/**
 * The Argo CD wait as a decision over successive Application reads (fake clock, scripted
 * answers shaped as the API returns them): what counts as "at the commit", what fails at once,
 * and that an unknown state until the timeout is a failure.
 */
import { waitForApplication, type Application } from '../../src/gitops-promote/argocd';
import type { ArgoCdTarget } from '../../src/gitops-promote/inputs';
import { MemoryReporter } from '../../src/toolkit/reporter';

const OURS = 'a'.repeat(40);
const LATER = 'b'.repeat(40);
const OLDER = 'c'.repeat(40);
const target: ArgoCdTarget = { server: new URL('https://argocd.example.com'), application: 'shop-prod', token: 'argo-token-123456', timeoutMs: 60_000 };

const app = (sync: string, revision: string, health: string, extra: Partial<NonNullable<Application['status']>> = {}): Application => ({
  metadata: { name: 'shop-prod' },
  status: { sync: { status: sync, revision }, health: { status: health }, ...extra },
});

function scripted(answers: (Application | number)[]) {
  const urls: string[] = [];
  const auth: string[] = [];
  let clock = 0;
  const fetch = async (url: string, init: RequestInit) => {
    urls.push(url);
    auth.push(String((init.headers as Record<string, string>).authorization));
    const a = answers[Math.min(urls.length - 1, answers.length - 1)];
    return typeof a === 'number' ? new Response('{"error":"x","code":2,"message":"x"}', { status: a }) : new Response(JSON.stringify(a), { status: 200 });
  };
  const reporter = new MemoryReporter();
  const deps = {
    fetch,
    reporter,
    contains: async (rev: string) => rev === OURS || rev === LATER,
    sleep: async (ms: number) => void (clock += ms),
    now: () => clock,
    intervalMs: 5000,
  };
  return { deps, urls, auth, reporter };
}

it('asks for a refresh first, then waits through OutOfSync and Progressing to Synced + Healthy', async () => {
  const s = scripted([app('OutOfSync', OLDER, 'Healthy'), app('Synced', OURS, 'Progressing'), app('Synced', OURS, 'Healthy')]);
  expect(await waitForApplication(target, OURS, s.deps)).toEqual({ sync: 'Synced', health: 'Healthy', revision: OURS });
  expect(s.urls).toEqual([
    'https://argocd.example.com/api/v1/applications/shop-prod?refresh=normal',
    'https://argocd.example.com/api/v1/applications/shop-prod',
    'https://argocd.example.com/api/v1/applications/shop-prod',
  ]);
  expect(new Set(s.auth)).toEqual(new Set(['Bearer argo-token-123456']));
  expect(s.reporter.secrets).toContain('argo-token-123456');
});

it('accepts a later commit that contains ours (another promotion landed on top)', async () => {
  const s = scripted([app('Synced', LATER, 'Healthy')]);
  expect((await waitForApplication(target, OURS, s.deps)).revision).toBe(LATER);
});

it('does not take Synced + Healthy at an older revision for success', async () => {
  const s = scripted([app('Synced', OLDER, 'Healthy')]);
  await expect(waitForApplication({ ...target, timeoutMs: 20_000 }, OURS, s.deps)).rejects.toThrow(
    `last seen sync Synced at ${OLDER.slice(0, 12)}, health Healthy`,
  );
  expect(s.urls.length).toBe(5); // at 0, 5, 10, 15 and 20 s
});

it('fails on Degraded at the commit, but not on a Degraded older revision it is replacing', async () => {
  const s = scripted([
    app('OutOfSync', OLDER, 'Degraded'),
    app('Synced', OURS, 'Degraded', { health: { status: 'Degraded', message: 'Back-off pulling image' } }),
  ]);
  await expect(waitForApplication(target, OURS, s.deps)).rejects.toThrow('shop-prod is Degraded at aaaaaaaaaaaa: Back-off pulling image');
  expect(s.urls.length).toBe(2);
});

it('fails on a sync operation that failed at the commit, ignoring one that failed at an older revision', async () => {
  const failedAt = (rev: string) => ({
    operationState: { phase: 'Failed', message: 'ComparisonError: token argo-token-123456 leaked', syncResult: { revision: rev } },
  });
  const s = scripted([app('OutOfSync', OLDER, 'Healthy', failedAt(OLDER)), app('OutOfSync', OLDER, 'Healthy', failedAt(OURS))]);
  const err = await waitForApplication(target, OURS, s.deps).catch((e: Error) => e);
  expect(String(err)).toContain('sync Failed at aaaaaaaaaaaa');
  expect(String(err)).not.toContain('argo-token-123456');
});

it('fails at once on 401 and 404; keeps trying through 503 until the timeout', async () => {
  await expect(waitForApplication(target, OURS, scripted([401]).deps)).rejects.toThrow('answered 401');
  await expect(waitForApplication(target, OURS, scripted([404]).deps)).rejects.toThrow('Check argocd-application');
  const flaky = scripted([503, 503, app('Synced', OURS, 'Healthy')]);
  expect((await waitForApplication(target, OURS, flaky.deps)).health).toBe('Healthy');
  const down = scripted([503]);
  await expect(waitForApplication({ ...target, timeoutMs: 10_000 }, OURS, down.deps)).rejects.toThrow('last read failed');
});

it('passes appNamespace when the application lives outside the Argo CD namespace', async () => {
  const s = scripted([app('Synced', OURS, 'Healthy')]);
  await waitForApplication({ ...target, appNamespace: 'team-a' }, OURS, s.deps);
  expect(s.urls[0]).toBe('https://argocd.example.com/api/v1/applications/shop-prod?appNamespace=team-a&refresh=normal');
});
