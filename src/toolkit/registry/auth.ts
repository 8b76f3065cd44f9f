/**
 * Registry authentication: answers WWW-Authenticate challenges with Basic credentials or
 * Bearer tokens (realm/service/scope, one cached token per scope set, reused while it
 * covers what a request needs), and says up front what header a request should carry once
 * a registry's scheme is known, so each scope costs at most one token request.
 */
import { ServiceError } from '../errors';
import type { Reporter } from '../reporter';
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
  tokens: CachedToken[];
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
    if (!s) this.registries.set(registry, (s = { tokens: [] }));
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
    const cached = s.tokens.find((t) => t.expiresAt > this.now() && scopesCover(t.scopes, scopes));
    if (cached) return cached.header;
    return this.fetchBearer(registry, s.challenge, scopes);
  }

  /**
   * Answers a 401: remembers the challenge and returns the header to retry with. `sent`
   * tells whether the refused request already carried our credentials: then they are wrong.
   */
  async answer(registry: string, wwwAuthenticate: string | undefined, scopes: readonly string[], sent: boolean): Promise<string> {
    const challenges = parseChallenges(wwwAuthenticate);
    const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!challenge) {
      throw new ServiceError(`registry ${registry}`, `answered 401 with an authentication scheme we do not support (${wwwAuthenticate ?? 'no WWW-Authenticate header'})`);
    }
    const s = this.state(registry);
    if (sent) {
      // A bearer registry may ask for more scope (error="insufficient_scope"); anything else means the login is wrong.
      if (challenge.scheme === 'bearer' && challenge.params.error === 'insufficient_scope' && challenge.params.scope) {
        s.tokens = [];
        return this.fetchBearer(registry, challenge, challenge.params.scope.split(' '));
      }
      throw wrongCredentials(registry);
    }
    s.challenge = challenge;
    s.tokens = [];
    if (challenge.scheme === 'basic') return this.basicHeader(registry);
    return this.fetchBearer(registry, challenge, scopes);
  }

  /** Forgets cached tokens (e.g. a token expired during a long upload). */
  invalidate(registry: string): void {
    this.state(registry).tokens = [];
  }

  private async basicHeader(registry: string): Promise<string> {
    const creds = await this.credentials(registry);
    if (!creds?.username || creds.password === undefined) throw noCredentials(registry);
    const encoded = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    this.deps.reporter.setSecret(encoded);
    return `Basic ${encoded}`;
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
      throw new ServiceError(`registry ${registry}`, `token server ${url.origin} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
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
    this.deps.reporter.setSecret(token);
    const seconds = expiresIn && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_SECONDS;
    const header = `Bearer ${token}`;
    // Renew 10 s early so a token never expires between our check and the registry's.
    this.state(registry).tokens.push({ scopes: [...scopes], header, expiresAt: this.now() + seconds * 1000 - 10_000 });
    return header;
  }
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
