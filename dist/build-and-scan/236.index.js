export const id = 236;
export const ids = [236];
export const modules = {

/***/ 236:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  registryDeps: () => (/* binding */ registryDeps)
});

// EXTERNAL MODULE: ./src/toolkit/errors.ts
var errors = __webpack_require__(1895);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./src/toolkit/exec.ts
var exec = __webpack_require__(5237);
// EXTERNAL MODULE: ./src/toolkit/pool.ts
var pool = __webpack_require__(642);
// EXTERNAL MODULE: ./src/toolkit/secrets.ts
var secrets = __webpack_require__(3383);
;// CONCATENATED MODULE: ./src/toolkit/registry/challenge.ts
/** WWW-Authenticate parsing (RFC 7235): `Bearer realm="...",service="...",scope="..."`, `Basic realm="..."`. */
/** Splits a header into its challenges (one header may carry several, comma separated). */
function parseChallenges(header) {
    if (!header)
        return [];
    const challenges = [];
    let i = 0;
    const s = header;
    const skip = (re) => {
        while (i < s.length && re.test(s[i]))
            i++;
    };
    const token = () => {
        const start = i;
        while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i]))
            i++;
        return s.slice(start, i);
    };
    while (i < s.length) {
        skip(/[\s,]/);
        const scheme = token();
        if (!scheme) {
            i++;
            continue;
        }
        const challenge = { scheme: scheme.toLowerCase(), params: {} };
        challenges.push(challenge);
        // Parameters follow until a token that is not followed by '=' (the next scheme).
        for (;;) {
            skip(/[\s,]/);
            const save = i;
            const name = token();
            skip(/\s/);
            if (!name || s[i] !== '=') {
                i = save;
                break;
            }
            const token68 = /^=+\s*(?:,|$)/.exec(s.slice(i));
            if (token68 && Object.keys(challenge.params).length === 0) {
                // `Negotiate abc==`: an opaque token68, not a parameter.
                challenge.params.token68 = name + token68[0].replace(/[\s,]/g, '');
                i += token68[0].length;
                break;
            }
            i++; // '='
            skip(/\s/);
            let value = '';
            if (s[i] === '"') {
                i++;
                while (i < s.length && s[i] !== '"') {
                    if (s[i] === '\\' && i + 1 < s.length)
                        i++;
                    value += s[i++];
                }
                i++; // closing quote
            }
            else {
                value = token();
                while (s[i] === '=')
                    value += s[i++]; // token68 padding
            }
            challenge.params[name.toLowerCase()] = value;
        }
    }
    return challenges;
}
/** `repository:<name>:<actions>` for a token request. */
function repositoryScope(repository, actions) {
    return `repository:${repository}:${actions.join(',')}`;
}
/** Whether the granted scopes include every action the needed scopes ask for. */
function scopesCover(granted, needed) {
    const have = new Set(granted.flatMap(expandScope));
    return needed.flatMap(expandScope).every((s) => have.has(s));
}
function expandScope(scope) {
    const cut = scope.lastIndexOf(':');
    if (cut < 0)
        return [scope];
    const resource = scope.slice(0, cut);
    return scope
        .slice(cut + 1)
        .split(',')
        .map((action) => `${resource}:${action}`);
}

;// CONCATENATED MODULE: ./src/toolkit/registry/auth.ts
/**
 * Registry authentication: answers WWW-Authenticate challenges with Basic credentials or
 * Bearer tokens (realm/service/scope, one cached token per scope set, reused while it
 * covers what a request needs), and says up front what header a request should carry once
 * a registry's scheme is known, so each scope costs at most one token request: requests
 * that need the same scope at the same time share one token fetch, and each credential is
 * handed to setSecret once.
 */



const DEFAULT_TOKEN_SECONDS = 60;
class RegistryAuth {
    deps;
    registries = new Map();
    now;
    constructor(deps) {
        this.deps = deps;
        this.now = deps.now ?? Date.now;
    }
    state(registry) {
        let s = this.registries.get(registry);
        if (!s)
            this.registries.set(registry, (s = { tokens: [], fetching: [] }));
        return s;
    }
    credentials(registry) {
        const s = this.state(registry);
        s.credentials ??= this.deps.credentials(registry);
        return s.credentials;
    }
    /** The Authorization header to send before any challenge, when the registry's scheme is known. */
    async headerFor(registry, scopes) {
        const s = this.state(registry);
        if (!s.challenge)
            return undefined;
        if (s.challenge.scheme === 'basic')
            return this.basicHeader(registry);
        return this.bearer(registry, s.challenge, scopes);
    }
    /**
     * Answers a 401: remembers the challenge and returns the header to retry with. `sent`
     * tells whether the refused request already carried our credentials: then they are wrong.
     * `refused` is the Authorization the refused request carried, if any: a token refused on
     * first use has expired and is dropped; tokens other requests fetched meanwhile are kept.
     */
    async answer(registry, wwwAuthenticate, scopes, sent, refused) {
        const challenges = parseChallenges(wwwAuthenticate);
        const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
        if (!challenge) {
            throw new errors/* ServiceError */._7(`registry ${registry}`, `answered 401 with an authentication scheme we do not support (${wwwAuthenticate ?? 'no WWW-Authenticate header'})`);
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
        if (challenge.scheme === 'basic')
            return this.basicHeader(registry);
        return this.bearer(registry, challenge, scopes);
    }
    /**
     * Drops a token the registry refused, and every token fetched before it (they will have
     * expired too); tokens fetched since, by requests running alongside, stay.
     */
    forget(s, refused) {
        const at = refused === undefined ? -1 : s.tokens.map((t) => t.header).lastIndexOf(refused);
        if (at >= 0)
            s.tokens = s.tokens.slice(at + 1);
    }
    /** A cached token covering `scopes`, else one being fetched that will, else a new fetch. */
    bearer(registry, challenge, scopes) {
        const s = this.state(registry);
        const cached = s.tokens.find((t) => t.expiresAt > this.now() && scopesCover(t.scopes, scopes));
        if (cached)
            return Promise.resolve(cached.header);
        const underWay = s.fetching.find((f) => scopesCover(f.scopes, scopes));
        if (underWay)
            return underWay.header;
        const entry = { scopes: [...scopes], header: this.fetchBearer(registry, challenge, scopes) };
        s.fetching.push(entry);
        const done = () => (s.fetching = s.fetching.filter((f) => f !== entry));
        entry.header.then(done, done);
        return entry.header;
    }
    /** Forgets cached tokens (e.g. a token expired during a long upload). */
    invalidate(registry) {
        this.state(registry).tokens = [];
    }
    basicHeader(registry) {
        const s = this.state(registry);
        s.basic ??= this.credentials(registry).then((creds) => {
            if (!creds?.username || creds.password === undefined)
                throw noCredentials(registry);
            return (0,secrets/* basicAuthorization */.aR)(this.deps.reporter, creds.username, creds.password);
        });
        return s.basic;
    }
    async fetchBearer(registry, challenge, scopes) {
        const realm = challenge.params.realm;
        if (!realm)
            throw new errors/* ServiceError */._7(`registry ${registry}`, 'sent a Bearer challenge without a realm');
        let url;
        try {
            url = new URL(realm);
        }
        catch {
            throw new errors/* ServiceError */._7(`registry ${registry}`, `sent a Bearer realm that is not a URL: ${realm}`);
        }
        if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.deps.allowHttp(url.host))) {
            throw new errors/* ServiceError */._7(`registry ${registry}`, `wants credentials sent to ${url.origin} over plain http`, `Add ${url.host} to insecure-registries if that is really intended`);
        }
        const creds = await this.credentials(registry);
        if (creds?.registryToken)
            return this.remember(registry, scopes, creds.registryToken, undefined);
        const service = challenge.params.service;
        let answer;
        if (creds?.identityToken) {
            // OAuth2 refresh-token grant, as Docker does with an identity token.
            const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'shipline' });
            if (service)
                form.set('service', service);
            if (scopes.length)
                form.set('scope', scopes.join(' '));
            answer = await this.deps.fetchToken({
                method: 'POST',
                url,
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: Buffer.from(form.toString()),
            });
        }
        else {
            if (service)
                url.searchParams.set('service', service);
            for (const scope of scopes)
                url.searchParams.append('scope', scope);
            const headers = {};
            if (creds?.username && creds.password !== undefined)
                headers.authorization = await this.basicHeader(registry);
            answer = await this.deps.fetchToken({ method: 'GET', url, headers });
        }
        if (answer.status === 401 || answer.status === 403) {
            throw creds ? wrongCredentials(registry) : noCredentials(registry);
        }
        if (answer.status !== 200) {
            throw new errors/* ServiceError */._7(`registry ${registry}`, `token server ${url.origin} answered ${answer.status}: ${quoteTokenAnswer(answer.text, creds)}`);
        }
        let body;
        try {
            body = JSON.parse(answer.text);
        }
        catch {
            throw new errors/* ServiceError */._7(`registry ${registry}`, `token server ${url.origin} answered something other than JSON`);
        }
        const token = body.token ?? body.access_token;
        if (!token)
            throw new errors/* ServiceError */._7(`registry ${registry}`, `token server ${url.origin} answered without a token`);
        return this.remember(registry, scopes, token, body.expires_in);
    }
    remember(registry, scopes, token, expiresIn) {
        // A registrytoken from config.json is the same value for every scope (and masked there already).
        const known = this.state(registry).tokens.some((t) => t.header === `Bearer ${token}`);
        const header = known ? `Bearer ${token}` : (0,secrets/* bearerAuthorization */.Dv)(this.deps.reporter, token);
        const seconds = expiresIn && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_SECONDS;
        // Renew 10 s early so a token never expires between our check and the registry's.
        this.state(registry).tokens.push({ scopes: [...scopes], header, expiresAt: this.now() + seconds * 1000 - 10_000 });
        return header;
    }
}
/** A token server's error body, credentials removed, at most 200 characters. */
function quoteTokenAnswer(text, creds) {
    const known = [creds?.password, creds?.identityToken, creds?.registryToken, creds && `${creds.username ?? ''}:${creds.password ?? ''}`];
    return (0,secrets/* scrubServiceText */.oL)(text, known.filter((s) => Boolean(s)))
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200);
}
function wrongCredentials(registry) {
    return new errors/* ServiceError */._7(`registry ${registry}`, 'refused the credentials (401 Unauthorized)', `wrong credentials: check the user name and password or token stored for ${registry} (docker login, DOCKER_CONFIG) and that they may access this repository`);
}
function noCredentials(registry) {
    return new errors/* ServiceError */._7(`registry ${registry}`, 'asks for a login and no credentials were found for it', `Log in first (docker login ${registry}, or docker/login-action) so config.json holds credentials, or set DOCKER_CONFIG`);
}

// EXTERNAL MODULE: ./src/toolkit/registry/digest.ts
var registry_digest = __webpack_require__(9826);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/toolkit/registry/reference.ts
var reference = __webpack_require__(4993);
;// CONCATENATED MODULE: ./src/toolkit/registry/docker-config.ts
/**
 * Credentials from Docker's config.json, as `docker login` and the usual login actions write
 * it: `auths` (base64 `auth`, `username`/`password`, `identitytoken`, `registrytoken`),
 * `credHelpers` per host and `credsStore` for all hosts (docker-credential-* programs, run
 * with an argument array, the server URL on stdin). DOCKER_CONFIG names the directory.
 */






const HUB_SERVER = 'https://index.docker.io/v1/';
function dockerConfigDir(env = process.env) {
    return env.DOCKER_CONFIG || external_node_path_.join(env.HOME || (0,external_node_os_.homedir)(), '.docker');
}
/** Reads `<dir>/config.json`; a missing file is an empty config, an unreadable one an error. */
async function loadDockerConfig(dir) {
    const file = external_node_path_.join(dir, 'config.json');
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(file, 'utf8'); // a small file; node:fs is loaded already, node:fs/promises would be one more module at start-up
    }
    catch (e) {
        if (e.code === 'ENOENT')
            return { file, auths: {}, credHelpers: {} };
        throw new errors/* ServiceError */._7('Docker config', `cannot read ${file}: ${e.message}`);
    }
    let json;
    try {
        json = JSON.parse(text);
    }
    catch (e) {
        // V8's message quotes the text around the error, which here may be a password: say where, not what.
        const where = /line \d+ column \d+|position \d+/.exec(e.message)?.[0];
        throw new errors/* ServiceError */._7('Docker config', `${file} is not valid JSON${where ? ` (at ${where})` : ''}`, 'Run docker login again or fix the file');
    }
    const obj = (json && typeof json === 'object' ? json : {});
    return {
        file,
        auths: isRecord(obj.auths) ? obj.auths : {},
        credHelpers: isRecord(obj.credHelpers) ? obj.credHelpers : {},
        credsStore: typeof obj.credsStore === 'string' && obj.credsStore ? obj.credsStore : undefined,
    };
}
function isRecord(v) {
    return !!v && typeof v === 'object' && !Array.isArray(v);
}
/** The host a config key names: `https://ghcr.io/v1/` -> `ghcr.io`; Hub's aliases -> docker.io. */
function configKeyHost(key) {
    const host = key
        .replace(/^[a-z]+:\/\//i, '')
        .replace(/\/.*$/, '')
        .toLowerCase();
    return host === 'index.docker.io' || host === 'registry-1.docker.io' ? reference/* DOCKER_HUB */.Xb : host;
}
/** What a credential helper is asked for: Hub's historical URL, else the host. */
function serverUrl(registry) {
    return registry === reference/* DOCKER_HUB */.Xb ? HUB_SERVER : registry;
}
/**
 * The credentials config.json holds for `registry`, or undefined. Every secret found is
 * handed to reporter.setSecret before anything else happens with it.
 */
async function credentialsFromConfig(config, registry, exec, reporter, env = process.env) {
    const host = registry.toLowerCase();
    const helperKey = Object.keys(config.credHelpers).find((k) => configKeyHost(k) === host);
    const helper = helperKey !== undefined ? config.credHelpers[helperKey] : config.credsStore;
    if (helper)
        return fromHelper(helper, serverUrl(registry), exec, reporter, env);
    const key = Object.keys(config.auths).find((k) => configKeyHost(k) === host);
    if (key === undefined)
        return undefined;
    const entry = config.auths[key] ?? {};
    const creds = {};
    if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new errors/* ServiceError */._7('Docker config', `the 'auth' entry for ${key} in ${config.file} is not base64 of user:password`, 'Run docker login again');
        }
        creds.username = decoded.slice(0, colon);
        creds.password = decoded.slice(colon + 1);
        reporter.setSecret(entry.auth);
        (0,secrets/* maskSecret */.$l)(reporter, decoded);
    }
    if (entry.username)
        creds.username = entry.username;
    if (entry.password)
        creds.password = entry.password;
    if (entry.identitytoken)
        creds.identityToken = entry.identitytoken;
    if (entry.registrytoken)
        creds.registryToken = entry.registrytoken;
    for (const secret of [creds.password, creds.identityToken, creds.registryToken])
        if (secret)
            (0,secrets/* maskSecret */.$l)(reporter, secret);
    return creds.username || creds.password || creds.identityToken || creds.registryToken ? creds : undefined;
}
async function fromHelper(helper, server, exec, reporter, env) {
    const program = `docker-credential-${helper}`;
    const r = await exec(program, ['get'], { input: server, env, timeoutMs: 30_000 });
    if (r.exitCode !== 0) {
        const said = (0,secrets/* scrubServiceText */.oL)((r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '');
        if (/credentials not found/i.test(said))
            return undefined;
        throw new errors/* ServiceError */._7(program, `could not get credentials for ${server} (exit ${r.exitCode}: ${said})`, `Check that '${helper}' is the right credential helper in config.json`);
    }
    let answer;
    try {
        answer = JSON.parse(r.stdout);
    }
    catch {
        throw new errors/* ServiceError */._7(program, `answered something other than JSON for ${server}`);
    }
    if (!answer.Secret)
        return undefined;
    (0,secrets/* maskSecret */.$l)(reporter, answer.Secret);
    // Docker's convention: the user name '<token>' marks the secret as an identity token.
    if (answer.Username === '<token>')
        return { identityToken: answer.Secret };
    return { username: answer.Username, password: answer.Secret };
}

;// CONCATENATED MODULE: ./src/toolkit/registry/ecr-host.ts
/**
 * Recognising Amazon ECR hosts, kept apart from ecr.ts so the registry client does not pull
 * the AWS SDK into every bundle: only actions that talk to ECR's API import ecr.ts.
 */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;
/** `<account>.dkr.ecr.<region>.amazonaws.com` -> its account and region; undefined for other hosts. */
function isEcrHost(host) {
    const m = ECR_HOST.exec(host.toLowerCase());
    return m ? { accountId: m[1], region: m[2] } : undefined;
}

;// CONCATENATED MODULE: ./src/toolkit/registry/mask-once.ts
const MASKED = Symbol('masksOnce');
function maskOnce(reporter) {
    if (reporter[MASKED])
        return reporter;
    const seen = new Set();
    return {
        [MASKED]: true,
        info: (m) => reporter.info(m),
        warning: (m) => reporter.warning(m),
        debug: (m) => reporter.debug(m),
        setSecret: (value) => {
            if (!value || seen.has(value))
                return;
            seen.add(value);
            reporter.setSecret(value);
        },
        setOutput: (name, value) => reporter.setOutput(name, value),
        summary: (markdown) => reporter.summary(markdown),
        redact: (text) => reporter.redact(text),
    };
}

// EXTERNAL MODULE: ./src/toolkit/retry.ts
var toolkit_retry = __webpack_require__(1176);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
;// CONCATENATED MODULE: ./src/toolkit/registry/transport.ts
/**
 * One HTTP exchange with a registry over node:http(s). We use node:http rather than fetch
 * because blobs must stream both ways with backpressure and exact byte counts, a response
 * body is directly a Node Readable (no web-stream conversion), dropped connections surface
 * as Node errors with codes (ECONNRESET) that the retry logic can classify, and redirects
 * stay under our control (Authorization is never forwarded to another host).
 */

/** Socket idle time after which a stalled exchange fails (and may be retried). */
const IDLE_TIMEOUT_MS = 120_000;
function createTransport() {
    const httpAgent = new external_node_http_.Agent({ keepAlive: true });
    // node:https (and TLS with it) loads on the first https request: loopback registries and a
    // run that fails on its inputs never pay for it at start-up.
    let httpsAgent;
    return {
        send: (req) => req.url.protocol === 'https:'
            ? send(req, process.getBuiltinModule('node:https'), (httpsAgent ??= new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true })))
            : send(req, external_node_http_, httpAgent),
        close: () => {
            httpAgent.destroy();
            httpsAgent?.destroy();
        },
    };
}
function send(req, lib, agent) {
    return new Promise((resolve, reject) => {
        const headers = { ...req.headers };
        if (Buffer.isBuffer(req.body))
            headers['content-length'] = String(req.body.length);
        const outgoing = lib.request(req.url, { method: req.method, headers, agent }, (res) => {
            resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url: req.url });
        });
        outgoing.setTimeout(IDLE_TIMEOUT_MS, () => {
            const e = new Error(`no answer from ${req.url.host} for ${IDLE_TIMEOUT_MS / 1000} s`);
            e.code = 'ETIMEDOUT';
            outgoing.destroy(e);
        });
        outgoing.on('error', reject);
        const body = req.body;
        if (body === undefined || Buffer.isBuffer(body)) {
            outgoing.end(body);
            return;
        }
        body.on('error', (e) => {
            outgoing.destroy(e);
            reject(e);
        });
        body.pipe(outgoing);
    });
}
function header(res, name) {
    const v = res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
}
/** Reads a (small) body whole; refuses more than `limit` bytes so a hostile server can't fill memory. */
async function readBody(res, limit = 4 * 1024 * 1024) {
    const chunks = [];
    let size = 0;
    for await (const chunk of res.body) {
        size += chunk.length;
        if (size > limit) {
            res.body.destroy();
            throw new Error(`${res.url.host} sent more than ${limit} bytes for ${res.url.pathname}`);
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks);
}
/** Reads and throws away a body so the connection can be reused. */
async function drain(res) {
    try {
        await readBody(res, 1024 * 1024);
    }
    catch {
        /* the connection is closed instead */
    }
}
const NETWORK_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
    'ERR_STREAM_PREMATURE_CLOSE',
]);
/** True for a dropped, refused or stalled connection: worth another try. */
function isNetworkError(err) {
    // Not `instanceof Error`: errors from Node's core may come from another realm (jest, vm).
    if (typeof err !== 'object' || err === null)
        return false;
    const { code, message } = err;
    return (typeof code === 'string' && NETWORK_CODES.has(code)) || (typeof message === 'string' && /socket hang up|aborted/i.test(message));
}

;// CONCATENATED MODULE: ./src/toolkit/registry/http-session.ts






const MAX_REDIRECTS = 5;
function isLoopbackHost(host) {
    const name = host.replace(/:\d+$/, '').toLowerCase();
    return name === 'localhost' || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name);
}
class RegistryHttp {
    transport;
    auth;
    stats;
    reporter;
    insecure;
    retry;
    constructor(transport, auth, stats, reporter, insecure, retry = toolkit_retry/* DEFAULT_RETRY */.vI) {
        this.transport = transport;
        this.auth = auth;
        this.stats = stats;
        this.reporter = reporter;
        this.insecure = insecure;
        this.retry = retry;
    }
    /** Loopback always; a named insecure registry matches as `host:port`, or as `host` for any port. */
    allowHttp(host) {
        const lower = host.toLowerCase();
        return (isLoopbackHost(lower) ||
            this.insecure.some((entry) => {
                const h = entry
                    .trim()
                    .toLowerCase()
                    .replace(/^[a-z]+:\/\//, '')
                    .replace(/\/.*$/, '');
                return h === lower || h === lower.replace(/:\d+$/, '');
            }));
    }
    baseUrl(registry) {
        const host = registry === reference/* DOCKER_HUB */.Xb ? 'registry-1.docker.io' : registry;
        return new URL(`${this.allowHttp(host) ? 'http' : 'https'}://${host}`);
    }
    resolve(registry, pathOrUrl) {
        return new URL(pathOrUrl, this.baseUrl(registry));
    }
    /**
     * One exchange, with 401 challenges answered (a refused answer means wrong credentials)
     * and redirects of GET/HEAD followed (Authorization only ever goes to the registry host).
     * Retryable trouble (429, 5xx, dropped connection) is thrown as RetryableError.
     */
    async once(call, body) {
        let url = this.resolve(call.registry, call.path);
        let authorization = call.noAuth ? undefined : await this.auth.headerFor(call.registry, call.scopes);
        let answers = 0;
        // Origins, not hosts: a redirect from https://h to http://h has the same host but would send the login in clear.
        const firstOrigin = url.origin;
        for (let hop = 0;; hop++) {
            const headers = { 'user-agent': 'shipline', ...call.headers };
            // A token request carries its Basic login in its own headers: never follow a redirect with it to another origin.
            if (url.origin !== firstOrigin)
                delete headers.authorization;
            const sameHost = url.origin === this.resolve(call.registry, '/').origin;
            if (authorization && sameHost)
                headers.authorization = authorization;
            const res = await this.exchange(call, url, headers, body ?? call.body);
            if (res.status === 401 && sameHost && !call.noAuth) {
                await drain(res);
                if (body !== undefined && !Buffer.isBuffer(body)) {
                    // A stream can't be replayed: forget the tokens and let the caller restart the upload.
                    this.auth.invalidate(call.registry);
                    throw new toolkit_retry/* RetryableError */.dw('asked for authentication again during an upload');
                }
                // The first 401 may just be an expired cached token; a second one means the login is wrong.
                if (answers >= 3)
                    throw wrongCredentials(call.registry);
                authorization = await this.auth.answer(call.registry, header(res, 'www-authenticate'), call.scopes, answers > 0, authorization);
                answers++;
                continue;
            }
            if (res.status === 429) {
                await drain(res);
                throw new toolkit_retry/* RetryableError */.dw('answered 429 Too Many Requests', (0,toolkit_retry/* parseRetryAfter */.mu)(header(res, 'retry-after')));
            }
            if (res.status >= 500) {
                const text = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
                throw new toolkit_retry/* RetryableError */.dw(`answered ${res.status} ${res.statusText}${describeErrors(text)}`);
            }
            if ([301, 302, 303, 307, 308].includes(res.status) && (call.method === 'GET' || call.method === 'HEAD')) {
                const location = header(res, 'location');
                await drain(res);
                if (!location || hop >= MAX_REDIRECTS)
                    throw new errors/* ServiceError */._7(`registry ${call.registry}`, `redirected ${call.method} ${url.pathname} without end`);
                url = new URL(location, url);
                continue;
            }
            return res;
        }
    }
    /** `once` with bounded retries; exhausted retries become a ServiceError naming the registry. */
    async call(call) {
        return this.retrying(call.registry, () => this.once(call));
    }
    async retrying(registry, attempt) {
        try {
            return await (0,toolkit_retry/* withRetry */.bD)(attempt, this.retry, (err, waitMs, n) => this.reporter.info(`${registry}: ${err.message}; retry ${n}/${this.retry.attempts - 1} in ${(waitMs / 1000).toFixed(1)} s`));
        }
        catch (e) {
            if (e instanceof toolkit_retry/* RetryableError */.dw) {
                throw new errors/* ServiceError */._7(`registry ${registry}`, `${e.message} (gave up after ${this.retry.attempts} attempts)`, /unreachable|refused/.test(e.message) ? `Check that ${registry} is the right host and port and that this runner can reach it` : undefined);
            }
            throw e;
        }
    }
    async exchange(call, url, headers, body) {
        this.stats.requests++;
        this.reporter.debug(`${call.method} ${url.origin}${url.pathname}`);
        try {
            return await this.transport.send({ method: call.method, url, headers, body });
        }
        catch (e) {
            const code = e.code;
            if (code === 'ENOTFOUND') {
                throw new errors/* ServiceError */._7(`registry ${call.registry}`, `host ${url.hostname} not found (DNS)`, 'Check the registry name in the image reference');
            }
            if (isNetworkError(e)) {
                const what = code === 'ECONNREFUSED' ? `unreachable at ${url.origin} (connection refused)` : `connection dropped (${code ?? e.message})`;
                throw new toolkit_retry/* RetryableError */.dw(what);
            }
            throw e;
        }
    }
    /** A ServiceError for an unexpected answer, quoting the registry's `errors` JSON. */
    async unexpected(res, registry, what) {
        const text = res.status === 0 || res.body.readableEnded ? Buffer.alloc(0) : await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
        const hint = res.status === 403
            ? `The credentials for ${registry} lack permission for this repository`
            : res.status === 404
                ? 'Check the repository name, tag or digest'
                : undefined;
        return new errors/* ServiceError */._7(`registry ${registry}`, `${what} answered ${res.status} ${res.statusText}${describeErrors(text)}`, hint);
    }
}
/** `: CODE: message` from an OCI error body, or a short excerpt of whatever else came. */
function describeErrors(body) {
    if (!body.length)
        return '';
    const text = body.toString('utf8');
    try {
        const json = JSON.parse(text);
        if (Array.isArray(json.errors) && json.errors.length) {
            return `: ${(0,secrets/* scrubServiceText */.oL)(json.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; '))}`;
        }
    }
    catch {
        /* not JSON */
    }
    return `: ${(0,secrets/* scrubServiceText */.oL)(text).replace(/\s+/g, ' ').trim().slice(0, 200)}`;
}

;// CONCATENATED MODULE: ./src/toolkit/registry/upload.ts
/**
 * Blob upload (OCI distribution "push"): POST opens a session, then either one monolithic
 * PUT with the digest (small blobs) or PATCH chunks followed by a closing PUT. The body is
 * streamed from the caller's source, never held whole. When anything breaks midway (a
 * dropped connection, a 5xx, the source stream failing) the session is abandoned and the
 * whole upload starts again from a new session with a freshly opened source.
 */





const DEFAULT_UPLOAD = { monolithicMaxBytes: 32 * 1024 * 1024, chunkBytes: Number.MAX_SAFE_INTEGER };
/** Hands out exact byte ranges of a source stream, one range at a time. */
class ByteRanges {
    onBytes;
    leftover;
    it;
    constructor(source, onBytes) {
        this.onBytes = onBytes;
        this.it = source[Symbol.asyncIterator]();
    }
    take(length) {
        return external_node_stream_.Readable.from(this.range(length), { objectMode: false });
    }
    async *range(length) {
        let remaining = length;
        while (remaining > 0) {
            let chunk = this.leftover;
            this.leftover = undefined;
            if (!chunk) {
                const next = await this.it.next();
                if (next.done)
                    throw sourceError(`the blob source ended ${remaining} bytes short`);
                chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
            }
            if (chunk.length > remaining) {
                this.leftover = chunk.subarray(remaining);
                chunk = chunk.subarray(0, remaining);
            }
            remaining -= chunk.length;
            this.onBytes(chunk.length);
            yield chunk;
        }
    }
    /** Fails when the source has more bytes than the declared size. */
    async expectEnd() {
        if (this.leftover?.length)
            throw sourceError('the blob source is longer than its declared size');
        const next = await this.it.next();
        if (!next.done)
            throw sourceError('the blob source is longer than its declared size');
    }
    close() {
        void this.it.return?.();
    }
}
/** A source that does not match its size is a caller bug, not worth retrying. */
function sourceError(message) {
    const e = new Error(message);
    e.name = 'BlobSourceError';
    return e;
}
async function uploadBlob(http, stats, repo, digest, size, open, opts, 
/** An upload session left open by a mount the registry answered with 202. */
takePendingSession) {
    const scopes = [`repository:${repo.repository}:pull,push`];
    const call = (method, path, headers = {}) => ({
        registry: repo.registry,
        method,
        path,
        scopes,
        headers,
    });
    const expect = async (res, status, what) => {
        if (res.status !== status)
            throw await http.unexpected(res, repo.registry, what);
        await drain(res);
        return header(res, 'location');
    };
    const nextLocation = (location, what) => {
        if (!location)
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `${what} answered without a Location for the upload`);
        return http.resolve(repo.registry, location).toString();
    };
    await http.retrying(repo.registry, async () => {
        // The source is opened while the session is: a copy's GET and its POST cost one round trip, not two.
        const opened = Promise.resolve().then(open);
        opened.catch(() => undefined); // awaited below, or dropped when the session could not be opened
        let location = takePendingSession();
        if (!location) {
            try {
                const res = await http.once(call('POST', `/v2/${repo.repository}/blobs/uploads/`));
                location = nextLocation(await expect(res, 202, `starting an upload to ${repo.repository}`), 'starting an upload');
            }
            catch (e) {
                void opened.then((source) => source.destroy(), () => undefined);
                throw e;
            }
        }
        let ranges;
        try {
            ranges = new ByteRanges(await opened, (n) => (stats.bytesUploaded += n));
            const octets = { 'content-type': 'application/octet-stream' };
            if (size <= opts.monolithicMaxBytes) {
                const body = ranges.take(size);
                const res = await http.once(call('PUT', withDigest(location, digest), { ...octets, 'content-length': String(size) }), body);
                await ranges.expectEnd();
                await finish(res);
                return;
            }
            for (let offset = 0; offset < size; offset += opts.chunkBytes) {
                const length = Math.min(opts.chunkBytes, size - offset);
                const headers = { ...octets, 'content-length': String(length), 'content-range': `${offset}-${offset + length - 1}` };
                const res = await http.once(call('PATCH', location, headers), ranges.take(length));
                location = nextLocation(await expect(res, 202, `uploading ${digest} to ${repo.repository}`), 'a chunk upload');
            }
            await ranges.expectEnd();
            const res = await http.once(call('PUT', withDigest(location, digest), { 'content-length': '0' }), Buffer.alloc(0));
            await finish(res);
        }
        catch (e) {
            const failure = classify(e);
            // Starting over: cancel the abandoned session (best effort) so the registry can drop it.
            if (failure instanceof toolkit_retry/* RetryableError */.dw) {
                await http
                    .once(call('DELETE', location))
                    .then(drain)
                    .catch(() => undefined);
            }
            throw failure;
        }
        finally {
            ranges?.close();
        }
    });
    function classify(e) {
        if (e instanceof toolkit_retry/* RetryableError */.dw || e instanceof errors/* ServiceError */._7)
            return e;
        if (e instanceof registry_digest/* DigestMismatchError */.h || e.name === 'BlobSourceError') {
            return new errors/* ServiceError */._7(`registry ${repo.registry}`, `upload of ${digest} to ${repo.repository} failed: ${e.message}`);
        }
        // The source or the connection dropped midway: start over from a new session.
        if (isNetworkError(e) || /ended after|premature/i.test(e.message)) {
            return new toolkit_retry/* RetryableError */.dw(`upload of ${digest} to ${repo.repository} interrupted (${e.message})`);
        }
        return e;
    }
    async function finish(res) {
        await expect(res, 201, `completing the upload of ${digest} to ${repo.repository}`);
        const stored = header(res, 'docker-content-digest');
        if (stored && stored !== digest) {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `stored the upload as ${stored}, expected ${digest}`);
        }
    }
}
function withDigest(location, digest) {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    return url.toString();
}

// EXTERNAL MODULE: ./src/toolkit/registry/types.ts
var types = __webpack_require__(8369);
;// CONCATENATED MODULE: ./src/toolkit/registry/client.ts
/**
 * The OCI distribution client behind RegistryClient: manifests (verified against their
 * digest), streamed blobs, cross-repository mounts, uploads that restart cleanly, referrers
 * and tags. Credentials come from Docker's config.json (or ECR); see auth.ts, http-session.ts.
 */














/** A manifest the registry does not hold: callers may catch it to tell "absent" from "broken". */
class ManifestNotFoundError extends errors/* ServiceError */._7 {
    constructor(registry, repository, reference) {
        super(`registry ${registry}`, `has no manifest ${repository}${(0,registry_digest/* isDigest */.Bc)(reference) ? '@' : ':'}${reference}`, 'Check the repository name, tag or digest');
        this.name = 'ManifestNotFoundError';
    }
}
/** Refuse manifests larger than this (OCI recommends registries cap at 4 MiB). */
const MANIFEST_LIMIT = 4 * 1024 * 1024;
function createRegistryClient(opts) {
    return new HttpRegistryClient(opts);
}
class HttpRegistryClient {
    opts;
    stats = { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 };
    http;
    transport;
    upload;
    pendingSessions = new Map();
    /** Blob uploads in flight at once (`concurrency`). */
    uploads;
    config;
    reporter;
    constructor(opts) {
        this.opts = opts;
        this.reporter = maskOnce(opts.reporter);
        this.transport = opts.transport ?? createTransport();
        this.upload = { ...DEFAULT_UPLOAD, ...opts.upload };
        this.uploads = (0,pool/* createLimit */.K)(opts.concurrency ?? 4);
        const auth = new RegistryAuth({
            reporter: this.reporter,
            credentials: (registry) => this.credentialsFor(registry),
            fetchToken: (req) => this.fetchToken(req),
            allowHttp: (host) => this.http.allowHttp(host),
        });
        this.http = new RegistryHttp(this.transport, auth, this.stats, this.reporter, opts.insecureRegistries ?? [], opts.retry);
    }
    /** Closes kept-alive connections (call when done so the process can exit promptly). */
    close() {
        this.transport.close();
    }
    async headManifest(repo, reference) {
        const res = await this.http.call(this.manifestCall(repo, 'HEAD', reference));
        if (res.status === 404)
            return drain(res).then(() => undefined);
        if (res.status !== 200)
            throw await this.http.unexpected(res, repo.registry, `HEAD manifest ${repo.repository}:${reference}`);
        await drain(res);
        const digest = header(res, 'docker-content-digest');
        const mediaType = header(res, 'content-type')?.split(';')[0]?.trim();
        const size = Number(header(res, 'content-length'));
        if ((0,registry_digest/* isDigest */.Bc)(reference) && digest && digest !== reference) {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `answered digest ${digest} for a HEAD of ${reference}`);
        }
        if (!digest && !(0,registry_digest/* isDigest */.Bc)(reference))
            return (await this.getManifest(repo, reference)).descriptor; // registry without digest headers
        if (!mediaType || !Number.isFinite(size))
            return (await this.getManifest(repo, reference)).descriptor;
        return { mediaType, digest: digest ?? reference, size };
    }
    async getManifest(repo, reference) {
        const call = this.http.call(this.manifestCall(repo, 'GET', reference));
        (0,registry_digest/* warmUpHashing */.f8)(); // the bytes get hashed when they arrive: load the hashing while they travel
        const res = await call;
        if (res.status === 404) {
            await drain(res);
            throw new ManifestNotFoundError(repo.registry, repo.repository, reference);
        }
        if (res.status !== 200)
            throw await this.http.unexpected(res, repo.registry, `GET manifest ${repo.repository}:${reference}`);
        const bytes = await readBody(res, MANIFEST_LIMIT).catch((e) => {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `manifest ${repo.repository}:${reference}: ${e.message}`);
        });
        const claimed = header(res, 'docker-content-digest');
        const expected = (0,registry_digest/* isDigest */.Bc)(reference) ? reference : claimed;
        const actual = (0,registry_digest/* digestOf */.ol)(bytes, expected ? (0,registry_digest/* algorithmOf */.Hy)(expected) : 'sha256');
        if (expected && actual !== expected) {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `manifest ${repo.repository}:${reference} has digest ${actual}, expected ${expected}`, 'The registry or something between us corrupted the manifest; nothing was written');
        }
        const mediaType = header(res, 'content-type')?.split(';')[0]?.trim() || mediaTypeInside(bytes) || types/* MEDIA_TYPES */.Z2.ociManifest;
        const descriptor = { mediaType, digest: actual, size: bytes.length };
        const artifactType = artifactTypeInside(bytes);
        if (artifactType)
            descriptor.artifactType = artifactType;
        return { descriptor, bytes };
    }
    async putManifest(repo, reference, bytes, mediaType) {
        const digest = (0,registry_digest/* digestOf */.ol)(bytes, (0,registry_digest/* isDigest */.Bc)(reference) ? (0,registry_digest/* algorithmOf */.Hy)(reference) : 'sha256');
        if ((0,registry_digest/* isDigest */.Bc)(reference) && reference !== digest) {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `refusing to store bytes with digest ${digest} under ${reference}`);
        }
        const res = await this.http.call({
            registry: repo.registry,
            method: 'PUT',
            path: `/v2/${repo.repository}/manifests/${reference}`,
            scopes: [repositoryScope(repo.repository, ['pull', 'push'])],
            headers: { 'content-type': mediaType },
            body: bytes,
        });
        if (res.status !== 201 && res.status !== 200)
            throw await this.http.unexpected(res, repo.registry, `PUT manifest ${repo.repository}:${reference}`);
        await drain(res);
        // A registry that does not say what it stored is asked (one extra HEAD, only for such registries).
        const stored = header(res, 'docker-content-digest') ?? (await this.headManifest(repo, reference))?.digest;
        if (stored !== digest) {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `stored manifest ${repo.repository}${(0,registry_digest/* isDigest */.Bc)(reference) ? '@' : ':'}${reference} as ${stored ?? 'nothing'}, but its bytes hash to ${digest}`);
        }
        return digest;
    }
    async headBlob(repo, digest) {
        const res = await this.http.call(this.blobCall(repo, 'HEAD', digest));
        await drain(res);
        if (res.status === 404)
            return undefined;
        if (res.status !== 200)
            throw await this.http.unexpected(res, repo.registry, `HEAD blob ${repo.repository}@${digest}`);
        const size = Number(header(res, 'content-length'));
        return Number.isFinite(size) ? size : undefined;
    }
    async getBlob(repo, digest) {
        const res = await this.http.call(this.blobCall(repo, 'GET', digest));
        if (res.status === 404) {
            await drain(res);
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `has no blob ${repo.repository}@${digest}`);
        }
        if (res.status !== 200)
            throw await this.http.unexpected(res, repo.registry, `GET blob ${repo.repository}@${digest}`);
        const length = header(res, 'content-length');
        const verifier = new registry_digest/* VerifyingStream */.SC(digest, length !== undefined ? Number(length) : undefined, `blob ${repo.repository}@${digest}`, (n) => (this.stats.bytesDownloaded += n));
        // Errors on the connection (reset midway) reach whoever reads the returned stream.
        (0,external_node_stream_.pipeline)(res.body, verifier, () => undefined);
        return verifier;
    }
    async mountBlob(repo, digest, from) {
        if (from.registry !== repo.registry)
            return false; // mounts only work inside one registry
        const query = new URLSearchParams({ mount: digest, from: from.repository });
        const res = await this.http.call({
            registry: repo.registry,
            method: 'POST',
            path: `/v2/${repo.repository}/blobs/uploads/?${query.toString()}`,
            scopes: [repositoryScope(repo.repository, ['pull', 'push']), repositoryScope(from.repository, ['pull'])],
        });
        await drain(res);
        if (res.status === 201)
            return true;
        if (res.status === 202) {
            // The registry opened an upload session instead; keep it for the putBlob that follows.
            const location = header(res, 'location');
            if (location)
                this.pendingSessions.set(sessionKey(repo, digest), this.http.resolve(repo.registry, location).toString());
            return false;
        }
        throw await this.http.unexpected(res, repo.registry, `mounting ${digest} from ${from.repository} into ${repo.repository}`);
    }
    async putBlob(repo, digest, size, open) {
        await this.uploads(() => uploadBlob(this.http, this.stats, repo, digest, size, open, this.upload, () => {
            const key = sessionKey(repo, digest);
            const location = this.pendingSessions.get(key);
            this.pendingSessions.delete(key);
            return location;
        }));
    }
    async referrers(repo, digest) {
        const res = await this.http.call({
            registry: repo.registry,
            method: 'GET',
            path: `/v2/${repo.repository}/referrers/${digest}`,
            scopes: [repositoryScope(repo.repository, ['pull'])],
            headers: { accept: types/* MEDIA_TYPES */.Z2.ociIndex },
        });
        const type = header(res, 'content-type') ?? '';
        if (res.status === 200 && type.includes(types/* MEDIA_TYPES */.Z2.ociIndex)) {
            return { descriptors: manifestsOf(await readBody(res, MANIFEST_LIMIT), repo), via: 'api' };
        }
        if (res.status !== 404 && res.status !== 405 && res.status !== 200) {
            throw await this.http.unexpected(res, repo.registry, `GET referrers of ${repo.repository}@${digest}`);
        }
        await drain(res);
        // No referrers API (distribution 2.8): the OCI 1.1 tag schema `<alg>-<hex>` names an index of referrers.
        const tag = digest.replace(':', '-');
        if (!(await this.headManifest(repo, tag)))
            return { descriptors: [], via: 'tag-schema' };
        const index = await this.getManifest(repo, tag);
        return { descriptors: manifestsOf(index.bytes, repo), via: 'tag-schema' };
    }
    async listTags(repo) {
        const tags = [];
        let path = `/v2/${repo.repository}/tags/list?n=1000`;
        while (path) {
            const res = await this.http.call({ registry: repo.registry, method: 'GET', path, scopes: [repositoryScope(repo.repository, ['pull'])] });
            if (res.status === 404) {
                await drain(res);
                return tags;
            }
            if (res.status !== 200)
                throw await this.http.unexpected(res, repo.registry, `listing tags of ${repo.repository}`);
            const body = JSON.parse((await readBody(res)).toString('utf8'));
            tags.push(...(body.tags ?? []));
            path = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(res, 'link') ?? '')?.[1];
        }
        return tags;
    }
    manifestCall(repo, method, reference) {
        return {
            registry: repo.registry,
            method,
            path: `/v2/${repo.repository}/manifests/${reference}`,
            scopes: [repositoryScope(repo.repository, ['pull'])],
            headers: { accept: types/* MANIFEST_ACCEPT */.dY },
        };
    }
    blobCall(repo, method, digest) {
        return { registry: repo.registry, method, path: `/v2/${repo.repository}/blobs/${digest}`, scopes: [repositoryScope(repo.repository, ['pull'])] };
    }
    async credentialsFor(registry) {
        if (this.opts.ecr && isEcrHost(registry))
            return this.opts.ecr.credentials(registry);
        const env = this.opts.env ?? process.env;
        this.config ??= loadDockerConfig(this.opts.dockerConfigDir ?? dockerConfigDir(env));
        return credentialsFromConfig(await this.config, registry, this.opts.exec ?? exec/* exec */.m0, this.reporter, env);
    }
    async fetchToken(req) {
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
function sessionKey(repo, digest) {
    return `${repo.registry}/${repo.repository}@${digest}`;
}
function mediaTypeInside(bytes) {
    try {
        return JSON.parse(bytes.toString('utf8')).mediaType;
    }
    catch {
        return undefined;
    }
}
function artifactTypeInside(bytes) {
    try {
        const m = JSON.parse(bytes.toString('utf8'));
        return m.artifactType;
    }
    catch {
        return undefined;
    }
}
function manifestsOf(bytes, repo) {
    try {
        const index = JSON.parse(bytes.toString('utf8'));
        return index.manifests ?? [];
    }
    catch {
        throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `referrers index of ${repo.repository} is not JSON`);
    }
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecr/dist-cjs/index.js
var dist_cjs = __webpack_require__(8249);
;// CONCATENATED MODULE: ./src/toolkit/registry/ecr.ts
/**
 * Amazon ECR: recognising ECR hosts, registry credentials from GetAuthorizationToken (cached
 * until they expire), the native retag (BatchGetImage + PutImage, no blob traffic) and
 * repository creation. Everything goes through an injected ECRClient so tests use a mock.
 */






/** One ECRClient per region, made on first use (AWS credentials from the job's environment). */
function ecrClientPool() {
    const clients = new Map();
    return (region) => {
        let client = clients.get(region);
        if (!client)
            clients.set(region, (client = new dist_cjs/* ECRClient */.S70({ region })));
        return client;
    };
}
/** Renew this long before ECR's expiry so a token never dies mid-promotion. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
function createEcrCredentialProvider(opts) {
    const now = opts.now ?? Date.now;
    const cache = new Map();
    return {
        async credentials(host) {
            const ecr = isEcrHost(host);
            if (!ecr)
                throw new errors/* ServiceError */._7(`registry ${host}`, 'is not an Amazon ECR host');
            const cached = cache.get(host);
            if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now())
                return cached;
            let answer;
            try {
                answer = await opts.clientFor(ecr.region).send(new dist_cjs/* GetAuthorizationTokenCommand */.Eu6({ registryIds: [ecr.accountId] }));
            }
            catch (e) {
                throw awsError(e, `GetAuthorizationToken for account ${ecr.accountId} in ${ecr.region}`);
            }
            const data = answer.authorizationData?.[0];
            if (!data?.authorizationToken) {
                throw new errors/* ServiceError */._7('Amazon ECR', `GetAuthorizationToken returned no token for ${host}`, 'Check the AWS credentials and ecr:GetAuthorizationToken permission');
            }
            (0,secrets/* maskSecret */.$l)(opts.reporter, data.authorizationToken);
            const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
            const colon = decoded.indexOf(':');
            if (colon < 0)
                throw new errors/* ServiceError */._7('Amazon ECR', 'GetAuthorizationToken returned a token that is not user:password');
            const creds = {
                username: decoded.slice(0, colon),
                password: decoded.slice(colon + 1),
                expiresAt: data.expiresAt ? data.expiresAt.getTime() : now() + 12 * 3600_000,
            };
            (0,secrets/* maskSecret */.$l)(opts.reporter, creds.password);
            (0,secrets/* maskSecret */.$l)(opts.reporter, decoded);
            cache.set(host, creds);
            return creds;
        },
    };
}
/**
 * Tags `sourceDigest` as `tag` inside one ECR repository without moving a byte of blob data.
 * Already tagged with that digest is success; an immutable tag holding another digest is a
 * clear error naming both.
 */
async function ecrRetag(ecr, req) {
    const where = `${req.repositoryName}@${req.sourceDigest}`;
    let got;
    try {
        got = await ecr.send(new BatchGetImageCommand({
            registryId: req.registryId,
            repositoryName: req.repositoryName,
            imageIds: [{ imageDigest: req.sourceDigest }],
            acceptedMediaTypes: MANIFEST_ACCEPT.split(', '),
        }));
    }
    catch (e) {
        throw awsError(e, `BatchGetImage ${where}`);
    }
    const image = got.images?.[0];
    if (!image?.imageManifest) {
        const reason = got.failures?.[0]?.failureReason ?? 'image not found';
        throw new ServiceError('Amazon ECR', `BatchGetImage ${where}: ${reason}`, 'Check that the source digest exists in this repository');
    }
    try {
        await ecr.send(new PutImageCommand({
            registryId: req.registryId,
            repositoryName: req.repositoryName,
            imageManifest: image.imageManifest,
            imageManifestMediaType: image.imageManifestMediaType,
            imageTag: req.tag,
            imageDigest: req.sourceDigest,
        }));
        return 'tagged';
    }
    catch (e) {
        const name = e.name;
        if (name === 'ImageAlreadyExistsException')
            return 'already-tagged';
        if (name === 'ImageTagAlreadyExistsException') {
            const current = await digestOfTag(ecr, req);
            if (current === req.sourceDigest)
                return 'already-tagged';
            throw new ServiceError('Amazon ECR', `tag '${req.tag}' in immutable repository ${req.repositoryName} already holds ${current ?? 'another digest'}, not ${req.sourceDigest}`, 'Promote under a new tag; immutable tags cannot be moved');
        }
        throw awsError(e, `PutImage ${req.repositoryName}:${req.tag}`);
    }
}
async function digestOfTag(ecr, req) {
    try {
        const r = await ecr.send(new DescribeImagesCommand({ registryId: req.registryId, repositoryName: req.repositoryName, imageIds: [{ imageTag: req.tag }] }));
        return r.imageDetails?.[0]?.imageDigest;
    }
    catch {
        return undefined;
    }
}
/**
 * Makes sure an ECR repository exists; new ones scan on push and have immutable tags.
 * Returns whether it was created.
 */
async function ensureRepository(ecr, repositoryName, registryId) {
    try {
        await ecr.send(new dist_cjs/* DescribeRepositoriesCommand */.pE_({ registryId, repositoryNames: [repositoryName] }));
        return false;
    }
    catch (e) {
        if (e.name !== 'RepositoryNotFoundException')
            throw awsError(e, `DescribeRepositories ${repositoryName}`);
    }
    try {
        await ecr.send(new dist_cjs/* CreateRepositoryCommand */.WTe({
            registryId,
            repositoryName,
            imageScanningConfiguration: { scanOnPush: true },
            imageTagMutability: 'IMMUTABLE',
        }));
        return true;
    }
    catch (e) {
        // Another job created it between our two calls: that is what we wanted.
        if (e.name === 'RepositoryAlreadyExistsException')
            return false;
        throw awsError(e, `CreateRepository ${repositoryName}`);
    }
}
function awsError(e, what) {
    if (e instanceof errors/* ServiceError */._7)
        return e;
    const err = e;
    const hint = /AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|CredentialsProvider/i.test(`${err.name} ${err.message}`)
        ? 'Check the AWS credentials (e.g. aws-actions/configure-aws-credentials) and the IAM permissions for ECR'
        : undefined;
    return new errors/* ServiceError */._7('Amazon ECR', `${what} failed: ${err.name}: ${err.message}`, hint);
}

;// CONCATENATED MODULE: ./src/build-and-scan/registry-deps.ts



function registryDeps(ecrFor = ecrClientPool(), env = process.env) {
    return {
        openRegistry: async (inputs, reporter) => createRegistryClient({
            reporter,
            env,
            insecureRegistries: inputs.insecureRegistries,
            ecr: isEcrHost(inputs.repository.registry)
                ? createEcrCredentialProvider({ clientFor: (region) => ecrFor(region || inputs.awsRegion || ''), reporter })
                : undefined,
        }),
        ensureRepository: async (inputs, reporter) => {
            const ecr = isEcrHost(inputs.repository.registry);
            if (!ecr) {
                reporter.warning(`create-repository applies to Amazon ECR only; ${inputs.repository.registry} is not ECR, so nothing was created`);
                return;
            }
            const region = ecr.region || inputs.awsRegion;
            if (!region)
                throw new errors/* ServiceError */._7('Amazon ECR', 'no region for CreateRepository', 'Set aws-region');
            const created = await ensureRepository(ecrFor(region), inputs.repository.repository, ecr.accountId);
            reporter.info(created
                ? `Created ECR repository ${inputs.repository.repository} (scan on push, immutable tags)`
                : `ECR repository ${inputs.repository.repository} already exists`);
        },
    };
}


/***/ })

};
