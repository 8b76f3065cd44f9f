/** run() end to end against the in-memory registry double: paths, order of writes, byte-exactness, faults. */
import { ServiceError } from '../../src/toolkit/errors';
import { MEDIA_TYPES, type RepositoryRef } from '../../src/toolkit/registry/types';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { parseInputs } from '../../src/promote-artifact/inputs';
import { run } from '../../src/promote-artifact/run';
import { MemoryRegistryDouble } from '../doubles/memory-registry';

const DEV = { registry: 'dev.example.com', repository: 'team/app' };
const notEcr = () => false;

/** A two-platform index whose images share a base layer, plus a signature referrer (tag scheme). */
function seed(reg: MemoryRegistryDouble, repo: RepositoryRef = DEV) {
  const base = reg.seedBlob(repo, 'base layer '.repeat(100));
  const platforms = ['amd64', 'arm64'].map((arch) => {
    const config = reg.seedBlob(repo, JSON.stringify({ architecture: arch, os: 'linux' }));
    const layer = reg.seedBlob(repo, `app layer for ${arch} `.repeat(50));
    const m = reg.seedManifest(repo, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [base, layer] }, MEDIA_TYPES.ociManifest);
    return { ...m, platform: { architecture: arch, os: 'linux' } };
  });
  const index = reg.seedManifest(repo, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: platforms }, MEDIA_TYPES.ociIndex, 'rc');
  return { index, platforms };
}

function signature(reg: MemoryRegistryDouble, subject: { mediaType: string; digest: string; size: number }, repo: RepositoryRef = DEV) {
  const empty = reg.seedBlob(repo, '{}');
  const payload = reg.seedBlob(repo, 'signature payload');
  const sig = reg.seedManifest(
    repo,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { ...empty, mediaType: 'application/vnd.oci.empty.v1+json' },
      layers: [payload],
      subject,
    },
    MEDIA_TYPES.ociManifest,
  );
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ ...sig, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }] };
  if (!reg.knobs.referrersApi?.has(repo.registry)) reg.seedManifest(repo, index, MEDIA_TYPES.ociIndex, subject.digest.replace(':', '-'));
  return sig;
}

async function promote(reg: MemoryRegistryDouble, destinations: string, extra: Record<string, string> = {}) {
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source: 'dev.example.com/team/app:rc', 'require-digest': 'false', destinations, ...extra });
  const result = await run(inputs, { client: reg, isEcrHost: notEcr }, reporter);
  return { ...result, reporter };
}

it('retags inside one repository with a single manifest PUT and no blob traffic', async () => {
  const reg = new MemoryRegistryDouble();
  const { index } = seed(reg);
  const r = await promote(reg, 'dev.example.com/team/app:prod');
  // the tag is read back after the write (issue 9 §4)
  expect(reg.calls.map((c) => `${c.verb} ${c.reference}`)).toEqual(['getManifest rc', 'headManifest prod', 'putManifest prod', 'headManifest prod']);
  expect(reg.tagsOf(DEV).get('prod')).toBe(index.digest);
  expect(r.outputs).toMatchObject({ digest: index.digest, promoted: '["dev.example.com/team/app:prod"]', 'bytes-copied': '0', requests: '4' });
  expect(r.reporter.log).toContain(`Resolved dev.example.com/team/app:rc to ${index.digest} once`);
  // The destination's row counts its HEAD, PUT and read-back HEAD; the source GET is shared and shows in the total.
  expect(r.outcomes[0].requests).toBe(3);
  expect(r.reporter.summaryMarkdown).toContain('| dev.example.com/team/app:prod | retag | written | 3 |');
  expect(r.reporter.summaryMarkdown).toMatch(/\*\*all, with source resolution and planning\*\* \| {2}\| {2}\| 4 \|/);
  expect(r.reporter.summaryMarkdown).toContain('share one GET of the source manifest');
});

it('looks at a digest-only destination once: the plan HEAD of the digest is not asked again before writing', async () => {
  const reg = new MemoryRegistryDouble();
  const { index } = seed(reg);
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source: `dev.example.com/team/app@${index.digest}`, destinations: 'prod.example.com/app', referrers: 'false' });
  const r = await run(inputs, { client: reg, isEcrHost: notEcr }, reporter);
  expect(r.outcomes[0].reference).toBe(`prod.example.com/app@${index.digest}`);
  const rootHeads = reg.calls.filter((c) => c.verb === 'headManifest' && c.repo === 'prod.example.com/app' && c.reference === index.digest);
  expect(rootHeads).toHaveLength(2); // the plan's look, and the check after the PUT
  expect(reg.hasManifest({ registry: 'prod.example.com', repository: 'app' }, index.digest)).toBe(true);
});

it('copies a multi-platform index to another registry byte-exact: blobs, then children, then the index, the tag last', async () => {
  const reg = new MemoryRegistryDouble();
  const { index, platforms } = seed(reg);
  const prod = { registry: 'prod.example.com', repository: 'app' };
  const r = await promote(reg, 'prod.example.com/app:1.0');
  const writes = reg.writes().map((c) => `${c.verb} ${c.reference}`);
  expect(writes.filter((w) => w.startsWith('putBlob'))).toHaveLength(5); // the shared base layer once
  const firstManifest = writes.findIndex((w) => w.startsWith('putManifest'));
  expect(writes.slice(0, firstManifest).every((w) => w.startsWith('putBlob'))).toBe(true);
  const manifests = writes.slice(firstManifest);
  expect(manifests.slice(0, 2).sort()).toEqual(platforms.map((p) => `putManifest ${p.digest}`).sort());
  expect(manifests.slice(2)).toEqual([`putManifest ${index.digest}`, 'putManifest 1.0']);
  expect(reg.tagsOf(prod).get('1.0')).toBe(index.digest);
  for (const p of platforms) expect(reg.hasManifest(prod, p.digest)).toBe(true);
  expect(Number(r.outputs['bytes-copied'])).toBeGreaterThan(0);
  expect(Number(r.outputs['bytes-copied'])).toBe(reg.stats.bytesUploaded);
  expect(r.reporter.summaryMarkdown).toContain('| prod.example.com/app:1.0 | copy | written |');
});

it('mounts between repositories of one registry (0 bytes) and uploads where the registry declines the mount', async () => {
  const reg = new MemoryRegistryDouble();
  seed(reg);
  const mounted = await promote(reg, 'dev.example.com/prod/app:1.0');
  expect(mounted.outputs['bytes-copied']).toBe('0');
  expect(mounted.outcomes[0].blobs).toEqual({ present: 0, mounted: 5, uploaded: 0 });
  expect(reg.calls.some((c) => c.verb === 'getBlob')).toBe(false);

  const declining = new MemoryRegistryDouble({ noMount: new Set(['dev.example.com']) });
  seed(declining);
  const copied = await promote(declining, 'dev.example.com/prod/app:1.0');
  expect(copied.outcomes[0].blobs).toEqual({ present: 0, mounted: 0, uploaded: 5 });
  expect(Number(copied.outputs['bytes-copied'])).toBeGreaterThan(0);
});

it('is idempotent: a second run writes nothing and lists nothing as promoted', async () => {
  const reg = new MemoryRegistryDouble();
  const { index } = seed(reg);
  signature(reg, index);
  const dests = 'dev.example.com/team/app:prod, dev.example.com/prod/app:1.0, prod.example.com/app:1.0, eu.example.com/app';
  await promote(reg, dests);
  const before = reg.calls.length;
  const uploaded = reg.stats.bytesUploaded;
  const again = await promote(reg, dests);
  expect(reg.stats.bytesUploaded).toBe(uploaded);
  expect(reg.calls.slice(before).filter((c) => ['putManifest', 'putBlob', 'mountBlob'].includes(c.verb))).toEqual([]);
  expect(again.plan.destinations.map((d) => d.path)).toEqual(['noop', 'noop', 'noop', 'noop']);
  expect(again.outputs.promoted).toBe('[]');
  expect(again.outcomes.map((o) => [o.written, o.bytes, o.referrersWritten])).toEqual(Array(4).fill([false, 0, 0]));
});

it('carries referrers along: tag-scheme index copied byte-exact, and pushed by subject to an OCI 1.1 registry', async () => {
  const reg = new MemoryRegistryDouble({ referrersApi: new Set(['oci11.example.com']) });
  const { index } = seed(reg);
  const sig = signature(reg, index);
  const r = await promote(reg, 'prod.example.com/app:1.0\noci11.example.com/app:1.0');
  const prod = { registry: 'prod.example.com', repository: 'app' };
  const tagIndex = reg.tagsOf(prod).get(index.digest.replace(':', '-'));
  expect(tagIndex).toBe(reg.tagsOf(DEV).get(index.digest.replace(':', '-')));
  expect(reg.hasManifest(prod, sig.digest)).toBe(true);
  expect(reg.hasManifest({ registry: 'oci11.example.com', repository: 'app' }, sig.digest)).toBe(true);
  expect(r.outcomes.map((o) => o.referrersWritten)).toEqual([1, 1]);
  // The referrer is in place before the tag that makes the image visible.
  const writes = reg
    .writes()
    .filter((c) => c.repo === 'prod.example.com/app')
    .map((c) => c.reference);
  expect(writes.indexOf(sig.digest)).toBeLessThan(writes.indexOf('1.0'));
});

it('fails loudly, without tagging, when the destination does not store the manifest byte-exact', async () => {
  const reg = new MemoryRegistryDouble({ rewritesManifests: new Set(['prod.example.com']) });
  const { index } = seed(reg);
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source: `dev.example.com/team/app@${index.digest}`, destinations: 'prod.example.com/app:1.0' });
  const p = run(inputs, { client: reg, isEcrHost: notEcr }, reporter);
  await expect(p).rejects.toThrow(ServiceError);
  await expect(p).rejects.toThrow(/not byte-exact/);
  expect(reg.tagsOf({ registry: 'prod.example.com', repository: 'app' }).has('1.0')).toBe(false);
  expect(reporter.summaryMarkdown).toContain('Promotion failed');
  expect(reporter.summaryMarkdown).toContain('not byte-exact');
});

it('moves a mutable tag to the new digest and says what it held', async () => {
  const reg = new MemoryRegistryDouble();
  const { index } = seed(reg);
  const old = reg.seedManifest(DEV, { schemaVersion: 2, config: reg.seedBlob(DEV, '{}'), layers: [] }, MEDIA_TYPES.ociManifest, 'prod');
  const r = await promote(reg, 'dev.example.com/team/app:prod');
  expect(reg.tagsOf(DEV).get('prod')).toBe(index.digest);
  expect(r.reporter.log).toContain(`tag moves from ${old.digest}`);
});

it('immutable tags: the same digest is success, another digest is an error naming both', async () => {
  const reg = new MemoryRegistryDouble({ immutableTags: new Set(['prod.example.com']) });
  const { index } = seed(reg);
  await promote(reg, 'prod.example.com/app:1.0');
  // A registry that refuses the overwrite although HEAD said otherwise (a race): same digest, so fine.
  const again = await promote(reg, 'prod.example.com/app:1.0');
  expect(again.outputs.promoted).toBe('[]');

  const prod = { registry: 'prod.example.com', repository: 'app' };
  const other = reg.seedManifest(prod, { schemaVersion: 2, config: reg.seedBlob(prod, '{}'), layers: [] }, MEDIA_TYPES.ociManifest, '2.0');
  const p = promote(reg, 'prod.example.com/app:2.0', { 'immutable-tags': 'true' });
  await expect(p).rejects.toThrow(`already points at ${other.digest}, not at the promoted ${index.digest}`);
  // Without immutable-tags the plan moves it, but the registry refuses: the conflict still names both.
  const q = promote(reg, 'prod.example.com/app:2.0');
  await expect(q).rejects.toThrow(`already points at ${other.digest}, not at the promoted ${index.digest}`);
  expect(reg.tagsOf(prod).get('2.0')).toBe(other.digest);
});

it('dry-run prints the plan and writes nothing', async () => {
  const reg = new MemoryRegistryDouble();
  seed(reg);
  const r = await promote(reg, 'dev.example.com/team/app:prod, prod.example.com/app:1.0', { 'dry-run': 'true' });
  expect(reg.writes()).toEqual([]);
  expect(JSON.parse(r.outputs.plan)).toEqual([
    { destination: 'dev.example.com/team/app:prod', path: 'retag' },
    { destination: 'prod.example.com/app:1.0', path: 'copy' },
  ]);
  expect(r.reporter.summaryMarkdown).toContain('dry run, nothing written');
});

it('resolves a tag once: the digest read at the start is promoted everywhere', async () => {
  const reg = new MemoryRegistryDouble();
  const { index } = seed(reg);
  await promote(reg, 'dev.example.com/team/app:a, prod.example.com/app:b');
  expect(reg.calls.filter((c) => c.reference === 'rc')).toHaveLength(1);
  expect(reg.tagsOf({ registry: 'prod.example.com', repository: 'app' }).get('b')).toBe(index.digest);
});

it('builds the tag-scheme index at a destination without the referrers API when the source has the API', async () => {
  const reg = new MemoryRegistryDouble({ referrersApi: new Set(['dev.example.com']) });
  const { index } = seed(reg);
  const sig = signature(reg, index);
  const r = await promote(reg, 'prod.example.com/app:1.0');
  const prod = { registry: 'prod.example.com', repository: 'app' };
  const listed = await reg.referrers(prod, index.digest);
  expect(listed).toEqual({ via: 'tag-schema', descriptors: [expect.objectContaining({ digest: sig.digest })] });
  expect(r.outcomes[0].referrersWritten).toBe(1);
});

it('leaves referrers behind when referrers is false', async () => {
  const reg = new MemoryRegistryDouble();
  const { index } = seed(reg);
  const sig = signature(reg, index);
  await promote(reg, 'prod.example.com/app:1.0', { referrers: 'false' });
  expect(reg.hasManifest({ registry: 'prod.example.com', repository: 'app' }, sig.digest)).toBe(false);
  expect(reg.calls.some((c) => c.verb === 'referrers')).toBe(false);
});
