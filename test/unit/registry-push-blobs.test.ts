/** The toolkit's "ensure blobs present" verb: bounded parallel uploads, skip what is there, prove what was written. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ServiceError } from '../../src/toolkit/errors';
import { mapLimit } from '../../src/toolkit/pool';
import { ensureBlobPresent, ensureBlobsPresent, type OpenBlob } from '../../src/toolkit/registry/push-blobs';
import type { Descriptor, RegistryClient } from '../../src/toolkit/registry/types';

const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const repo = { registry: 'registry.test', repository: 'team/app' };
const blob = (content: string): Descriptor => ({ mediaType: 'application/octet-stream', digest: sha(content), size: Buffer.byteLength(content) });
const contents = new Map<string, string>();
const open: OpenBlob = (d) => Readable.from([Buffer.from(contents.get(d.digest) ?? '')]);
function blobsOf(...texts: string[]): Descriptor[] {
  for (const t of texts) contents.set(sha(t), t);
  return texts.map(blob);
}

/** Lets every other pending request move first, so overlapping uploads really overlap. */
const yieldTurns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/**
 * An in-memory registry. `store` decides what an upload leaves behind (default: the bytes read),
 * so tests can model a registry that loses or truncates uploads. Records verbs and peak uploads in flight.
 */
function fakeRegistry(opts: { present?: Map<string, number>; store?: (digest: string, size: number) => number | undefined } = {}) {
  const sizes = new Map(opts.present ?? []);
  const calls: string[] = [];
  let inFlight = 0;
  const peak = { uploads: 0 };
  const client: RegistryClient = {
    stats: { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 },
    async headBlob(_r, d) {
      calls.push(`HEAD ${d}`);
      await yieldTurns(1);
      return sizes.get(d);
    },
    async putBlob(_r, d, size, openStream) {
      inFlight++;
      peak.uploads = Math.max(peak.uploads, inFlight);
      calls.push(`PUT ${d}`);
      let read = 0;
      for await (const chunk of await openStream()) read += (chunk as Buffer).length;
      expect(read).toBe(size);
      await yieldTurns();
      const stored = opts.store ? opts.store(d, read) : read;
      if (stored !== undefined) sizes.set(d, stored);
      inFlight--;
    },
    putManifest: () => Promise.reject(new Error('unused')),
    headManifest: () => Promise.reject(new Error('unused')),
    getManifest: () => Promise.reject(new Error('unused')),
    getBlob: () => Promise.reject(new Error('unused')),
    mountBlob: () => Promise.reject(new Error('unused')),
    referrers: () => Promise.reject(new Error('unused')),
    listTags: () => Promise.reject(new Error('unused')),
  };
  return { client, calls, sizes, peak };
}

it('uploads missing blobs in parallel, never more than the concurrency at once, and verifies each', async () => {
  const blobs = blobsOf(...Array.from({ length: 10 }, (_, i) => `layer ${i}`));
  const reg = fakeRegistry();
  const counts = await ensureBlobsPresent(reg.client, repo, blobs, open, 3);
  expect(counts).toEqual({ present: 0, uploaded: 10 });
  expect(reg.peak.uploads).toBe(3);
  for (const b of blobs) {
    expect(reg.sizes.get(b.digest)).toBe(b.size);
    // HEAD (absent), PUT, HEAD (verify): the verification comes after the upload.
    expect(reg.calls.filter((c) => c.endsWith(b.digest))).toEqual([`HEAD ${b.digest}`, `PUT ${b.digest}`, `HEAD ${b.digest}`]);
  }
});

it('with concurrency 1 uploads one blob at a time', async () => {
  const reg = fakeRegistry();
  await ensureBlobsPresent(reg.client, repo, blobsOf('a', 'b', 'c'), open, 1);
  expect(reg.peak.uploads).toBe(1);
});

it('skips a blob already present at its size, without opening it, and re-uploads one present at another size', async () => {
  const [there, short, missing] = blobsOf('already there', 'truncated before', 'not yet');
  const reg = fakeRegistry({
    present: new Map([
      [there.digest, there.size],
      [short.digest, 3],
    ]),
  });
  const opened: string[] = [];
  const counting: OpenBlob = (d) => {
    opened.push(d.digest);
    return open(d);
  };
  const counts = await ensureBlobsPresent(reg.client, repo, [there, short, missing], counting, 4);
  expect(counts).toEqual({ present: 1, uploaded: 2 });
  expect(opened.sort()).toEqual([short.digest, missing.digest].sort());
  expect(reg.calls.filter((c) => c.endsWith(there.digest))).toEqual([`HEAD ${there.digest}`]);
  expect(reg.sizes.get(short.digest)).toBe(short.size);
});

it('uploads a blob listed twice (a layer shared by two platforms) once', async () => {
  const [shared, other] = blobsOf('shared layer', 'other');
  const reg = fakeRegistry();
  const counts = await ensureBlobsPresent(reg.client, repo, [shared, other, shared], open, 4);
  expect(counts).toEqual({ present: 0, uploaded: 2 });
  expect(reg.calls.filter((c) => c === `PUT ${shared.digest}`)).toHaveLength(1);
});

it('fails with a ServiceError naming the digest when an upload is missing right after it was written', async () => {
  const [kept, lost] = blobsOf('kept', 'lost by the registry');
  const reg = fakeRegistry({ store: (d, size) => (d === lost.digest ? undefined : size) });
  const err = await ensureBlobsPresent(reg.client, repo, [kept, lost], open, 2).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ServiceError);
  expect((err as ServiceError).system).toBe('registry.test/team/app');
  expect((err as ServiceError).message).toContain(`blob ${lost.digest} is missing right after it was written`);
});

it('fails naming the digest and both sizes when the registry holds another size after the upload', async () => {
  const [b] = blobsOf('eleven byte');
  const reg = fakeRegistry({ store: () => 4 });
  await expect(ensureBlobPresent(reg.client, repo, b, open)).rejects.toThrow(`blob ${b.digest} is 4 bytes, not ${b.size} right after it was written`);
});

it('stops starting uploads after the first failure', async () => {
  const blobs = blobsOf(...Array.from({ length: 8 }, (_, i) => `blob ${i}`));
  const reg = fakeRegistry({ store: () => undefined });
  await expect(ensureBlobsPresent(reg.client, repo, blobs, open, 2)).rejects.toThrow(ServiceError);
  // The two in flight when the first verification failed finish; nothing after them starts.
  expect(reg.calls.filter((c) => c.startsWith('PUT')).length).toBeLessThanOrEqual(2);
});

it('mapLimit keeps results in input order whatever order they finish in', async () => {
  const out = await mapLimit([30, 10, 20], 3, async (n) => {
    await yieldTurns(n);
    return n * 2;
  });
  expect(out).toEqual([60, 20, 40]);
});
