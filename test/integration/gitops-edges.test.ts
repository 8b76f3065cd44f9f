/**
 * gitops-promote's committed bundle against real git with the files and inputs users really
 * have: anchors and aliases, flow maps, several documents, CRLF line ends, comments beside the
 * changed scalar, malformed digests, list indexes out of range, a branch that does not exist,
 * and the token in every form it could leak in.
 */
import { rmSync } from 'node:fs';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { createManifestsRepo, startGitHttp, type ManifestsRepo } from '../helpers/git-repos';
import { expectNoLeaks } from '../helpers/leaks';

const D1 = `sha256:${'c3'.repeat(32)}`;
const OLD = `sha256:${'0f'.repeat(32)}`;
const WEB = 'registry.example.com/shop/web';
const DEPLOY =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:v0\n';

const files: Record<string, string> = {
  'alias/values.yaml': `defaults: &img\n  repository: ${WEB}\n  digest: ${OLD}\nimage: *img\n`,
  'aliasscalar/values.yaml': `pinned: &d ${OLD}\nimage:\n  digest: *d\n`,
  'flow/values.yaml': `image: {repository: ${WEB}, digest: "${OLD}"}  # set by CI\nreplicas: 2\n`,
  'multi/app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${DEPLOY}`,
  'comment/values.yaml': `image:\n  # the digest promote-artifact pushed\n  digest: ${OLD}   # keep me\n  pullPolicy: IfNotPresent\n`,
  'crlf/kustomization.yaml': `resources:\r\n- deploy.yaml\r\nimages:\r\n- name: web # the app\r\n  newName: ${WEB}\r\n  newTag: "1.0.0" # old tag\r\n`,
  'crlf/deploy.yaml': DEPLOY,
  // Charts often ship the key with no value: `digest:` is null until CI sets it.
  'crlf-new/kustomization.yaml': `resources:\r\n- deploy.yaml\r\nimages:\r\n- name: api\r\n  newTag: "2.0.0"\r\n`,
  'crlf-new/deploy.yaml': DEPLOY,
  'empty/values.yaml': `image:\n  repository: ${WEB}\n  digest:\n  pullPolicy: IfNotPresent\n`,
};

let repo: ManifestsRepo;
beforeAll(() => {
  repo = createManifestsRepo(files);
});
afterAll(() => repo?.cleanup());

async function promote(inputs: Record<string, string>): Promise<StepResult> {
  const r = await runAction('gitops-promote', { repository: repo.fileUrl, image: WEB, digest: D1, ...inputs }, { timeoutMs: 60_000 });
  rmSync(r.tempDir, { recursive: true, force: true });
  return r;
}

describe('edits that keep every other byte', () => {
  it.each([
    ['flow/values.yaml', { format: 'helm-values' }, (t: string) => t.replace(OLD, D1)],
    ['comment/values.yaml', { format: 'helm-values' }, (t: string) => t.replace(OLD, D1)],
    ['multi/app.yaml', { format: 'yaml-path', 'yaml-path': 'spec.template.spec.containers[0].image' }, (t: string) => t.replace('web:v0', `${WEB}@${D1}`)],
    ['crlf/kustomization.yaml', { format: 'kustomize', 'image-name': 'web' }, (t: string) => t.replace('newTag: "1.0.0"', `digest: "${D1}"`)],
    [
      'crlf-new/kustomization.yaml',
      { format: 'kustomize', 'image-name': 'web', 'create-entry': 'true' },
      (t: string) => `${t}- name: web\r\n  newName: ${WEB}\r\n  digest: ${D1}\r\n`,
    ],
    ['empty/values.yaml', { format: 'helm-values' }, (t: string) => t.replace('digest:\n', `digest: ${D1}\n`)],
  ])('%s', async (file, inputs, expected) => {
    const r = await promote({ path: file.endsWith('kustomization.yaml') ? file.split('/')[0] : file, ...inputs });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(repo.show(file)).toBe(expected(files[file]));
  });
});

describe('refused before anything is pushed: one ::error::, exit 1', () => {
  it.each([
    [
      'a values key reached through an alias names the alias, not a missing key',
      { path: 'alias/values.yaml', format: 'helm-values' },
      ["Input 'yaml-path'", 'alias', '*img'],
    ],
    ['a scalar that is an alias names the alias', { path: 'aliasscalar/values.yaml', format: 'helm-values' }, ["Input 'yaml-path'", 'alias', '*d']],
    [
      'a list index out of range',
      { path: 'multi/app.yaml', format: 'yaml-path', 'yaml-path': 'spec.template.spec.containers[1].image' },
      ["Input 'yaml-path'", 'no list item [1]'],
    ],
    ['a digest with upper-case hex', { path: 'flow/values.yaml', format: 'helm-values', digest: `sha256:${'C3'.repeat(32)}` }, ["Input 'digest'"]],
    ['a sha512 digest', { path: 'flow/values.yaml', format: 'helm-values', digest: `sha512:${'c3'.repeat(64)}` }, ["Input 'digest'"]],
    ['a short digest', { path: 'flow/values.yaml', format: 'helm-values', digest: `sha256:${'c3'.repeat(31)}` }, ["Input 'digest'"]],
    ['a branch that does not exist', { path: 'flow/values.yaml', format: 'helm-values', branch: 'no-such-branch' }, ['no-such-branch']],
  ])('%s', async (_name, inputs, mention) => {
    const [head, branches] = [repo.head(), repo.branches()];
    const r = await promote(inputs);
    expectCleanFailure(r, ...mention);
    expect([repo.head(), repo.branches()]).toEqual([head, branches]);
  });
});

describe('the token in no form anywhere', () => {
  const token = 'ghs_EdgeTokenValue0123456789ABCDEFxyz';
  const header = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  it.each([
    ['a branch that does not exist', { branch: 'nope' }, 1],
    ['a good push', {}, 0],
    ['a YAML path that is absent', { 'yaml-path': 'image.sha' }, 1],
  ])('%s', async (_name, inputs, code) => {
    const server = await startGitHttp(repo.root, header);
    try {
      const r = await runAction(
        'gitops-promote',
        {
          repository: server.url('acme/manifests'),
          image: WEB,
          digest: `sha256:${'d4'.repeat(32)}`,
          path: 'comment/values.yaml',
          format: 'helm-values',
          token,
          ...inputs,
        },
        { timeoutMs: 60_000, env: { RUNNER_DEBUG: '1' } },
      );
      try {
        expect(r.exitCode).toBe(code);
        expectNoLeaks(r, { token, header });
      } finally {
        rmSync(r.tempDir, { recursive: true, force: true });
      }
    } finally {
      await server.stop();
    }
  });
});
