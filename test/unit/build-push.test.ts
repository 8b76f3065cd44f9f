/** Reading the local OCI layout and pushing it: same bytes, every tag proven to hold the scanned digest. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { MemoryReporter } from '../../src/toolkit/reporter';
import type { Descriptor, RegistryClient, RepositoryRef } from '../../src/toolkit/registry/types';
import { readLayout } from '../../src/build-and-scan/oci-layout';
import { pushLayout } from '../../src/build-and-scan/push';
import { testTempDir } from '../helpers/temp';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MT = 'application/vnd.oci.image.manifest.v1+json';

/** Writes an OCI layout: one manifest (config + one layer), or an index over two. */
function layout(kind: 'image' | 'index' = 'image'): { dir: string; top: string; blobs: string[] } {
  const dir = testTempDir('bas-layout-');
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer | string) => {
    const d = sha(b);
    writeFileSync(path.join(dir, 'blobs', 'sha256', d.slice(7)), b);
    return { digest: d, size: Buffer.byteLength(b) };
  };
  const image = (arch: string) => {
    const config = put(JSON.stringify({ architecture: arch, os: 'linux' }));
    const layer = put(`layer for ${arch}`);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MT,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    });
    return { m: put(manifest), blobs: [config.digest, layer.digest] };
  };
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  if (kind === 'image') {
    const a = image('amd64');
    writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MT, ...a.m }] }));
    return { dir, top: a.m.digest, blobs: a.blobs };
  }
  const a = image('amd64');
  const b = image('arm64');
  const idx = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: MT, ...a.m },
        { mediaType: MT, ...b.m },
      ],
    }),
  );
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...idx }] }),
  );
  return { dir, top: idx.digest, blobs: [...a.blobs, ...b.blobs] };
}

/** An in-memory registry that records the verbs; `tamper` makes it answer another digest. */
function fakeRegistry(opts: { present?: Buffer[]; tamper?: boolean; lose?: string } = {}) {
  const blobs = new Map<string, Buffer>();
  for (const b of opts.present ?? []) blobs.set(sha(b), b);
  const manifests = new Map<string, { digest: string; mediaType: string }>();
  const calls: string[] = [];
  const client: RegistryClient = {
    stats: { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 },
    async headBlob(_r, d) {
      calls.push(`HEAD blob ${d.slice(7, 15)}`);
      return blobs.get(d)?.length;
    },
    async putBlob(_r: RepositoryRef, d: string, size: number, open: () => Promise<Readable> | Readable) {
      const chunks: Buffer[] = [];
      for await (const c of await open()) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(sha(bytes)).toBe(d);
      expect(bytes.length).toBe(size);
      if (d !== opts.lose) blobs.set(d, bytes);
      calls.push(`PUT blob ${d.slice(7, 15)}`);
    },
    async putManifest(_r, ref, bytes, mediaType) {
      const digest = opts.tamper ? sha(Buffer.concat([bytes, Buffer.from(' ')])) : sha(bytes);
      manifests.set(ref, { digest, mediaType });
      calls.push(`PUT manifest ${ref.startsWith('sha256:') ? ref.slice(7, 15) : ref}`);
      return digest;
    },
    async headManifest(_r, ref): Promise<Descriptor | undefined> {
      const m = manifests.get(ref);
      return m ? { digest: m.digest, mediaType: m.mediaType, size: 0 } : undefined;
    },
    getManifest: () => Promise.reject(new Error('unused')),
    getBlob: () => Promise.reject(new Error('unused')),
    mountBlob: () => Promise.reject(new Error('unused')),
    referrers: () => Promise.reject(new Error('unused')),
    listTags: () => Promise.reject(new Error('unused')),
  };
  return { client, calls, blobs, manifests };
}

const repo = { registry: 'registry.test', repository: 'team/app' };

it('uploads missing blobs, then puts the manifest under each tag, all at the scanned digest', async () => {
  const l = layout();
  const reg = fakeRegistry({ present: [readFileSync(path.join(l.dir, 'blobs', 'sha256', l.blobs[0].slice(7)))] });
  const r = await pushLayout(reg.client, repo, await readLayout(l.dir), ['v1', 'latest'], new MemoryReporter());
  expect(r).toEqual({ digest: l.top, tags: ['v1', 'latest'], blobsUploaded: 1, blobsPresent: 1 });
  // Both blobs are looked at at once; the uploaded one is verified with a second HEAD before any manifest.
  expect(reg.calls).toEqual([
    `HEAD blob ${l.blobs[0].slice(7, 15)}`,
    `HEAD blob ${l.blobs[1].slice(7, 15)}`,
    `PUT blob ${l.blobs[1].slice(7, 15)}`,
    `HEAD blob ${l.blobs[1].slice(7, 15)}`,
    'PUT manifest v1',
    'PUT manifest latest',
  ]);
  expect(reg.manifests.get('v1')?.digest).toBe(l.top);
});

it('pushes a multi-platform index bottom-up: children by digest, then the index under the tag', async () => {
  const l = layout('index');
  const reg = fakeRegistry();
  const read = await readLayout(l.dir);
  expect(read.root.children).toHaveLength(2);
  await pushLayout(reg.client, repo, read, ['v1'], new MemoryReporter());
  const manifestPuts = reg.calls.filter((c) => c.startsWith('PUT manifest'));
  expect(manifestPuts).toEqual([
    `PUT manifest ${read.root.children[0].descriptor.digest.slice(7, 15)}`,
    `PUT manifest ${read.root.children[1].descriptor.digest.slice(7, 15)}`,
    'PUT manifest v1',
  ]);
  expect(reg.blobs.size).toBe(4);
  expect(reg.manifests.get('v1')).toEqual({ digest: l.top, mediaType: 'application/vnd.oci.image.index.v1+json' });
});

it('writes no manifest and no tag when an uploaded blob is not there when asked again', async () => {
  const l = layout('index');
  const reg = fakeRegistry({ lose: l.blobs[3] });
  await expect(pushLayout(reg.client, repo, await readLayout(l.dir), ['v1'], new MemoryReporter())).rejects.toThrow(
    `blob ${l.blobs[3]} is missing right after it was written`,
  );
  expect(reg.calls.filter((c) => c.startsWith('PUT manifest'))).toEqual([]);
  expect(reg.manifests.size).toBe(0);
});

it('leaves a tag that already holds the scanned digest alone (re-runs, immutable tags)', async () => {
  const l = layout();
  const reg = fakeRegistry();
  const read = await readLayout(l.dir);
  await pushLayout(reg.client, repo, read, ['v1'], new MemoryReporter());
  reg.calls.length = 0;
  const reporter = new MemoryReporter();
  await pushLayout(reg.client, repo, read, ['v1', 'v2'], reporter);
  expect(reg.calls.filter((c) => c.startsWith('PUT'))).toEqual(['PUT manifest v2']);
  expect(reporter.log).toContain(`registry.test/team/app:v1 already holds ${l.top}`);
});

it('fails when the registry reports a digest other than the scanned one', async () => {
  const l = layout();
  const reg = fakeRegistry({ tamper: true });
  await expect(pushLayout(reg.client, repo, await readLayout(l.dir), ['v1'], new MemoryReporter())).rejects.toThrow(`registry.test/team/app:v1 reports digest`);
});

it('reads an index.json that lists the one image once per tag, and refuses two different images', async () => {
  const l = layout();
  const index = JSON.parse(readFileSync(path.join(l.dir, 'index.json'), 'utf8'));
  const entry = index.manifests[0];
  const named = (name: string) => ({ ...entry, annotations: { 'org.opencontainers.image.ref.name': name } });
  writeFileSync(path.join(l.dir, 'index.json'), JSON.stringify({ ...index, manifests: [named('v1'), named('latest')] }));
  expect((await readLayout(l.dir)).root.descriptor.digest).toBe(l.top);
  const other = layout('index');
  const otherEntry = JSON.parse(readFileSync(path.join(other.dir, 'index.json'), 'utf8')).manifests[0];
  writeFileSync(path.join(other.dir, 'index.json'), JSON.stringify({ ...index, manifests: [otherEntry, { ...otherEntry, digest: l.top }] }));
  await expect(readLayout(other.dir)).rejects.toThrow('holds 2 images, expected 1');
});

it('refuses a layout whose manifest does not hash to its digest, or that misses a blob', async () => {
  const l = layout();
  writeFileSync(path.join(l.dir, 'blobs', 'sha256', l.top.slice(7)), '{"tampered":true}');
  await expect(readLayout(l.dir)).rejects.toThrow('index.json says');
  const m = layout();
  writeFileSync(path.join(m.dir, 'blobs', 'sha256', m.blobs[1].slice(7)), 'short');
  await expect(readLayout(m.dir)).rejects.toThrow('expected');
  await expect(readLayout(testTempDir('empty-'))).rejects.toThrow('index.json missing');
});
