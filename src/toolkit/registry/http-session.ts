/**
 * The client's HTTP core: scheme choice (https, plain http only for loopback and named
 * insecure hosts), authentication challenges, counting, and fault handling: 429 honours
 * Retry-After, 5xx and dropped connections are retried with backoff and jitter a bounded
 * number of times, other 4xx become a ServiceError quoting the registry's error JSON.
 */
import type { Readable } from 'node:stream';
import { ServiceError } from '../errors';
import type { Reporter } from '../reporter';
import { DEFAULT_RETRY, parseRetryAfter, RetryableError, withRetry, type RetryPolicy } from '../retry';
import { scrubServiceText } from '../secrets';
import { wrongCredentials, type RegistryAuth } from './auth';
import { DOCKER_HUB } from './reference';
import { drain, header, isNetworkError, readBody, type HttpResponse, type Transport } from './transport';
import type { RegistryStats } from './types';

export interface RegistryCall {
  registry: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under the registry (`/v2/...`) or an absolute URL (upload locations). */
  path: string;
  /** Token scopes this call needs (`repository:<name>:pull,push`). */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Buffer;
  /** A token-server request: its headers are final and a 401 is the caller's to read. */
  noAuth?: boolean;
}

const MAX_REDIRECTS = 5;

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

export class RegistryHttp {
  constructor(
    private readonly transport: Transport,
    private readonly auth: RegistryAuth,
    private readonly stats: RegistryStats,
    private readonly reporter: Reporter,
    private readonly insecure: readonly string[],
    readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Loopback always; a named insecure registry matches as `host:port`, or as `host` for any port. */
  allowHttp(host: string): boolean {
    const lower = host.toLowerCase();
    return (
      isLoopbackHost(lower) ||
      this.insecure.some((entry) => {
        const h = entry
          .trim()
          .toLowerCase()
          .replace(/^[a-z]+:\/\//, '')
          .replace(/\/.*$/, '');
        return h === lower || h === lower.replace(/:\d+$/, '');
      })
    );
  }

  baseUrl(registry: string): URL {
    const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
    return new URL(`${this.allowHttp(host) ? 'http' : 'https'}://${host}`);
  }

  resolve(registry: string, pathOrUrl: string): URL {
    return new URL(pathOrUrl, this.baseUrl(registry));
  }

  /**
   * One exchange, with 401 challenges answered (a refused answer means wrong credentials)
   * and redirects of GET/HEAD followed (Authorization only ever goes to the registry host).
   * Retryable trouble (429, 5xx, dropped connection) is thrown as RetryableError.
   */
  async once(call: RegistryCall, body?: Buffer | Readable): Promise<HttpResponse> {
    let url = this.resolve(call.registry, call.path);
    let authorization = call.noAuth ? undefined : await this.auth.headerFor(call.registry, call.scopes);
    let answers = 0;
    // Origins, not hosts: a redirect from https://h to http://h has the same host but would send the login in clear.
    const firstOrigin = url.origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': 'shipline', ...call.headers };
      // A token request carries its Basic login in its own headers: never follow a redirect with it to another origin.
      if (url.origin !== firstOrigin) delete headers.authorization;
      const sameHost = url.origin === this.resolve(call.registry, '/').origin;
      if (authorization && sameHost) headers.authorization = authorization;
      const res = await this.exchange(call, url, headers, body ?? call.body);
      if (res.status === 401 && sameHost && !call.noAuth) {
        await drain(res);
        if (body !== undefined && !Buffer.isBuffer(body)) {
          // A stream can't be replayed: forget the tokens and let the caller restart the upload.
          this.auth.invalidate(call.registry);
          throw new RetryableError('asked for authentication again during an upload');
        }
        // The first 401 may just be an expired cached token; a second one means the login is wrong.
        if (answers >= 3) throw wrongCredentials(call.registry);
        authorization = await this.auth.answer(call.registry, header(res, 'www-authenticate'), call.scopes, answers > 0, authorization);
        answers++;
        continue;
      }
      if (res.status === 429) {
        await drain(res);
        throw new RetryableError('answered 429 Too Many Requests', parseRetryAfter(header(res, 'retry-after')));
      }
      if (res.status >= 500) {
        const text = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
        throw new RetryableError(`answered ${res.status} ${res.statusText}${describeErrors(text)}`);
      }
      if ([301, 302, 303, 307, 308].includes(res.status) && (call.method === 'GET' || call.method === 'HEAD')) {
        const location = header(res, 'location');
        await drain(res);
        if (!location || hop >= MAX_REDIRECTS) throw new ServiceError(`registry ${call.registry}`, `redirected ${call.method} ${url.pathname} without end`);
        url = new URL(location, url);
        continue;
      }
      return res;
    }
  }

  /** `once` with bounded retries; exhausted retries become a ServiceError naming the registry. */
  async call(call: RegistryCall): Promise<HttpResponse> {
    return this.retrying(call.registry, () => this.once(call));
  }

  async retrying<T>(registry: string, attempt: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(attempt, this.retry, (err, waitMs, n) =>
        this.reporter.info(`${registry}: ${err.message}; retry ${n}/${this.retry.attempts - 1} in ${(waitMs / 1000).toFixed(1)} s`),
      );
    } catch (e) {
      if (e instanceof RetryableError) {
        throw new ServiceError(
          `registry ${registry}`,
          `${e.message} (gave up after ${this.retry.attempts} attempts)`,
          /unreachable|refused/.test(e.message) ? `Check that ${registry} is the right host and port and that this runner can reach it` : undefined,
        );
      }
      throw e;
    }
  }

  private async exchange(call: RegistryCall, url: URL, headers: Record<string, string>, body: Buffer | Readable | undefined): Promise<HttpResponse> {
    this.stats.requests++;
    this.reporter.debug(`${call.method} ${url.origin}${url.pathname}`);
    try {
      return await this.transport.send({ method: call.method, url, headers, body });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND') {
        throw new ServiceError(`registry ${call.registry}`, `host ${url.hostname} not found (DNS)`, 'Check the registry name in the image reference');
      }
      if (isNetworkError(e)) {
        const what = code === 'ECONNREFUSED' ? `unreachable at ${url.origin} (connection refused)` : `connection dropped (${code ?? (e as Error).message})`;
        throw new RetryableError(what);
      }
      throw e;
    }
  }

  /** A ServiceError for an unexpected answer, quoting the registry's `errors` JSON. */
  async unexpected(res: HttpResponse, registry: string, what: string): Promise<ServiceError> {
    const text = res.status === 0 || res.body.readableEnded ? Buffer.alloc(0) : await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
    const hint =
      res.status === 403
        ? `The credentials for ${registry} lack permission for this repository`
        : res.status === 404
          ? 'Check the repository name, tag or digest'
          : undefined;
    return new ServiceError(`registry ${registry}`, `${what} answered ${res.status} ${res.statusText}${describeErrors(text)}`, hint);
  }
}

/** `: CODE: message` from an OCI error body, or a short excerpt of whatever else came. */
export function describeErrors(body: Buffer): string {
  if (!body.length) return '';
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (Array.isArray(json.errors) && json.errors.length) {
      return `: ${scrubServiceText(json.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; '))}`;
    }
  } catch {
    /* not JSON */
  }
  return `: ${scrubServiceText(text).replace(/\s+/g, ' ').trim().slice(0, 200)}`;
}
