/**
 * The deploy manifest: one small JSON object in the bucket, `<prefix>.shipline/deploys.json`,
 * recording the last builds deployed there (newest first) and, per object, a signature of the
 * headers it was stored with. It answers two questions a listing cannot:
 * - which stale objects still belong to one of the `keep-previous` builds (pages already open
 *   in a browser keep loading their assets), so `delete` spares them;
 * - whether an object with the right ETag was stored with today's Content-Type, Cache-Control
 *   and Content-Encoding (a changed cache rule re-uploads the file instead of skipping it).
 *
 * Format (`shipline.static-site-deploy/v1`):
 * `{ "format": ..., "builds": [ { "id", "deployedAt", "objects": { "<key under prefix>": "<signature>" } } ] }`
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../toolkit/errors';
import type { Headers } from './classify';

export const MANIFEST_NAME = '.shipline/deploys.json';
export const MANIFEST_FORMAT = 'shipline.static-site-deploy/v1' as const;

export interface BuildRecord {
  /** `<commit sha 12>-<run id>` in GitHub Actions, else a digest of the build's content. */
  id: string;
  /** ISO 8601 UTC. */
  deployedAt: string;
  /** Key under the prefix -> header signature ('' when not known, e.g. objects found before the first deploy). */
  objects: Record<string, string>;
}

export interface DeployManifest {
  format: typeof MANIFEST_FORMAT;
  builds: BuildRecord[];
}

/** 16 hex characters of SHA-256 over the stored headers: equal signatures mean equal headers. */
export function headerSignature(h: Headers): string {
  return createHash('sha256')
    .update([h.contentType, h.cacheControl, h.contentEncoding ?? ''].join('\n'))
    .digest('hex')
    .slice(0, 16);
}

/** Reads the stored manifest; undefined when there is none. A manifest we cannot read fails closed. */
export function parseManifest(text: string | undefined, where: string): DeployManifest | undefined {
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as DeployManifest;
    if (
      m.format === MANIFEST_FORMAT &&
      Array.isArray(m.builds) &&
      m.builds.every((b) => typeof b.id === 'string' && b.objects && typeof b.objects === 'object')
    )
      return m;
  } catch {
    /* reported below */
  }
  throw new ServiceError(
    'Amazon S3',
    `${where} is not a ${MANIFEST_FORMAT} deploy manifest, so the previous builds' assets are unknown`,
    'Restore it or delete the object (the next deploy then keeps everything found in the bucket for keep-previous deploys)',
  );
}

/**
 * The manifest after this deploy: the current build first, then up to `keepPrevious` earlier
 * builds. A previous build with the same keys (a re-run, or content-only changes under fixed
 * names) is replaced, not counted twice. Without a stored manifest, the objects found under the prefix
 * count as one previous build, since a page may have been loaded from them.
 */
export function nextManifest(previous: DeployManifest | undefined, foundKeys: readonly string[], current: BuildRecord, keepPrevious: number): DeployManifest {
  const before =
    previous?.builds ??
    (foundKeys.length > 0
      ? [{ id: 'found-before-first-deploy', deployedAt: current.deployedAt, objects: Object.fromEntries(foundKeys.map((k) => [k, ''])) }]
      : []);
  const keys = Object.keys(current.objects).sort().join('\n');
  const older = before.filter((b) => Object.keys(b.objects).sort().join('\n') !== keys);
  return { format: MANIFEST_FORMAT, builds: [current, ...older.slice(0, keepPrevious)] };
}

/** Keys under the prefix that some recorded build still needs. */
export function keptKeys(m: DeployManifest): Set<string> {
  return new Set(m.builds.flatMap((b) => Object.keys(b.objects)));
}

/** Whether writing `next` changes anything but timestamps (a re-deploy of the same build writes nothing). */
export function manifestChanged(previous: DeployManifest | undefined, next: DeployManifest): boolean {
  if (!previous || previous.builds.length !== next.builds.length) return true;
  return next.builds.some(({ objects }, i) => {
    const before = previous.builds[i].objects;
    const keys = Object.keys(objects);
    return keys.length !== Object.keys(before).length || keys.some((k) => !Object.hasOwn(before, k) || before[k] !== objects[k]);
  });
}
