/**
 * Secret `set` values reach helm through files (`--set-file key=<path>`), never on its command
 * line, which any process on a shared runner can read (ps, /proc/<pid>/cmdline). Each file is
 * owner-only (0600) in a private temp dir of the step, removed with the kubeconfig at the end.
 * `--set-file` gives the chart the file's content as a string, which is what a credential is.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, writePrivateFile } from '../toolkit/temp-files';
import type { SetValue } from './inputs';

/** A `set` line as helm gets it: a secret one through the file holding its value. */
export interface SetArg extends SetValue {
  file?: string;
}

export interface SecretValueFiles {
  set: SetArg[];
  close(): void;
}

/**
 * The value as helm's --set parser reads it (strvals runesUntil): `\x` is x, so `a\,b` is `a,b`,
 * and a trailing lone backslash is dropped. The file holds that value literally.
 */
export function unescapeSetValue(value: string): string {
  return value.replace(/\\([\s\S]?)/g, '$1');
}

/** A path as a strvals value: helm would split it at a comma and eat its backslashes. */
export function setFileArg(key: string, file: string): string {
  return `${key}=${file.replace(/[\\,]/g, '\\$&')}`;
}

export function writeSecretValueFiles(set: readonly SetValue[], env: NodeJS.ProcessEnv): SecretValueFiles {
  if (!set.some((s) => s.secret)) return { set: [...set], close: () => undefined };
  const dir = makeTempDir('shipline-values-', env);
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    return { set: set.map((s, n) => (s.secret ? { ...s, file: writeValue(path.join(dir, `value-${n}`), s.value) } : s)), close };
  } catch (e) {
    close(); // a half-written set is removed too
    throw e;
  }
}

function writeValue(file: string, value: string): string {
  writePrivateFile(file, unescapeSetValue(value));
  return file;
}

/** For dry-run plans: secret values shown as the file they would be read from, never the value. */
export function plannedSetArgs(set: readonly SetValue[]): SetArg[] {
  return set.map((s) => (s.secret ? { ...s, file: '<file>' } : s));
}
