/**
 * Credentials from Docker's config.json, as `docker login` and the usual login actions write
 * it: `auths` (base64 `auth`, `username`/`password`, `identitytoken`, `registrytoken`),
 * `credHelpers` per host and `credsStore` for all hosts (docker-credential-* programs, run
 * with an argument array, the server URL on stdin). DOCKER_CONFIG names the directory.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { ServiceError } from '../errors';
import type { Exec } from '../exec';
import type { Reporter } from '../reporter';
import { maskSecret, scrubServiceText } from '../secrets';
import { DOCKER_HUB } from './reference';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`), traded at the Bearer realm for access tokens. */
  identityToken?: string;
  /** A ready bearer token (`registrytoken`). */
  registryToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  file: string;
  auths: Record<string, AuthEntry>;
  credHelpers: Record<string, string>;
  credsStore?: string;
}

const HUB_SERVER = 'https://index.docker.io/v1/';

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || homedir(), '.docker');
}

/** Reads `<dir>/config.json`; a missing file is an empty config, an unreadable one an error. */
export async function loadDockerConfig(dir: string): Promise<DockerConfig> {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8'); // a small file; node:fs is loaded already, node:fs/promises would be one more module at start-up
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, auths: {}, credHelpers: {} };
    throw new ServiceError('Docker config', `cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text around the error, which here may be a password: say where, not what.
    const where = /line \d+ column \d+|position \d+/.exec((e as Error).message)?.[0];
    throw new ServiceError('Docker config', `${file} is not valid JSON${where ? ` (at ${where})` : ''}`, 'Run docker login again or fix the file');
  }
  const obj = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  return {
    file,
    auths: isRecord(obj.auths) ? (obj.auths as Record<string, AuthEntry>) : {},
    credHelpers: isRecord(obj.credHelpers) ? (obj.credHelpers as Record<string, string>) : {},
    credsStore: typeof obj.credsStore === 'string' && obj.credsStore ? obj.credsStore : undefined,
  };
}

function isRecord(v: unknown): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The host a config key names: `https://ghcr.io/v1/` -> `ghcr.io`; Hub's aliases -> docker.io. */
export function configKeyHost(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

/** What a credential helper is asked for: Hub's historical URL, else the host. */
function serverUrl(registry: string): string {
  return registry === DOCKER_HUB ? HUB_SERVER : registry;
}

/**
 * The credentials config.json holds for `registry`, or undefined. Every secret found is
 * handed to reporter.setSecret before anything else happens with it.
 */
export async function credentialsFromConfig(
  config: DockerConfig,
  registry: string,
  exec: Exec,
  reporter: Reporter,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryCredentials | undefined> {
  const host = registry.toLowerCase();
  const helperKey = Object.keys(config.credHelpers).find((k) => configKeyHost(k) === host);
  const helper = helperKey !== undefined ? config.credHelpers[helperKey] : config.credsStore;
  if (helper) return fromHelper(helper, serverUrl(registry), exec, reporter, env);

  const key = Object.keys(config.auths).find((k) => configKeyHost(k) === host);
  if (key === undefined) return undefined;
  const entry = config.auths[key] ?? {};
  const creds: RegistryCredentials = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new ServiceError('Docker config', `the 'auth' entry for ${key} in ${config.file} is not base64 of user:password`, 'Run docker login again');
    }
    creds.username = decoded.slice(0, colon);
    creds.password = decoded.slice(colon + 1);
    reporter.setSecret(entry.auth);
    maskSecret(reporter, decoded);
  }
  if (entry.username) creds.username = entry.username;
  if (entry.password) creds.password = entry.password;
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  if (entry.registrytoken) creds.registryToken = entry.registrytoken;
  for (const secret of [creds.password, creds.identityToken, creds.registryToken]) if (secret) maskSecret(reporter, secret);
  return creds.username || creds.password || creds.identityToken || creds.registryToken ? creds : undefined;
}

async function fromHelper(helper: string, server: string, exec: Exec, reporter: Reporter, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  const r = await exec(program, ['get'], { input: server, env, timeoutMs: 30_000 });
  if (r.exitCode !== 0) {
    const said = scrubServiceText((r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '');
    if (/credentials not found/i.test(said)) return undefined;
    throw new ServiceError(
      program,
      `could not get credentials for ${server} (exit ${r.exitCode}: ${said})`,
      `Check that '${helper}' is the right credential helper in config.json`,
    );
  }
  let answer: { Username?: string; Secret?: string };
  try {
    answer = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
  } catch {
    throw new ServiceError(program, `answered something other than JSON for ${server}`);
  }
  if (!answer.Secret) return undefined;
  maskSecret(reporter, answer.Secret);
  // Docker's convention: the user name '<token>' marks the secret as an identity token.
  if (answer.Username === '<token>') return { identityToken: answer.Secret };
  return { username: answer.Username, password: answer.Secret };
}
