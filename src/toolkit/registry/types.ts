/**
 * The registry client's contract, shared by promote-artifact and build-and-scan. Verbs are
 * small and compose (crane/regclient style): head, get, put, mount, copy. Implementations:
 * `client.ts` (OCI distribution over HTTP with auth and retries); tests may hand in fakes.
 */
import type { Readable } from 'node:stream';

/** A parsed image reference. `registry` is the host[:port] as written (docker.io normalised). */
export interface ImageReference {
  registry: string;
  /** e.g. `library/nginx`, `team/app`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` (or sha512), when the reference pins one. */
  digest?: string;
}

/** An OCI descriptor (also what a HEAD of a manifest tells). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** A manifest or index exactly as the registry holds it: the bytes are what the digest covers. */
export interface ManifestBlob {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** Where a repository lives: the client resolves auth per (registry, repository, action). */
export interface RepositoryRef {
  registry: string;
  repository: string;
}

/** Counters a step reports as outputs and in its summary. */
export interface RegistryStats {
  /** HTTP requests sent to registries (auth token requests included). */
  requests: number;
  /** Blob bytes uploaded (mounts and skipped blobs count 0). */
  bytesUploaded: number;
  bytesDownloaded: number;
}

export interface RegistryClient {
  readonly stats: RegistryStats;
  /** HEAD a manifest by tag or digest; undefined when absent (404). */
  headManifest(repo: RepositoryRef, reference: string): Promise<Descriptor | undefined>;
  /** GET a manifest by tag or digest, verifying the bytes hash to the digest. */
  getManifest(repo: RepositoryRef, reference: string): Promise<ManifestBlob>;
  /** PUT manifest bytes under a tag or digest; returns the digest the registry reports (checked). */
  putManifest(repo: RepositoryRef, reference: string, bytes: Buffer, mediaType: string): Promise<string>;
  /** HEAD a blob; its size when present, undefined when absent. */
  headBlob(repo: RepositoryRef, digest: string): Promise<number | undefined>;
  /** Streams a blob (never held whole in memory). */
  getBlob(repo: RepositoryRef, digest: string): Promise<Readable>;
  /** Cross-repository mount; false when the registry answered 202 (no mount, upload needed). */
  mountBlob(repo: RepositoryRef, digest: string, from: RepositoryRef): Promise<boolean>;
  /** Uploads a blob from a stream factory (called again if an interrupted upload restarts). */
  putBlob(repo: RepositoryRef, digest: string, size: number, open: () => Promise<Readable> | Readable): Promise<void>;
  /** Referrers of a digest: OCI 1.1 referrers API, else the `sha256-<hex>` tag-scheme fallback. */
  referrers(repo: RepositoryRef, digest: string): Promise<{ descriptors: Descriptor[]; via: 'api' | 'tag-schema' }>;
  listTags(repo: RepositoryRef): Promise<string[]>;
}

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.dockerManifest].join(', ');
