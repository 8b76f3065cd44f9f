/**
 * Inputs of gitops-promote: which manifests repository, branch and file, which image and digest,
 * how the change lands (push or pull request), and the optional Argo CD application to wait for.
 * Everything a user can get wrong without looking at the repository is refused here, before
 * anything is cloned.
 */
import * as path from 'node:path';
import { InputError } from '../toolkit/errors';
import {
  parseBoolean,
  parseDuration,
  parseEnum,
  parseHttpUrlWithoutCredentials,
  parseInteger,
  rawValue,
  type InputSpecs,
  type RawInputs,
} from '../toolkit/inputs';
import type { ImageEdit, ManifestFormat } from './edit';
import { checkTemplate } from './template';
import { parseYamlPath } from './yaml-path';

export const DEFAULT_MESSAGE = 'Promote {image}@{short-digest} to {environment}';
/** Added under a one-line message (the title): what changed and where it came from. */
export const MESSAGE_BODY = '{path}: {previous} -> {image}@{digest}\nSource: {source-repository}@{sha} ({run-url})';
export const DEFAULT_AUTHOR = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>';

export const INPUTS = {
  repository: { required: true },
  branch: { default: 'main' },
  path: { required: true },
  format: { default: 'kustomize' },
  image: { required: true },
  digest: {},
  'image-name': {},
  'yaml-path': {},
  'repository-path': {},
  value: {},
  'image-policy': {},
  environment: {},
  mode: { default: 'push' },
  token: {},
  'commit-message': { default: DEFAULT_MESSAGE },
  'commit-author': { default: DEFAULT_AUTHOR },
  'create-entry': { default: 'false' },
  verify: { default: 'true' },
  'push-attempts': { default: '20' },
  'argocd-server': {},
  'argocd-application': {},
  'argocd-app-namespace': {},
  'argocd-token': {},
  timeout: { default: '5m' },
  'dry-run': { default: 'false' },
} as const satisfies InputSpecs;

export const OUTPUTS = ['commit-sha', 'pull-request-url', 'changed', 'sync-status', 'health-status', 'previous-image'] as const;

/** Where the manifests live. `github` is set when the repository is addressed on a GitHub server (pull requests). */
export interface ManifestRepository {
  /** Clone URL, never with credentials. */
  url: string;
  /** Shown in logs and the summary. */
  display: string;
  github?: { owner: string; name: string; apiUrl: string; webUrl: string };
}

export interface ArgoCdTarget {
  server: URL;
  application: string;
  appNamespace?: string;
  token: string;
  timeoutMs: number;
}

/** The image edit (format, image, digest, entry or paths, value, policy, createEntry) and where and how to land it. */
export interface GitopsInputs extends ImageEdit {
  repository: ManifestRepository;
  branch: string;
  /** Relative to the repository root, normalised, inside it. */
  path: string;
  environment: string;
  mode: 'push' | 'pull-request';
  token: string;
  commitMessage: string;
  commitAuthor: string;
  verify: boolean;
  pushAttempts: number;
  argocd?: ArgoCdTarget;
  dryRun: boolean;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const OWNER_NAME = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?$/;

export function parseRepository(value: string, env: NodeJS.ProcessEnv): ManifestRepository {
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL || (server === 'https://github.com' ? 'https://api.github.com' : `${server}/api/v3`)).replace(/\/+$/, '');
  const short = OWNER_NAME.exec(value);
  if (short && !value.includes(':')) {
    const [, owner, name] = short;
    return { url: `${server}/${owner}/${name}.git`, display: `${owner}/${name}`, github: { owner, name, apiUrl, webUrl: `${server}/${owner}/${name}` } };
  }
  if (/^[\w.-]+@[\w.-]+:/.test(value)) return { url: value, display: value }; // scp-like ssh: git@host:owner/name.git
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(
      'repository',
      `'${value}' is neither owner/name nor a git URL`,
      'Give owner/name (on this GitHub server) or a URL such as https://git.example.com/team/manifests.git',
    );
  }
  if (!['https:', 'http:', 'ssh:', 'git:', 'file:'].includes(url.protocol)) {
    throw new InputError('repository', `'${url.protocol}' is not a git transport`, 'Use https://, ssh://, git://, file:// or owner/name');
  }
  if (url.password || (url.username && url.protocol !== 'ssh:')) {
    throw new InputError(
      'repository',
      'contains credentials in the URL',
      'Remove them and pass the token in the token input: it is sent as an HTTP header, never in the URL',
    );
  }
  // owner/name for the REST API: the last two path segments, on whichever server hosts them.
  const parts = url.pathname
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  const onServer = url.origin === new URL(server).origin;
  const github =
    parts.length >= 2 && url.protocol !== 'file:'
      ? { owner: parts[parts.length - 2], name: parts[parts.length - 1], apiUrl, webUrl: onServer ? `${server}/${parts.slice(-2).join('/')}` : '' }
      : undefined;
  return { url: value, display: value, github };
}

/** `registry/path/name[:tag][@sha256:...]` -> repository and digest (a tag is dropped: the digest is what is promoted). */
function parseImage(value: string): { image: string; digest?: string; tag?: string } {
  const [nameTag, digest] = value.split('@', 2);
  const slash = nameTag.lastIndexOf('/');
  const colon = nameTag.lastIndexOf(':');
  const [image, tag] = colon > slash ? [nameTag.slice(0, colon), nameTag.slice(colon + 1)] : [nameTag, undefined];
  if (!/^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?$/.test(image) || image.includes('//')) {
    throw new InputError(
      'image',
      `'${value}' is not an image repository`,
      'Give registry/path/name, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web (lower case)',
    );
  }
  return { image, digest, tag };
}

function parsePath(value: string): string {
  const norm = path.posix.normalize(value.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../') || norm === '') {
    throw new InputError(
      'path',
      `'${value}' is not a path inside the repository`,
      'Give a path relative to the repository root, e.g. overlays/prod or envs/prod/values.yaml',
    );
  }
  return norm === '.' ? '.' : norm;
}

/** The environment named by a path: `overlays/prod/kustomization.yaml` and `envs/prod/values.yaml` -> prod. */
export function environmentFromPath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '.');
  const last = parts[parts.length - 1] ?? '';
  if (/\.ya?ml$/.test(last)) return parts.length > 1 ? parts[parts.length - 2] : last.replace(/\.ya?ml$/, '');
  return last || 'default';
}

/** `namespace:name` of a Flux ImagePolicy; required with flux-setters, refused elsewhere. */
function parsePolicy(format: ManifestFormat, value: string): string | undefined {
  if (format !== 'flux-setters') {
    if (value) throw new InputError('image-policy', 'applies to the flux-setters format only', 'Leave it empty, or use format: flux-setters');
    return undefined;
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw new InputError(
      'image-policy',
      value ? `'${value}' is not namespace:name` : 'is required with format flux-setters',
      'Give the ImagePolicy the markers name, e.g. flux-system:web',
    );
  }
  return value;
}

/** git check-ref-format's rules for a branch name, the ones a typo breaks. */
function validBranch(b: string): boolean {
  if (b === '' || b.startsWith('/') || b.endsWith('/') || b.endsWith('.lock') || b.startsWith('-')) return false;
  if (b.includes('//') || b.includes('..') || b.includes('@{')) return false;
  return ![...b].some((c) => c.charCodeAt(0) < 0x20 || ' ~^:?*[\\'.includes(c));
}

function parseAuthor(value: string): string {
  if (!/^[^<>]+ <[^<>\s]+>$/.test(value))
    throw new InputError('commit-author', `'${value}' is not 'Name <email>'`, 'Write it like: Release Bot <release-bot@example.com>');
  return checkTemplate('commit-author', value);
}

export function parseInputs(raw: RawInputs<typeof INPUTS>, env: NodeJS.ProcessEnv = process.env): GitopsInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const repository = parseRepository(get('repository'), env);
  const branch = get('branch');
  if (!validBranch(branch)) {
    throw new InputError('branch', `'${branch}' is not a branch name`, 'Give the branch Argo CD or Flux watches, e.g. main');
  }
  const format = parseEnum<ManifestFormat>('format', get('format'), ['kustomize', 'helm-values', 'yaml-path', 'flux-setters']);
  const p = parsePath(get('path'));
  const img = parseImage(get('image'));
  const digest = get('digest') || img.digest || '';
  if (!DIGEST.test(digest)) {
    throw new InputError(
      'digest',
      digest ? `'${digest}' is not a sha256 digest` : 'is required (or give image as repository@sha256:...)',
      "Pass promote-artifact's digest output: sha256: and 64 hex digits",
    );
  }
  if (img.digest && img.digest !== digest)
    throw new InputError('digest', `${digest} differs from the digest in image (${img.digest})`, 'Give the digest once, or the same digest in both');
  const yamlPathText = get('yaml-path');
  const policy = parsePolicy(format, get('image-policy'));
  if ((format === 'kustomize' || format === 'flux-setters') && (yamlPathText || get('repository-path') || get('value'))) {
    throw new InputError(
      yamlPathText ? 'yaml-path' : get('repository-path') ? 'repository-path' : 'value',
      'applies to helm-values and yaml-path formats only',
      'Leave it empty for kustomize: the images entry takes newName and digest',
    );
  }
  if (format === 'yaml-path' && !yamlPathText)
    throw new InputError('yaml-path', 'is required with format yaml-path', 'Name the key, e.g. spec.template.spec.containers[name=app].image');
  if (format !== 'kustomize' && get('image-name'))
    throw new InputError('image-name', 'applies to the kustomize format only', 'Leave it empty, or use format: kustomize');
  const valuePath = format === 'kustomize' || format === 'flux-setters' ? [] : parseYamlPath('yaml-path', yamlPathText || 'image.digest');
  const repositoryPath = get('repository-path') ? parseYamlPath('repository-path', get('repository-path')) : undefined;
  const value = get('value') ? parseEnum('value', get('value'), ['digest', 'reference'] as const) : format === 'yaml-path' ? 'reference' : 'digest';
  const mode = parseEnum('mode', get('mode'), ['push', 'pull-request'] as const);
  const token = get('token');
  if (mode === 'pull-request') {
    if (!token)
      throw new InputError(
        'token',
        'is required in pull-request mode',
        'Pass a token that may push branches and open pull requests on the manifests repository (contents: write, pull-requests: write)',
      );
    if (!repository.github)
      throw new InputError(
        'repository',
        'pull-request mode needs a repository on a GitHub server',
        'Give owner/name, or an https URL of the form https://<server>/<owner>/<name>.git',
      );
  }
  return {
    repository,
    branch,
    path: p,
    format,
    image: img.image,
    digest,
    entryName: get('image-name') || img.image,
    valuePath,
    repositoryPath,
    value,
    environment: get('environment') || environmentFromPath(p),
    mode,
    token,
    commitMessage: checkTemplate('commit-message', get('commit-message')),
    commitAuthor: parseAuthor(get('commit-author')),
    createEntry: parseBoolean('create-entry', get('create-entry')),
    policy,
    verify: parseBoolean('verify', get('verify')),
    pushAttempts: parseInteger('push-attempts', get('push-attempts'), { min: 1, max: 100 }),
    argocd: parseArgoCd(get),
    dryRun: parseBoolean('dry-run', get('dry-run')),
  };
}

function parseArgoCd(get: (n: keyof typeof INPUTS) => string): ArgoCdTarget | undefined {
  const [server, application, token] = [get('argocd-server'), get('argocd-application'), get('argocd-token')];
  const timeoutMs = parseDuration('timeout', get('timeout'));
  if (!server && !application) {
    if (token)
      throw new InputError(
        'argocd-token',
        'is set but argocd-server and argocd-application are not',
        'Set both to wait for the Argo CD application, or drop the token',
      );
    return undefined;
  }
  if (!server) throw new InputError('argocd-server', 'is required with argocd-application', 'Give the Argo CD API server URL, e.g. https://argocd.example.com');
  if (!application) throw new InputError('argocd-application', 'is required with argocd-server', 'Name the Argo CD application that syncs this path');
  if (!token)
    throw new InputError('argocd-token', 'is required with argocd-server', 'Pass an Argo CD API token (an account with get on the application) from a secret');
  if (timeoutMs < 1000) throw new InputError('timeout', 'is below 1s', 'Give the longest time to wait for Argo CD, e.g. 5m');
  return {
    server: parseHttpUrlWithoutCredentials('argocd-server', server),
    application,
    appNamespace: get('argocd-app-namespace') || undefined,
    token,
    timeoutMs,
  };
}
