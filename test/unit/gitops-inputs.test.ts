/** gitops-promote's input parser: what is accepted, what each default means, and every refusal naming its input. */
import { environmentFromPath, parseInputs, parseRepository } from '../../src/gitops-promote/inputs';
import { InputError } from '../../src/toolkit/errors';

const D = `sha256:${'ab'.repeat(32)}`;
const ENV = { GITHUB_SERVER_URL: 'https://github.com' };
const base = { repository: 'acme/manifests', path: 'overlays/prod', image: 'registry.example.com/shop/web', digest: D };
const parse = (over: Record<string, string> = {}, env: NodeJS.ProcessEnv = ENV) => parseInputs({ ...base, ...over }, env);
const refusal = (over: Record<string, string>, env: NodeJS.ProcessEnv = ENV): InputError => {
  try {
    parse(over, env);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('accepted');
};

describe('repository', () => {
  it('owner/name is on the GitHub server of the run (GitHub Enterprise included), with its API', () => {
    expect(parseRepository('acme/manifests', ENV)).toEqual({
      url: 'https://github.com/acme/manifests.git',
      display: 'acme/manifests',
      github: { owner: 'acme', name: 'manifests', apiUrl: 'https://api.github.com', webUrl: 'https://github.com/acme/manifests' },
    });
    const ghes = parseRepository('acme/manifests', { GITHUB_SERVER_URL: 'https://git.corp.example', GITHUB_API_URL: 'https://git.corp.example/api/v3' });
    expect([ghes.url, ghes.github?.apiUrl]).toEqual(['https://git.corp.example/acme/manifests.git', 'https://git.corp.example/api/v3']);
  });

  it('takes any git URL; scp-like ssh and file:// have no API', () => {
    expect(parseRepository('git@gitlab.example.com:ops/manifests.git', ENV)).toEqual({
      url: 'git@gitlab.example.com:ops/manifests.git',
      display: 'git@gitlab.example.com:ops/manifests.git',
    });
    expect(parseRepository('file:///srv/git/manifests.git', ENV).github).toBeUndefined();
    expect(parseRepository('https://github.com/acme/manifests.git', ENV).github).toEqual(
      expect.objectContaining({ owner: 'acme', name: 'manifests', webUrl: 'https://github.com/acme/manifests' }),
    );
  });

  it('refuses credentials in the URL without repeating them, and unknown transports', () => {
    const e = refusal({ repository: 'https://x-access-token:ghp_abc@github.com/acme/m.git' });
    expect([e.input, e.message.includes('ghp_abc')]).toEqual(['repository', false]);
    expect(refusal({ repository: 'ftp://example.com/m.git' }).input).toBe('repository');
  });
});

describe('defaults', () => {
  it('kustomize, push, main, entry named as the image, environment from the path', () => {
    expect(parse()).toEqual(
      expect.objectContaining({
        format: 'kustomize',
        mode: 'push',
        branch: 'main',
        entryName: base.image,
        environment: 'prod',
        pushAttempts: 20,
        verify: true,
        createEntry: false,
        dryRun: false,
      }),
    );
    expect(environmentFromPath('envs/staging/values.yaml')).toBe('staging');
    expect(environmentFromPath('prod.yaml')).toBe('prod');
  });

  it('helm-values writes the digest at image.digest; yaml-path writes the reference at its (required) path', () => {
    expect(parse({ format: 'helm-values', path: 'v.yaml' })).toEqual(
      expect.objectContaining({ valuePath: [{ key: 'image' }, { key: 'digest' }], value: 'digest' }),
    );
    expect(parse({ format: 'yaml-path', path: 'd.yaml', 'yaml-path': 'spec.image' })).toEqual(expect.objectContaining({ value: 'reference' }));
    expect(refusal({ format: 'yaml-path', path: 'd.yaml' }).input).toBe('yaml-path');
  });

  it('takes the digest from image@digest, and refuses two different digests', () => {
    expect(parse({ image: `${base.image}:1.2@${D}`, digest: '' })).toEqual(expect.objectContaining({ image: base.image, digest: D }));
    expect(refusal({ image: `${base.image}@sha256:${'cd'.repeat(32)}` }).input).toBe('digest');
  });
});

describe('refusals name the input', () => {
  it.each([
    [{ digest: 'sha256:abc' }, 'digest'],
    [{ digest: '' }, 'digest'],
    [{ path: '../elsewhere' }, 'path'],
    [{ path: '/etc/passwd' }, 'path'],
    [{ branch: 'main..x' }, 'branch'],
    [{ format: 'jsonnet' }, 'format'],
    [{ 'yaml-path': 'image.digest' }, 'yaml-path'],
    [{ format: 'helm-values', 'image-name': 'web' }, 'image-name'],
    [{ mode: 'pull-request' }, 'token'],
    [{ mode: 'pull-request', token: 't', repository: 'file:///srv/m.git' }, 'repository'],
    [{ 'commit-message': 'Bump {imag}' }, 'commit-message'],
    [{ 'commit-author': 'bot' }, 'commit-author'],
    [{ 'push-attempts': '0' }, 'push-attempts'],
    [{ 'argocd-server': 'https://argocd.example.com' }, 'argocd-application'],
    [{ 'argocd-server': 'https://argocd.example.com', 'argocd-application': 'shop' }, 'argocd-token'],
    [{ 'argocd-application': 'shop', 'argocd-token': 't' }, 'argocd-server'],
    [{ 'argocd-server': 'https://u:p@argocd.example.com', 'argocd-application': 'shop', 'argocd-token': 't' }, 'argocd-server'],
    [{ timeout: 'soon' }, 'timeout'],
    [{ image: 'Registry.Example.com/Web' }, 'image'],
  ])('%j -> %s', (over, input) => {
    expect(refusal(over).input).toBe(input);
  });
});
