/** gitops-promote's GitHub pull-request client against the REST API double: the calls it makes and how it reads the answers. */
import { GitHubPulls, pullRequestMarker } from '../../src/gitops-promote/github';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { startGitHubApiDouble, type GitHubApiDouble } from '../doubles/github-api-double';

const TOKEN = 'ghs_ApiClientToken0123456789';
let api: GitHubApiDouble;
beforeAll(async () => {
  api = await startGitHubApiDouble({
    owner: 'acme',
    repo: 'manifests',
    token: TOKEN,
    webUrl: 'https://github.com',
    headSha: (ref) => (ref === 'missing' ? undefined : 'f'.repeat(40)),
  });
});
afterAll(() => api?.stop());
beforeEach(() => {
  api.calls.length = 0;
});

const client = (token = TOKEN) =>
  new GitHubPulls({ apiUrl: api.url, owner: 'acme', repo: 'manifests', token, fetch: (u, i) => fetch(u, i), reporter: new MemoryReporter() });

it('finds only the open pull request carrying the marker of this environment and image', async () => {
  const pulls = client();
  await pulls.create({ title: 'other', body: 'hand-written', head: 'feature', base: 'main' });
  await pulls.create({ title: 'ours', body: `x\n\n${pullRequestMarker('prod', 'reg/web')}\n`, head: 'shipline/prod/web-1', base: 'main' });
  expect((await pulls.findOpen('main', pullRequestMarker('prod', 'reg/web')))?.title).toBe('ours');
  expect(await pulls.findOpen('main', pullRequestMarker('staging', 'reg/web'))).toBeUndefined();
  expect(await pulls.findOpen('release', pullRequestMarker('prod', 'reg/web'))).toBeUndefined();
  const list = api.calls.filter((c) => c.method === 'GET').map((c) => new URL(`http://x${c.url}`).searchParams);
  expect(list.map((q) => [q.get('state'), q.get('base'), q.get('per_page')])).toEqual([
    ['open', 'main', '100'],
    ['open', 'main', '100'],
    ['open', 'release', '100'],
  ]);
});

it('returns the existing pull request when GitHub answers 422 "already exists" for the head', async () => {
  const pulls = client();
  const first = await pulls.create({ title: 't', body: 'b', head: 'shipline/prod/web-2', base: 'main' });
  api.calls.length = 0;
  const again = await pulls.create({ title: 't', body: 'b', head: 'shipline/prod/web-2', base: 'main' });
  expect(again.number).toBe(first.number);
  expect(api.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
    'POST /repos/acme/manifests/pulls',
    `GET /repos/acme/manifests/pulls?state=open&head=${encodeURIComponent('acme:shipline/prod/web-2')}&base=main`,
  ]);
});

it('quotes GitHub validation errors and refusals without the token', async () => {
  await expect(client().create({ title: 't', body: 'b', head: 'missing', base: 'main' })).rejects.toThrow('POST /pulls answered 422');
  const refused = await client('ghs_wrong_token_value')
    .findOpen('main', 'x')
    .catch((e: Error) => e);
  expect(String(refused)).toContain('answered 401: {"message":"Bad credentials"');
  expect(String(refused)).not.toContain('ghs_wrong_token_value');
  expect(api.calls.at(-1)?.authorization).toBe('Bearer ghs_wrong_token_value');
});
