import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../../src/toolkit/errors';
import { exec } from '../../src/toolkit/exec';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { RegistryAuth, type TokenFetch } from '../../src/toolkit/registry/auth';
import { parseChallenges, scopesCover } from '../../src/toolkit/registry/challenge';
import { configKeyHost, credentialsFromConfig, dockerConfigDir, loadDockerConfig, type RegistryCredentials } from '../../src/toolkit/registry/docker-config';
import { describeErrors, isLoopbackHost, RegistryHttp } from '../../src/toolkit/registry/http-session';
import { testTempDir } from '../helpers/temp';

describe('WWW-Authenticate challenges', () => {
  it('parses a Docker Hub style Bearer challenge', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
  });

  it('parses Basic, several challenges in one header, escapes and unquoted values', () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges('Basic realm="a, b", Bearer realm="https://x/token", scope="repository:a:pull,push" ,error=insufficient_scope')).toEqual([
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', scope: 'repository:a:pull,push', error: 'insufficient_scope' } },
    ]);
    expect(parseChallenges('Bearer realm="say \\"hi\\""')[0].params.realm).toBe('say "hi"');
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('Negotiate abc==, Basic realm=r')).toEqual([
      { scheme: 'negotiate', params: { token68: 'abc==' } },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
  });

  it('knows when granted scopes cover a request', () => {
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull,push'])).toBe(false);
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:push', 'repository:b:pull'])).toBe(false);
    expect(scopesCover(['repository:a:pull'], [])).toBe(true);
  });
});

describe('registry details', () => {
  it('allows plain http only for loopback hosts', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['ghcr.io', '10.0.0.1:5000', '127.0.0.1.nip.io', 'localhost.example.com']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('uses https except for loopback and the named insecure registries', () => {
    const reporter = new MemoryReporter();
    const auth = new RegistryAuth({
      reporter,
      credentials: async () => undefined,
      fetchToken: async () => ({ status: 500, text: '' }),
      allowHttp: () => false,
    });
    const transport = { send: () => Promise.reject(new Error('no network in unit tests')), close: () => undefined };
    const http = new RegistryHttp(transport, auth, { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 }, reporter, [
      'build-cache.lan:5000',
      'http://mirror.lan/',
    ]);
    expect(http.baseUrl('ghcr.io').toString()).toBe('https://ghcr.io/');
    expect(http.baseUrl('docker.io').toString()).toBe('https://registry-1.docker.io/');
    expect(http.baseUrl('127.0.0.1:5000').toString()).toBe('http://127.0.0.1:5000/');
    expect(http.baseUrl('localhost:5000').toString()).toBe('http://localhost:5000/');
    expect(http.baseUrl('build-cache.lan:5000').toString()).toBe('http://build-cache.lan:5000/');
    expect(http.baseUrl('build-cache.lan:6000').toString()).toBe('https://build-cache.lan:6000/');
    expect(http.baseUrl('mirror.lan:443').toString()).toBe('http://mirror.lan:443/');
  });

  it('quotes OCI error JSON and excerpts anything else', () => {
    expect(describeErrors(Buffer.from('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'))).toBe(
      ': DENIED: requested access to the resource is denied',
    );
    expect(describeErrors(Buffer.from('<html>\n bad gateway </html>'))).toBe(': <html> bad gateway </html>');
    expect(describeErrors(Buffer.alloc(0))).toBe('');
  });
});

describe('Docker config.json', () => {
  let dir: string;
  const reporter = new MemoryReporter();
  beforeEach(() => {
    dir = testTempDir('cfg-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (config: unknown) => writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  const lookup = async (registry: string, env: NodeJS.ProcessEnv = process.env) =>
    credentialsFromConfig(await loadDockerConfig(dir), registry, exec, reporter, env);

  it('honours DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/cfg', HOME: '/home/u' })).toBe('/cfg');
    expect(dockerConfigDir({ HOME: '/home/u' })).toBe('/home/u/.docker');
  });

  it('normalises auths keys the way docker login writes them', () => {
    expect(configKeyHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(configKeyHost('https://GHCR.io')).toBe('ghcr.io');
    expect(configKeyHost('registry.example.com:5000')).toBe('registry.example.com:5000');
  });

  it('reads base64 auth, username/password and identity tokens, and masks every secret', async () => {
    write({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub:pass').toString('base64') },
        'ghcr.io': { username: 'octo', password: 'ghp_secret' },
        'https://reg.example.com/v1/': { identitytoken: 'id-token-1' },
      },
    });
    expect(await lookup('docker.io')).toEqual({ username: 'hubuser', password: 'hub:pass' });
    expect(await lookup('ghcr.io')).toEqual({ username: 'octo', password: 'ghp_secret' });
    expect(await lookup('reg.example.com')).toEqual({ identityToken: 'id-token-1' });
    expect(await lookup('other.example.com')).toBeUndefined();
    expect(reporter.secrets).toEqual(expect.arrayContaining(['hub:pass', 'ghp_secret', 'id-token-1']));
  });

  it('a missing config is empty, a broken one is a clear error', async () => {
    expect(await lookup('ghcr.io')).toBeUndefined();
    write('{ not json');
    await expect(loadDockerConfig(dir)).rejects.toThrow(/config.json is not valid JSON/);
  });

  it('a broken config.json is reported without quoting its text (it holds passwords)', async () => {
    // V8's JSON.parse message quotes the text around the error: here, the password.
    write('{"auths":{"ghcr.io":{"username":"u","password":hunter2-plain-secret}}}');
    const err = await loadDockerConfig(dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toMatch(/config.json is not valid JSON/);
    expect((err as Error).message).not.toMatch(/hunter2/);
  });

  describe('credential helpers (test double docker-credential-shipline-test)', () => {
    const doubles = path.resolve(__dirname, '../doubles');
    const envWith = (store: object) => {
      const file = path.join(dir, 'store.json');
      writeFileSync(file, JSON.stringify(store));
      return { env: { ...process.env, PATH: `${doubles}:${process.env.PATH ?? ''}`, SHIPLINE_TEST_CREDENTIALS: file }, file };
    };

    it('asks the credHelpers program for its host, with the server URL on stdin', async () => {
      write({ credHelpers: { 'ecr.example.com': 'shipline-test' }, auths: { 'ecr.example.com': {} } });
      const { env, file } = envWith({ 'ecr.example.com': { Username: 'AWS', Secret: 'helper-secret' } });
      expect(await lookup('ecr.example.com', env)).toEqual({ username: 'AWS', password: 'helper-secret' });
      expect(readFileSync(`${file}.calls`, 'utf8')).toBe('ecr.example.com\n');
      expect(reporter.secrets).toContain('helper-secret');
    });

    it('uses credsStore for every host; "<token>" means an identity token; not found means none', async () => {
      write({ credsStore: 'shipline-test' });
      const { env, file } = envWith({ 'https://index.docker.io/v1/': { Username: '<token>', Secret: 'refresh-abc' } });
      expect(await lookup('docker.io', env)).toEqual({ identityToken: 'refresh-abc' });
      expect(await lookup('ghcr.io', env)).toBeUndefined();
      expect(readFileSync(`${file}.calls`, 'utf8')).toBe('https://index.docker.io/v1/\nghcr.io\n');
    });

    it('names a helper that is not installed', async () => {
      write({ credsStore: 'not-installed-anywhere' });
      const err = await lookup('ghcr.io').catch((e: Error) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as Error).message).toContain('docker-credential-not-installed-anywhere');
    });
  });
});

describe('RegistryAuth', () => {
  const BEARER = 'Bearer realm="https://auth.example.com/token",service="reg.example.com"';
  type TokenAnswer = { status: number; text: string };
  function setup(
    creds: RegistryCredentials | undefined,
    answer = (_url: URL): TokenAnswer | Promise<TokenAnswer> => ({ status: 200, text: '{"token":"tok-1","expires_in":300}' }),
  ) {
    const reporter = new MemoryReporter();
    const calls: { method: string; url: URL; headers: Record<string, string>; body?: string }[] = [];
    const fetchToken: TokenFetch = async (req) => {
      calls.push({ method: req.method, url: req.url, headers: req.headers, body: req.body?.toString() });
      return answer(req.url);
    };
    let now = 1_000_000;
    const auth = new RegistryAuth({
      reporter,
      credentials: async () => creds,
      fetchToken,
      allowHttp: (h) => h.startsWith('127.0.0.1'),
      now: () => now,
    });
    return { auth, calls, reporter, advance: (ms: number) => (now += ms) };
  }

  it('fetches a bearer token with service and scopes, Basic-authenticated, and caches it per scope', async () => {
    const { auth, calls, reporter, advance } = setup({ username: 'u', password: 'p' });
    expect(await auth.headerFor('reg.example.com', ['repository:a:pull'])).toBeUndefined();
    expect(await auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false)).toBe('Bearer tok-1');
    expect(calls[0].url.toString()).toBe('https://auth.example.com/token?service=reg.example.com&scope=repository%3Aa%3Apull');
    expect(calls[0].headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(await auth.headerFor('reg.example.com', ['repository:a:pull'])).toBe('Bearer tok-1');
    expect(calls).toHaveLength(1);
    await auth.headerFor('reg.example.com', ['repository:a:pull,push']);
    expect(calls).toHaveLength(2);
    advance(300_000);
    await auth.headerFor('reg.example.com', ['repository:a:pull']);
    expect(calls).toHaveLength(3);
    expect(reporter.secrets).toContain('tok-1');
  });

  it('shares one token fetch between requests that need the same scope at the same time', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    // The token server answers only once released, so every request below arrives while the first fetch is under way.
    const { auth, calls } = setup({ username: 'u', password: 'p' }, async () => {
      await gate;
      return { status: 200, text: '{"token":"tok-1","expires_in":300}' };
    });
    // Two first requests refused at once (challenge not yet known), then two more while the fetch is under way.
    const answers = [
      auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false),
      auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false),
      auth.headerFor('reg.example.com', ['repository:a:pull']),
    ];
    const push = auth.headerFor('reg.example.com', ['repository:a:pull,push']);
    release();
    expect(await Promise.all(answers)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    await push;
    expect(calls.map((c) => c.url.searchParams.getAll('scope'))).toEqual([['repository:a:pull'], ['repository:a:pull,push']]);
    // A refusal of a token already replaced (by a request running alongside) keeps the newer tokens.
    await auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false, 'Bearer some-expired-token');
    expect(calls).toHaveLength(2);
    // A refused token is dropped with every token fetched before it: the next request asks for a new one.
    await auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false, 'Bearer tok-1');
    expect(calls).toHaveLength(3);
    expect(calls[2].url.searchParams.getAll('scope')).toEqual(['repository:a:pull']);
  });

  it('hands each credential and token to setSecret once, however many requests use it', async () => {
    const basic = setup({ username: 'ci', password: 'pw' });
    await basic.auth.answer('r', 'Basic realm="x"', [], false);
    await Promise.all([1, 2, 3].map(() => basic.auth.headerFor('r', ['repository:z:pull'])));
    // each form of the login once: the password, user:password, its base64 and the header
    expect(new Set(basic.reporter.secrets).size).toBe(basic.reporter.secrets.length);
    expect(basic.reporter.secrets).toEqual(expect.arrayContaining(['pw', 'ci:pw', 'Y2k6cHc=', 'Basic Y2k6cHc=']));

    const bearer = setup({ username: 'u', password: 'p' });
    await bearer.auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false);
    await bearer.auth.headerFor('reg.example.com', ['repository:a:pull']);
    await bearer.auth.headerFor('reg.example.com', ['repository:b:pull']);
    expect(bearer.reporter.secrets.filter((v) => v === `Basic ${Buffer.from('u:p').toString('base64')}`)).toHaveLength(1);
    expect(bearer.reporter.secrets.filter((v) => v === 'tok-1')).toHaveLength(1);

    const ready = setup({ registryToken: 'ready-token' });
    await ready.auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false);
    await ready.auth.headerFor('reg.example.com', ['repository:b:pull']);
    expect(ready.reporter.secrets.filter((v) => v.includes('ready-token'))).toEqual(['ready-token', 'Bearer ready-token']);
  });

  it('trades an identity token with the OAuth2 refresh-token grant', async () => {
    const { auth, calls } = setup({ identityToken: 'refresh-1' });
    await auth.answer('reg.example.com', BEARER, ['repository:a:pull', 'repository:b:pull'], false);
    expect(calls[0].method).toBe('POST');
    const form = new URLSearchParams(calls[0].body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      client_id: 'shipline',
      service: 'reg.example.com',
      scope: 'repository:a:pull repository:b:pull',
    });
  });

  it('answers Basic challenges with the stored login and sends it up front afterwards', async () => {
    const { auth, calls } = setup({ username: 'ci', password: 'pw' });
    const expected = `Basic ${Buffer.from('ci:pw').toString('base64')}`;
    expect(await auth.answer('r', 'Basic realm="x"', [], false)).toBe(expected);
    expect(await auth.headerFor('r', ['repository:z:push'])).toBe(expected);
    expect(calls).toHaveLength(0);
  });

  it('a refused login is "wrong credentials"; no login is "no credentials"', async () => {
    const wrong = setup({ username: 'u', password: 'bad' }, () => ({ status: 401, text: '' }));
    await expect(wrong.auth.answer('reg.example.com', BEARER, [], false)).rejects.toThrow(/wrong credentials/);
    const basic = setup({ username: 'u', password: 'bad' });
    await expect(basic.auth.answer('r', 'Basic realm="x"', [], true)).rejects.toThrow(/registry r: refused the credentials.*wrong credentials/);
    const none = setup(undefined);
    await expect(none.auth.answer('r', 'Basic realm="x"', [], false)).rejects.toThrow(/no credentials were found/);
  });

  it('quotes a token server error without the login or refresh token it echoes', async () => {
    const pw = 'Tok3n-server-pw';
    const echo = `upstream 500: Authorization: Basic ${Buffer.from(`u:${pw}`).toString('base64')} user u:${pw} refresh_token=rt-abcdef123`;
    const basic = setup({ username: 'u', password: pw }, () => ({ status: 500, text: echo }));
    const err = (await basic.auth.answer('reg.example.com', BEARER, [], false).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('token server https://auth.example.com answered 500: upstream 500:');
    expect(err.message).not.toMatch(/Tok3n|VG9rM2|dTpUb2t|rt-abcdef/);
    const refresh = setup({ identityToken: 'rt-abcdef123' }, () => ({ status: 500, text: echo }));
    const err2 = (await refresh.auth.answer('reg.example.com', BEARER, [], false).catch((e: Error) => e)) as Error;
    expect(err2.message).not.toContain('rt-abcdef');
  });

  it('asks again with more scope on insufficient_scope', async () => {
    const { auth, calls } = setup({ username: 'u', password: 'p' });
    await auth.answer('reg.example.com', BEARER, ['repository:a:pull'], false);
    await auth.answer('reg.example.com', `${BEARER},scope="repository:a:pull,push",error="insufficient_scope"`, ['repository:a:pull'], true);
    expect(calls[1].url.searchParams.getAll('scope')).toEqual(['repository:a:pull,push']);
  });

  it('never sends credentials to a plain-http realm that is not allowed', async () => {
    const { auth, calls } = setup({ username: 'u', password: 'p' });
    await expect(auth.answer('reg.example.com', 'Bearer realm="http://auth.example.com/token"', [], false)).rejects.toThrow(/plain http.*insecure-registries/);
    expect(calls).toHaveLength(0);
    await auth.answer('127.0.0.1:5000', 'Bearer realm="http://127.0.0.1:5001/token"', [], false);
    expect(calls).toHaveLength(1);
  });

  it('refuses a scheme it does not speak', async () => {
    const { auth } = setup(undefined);
    await expect(auth.answer('r', 'Negotiate', [], false)).rejects.toThrow(/not support/);
  });
});
