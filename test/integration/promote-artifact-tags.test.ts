/**
 * promote-artifact against real docker-registry instances (distribution 2.8: no OCI 1.1
 * referrers API), run from the committed bundle: cosign's tag-stored signatures
 * (`sha256-<hex>.sig` / `.att` / `.sbom`) travel after the image on every path, and every tag
 * write is read back, so two promotions racing for one tag never both report success.
 * The cosign manifests are built byte by byte in cosign's layout (test/helpers/images.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MEDIA_TYPES } from '../../src/toolkit/registry/types';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { attachCosignSignature, pushTestImage, type PushedImage } from '../helpers/images';
import { startRegistry, type TestRegistry } from '../helpers/registry';

let dev: TestRegistry;
let prod: TestRegistry;
let devProxy: FaultProxy;
let prodProxy: FaultProxy;
let signed: PushedImage; // an index; the index and its first platform manifest are signed (cosign sign --recursive)
let sig: Awaited<ReturnType<typeof attachCosignSignature>>;
let att: Awaited<ReturnType<typeof attachCosignSignature>>;
let childSig: Awaited<ReturnType<typeof attachCosignSignature>>;
const dockerConfig = mkdtempSync(path.join(tmpdir(), 'shipline-promote-tags-'));
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [dev, prod] = await Promise.all([startRegistry(), startRegistry()]);
  [devProxy, prodProxy] = await Promise.all([startFaultProxy(dev.url), startFaultProxy(prod.url)]);
  stops.push(dev.stop, prod.stop, devProxy.stop, prodProxy.stop);
  signed = await pushTestImage(dev.host, 'team/signed', 'rc', { layerSizes: [20_000], platforms: ['linux/amd64', 'linux/arm64'] });
  sig = await attachCosignSignature(dev.host, 'team/signed', signed.digest);
  att = await attachCosignSignature(dev.host, 'team/signed', signed.digest, { suffix: 'att' });
  childSig = await attachCosignSignature(dev.host, 'team/signed', signed.children[0].digest);
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  rmSync(dockerConfig, { recursive: true, force: true });
});

function promote(inputs: Record<string, string>): Promise<StepResult> {
  return runAction('promote-artifact', inputs, { env: { DOCKER_CONFIG: dockerConfig } });
}

/** The digest of the bytes a plain reader gets for a manifest; null when absent. */
async function digestAt(host: string, repository: string, ref: string): Promise<string | null> {
  const accept = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest].join(', ');
  const r = await fetch(`http://${host}/v2/${repository}/manifests/${ref}`, { headers: { accept } });
  if (r.status !== 200) return null;
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await r.arrayBuffer()))
    .digest('hex')}`;
}

async function blobPresent(host: string, repository: string, digest: string): Promise<boolean> {
  return (await fetch(`http://${host}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' })).status === 200;
}

const source = () => `${devProxy.host}/team/signed@${signed.digest}`;
const hex = (d: string) => d.replace(':', '-');

describe('cosign signature tags travel with the image (issue 9 §3)', () => {
  it('copy to another registry: .sig and .att of the index and .sig of a platform manifest, blobs and tags, byte-exact, listed in the summary', async () => {
    const from = devProxy.requests.length;
    const r = await promote({ source: source(), destinations: `${prodProxy.host}/shop/app:1.0` });
    expect(r.exitCode).toBe(0);
    for (const s of [sig, att, childSig]) {
      expect(await digestAt(prod.host, 'shop/app', s.tag)).toBe(s.digest);
      for (const layer of s.layers) expect(await blobPresent(prod.host, 'shop/app', layer)).toBe(true);
    }
    expect(await digestAt(prod.host, 'shop/app', '1.0')).toBe(signed.digest);
    // one HEAD per possible tag at the source: 3 suffixes x (index + 2 platform manifests)
    const lookups = devProxy.requests.slice(from).filter((q) => q.method === 'HEAD' && /\/manifests\/sha256-[0-9a-f]{64}\.(sig|att|sbom)$/.test(q.path));
    expect(lookups).toHaveLength(9);
    expect(new Set(lookups.map((q) => q.path)).size).toBe(9);
    for (const s of [sig, att, childSig]) expect(r.summary).toContain(`| ${prodProxy.host}/shop/app:1.0 | ${s.tag} | ${s.digest} | written |`);
    expect(r.log).toContain(`${sig.tag} written`);
  });

  it('mount within one registry: the signature tags are written to the other repository', async () => {
    const r = await promote({ source: source(), destinations: `${devProxy.host}/release/signed:1.0` });
    expect(r.exitCode).toBe(0);
    expect(await digestAt(dev.host, 'release/signed', sig.tag)).toBe(sig.digest);
    expect(await digestAt(dev.host, 'release/signed', att.tag)).toBe(att.digest);
    expect(r.summary).toContain(`| ${devProxy.host}/release/signed:1.0 | ${sig.tag} | ${sig.digest} | written |`);
  });

  it('retag in the same repository: the tags are already beside the image, no lookups at all', async () => {
    const from = devProxy.requests.length;
    const r = await promote({ source: source(), destinations: `${devProxy.host}/team/signed:staging` });
    expect(r.exitCode).toBe(0);
    expect(devProxy.requests.slice(from).filter((q) => /sha256-[0-9a-f]{64}\./.test(q.path))).toEqual([]);
    expect(await digestAt(dev.host, 'team/signed', 'staging')).toBe(signed.digest);
  });

  it('noop: the image is already at the destination without its signatures; they are written, the image is not', async () => {
    const first = await promote({ source: source(), destinations: `${prodProxy.host}/bare/app:1.0`, referrers: 'false' });
    expect(first.exitCode).toBe(0);
    expect(await digestAt(prod.host, 'bare/app', sig.tag)).toBeNull();
    const r = await promote({ source: source(), destinations: `${prodProxy.host}/bare/app:1.0` });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.plan)).toEqual([{ destination: `${prodProxy.host}/bare/app:1.0`, path: 'noop' }]);
    expect(JSON.parse(r.outputs.promoted)).toEqual([]);
    expect(await digestAt(prod.host, 'bare/app', sig.tag)).toBe(sig.digest);
    expect(await digestAt(prod.host, 'bare/app', childSig.tag)).toBe(childSig.digest);
    expect(r.summary).toContain(`| ${prodProxy.host}/bare/app:1.0 | ${att.tag} | ${att.digest} | written |`);
    // run again: already there, nothing written
    const again = await promote({ source: source(), destinations: `${prodProxy.host}/bare/app:1.0` });
    expect(again.summary).toContain(`| ${prodProxy.host}/bare/app:1.0 | ${sig.tag} | ${sig.digest} | already there |`);
  });

  it('an image without signature tags says so in the summary', async () => {
    const plain = await pushTestImage(dev.host, 'team/plain', 'rc', { layerSizes: [5_000] });
    const r = await promote({ source: `${devProxy.host}/team/plain@${plain.digest}`, destinations: `${prodProxy.host}/plain/app:1.0` });
    expect(r.exitCode).toBe(0);
    expect(r.summary).toContain('Signature tags (cosign `sha256-<hex>.sig` / `.att` / `.sbom`): none at the source.');
  });

  it('a destination that cannot be asked about a signature tag gets a warning, not a claim of success', async () => {
    const deny = await startFaultProxy(prod.url);
    stops.push(deny.stop);
    deny.addRule({ method: 'HEAD', path: new RegExp(`/manifests/${hex(signed.digest)}\\.sig$`), times: 10, fault: { kind: 'status', status: 403 } });
    const r = await promote({ source: source(), destinations: `${deny.host}/denied/app:1.0` });
    expect(r.exitCode).toBe(0);
    expect(await digestAt(prod.host, 'denied/app', '1.0')).toBe(signed.digest);
    expect(r.log).toMatch(new RegExp(`::warning::Signature tag ${sig.tag} could not be checked at ${deny.host}/denied/app:${sig.tag}: .*403`));
    expect(r.summary).toContain(`| ${deny.host}/denied/app:1.0 | ${sig.tag} | ${sig.digest} | not checked |`);
    expect(await digestAt(prod.host, 'denied/app', att.tag)).toBe(att.digest); // the others still travel
  });

  it('a source that cannot be asked about a signature tag gets a warning and a summary row, not silence', async () => {
    const deny = await startFaultProxy(dev.url);
    stops.push(deny.stop);
    deny.addRule({ method: 'HEAD', path: new RegExp(`/manifests/${hex(signed.digest)}\\.att$`), times: 10, fault: { kind: 'status', status: 403 } });
    const r = await promote({ source: `${deny.host}/team/signed@${signed.digest}`, destinations: `${prodProxy.host}/half-signed/app:1.0` });
    expect(r.exitCode).toBe(0);
    expect(r.log).toMatch(new RegExp(`::warning::Could not check the source for signature tag ${att.tag} \\(.*403`));
    expect(r.summary).toMatch(new RegExp(`\\| \\(source\\) \\| ${att.tag} \\|  \\| not checked \\| the source registry could not be asked: .*403`));
    expect(await digestAt(prod.host, 'half-signed/app', sig.tag)).toBe(sig.digest);
    expect(await digestAt(prod.host, 'half-signed/app', att.tag)).toBeNull();
  });

  it('a destination signature tag lacking the source signatures is not overwritten: exit 1 naming both digests', async () => {
    await promote({ source: source(), destinations: `${prodProxy.host}/other/app:1.0`, referrers: 'false' });
    const theirs = await attachCosignSignature(prod.host, 'other/app', signed.digest);
    const r = await promote({ source: source(), destinations: `${prodProxy.host}/other/app:1.0` });
    expectCleanFailure(r, sig.tag, theirs.digest, sig.digest, 'not overwritten');
    expect(await digestAt(prod.host, 'other/app', sig.tag)).toBe(theirs.digest);
  });

  it('a destination signature tag holding the source signatures and more (cosign appended) is left as is', async () => {
    await promote({ source: source(), destinations: `${prodProxy.host}/more/app:1.0` });
    const more = await attachCosignSignature(prod.host, 'more/app', signed.digest, { appendTo: sig.bytes });
    const r = await promote({ source: source(), destinations: `${prodProxy.host}/more/app:1.0` });
    expect(r.exitCode).toBe(0);
    expect(await digestAt(prod.host, 'more/app', sig.tag)).toBe(more.digest);
    expect(r.summary).toContain(
      `| ${sig.tag} | ${sig.digest} | already there | the destination's ${more.digest} holds every source signature layer and more |`,
    );
  });
});

describe('cosign signatures are told apart by their signature, not only their payload', () => {
  it('a destination tag whose layer has the same payload but lacks a signature the source added (key rotation) is not "already there"', async () => {
    // cosign's payload is the same for every signature of one image: only the layer's annotations differ.
    const image = await pushTestImage(dev.host, 'team/rotated', 'rc', { layerSizes: [2_000] });
    const first = await attachCosignSignature(dev.host, 'team/rotated', image.digest, { cosignPayload: true });
    const src = `${devProxy.host}/team/rotated@${image.digest}`;
    const once = await promote({ source: src, destinations: `${prodProxy.host}/rotated/app:1.0` });
    expect(once.exitCode).toBe(0);
    expect(await digestAt(prod.host, 'rotated/app', first.tag)).toBe(first.digest);
    const both = await attachCosignSignature(dev.host, 'team/rotated', image.digest, { cosignPayload: true, appendTo: first.bytes });
    expect(both.layers[0]).toBe(both.layers[1]);
    const r = await promote({ source: src, destinations: `${prodProxy.host}/rotated/app:1.0` });
    expect(r.summary).not.toContain('already there');
    expectCleanFailure(r, first.tag, first.digest, both.digest, 'not overwritten');
    expect(await digestAt(prod.host, 'rotated/app', first.tag)).toBe(first.digest);
  });
});

describe('a tag write is read back (issue 9 §4)', () => {
  let x: PushedImage;
  let y: PushedImage;
  beforeAll(async () => {
    x = await pushTestImage(dev.host, 'team/race', 'x', { layerSizes: [3_000] });
    y = await pushTestImage(dev.host, 'team/race', 'y', { layerSizes: [3_000] });
  });

  it('two promotions of different digests to one immutable tag through a proxy adding 300 ms per request: exactly one succeeds, the other names both digests', async () => {
    const slow = await startFaultProxy(prod.url);
    stops.push(slow.stop);
    slow.addRule({ path: /./, times: Number.POSITIVE_INFINITY, fault: { kind: 'delay', ms: 300 } });
    const to = `${slow.host}/race/app:1.0`;
    const runs = await Promise.all(
      [x, y].map((img) => promote({ source: `${dev.host}/team/race@${img.digest}`, destinations: to, 'immutable-tags': 'true', referrers: 'false' })),
    );
    expect(runs.map((r) => r.exitCode).sort()).toEqual([0, 1]);
    const winner = runs[0].exitCode === 0 ? x : y;
    const loser = winner === x ? y : x;
    const failed = runs.find((r) => r.exitCode === 1)!;
    expectCleanFailure(failed, x.digest, y.digest);
    expect(await digestAt(prod.host, 'race/app', '1.0')).toBe(winner.digest);
    expect(JSON.parse(failed.outputs.promoted)).toEqual([]);
    expect(failed.summary).toContain(loser.digest);
  });

  it('not immutable: a run whose tag the other overwrote before its read-back fails, naming both digests', async () => {
    const hold = await startFaultProxy(prod.url);
    stops.push(hold.stop);
    let other: StepResult | undefined;
    // run A's second HEAD of the tag (its read-back) waits while run B moves the tag to y
    hold.addRule({
      method: 'HEAD',
      path: /\/manifests\/2\.0$/,
      skip: 1,
      times: 1,
      fault: {
        kind: 'hold',
        until: async () => (other = await promote({ source: `${dev.host}/team/race@${y.digest}`, destinations: `${prod.host}/race/app:2.0` })),
      },
    });
    const r = await promote({ source: `${dev.host}/team/race@${x.digest}`, destinations: `${hold.host}/race/app:2.0` });
    expect(other?.exitCode).toBe(0);
    expectCleanFailure(r, `after writing ${x.digest}, the tag holds ${y.digest}`);
    expect(await digestAt(prod.host, 'race/app', '2.0')).toBe(y.digest);
    expect(JSON.parse(r.outputs.promoted)).toEqual([]);
    expect(r.summary).toContain('Promotion failed');
  });
});
