/** ETags (single and multipart) and the plan: skip, upload by phase, delete what no kept build references. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localETag, parseETag, sameContent } from '../../src/static-site-deploy/etag';
import { digestBuild, scanBuild } from '../../src/static-site-deploy/build-files';

const readBuild = async (dir: string, o: Parameters<typeof scanBuild>[1]) => digestBuild(await scanBuild(dir, o));
import { MANIFEST_FORMAT, manifestChanged, nextManifest, parseManifest, type DeployManifest } from '../../src/static-site-deploy/manifest';
import { planDeploy } from '../../src/static-site-deploy/plan';

const dir = mkdtempSync(path.join(tmpdir(), 'static-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

describe('ETags', () => {
  const big = Buffer.alloc(17 * MiB, 3);
  big.write('x', 9 * MiB);
  const file = path.join(dir, 'big.bin');
  writeFileSync(file, big);

  it('computes the multipart ETag S3 gives an upload in 8 MiB parts', async () => {
    const parts = [big.subarray(0, 8 * MiB), big.subarray(8 * MiB, 16 * MiB), big.subarray(16 * MiB)].map(md5);
    expect(await localETag(file, big.length)).toBe(`${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-3`);
  });

  it('digests read at the same time (in turns of the event loop) each get their own file', async () => {
    const other = Buffer.alloc(12 * MiB, 7);
    other.write('y', 5 * MiB);
    const otherFile = path.join(dir, 'other.bin');
    writeFileSync(otherFile, other);
    const together = await Promise.all([localETag(file, big.length), localETag(otherFile, other.length), localETag(file, big.length)]);
    expect(together).toEqual([await localETag(file, big.length), await localETag(otherFile, other.length), await localETag(file, big.length)]);
    const otherParts = [other.subarray(0, 8 * MiB), other.subarray(8 * MiB)].map(md5);
    expect(together[1]).toBe(`${createHash('md5').update(Buffer.concat(otherParts)).digest('hex')}-2`);
  });

  it('recognises the same bytes uploaded by another tool with 5 MiB parts, and a single-PUT ETag', async () => {
    const five = [0, 1, 2, 3].map((i) => md5(big.subarray(i * 5 * MiB, Math.min(big.length, (i + 1) * 5 * MiB))));
    const theirs = `"${createHash('md5').update(Buffer.concat(five)).digest('hex')}-4"`;
    const ours = await localETag(file, big.length);
    expect(await sameContent(file, big.length, ours, theirs)).toBe(true);
    expect(await sameContent(file, big.length, ours, `"${md5(big).toString('hex')}"`)).toBe(true);
    expect(await sameContent(file, big.length, ours, `"${'0'.repeat(32)}-4"`)).toBe(false);
    expect(parseETag('W/"x"')).toEqual({ hex: '', parts: -1 });
  });
});

describe('planDeploy', () => {
  const opts = { cacheRules: [], immutable: [], contentTypes: [] };
  const write = (name: string, files: Record<string, string>) => {
    const root = path.join(dir, name);
    for (const [k, v] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, k)), { recursive: true });
      writeFileSync(path.join(root, k), v);
    }
    return root;
  };

  it('skips only what has the stored ETag and the recorded headers; orders uploads by phase', async () => {
    const files = await readBuild(write('p1', { 'index.html': 'a', 'app.3f9a1c.js': 'b', 'logo.png': 'c' }), opts);
    const js = files.find((f) => f.key === 'app.3f9a1c.js')!;
    const logo = files.find((f) => f.key === 'logo.png')!;
    const stored = new Map([
      ['app.3f9a1c.js', { etag: `"${js.etag}"`, size: js.size }],
      ['logo.png', { etag: `"${logo.etag}"`, size: logo.size }],
    ]);
    const previous: DeployManifest = {
      format: MANIFEST_FORMAT,
      builds: [{ id: 'b0', deployedAt: '', objects: { 'app.3f9a1c.js': js.signature, 'logo.png': 'other-headers' } }],
    };
    const plan = await planDeploy({ files, prefix: '', stored, previous, build: { id: 'b1', deployedAt: '' }, keepPrevious: 1, delete: true, concurrency: 2 });
    expect(plan.skipped.map((f) => f.key)).toEqual(['app.3f9a1c.js']);
    expect({ hashed: plan.uploads.hashed.length, other: plan.uploads.other.map((f) => f.key), entry: plan.uploads.entry.map((f) => f.key) }).toEqual({
      hashed: 0,
      other: ['logo.png'],
      entry: ['index.html'],
    });
    expect([...plan.replaced]).toEqual(['logo.png']);
  });

  it('deletes what no kept build references, never the manifest', async () => {
    const files = await readBuild(write('p2', { 'index.html': 'x', 'app.333333a.js': 'y' }), opts);
    const stored = new Map(
      ['site/index.html', 'site/app.111111a.js', 'site/app.222222a.js', 'site/app.333333a.js', 'site/.shipline/deploys.json', 'site/stray.txt'].map((k) => [
        k,
        { etag: '""', size: 1 },
      ]),
    );
    const previous: DeployManifest = {
      format: MANIFEST_FORMAT,
      builds: [
        { id: 'b2', deployedAt: '', objects: { 'index.html': '', 'app.222222a.js': '' } },
        { id: 'b1', deployedAt: '', objects: { 'index.html': '', 'app.111111a.js': '' } },
      ],
    };
    const plan = await planDeploy({
      files,
      prefix: 'site/',
      stored,
      previous,
      build: { id: 'b3', deployedAt: '' },
      keepPrevious: 1,
      delete: true,
      concurrency: 2,
    });
    expect(plan.deletes.sort()).toEqual(['site/app.111111a.js', 'site/stray.txt']);
    expect(plan.kept).toEqual(['site/app.222222a.js']);
    expect(plan.manifest.builds.map((b) => b.id)).toEqual(['b3', 'b2']);
    const off = await planDeploy({
      files,
      prefix: 'site/',
      stored,
      previous,
      build: { id: 'b3', deployedAt: '' },
      keepPrevious: 1,
      delete: false,
      concurrency: 2,
    });
    expect(off.deletes).toEqual([]);
  });
});

describe('deploy manifest', () => {
  it('counts objects found before the first deploy as one previous build', () => {
    const m = nextManifest(undefined, ['old.js'], { id: 'b1', deployedAt: 't', objects: { 'index.html': 's' } }, 2);
    expect(m.builds.map((b) => [b.id, Object.keys(b.objects)])).toEqual([
      ['b1', ['index.html']],
      ['found-before-first-deploy', ['old.js']],
    ]);
  });

  it('replaces a build with the same keys instead of counting it twice, and keeps keep-previous builds', () => {
    const prev = { format: MANIFEST_FORMAT, builds: [1, 2, 3].map((n) => ({ id: `b${n}`, deployedAt: '', objects: { [`a${n}.js`]: '' } })) };
    expect(nextManifest(prev, [], { id: 'b9', deployedAt: '', objects: { 'a1.js': 'x' } }, 2).builds.map((b) => b.id)).toEqual(['b9', 'b2', 'b3']);
    expect(nextManifest(prev, [], { id: 'b9', deployedAt: '', objects: { 'z.js': 'x' } }, 0).builds.map((b) => b.id)).toEqual(['b9']);
  });

  it('fails closed on a manifest it cannot read', () => {
    expect(parseManifest(undefined, 's3://b/m')).toBeUndefined();
    expect(() => parseManifest('{"format":"other"}', 's3://b/.shipline/deploys.json')).toThrow(
      's3://b/.shipline/deploys.json is not a shipline.static-site-deploy/v1 deploy manifest',
    );
    expect(() => parseManifest('not json', 's3://b/m')).toThrow('Restore it or delete the object');
  });

  it('is written again only when a build, a key or a header signature changed, not for key order or timestamps', () => {
    const m = (...builds: Record<string, string>[]): DeployManifest => ({
      format: MANIFEST_FORMAT,
      builds: builds.map((objects, i) => ({ id: `b${i}`, deployedAt: String(i), objects })),
    });
    const before = m({ 'a.js': 's1', 'index.html': 's2' }, { 'old.js': 's1' });
    expect(manifestChanged(before, m({ 'index.html': 's2', 'a.js': 's1' }, { 'old.js': 's1' }))).toBe(false);
    expect(manifestChanged(undefined, m({ 'a.js': 's1' }))).toBe(true);
    expect(manifestChanged(before, m({ 'a.js': 's1', 'index.html': 's3' }, { 'old.js': 's1' }))).toBe(true);
    expect(manifestChanged(before, m({ 'a.js': 's1', 'index.html': 's2' }))).toBe(true);
    expect(manifestChanged(before, m({ 'a.js': 's1', toString: 's2' }, { 'old.js': 's1' }))).toBe(true);
    expect(manifestChanged(before, m({ 'a.js': 's1', 'index.html': 's2', 'b.js': 's1' }, { 'old.js': 's1' }))).toBe(true);
  });
});
