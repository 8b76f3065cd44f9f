/**
 * The OCI distribution client behind RegistryClient: manifests (verified against their
 * digest), streamed blobs, cross-repository mounts, uploads that restart cleanly, referrers
 * and tags. Credentials come from Docker's config.json (or ECR); see auth.ts, http-session.ts.
 */
import { pipeline, type Readable } from 'node:stream';
import { ServiceError } from '../errors';
import { exec as realExec, type Exec } from '../exec';
import { createLimit, type Limit } from '../pool';
import type { Reporter } from '../reporter';
import type { RetryPolicy } from '../retry';
import { RegistryAuth } from './auth';
import { repositoryScope } from './challenge';
import { algorithmOf, digestOf, isDigest, VerifyingStream, warmUpHashing } from './digest';
import { credentialsFromConfig, dockerConfigDir, loadDockerConfig, type DockerConfig, type RegistryCredentials } from './docker-config';
import { isEcrHost, type EcrCredentialProvider } from './ecr-host';
import { maskOnce } from './mask-once';
import { RegistryHttp } from './http-session';
import { createTransport, header, readBody, drain, type HttpResponse, type Transport } from './transport';
import { DEFAULT_UPLOAD, uploadBlob, type UploadOptions } from './upload';
import { MANIFEST_ACCEPT, MEDIA_TYPES, type Descriptor, type ManifestBlob, type RegistryClient, type RegistryStats, type RepositoryRef } from './types';

export interface RegistryClientOptions {
  /** setSecret for every credential/token at once (each value once); request lines go to debug. */
  reporter: Reporter;
  /** Hosts allowed over plain http; loopback (127.0.0.0/8, localhost, [::1]) always is. */
  insecureRegistries?: string[];
  /** Where config.json lives; default $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  /** Credentials for ECR hosts (GetAuthorizationToken); without it, config.json is used. */
  ecr?: EcrCredentialProvider;
  retry?: RetryPolicy;
  /** Blob uploads in flight at once (further putBlob calls wait). Default 4. */
  concurrency?: number;
  /** Runs docker-credential-* helpers; default the toolkit exec. */
  exec?: Exec;
  /** Environment for DOCKER_CONFIG/HOME and credential helpers; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Upload tuning (monolithic limit, chunk size); tests use small values. */
  upload?: Partial<UploadOptions>;
  transport?: Transport;
}

/** A manifest the registry does not hold: callers may catch it to tell "absent" from "broken". */
export class ManifestNotFoundError extends ServiceError {
  constructor(registry: string, repository: string, reference: string) {
    super(`registry ${registry}`, `has no manifest ${repository}${isDigest(reference) ? '@' : ':'}${reference}`, 'Check the repository name, tag or digest');
    this.name = 'ManifestNotFoundError';
  }
}

/** Refuse manifests larger than this (OCI recommends registries cap at 4 MiB). */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

export function createRegistryClient(opts: RegistryClientOptions): HttpRegistryClient {
  return new HttpRegistryClient(opts);
}

export class HttpRegistryClient implements RegistryClient {
  readonly stats: RegistryStats = { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 };
  private readonly http: RegistryHttp;
  private readonly transport: Transport;
  private readonly upload: UploadOptions;
  private readonly pendingSessions = new Map<string, string>();
  /** Blob uploads in flight at once (`concurrency`). */
  private readonly uploads: Limit;
  private config: Promise<DockerConfig> | undefined;
  private readonly reporter: Reporter;

  constructor(private readonly opts: RegistryClientOptions) {
    this.reporter = maskOnce(opts.reporter);
    this.transport = opts.transport ?? createTransport();
    this.upload = { ...DEFAULT_UPLOAD, ...opts.upload };
    this.uploads = createLimit(opts.concurrency ?? 4);
    const auth = new RegistryAuth({
      reporter: this.reporter,
      credentials: (registry) => this.credentialsFor(registry),
      fetchToken: (req) => this.fetchToken(req),
      allowHttp: (host) => this.http.allowHttp(host),
    });
    this.http = new RegistryHttp(this.transport, auth, this.stats, this.reporter, opts.insecureRegistries ?? [], opts.retry);
  }

  /** Closes kept-alive connections (call when done so the process can exit promptly). */
  close(): void {
    this.transport.close();
  }

  async headManifest(repo: RepositoryRef, reference: string): Promise<Descriptor | undefined> {
    const res = await this.http.call(this.manifestCall(repo, 'HEAD', reference));
    if (res.status === 404) return drain(res).then(() => undefined);
    if (res.status !== 200) throw await this.http.unexpected(res, repo.registry, `HEAD manifest ${repo.repository}:${reference}`);
    await drain(res);
    const digest = header(res, 'docker-content-digest');
    const mediaType = header(res, 'content-type')?.split(';')[0]?.trim();
    const size = Number(header(res, 'content-length'));
    if (isDigest(reference) && digest && digest !== reference) {
      throw new ServiceError(`registry ${repo.registry}`, `answered digest ${digest} for a HEAD of ${reference}`);
    }
    if (!digest && !isDigest(reference)) return (await this.getManifest(repo, reference)).descriptor; // registry without digest headers
    if (!mediaType || !Number.isFinite(size)) return (await this.getManifest(repo, reference)).descriptor;
    return { mediaType, digest: digest ?? reference, size };
  }

  async getManifest(repo: RepositoryRef, reference: string): Promise<ManifestBlob> {
    const call = this.http.call(this.manifestCall(repo, 'GET', reference));
    warmUpHashing(); // the bytes get hashed when they arrive: load the hashing while they travel
    const res = await call;
    if (res.status === 404) {
      await drain(res);
      throw new ManifestNotFoundError(repo.registry, repo.repository, reference);
    }
    if (res.status !== 200) throw await this.http.unexpected(res, repo.registry, `GET manifest ${repo.repository}:${reference}`);
    const bytes = await readBody(res, MANIFEST_LIMIT).catch((e: Error) => {
      throw new ServiceError(`registry ${repo.registry}`, `manifest ${repo.repository}:${reference}: ${e.message}`);
    });
    const claimed = header(res, 'docker-content-digest');
    const expected = isDigest(reference) ? reference : claimed;
    const actual = digestOf(bytes, expected ? algorithmOf(expected) : 'sha256');
    if (expected && actual !== expected) {
      throw new ServiceError(
        `registry ${repo.registry}`,
        `manifest ${repo.repository}:${reference} has digest ${actual}, expected ${expected}`,
        'The registry or something between us corrupted the manifest; nothing was written',
      );
    }
    const mediaType = header(res, 'content-type')?.split(';')[0]?.trim() || mediaTypeInside(bytes) || MEDIA_TYPES.ociManifest;
    const descriptor: Descriptor = { mediaType, digest: actual, size: bytes.length };
    const artifactType = artifactTypeInside(bytes);
    if (artifactType) descriptor.artifactType = artifactType;
    return { descriptor, bytes };
  }

  async putManifest(repo: RepositoryRef, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = digestOf(bytes, isDigest(reference) ? algorithmOf(reference) : 'sha256');
    if (isDigest(reference) && reference !== digest) {
      throw new ServiceError(`registry ${repo.registry}`, `refusing to store bytes with digest ${digest} under ${reference}`);
    }
    const res = await this.http.call({
      registry: repo.registry,
      method: 'PUT',
      path: `/v2/${repo.repository}/manifests/${reference}`,
      scopes: [repositoryScope(repo.repository, ['pull', 'push'])],
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201 && res.status !== 200) throw await this.http.unexpected(res, repo.registry, `PUT manifest ${repo.repository}:${reference}`);
    await drain(res);
    // A registry that does not say what it stored is asked (one extra HEAD, only for such registries).
    const stored = header(res, 'docker-content-digest') ?? (await this.headManifest(repo, reference))?.digest;
    if (stored !== digest) {
      throw new ServiceError(
        `registry ${repo.registry}`,
        `stored manifest ${repo.repository}${isDigest(reference) ? '@' : ':'}${reference} as ${stored ?? 'nothing'}, but its bytes hash to ${digest}`,
      );
    }
    return digest;
  }

  async headBlob(repo: RepositoryRef, digest: string): Promise<number | undefined> {
    const res = await this.http.call(this.blobCall(repo, 'HEAD', digest));
    await drain(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.http.unexpected(res, repo.registry, `HEAD blob ${repo.repository}@${digest}`);
    const size = Number(header(res, 'content-length'));
    return Number.isFinite(size) ? size : undefined;
  }

  async getBlob(repo: RepositoryRef, digest: string): Promise<Readable> {
    const res = await this.http.call(this.blobCall(repo, 'GET', digest));
    if (res.status === 404) {
      await drain(res);
      throw new ServiceError(`registry ${repo.registry}`, `has no blob ${repo.repository}@${digest}`);
    }
    if (res.status !== 200) throw await this.http.unexpected(res, repo.registry, `GET blob ${repo.repository}@${digest}`);
    const length = header(res, 'content-length');
    const verifier = new VerifyingStream(
      digest,
      length !== undefined ? Number(length) : undefined,
      `blob ${repo.repository}@${digest}`,
      (n) => (this.stats.bytesDownloaded += n),
    );
    // Errors on the connection (reset midway) reach whoever reads the returned stream.
    pipeline(res.body, verifier, () => undefined);
    return verifier;
  }

  async mountBlob(repo: RepositoryRef, digest: string, from: RepositoryRef): Promise<boolean> {
    if (from.registry !== repo.registry) return false; // mounts only work inside one registry
    const query = new URLSearchParams({ mount: digest, from: from.repository });
    const res = await this.http.call({
      registry: repo.registry,
      method: 'POST',
      path: `/v2/${repo.repository}/blobs/uploads/?${query.toString()}`,
      scopes: [repositoryScope(repo.repository, ['pull', 'push']), repositoryScope(from.repository, ['pull'])],
    });
    await drain(res);
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload session instead; keep it for the putBlob that follows.
      const location = header(res, 'location');
      if (location) this.pendingSessions.set(sessionKey(repo, digest), this.http.resolve(repo.registry, location).toString());
      return false;
    }
    throw await this.http.unexpected(res, repo.registry, `mounting ${digest} from ${from.repository} into ${repo.repository}`);
  }

  async putBlob(repo: RepositoryRef, digest: string, size: number, open: () => Promise<Readable> | Readable): Promise<void> {
    await this.uploads(() =>
      uploadBlob(this.http, this.stats, repo, digest, size, open, this.upload, () => {
        const key = sessionKey(repo, digest);
        const location = this.pendingSessions.get(key);
        this.pendingSessions.delete(key);
        return location;
      }),
    );
  }

  async referrers(repo: RepositoryRef, digest: string): Promise<{ descriptors: Descriptor[]; via: 'api' | 'tag-schema' }> {
    const res = await this.http.call({
      registry: repo.registry,
      method: 'GET',
      path: `/v2/${repo.repository}/referrers/${digest}`,
      scopes: [repositoryScope(repo.repository, ['pull'])],
      headers: { accept: MEDIA_TYPES.ociIndex },
    });
    const type = header(res, 'content-type') ?? '';
    if (res.status === 200 && type.includes(MEDIA_TYPES.ociIndex)) {
      return { descriptors: manifestsOf(await readBody(res, MANIFEST_LIMIT), repo), via: 'api' };
    }
    if (res.status !== 404 && res.status !== 405 && res.status !== 200) {
      throw await this.http.unexpected(res, repo.registry, `GET referrers of ${repo.repository}@${digest}`);
    }
    await drain(res);
    // No referrers API (distribution 2.8): the OCI 1.1 tag schema `<alg>-<hex>` names an index of referrers.
    const tag = digest.replace(':', '-');
    if (!(await this.headManifest(repo, tag))) return { descriptors: [], via: 'tag-schema' };
    const index = await this.getManifest(repo, tag);
    return { descriptors: manifestsOf(index.bytes, repo), via: 'tag-schema' };
  }

  async listTags(repo: RepositoryRef): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo.repository}/tags/list?n=1000`;
    while (path) {
      const res: HttpResponse = await this.http.call({ registry: repo.registry, method: 'GET', path, scopes: [repositoryScope(repo.repository, ['pull'])] });
      if (res.status === 404) {
        await drain(res);
        return tags;
      }
      if (res.status !== 200) throw await this.http.unexpected(res, repo.registry, `listing tags of ${repo.repository}`);
      const body = JSON.parse((await readBody(res)).toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      path = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(res, 'link') ?? '')?.[1];
    }
    return tags;
  }

  private manifestCall(repo: RepositoryRef, method: 'GET' | 'HEAD', reference: string) {
    return {
      registry: repo.registry,
      method,
      path: `/v2/${repo.repository}/manifests/${reference}`,
      scopes: [repositoryScope(repo.repository, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT },
    };
  }

  private blobCall(repo: RepositoryRef, method: 'GET' | 'HEAD', digest: string) {
    return { registry: repo.registry, method, path: `/v2/${repo.repository}/blobs/${digest}`, scopes: [repositoryScope(repo.repository, ['pull'])] };
  }

  private async credentialsFor(registry: string): Promise<RegistryCredentials | undefined> {
    if (this.opts.ecr && isEcrHost(registry)) return this.opts.ecr.credentials(registry);
    const env = this.opts.env ?? process.env;
    this.config ??= loadDockerConfig(this.opts.dockerConfigDir ?? dockerConfigDir(env));
    return credentialsFromConfig(await this.config, registry, this.opts.exec ?? realExec, this.reporter, env);
  }

  private async fetchToken(req: { method: 'GET' | 'POST'; url: URL; headers: Record<string, string>; body?: Buffer }) {
    const registry = req.url.host;
    return this.http.retrying(registry, async () => {
      const res = await this.http.once({
        registry,
        method: req.method,
        path: req.url.toString(),
        scopes: [],
        headers: req.headers,
        body: req.body,
        noAuth: true,
      });
      return { status: res.status, text: (await readBody(res, 1024 * 1024)).toString('utf8') };
    });
  }
}

function sessionKey(repo: RepositoryRef, digest: string): string {
  return `${repo.registry}/${repo.repository}@${digest}`;
}

function mediaTypeInside(bytes: Buffer): string | undefined {
  try {
    return (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
  } catch {
    return undefined;
  }
}

function artifactTypeInside(bytes: Buffer): string | undefined {
  try {
    const m = JSON.parse(bytes.toString('utf8')) as { artifactType?: string };
    return m.artifactType;
  } catch {
    return undefined;
  }
}

function manifestsOf(bytes: Buffer, repo: RepositoryRef): Descriptor[] {
  try {
    const index = JSON.parse(bytes.toString('utf8')) as { manifests?: Descriptor[] };
    return index.manifests ?? [];
  } catch {
    throw new ServiceError(`registry ${repo.registry}`, `referrers index of ${repo.repository} is not JSON`);
  }
}
