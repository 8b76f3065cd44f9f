/**
 * gitops-promote's committed bundle, run as the runner runs it, against real git: a bare
 * repository over file://, served by `git daemon` on loopback, and by `git http-backend` behind
 * a Basic-auth HTTP server (the token path); real `kubectl kustomize`. Results are read back
 * from the bare repository with git itself.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { createManifestsRepo, startGitDaemon, startGitHttp, type GitDaemon, type ManifestsRepo } from '../helpers/git-repos';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'gitops');
const D1 = `sha256:${'a1'.repeat(32)}`;
const D2 = `sha256:${'b2'.repeat(32)}`;
const WEB = 'registry.example.com/shop/web';

function fixtureFiles(dir = FIXTURES, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, fixtureFiles(full, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(full, 'utf8');
  }
  return out;
}
const visible = (r: StepResult) =>
  r.log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
const original = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8');

let repo: ManifestsRepo;
let daemon: GitDaemon;
beforeAll(async () => {
  repo = createManifestsRepo(fixtureFiles());
  daemon = await startGitDaemon(repo.root);
});
afterAll(async () => {
  await daemon?.stop();
  repo?.cleanup();
});

/** Runs the bundle; the step's temp directory is checked for the secret (when given) and removed. */
async function step(inputs: Record<string, string>, secret?: string): Promise<StepResult> {
  const r = await runAction('gitops-promote', inputs, { timeoutMs: 60_000 });
  try {
    if (secret) for (const f of filesUnder(r.tempDir)) expect([f, readFileSync(f, 'utf8').includes(secret)]).toEqual([f, false]);
  } finally {
    rmSync(r.tempDir, { recursive: true, force: true });
  }
  return r;
}
const promote = (inputs: Record<string, string>, secret?: string): Promise<StepResult> => step({ repository: repo.fileUrl, image: WEB, ...inputs }, secret);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? filesUnder(path.join(dir, n)) : [path.join(dir, n)]));
}

describe('kustomize over file://', () => {
  it('turns newTag into the digest, keeps every other byte, renders with kubectl, and commits once', async () => {
    const before = repo.head();
    const r = await promote({ path: 'overlays/prod', digest: D1, 'image-name': 'web' });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual(
      expect.objectContaining({ changed: 'true', 'commit-sha': repo.head(), 'previous-image': `${WEB}:1.4.1`, 'pull-request-url': '', 'sync-status': '' }),
    );
    // Exactly one line differs: the newTag line became the digest line, at the same place, quoting kept.
    expect(repo.show('overlays/prod/kustomization.yaml')).toBe(original('overlays/prod/kustomization.yaml').replace('newTag: "1.4.1"', `digest: "${D1}"`));
    const [top, parent] = repo.log();
    expect(top.parents).toEqual([before]);
    expect(parent.sha).toBe(before);
    expect(top.subject).toBe(`Promote ${WEB}@${D1.slice(7, 19)} to prod`);
    expect(r.log).toContain(`kubectl kustomize renders ${WEB}@${D1}`);
    expect(r.summary).toContain('| Environment | prod |');
    expect(r.summary).toContain(`${WEB}:1.4.1 → ${WEB}@${D1}`);
    expect(r.summary).toContain(`-        newTag: "1.4.1"`);
    expect(r.summary).toContain(`+        digest: "${D1}"`);
  });

  it('does nothing when the file already holds the digest: no commit, changed false', async () => {
    const head = repo.head();
    const r = await promote({ path: 'overlays/prod/kustomization.yaml', digest: D1, 'image-name': 'web' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual(expect.objectContaining({ changed: 'false', 'commit-sha': head }));
    expect(repo.head()).toBe(head);
    expect(r.summary).toContain('already holds the digest');
  });

  it('replaces an existing digest in place (worker entry, image name = repository)', async () => {
    const r = await promote({ path: 'overlays/prod', image: `registry.example.com/shop/worker@${D2}`, 'image-name': 'worker', verify: 'false' });
    expect(r.exitCode).toBe(0);
    const text = repo.show('overlays/prod/kustomization.yaml');
    expect(text).toContain(`      digest: ${D2}\n`);
    expect(text.split('\n').length).toBe(original('overlays/prod/kustomization.yaml').split('\n').length);
  });
});

describe('dry-run', () => {
  it('clones, edits and verifies, prints the change, and pushes nothing', async () => {
    const [head, branches] = [repo.head(), repo.branches()];
    const r = await promote({ path: 'overlays/prod', 'image-name': 'web', digest: `sha256:${'c3'.repeat(32)}`, 'dry-run': 'true' });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toEqual(expect.objectContaining({ changed: 'true', 'commit-sha': '' }));
    expect(r.summary).toContain('dry-run: verified, nothing pushed');
    expect(r.summary).toContain(`+        digest: "sha256:${'c3'.repeat(32)}"`);
    expect([repo.head(), repo.branches()]).toEqual([head, branches]);
  });
});

describe('helm values over git daemon (git://)', () => {
  it('writes image.digest keeping quotes and comments', async () => {
    const r = await step({
      repository: daemon.url('acme/manifests'),
      format: 'helm-values',
      path: 'envs/prod/values.yaml',
      image: WEB,
      digest: D2,
    });
    expect(r.errors).toEqual([]);
    expect(repo.show('envs/prod/values.yaml')).toBe(original('envs/prod/values.yaml').replace(`"sha256:${'2'.repeat(64)}"`, `"${D2}"`));
    expect(r.outputs['previous-image']).toBe(`sha256:${'2'.repeat(64)}`);
    expect(r.outputs['commit-sha']).toBe(repo.head());
  });
});

describe('Flux setters', () => {
  it('finds the one file under the directory with the policy markers and writes the digest there', async () => {
    const deployment =
      'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:1.0 # {"$imagepolicy": "flux-system:web"}\n';
    repo.commitFiles({ 'clusters/prod/web/deployment.yaml': deployment, 'clusters/prod/web/service.yaml': 'kind: Service\n' }, 'flux app');
    const r = await promote({ path: 'clusters/prod', format: 'flux-setters', 'image-policy': 'flux-system:web', digest: D1 });
    expect(r.errors).toEqual([]);
    expect(repo.show('clusters/prod/web/deployment.yaml')).toBe(deployment.replace('ghcr.io/acme/web:1.0', `${WEB}@${D1}`));
    expect(r.summary).toContain('| File | clusters/prod/web/deployment.yaml |');
    expect(r.summary).toContain('| Environment | prod |');
  });
});

describe('bad input: one ::error::, exit 1, nothing pushed', () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ['path not found', { path: 'overlays/qa', digest: D1 }, ["Input 'path'", 'overlays/qa does not exist on branch main']],
    [
      'YAML path absent',
      { path: 'envs/prod/values.yaml', format: 'helm-values', 'yaml-path': 'image.sha', digest: D1 },
      ["Input 'yaml-path'", "no key 'sha' under 'image'"],
    ],
    [
      'not YAML',
      { path: 'base/broken.yaml', format: 'yaml-path', 'yaml-path': 'spec.image', digest: D1 },
      ["Input 'path'", 'is not valid YAML at line 4, column 1'],
    ],
    [
      'kustomization without the image',
      { path: 'overlays/prod', 'image-name': 'api', digest: D1 },
      ["Input 'image'", "no images entry with name 'api'", 'create-entry: true'],
    ],
    ['no token in pull-request mode', { path: 'overlays/prod', mode: 'pull-request', digest: D1 }, ["Input 'token'", 'required in pull-request mode']],
    [
      'credentials in the URL',
      { repository: 'https://bot:hunter2@git.example.com/acme/manifests.git', path: 'overlays/prod', digest: D1 },
      ["Input 'repository'", 'credentials'],
    ],
  ];
  beforeAll(() => {
    repo.commitFiles({ 'base/broken.yaml': 'apiVersion: v1\nspec:\n  image: [unclosed\nkind: Pod\n' }, 'a broken file');
  });
  it.each(cases)('%s', async (_name, inputs, mention) => {
    const [head, branches] = [repo.head(), repo.branches()];
    const r = await promote(inputs);
    expectCleanFailure(r, ...mention);
    expect(r.log).not.toContain('hunter2');
    expect([repo.head(), repo.branches()]).toEqual([head, branches]);
  });
});

describe('the token over smart HTTP', () => {
  it('travels only as the Authorization header: never in a URL, the log, the outputs or the summary', async () => {
    const token = 'ghs_SecretTokenValue0123456789abcdef';
    const header = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const server = await startGitHttp(repo.root, header);
    try {
      const r = await promote({ repository: server.url('acme/manifests'), path: 'overlays/prod', 'image-name': 'web', digest: D2, token }, token); // no file the step leaves holds it
      expect(r.errors).toEqual([]);
      expect(repo.show('overlays/prod/kustomization.yaml')).toContain(`digest: ${D2}`);
      const authed = server.requests.filter((q) => q.authorization === header);
      expect(authed.map((q) => q.url)).toEqual(
        expect.arrayContaining([expect.stringContaining('git-upload-pack'), expect.stringContaining('git-receive-pack')]),
      );
      expect(server.requests.every((q) => q.authorization === header)).toBe(true); // sent up front, no 401 round trip
      for (const q of server.requests) expect(q.url).not.toContain(token);
      // ::add-mask:: is the runner command that hides the value; it never reaches the visible log.
      const seen = [visible(r), r.summary, JSON.stringify(r.outputs)].join('\n');
      for (const form of [token, header.slice(6), Buffer.from(token).toString('base64')]) expect(seen).not.toContain(form);
    } finally {
      await server.stop();
    }
  });

  it('a refused token fails with the server answer quoted and scrubbed, and pushes nothing', async () => {
    const server = await startGitHttp(repo.root, 'Basic nobody');
    try {
      const head = repo.head();
      const r = await promote({ repository: server.url('acme/manifests'), path: 'overlays/prod', digest: D1, token: 'ghs_wrongwrongwrong' });
      expectCleanFailure(r, 'git clone');
      expect(visible(r)).not.toContain('ghs_wrongwrongwrong');
      expect(repo.head()).toBe(head);
    } finally {
      await server.stop();
    }
  });
});
