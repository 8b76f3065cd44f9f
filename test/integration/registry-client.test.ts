/**
 * The registry client against real docker-registry instances (distribution 2.8) on
 * loopback, with test images pushed by skopeo (an independent writer) and checked by
 * plain fetch (an independent reader). Faults and Bearer auth come from a proxy in front.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { writeFileSync, readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ServiceError } from '../../src/toolkit/errors';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { createRegistryClient, ManifestNotFoundError, type RegistryClientOptions } from '../../src/toolkit/registry/client';
import { MEDIA_TYPES, type RepositoryRef } from '../../src/toolkit/registry/types';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry';
import { attachReferrer, pushTestImage, type PushedImage } from '../helpers/images';
import { basicAuthEntry, startBasicAuthRegistry, writeDockerConfig } from '../helpers/htpasswd';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { testTempDir } from '../helpers/temp';

const FAST_RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 };
const SMALL_UPLOADS = { monolithicMaxBytes: 64 * 1024, chunkBytes: 100 * 1024 };
const NO_CONFIG = testTempDir('no-docker-config-');

let regA: TestRegistry;
let regB: TestRegistry;
let image: PushedImage;
const cleanups: (() => unknown)[] = [];

function client(opts: Partial<RegistryClientOptions> = {}) {
  const reporter = (opts.reporter as MemoryReporter | undefined) ?? new MemoryReporter();
  const c = createRegistryClient({ dockerConfigDir: NO_CONFIG, retry: FAST_RETRY, upload: SMALL_UPLOADS, ...opts, reporter });
  cleanups.push(() => c.close());
  return { c, reporter };
}

const repoOf = (host: string, repository: string): RepositoryRef => ({ registry: host, repository });

/** What an independent reader (plain fetch) sees for a manifest. */
async function fetchManifestDigest(host: string, repository: string, ref: string, auth?: string): Promise<string | null> {
  const headers: Record<string, string> = { accept: [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex].join(', ') };
  if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const r = await fetch(`http://${host}/v2/${repository}/manifests/${ref}`, { headers });
  if (r.status !== 200) return null;
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await r.arrayBuffer()))
    .digest('hex')}`;
}

async function fetchBlobDigest(host: string, repository: string, digest: string): Promise<string | null> {
  const r = await fetch(`http://${host}/v2/${repository}/blobs/${digest}`);
  if (r.status !== 200) return null;
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await r.arrayBuffer()))
    .digest('hex')}`;
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  [regA, regB] = await Promise.all([startRegistry(), startRegistry()]);
  image = await pushTestImage(regA.host, 'team/app', 'v1', { layerSizes: [300_000, 20_000] });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await Promise.all([regA?.stop(), regB?.stop()]);
  rmSync(NO_CONFIG, { recursive: true, force: true });
});

describe('manifests', () => {
  it('heads and gets what skopeo pushed, byte for byte', async () => {
    const { c } = client();
    const repo = repoOf(regA.host, 'team/app');
    const head = await c.headManifest(repo, 'v1');
    expect(head).toEqual({ mediaType: MEDIA_TYPES.ociManifest, digest: image.digest, size: image.manifestBytes.length });
    const got = await c.getManifest(repo, image.digest);
    expect(got.bytes.equals(image.manifestBytes)).toBe(true);
    expect(got.descriptor.digest).toBe(image.digest);
    expect(await c.headManifest(repo, 'no-such-tag')).toBeUndefined();
    expect(await caught(c.getManifest(repo, 'no-such-tag'))).toBeInstanceOf(ManifestNotFoundError);
    expect(c.stats).toMatchObject({ requests: 4, bytesUploaded: 0, bytesDownloaded: 0 });
  });

  it('retags in the same repository with one PUT and no blob traffic', async () => {
    const { c } = client();
    const repo = repoOf(regA.host, 'team/app');
    const digest = await c.putManifest(repo, 'staging', image.manifestBytes, image.mediaType);
    expect(digest).toBe(image.digest);
    expect(c.stats).toEqual({ requests: 1, bytesUploaded: 0, bytesDownloaded: 0 });
    expect(await fetchManifestDigest(regA.host, 'team/app', 'staging')).toBe(image.digest);
    expect(await c.listTags(repo)).toEqual(expect.arrayContaining(['v1', 'staging']));
    expect(await c.listTags(repoOf(regA.host, 'never/pushed'))).toEqual([]);
  });

  it('reads a two-platform index and its children', async () => {
    const multi = await pushTestImage(regA.host, 'team/multi', 'v1', { layerSizes: [1000], platforms: ['linux/amd64', 'linux/arm64'] });
    const { c } = client();
    const repo = repoOf(regA.host, 'team/multi');
    const index = await c.getManifest(repo, 'v1');
    expect(index.descriptor).toMatchObject({ mediaType: MEDIA_TYPES.ociIndex, digest: multi.digest });
    for (const child of multi.children) {
      expect((await c.headManifest(repo, child.digest))?.digest).toBe(child.digest);
    }
  });

  it('quotes the registry error when it refuses a manifest', async () => {
    const { c } = client();
    const broken = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
        layers: [],
      }),
    );
    const err = await caught(c.putManifest(repoOf(regA.host, 'team/app'), 'broken', broken, MEDIA_TYPES.ociManifest));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.message).toContain(`registry ${regA.host}`);
    expect(err.message).toMatch(/400 Bad Request: MANIFEST_BLOB_UNKNOWN/);
  });
});

describe('blobs', () => {
  it('copies an image to another registry by streaming, chunked and monolithic', async () => {
    const { c } = client();
    const src = repoOf(regA.host, 'team/app');
    const dst = repoOf(regB.host, 'prod/app');
    const opened: string[] = [];
    await Promise.all(
      image.blobs.map((b) =>
        c.putBlob(dst, b.digest, b.size, () => {
          opened.push(b.digest);
          return c.getBlob(src, b.digest);
        }),
      ),
    );
    expect(await c.putManifest(dst, 'v1', image.manifestBytes, image.mediaType)).toBe(image.digest);
    const total = image.blobs.reduce((n, b) => n + b.size, 0);
    expect(c.stats.bytesUploaded).toBe(total);
    expect(c.stats.bytesDownloaded).toBe(total);
    expect(opened.sort()).toEqual(image.blobs.map((b) => b.digest).sort());
    for (const b of image.blobs) expect(await fetchBlobDigest(regB.host, 'prod/app', b.digest)).toBe(b.digest);
    expect(await fetchManifestDigest(regB.host, 'prod/app', 'v1')).toBe(image.digest);
    expect(await c.headBlob(dst, image.blobs[0].digest)).toBe(image.blobs[0].size);
    expect(await c.headBlob(dst, `sha256:${'0'.repeat(64)}`)).toBeUndefined();
  });

  it('mounts across repositories without moving bytes, and falls back when the source lacks the blob', async () => {
    const { c } = client();
    const src = repoOf(regA.host, 'team/app');
    const dst = repoOf(regA.host, 'team/mounted');
    const layer = image.blobs[0];
    expect(await c.mountBlob(dst, layer.digest, src)).toBe(true);
    expect(c.stats).toMatchObject({ requests: 1, bytesUploaded: 0 });
    expect(await fetchBlobDigest(regA.host, 'team/mounted', layer.digest)).toBe(layer.digest);

    // team/empty has no such blob: the registry answers 202 and opens a session putBlob then uses.
    const other = image.blobs[1];
    expect(await c.mountBlob(dst, other.digest, repoOf(regA.host, 'team/empty'))).toBe(false);
    const before = c.stats.requests;
    await c.putBlob(dst, other.digest, other.size, () => c.getBlob(src, other.digest));
    expect(c.stats.requests - before).toBe(2); // GET from the source + one PUT, no second POST
    expect(await fetchBlobDigest(regA.host, 'team/mounted', other.digest)).toBe(other.digest);
    expect(await c.mountBlob(dst, layer.digest, repoOf(regB.host, 'x'))).toBe(false); // other registry: no request
  });

  it('refuses a source stream whose size is not the declared one', async () => {
    const { c } = client();
    const bytes = Buffer.from('twelve bytes');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const err = await caught(c.putBlob(repoOf(regA.host, 'team/short'), digest, 20, () => Readable.from([bytes])));
    expect(err.message).toContain('ended 8 bytes short');
  });
});

describe('referrers', () => {
  it('finds a signature through the sha256-<hex> tag schema when there is no referrers API', async () => {
    const signed = await pushTestImage(regA.host, 'team/signed', 'v1', { layerSizes: [500] });
    const subject = { digest: signed.digest, mediaType: signed.mediaType, size: signed.manifestBytes.length };
    const sig = await attachReferrer(regA.host, 'team/signed', subject);
    const { c } = client();
    const repo = repoOf(regA.host, 'team/signed');
    expect(await c.referrers(repo, signed.digest)).toEqual({ via: 'tag-schema', descriptors: [sig] });
    expect(await c.referrers(repo, image.digest)).toEqual({ via: 'tag-schema', descriptors: [] });
  });

  it('uses the OCI 1.1 referrers API where the registry answers it', async () => {
    const proxy = await startFaultProxy(regA.url);
    cleanups.push(() => proxy.stop());
    const sbom = { mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${'5'.repeat(64)}`, size: 321, artifactType: 'application/spdx+json' };
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [sbom] });
    proxy.addRule({ method: 'GET', path: /\/referrers\//, times: 1, fault: { kind: 'status', status: 200, body, contentType: MEDIA_TYPES.ociIndex } });
    const { c } = client();
    expect(await c.referrers(repoOf(proxy.host, 'team/app'), image.digest)).toEqual({ via: 'api', descriptors: [sbom] });
    expect(proxy.requests.map((r) => r.path)).toEqual([`/v2/team/app/referrers/${image.digest}`]);
  });
});

describe('Basic auth from config.json', () => {
  let reg: TestRegistry;
  const PASSWORD = 's3cret-Pa55word';
  beforeAll(async () => {
    reg = await startBasicAuthRegistry({ ci: PASSWORD });
    await pushTestImage(reg.host, 'private/app', 'v1', { layerSizes: [2000], credentials: `ci:${PASSWORD}` });
  });
  afterAll(async () => reg?.stop());

  it('logs in with the right password and never prints it', async () => {
    const cfg = writeDockerConfig({ auths: { [reg.host]: basicAuthEntry('ci', PASSWORD) } });
    cleanups.push(cfg.remove);
    const { c, reporter } = client({ dockerConfigDir: cfg.dir, reporter: new MemoryReporter() });
    const repo = repoOf(reg.host, 'private/app');
    const head = await c.headManifest(repo, 'v1');
    const got = await c.getManifest(repo, 'v1');
    expect(head?.digest).toBe(got.descriptor.digest);
    expect(await c.putManifest(repo, 'v2', got.bytes, got.descriptor.mediaType)).toBe(got.descriptor.digest);
    expect(await fetchManifestDigest(reg.host, 'private/app', 'v2', `ci:${PASSWORD}`)).toBe(got.descriptor.digest);
    expect(reporter.secrets).toContain(PASSWORD);
    expect(reporter.log).not.toContain(PASSWORD);
    expect(reporter.log).not.toContain(Buffer.from(`ci:${PASSWORD}`).toString('base64'));
  });

  it('names the registry and wrong credentials when the password is wrong', async () => {
    const cfg = writeDockerConfig({ auths: { [`http://${reg.host}/v1/`]: { username: 'ci', password: 'not-it' } } });
    cleanups.push(cfg.remove);
    const { c, reporter } = client({ dockerConfigDir: cfg.dir });
    const err = await caught(c.headManifest(repoOf(reg.host, 'private/app'), 'v1'));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.message).toContain(`registry ${reg.host}`);
    expect(err.message).toContain('wrong credentials');
    expect(reporter.log).not.toContain('not-it');
  });

  it('says that no credentials were found when config.json has none for the host', async () => {
    const { c } = client();
    const err = await caught(c.headManifest(repoOf(reg.host, 'private/app'), 'v1'));
    expect(err.message).toContain('no credentials were found');
  });

  it('gets credentials from a docker-credential helper (double) named in credHelpers', async () => {
    const store = testTempDir('cred-store-');
    cleanups.push(() => rmSync(store, { recursive: true, force: true }));
    const storeFile = path.join(store, 'creds.json');
    writeFileSync(storeFile, JSON.stringify({ [reg.host]: { Username: 'ci', Secret: PASSWORD } }));
    const cfg = writeDockerConfig({ credHelpers: { [reg.host]: 'shipline-test' } });
    cleanups.push(cfg.remove);
    const env = {
      ...process.env,
      PATH: `${path.resolve(__dirname, '../doubles')}:${process.env.PATH ?? ''}`,
      SHIPLINE_TEST_CREDENTIALS: storeFile,
    };
    const { c, reporter } = client({ dockerConfigDir: cfg.dir, env });
    expect(await c.headManifest(repoOf(reg.host, 'private/app'), 'v1')).toBeDefined();
    expect(readFileSync(`${storeFile}.calls`, 'utf8').trim()).toBe(reg.host);
    expect(reporter.secrets).toContain(PASSWORD);
  });
});

describe('Bearer tokens (token-server proxy in front of a registry)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(regA.url, { bearer: { users: { robot: 'tok-pass' }, refreshTokens: ['refresh-123'] } });
  });
  afterAll(async () => proxy?.stop());

  it('asks once per scope, reuses the token, and asks pull on the source for a mount', async () => {
    const cfg = writeDockerConfig({ auths: { [proxy.host]: basicAuthEntry('robot', 'tok-pass') } });
    cleanups.push(cfg.remove);
    const { c, reporter } = client({ dockerConfigDir: cfg.dir });
    const app = repoOf(proxy.host, 'team/app');
    expect((await c.headManifest(app, 'v1'))?.digest).toBe(image.digest);
    expect((await c.getManifest(app, 'v1')).descriptor.digest).toBe(image.digest);
    expect(await c.mountBlob(repoOf(proxy.host, 'team/bearer-mount'), image.blobs[0].digest, app)).toBe(true);
    expect(proxy.tokenRequests).toEqual([
      { grant: 'basic', scopes: ['repository:team/app:pull'] },
      { grant: 'basic', scopes: ['repository:team/bearer-mount:pull,push', 'repository:team/app:pull'] },
    ]);
    // 1 challenge + 1 token + 3 calls + 1 token for the mount
    expect(c.stats.requests).toBe(6);
    for (const t of reporter.secrets) expect(reporter.log).not.toContain(t);
    expect(reporter.log).not.toContain('tok-pass');
  });

  it('shares one token per scope between requests sent at once, and masks each secret once', async () => {
    const cfg = writeDockerConfig({ auths: { [proxy.host]: basicAuthEntry('robot', 'tok-pass') } });
    cleanups.push(cfg.remove);
    const { c, reporter } = client({ dockerConfigDir: cfg.dir });
    proxy.tokenRequests.length = 0;
    const app = repoOf(proxy.host, 'team/app');
    const target = repoOf(proxy.host, 'team/concurrent-mount');
    // The first requests all meet the challenge at once; then the mounts all need the same new scope at once.
    expect(await Promise.all(image.blobs.map((b) => c.headBlob(app, b.digest)))).toEqual(image.blobs.map((b) => b.size));
    expect(await Promise.all(image.blobs.map((b) => c.mountBlob(target, b.digest, app)))).toEqual(image.blobs.map(() => true));
    expect(proxy.tokenRequests).toEqual([
      { grant: 'basic', scopes: ['repository:team/app:pull'] },
      { grant: 'basic', scopes: ['repository:team/concurrent-mount:pull,push', 'repository:team/app:pull'] },
    ]);
    expect(reporter.secrets).toEqual([...new Set(reporter.secrets)]);
    expect(reporter.secrets).toContain('tok-pass');
  });

  it('asks for a new token when the registry stops accepting a cached one', async () => {
    const cfg = writeDockerConfig({ auths: { [proxy.host]: basicAuthEntry('robot', 'tok-pass') } });
    cleanups.push(cfg.remove);
    const { c } = client({ dockerConfigDir: cfg.dir });
    const app = repoOf(proxy.host, 'team/app');
    expect((await c.headManifest(app, 'v1'))?.digest).toBe(image.digest);
    proxy.tokenRequests.length = 0;
    proxy.revokeTokens(); // the token expired early on the server's side
    expect((await c.headManifest(app, 'v1'))?.digest).toBe(image.digest);
    expect(proxy.tokenRequests).toEqual([{ grant: 'basic', scopes: ['repository:team/app:pull'] }]);
  });

  it('trades an identity token for access tokens', async () => {
    const cfg = writeDockerConfig({ auths: { [proxy.host]: { auth: Buffer.from('<token>:').toString('base64'), identitytoken: 'refresh-123' } } });
    cleanups.push(cfg.remove);
    const { c, reporter } = client({ dockerConfigDir: cfg.dir });
    proxy.tokenRequests.length = 0;
    expect((await c.headManifest(repoOf(proxy.host, 'team/app'), 'v1'))?.digest).toBe(image.digest);
    expect(proxy.tokenRequests).toEqual([{ grant: 'refresh_token', scopes: ['repository:team/app:pull'] }]);
    expect(reporter.secrets).toContain('refresh-123');
  });

  it('fails with wrong credentials when the token server refuses the login', async () => {
    const cfg = writeDockerConfig({ auths: { [proxy.host]: basicAuthEntry('robot', 'wrong') } });
    cleanups.push(cfg.remove);
    const { c } = client({ dockerConfigDir: cfg.dir });
    const err = await caught(c.headManifest(repoOf(proxy.host, 'team/app'), 'v1'));
    expect(err.message).toContain(`registry ${proxy.host}`);
    expect(err.message).toContain('wrong credentials');
  });
});

describe('faults', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await startFaultProxy(regA.url);
  });
  afterEach(async () => proxy?.stop());

  it('waits as long as Retry-After says after a 429', async () => {
    proxy.addRule({ method: 'HEAD', path: /\/manifests\/v1$/, times: 1, fault: { kind: 'status', status: 429, retryAfter: '1' } });
    const { c, reporter } = client({ retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 1000 } });
    expect((await c.headManifest(repoOf(proxy.host, 'team/app'), 'v1'))?.digest).toBe(image.digest);
    expect(proxy.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(reporter.log).toContain(`${proxy.host}: answered 429 Too Many Requests; retry 1/2 in 1.0 s`);
  });

  it('retries 500s a bounded number of times, then names the registry and its answer', async () => {
    proxy.addRule({ path: /\/manifests\/v1$/, times: 2, fault: { kind: 'status', status: 500 } });
    const { c } = client();
    expect((await c.getManifest(repoOf(proxy.host, 'team/app'), 'v1')).descriptor.digest).toBe(image.digest);
    expect(proxy.requests.map((r) => r.status)).toEqual([500, 500, 200]);

    proxy.addRule({ path: /\/manifests\/v1$/, times: 10, fault: { kind: 'status', status: 503 } });
    const err = await caught(c.getManifest(repoOf(proxy.host, 'team/app'), 'v1'));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.message).toContain(`registry ${proxy.host}`);
    expect(err.message).toContain('503');
    expect(err.message).toContain('INJECTED');
    expect(err.message).toContain('gave up after 3 attempts');
  });

  it('restarts a copy cleanly when the source connection resets midway through a blob', async () => {
    const layer = image.blobs[0];
    proxy.addRule({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}$`), times: 1, fault: { kind: 'reset-response', afterBytes: 50_000 } });
    const { c } = client();
    let opens = 0;
    await c.putBlob(repoOf(regB.host, 'faults/reset-download'), layer.digest, layer.size, () => {
      opens++;
      return c.getBlob(repoOf(proxy.host, 'team/app'), layer.digest);
    });
    expect(opens).toBe(2);
    expect(proxy.requests.filter((r) => r.method === 'GET').map((r) => r.fault ?? 'ok')).toEqual(['reset-response', 'ok']);
    expect(c.stats.bytesDownloaded).toBeGreaterThan(layer.size); // the cut-off part, then the whole blob
    expect(await fetchBlobDigest(regB.host, 'faults/reset-download', layer.digest)).toBe(layer.digest);
  });

  it('restarts an upload from a new session when the connection drops mid-upload', async () => {
    const layer = image.blobs[0];
    proxy.addRule({ method: 'PATCH', path: /\/blobs\/uploads\//, times: 1, fault: { kind: 'reset-request', afterBytes: 30_000 } });
    const { c } = client();
    let opens = 0;
    await c.putBlob(repoOf(proxy.host, 'faults/reset-upload'), layer.digest, layer.size, () => {
      opens++;
      return c.getBlob(repoOf(regA.host, 'team/app'), layer.digest);
    });
    expect(opens).toBe(2);
    // The abandoned session is cancelled (DELETE), then the upload starts over in three chunks.
    expect(proxy.requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'DELETE', 'POST', 'PATCH', 'PATCH', 'PATCH', 'PUT']);
    expect(await fetchBlobDigest(regA.host, 'faults/reset-upload', layer.digest)).toBe(layer.digest);
  });

  it('detects a manifest or blob whose bytes do not match the digest', async () => {
    const tampered = Buffer.from(image.manifestBytes.toString().replace('"schemaVersion":2', '"schemaVersion": 2'));
    proxy.addRule({ method: 'GET', path: /\/manifests\//, times: 1, fault: { kind: 'status', status: 200, body: tampered.toString() } });
    const { c } = client();
    const err = await caught(c.getManifest(repoOf(proxy.host, 'team/app'), image.digest));
    expect(err.message).toContain(`expected ${image.digest}`);

    const layer = image.blobs[1];
    proxy.addRule({ method: 'GET', path: /\/blobs\//, times: 1, fault: { kind: 'status', status: 200, body: 'x'.repeat(layer.size) } });
    const stream = await c.getBlob(repoOf(proxy.host, 'team/app'), layer.digest);
    const readAll = async () => {
      for await (const chunk of stream) void chunk;
    };
    await expect(readAll()).rejects.toThrow(`expected ${layer.digest}`);
  });

  it('names an unreachable registry', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const { c } = client({ retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    const err = await caught(c.headManifest(repoOf(host, 'team/app'), 'v1'));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.message).toContain(`registry ${host}`);
    expect(err.message).toContain('unreachable');
  });
});
