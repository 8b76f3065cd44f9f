/**
 * TEST DOUBLE: an in-memory RegistryClient that behaves like distribution for the verbs
 * promote-artifact uses (a manifest PUT is refused while its blobs or children are missing,
 * digests are checked) and records every call, so unit tests can assert what was sent and
 * in what order. Knobs simulate registries that decline mounts, rewrite manifests, lack the
 * referrers API, or refuse tag overwrites.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Descriptor, ManifestBlob, RegistryClient, RegistryStats, RepositoryRef } from '../../src/toolkit/registry/types';

export interface Call {
  verb: 'headManifest' | 'getManifest' | 'putManifest' | 'headBlob' | 'getBlob' | 'mountBlob' | 'putBlob' | 'referrers' | 'listTags';
  repo: string;
  reference: string;
}

interface Repo {
  blobs: Map<string, Buffer>;
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  tags: Map<string, string>;
}

export interface MemoryRegistryKnobs {
  /** Registries that answer a mount with 202 (no mount). */
  noMount?: Set<string>;
  /** Registries with the OCI 1.1 referrers API; others use the sha256-<hex> tag scheme. */
  referrersApi?: Set<string>;
  /** Registries that store every manifest with an extra space (not byte-exact). */
  rewritesManifests?: Set<string>;
  /** Registries that refuse to overwrite an existing tag (immutable tags). */
  immutableTags?: Set<string>;
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const key = (r: RepositoryRef): string => `${r.registry}/${r.repository}`;

export class MemoryRegistryDouble implements RegistryClient {
  readonly stats: RegistryStats = { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 };
  readonly calls: Call[] = [];
  private readonly repos = new Map<string, Repo>();

  constructor(readonly knobs: MemoryRegistryKnobs = {}) {}

  private repo(r: RepositoryRef): Repo {
    let repo = this.repos.get(key(r));
    if (!repo) this.repos.set(key(r), (repo = { blobs: new Map(), manifests: new Map(), tags: new Map() }));
    return repo;
  }
  private record(verb: Call['verb'], r: RepositoryRef, reference: string): void {
    this.stats.requests++;
    this.calls.push({ verb, repo: key(r), reference });
  }
  private resolve(r: RepositoryRef, reference: string): string | undefined {
    const repo = this.repo(r);
    return reference.includes(':') ? (repo.manifests.has(reference) ? reference : undefined) : repo.tags.get(reference);
  }

  // ---- seeding (no calls recorded) ----
  seedBlob(r: RepositoryRef, content: Buffer | string): Descriptor {
    const bytes = Buffer.from(content);
    this.repo(r).blobs.set(sha256(bytes), bytes);
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(bytes), size: bytes.length };
  }
  seedManifest(r: RepositoryRef, json: object, mediaType: string, tag?: string): Descriptor {
    const bytes = Buffer.from(JSON.stringify(json));
    const digest = sha256(bytes);
    this.repo(r).manifests.set(digest, { bytes, mediaType });
    if (tag) this.repo(r).tags.set(tag, digest);
    return { mediaType, digest, size: bytes.length };
  }
  /** Points a tag at a digest as another writer would (not recorded as this client's call). */
  setTag(r: RepositoryRef, tag: string, digest: string): void {
    this.repo(r).tags.set(tag, digest);
  }
  tagsOf(r: RepositoryRef): Map<string, string> {
    return new Map(this.repo(r).tags);
  }
  hasManifest(r: RepositoryRef, digest: string): boolean {
    return this.repo(r).manifests.has(digest);
  }
  hasBlob(r: RepositoryRef, digest: string): boolean {
    return this.repo(r).blobs.has(digest);
  }
  writes(): Call[] {
    return this.calls.filter((c) => c.verb === 'putManifest' || c.verb === 'putBlob' || c.verb === 'mountBlob');
  }

  // ---- RegistryClient ----
  async headManifest(r: RepositoryRef, reference: string): Promise<Descriptor | undefined> {
    this.record('headManifest', r, reference);
    const digest = this.resolve(r, reference);
    if (!digest) return undefined;
    const m = this.repo(r).manifests.get(digest)!;
    return { mediaType: m.mediaType, digest, size: m.bytes.length };
  }
  async getManifest(r: RepositoryRef, reference: string): Promise<ManifestBlob> {
    this.record('getManifest', r, reference);
    const digest = this.resolve(r, reference);
    if (!digest) throw new Error(`double: ${key(r)}:${reference} MANIFEST_UNKNOWN`);
    const m = this.repo(r).manifests.get(digest)!;
    return { descriptor: { mediaType: m.mediaType, digest, size: m.bytes.length }, bytes: m.bytes };
  }
  async putManifest(r: RepositoryRef, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    this.record('putManifest', r, reference);
    const repo = this.repo(r);
    const stored = this.knobs.rewritesManifests?.has(r.registry) ? Buffer.concat([bytes, Buffer.from(' ')]) : bytes;
    const digest = sha256(stored);
    if (reference.includes(':') && reference !== sha256(bytes)) throw new Error(`double: DIGEST_INVALID ${reference}`);
    const json = JSON.parse(bytes.toString()) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
    for (const d of json.manifests ?? []) {
      if (!repo.manifests.has(d.digest) && !reference.startsWith('sha256-')) throw new Error(`double: MANIFEST_UNKNOWN child ${d.digest}`);
    }
    for (const d of [...(json.config ? [json.config] : []), ...(json.layers ?? [])]) {
      if (!repo.blobs.has(d.digest)) throw new Error(`double: MANIFEST_BLOB_UNKNOWN ${d.digest}`);
    }
    if (!reference.includes(':') && this.knobs.immutableTags?.has(r.registry) && repo.tags.has(reference)) {
      throw new Error(`double: tag ${reference} is immutable`);
    }
    repo.manifests.set(digest, { bytes: stored, mediaType });
    if (!reference.includes(':')) repo.tags.set(reference, digest);
    return digest;
  }
  async headBlob(r: RepositoryRef, digest: string): Promise<number | undefined> {
    this.record('headBlob', r, digest);
    return this.repo(r).blobs.get(digest)?.length;
  }
  async getBlob(r: RepositoryRef, digest: string): Promise<Readable> {
    this.record('getBlob', r, digest);
    const b = this.repo(r).blobs.get(digest);
    if (!b) throw new Error(`double: BLOB_UNKNOWN ${digest}`);
    this.stats.bytesDownloaded += b.length;
    return Readable.from([b]);
  }
  async mountBlob(r: RepositoryRef, digest: string, from: RepositoryRef): Promise<boolean> {
    this.record('mountBlob', r, digest);
    const b = this.repo(from).blobs.get(digest);
    if (this.knobs.noMount?.has(r.registry) || from.registry !== r.registry || !b) return false;
    this.repo(r).blobs.set(digest, b);
    return true;
  }
  async putBlob(r: RepositoryRef, digest: string, size: number, open: () => Promise<Readable> | Readable): Promise<void> {
    this.record('putBlob', r, digest);
    const chunks: Buffer[] = [];
    for await (const c of await open()) chunks.push(Buffer.from(c as Buffer));
    const bytes = Buffer.concat(chunks);
    if (sha256(bytes) !== digest || bytes.length !== size) throw new Error(`double: DIGEST_INVALID ${digest}`);
    this.stats.bytesUploaded += bytes.length;
    this.repo(r).blobs.set(digest, bytes);
  }
  async referrers(r: RepositoryRef, digest: string): Promise<{ descriptors: Descriptor[]; via: 'api' | 'tag-schema' }> {
    this.record('referrers', r, digest);
    const repo = this.repo(r);
    if (this.knobs.referrersApi?.has(r.registry)) {
      const descriptors: Descriptor[] = [];
      for (const [d, m] of repo.manifests) {
        const json = JSON.parse(m.bytes.toString()) as { subject?: Descriptor; artifactType?: string };
        if (json.subject?.digest === digest) descriptors.push({ mediaType: m.mediaType, digest: d, size: m.bytes.length, artifactType: json.artifactType });
      }
      return { descriptors, via: 'api' };
    }
    const index = repo.tags.get(digest.replace(':', '-'));
    if (!index) return { descriptors: [], via: 'tag-schema' };
    return { descriptors: (JSON.parse(repo.manifests.get(index)!.bytes.toString()) as { manifests: Descriptor[] }).manifests, via: 'tag-schema' };
  }
  async listTags(r: RepositoryRef): Promise<string[]> {
    this.record('listTags', r, '');
    return [...this.repo(r).tags.keys()];
  }
}
