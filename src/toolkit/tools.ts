/**
 * Installs pinned command-line tools through the runner's tool cache, verifying the download
 * against its published SHA-256 before anything is extracted or put on PATH.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { InputError, ServiceError } from './errors';
import type { Reporter } from './reporter';

/** The subset of @actions/tool-cache we use; injected so tests can see what happens. */
export interface ToolCache {
  /** The cached tool's directory, '' when absent (may load the tool cache first). */
  find(tool: string, version: string): string | Promise<string>;
  downloadTool(url: string): Promise<string>;
  extractTar(file: string): Promise<string>;
  cacheDir(dir: string, tool: string, version: string): Promise<string>;
  addPath(dir: string): void;
}

export interface ToolSpec {
  name: string;
  /** Version without a leading v, e.g. 3.16.2. */
  version: string;
  /** Archive URL for linux/amd64 (the runners this suite targets). */
  archiveUrl(base: string, version: string): string;
  /** URL of the published checksum file, and how to pick this archive's sum out of it. */
  checksumUrl(base: string, version: string): string;
  /** Directory inside the extracted archive that holds the binary. */
  binDir: (version: string) => string;
  defaultBase: string;
}

const HEX64 = /^[a-f0-9]{64}$/;

/** Finds the SHA-256 for `fileName` in a checksum file (`<sum>  <name>` lines, or a bare sum). */
export function checksumFromFile(text: string, fileName: string): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const l of lines) {
    const [sum, name] = l.split(/\s+\*?/);
    if (HEX64.test(sum?.toLowerCase() ?? '') && (name === undefined || path.basename(name) === fileName)) return sum.toLowerCase();
  }
  return undefined;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface InstallOptions {
  /** Overrides the download host (mirrors, air-gapped runners, tests). */
  baseUrl?: string;
  /** A SHA-256 pinned by the user; when given, the published checksum file is not fetched. */
  sha256?: string;
}

/** Returns the directory now on PATH holding the tool's binary. */
export async function installTool(tc: ToolCache, spec: ToolSpec, reporter: Reporter, opts: InstallOptions = {}): Promise<string> {
  if (opts.sha256 !== undefined && !HEX64.test(opts.sha256)) {
    throw new InputError(`${spec.name}-sha256`, `'${opts.sha256}' is not a SHA-256`, 'Give 64 lowercase hex characters');
  }
  const cached = await tc.find(spec.name, spec.version);
  if (cached) {
    reporter.info(`${spec.name} ${spec.version} found in the tool cache`);
    tc.addPath(cached);
    return cached;
  }
  const base = (opts.baseUrl ?? spec.defaultBase).replace(/\/+$/, '');
  const url = spec.archiveUrl(base, spec.version);
  const fileName = path.basename(new URL(url).pathname);
  // Said before the first request: a slow checksum or archive download shows what it waits for.
  reporter.info(`Downloading ${spec.name} ${spec.version} from ${url}`);
  let expected = opts.sha256;
  if (!expected) {
    const sumUrl = spec.checksumUrl(base, spec.version);
    const sumFile = await download(tc, sumUrl, spec.name);
    const { readFile } = await import('node:fs/promises');
    expected = checksumFromFile(await readFile(sumFile, 'utf8'), fileName);
    if (!expected) throw new ServiceError(spec.name, `no SHA-256 for ${fileName} in ${sumUrl}`, 'Pin the checksum with the sha256 input');
  }
  const archive = await download(tc, url, spec.name);
  const actual = await sha256File(archive);
  if (actual !== expected) {
    throw new ServiceError(
      spec.name,
      `checksum mismatch for ${fileName}: expected sha256 ${expected}, downloaded ${actual}`,
      'The download was refused and nothing was added to PATH; check the version, the mirror and the pinned checksum',
    );
  }
  reporter.info(`${fileName}: sha256 ${actual} verified`);
  const extracted = await tc.extractTar(archive);
  const dir = await tc.cacheDir(path.join(extracted, spec.binDir(spec.version)), spec.name, spec.version);
  tc.addPath(dir);
  return dir;
}

async function download(tc: ToolCache, url: string, name: string): Promise<string> {
  try {
    return await tc.downloadTool(url);
  } catch (e) {
    throw new ServiceError(name, `download of ${url} failed: ${(e as Error).message}`, 'Check the version and the network or mirror');
  }
}

/** The tools Shipline pins. Versions are the defaults; each action may take a version input. */
export const TOOLS = {
  helm: {
    name: 'helm',
    version: '3.19.0',
    defaultBase: 'https://get.helm.sh',
    archiveUrl: (b: string, v: string) => `${b}/helm-v${v}-linux-amd64.tar.gz`,
    checksumUrl: (b: string, v: string) => `${b}/helm-v${v}-linux-amd64.tar.gz.sha256sum`,
    binDir: () => 'linux-amd64',
  },
  trivy: {
    name: 'trivy',
    version: '0.67.2',
    defaultBase: 'https://github.com/aquasecurity/trivy/releases/download',
    archiveUrl: (b: string, v: string) => `${b}/v${v}/trivy_${v}_Linux-64bit.tar.gz`,
    checksumUrl: (b: string, v: string) => `${b}/v${v}/trivy_${v}_checksums.txt`,
    binDir: () => '.',
  },
} satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;

const RELEASE = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/**
 * A `<tool>-version` input: a release such as 3.19.0 (a leading v is dropped) or, where the
 * action allows it, `path` for the tool already on PATH.
 */
export function parseToolVersion(name: ToolName, value: string, opts: { allowPath?: boolean } = {}): string {
  if (opts.allowPath && value === 'path') return value;
  if (!RELEASE.test(value)) {
    const orPath = opts.allowPath ? `, or 'path' to use the ${name} on PATH` : '';
    throw new InputError(`${name}-version`, `'${value}' is not a version`, `Give a release such as ${TOOLS[name].version}${orPath}`);
  }
  return value.replace(/^v/, '');
}

/** A `<tool>-sha256` input: empty (the published checksum is checked) or 64 hex digits. */
export function parseToolSha256(name: ToolName, value: string): string | undefined {
  const sha = value.toLowerCase();
  if (sha && !HEX64.test(sha)) throw new InputError(`${name}-sha256`, 'is not a SHA-256', 'Give 64 hex characters');
  return sha || undefined;
}

export function toolSpec(name: ToolName, version?: string): ToolSpec {
  const spec = TOOLS[name];
  return version ? { ...spec, version: version.replace(/^v/, '') } : spec;
}
