/**
 * gitops-promote's bundle against the GitHub REST API double (pull-request mode) and the Argo CD
 * API double, over a real bare repository served by `git daemon`. Every API call is asserted.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { startArgoCdDouble, type ArgoScenario } from '../doubles/argocd-api-double';
import { startGitHubApiDouble, type GitHubApiDouble } from '../doubles/github-api-double';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { createManifestsRepo, git, startGitDaemon, type GitDaemon, type ManifestsRepo } from '../helpers/git-repos';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'gitops');
const read = (f: string) => readFileSync(path.join(FIXTURES, f), 'utf8');
const WEB = 'registry.example.com/shop/web';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const TOKEN = 'ghs_PullRequestToken000111222333';
const ARGO_TOKEN = 'argocd.jwt.token-abcdef0123456789';

let repo: ManifestsRepo;
let daemon: GitDaemon;
let api: GitHubApiDouble;
beforeAll(async () => {
  repo = createManifestsRepo({
    'envs/prod/values.yaml': read('envs/prod/values.yaml'),
    'overlays/prod/kustomization.yaml': read('overlays/prod/kustomization.yaml'),
    'base/kustomization.yaml': read('base/kustomization.yaml'),
    'base/deployment.yaml': read('base/deployment.yaml'),
  });
  daemon = await startGitDaemon(repo.root);
  api = await startGitHubApiDouble({
    owner: 'acme',
    repo: 'manifests',
    token: TOKEN,
    webUrl: 'https://github.com',
    headSha: (ref) => {
      try {
        return git(['rev-parse', '--verify', `refs/heads/${ref}`], repo.bare).trim();
      } catch {
        return undefined;
      }
    },
  });
});
afterAll(async () => {
  await api?.stop();
  await daemon?.stop();
  repo?.cleanup();
});

async function promote(inputs: Record<string, string>): Promise<StepResult> {
  const r = await runAction(
    'gitops-promote',
    { repository: daemon.url('acme/manifests'), image: WEB, format: 'helm-values', path: 'envs/prod/values.yaml', ...inputs },
    { env: { GITHUB_API_URL: api.url }, timeoutMs: 60_000 },
  );
  rmSync(r.tempDir, { recursive: true, force: true });
  return r;
}

describe('pull-request mode', () => {
  it('opens one pull request, then updates it for the next digest instead of opening a second, and skips a digest already there', async () => {
    const main = repo.head();
    const first = await promote({ mode: 'pull-request', token: TOKEN, digest: digest('c') });
    expect(first.errors).toEqual([]);
    expect(first.outputs['pull-request-url']).toBe('https://github.com/acme/manifests/pull/1');
    expect(repo.head()).toBe(main); // main is untouched until the pull request is merged
    const branch = `shipline/prod/web-${'c'.repeat(12)}`;
    expect(repo.show('envs/prod/values.yaml', branch)).toContain(`digest: "${digest('c')}"`);
    expect(repo.log(branch)[0].parents).toEqual([main]);
    expect(first.outputs['commit-sha']).toBe(repo.head(branch));
    expect(api.calls.map((c) => `${c.method} ${c.url.split('?')[0]}`)).toEqual(['GET /repos/acme/manifests/pulls', 'POST /repos/acme/manifests/pulls']);
    expect(new URL(`http://x${api.calls[0].url}`).searchParams.get('base')).toBe('main');
    expect(api.calls[1].body).toEqual(expect.objectContaining({ head: branch, base: 'main', title: `Promote ${WEB}@${'c'.repeat(12)} to prod` }));
    expect(String(api.calls[1].body?.body)).toContain(`<!-- shipline:gitops-promote environment=prod image=${WEB} -->`);
    for (const c of api.calls) expect(c.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first.summary).toContain('[#1](https://github.com/acme/manifests/pull/1)');

    api.calls.length = 0;
    const second = await promote({ mode: 'pull-request', token: TOKEN, digest: digest('d') });
    expect(second.errors).toEqual([]);
    expect(second.outputs['pull-request-url']).toBe('https://github.com/acme/manifests/pull/1');
    expect(api.calls.map((c) => `${c.method} ${c.url.split('?')[0]}`)).toEqual(['GET /repos/acme/manifests/pulls', 'PATCH /repos/acme/manifests/pulls/1']);
    expect(api.pulls).toHaveLength(1);
    expect(repo.show('envs/prod/values.yaml', branch)).toContain(`digest: "${digest('d')}"`);
    const log = repo.log(branch);
    expect(log[0].parents).toEqual([log[1].sha]); // a fast-forward commit on the same branch, no force
    expect(api.pulls[0].title).toBe(`Promote ${WEB}@${'d'.repeat(12)} to prod`);
    expect(second.summary).toContain('updated open pull request #1');

    api.calls.length = 0;
    const third = await promote({ mode: 'pull-request', token: TOKEN, digest: digest('d') });
    expect(third.outputs).toEqual(expect.objectContaining({ changed: 'false', 'pull-request-url': 'https://github.com/acme/manifests/pull/1' }));
    expect(api.calls.map((c) => c.method)).toEqual(['GET']);
    expect(repo.log(branch)).toHaveLength(log.length);
  });

  it('does nothing at all when the base branch already holds the digest: no branch, no API call', async () => {
    const d = digest('2'); // what the fixture's values file holds
    api.calls.length = 0;
    const branches = repo.branches();
    const r = await promote({ mode: 'pull-request', token: TOKEN, digest: d });
    expect(r.outputs).toEqual(expect.objectContaining({ changed: 'false', 'pull-request-url': '', 'commit-sha': repo.head() }));
    expect(api.calls).toEqual([]);
    expect(repo.branches()).toEqual(branches);
  });
});

describe('Argo CD', () => {
  const withArgo = async (scenario: ArgoScenario, d: string, timeout = '20s') => {
    const argo = await startArgoCdDouble({ application: 'shop-prod', token: ARGO_TOKEN, scenario, head: () => repo.head(), syncAfter: 1 });
    try {
      const r = await promote({ digest: d, 'argocd-server': argo.url, 'argocd-application': 'shop-prod', 'argocd-token': ARGO_TOKEN, timeout });
      return { r, calls: argo.calls };
    } finally {
      await argo.stop();
    }
  };

  it('waits until the application is Synced at the new commit and Healthy', async () => {
    const { r, calls } = await withArgo('healthy', digest('e'));
    expect(r.errors).toEqual([]);
    expect(r.outputs).toEqual(expect.objectContaining({ changed: 'true', 'sync-status': 'Synced', 'health-status': 'Healthy', 'commit-sha': repo.head() }));
    expect(calls[0].url).toBe('/api/v1/applications/shop-prod?refresh=normal');
    expect(calls.slice(1).every((c) => c.url === '/api/v1/applications/shop-prod')).toBe(true);
    expect(calls.length).toBe(3); // OutOfSync, Synced + Progressing, Synced + Healthy
    for (const c of calls) expect(c.authorization).toBe(`Bearer ${ARGO_TOKEN}`);
    expect(r.summary).toContain(`shop-prod: sync Synced at ${repo.head().slice(0, 12)}, health Healthy`);
    const shown = r.log
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(shown).not.toContain(ARGO_TOKEN.slice(7));
  });

  it('fails on Degraded, reporting sync and health (the commit stays: Argo CD rolls forward or back)', async () => {
    const { r } = await withArgo('degraded', digest('f'));
    expectCleanFailure(r, 'Argo CD', 'Degraded', 'exceeded its progress deadline');
    expect(r.outputs).toEqual(expect.objectContaining({ changed: 'true', 'sync-status': 'Synced', 'health-status': 'Degraded' }));
    expect(r.summary).toContain('health Degraded');
  });

  it('fails on a failed sync operation, quoting its message', async () => {
    const { r } = await withArgo('sync-failed', digest('9'));
    expectCleanFailure(r, 'Argo CD', 'sync Failed', 'admission webhook');
  });

  it('fails when the application never syncs within the timeout (unknown is never success)', async () => {
    const { r, calls } = await withArgo('never-synced', digest('8'), '2s');
    expectCleanFailure(r, 'not Synced and Healthy', 'within 2s', 'OutOfSync');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(r.outputs['sync-status']).toBe('OutOfSync');
  });

  it('fails at once on a refused token', async () => {
    const argo = await startArgoCdDouble({ application: 'shop-prod', token: 'other', scenario: 'healthy', head: () => repo.head() });
    try {
      const r = await promote({ digest: digest('7'), 'argocd-server': argo.url, 'argocd-application': 'shop-prod', 'argocd-token': ARGO_TOKEN });
      expectCleanFailure(r, 'Argo CD', 'answered 401', 'invalid session');
      expect(argo.calls).toHaveLength(1);
    } finally {
      await argo.stop();
    }
  });
});
