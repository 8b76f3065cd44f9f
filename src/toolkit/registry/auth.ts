/**
 * Registry authentication: answers WWW-Authenticate challenges with Basic credentials or
 * Bearer tokens (realm/service/scope, one cached token per scope set, reused while it
 * covers what a request needs), and says up front what header a request should carry once
 * a registry's scheme is known, so each scope costs at most one token request: requests
 * that need the same scope at the same time share one token fetch, and each credential is
 * handed to setSecret once.
 */
import { ServiceError } from '../errors';
import type { Reporter } from '../reporter';
import { basicAuthorization, bearerAuthorization, scrubServiceText } from '../secrets';
import { parseChallenges, scopesCover, type Challenge } from './challenge';
import type { RegistryCredentials } from './docker-config';

/** How the auth layer fetches a token: a plain HTTP exchange (counted by the client). */
export type TokenFetch = (req: {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
}) => Promise<{ status: number; text: string }>;

export interface AuthDeps {
  reporter: Reporter;
  /** Credentials for a registry, looked up only when the registry asks for them. */
  credentials: (registry: string) => Promise<RegistryCredentials | undefined>;
  fetchToken: TokenFetch;
  /** Whether plain http is acceptable for this host (loopback / insecure-registries). */
  allowHttp: (host: string) => boolean;
  now?: () => number;
}

interface CachedToken {
  scopes: string[];
  header: string;
  expiresAt: number;
}

interface RegistryState {
  challenge?: Challenge;
  credentials?: Promise<RegistryCredentials | undefined>;
  /** The Basic header, built (and masked) once per registry. */
  basic?: Promise<string>;
  tokens: CachedToken[];
  /** Token fetches under way: a request whose scopes one covers waits for it instead of asking again. */
  fetching: { scopes: string[]; header: Promise<string> }[];
}

const DEFAULT_TOKEN_SECONDS = 60;

export class RegistryAuth {
  private readonly registries = new Map<string, RegistryState>();
  private readonly now: () => number;

  constructor(private readonly deps: AuthDeps) {
    this.now = deps.now ?? Date.now;
  }

  private state(registry: string): RegistryState {
    let s = this.registries.get(registry);
    if (!s) this.registries.set(registry, (s = { tokens: [], fetching: [] }));
    return s;
  }

  private credentials(registry: string): Promise<RegistryCredentials | undefined> {
    const s = this.state(registry);
    s.credentials ??= this.deps.credentials(registry);
    return s.credentials;
  }

  /** The Authorization header to send before any challenge, when the registry's scheme is known. */
  async headerFor(registry: string, scopes: readonly string[]): Promise<string | undefined> {
    const s = this.state(registry);
    if (!s.challenge) return undefined;
    if (s.challenge.scheme === 'basic') return this.basicHeader(registry);
    return this.bearer(registry, s.challenge, scopes);
  }

  /**
   * Answers a 401: remembers the challenge and returns the header to retry with. `sent`
   * tells whether the refused request already carried our credentials: then they are wrong.
   * `refused` is the Authorization the refused request carried, if any: a token refused on
   * first use has expired and is dropped; tokens other requests fetched meanwhile are kept.
   */
  async answer(registry: string, wwwAuthenticate: string | undefined, scopes: readonly string[], sent: boolean, refused?: string): Promise<string> {
    const challenges = parseChallenges(wwwAuthenticate);
    const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!challenge) {
      throw new ServiceError(
        `registry ${registry}`,
        `answered 401 with an authentication scheme we do not support (${wwwAuthenticate ?? 'no WWW-Authenticate header'})`,
      );
    }
    const s = this.state(registry);
    if (sent) {
      // A bearer registry may ask for more scope (error="insufficient_scope"); anything else means the login is wrong.
      if (challenge.scheme === 'bearer' && challenge.params.error === 'insufficient_scope' && challenge.params.scope) {
        this.forget(s, refused);
        return this.bearer(registry, challenge, challenge.params.scope.split(' '));
      }
      throw wrongCredentials(registry);
    }
    s.challenge = challenge;
    this.forget(s, refused);
    if (challenge.scheme === 'basic') return this.basicHeader(registry);
    return this.bearer(registry, challenge, scopes);
  }

  /**
   * Drops a token the registry refused, and every token fetched before it (they will have
   * expired too); tokens fetched since, by requests running alongside, stay.
   */
  private forget(s: RegistryState, refused: string | undefined): void {
    const at = refused === undefined ? -1 : s.tokens.map((t) => t.header).lastIndexOf(refused);
    if (at >= 0) s.tokens = s.tokens.slice(at + 1);
  }

  /** A cached token covering `scopes`, else one being fetched that will, else a new fetch. */
  private bearer(registry: string, challenge: Challenge, scopes: readonly string[]): Promise<string> {
    const s = this.state(registry);
    const cached = s.tokens.find((t) => t.expiresAt > this.now() && scopesCover(t.scopes, scopes));
    if (cached) return Promise.resolve(cached.header);
    const underWay = s.fetching.find((f) => scopesCover(f.scopes, scopes));
    if (underWay) return underWay.header;
    const entry = { scopes: [...scopes], header: this.fetchBearer(registry, challenge, scopes) };
    s.fetching.push(entry);
    const done = () => (s.fetching = s.fetching.filter((f) => f !== entry));
    entry.header.then(done, done);
    return entry.header;
  }

  /** Forgets cached tokens (e.g. a token expired during a long upload). */
  invalidate(registry: string): void {
    this.state(registry).tokens = [];
  }

  private basicHeader(registry: string): Promise<string> {
    const s = this.state(registry);
    s.basic ??= this.credentials(registry).then((creds) => {
      if (!creds?.username || creds.password === undefined) throw noCredentials(registry);
      return basicAuthorization(this.deps.reporter, creds.username, creds.password);
    });
    return s.basic;
  }

  private async fetchBearer(registry: string, challenge: Challenge, scopes: readonly string[]): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new ServiceError(`registry ${registry}`, 'sent a Bearer challenge without a realm');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ServiceError(`registry ${registry}`, `sent a Bearer realm that is not a URL: ${realm}`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.deps.allowHttp(url.host))) {
      throw new ServiceError(
        `registry ${registry}`,
        `wants credentials sent to ${url.origin} over plain http`,
        `Add ${url.host} to insecure-registries if that is really intended`,
      );
    }
    const creds = await this.credentials(registry);
    if (creds?.registryToken) return this.remember(registry, scopes, creds.registryToken, undefined);
    const service = challenge.params.service;
    let answer: { status: number; text: string };
    if (creds?.identityToken) {
      // OAuth2 refresh-token grant, as Docker does with an identity token.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'shipline' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      answer = await this.deps.fetchToken({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
      });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (creds?.username && creds.password !== undefined) headers.authorization = await this.basicHeader(registry);
      answer = await this.deps.fetchToken({ method: 'GET', url, headers });
    }
    if (answer.status === 401 || answer.status === 403) {
      throw creds ? wrongCredentials(registry) : noCredentials(registry);
    }
    if (answer.status !== 200) {
      throw new ServiceError(`registry ${registry}`, `token server ${url.origin} answered ${answer.status}: ${quoteTokenAnswer(answer.text, creds)}`);
    }
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(answer.text) as typeof body;
    } catch {
      throw new ServiceError(`registry ${registry}`, `token server ${url.origin} answered something other than JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new ServiceError(`registry ${registry}`, `token server ${url.origin} answered without a token`);
    return this.remember(registry, scopes, token, body.expires_in);
  }

  private remember(registry: string, scopes: readonly string[], token: string, expiresIn: number | undefined): string {
    // A registrytoken from config.json is the same value for every scope (and masked there already).
    const known = this.state(registry).tokens.some((t) => t.header === `Bearer ${token}`);
    const header = known ? `Bearer ${token}` : bearerAuthorization(this.deps.reporter, token);
    const seconds = expiresIn && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_SECONDS;
    // Renew 10 s early so a token never expires between our check and the registry's.
    this.state(registry).tokens.push({ scopes: [...scopes], header, expiresAt: this.now() + seconds * 1000 - 10_000 });
    return header;
  }
}

/** A token server's error body, credentials removed, at most 200 characters. */
function quoteTokenAnswer(text: string, creds: RegistryCredentials | undefined): string {
  const known = [creds?.password, creds?.identityToken, creds?.registryToken, creds && `${creds.username ?? ''}:${creds.password ?? ''}`];
  return scrubServiceText(
    text,
    known.filter((s): s is string => Boolean(s)),
  )
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

export function wrongCredentials(registry: string): ServiceError {
  return new ServiceError(
    `registry ${registry}`,
    'refused the credentials (401 Unauthorized)',
    `wrong credentials: check the user name and password or token stored for ${registry} (docker login, DOCKER_CONFIG) and that they may access this repository`,
  );
}

function noCredentials(registry: string): ServiceError {
  return new ServiceError(
    `registry ${registry}`,
    'asks for a login and no credentials were found for it',
    `Log in first (docker login ${registry}, or docker/login-action) so config.json holds credentials, or set DOCKER_CONFIG`,
  );
}
