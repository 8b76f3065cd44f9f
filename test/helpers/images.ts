/**
 * Test images made WITHOUT our registry client, so the client is checked against an
 * independent writer: an OCI image layout is written here in plain Node (random layer
 * bytes of given sizes, config, manifest, optionally a two-platform index) and pushed with
 * `skopeo copy --all --preserve-digests`. Referrers are attached with plain fetch calls.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { testTempDir } from './temp';

const run = promisify(execFile);

export interface BlobInfo {
  digest: string;
  size: number;
  mediaType: string;
}

export interface PushedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  platform?: { architecture: string; os: string };
}

export interface PushedImage {
  /** Digest of what the tag points to (the index for multi-platform images). */
  digest: string;
  mediaType: string;
  manifestBytes: Buffer;
  /** Every blob (configs and layers of all platforms). */
  blobs: BlobInfo[];
  /** Platform manifests, for an index. */
  children: PushedManifest[];
}

export interface TestImageOptions {
  /** Sizes in bytes of the random layers of each platform image. */
  layerSizes: number[];
  /** e.g. ['linux/amd64', 'linux/arm64']: push an OCI index over one image per platform. */
  platforms?: string[];
  /** `user:password` for a registry with Basic auth. */
  credentials?: string;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

class Layout {
  readonly blobs: BlobInfo[] = [];
  constructor(readonly dir: string) {
    mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  }
  put(bytes: Buffer, mediaType: string, isBlob = true): BlobInfo {
    const digest = sha256(bytes);
    writeFileSync(path.join(this.dir, 'blobs', 'sha256', digest.slice(7)), bytes);
    const info = { digest, size: bytes.length, mediaType };
    if (isBlob) this.blobs.push(info);
    return info;
  }
  /** Random bytes written in 1 MiB pieces, so big layers never sit in memory whole. */
  async randomLayer(size: number): Promise<BlobInfo> {
    const tmp = path.join(this.dir, `layer-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    const out = createWriteStream(tmp);
    for (let left = size; left > 0;) {
      const piece = randomBytes(Math.min(left, 1024 * 1024));
      hash.update(piece);
      if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
      left -= piece.length;
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const digest = `sha256:${hash.digest('hex')}`;
    renameSync(tmp, path.join(this.dir, 'blobs', 'sha256', digest.slice(7)));
    const info = { digest, size, mediaType: OCI_LAYER };
    this.blobs.push(info);
    return info;
  }
}

async function writeImage(layout: Layout, layerSizes: number[], platform: { os: string; architecture: string }): Promise<PushedManifest> {
  const layers: BlobInfo[] = [];
  for (const size of layerSizes) layers.push(await layout.randomLayer(size));
  const config = layout.put(
    Buffer.from(
      JSON.stringify({
        ...platform,
        created: new Date().toISOString(),
        config: { Labels: { 'test.nonce': randomBytes(8).toString('hex') } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      }),
    ),
    OCI_CONFIG,
  );
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }));
  const info = layout.put(manifest, OCI_MANIFEST, false);
  return { digest: info.digest, mediaType: OCI_MANIFEST, bytes: manifest, platform };
}

/** Writes a test image into an OCI layout and pushes it to `host/repo:tag` with skopeo. */
export async function pushTestImage(host: string, repo: string, tag: string, opts: TestImageOptions): Promise<PushedImage> {
  const dir = testTempDir('image-');
  try {
    const layout = new Layout(dir);
    let top: PushedManifest;
    const children: PushedManifest[] = [];
    if (opts.platforms?.length) {
      for (const p of opts.platforms) {
        const [os, architecture] = p.split('/');
        children.push(await writeImage(layout, opts.layerSizes, { os, architecture }));
      }
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.bytes.length, platform: c.platform })),
        }),
      );
      const info = layout.put(index, OCI_INDEX, false);
      top = { digest: info.digest, mediaType: OCI_INDEX, bytes: index };
    } else {
      top = await writeImage(layout, opts.layerSizes, { os: 'linux', architecture: 'amd64' });
    }
    writeFileSync(
      path.join(dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.bytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
      }),
    );
    const args = ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', '--quiet'];
    if (opts.credentials) args.push('--dest-creds', opts.credentials);
    args.push(`oci:${dir}:${tag}`, `docker://${host}/${repo}:${tag}`);
    await run('skopeo', args, { maxBuffer: 16 * 1024 * 1024 });
    return { digest: top.digest, mediaType: top.mediaType, manifestBytes: top.bytes, blobs: layout.blobs, children };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain-fetch registry writes for referrers, independent of our client. */
async function rawPut(url: string, auth: string | undefined, body: Buffer, contentType: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const r = await fetch(url, { method: 'PUT', headers, body });
  if (r.status !== 201) throw new Error(`PUT ${url} answered ${r.status}: ${await r.text()}`);
  return r;
}

async function rawBlob(base: string, repo: string, auth: string | undefined, bytes: Buffer): Promise<string> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  if (start.status !== 202) throw new Error(`POST upload answered ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', base);
  const digest = sha256(bytes);
  location.searchParams.set('digest', digest);
  await rawPut(location.toString(), auth, bytes, 'application/octet-stream');
  return digest;
}

/**
 * Attaches a signature-like artifact to `subject` and records it in the `sha256-<hex>` tag
 * schema index (distribution 2.8 has no referrers API). Returns the referrer's descriptor.
 */
export async function attachReferrer(
  host: string,
  repo: string,
  subject: { digest: string; mediaType: string; size: number },
  opts: { artifactType?: string; credentials?: string } = {},
): Promise<{ digest: string; mediaType: string; size: number; artifactType: string }> {
  const base = `http://${host}`;
  const artifactType = opts.artifactType ?? 'application/vnd.dev.cosign.simplesigning.v1+json';
  const empty = Buffer.from('{}');
  const payload = Buffer.from(JSON.stringify({ signed: subject.digest, nonce: randomBytes(8).toString('hex') }));
  await rawBlob(base, repo, opts.credentials, empty);
  const payloadDigest = await rawBlob(base, repo, opts.credentials, payload);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: empty.length },
      layers: [{ mediaType: artifactType, digest: payloadDigest, size: payload.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    }),
  );
  const digest = sha256(manifest);
  await rawPut(`${base}/v2/${repo}/manifests/${digest}`, opts.credentials, manifest, OCI_MANIFEST);
  const descriptor = { mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType };
  // Append to the tag-schema index (creating it when absent).
  const tag = subject.digest.replace(':', '-');
  const headers: Record<string, string> = { accept: OCI_INDEX };
  if (opts.credentials) headers.authorization = `Basic ${Buffer.from(opts.credentials).toString('base64')}`;
  const existing = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { headers });
  const index =
    existing.status === 200
      ? (JSON.parse(await existing.text()) as { manifests: unknown[] })
      : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] as unknown[] };
  index.manifests.push(descriptor);
  await rawPut(`${base}/v2/${repo}/manifests/${tag}`, opts.credentials, Buffer.from(JSON.stringify(index)), OCI_INDEX);
  return descriptor;
}

/**
 * Signs `subjectDigest` the way cosign does by default (no OCI 1.1): an OCI image manifest
 * tagged `sha256-<hex>.<suffix>` beside the image, whose config lists the layers' diff_ids and
 * whose layers are simple-signing payloads (`application/vnd.dev.cosign.simplesigning.v1+json`)
 * carrying the signature in the annotation `dev.cosignproject.cosign/signature`. No `subject`:
 * only the tag name links it to the image. With `appendTo`, the new layer is added after the
 * layers of that existing cosign manifest (as `cosign sign` appends). Built here from bytes,
 * without cosign; pushed with plain fetch calls.
 */
export async function attachCosignSignature(
  host: string,
  repo: string,
  subjectDigest: string,
  opts: { suffix?: 'sig' | 'att' | 'sbom'; credentials?: string; appendTo?: Buffer; cosignPayload?: boolean } = {},
): Promise<{ tag: string; digest: string; bytes: Buffer; layers: string[] }> {
  const base = `http://${host}`;
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': `${host}/${repo}` },
        image: { 'docker-manifest-digest': subjectDigest },
        type: 'cosign container image signature',
      },
      // cosignPayload: cosign's default payload ("optional": null), byte-identical for every signature of one image
      optional: opts.cosignPayload ? null : { nonce: randomBytes(8).toString('hex') },
    }),
  );
  const payloadDigest = await rawBlob(base, repo, opts.credentials, payload);
  const layer = {
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    size: payload.length,
    digest: payloadDigest,
    annotations: { 'dev.cosignproject.cosign/signature': randomBytes(70).toString('base64') },
  };
  const previous = opts.appendTo ? (JSON.parse(opts.appendTo.toString('utf8')) as { layers: (typeof layer)[] }).layers : [];
  const layers = [...previous, layer];
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const configDigest = await rawBlob(base, repo, opts.credentials, config);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: config.length, digest: configDigest },
      layers,
    }),
  );
  const tag = `${subjectDigest.replace(':', '-')}.${opts.suffix ?? 'sig'}`;
  await rawPut(`${base}/v2/${repo}/manifests/${tag}`, opts.credentials, bytes, OCI_MANIFEST);
  return { tag, digest: sha256(bytes), bytes, layers: layers.map((l) => l.digest) };
}
