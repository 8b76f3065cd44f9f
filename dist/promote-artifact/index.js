import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 1895:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   BP: () => (/* binding */ errorLine),
/* harmony export */   _7: () => (/* binding */ ServiceError),
/* harmony export */   dz: () => (/* binding */ InputError)
/* harmony export */ });
/**
 * The two kinds of failure a user may see. Anything else is a bug and is reported as
 * "unexpected error" with its message; stacks only ever go to the debug log.
 */
/** Bad input: names the input and says how to fix it. Raised before anything is written. */
class InputError extends Error {
    input;
    problem;
    fix;
    constructor(input, problem, fix) {
        super(`Input '${input}': ${problem}${fix ? `. ${fix}` : ''}`);
        this.input = input;
        this.problem = problem;
        this.fix = fix;
        this.name = 'InputError';
    }
}
/** An outside system (registry, Prometheus, Helm, AWS) failed or answered unexpectedly. */
class ServiceError extends Error {
    system;
    problem;
    hint;
    constructor(system, problem, hint) {
        super(`${system}: ${problem}${hint ? `. ${hint}` : ''}`);
        this.system = system;
        this.problem = problem;
        this.hint = hint;
        this.name = 'ServiceError';
    }
}
/** One line for `::error::`: newlines folded, so the runner shows the whole message. */
function errorLine(err) {
    let text;
    if (err instanceof InputError || err instanceof ServiceError)
        text = err.message;
    else if (err instanceof Error)
        text = `Unexpected error: ${err.message}`;
    else
        text = `Unexpected error: ${String(err)}`;
    return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}


/***/ }),

/***/ 589:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   R: () => (/* binding */ isEcrHost)
/* harmony export */ });
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


/***/ }),

/***/ 8369:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Z2: () => (/* binding */ MEDIA_TYPES),
/* harmony export */   dY: () => (/* binding */ MANIFEST_ACCEPT),
/* harmony export */   kA: () => (/* binding */ INDEX_MEDIA_TYPES)
/* harmony export */ });
const MEDIA_TYPES = {
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
    dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
};
const INDEX_MEDIA_TYPES = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];
const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.dockerManifest].join(', ');


/***/ }),

/***/ 3383:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $l: () => (/* binding */ maskSecret),
/* harmony export */   Dv: () => (/* binding */ bearerAuthorization),
/* harmony export */   aR: () => (/* binding */ basicAuthorization),
/* harmony export */   oL: () => (/* binding */ scrubServiceText)
/* harmony export */ });
/* unused harmony exports base64Fragments, derivedForms, maskHeaderValue, withoutUserinfo */
/** Shortest base64 fragment worth masking: shorter ones would blank out ordinary text. */
const MIN_FRAGMENT = 6;
/**
 * The base64 text a secret produces wherever it sits inside a longer encoded string: for each
 * byte offset 0, 1, 2, the characters that depend only on the secret's bytes, in the standard
 * and the URL-safe alphabet (RFC 4648 §4, §5), plus the whole value's own encodings.
 */
function base64Fragments(value) {
    const bytes = Buffer.from(value, 'utf8');
    const out = new Set();
    for (let k = 0; k < 3; k++) {
        const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
        const start = Math.ceil((8 * k) / 6);
        const end = Math.floor((8 * (k + bytes.length)) / 6);
        const fragment = encoded.slice(start, end);
        if (fragment.length >= MIN_FRAGMENT) {
            out.add(fragment);
            out.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
        }
    }
    for (const full of [bytes.toString('base64'), bytes.toString('base64url')])
        out.add(full);
    return [...out];
}
/** The value as the WHATWG URL parser writes it in `user:password@` (userinfo percent-encode set). */
function userinfoEncoded(value) {
    const url = new URL('http://host');
    url.password = value;
    return url.password;
}
/**
 * Every form of `value` the suite might write or a service might echo: the value, its base64
 * (standard and URL-safe, at every alignment), percent-encoded (URI component, form, URL
 * userinfo, lower-case hex), JSON-string escaped, and each line of a multi-line value. Forms
 * shorter than 6 characters (other than the value itself) are left out. Empty input gives [].
 */
function derivedForms(value) {
    if (!value)
        return [];
    const forms = new Set([value, ...base64Fragments(value)]);
    const uri = encodeURIComponent(value);
    forms.add(uri);
    forms.add(uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
    forms.add(new URLSearchParams({ v: value }).toString().slice(2));
    forms.add(userinfoEncoded(value));
    forms.add(JSON.stringify(value).slice(1, -1));
    // the runner masks line by line: each line of a multi-line secret (a PEM key) is a form too
    if (/[\r\n]/.test(value))
        for (const line of value.split(/\r?\n/))
            if (line.trim().length >= MIN_FRAGMENT)
                forms.add(line.trim());
    // a derived form shorter than a base64 fragment (a short password's base64) would blank out ordinary text
    return [...forms].filter((f) => f === value || f.length >= MIN_FRAGMENT);
}
/** Masks a credential and every derived form of it, at once (see derivedForms). */
function maskSecret(reporter, value) {
    for (const form of derivedForms(value))
        reporter.setSecret(form);
}
/**
 * `Basic <base64(username:password)>` (RFC 7617), with the password, `username:password` and the
 * header value masked before it is returned. The username alone is not a secret.
 */
function basicAuthorization(reporter, username, password) {
    const pair = `${username}:${password}`;
    const header = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    maskSecret(reporter, password);
    maskSecret(reporter, pair);
    reporter.setSecret(header);
    return header;
}
/** `Bearer <token>` (RFC 6750), with the token and its forms masked before it is returned. */
function bearerAuthorization(reporter, token) {
    maskSecret(reporter, token);
    const header = `Bearer ${token}`;
    reporter.setSecret(header);
    return header;
}
/**
 * Masks a header value a user gave whole (e.g. `Authorization: Basic dXNlcjpwYXNz` in an input):
 * the value, the credential after an auth scheme, and for Basic the decoded `user:password` and
 * password, each with its derived forms. A value that is not `<scheme> <credential>` is masked as
 * one secret.
 */
function maskHeaderValue(reporter, value) {
    maskSecret(reporter, value);
    const m = /^\s*([A-Za-z][\w-]*)\s+(\S+)\s*$/.exec(value);
    if (!m)
        return;
    maskSecret(reporter, m[2]);
    if (m[1].toLowerCase() !== 'basic')
        return;
    const decoded = Buffer.from(m[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // only a real `user:password` decoding: anything else is not the user's credential
    if (colon < 0 || Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') !== m[2].replace(/=+$/, ''))
        return;
    maskSecret(reporter, decoded);
    maskSecret(reporter, decoded.slice(colon + 1));
}
const CREDENTIAL_NAMES = 'authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|x-api-key|api[-_]?key|private-token|x-auth-token|x-registry-auth|x-vault-token|' +
    'password|passwd|secret|client_secret|access_token|refresh_token|id_token|identitytoken|registrytoken|token|auth';
/** Header names whose lines a quoted service body must never carry. */
const CREDENTIAL_HEADERS = /^\s*"?(authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token|x-api-key|private-token|x-auth-token|x-registry-auth|x-vault-token)"?\s*[:=]/i;
/** `Authorization: Basic ...`, `"password":"..."`, `\"token\": \"...\"` inside one line of JSON or text. */
const INLINE_CREDENTIAL = new RegExp(`((?:\\\\?")?\\b(?:${CREDENTIAL_NAMES})(?:\\\\?")?\\s*[:=]\\s*)(\\\\"(?:[^"\\\\]|\\\\[^"])*\\\\"|"(?:[^"\\\\]|\\\\.)*"|\\[[^\\]]*\\]|[^\\s&,;}\\]"']+(?:[ \\t]+[^\\s&,;}\\]"']+)?)`, 'gi');
/**
 * Any `Basic <base64>` / `Bearer <token>` credential that survives the rules above: one that holds
 * a digit, + or / (so "Basic authentication required" and `Bearer realm="…"` stay readable).
 */
const SCHEME_CREDENTIAL = /\b(Basic|Bearer)\s+(?=[A-Za-z._~-]*[0-9+/])[A-Za-z0-9._~+/-]{6,}=*/gi;
/** `scheme://user:password@` in a quoted URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;
/** Signed-URL parameters (S3 presigned blob redirects, SAS tokens): the query grants access. */
const SIGNED_QUERY = /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|se|sv)=)[^&\s"'<>]+/gi;
/**
 * `scheme://user:password@host` with the userinfo replaced by ***: for messages that must show a
 * URL a user typed (or a service answered) without its credentials.
 */
function withoutUserinfo(text) {
    return text.replace(URL_USERINFO, '$1***@');
}
/**
 * A service's error body (or a program's stderr) made safe to quote: lines that carry credential
 * headers dropped; inline credential values (headers, JSON fields such as password/token,
 * form fields), `Basic`/`Bearer` credentials, URL userinfo and signed-URL query parameters
 * replaced by ***; then every derived form of each known secret masked, longest first.
 */
function scrubServiceText(text, secrets = []) {
    let out = text
        .split(/\r?\n/)
        .filter((line) => !CREDENTIAL_HEADERS.test(line))
        .join('\n')
        .replace(INLINE_CREDENTIAL, (_m, key) => `${key}***`)
        .replace(SCHEME_CREDENTIAL, (_m, scheme) => `${scheme} ***`)
        .replace(URL_USERINFO, '$1***@')
        .replace(SIGNED_QUERY, '$1***');
    const forms = [...new Set([...secrets].flatMap(derivedForms))].sort((a, b) => b.length - a.length);
    for (const form of forms)
        out = out.split(form).join('***');
    return out;
}


/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 7067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 2467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 4708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
;// CONCATENATED MODULE: ./src/toolkit/runner-commands.ts
/**
 * The GitHub runner's workflow commands and environment files, for the few calls the actions
 * make: the same bytes @actions/core 3.x writes (lib/command.js, file-command.js, summary.js)
 * without what importing it costs. @actions/core pulls @actions/http-client and undici (for
 * OIDC tokens we never ask for), and with them ~110 Node built-ins (http2, tls, worker_threads,
 * crypto, ...): in a bundle that alone is ~2.5x the start-up of a plain script
 * (`npm run bench:startup`). Protocol:
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands
 */



/** `%`, CR and LF escaped, as the runner unescapes a command's message. */
function escapeData(s) {
    return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
/** `::name::message` on stdout (no command here takes properties). */
function issueCommand(name, message) {
    process.stdout.write(`::${name}::${escapeData(message)}${external_node_os_.EOL}`);
}
/** Appends one entry to the file named by GITHUB_<command> (OUTPUT, PATH, ...). */
function issueFileCommand(command, message) {
    const file = process.env[`GITHUB_${command}`];
    if (!file)
        throw new Error(`Unable to find environment variable for file command ${command}`);
    if (!(0,external_node_fs_.existsSync)(file))
        throw new Error(`Missing file at path: ${file}`);
    (0,external_node_fs_.appendFileSync)(file, `${message}${external_node_os_.EOL}`, { encoding: 'utf8' });
}
/** `name<<delimiter` / value / `delimiter`, with a random delimiter the value cannot contain. */
function keyValueMessage(name, value) {
    // getBuiltinModule loads node:crypto only when an output is written, not at start-up.
    const crypto = process.getBuiltinModule('node:crypto');
    const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
    if (name.includes(delimiter))
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    if (value.includes(delimiter))
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    return `${name}<<${delimiter}${external_node_os_.EOL}${value}${external_node_os_.EOL}${delimiter}`;
}
/** INPUT_<NAME> (spaces as `_`, upper case); '' when unset. Trimmed unless trimWhitespace is false. */
function getInput(name, options = {}) {
    const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
    if (options.required && !value)
        throw new Error(`Input required and not supplied: ${name}`);
    return options.trimWhitespace === false ? value : value.trim();
}
function info(message) {
    process.stdout.write(message + external_node_os_.EOL);
}
function debug(message) {
    issueCommand('debug', message);
}
function warning(message) {
    issueCommand('warning', message);
}
function error(message) {
    issueCommand('error', message);
}
/** Exit code 1 and one `::error::` line. */
function setFailed(message) {
    process.exitCode = 1;
    error(message);
}
/** `::add-mask::`: the runner replaces the value with *** in every later log line. */
function setSecret(secret) {
    issueCommand('add-mask', secret);
}
/** A step output, through GITHUB_OUTPUT (the deprecated `::set-output::` when it is unset). */
function setOutput(name, value) {
    if (process.env.GITHUB_OUTPUT)
        return issueFileCommand('OUTPUT', keyValueMessage(name, value));
    process.stdout.write(external_node_os_.EOL);
    process.stdout.write(`::set-output name=${name.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C')}::${escapeData(value)}${external_node_os_.EOL}`);
}
/** Saves state for the action's `post:` step (GITHUB_STATE; the deprecated `::save-state::` when it is unset). */
function saveState(name, value) {
    if (process.env.GITHUB_STATE)
        return issueFileCommand('STATE', keyValueMessage(name, value));
    process.stdout.write(`::save-state name=${name.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C')}::${escapeData(value)}${external_node_os_.EOL}`);
}
/** State main saved, as the runner passes it to the post step (STATE_<name>); '' when unset. */
function getState(name) {
    return process.env[`STATE_${name}`] ?? '';
}
/** Puts `dir` first on PATH for this step (process.env) and every later one (GITHUB_PATH). */
function addPath(dir) {
    if (process.env.GITHUB_PATH)
        issueFileCommand('PATH', dir);
    else
        issueCommand('add-path', dir);
    process.env.PATH = `${dir}${external_node_path_.delimiter}${process.env.PATH}`;
}
/**
 * Appends markdown and a newline to the job summary (GITHUB_STEP_SUMMARY). Synchronous file
 * calls on purpose: the summary is written once, at the end, and node:fs/promises would load
 * another module and start libuv's thread pool (a few ms) for this one small append.
 */
async function appendSummary(markdown) {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file)
        throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.');
    try {
        (0,external_node_fs_.accessSync)(file, external_node_fs_.constants.R_OK | external_node_fs_.constants.W_OK);
    }
    catch {
        throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`);
    }
    (0,external_node_fs_.appendFileSync)(file, markdown + external_node_os_.EOL, { encoding: 'utf8' });
}

;// CONCATENATED MODULE: ./src/toolkit/mask.ts
/**
 * Secret masking for text the runner does not mask itself the way it masks log lines (the job
 * summary, outputs, files): every registered value becomes ***, longest first so a secret that
 * contains another is hidden whole.
 */
class SecretMask {
    values = new Set();
    /** The values longest first, rebuilt after an add (apply runs on every log line). */
    sorted = [];
    add(value) {
        if (!value || this.values.has(value))
            return;
        this.values.add(value);
        this.sorted = [...this.values].sort((a, b) => b.length - a.length);
    }
    has(value) {
        return this.values.has(value);
    }
    apply(text) {
        let out = text;
        for (const s of this.sorted)
            if (out.includes(s))
                out = out.split(s).join('***');
        return out;
    }
}

;// CONCATENATED MODULE: ./src/toolkit/actions-core.ts
/**
 * The Reporter the actions run with, on the runner's workflow commands (runner-commands.ts:
 * what @actions/core writes, without loading it; only tool-cache.ts loads an @actions package).
 */


/** Every value given to setSecret, so the job summary, outputs and written files get the same masking as the log. */
const summaryMask = new SecretMask();
const coreReporter = {
    // the runner masks log lines too; masking here as well keeps them clean in logs read elsewhere
    info: (m) => info(summaryMask.apply(m)),
    warning: (m) => warning(summaryMask.apply(m)),
    debug: (m) => debug(summaryMask.apply(m)),
    setSecret: (v) => {
        // one ::add-mask:: per value: derived forms of a credential often coincide
        if (!v || summaryMask.has(v))
            return;
        setSecret(v);
        summaryMask.add(v);
    },
    setOutput: (n, v) => setOutput(n, summaryMask.apply(v)),
    summary: async (md) => {
        if (!process.env.GITHUB_STEP_SUMMARY)
            return; // outside a runner there is nowhere to write it
        await appendSummary(summaryMask.apply(md));
    },
    redact: (text) => summaryMask.apply(text),
};
/** Reads every declared input as the runner passes it (INPUT_<NAME>). */
function readRawInputs(names) {
    const raw = {};
    for (const n of names)
        raw[n] = getInput(n, { trimWhitespace: false });
    return raw;
}


// EXTERNAL MODULE: ./src/toolkit/errors.ts
var errors = __nccwpck_require__(1895);
;// CONCATENATED MODULE: ./src/toolkit/action-main.ts
/**
 * The thin `main` every action shares: read raw inputs, parse (nothing is touched before this
 * succeeds), run with real clients, and turn any failure into one `::error::` line and exit 1.
 */


async function actionMain(inputNames, parse, run) {
    try {
        const inputs = parse(readRawInputs(inputNames));
        await run(inputs, coreReporter);
    }
    catch (err) {
        // The runner masks these lines too; redacting here also covers a secret registered in a
        // derived form only (a header built from it) and logs read outside the runner.
        if (err instanceof Error && err.stack)
            debug(coreReporter.redact(err.stack));
        setFailed(coreReporter.redact((0,errors/* errorLine */.BP)(err)));
    }
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __nccwpck_require__(7075);
;// CONCATENATED MODULE: ./src/toolkit/exec.ts
/**
 * Runs programs with an argument array, never a shell string. Output is captured (and may
 * also be streamed to a log line callback); the caller decides what a non-zero exit means.
 */

const exec = (command, args, options = {}) => new Promise((resolve, reject) => {
    // node:child_process loads with the first program run, not at every action's start-up.
    const child = process.getBuiltinModule('node:child_process').spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
    });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        }, options.timeoutMs)
        : undefined;
    const lineSplitter = (stream) => {
        let pending = '';
        return (chunk) => {
            if (!options.onLine)
                return;
            pending += chunk.toString('utf8');
            const parts = pending.split(/\r?\n/);
            pending = parts.pop() ?? '';
            for (const p of parts)
                options.onLine(p, stream);
        };
    };
    const outLines = lineSplitter('stdout');
    const errLines = lineSplitter('stderr');
    child.stdout.on('data', (c) => {
        out.push(c);
        outLines(c);
    });
    child.stderr.on('data', (c) => {
        err.push(c);
        errLines(c);
    });
    child.on('error', (e) => {
        if (timer)
            clearTimeout(timer);
        reject(e.code === 'ENOENT' ? new errors/* ServiceError */._7(command, 'not found on PATH', `Install ${command} or let the action install it`) : e);
    });
    child.on('close', (code, signal) => {
        if (timer)
            clearTimeout(timer);
        resolve({
            command,
            args,
            exitCode: code ?? (signal ? 128 : 1),
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            timedOut,
        });
    });
    child.stdin.on('error', () => undefined); // a program that never reads stdin is fine
    child.stdin.end(options.input ?? '');
});
/** The last `n` lines of a program's output, on one line: what an error message quotes. */
function lastLines(text, n = 3) {
    return text.trim().split(/\r?\n/).slice(-n).join(' ');
}
/** Runs and throws a ServiceError naming the program and its last stderr lines when it fails. */
async function execOk(run, command, args, options) {
    const r = await run(command, args, options);
    if (r.exitCode !== 0 || r.timedOut) {
        const last = lastLines(r.stderr.trim() || r.stdout);
        throw new ServiceError(command, r.timedOut ? `timed out running '${args[0] ?? ''}'` : `exited with ${r.exitCode}: ${last}`);
    }
    return r;
}

;// CONCATENATED MODULE: ./src/toolkit/pool.ts
/**
 * The toolkit's one concurrency limiter (a counting semaphore, first come first served) and
 * `mapLimit` built on it. The registry client bounds blob uploads with it; promotion and
 * blob pushes map over descriptors with `mapLimit`.
 */
/**
 * At most `concurrency` (at least 1) functions passed to the returned `Limit` run at once; the
 * others wait in call order. A rejection frees the slot like a success does.
 */
function createLimit(concurrency) {
    let free = Math.max(1, Math.floor(concurrency) || 1);
    const waiting = [];
    const release = () => {
        const next = waiting.shift();
        if (next)
            next();
        else
            free++;
    };
    return async (fn) => {
        if (free > 0)
            free--;
        else
            await new Promise((resolve) => waiting.push(resolve));
        try {
            return await fn();
        }
        finally {
            release();
        }
    };
}
/**
 * Runs `fn` over `items` with at most `limit` in flight, in order; results keep the items'
 * order. After the first failure no new item starts; those in flight finish, then it rejects
 * with that first failure.
 */
async function pool_mapLimit(items, limit, fn) {
    const run = createLimit(limit);
    const results = new Array(items.length);
    let failure;
    await Promise.all(items.map((item, i) => run(async () => {
        if (failure)
            return;
        try {
            results[i] = await fn(item);
        }
        catch (error) {
            failure ??= { error };
        }
    })));
    if (failure)
        throw failure.error;
    return results;
}

// EXTERNAL MODULE: ./src/toolkit/secrets.ts
var secrets = __nccwpck_require__(3383);
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

;// CONCATENATED MODULE: ./src/toolkit/registry/digest.ts

/**
 * node:crypto is loaded on the first hash, not at start-up: it is ~3 ms of compiling Node's
 * crypto internals, which a client can spend while its first request is on the wire
 * (`warmUpHashing`) and a run that fails on its inputs never spends.
 */
function createHash(algorithm) {
    return process.getBuiltinModule('node:crypto').createHash(algorithm);
}
let warming = false;
/** Loads node:crypto after the event loop's next poll, i.e. once the requests queued now are sent; once per process. */
function warmUpHashing() {
    if (warming)
        return;
    warming = true;
    setImmediate(() => process.getBuiltinModule('node:crypto'));
}
const HEX_LENGTH = { sha256: 64, sha512: 128 };
/** Why `value` is not a usable digest, or undefined when it is one. */
function digestProblem(value) {
    const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([^\s]*)$/.exec(value);
    if (!m)
        return `'${value}' is not a digest of the form sha256:<64 hex digits>`;
    const [, algorithm, hex] = m;
    const expected = HEX_LENGTH[algorithm];
    if (expected === undefined)
        return `digest algorithm '${algorithm}' is not supported (use sha256 or sha512)`;
    if (!/^[a-f0-9]*$/.test(hex))
        return `digest '${value}' must be lowercase hexadecimal after '${algorithm}:'`;
    if (hex.length !== expected)
        return `a ${algorithm} digest has ${expected} hex digits, '${value}' has ${hex.length}`;
    return undefined;
}
function isDigest(value) {
    return digestProblem(value) === undefined;
}
function algorithmOf(digest) {
    return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}
function digestOf(bytes, algorithm = 'sha256') {
    return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
/** Hashes a stream to its digest and size (consumes it). */
async function digestOfStream(stream, algorithm = 'sha256') {
    const hash = createHash(algorithm);
    let size = 0;
    for await (const chunk of stream) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(b);
        size += b.length;
    }
    return { digest: `${algorithm}:${hash.digest('hex')}`, size };
}
class DigestMismatchError extends Error {
    expected;
    actual;
    constructor(expected, actual, what) {
        super(`${what} has digest ${actual}, expected ${expected}`);
        this.expected = expected;
        this.actual = actual;
        this.name = 'DigestMismatchError';
    }
}
/**
 * A pass-through that hashes what flows by and fails the stream at its end when the
 * content is not `expected` (or not `expectedSize` bytes), so a consumer never takes a
 * corrupt or truncated blob for a good one.
 */
class VerifyingStream extends external_node_stream_.Transform {
    expected;
    expectedSize;
    what;
    onBytes;
    hash;
    seen = 0;
    constructor(expected, expectedSize, what, onBytes) {
        super();
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.what = what;
        this.onBytes = onBytes;
        this.hash = createHash(algorithmOf(expected));
    }
    _transform(chunk, _enc, done) {
        this.hash.update(chunk);
        this.seen += chunk.length;
        this.onBytes?.(chunk.length);
        done(null, chunk);
    }
    _flush(done) {
        if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
            done(new Error(`${this.what} ended after ${this.seen} of ${this.expectedSize} bytes`));
            return;
        }
        const actual = `${algorithmOf(this.expected)}:${this.hash.digest('hex')}`;
        done(actual === this.expected ? null : new DigestMismatchError(this.expected, actual, this.what));
    }
}

;// CONCATENATED MODULE: ./src/toolkit/registry/reference.ts
/**
 * Image references, parsed the way Docker does (distribution/reference grammar):
 * `[host[:port]/]path[:tag][@algorithm:hex]`. The first path component is a registry host
 * when it has a '.' or ':' or is 'localhost'; otherwise the image is on Docker Hub, and a
 * single-component Hub name lives under `library/`.
 */


const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const MAX_NAME_LENGTH = 255;
const EXAMPLE = 'Write it as registry.example.com/team/app:1.2.3 or registry.example.com/team/app@sha256:<64 hex digits>';
/** Parses an image reference; every problem is an InputError naming `inputName` and the fix. */
function parseReference(value, inputName) {
    const text = value.trim();
    const fail = (problem, fix = EXAMPLE) => {
        throw new errors/* InputError */.dz(inputName, problem, fix);
    };
    if (!text)
        fail('an image reference is empty');
    if (/\s/.test(text))
        fail(`'${text}' contains whitespace`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
        fail(`'${text}' has a URL scheme`, 'Leave out the scheme: registry.example.com/team/app:tag');
    let rest = text;
    let digest;
    const at = rest.indexOf('@');
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        const problem = digestProblem(digest);
        if (problem)
            fail(`in '${text}', ${problem}`, 'Copy the full digest printed by the build (sha256: followed by 64 lowercase hex digits)');
    }
    let tag;
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag)) {
            fail(`'${tag}' in '${text}' is not a valid tag`, 'A tag is 1-128 characters of letters, digits, _, . and -, not starting with . or -');
        }
    }
    const parts = rest.split('/');
    let registry = DOCKER_HUB;
    const first = parts[0];
    if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
        if (!HOST.test(first))
            fail(`'${first}' in '${text}' is not a valid registry host[:port]`);
        registry = HUB_ALIASES.has(first.toLowerCase()) ? DOCKER_HUB : first;
        parts.shift();
    }
    if (registry === DOCKER_HUB && parts.length === 1)
        parts.unshift('library');
    for (const part of parts) {
        if (PATH_COMPONENT.test(part))
            continue;
        if (PATH_COMPONENT.test(part.toLowerCase())) {
            fail(`repository names must be lowercase, '${text}' has '${part}'`, `Use '${part.toLowerCase()}'`);
        }
        fail(`'${part}' in '${text}' is not a valid repository path component`, 'Use lowercase letters and digits, separated by single ".", "_", "__" or "-", with "/" between components');
    }
    const repository = parts.join('/');
    if (repository.length + registry.length + 1 > MAX_NAME_LENGTH)
        fail(`'${text}' is longer than ${MAX_NAME_LENGTH} characters`);
    return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}
/** The canonical text of a reference: `registry/repository[:tag][@digest]`. */
function formatReference(ref) {
    return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
function repositoryOf(ref) {
    return { registry: ref.registry, repository: ref.repository };
}
/** `registry/repository`, for messages and summaries. */
function formatRepository(repo) {
    return `${repo.registry}/${repo.repository}`;
}
/** The tag or digest to ask the registry for: the digest when pinned, else the tag, else `latest`. */
function manifestReference(ref) {
    return ref.digest ?? ref.tag ?? 'latest';
}
function sameRepository(a, b) {
    return a.registry === b.registry && a.repository === b.repository;
}

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
    return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}
/** What a credential helper is asked for: Hub's historical URL, else the host. */
function serverUrl(registry) {
    return registry === DOCKER_HUB ? HUB_SERVER : registry;
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

// EXTERNAL MODULE: ./src/toolkit/registry/ecr-host.ts
var ecr_host = __nccwpck_require__(589);
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

;// CONCATENATED MODULE: ./src/toolkit/retry.ts
/** Bounded retries with exponential backoff and full jitter, honouring a server's Retry-After. */
const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Thrown by an attempt to ask for another try, optionally after a server-given delay. */
class RetryableError extends Error {
    retryAfterMs;
    constructor(message, retryAfterMs) {
        super(message);
        this.retryAfterMs = retryAfterMs;
        this.name = 'RetryableError';
    }
}
function backoffDelay(policy, attempt, random = Math.random) {
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + random() * (cap / 2));
}
/** Parses Retry-After (seconds or an HTTP date) into milliseconds; undefined if absent or unreadable. */
function parseRetryAfter(header, now = Date.now()) {
    if (!header)
        return undefined;
    if (/^\d+$/.test(header.trim()))
        return Number(header.trim()) * 1000;
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
/**
 * Runs `attempt` until it succeeds, throws something other than RetryableError, or the
 * attempts run out (then the last RetryableError is thrown). `onRetry` is told each wait.
 */
async function withRetry(attempt, policy = DEFAULT_RETRY, onRetry, wait = sleep) {
    for (let n = 1;; n++) {
        try {
            return await attempt(n);
        }
        catch (e) {
            if (!(e instanceof RetryableError) || n >= policy.attempts)
                throw e;
            const waitMs = Math.min(policy.maxDelayMs * 6, e.retryAfterMs ?? backoffDelay(policy, n));
            onRetry?.(e, waitMs, n);
            await wait(waitMs);
        }
    }
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __nccwpck_require__(7067);
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
    constructor(transport, auth, stats, reporter, insecure, retry = DEFAULT_RETRY) {
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
        const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
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
                    throw new RetryableError('asked for authentication again during an upload');
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
                throw new RetryableError('answered 429 Too Many Requests', parseRetryAfter(header(res, 'retry-after')));
            }
            if (res.status >= 500) {
                const text = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
                throw new RetryableError(`answered ${res.status} ${res.statusText}${describeErrors(text)}`);
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
            return await withRetry(attempt, this.retry, (err, waitMs, n) => this.reporter.info(`${registry}: ${err.message}; retry ${n}/${this.retry.attempts - 1} in ${(waitMs / 1000).toFixed(1)} s`));
        }
        catch (e) {
            if (e instanceof RetryableError) {
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
                throw new RetryableError(what);
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
            if (failure instanceof RetryableError) {
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
        if (e instanceof RetryableError || e instanceof errors/* ServiceError */._7)
            return e;
        if (e instanceof DigestMismatchError || e.name === 'BlobSourceError') {
            return new errors/* ServiceError */._7(`registry ${repo.registry}`, `upload of ${digest} to ${repo.repository} failed: ${e.message}`);
        }
        // The source or the connection dropped midway: start over from a new session.
        if (isNetworkError(e) || /ended after|premature/i.test(e.message)) {
            return new RetryableError(`upload of ${digest} to ${repo.repository} interrupted (${e.message})`);
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
var types = __nccwpck_require__(8369);
;// CONCATENATED MODULE: ./src/toolkit/registry/client.ts
/**
 * The OCI distribution client behind RegistryClient: manifests (verified against their
 * digest), streamed blobs, cross-repository mounts, uploads that restart cleanly, referrers
 * and tags. Credentials come from Docker's config.json (or ECR); see auth.ts, http-session.ts.
 */














/** A manifest the registry does not hold: callers may catch it to tell "absent" from "broken". */
class ManifestNotFoundError extends errors/* ServiceError */._7 {
    constructor(registry, repository, reference) {
        super(`registry ${registry}`, `has no manifest ${repository}${isDigest(reference) ? '@' : ':'}${reference}`, 'Check the repository name, tag or digest');
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
        if (isDigest(reference) && digest && digest !== reference) {
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `answered digest ${digest} for a HEAD of ${reference}`);
        }
        if (!digest && !isDigest(reference))
            return (await this.getManifest(repo, reference)).descriptor; // registry without digest headers
        if (!mediaType || !Number.isFinite(size))
            return (await this.getManifest(repo, reference)).descriptor;
        return { mediaType, digest: digest ?? reference, size };
    }
    async getManifest(repo, reference) {
        const call = this.http.call(this.manifestCall(repo, 'GET', reference));
        warmUpHashing(); // the bytes get hashed when they arrive: load the hashing while they travel
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
        const expected = isDigest(reference) ? reference : claimed;
        const actual = digestOf(bytes, expected ? algorithmOf(expected) : 'sha256');
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
        const digest = digestOf(bytes, isDigest(reference) ? algorithmOf(reference) : 'sha256');
        if (isDigest(reference) && reference !== digest) {
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
            throw new errors/* ServiceError */._7(`registry ${repo.registry}`, `stored manifest ${repo.repository}${isDigest(reference) ? '@' : ':'}${reference} as ${stored ?? 'nothing'}, but its bytes hash to ${digest}`);
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
        const verifier = new VerifyingStream(digest, length !== undefined ? Number(length) : undefined, `blob ${repo.repository}@${digest}`, (n) => (this.stats.bytesDownloaded += n));
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
        if (this.opts.ecr && (0,ecr_host/* isEcrHost */.R)(registry))
            return this.opts.ecr.credentials(registry);
        const env = this.opts.env ?? process.env;
        this.config ??= loadDockerConfig(this.opts.dockerConfigDir ?? dockerConfigDir(env));
        return credentialsFromConfig(await this.config, registry, this.opts.exec ?? exec, this.reporter, env);
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

;// CONCATENATED MODULE: ./src/toolkit/lazy.ts
/**
 * `lazy(load)`: a function that runs `load` on its first call and hands every caller the same
 * promise. Used with `await import(...)` so a heavy dependency (the AWS SDK) is loaded, as its
 * own ncc chunk, only on the path that needs it, once. A failed load is not kept: the next
 * call tries again.
 */
function lazy(load) {
    let pending;
    return () => {
        pending ??= load().catch((err) => {
            pending = undefined;
            throw err;
        });
        return pending;
    };
}

;// CONCATENATED MODULE: ./src/promote-artifact/aws.ts
/**
 * promote-artifact's ECR side, loaded on first use: ECR credentials (GetAuthorizationToken)
 * and ECR's native retag. The AWS SDK is most of the bundle, so it is imported (as its own
 * ncc chunk) only when a source or destination is an ECR host; promotions between other
 * registries never load it.
 */

/**
 * One ECRClient per region, made on first use; the region in the host name wins over
 * `awsRegion` (a token from one region does not open another region's registry).
 */
function lazyEcr(awsRegion, reporter) {
    const load = lazy(async () => {
        const [{ createEcrCredentialProvider, ecrClientPool }, { ecrRetagger }] = await Promise.all([Promise.all(/* import() */[__nccwpck_require__.e(249), __nccwpck_require__.e(466)]).then(__nccwpck_require__.bind(__nccwpck_require__, 8466)), Promise.all(/* import() */[__nccwpck_require__.e(249), __nccwpck_require__.e(475)]).then(__nccwpck_require__.bind(__nccwpck_require__, 3475))]);
        const pool = ecrClientPool();
        const clientFor = (hostRegion) => pool(hostRegion || awsRegion || '');
        return { provider: createEcrCredentialProvider({ clientFor, reporter }), retag: ecrRetagger(clientFor) };
    });
    return {
        credentials: { credentials: async (host) => (await load()).provider.credentials(host) },
        retag: async (repo, tag, digest) => (await load()).retag(repo, tag, digest),
    };
}

;// CONCATENATED MODULE: ./src/toolkit/inputs.ts
/**
 * Small typed parsers from the runner's raw input strings to values, each throwing an
 * InputError that names the input and the accepted values (in the style of Azure/k8s-deploy).
 * Nothing here touches @actions/core, so parsers run the same inside and outside GitHub.
 */


/** Reads one raw value, applying the declared default, trimming, and enforcing `required`. */
function rawValue(specs, raw, name) {
    const spec = specs[name];
    const given = raw[name];
    const value = (given === undefined || given.trim() === '' ? (spec.default ?? '') : given).trim();
    if (spec.required && value === '')
        throw new errors/* InputError */.dz(name, 'is required but was empty', `Set '${name}' in the step's 'with:'`);
    return value;
}
const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0', '']);
function parseBoolean(name, value) {
    if (TRUE.has(value))
        return true;
    if (FALSE.has(value))
        return false;
    throw new errors/* InputError */.dz(name, `'${value}' is not a boolean`, 'Use true or false');
}
function parseEnum(name, value, allowed) {
    const found = allowed.find((a) => a === value.toLowerCase() || a === value);
    if (found === undefined)
        throw new InputError(name, `'${value}' is not one of ${allowed.join(', ')}`, `Use one of: ${allowed.join(', ')}`);
    return found;
}
/** Items separated by newlines or commas; blanks and `#` comment lines dropped. */
function parseList(value) {
    return value
        .split(/\r?\n|,/)
        .map((s) => s.trim())
        .filter((s) => s !== '' && !s.startsWith('#'));
}
/** Lines only (for values that may contain commas, such as `set` or build args). */
function parseLines(value) {
    return value
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s !== '' && !s.startsWith('#'));
}
function parseInteger(name, value, opts = {}) {
    if (!/^-?\d+$/.test(value))
        throw new errors/* InputError */.dz(name, `'${value}' is not a whole number`, 'Give a whole number such as 3');
    const n = Number(value);
    checkRange(name, n, opts);
    return n;
}
function parseNumber(name, value, opts = {}) {
    const n = Number(value);
    if (value === '' || !Number.isFinite(n))
        throw new InputError(name, `'${value}' is not a number`, 'Give a number such as 0.5');
    checkRange(name, n, opts);
    return n;
}
function checkRange(name, n, { min, max }) {
    if (min !== undefined && n < min)
        throw new errors/* InputError */.dz(name, `${n} is below the minimum ${min}`, `Give a value of at least ${min}`);
    if (max !== undefined && n > max)
        throw new errors/* InputError */.dz(name, `${n} is above the maximum ${max}`, `Give a value of at most ${max}`);
}
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Go-style durations as Helm and Prometheus write them: `90s`, `5m`, `1h30m`, `250ms`; a bare number is seconds. */
function parseDuration(name, value) {
    const v = value.trim();
    if (/^\d+(\.\d+)?$/.test(v))
        return Math.round(Number(v) * 1000);
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
    let total = 0;
    let consumed = 0;
    for (let m = re.exec(v); m !== null; m = re.exec(v)) {
        total += Number(m[1]) * UNIT_MS[m[2]];
        consumed = re.lastIndex;
    }
    if (v === '' || consumed !== v.length) {
        throw new InputError(name, `'${value}' is not a duration`, 'Write it like 30s, 5m, 1h30m or 250ms');
    }
    return Math.round(total);
}
/** Formats milliseconds back the way parseDuration reads them (for helm --timeout and logs). */
function formatDuration(ms) {
    if (ms % 3_600_000 === 0 && ms > 0)
        return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0 && ms > 0)
        return `${ms / 60_000}m`;
    if (ms % 1000 === 0)
        return `${ms / 1000}s`;
    return `${ms}ms`;
}
function parseHttpUrl(name, value) {
    // a rejected URL is quoted without any user:password@ it holds
    const shown = withoutUserinfo(value);
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new InputError(name, `'${shown}' is not a URL`, 'Give a full http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new InputError(name, `'${shown}' is not an http(s) URL`, 'Use an http:// or https:// URL');
    }
    return url;
}
/**
 * An http(s) URL without user:password@: the URL gets logged (so the password would leak) and
 * fetch refuses such URLs anyway. The message does not repeat the URL; `fix` says where the
 * credentials go instead.
 */
function parseHttpUrlWithoutCredentials(name, value, fix = 'Use a mirror reachable without credentials in the URL') {
    const url = parseHttpUrl(name, value);
    if (url.username !== '' || url.password !== '') {
        throw new InputError(name, 'contains credentials (user:password@)', fix);
    }
    return url;
}
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** An AWS region code such as eu-west-1; empty gives undefined. `fix` says what else may be done. */
function parseAwsRegion(name, value, fix = 'Give a region code such as eu-west-1') {
    if (!value)
        return undefined;
    if (!AWS_REGION.test(value))
        throw new errors/* InputError */.dz(name, `'${value}' is not an AWS region`, fix);
    return value;
}

;// CONCATENATED MODULE: ./src/toolkit/registry/insecure-registries.ts
/**
 * The `insecure-registries` input shared by the actions that talk to registries. The client
 * (http-session.ts) lets these hosts, and loopback, use plain HTTP; every other host needs HTTPS.
 */


const INSECURE_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
/**
 * The `insecure-registries` input: `host`, `host:port` or `http://host[:port]`, comma or newline
 * separated; anything else is refused (it would never match a registry).
 */
function parseInsecureRegistries(name, value) {
    const fix = 'List registry hosts as host or host:port (for example registry.internal:5000), without https:// or a path';
    return parseList(value).map((entry) => {
        let host = entry;
        const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry);
        if (scheme) {
            if (scheme[1].toLowerCase() !== 'http')
                throw new errors/* InputError */.dz(name, `'${entry}' is not a plain-HTTP host`, fix);
            host = entry.slice(scheme[0].length).replace(/\/$/, '');
        }
        if (!INSECURE_HOST.test(host))
            throw new errors/* InputError */.dz(name, `'${entry}' is not a host name`, fix);
        return host;
    });
}

;// CONCATENATED MODULE: ./src/promote-artifact/inputs.ts
/**
 * Inputs of promote-artifact: one source image, the destinations it goes to, and how.
 * Everything a user can get wrong is refused here, before any registry is touched.
 */




const INPUTS = {
    source: { required: true },
    destinations: { required: true },
    'require-digest': { default: 'true' },
    'insecure-registries': {},
    'aws-region': {},
    // 6 at once, as skopeo (containers/image) copies layers: with 4, the 5th layer of a typical image waited for a free slot.
    concurrency: { default: '6' },
    referrers: { default: 'true' },
    'immutable-tags': { default: 'false' },
    'dry-run': { default: 'false' },
};
const OUTPUTS = (/* unused pure expression or super */ null && (['digest', 'promoted', 'bytes-copied', 'requests', 'plan']));
function parseInputs(raw) {
    const get = (n) => rawValue(INPUTS, raw, n);
    const requireDigest = parseBoolean('require-digest', get('require-digest'));
    const source = parseReference(get('source'), 'source');
    if (requireDigest && !source.digest) {
        throw new errors/* InputError */.dz('source', `'${get('source')}' names a tag, not a digest, and require-digest is true`, `Pin the tested image: ${source.registry}/${source.repository}@sha256:<digest> (the build step's digest output), or set require-digest: false`);
    }
    const awsRegion = parseAwsRegion('aws-region', get('aws-region'), 'Give a region such as eu-west-1, or leave it empty to use the region in the ECR host name');
    return {
        source,
        destinations: parseDestinations(get('destinations'), source),
        insecureRegistries: parseInsecureRegistries('insecure-registries', get('insecure-registries')),
        awsRegion,
        concurrency: parseInteger('concurrency', get('concurrency'), { min: 1, max: 16 }),
        referrers: parseBoolean('referrers', get('referrers')),
        immutableTags: parseBoolean('immutable-tags', get('immutable-tags')),
        dryRun: parseBoolean('dry-run', get('dry-run')),
    };
}
/** Each destination gets the source tag when it names none; the promoted digest is the source's. */
function parseDestinations(value, source) {
    const items = parseList(value);
    if (items.length === 0) {
        throw new errors/* InputError */.dz('destinations', 'names no destination', 'List one or more image references, one per line or comma separated, e.g. registry.example.com/team/app:staging');
    }
    const seen = new Set();
    return items.map((item) => {
        const ref = parseReference(item, 'destinations');
        if (ref.digest && ref.digest !== source.digest) {
            throw new errors/* InputError */.dz('destinations', `'${item}' pins ${ref.digest}, ${source.digest ? `but the source is ${source.digest}` : 'but the source names no digest'}`, 'Leave the digest out of destinations: the source digest is what gets promoted');
        }
        const dest = { registry: ref.registry, repository: ref.repository, tag: ref.tag ?? source.tag };
        const text = formatReference(dest);
        if (sameRepository(dest, source) && (dest.tag === undefined || dest.tag === source.tag)) {
            throw new errors/* InputError */.dz('destinations', `'${item}' is the source itself`, 'Name another tag, repository or registry to promote to');
        }
        if (seen.has(text))
            throw new errors/* InputError */.dz('destinations', `'${text}' is listed twice`, 'List each destination once');
        seen.add(text);
        return dest;
    });
}

;// CONCATENATED MODULE: ./src/toolkit/summary.ts
/** Markdown for job summaries: tables, details blocks and Mermaid charts GitHub renders. */
/** Escapes what would break a table cell: pipes, newlines, and HTML-ish angle brackets. */
function cell(value) {
    return String(value ?? '')
        .replace(/\\/g, '\\\\')
        .replace(/\|/g, '\\|')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/\r?\n/g, '<br>');
}
function table(headers, rows) {
    const head = `| ${headers.map(cell).join(' | ')} |`;
    const rule = `| ${headers.map(() => '---').join(' | ')} |`;
    const body = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
    return [head, rule, ...body].join('\n') + '\n\n';
}
function heading(text, level = 2) {
    return `${'#'.repeat(level)} ${text}\n\n`;
}
function details(summaryText, body) {
    return `<details><summary>${cell(summaryText)}</summary>\n\n${body}\n</details>\n\n`;
}
function codeBlock(text, lang = '') {
    return '```' + lang + '\n' + text.replace(/```/g, '`\u200b``') + '\n```\n\n';
}
/**
 * The colours lines get, in series order, by name: xychart has no legend, so the chart's title
 * names each line's colour. Chosen to stay apart for the common colour-vision deficiencies
 * (orange/blue first) and on GitHub's light and dark backgrounds.
 */
const LINE_COLOURS = [
    { name: 'orange', hex: '#e8590c' },
    { name: 'blue', hex: '#1c7ed6' },
    { name: 'red', hex: '#c92a2a' },
    { name: 'grey', hex: '#868e96' },
    { name: 'green', hex: '#2b8a3e' },
    { name: 'purple', hex: '#862e9c' },
];
/**
 * A Mermaid `xychart-beta` line chart (GitHub renders it in job summaries). Each series gets a
 * named colour (Mermaid front matter `config.themeVariables.xyChart.plotColorPalette`) and the
 * title says which is which ("… — canary orange, baseline blue"); `yTitle` is the y axis with
 * its unit (e.g. "error rate (share of requests)"). At most LINE_COLOURS.length series.
 */
function lineChart(title, xLabels, series, yTitle, options = {}) {
    if (series.length > LINE_COLOURS.length)
        throw new Error(`lineChart: ${series.length} series, at most ${LINE_COLOURS.length} colours`);
    const num = (v) => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : '0');
    const text = (t) => t.replace(/"/g, "'");
    let positions = xLabels.map((_, i) => i);
    if (options.missing === 'skip') {
        positions = positions.filter((i) => series.every((s) => Number.isFinite(s.values[i])));
        if (positions.length < 2)
            return '';
    }
    const colours = series.map((s, i) => ({ series: s.name, ...LINE_COLOURS[i] }));
    const key = colours.map((c) => `${c.series} ${c.name}`).join(', ');
    const lines = [
        '```mermaid',
        '---',
        'config:',
        '  themeVariables:',
        '    xyChart:',
        `      plotColorPalette: "${colours.map((c) => c.hex).join(', ')}"`,
        '---',
        'xychart-beta',
        `  title "${text(`${title} — ${key}`)}"`,
        `  x-axis [${positions.map((i) => `"${text(xLabels[i])}"`).join(', ')}]`,
        `  y-axis "${text(yTitle)}"`,
        ...series.map((s) => `  line [${positions.map((i) => num(s.values[i])).join(', ')}]`),
        '```',
    ];
    const legend = `\n_Lines: ${colours.map((c) => `${c.series} (${c.name})`).join(', ')}_\n`;
    return lines.join('\n') + '\n' + legend + '\n';
}
function formatBytes(n) {
    if (n < 1024)
        return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
function formatMs(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

;// CONCATENATED MODULE: ./src/promote-artifact/image-graph.ts
/**
 * An image as a tree read from the source once: an index's child manifests, and each
 * manifest's config and layer blobs. Copy and mount paths write it bottom-up from here.
 */




/** What a manifest points at: child manifests (index) or blobs (image); foreign layers are skipped, as registries do. */
function manifestLinks(blob, where) {
    let json;
    try {
        json = JSON.parse(blob.bytes.toString('utf8'));
    }
    catch {
        throw new errors/* ServiceError */._7(where, `manifest ${blob.descriptor.digest} is not JSON`, 'The source holds something other than an OCI or Docker image');
    }
    const mediaType = blob.descriptor.mediaType || json.mediaType || '';
    if (types/* INDEX_MEDIA_TYPES */.kA.includes(mediaType) || (Array.isArray(json.manifests) && !json.config)) {
        return { children: json.manifests ?? [], blobs: [] };
    }
    if (!json.config)
        throw new errors/* ServiceError */._7(where, `manifest ${blob.descriptor.digest} (${mediaType}) has no config`, 'Only OCI and Docker schema 2 images and indexes can be promoted');
    const layers = (json.layers ?? []).filter((l) => !(l.urls && l.urls.length > 0));
    return { children: [], blobs: [json.config, ...layers] };
}
/** Reads the whole tree under `root` from `repo` (children fetched by digest, verified by the client). */
async function loadImage(client, repo, root, concurrency, depth = 0) {
    const where = formatRepository(repo);
    if (depth > 3)
        throw new errors/* ServiceError */._7(where, `index ${root.descriptor.digest} nests deeper than 3 levels`, 'Flatten the index');
    const links = manifestLinks(root, where);
    const children = await pool_mapLimit(links.children, concurrency, async (d) => loadImage(client, repo, await client.getManifest(repo, d.digest), concurrency, depth + 1));
    return { manifest: root, children, blobs: links.blobs };
}

;// CONCATENATED MODULE: ./src/toolkit/registry/push-blobs.ts



/** Throws a ServiceError naming the digest unless the repository holds the blob at its exact size. */
async function verifyBlobPresent(client, repo, blob) {
    const size = await client.headBlob(repo, blob.digest);
    if (size !== blob.size) {
        throw new errors/* ServiceError */._7(formatRepository(repo), `blob ${blob.digest} is ${size === undefined ? 'missing' : `${size} bytes, not ${blob.size}`} right after it was written`, 'The registry lost or altered the upload; nothing was tagged. Check its storage and retry');
    }
}
/** Uploads a blob already known to be missing, then verifies it. */
async function uploadBlobVerified(client, repo, blob, open) {
    await client.putBlob(repo, blob.digest, blob.size, () => open(blob));
    await verifyBlobPresent(client, repo, blob);
}
/** The verb: skip when present at its size, else upload and verify. */
async function ensureBlobPresent(client, repo, blob, open) {
    if ((await client.headBlob(repo, blob.digest)) === blob.size)
        return 'present';
    await uploadBlobVerified(client, repo, blob, open);
    return 'uploaded';
}
/** `ensureBlobPresent` over the distinct blobs, at most `concurrency` at once; the first failure rejects. */
async function ensureBlobsPresent(client, repo, blobs, open, concurrency) {
    const distinct = [...new Map(blobs.map((b) => [b.digest, b])).values()];
    const counts = { present: 0, uploaded: 0 };
    await mapLimit(distinct, concurrency, async (blob) => {
        counts[await ensureBlobPresent(client, repo, blob, open)]++;
    });
    return counts;
}

;// CONCATENATED MODULE: ./src/promote-artifact/blobs.ts
/**
 * Gets blobs into a destination repository the cheapest way: already there (HEAD), mounted
 * from the source repository (same registry), or streamed from the source registry. Every
 * blob is checked present with its exact size after it is written (toolkit push-blobs).
 */


async function transferBlobs(client, from, to, blobs, mode, concurrency) {
    const counts = { present: 0, mounted: 0, uploaded: 0 };
    const open = (blob) => client.getBlob(from, blob.digest);
    await pool_mapLimit(blobs, concurrency, async (blob) => {
        if (mode === 'copy') {
            counts[await ensureBlobPresent(client, to, blob, open)]++;
        }
        else if (await client.mountBlob(to, blob.digest, from)) {
            // A mount of a blob the repository already has is answered 201 too, so it needs no HEAD first.
            await verifyBlobPresent(client, to, blob);
            counts.mounted++;
        }
        else {
            // The 202 already said the blob is not there: upload without another HEAD.
            await uploadBlobVerified(client, to, blob, open);
            counts.uploaded++;
        }
    });
    return counts;
}

;// CONCATENATED MODULE: ./src/promote-artifact/manifests.ts
/**
 * Writes an image tree into a destination repository: the manifests it lacks, children
 * before parents, each PUT by digest and then checked with a HEAD by digest. Subtrees the
 * destination already holds are skipped whole (a registry only accepts a manifest whose
 * blobs and children are present, so a present manifest vouches for everything below it).
 */




/** The nodes `to` lacks, children before their parent (the order they must be written in). */
async function missingNodes(client, to, node, concurrency, knownAbsent = false) {
    const digest = node.manifest.descriptor.digest;
    if (!knownAbsent && (await client.headManifest(to, digest))?.digest === digest)
        return [];
    const below = await pool_mapLimit(node.children, concurrency, (c) => missingNodes(client, to, c, concurrency));
    return [...below.flat(), node];
}
/** PUT by digest, then HEAD by digest: the destination must hold exactly the source bytes. */
async function putVerified(client, to, node) {
    const { digest, mediaType, size } = node.manifest.descriptor;
    const stored = await client.putManifest(to, digest, node.manifest.bytes, mediaType);
    const head = await client.headManifest(to, digest);
    if (stored !== digest || head?.digest !== digest || head.size !== size) {
        throw new errors/* ServiceError */._7(formatRepository(to), `manifest ${digest} was stored as ${head ? `${head.digest} (${head.size} bytes)` : stored}, not byte-exact`, 'The registry rewrote the manifest; promote to a registry that keeps manifests as pushed. Nothing was tagged');
    }
}
async function writeTree(client, from, to, root, mode, concurrency, 
/** The caller just saw `to` lack the root manifest (a HEAD by digest): don't ask again. */
rootAbsent = false) {
    const missing = await missingNodes(client, to, root, concurrency, rootAbsent);
    if (missing.length === 0)
        return { present: 0, mounted: 0, uploaded: 0, manifestsWritten: 0 };
    const blobs = [...new Map(missing.flatMap((n) => n.blobs).map((b) => [b.digest, b])).values()];
    const counts = await transferBlobs(client, from, to, blobs, mode, concurrency);
    // Strictly in order: a parent may only be written once every child is verified present.
    for (const node of missing)
        await putVerified(client, to, node);
    return { ...counts, manifestsWritten: missing.length };
}

;// CONCATENATED MODULE: ./src/promote-artifact/plan.ts
/**
 * The promotion plan as data: for each destination, the cheapest path that gets the source
 * digest there. It is decided from reads only (one HEAD per destination), printed before
 * anything is written, tested on its own, and summarised after the run.
 */



/** What each path costs, for logs, the summary and the README. */
const PATH_COST = {
    noop: 'already holds the digest: 1 HEAD, no write',
    retag: 'same repository: 1 HEAD + 1 manifest PUT under the new tag + 1 HEAD reading it back, no blob traffic',
    'ecr-retag': 'same ECR repository: 1 HEAD, then BatchGetImage + PutImage (ECR API), then 1 HEAD reading the tag back, no blob traffic',
    mount: 'same registry: cross-repository blob mounts (copy where the registry declines), no blob bytes',
    copy: 'other registry: blobs streamed source -> destination, several at once',
};
/** Said once under the cost list: the source read every path shares (in the total, not in a destination's row). */
const SHARED_COST = 'all destinations share one GET of the source manifest at the start: its bytes are what every path writes';
/** The path rule: no write if the digest is there, else retag < mount < copy by locality. */
function choosePath(source, destination, holdsDigest, isEcrHost) {
    if (holdsDigest)
        return 'noop';
    if (sameRepository(source, destination))
        return isEcrHost(destination.registry) ? 'ecr-retag' : 'retag';
    if (source.registry === destination.registry)
        return 'mount';
    return 'copy';
}
/**
 * Looks at each destination once (HEAD of its tag, or of the digest for digest-only
 * destinations), up to `concurrency` at once. `digest` may still be on its way (a source
 * given by tag): tag destinations are looked at without waiting for it. An immutable tag
 * already holding another digest stops the promotion here, before anything has been written
 * to any destination. Each destination's `lookupRequests` is its one HEAD; token requests and
 * retries of these concurrent looks count in the step's total only.
 */
async function buildPlan(client, source, digest, mediaType, destinations, options) {
    const held = await pool_mapLimit(destinations, options.concurrency ?? 1, async (dest) => (await client.headManifest(dest, dest.tag ?? (await digest)))?.digest);
    const wanted = await digest;
    const planned = destinations.map((dest, i) => {
        const now = held[i];
        if (now !== undefined && now !== wanted && options.immutableTags)
            throw tagConflict(dest, now, wanted);
        const path = choosePath(source, dest, now === wanted, options.isEcrHost);
        return { ...dest, path, lookupRequests: 1, ...(now !== undefined && now !== wanted ? { previousDigest: now } : {}) };
    });
    return { source, digest: wanted, mediaType: await mediaType, destinations: planned };
}
/** How a destination is named in logs and outputs: with its tag, or `@digest` when pushed by digest only. */
function destinationReference(dest, digest) {
    return formatReference(dest.tag === undefined ? { ...dest, digest } : dest);
}
/** The error for a tag that already holds another digest and must not move. */
function tagConflict(dest, held, wanted) {
    return new errors/* ServiceError */._7(formatReference(dest), `the tag already points at ${held}, not at the promoted ${wanted}, and tags are immutable here`, 'Promote under a new tag, or delete the old tag first if moving it is intended');
}
/** The plan as log lines: one per destination, path first, so a reader scans the paths. */
function formatPlan(plan) {
    const width = Math.max(...plan.destinations.map((d) => d.path.length));
    const lines = plan.destinations.map((d) => {
        const moved = d.previousDigest ? ` (tag moves from ${d.previousDigest})` : '';
        return `  ${d.path.padEnd(width)}  ${destinationReference(d, plan.digest)}  - ${PATH_COST[d.path]}${moved}`;
    });
    const sigs = plan.signatureTags;
    if (sigs) {
        const found = sigs.found.map((t) => `${t.tag} (${t.digest})`).join(', ');
        lines.push(`  signature tags (cosign) at the source: ${found || 'none'}${sigs.unknown.length ? `; could not check ${sigs.unknown.map((u) => u.tag).join(', ')}` : ''}`);
    }
    return [`Promotion plan for ${formatReference({ ...plan.source, digest: plan.digest })} (${plan.mediaType}):`, ...lines].join('\n');
}

;// CONCATENATED MODULE: ./src/promote-artifact/tag-write.ts
/**
 * A tag write that is checked after it happens. A registry answers a manifest PUT with the
 * digest of what it just stored, but another writer may move the tag a moment later (two
 * promotions to one tag at once); only a read of the tag after the write (HEAD, OCI
 * distribution spec "Checking if content exists") says what the tag holds now.
 */


/** The error for a tag found holding `held` right after this run wrote `wanted` to it. */
function tagMovedError(repo, tag, held, wanted) {
    return new errors/* ServiceError */._7(formatReference({ ...repo, tag }), `after writing ${wanted}, the tag holds ${held ?? 'nothing'}: another writer (a promotion running at the same time?) moved it, so ${wanted} is not what the tag serves`, 'Run one promotion per tag at a time (concurrency: in the workflow), then promote again; with immutable-tags, use a registry that enforces them (ECR IMMUTABLE, Harbor)');
}
/** Reads the tag back (one HEAD) and throws tagMovedError unless it holds `digest`. */
async function verifyTag(client, repo, tag, digest) {
    const held = (await client.headManifest(repo, tag))?.digest;
    if (held !== digest)
        throw tagMovedError(repo, tag, held, digest);
}
/** PUT `bytes` under `tag`, then read the tag back: resolves only when the tag holds `digest`. */
async function putTagVerified(client, repo, tag, bytes, mediaType, digest) {
    const stored = await client.putManifest(repo, tag, bytes, mediaType);
    if (stored !== digest) {
        throw new errors/* ServiceError */._7(formatReference({ ...repo, tag }), `the registry reports ${stored} for the tag, not the promoted ${digest}`, 'The registry rewrote the manifest, so the promotion is not byte-exact; check the destination tag by hand');
    }
    await verifyTag(client, repo, tag, digest);
}

;// CONCATENATED MODULE: ./src/promote-artifact/referrers.ts
/**
 * Referrers (signatures, SBOMs, attestations) travel with the image. Each referrer manifest
 * is written like an image (blobs first, verified); where the destination has no OCI 1.1
 * referrers API, the `sha256-<hex>` tag-scheme index is written (byte-exact when the
 * destination had none, else merged) so verifiers find them there as they did at the source.
 */






/** Referrers of referrers (a signature on an SBOM) are followed this deep. */
const MAX_DEPTH = 2;
function referrersTag(digest) {
    return digest.replace(':', '-');
}
/**
 * `client.referrers(from, digest)`, each digest asked once: every destination needs the same
 * answer about the source, and the first ask can go out while the plan is still being made.
 * A failed ask is not kept (the next caller asks again, after the client's own retries).
 */
function sourceReferrers(client, from) {
    const asked = new Map();
    return (digest) => {
        let answer = asked.get(digest);
        if (!answer) {
            answer = client.referrers(from, digest);
            asked.set(digest, answer);
            answer.catch(() => asked.delete(digest));
        }
        return answer;
    };
}
/** Copies the referrers `to` lacks; returns how many referrer manifests were written. `sourceOf` defaults to asking `from` each time. */
async function syncReferrers(client, from, to, digest, mode, concurrency, sourceOf = (d) => client.referrers(from, d), depth = 1) {
    const source = await sourceOf(digest);
    if (source.descriptors.length === 0)
        return 0;
    const before = await client.referrers(to, digest);
    const missing = source.descriptors.filter((d) => !holds(before.descriptors, d));
    let written = 0;
    for (const d of missing) {
        const node = await loadImage(client, from, await client.getManifest(from, d.digest), concurrency);
        written += (await writeTree(client, from, to, node, mode, concurrency)).manifestsWritten;
    }
    if (missing.length > 0)
        await indexReferrers(client, from, to, digest, missing, source.via, before);
    if (depth < MAX_DEPTH) {
        for (const d of source.descriptors)
            written += await syncReferrers(client, from, to, d.digest, mode, concurrency, sourceOf, depth + 1);
    }
    return written;
}
function holds(list, d) {
    return list.some((h) => h.digest === d.digest);
}
/** Makes sure the destination lists every copied referrer, writing the tag-scheme index if needed. */
async function indexReferrers(client, from, to, digest, copied, sourceVia, before) {
    // An OCI 1.1 registry lists pushed referrers by itself: ask again. A tag-scheme index has not changed since `before`.
    const listed = before.via === 'api' ? await client.referrers(to, digest) : before;
    const unlisted = copied.filter((d) => !holds(listed.descriptors, d));
    if (unlisted.length === 0)
        return;
    const where = formatRepository(to);
    if (listed.via === 'api') {
        throw new errors/* ServiceError */._7(where, `the referrers API does not list ${unlisted.map((d) => d.digest).join(', ')} after they were pushed`, 'Check that the registry supports OCI 1.1 subject indexing');
    }
    const tag = referrersTag(digest);
    if (listed.descriptors.length === 0 && sourceVia === 'tag-schema') {
        const index = await client.getManifest(from, tag);
        await putTagVerified(client, to, tag, index.bytes, index.descriptor.mediaType, index.descriptor.digest);
    }
    else {
        const merged = { schemaVersion: 2, mediaType: types/* MEDIA_TYPES */.Z2.ociIndex, manifests: [...listed.descriptors, ...unlisted] };
        await client.putManifest(to, tag, Buffer.from(JSON.stringify(merged)), types/* MEDIA_TYPES */.Z2.ociIndex);
    }
    const after = await client.referrers(to, digest);
    const lost = copied.filter((d) => !holds(after.descriptors, d));
    if (lost.length > 0)
        throw new errors/* ServiceError */._7(where, `referrers ${lost.map((d) => d.digest).join(', ')} are not listed under ${tag} after writing it`);
}

;// CONCATENATED MODULE: ./src/promote-artifact/signature-tags.ts
/**
 * Signatures stored by tag, the way cosign stores them by default (no OCI 1.1 referrers): a
 * manifest tagged `sha256-<hex>.sig` (signatures), `.att` (attestations) or `.sbom` (SBOMs)
 * beside the image in its repository. Nothing in them names the image as `subject`, so neither
 * the referrers API nor the `sha256-<hex>` tag-schema index lists them: they are found by name,
 * one HEAD each, for the image and for each manifest of an index (`cosign sign --recursive`).
 * At a destination in another repository each is written like an image (blobs, manifest by
 * digest, verified), then tagged and read back; same-repository destinations share the tags.
 */






/** cosign's tag suffixes: `cosign sign`, `cosign attest`, `cosign attach sbom`. */
const SIGNATURE_SUFFIXES = ['sig', 'att', 'sbom'];
/** `sha256:<hex>` + `sig` -> `sha256-<hex>.sig` (cosign's ociremote.SignatureTag and friends). */
function signatureTag(digest, suffix) {
    return `${digest.replace(':', '-')}.${suffix}`;
}
/** One HEAD per (digest, suffix) at the source; digests are the image's and its index children's. */
async function findSignatureTags(client, source, digests, concurrency) {
    const tags = digests.flatMap((d) => SIGNATURE_SUFFIXES.map((s) => signatureTag(d, s)));
    const looked = await pool_mapLimit(tags, concurrency, async (tag) => {
        try {
            return { tag, digest: (await client.headManifest(source, tag))?.digest };
        }
        catch (err) {
            return { tag, error: (0,errors/* errorLine */.BP)(err) };
        }
    });
    return {
        found: looked.flatMap((l) => (l.digest ? [{ tag: l.tag, digest: l.digest }] : [])),
        unknown: looked.flatMap((l) => (l.error ? [{ tag: l.tag, error: l.error }] : [])),
    };
}
async function syncSignatureTags(client, from, to, tags, mode, concurrency, reporter) {
    const out = [];
    for (const t of tags) {
        if (sameRepository(from, to)) {
            out.push({ ...t, result: 'shared', note: 'same repository: the tag is already beside the image' });
            continue;
        }
        let held;
        try {
            held = (await client.headManifest(to, t.tag))?.digest;
        }
        catch (err) {
            const note = `could not be checked at ${formatReference({ ...to, tag: t.tag })}: ${(0,errors/* errorLine */.BP)(err)}`;
            reporter.warning(`Signature tag ${t.tag} ${note}; it may not have travelled with the image`);
            out.push({ ...t, result: 'not checked', note });
            continue;
        }
        if (held === t.digest) {
            out.push({ ...t, result: 'already there' });
            continue;
        }
        const manifest = await client.getManifest(from, t.digest);
        if (held !== undefined) {
            // cosign appends signatures to the tag's manifest: one holding all of ours (and more) is fine
            if (holdsAllLayers(await client.getManifest(to, held), manifest)) {
                out.push({ ...t, result: 'already there', note: `the destination's ${held} holds every source signature layer and more` });
                continue;
            }
            throw new errors/* ServiceError */._7(formatReference({ ...to, tag: t.tag }), `the signature tag holds ${held}, which lacks signatures of the source's ${t.digest}; it was not overwritten`, `Merge them with cosign (cosign copy), or delete the destination tag if replacing it is intended`);
        }
        await writeTree(client, from, to, await loadImage(client, from, manifest, concurrency), mode, concurrency);
        await putTagVerified(client, to, t.tag, manifest.bytes, manifest.descriptor.mediaType, t.digest);
        out.push({ ...t, result: 'written' });
    }
    return out;
}
/**
 * One key per layer descriptor: digest plus annotations. cosign's payload (the layer blob) is the
 * same for every signature of one image; the signature itself is the layer's
 * `dev.cosignproject.cosign/signature` annotation (and certificate/bundle), so the digest alone
 * cannot tell two signatures apart.
 */
function layerKeys(m) {
    try {
        const json = JSON.parse(m.bytes.toString('utf8'));
        return (json.layers ?? []).map((l) => {
            const annotations = Object.entries(l.annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            return JSON.stringify([l.digest ?? '', annotations]);
        });
    }
    catch {
        return [];
    }
}
function holdsAllLayers(destination, source) {
    const have = new Set(layerKeys(destination));
    const want = layerKeys(source);
    return want.length > 0 && want.every((d) => have.has(d));
}

;// CONCATENATED MODULE: ./src/promote-artifact/engine.ts
/**
 * Executes a promotion plan with the registry client's verbs, one destination at a time so
 * each one's requests, bytes and time are its own. In every path the destination tag is
 * written after every blob, child manifest and referrer is verified present, and read back
 * after it is written; cosign's signature tags follow the image.
 */









async function executePlan(plan, root, deps, options) {
    const { client, reporter } = deps;
    const now = deps.now ?? Date.now;
    let image;
    // The source tree is read once, and only if a destination needs blobs or child manifests.
    const loadOnce = async () => (image ??= await loadImage(client, plan.source, root, options.concurrency));
    const outcomes = [];
    for (const dest of plan.destinations) {
        const start = { requests: client.stats.requests, bytes: client.stats.bytesUploaded, ms: now() };
        const blobs = { present: 0, mounted: 0, uploaded: 0 };
        let written = false;
        let referrersWritten = 0;
        const mode = dest.registry === plan.source.registry ? 'mount' : 'copy';
        if (dest.path === 'mount' || dest.path === 'copy') {
            // The plan's HEAD of a digest-only destination already found the root manifest absent there.
            const rootAbsent = dest.tag === undefined;
            const tree = await writeTree(client, plan.source, dest, await loadOnce(), mode, options.concurrency, rootAbsent);
            Object.assign(blobs, { present: tree.present, mounted: tree.mounted, uploaded: tree.uploaded });
            written = tree.manifestsWritten > 0;
        }
        // Same-repository paths share the source's referrers already; other repositories get them copied.
        const otherRepo = dest.registry !== plan.source.registry || dest.repository !== plan.source.repository;
        if (options.referrers && otherRepo) {
            referrersWritten = await syncReferrers(client, plan.source, dest, plan.digest, mode, options.concurrency, deps.referrers);
        }
        if (dest.path === 'ecr-retag') {
            if (!deps.ecrRetag)
                throw new errors/* ServiceError */._7(formatRepository(dest), 'is an ECR repository but no ECR client is configured', 'Set aws-region');
            written = await deps.ecrRetag(dest, dest.tag, plan.digest);
            if (written)
                await verifyTag(client, dest, dest.tag, plan.digest);
        }
        else if (dest.path !== 'noop' && dest.tag !== undefined) {
            written = (await putTag(client, dest, dest.tag, root, plan.digest, reporter, options.immutableTags === true)) || written;
        }
        const signatureTags = options.referrers && plan.signatureTags
            ? await syncSignatureTags(client, plan.source, dest, plan.signatureTags.found, mode, options.concurrency, reporter)
            : [];
        const outcome = {
            destination: dest,
            reference: destinationReference(dest, plan.digest),
            written,
            // The plan's look at this destination is part of what it cost.
            requests: dest.lookupRequests + client.stats.requests - start.requests,
            bytes: client.stats.bytesUploaded - start.bytes,
            ms: now() - start.ms,
            blobs,
            referrersWritten,
            signatureTags,
        };
        outcomes.push(outcome);
        deps.onOutcome?.(outcome);
        reporter.info(describe(outcome));
    }
    return outcomes;
}
/**
 * The tag write of a destination. With immutable tags the tag is checked again right before
 * the write (the plan looked long before). A failed PUT (e.g. an immutable tag) is success when
 * the tag already holds the digest, and otherwise an error naming both digests and what the
 * registry answered. A PUT that succeeded is read back: a tag holding another digest by then
 * (another promotion wrote it) is an error naming both. Returns whether the tag was written.
 */
async function putTag(client, dest, tag, root, digest, reporter, immutable) {
    if (immutable) {
        const now = (await client.headManifest(dest, tag))?.digest;
        if (now === digest) {
            reporter.info(`${formatReference(dest)} holds ${digest} already (written since the plan looked): nothing to do`);
            return false;
        }
        if (now !== undefined)
            throw tagConflict(dest, now, digest);
    }
    let stored;
    try {
        stored = await client.putManifest(dest, tag, root.bytes, root.descriptor.mediaType);
    }
    catch (err) {
        const held = (await client.headManifest(dest, tag).catch(() => undefined))?.digest;
        if (held === digest) {
            reporter.info(`${formatReference(dest)} refused the tag write but already holds ${digest}: nothing to do`);
            return false;
        }
        if (held !== undefined) {
            throw new errors/* ServiceError */._7(formatReference(dest), `the tag already points at ${held}, not at the promoted ${digest}; writing it failed: ${(0,errors/* errorLine */.BP)(err)}`, 'If the tag is immutable, promote under a new tag, or delete the old tag first if moving it is intended');
        }
        throw err;
    }
    if (stored !== digest) {
        throw new errors/* ServiceError */._7(formatReference(dest), `the registry reports ${stored} for the tag, not the promoted ${digest}`, 'The registry rewrote the manifest, so the promotion is not byte-exact; check the destination tag by hand');
    }
    await verifyTag(client, dest, tag, digest);
    return true;
}
function describe(o) {
    const blobs = o.blobs.mounted + o.blobs.uploaded + o.blobs.present > 0
        ? `, blobs ${o.blobs.mounted} mounted / ${o.blobs.uploaded} uploaded / ${o.blobs.present} present`
        : '';
    const referrers = o.referrersWritten > 0 ? `, ${o.referrersWritten} referrer manifest(s)` : '';
    const sigs = o.signatureTags.length > 0 ? `, signature tags: ${o.signatureTags.map((t) => `${t.tag} ${t.result}`).join(', ')}` : '';
    const what = o.written ? o.destination.path : `${o.destination.path} (nothing written)`;
    return `${what} ${o.reference}: ${o.requests} request(s), ${formatBytes(o.bytes)} uploaded, ${formatMs(o.ms)}${blobs}${referrers}${sigs}`;
}

;// CONCATENATED MODULE: ./src/promote-artifact/summary.ts
/** The job summary: what was promoted, where, by which path, at what cost; then the outputs. */



function promotionSummary(s) {
    const title = s.error ? 'Promotion failed' : s.dryRun ? 'Promotion plan (dry run, nothing written)' : 'Promoted';
    let md = heading(`${title}: ${s.plan.digest}`);
    md += table(['promoted', 'value'], [
        ['source', formatReference(s.source)],
        ['digest', s.plan.digest],
        ['image', `${s.shape} (${s.plan.mediaType})`],
    ]);
    if (s.error)
        md += `**Error:** ${s.error}\n\n`;
    const done = new Map(s.outcomes.map((o) => [o.reference, o]));
    const rows = s.plan.destinations.map((d) => {
        const ref = destinationReference(d, s.plan.digest);
        const o = done.get(ref);
        const result = s.dryRun ? 'planned' : !o ? 'not reached' : o.written ? 'written' : 'already there';
        const moved = o ? o.blobs.mounted + o.blobs.uploaded + o.blobs.present : 0;
        const blobs = moved > 0 && o ? `${o.blobs.mounted} mounted, ${o.blobs.uploaded} uploaded, ${o.blobs.present} present` : '-';
        return [ref, d.path, result, o?.requests ?? '', o ? formatBytes(o.bytes) : '', blobs, o?.referrersWritten ?? '', o ? formatMs(o.ms) : ''];
    });
    rows.push(['**all, with source resolution and planning**', '', '', s.outputs.requests, formatBytes(Number(s.outputs['bytes-copied'])), '', '', '']);
    md += table(['destination', 'path', 'result', 'requests', 'uploaded', 'blobs', 'referrers written', 'time'], rows);
    md += signatureTagsSection(s);
    const paths = [...new Set(s.plan.destinations.map((d) => d.path))];
    md += [...paths.map((p) => `- **${p}**: ${PATH_COST[p]}`), `- ${SHARED_COST}`].join('\n') + '\n\n';
    md += details('Plan as printed in the log', codeBlock(formatPlan(s.plan)));
    md += details('Outputs', table(['output', 'value'], Object.entries(s.outputs)));
    return md;
}
/** The summary of a step that failed before a plan existed: nothing was written anywhere. */
function unplannedSummary(source, error) {
    return (heading('Promotion failed before anything was written') + table(['promotion', 'value'], [['source', formatReference(source)]]) + `**Error:** ${error}\n\n`);
}
/** cosign's signature tags: one row per tag and destination, with what became of it. */
function signatureTagsSection(s) {
    const sigs = s.plan.signatureTags;
    if (!sigs)
        return '';
    if (sigs.found.length === 0 && sigs.unknown.length === 0)
        return 'Signature tags (cosign `sha256-<hex>.sig` / `.att` / `.sbom`): none at the source.\n\n';
    const rows = [];
    for (const o of s.outcomes)
        for (const t of o.signatureTags)
            rows.push([o.reference, t.tag, t.digest, t.result, t.note ?? '']);
    const reached = new Set(s.outcomes.map((o) => o.reference));
    for (const d of s.plan.destinations) {
        const ref = destinationReference(d, s.plan.digest);
        if (!reached.has(ref))
            for (const t of sigs.found)
                rows.push([ref, t.tag, t.digest, s.dryRun ? 'planned' : 'not reached', '']);
    }
    for (const u of sigs.unknown)
        rows.push(['(source)', u.tag, '', 'not checked', `the source registry could not be asked: ${u.error}`]);
    return heading('Signature tags (cosign)', 3) + table(['destination', 'tag', 'digest', 'result', 'note'], rows);
}

;// CONCATENATED MODULE: ./src/promote-artifact/run.ts
/**
 * promote-artifact: resolve the source once, plan every destination from reads only, then
 * execute the plan (tags last), report outputs and the summary. Clients are injected.
 */








/**
 * Reads the source once and plans every destination; nothing is written here. The reads do
 * not depend on one another, so they go out together rather than one round trip each: the
 * source manifest, each destination's look, and (when a destination is in another repository)
 * the signature-tag HEADs and the source's referrers. With a source pinned by digest all of
 * them start at once; given by tag, what needs the digest waits for the manifest.
 */
async function resolveAndPlan(inputs, deps, reporter) {
    const { client } = deps;
    const source = repositoryOf(inputs.source);
    const rootP = client.getManifest(source, manifestReference(inputs.source));
    const digestP = inputs.source.digest !== undefined ? Promise.resolve(inputs.source.digest) : rootP.then((r) => r.descriptor.digest);
    const mediaTypeP = rootP.then((r) => r.descriptor.mediaType);
    const planP = buildPlan(client, source, digestP, mediaTypeP, inputs.destinations, {
        immutableTags: inputs.immutableTags,
        isEcrHost: deps.isEcrHost,
        concurrency: inputs.concurrency,
    });
    // cosign's tag-stored signatures and the referrers only need carrying to other repositories
    const carry = inputs.referrers && inputs.destinations.some((d) => !sameRepository(d, source));
    const referrers = sourceReferrers(client, source);
    if (carry && !inputs.dryRun)
        void digestP.then((d) => referrers(d)).catch(() => undefined); // asked now, awaited by the first destination
    const rootSigsP = carry ? digestP.then((d) => findSignatureTags(client, source, [d], inputs.concurrency)) : undefined;
    // The source's answer comes first: a missing source is the error to report, whatever the other reads met.
    for (const p of [digestP, mediaTypeP, planP, rootSigsP])
        p?.catch(() => undefined);
    const root = await rootP;
    const digest = root.descriptor.digest;
    if (inputs.source.digest)
        reporter.info(`Source ${formatReference(inputs.source)}`);
    else
        reporter.info(`Resolved ${formatReference(inputs.source)} to ${digest} once; that digest is what gets promoted`);
    const childSigsP = carry
        ? findSignatureTags(client, source, manifestLinks(root, formatReference(inputs.source)).children.map((c) => c.digest), inputs.concurrency)
        : undefined;
    childSigsP?.catch(() => undefined);
    const plan = await planP;
    if (rootSigsP && childSigsP) {
        const [own, children] = await Promise.all([rootSigsP, childSigsP]);
        plan.signatureTags = { found: [...own.found, ...children.found], unknown: [...own.unknown, ...children.unknown] };
        for (const u of plan.signatureTags.unknown)
            reporter.warning(`Could not check the source for signature tag ${u.tag} (${u.error}); signatures stored under it may not travel`);
    }
    return { root, plan, referrers };
}
async function run(inputs, deps, reporter) {
    const { client } = deps;
    let planned;
    try {
        planned = await resolveAndPlan(inputs, deps, reporter);
    }
    catch (err) {
        // Failing before any write (source missing, immutable tag conflict, login refused) still gets a summary.
        await reporter.summary(unplannedSummary(inputs.source, (0,errors/* errorLine */.BP)(err)));
        throw err;
    }
    const { root, plan, referrers } = planned;
    const digest = plan.digest;
    reporter.info(formatPlan(plan));
    const children = manifestLinks(root, formatReference(inputs.source)).children.length;
    const shape = children > 0 ? `image index, ${children} manifests` : 'single-platform image';
    const outcomes = [];
    const outputsNow = () => ({
        digest,
        promoted: JSON.stringify(outcomes.filter((o) => o.written).map((o) => o.reference)),
        'bytes-copied': String(client.stats.bytesUploaded),
        requests: String(client.stats.requests),
        plan: JSON.stringify(plan.destinations.map((d) => ({ destination: destinationReference(d, digest), path: d.path }))),
    });
    const report = async (error) => {
        const outputs = outputsNow();
        for (const [name, value] of Object.entries(outputs))
            reporter.setOutput(name, value);
        await reporter.summary(promotionSummary({ source: inputs.source, plan, shape, outcomes, outputs, dryRun: inputs.dryRun, error }));
        return outputs;
    };
    if (inputs.dryRun) {
        reporter.info('dry-run: nothing written');
        return { plan, outcomes, outputs: await report() };
    }
    try {
        await executePlan(plan, root, { client, reporter, ecrRetag: deps.ecrRetag, now: deps.now, referrers, onOutcome: (o) => outcomes.push(o) }, inputs);
    }
    catch (err) {
        await report((0,errors/* errorLine */.BP)(err));
        throw err;
    }
    const outputs = await report();
    reporter.info(`Promoted ${digest}: ${outputs.promoted}; ${outputs['bytes-copied']} bytes uploaded in ${outputs.requests} registry requests`);
    return { plan, outcomes, outputs };
}

;// CONCATENATED MODULE: ./src/promote-artifact/main.ts







void actionMain(Object.keys(INPUTS), parseInputs, async (inputs, reporter) => {
    // One masking reporter for ECR and the client: ECR's token is also the Basic header, masked once.
    const masking = maskOnce(reporter);
    // The AWS SDK loads only if an ECR host is involved (AWS credentials come from the environment).
    const ecr = lazyEcr(inputs.awsRegion, masking);
    const client = createRegistryClient({
        reporter: masking,
        insecureRegistries: inputs.insecureRegistries,
        ecr: ecr.credentials,
        concurrency: inputs.concurrency,
    });
    try {
        await run(inputs, { client, isEcrHost: (h) => (0,ecr_host/* isEcrHost */.R)(h) !== undefined, ecrRetag: ecr.retag }, reporter);
    }
    finally {
        client.close();
    }
});

