/**
 * OCI labels and annotations filled from the GitHub context (like docker/metadata-action),
 * with the user's own `labels` / `annotations` winning on the same key.
 */
import type { KeyValue } from './inputs';

export function defaultOciMetadata(env: NodeJS.ProcessEnv, tags: readonly string[], now: Date): KeyValue[] {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const out: KeyValue[] = [];
  const add = (key: string, value: string | undefined) => {
    if (value) out.push({ key: `org.opencontainers.image.${key}`, value });
  };
  add('source', env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : undefined);
  add('revision', env.GITHUB_SHA);
  // SOURCE_DATE_EPOCH, when set, keeps rebuilds byte-identical (reproducible-builds convention).
  const epoch = env.SOURCE_DATE_EPOCH && /^\d+$/.test(env.SOURCE_DATE_EPOCH) ? new Date(Number(env.SOURCE_DATE_EPOCH) * 1000) : now;
  add('created', epoch.toISOString());
  add('version', tags[0]);
  return out;
}

/** Defaults first, then overrides; a later key replaces an earlier one in place. */
export function mergeKeyValues(defaults: readonly KeyValue[], overrides: readonly KeyValue[]): KeyValue[] {
  const merged = new Map<string, string>();
  for (const { key, value } of [...defaults, ...overrides]) merged.set(key, value);
  return [...merged].map(([key, value]) => ({ key, value }));
}
