/**
 * Image references, parsed the way Docker does (distribution/reference grammar):
 * `[host[:port]/]path[:tag][@algorithm:hex]`. The first path component is a registry host
 * when it has a '.' or ':' or is 'localhost'; otherwise the image is on Docker Hub, and a
 * single-component Hub name lives under `library/`.
 */
import { InputError } from '../errors';
import { digestProblem } from './digest';
import type { ImageReference, RepositoryRef } from './types';

export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const MAX_NAME_LENGTH = 255;

const EXAMPLE = 'Write it as registry.example.com/team/app:1.2.3 or registry.example.com/team/app@sha256:<64 hex digits>';

/** Parses an image reference; every problem is an InputError naming `inputName` and the fix. */
export function parseReference(value: string, inputName: string): ImageReference {
  const text = value.trim();
  const fail = (problem: string, fix = EXAMPLE): never => {
    throw new InputError(inputName, problem, fix);
  };
  if (!text) fail('an image reference is empty');
  if (/\s/.test(text)) fail(`'${text}' contains whitespace`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) fail(`'${text}' has a URL scheme`, 'Leave out the scheme: registry.example.com/team/app:tag');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) fail(`in '${text}', ${problem}`, 'Copy the full digest printed by the build (sha256: followed by 64 lowercase hex digits)');
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      fail(`'${tag}' in '${text}' is not a valid tag`, 'A tag is 1-128 characters of letters, digits, _, . and -, not starting with . or -');
    }
  }

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) fail(`'${first}' in '${text}' is not a valid registry host[:port]`);
    registry = HUB_ALIASES.has(first.toLowerCase()) ? DOCKER_HUB : first;
    parts.shift();
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (PATH_COMPONENT.test(part)) continue;
    if (PATH_COMPONENT.test(part.toLowerCase())) {
      fail(`repository names must be lowercase, '${text}' has '${part}'`, `Use '${part.toLowerCase()}'`);
    }
    fail(
      `'${part}' in '${text}' is not a valid repository path component`,
      'Use lowercase letters and digits, separated by single ".", "_", "__" or "-", with "/" between components',
    );
  }
  const repository = parts.join('/');
  if (repository.length + registry.length + 1 > MAX_NAME_LENGTH) fail(`'${text}' is longer than ${MAX_NAME_LENGTH} characters`);
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The canonical text of a reference: `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function repositoryOf(ref: ImageReference | RepositoryRef): RepositoryRef {
  return { registry: ref.registry, repository: ref.repository };
}

/** `registry/repository`, for messages and summaries. */
export function formatRepository(repo: RepositoryRef): string {
  return `${repo.registry}/${repo.repository}`;
}

/** The tag or digest to ask the registry for: the digest when pinned, else the tag, else `latest`. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

export function sameRepository(a: RepositoryRef, b: RepositoryRef): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}
