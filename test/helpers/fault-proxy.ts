/**
 * An HTTP proxy in front of a real registry that injects faults by rule (429 with
 * Retry-After, 500, a connection reset midway through a response or request body, a delay
 * before forwarding, a request held until the test lets it go) and
 * records every request. Optionally it plays a Bearer-token registry (Docker Hub / GHCR
 * style): 401 with a `Bearer realm=.../token` challenge, a token endpoint that checks
 * Basic credentials or a refresh token and grants the scopes asked for, and 401
 * `insufficient_scope` when a token does not cover a request.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string; contentType?: string }
  /** Forward, then cut the connection after this many bytes of the response body. */
  | { kind: 'reset-response'; afterBytes: number }
  /** Cut the connection after this many bytes of the request body (an upload dies midway). */
  | { kind: 'reset-request'; afterBytes: number }
  /** Forward after this many milliseconds (a slow network or registry; use times: Infinity for every request). */
  | { kind: 'delay'; ms: number }
  /** Forward once `until()` settles: the test does something (another writer) while this request waits. */
  | { kind: 'hold'; until: () => Promise<unknown> };

export interface FaultRule {
  method?: string;
  path: RegExp;
  /** How many matching requests get the fault (then the rule is spent). */
  times: number;
  /** Matching requests let through untouched before the fault starts (e.g. 1: the second HEAD of a tag). */
  skip?: number;
  fault: Fault;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status?: number;
  fault?: Fault['kind'];
  authorization?: string;
}

export interface BearerOptions {
  users: Record<string, string>;
  /** Refresh tokens (identity tokens) the token endpoint accepts. */
  refreshTokens?: string[];
  tokenSeconds?: number;
}

export interface FaultProxy {
  host: string;
  url: string;
  requests: RecordedRequest[];
  tokenRequests: { scopes: string[]; grant: string }[];
  addRule(rule: FaultRule): void;
  /** Forgets every token issued so far, as a token server does when they expire. */
  revokeTokens(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(targetUrl: string, opts: { bearer?: BearerOptions } = {}): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const rules: FaultRule[] = [];
  const requests: RecordedRequest[] = [];
  const tokenRequests: FaultProxy['tokenRequests'] = [];
  const tokens = new Map<string, string[]>();
  let self = '';

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: RecordedRequest = { method, path, authorization: req.headers.authorization };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    if (opts.bearer && path.startsWith('/token')) return issueToken(req, res, opts.bearer);
    if (opts.bearer && path.startsWith('/v2/')) {
      const needed = neededScope(method, path);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const granted = token ? tokens.get(token) : undefined;
      if (!granted || (needed && !needed.every((s) => granted.includes(s)))) {
        const scope = needed ? `,scope="${joinScopes(needed)}"` : '';
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="${self}/token",service="shipline-proxy"${scope}${granted ? ',error="insufficient_scope"' : ''}`,
          'content-type': 'application/json',
        });
        req.resume();
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
    }

    let rule: FaultRule | undefined;
    for (const r of rules) {
      if (r.times <= 0 || (r.method && r.method !== method) || !r.path.test(path)) continue;
      if (r.skip && r.skip > 0) {
        r.skip--; // let through untouched
        continue;
      }
      rule = r;
      break;
    }
    if (rule) rule.times--;
    const fault = rule?.fault;
    if (fault) record.fault = fault.kind;
    if (fault?.kind === 'delay' || fault?.kind === 'hold') {
      req.pause();
      const wait = fault.kind === 'delay' ? new Promise((r) => setTimeout(r, fault.ms)) : fault.until();
      void wait.then(
        () => forward(req, res, method, path),
        () => forward(req, res, method, path),
      );
      return;
    }
    forward(req, res, method, path, fault);
  });

  function forward(req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, fault?: Fault): void {
    if (fault?.kind === 'status') {
      req.resume();
      const headers: Record<string, string> = { 'content-type': fault.contentType ?? 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      res.end(fault.body ?? `{"errors":[{"code":"INJECTED","message":"injected ${fault.status}"}]}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization; // the registry behind us is open; auth is played here
    const upstream = http.request({ host: target.hostname, port: target.port, method, path, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (fault?.kind !== 'reset-response') {
        up.pipe(res);
        return;
      }
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= fault.afterBytes) return;
        const part = chunk.subarray(0, fault.afterBytes - sent);
        sent += part.length;
        // Cut only once the partial body is on the wire, so the client sees a body cut short.
        const cut = sent >= fault.afterBytes;
        res.write(part, () => {
          if (cut) res.socket?.destroy();
        });
        if (cut) up.destroy();
      });
      up.on('end', () => res.end());
    });
    upstream.on('error', () => res.socket?.destroy());
    if (fault?.kind === 'reset-request') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen < fault.afterBytes) upstream.write(chunk);
        else {
          upstream.destroy();
          req.socket.destroy();
        }
      });
      req.on('end', () => upstream.end());
    } else {
      req.pipe(upstream);
    }
  }

  function issueToken(req: http.IncomingMessage, res: http.ServerResponse, bearer: BearerOptions): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', self);
      let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
      let grant: string;
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        if (!(bearer.refreshTokens ?? []).includes(form.get('refresh_token') ?? '')) return deny(res);
        grant = 'refresh_token';
      } else if (basic) {
        const [user, ...rest] = Buffer.from(basic, 'base64').toString().split(':');
        if (bearer.users[user] === undefined || bearer.users[user] !== rest.join(':')) return deny(res);
        grant = 'basic';
      } else {
        return deny(res);
      }
      tokenRequests.push({ scopes, grant });
      const token = randomBytes(16).toString('hex');
      tokens.set(token, scopes.flatMap(expand));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: bearer.tokenSeconds ?? 300 }));
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  self = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    url: self,
    requests,
    tokenRequests,
    addRule: (rule) => rules.push(rule),
    revokeTokens: () => tokens.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function deny(res: http.ServerResponse): void {
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end('{"details":"incorrect username or password"}');
}

/** `repository:a/b:pull,push` -> [`repository:a/b:pull`, `repository:a/b:push`]. */
function expand(scope: string): string[] {
  const cut = scope.lastIndexOf(':');
  return scope
    .slice(cut + 1)
    .split(',')
    .map((a) => `${scope.slice(0, cut)}:${a}`);
}

/** What a /v2/<name>/... request needs; the mount's `from` repository needs pull too. */
function neededScope(method: string, path: string): string[] | undefined {
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(path);
  if (!m) return undefined;
  const action = method === 'GET' || method === 'HEAD' ? 'pull' : 'push';
  const needed = [`repository:${m[1]}:pull`];
  if (action === 'push') needed.push(`repository:${m[1]}:push`);
  const from = new URL(path, 'http://x').searchParams.get('from');
  if (from) needed.push(`repository:${from}:pull`);
  return needed;
}

/** [`repository:a:pull`, `repository:a:push`] -> `repository:a:pull,push`. */
function joinScopes(scopes: string[]): string {
  const byResource = new Map<string, string[]>();
  for (const s of scopes) {
    const cut = s.lastIndexOf(':');
    byResource.set(s.slice(0, cut), [...(byResource.get(s.slice(0, cut)) ?? []), s.slice(cut + 1)]);
  }
  return [...byResource].map(([r, a]) => `${r}:${a.join(',')}`).join(' ');
}
