/**
 * The deploy plan, as data before anything is written: which files go up in which phase,
 * which are skipped, which stored objects are deleted or kept, and the manifest after it.
 */
import { PHASES, type Phase } from './classify';
import { sameContent } from './etag';
import type { BuildFile } from './build-files';
import { keptKeys, MANIFEST_NAME, manifestChanged, nextManifest, type BuildRecord, type DeployManifest } from './manifest';
import type { StoredObject } from './s3';
import { mapLimit } from '../toolkit/pool';

export interface DeployPlan {
  /** Uploads by phase, in order: every hashed object before any other, those before any entry point. */
  uploads: Record<Phase, BuildFile[]>;
  skipped: BuildFile[];
  /** Uploads that replace a stored object under the same key (what the edge may have cached). */
  replaced: Set<string>;
  /** Full keys to delete after the new build is live (only with delete: true). */
  deletes: string[];
  /** Stale full keys spared (with delete: true) because a kept previous build references them. */
  kept: string[];
  manifest: DeployManifest;
  writeManifest: boolean;
}

export interface PlanInput {
  files: readonly BuildFile[];
  prefix: string;
  stored: ReadonlyMap<string, StoredObject>;
  previous: DeployManifest | undefined;
  build: Omit<BuildRecord, 'objects'>;
  keepPrevious: number;
  delete: boolean;
  concurrency: number;
}

/**
 * A file is skipped when the stored ETag proves the same bytes (multipart ETags included) and the
 * manifest's last build stored it with the same headers; anything unknown is uploaded.
 */
export async function planDeploy(p: PlanInput): Promise<DeployPlan> {
  const lastHeaders = p.previous?.builds[0]?.objects ?? {};
  const decisions = await mapLimit(p.files, Math.max(4, p.concurrency), async (f) => {
    const stored = p.stored.get(p.prefix + f.key);
    const same =
      stored !== undefined && stored.size === f.size && lastHeaders[f.key] === f.signature && (await sameContent(f.file, f.size, f.etag, stored.etag));
    return { f, upload: !same, replaces: stored !== undefined };
  });
  const uploads: Record<Phase, BuildFile[]> = { hashed: [], other: [], entry: [] };
  const skipped: BuildFile[] = [];
  const replaced = new Set<string>();
  for (const d of decisions) {
    if (!d.upload) skipped.push(d.f);
    else {
      uploads[d.f.phase].push(d.f);
      if (d.replaces) replaced.add(d.f.key);
    }
  }
  const manifestKey = p.prefix + MANIFEST_NAME;
  // Another site deployed under a sub-prefix (its own manifest there) is not this site's to delete.
  const relative = [...p.stored.keys()].filter((k) => k !== manifestKey).map((k) => k.slice(p.prefix.length));
  const otherSites = relative.filter((k) => k.endsWith(`/${MANIFEST_NAME}`)).map((k) => k.slice(0, -MANIFEST_NAME.length));
  const foundKeys = relative.filter((k) => !otherSites.some((site) => k.startsWith(site)));
  const current: BuildRecord = { ...p.build, objects: Object.fromEntries(p.files.map((f) => [f.key, f.signature])) };
  const manifest = nextManifest(p.previous, foundKeys, current, p.keepPrevious);
  const needed = keptKeys(manifest);
  const stale = foundKeys.filter((k) => !(k in current.objects));
  const deletes = p.delete ? stale.filter((k) => !needed.has(k)).map((k) => p.prefix + k) : [];
  const kept = p.delete ? stale.filter((k) => needed.has(k)).map((k) => p.prefix + k) : [];
  for (const phase of PHASES) uploads[phase].sort((a, b) => (a.key < b.key ? -1 : 1));
  return { uploads, skipped, replaced, deletes, kept, manifest, writeManifest: manifestChanged(p.previous, manifest) };
}
