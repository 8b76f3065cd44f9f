/**
 * Inputs of build-and-scan: parsed and validated here, before anything is built, written or
 * pushed. The ignore file is read and checked here too, so a malformed one fails the step
 * first, naming its line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../toolkit/errors';
import {
  parseAwsRegion,
  parseBoolean,
  parseEnum,
  parseHttpUrlWithoutCredentials,
  parseInteger,
  parseLines,
  parseList,
  rawValue,
  type InputSpecs,
  type RawInputs,
} from '../toolkit/inputs';
import { parseInsecureRegistries } from '../toolkit/registry/insecure-registries';
import { formatRepository, parseReference, repositoryOf } from '../toolkit/registry/reference';
import type { RepositoryRef } from '../toolkit/registry/types';
import { parseToolSha256, parseToolVersion, TOOLS } from '../toolkit/tools';
import { parseIgnoreFile, type IgnoreEntry } from './ignore-file';
import { SEVERITIES, type Severity } from './trivy-report';

export const INPUTS = {
  builder: { default: 'docker' },
  context: { default: '.' },
  file: {},
  image: { required: true },
  tags: {},
  platforms: {},
  'build-args': {},
  secrets: {},
  target: {},
  labels: {},
  annotations: {},
  'cache-from': {},
  'cache-to': {},
  push: { default: 'true' },
  scanner: { default: 'trivy' },
  'trivy-version': { default: TOOLS.trivy.version },
  'trivy-mirror': {},
  'trivy-sha256': {},
  'trivy-cache-dir': {},
  'trivy-db-attempts': { default: '3' },
  'severity-threshold': { default: 'HIGH' },
  'ignore-unfixed': { default: 'false' },
  'ignore-file': {},
  'fail-on-scan-error': { default: 'true' },
  'create-repository': { default: 'false' },
  'aws-region': {},
  'insecure-registries': {},
} as const satisfies InputSpecs;

export const OUTPUTS = ['image', 'digest', 'image-ref', 'tags', 'scan-passed', 'vulnerabilities', 'report-file', 'sarif-file'] as const;

export type Builder = 'docker' | 'buildah';
export type Scanner = 'trivy' | 'none';

export interface KeyValue {
  key: string;
  value: string;
}

export interface BuildInputs {
  builder: Builder;
  /** Absolute paths, checked to exist. */
  /** The workspace the paths here were resolved against (SARIF locations are relative to it). */
  workspace: string;
  context: string;
  file: string;
  /** `registry/repository`, normalised (Docker Hub names get docker.io/), e.g. `ghcr.io/team/app`. */
  image: string;
  repository: RepositoryRef;
  tags: string[];
  platforms: string[];
  buildArgs: KeyValue[];
  /** Build secrets: every value already registered with the reporter by `run`. */
  secrets: KeyValue[];
  target?: string;
  /** User labels/annotations; they override the ones filled from the GitHub context. */
  labels: KeyValue[];
  annotations: KeyValue[];
  cacheFrom: string[];
  cacheTo: string[];
  push: boolean;
  scan: ScanInputs;
  createRepository: boolean;
  awsRegion?: string;
  insecureRegistries: string[];
}

export interface ScanInputs {
  scanner: Scanner;
  /** A release version, or 'path' to use the trivy already on PATH. */
  trivyVersion: string;
  trivyMirror?: string;
  trivySha256?: string;
  trivyCacheDir?: string;
  dbAttempts: number;
  threshold: Exclude<Severity, 'UNKNOWN'>;
  ignoreUnfixed: boolean;
  ignoreFile?: string;
  ignores: IgnoreEntry[];
  failOnScanError: boolean;
}

/** OCI distribution-spec tag grammar. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

export function parseInputs(raw: RawInputs<typeof INPUTS>, env: NodeJS.ProcessEnv = process.env): BuildInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const builder = parseEnum('builder', get('builder'), ['docker', 'buildah'] as const);

  const context = path.resolve(workspace, get('context'));
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InputError(
      'context',
      `directory '${get('context')}' does not exist`,
      'Give the build context directory, relative to the workspace (check out the repository first)',
    );
  }
  // Like docker/build-push-action: relative to the workspace, default <context>/Dockerfile.
  const file = get('file') ? path.resolve(workspace, get('file')) : path.join(context, 'Dockerfile');
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new InputError(
      'file',
      `Dockerfile '${path.relative(workspace, file)}' not found`,
      'Give the Dockerfile path relative to the workspace (empty means <context>/Dockerfile)',
    );
  }

  const ref = parseReference(get('image'), 'image');
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InputError('image', `'${get('image')}' names a tag or digest`, 'Give the repository only, e.g. ghcr.io/team/app, and put tags in `tags`');
  }
  const repository = repositoryOf(ref);

  const tagsRaw = get('tags');
  const tags = tagsRaw ? parseList(tagsRaw) : env.GITHUB_SHA ? [env.GITHUB_SHA] : [];
  if (tags.length === 0) throw new InputError('tags', 'is empty and GITHUB_SHA is not set', 'Give one or more tags');
  for (const t of tags) {
    if (!TAG.test(t))
      throw new InputError('tags', `'${t}' is not a valid tag`, 'Tags are 1-128 characters of letters, digits, _ . -, not starting with . or -');
  }

  const platforms = parseList(get('platforms'));
  for (const p of platforms)
    if (!PLATFORM.test(p)) throw new InputError('platforms', `'${p}' is not a platform`, 'Write platforms as os/arch[/variant], e.g. linux/amd64,linux/arm64');

  const scan = parseScanInputs(get, workspace);
  return {
    builder,
    workspace,
    context,
    file,
    image: formatRepository(repository),
    repository,
    tags: [...new Set(tags)],
    platforms,
    buildArgs: keyValues('build-args', get('build-args')),
    secrets: secretEntries(get('secrets')),
    target: get('target') || undefined,
    labels: keyValues('labels', get('labels')),
    annotations: keyValues('annotations', get('annotations')),
    cacheFrom: parseLines(get('cache-from')),
    cacheTo: parseLines(get('cache-to')),
    push: parseBoolean('push', get('push')),
    scan,
    createRepository: parseBoolean('create-repository', get('create-repository')),
    awsRegion: parseAwsRegion('aws-region', get('aws-region')),
    insecureRegistries: parseInsecureRegistries('insecure-registries', get('insecure-registries')),
  };
}

function parseScanInputs(get: (n: keyof typeof INPUTS) => string, workspace: string): ScanInputs {
  const scanner = parseEnum('scanner', get('scanner'), ['trivy', 'none'] as const);
  const trivyVersion = parseToolVersion('trivy', get('trivy-version'), { allowPath: true });
  const trivySha256 = parseToolSha256('trivy', get('trivy-sha256'));
  const mirror = get('trivy-mirror');
  const threshold = parseEnum(
    'severity-threshold',
    get('severity-threshold').toUpperCase(),
    SEVERITIES.filter((s) => s !== 'UNKNOWN'),
  );
  const ignoreFileRaw = get('ignore-file');
  let ignores: IgnoreEntry[] = [];
  let ignoreFile: string | undefined;
  if (ignoreFileRaw) {
    ignoreFile = path.resolve(workspace, ignoreFileRaw);
    if (!existsSync(ignoreFile))
      throw new InputError('ignore-file', `'${ignoreFileRaw}' not found`, 'Give the path of the ignore file relative to the workspace, or leave it empty');
    ignores = parseIgnoreFile(readFileSync(ignoreFile, 'utf8'), ignoreFileRaw);
  }
  return {
    scanner,
    trivyVersion,
    trivyMirror: mirror ? parseHttpUrlWithoutCredentials('trivy-mirror', mirror).toString() : undefined,
    trivySha256,
    trivyCacheDir: get('trivy-cache-dir') ? path.resolve(workspace, get('trivy-cache-dir')) : undefined,
    dbAttempts: parseInteger('trivy-db-attempts', get('trivy-db-attempts'), { min: 1, max: 10 }),
    threshold,
    ignoreUnfixed: parseBoolean('ignore-unfixed', get('ignore-unfixed')),
    ignoreFile,
    ignores,
    failOnScanError: parseBoolean('fail-on-scan-error', get('fail-on-scan-error')),
  };
}

/**
 * Build secrets become `--secret id=KEY,src=FILE`: a KEY holding `,` or `=` would add options of
 * its own (e.g. another src=), so ids are plain names. The line is not echoed.
 */
function secretEntries(value: string): KeyValue[] {
  const entries = keyValues('secrets', value);
  entries.forEach(({ key }, i) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(key))
      throw new InputError('secrets', `entry ${i + 1} has an id that is not a plain name`, 'Write one ID=value per line; ids are letters, digits, _ . -');
  });
  return entries;
}

/** `KEY=value` lines (values may hold `=` and commas). */
function keyValues(name: string, value: string): KeyValue[] {
  return parseLines(value).map((line, i) => {
    const at = line.indexOf('=');
    // The line is not echoed: for `secrets` it may be a credential.
    if (at <= 0) throw new InputError(name, `entry ${i + 1} is not KEY=value`, 'Write one KEY=value per line');
    return { key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
  });
}
