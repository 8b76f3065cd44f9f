/**
 * A real docker-registry with htpasswd Basic auth. docker-registry only reads bcrypt
 * entries; bcryptjs (dev dependency) writes them without a native build or apache2-utils.
 */
import { hashSync } from 'bcryptjs';
import { writeFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { startRegistry, type TestRegistry } from './registry';
import { testTempDir } from './temp';

/** Writes an htpasswd file (bcrypt, low cost: these are throwaway test users). */
export function writeHtpasswd(users: Record<string, string>): { file: string; remove(): void } {
  const dir = testTempDir('htpasswd-');
  const file = path.join(dir, 'htpasswd');
  writeFileSync(
    file,
    Object.entries(users)
      .map(([user, password]) => `${user}:${hashSync(password, 5)}`)
      .join('\n') + '\n',
  );
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A registry that answers `401 Basic realm=...` until given one of `users`. */
export async function startBasicAuthRegistry(users: Record<string, string>): Promise<TestRegistry> {
  const htpasswd = writeHtpasswd(users);
  const reg = await startRegistry({ htpasswdFile: htpasswd.file });
  return {
    ...reg,
    stop: async () => {
      await reg.stop();
      htpasswd.remove();
    },
  };
}

/** A Docker config dir whose config.json holds `auths` for the given hosts (base64 user:password). */
export function writeDockerConfig(config: object): { dir: string; remove(): void } {
  const dir = testTempDir('docker-config-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function basicAuthEntry(user: string, password: string): { auth: string } {
  return { auth: Buffer.from(`${user}:${password}`).toString('base64') };
}
