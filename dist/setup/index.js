import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 4589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 6698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 7540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 8474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

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

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 7075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 1692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 3136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 3429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 5919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 8522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 3557:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

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
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
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

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
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
    process.stdout.write(`::${name}::${escapeData(message)}${external_node_os_namespaceObject.EOL}`);
}
/** Appends one entry to the file named by GITHUB_<command> (OUTPUT, PATH, ...). */
function issueFileCommand(command, message) {
    const file = process.env[`GITHUB_${command}`];
    if (!file)
        throw new Error(`Unable to find environment variable for file command ${command}`);
    if (!(0,external_node_fs_namespaceObject.existsSync)(file))
        throw new Error(`Missing file at path: ${file}`);
    (0,external_node_fs_namespaceObject.appendFileSync)(file, `${message}${external_node_os_namespaceObject.EOL}`, { encoding: 'utf8' });
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
    return `${name}<<${delimiter}${external_node_os_namespaceObject.EOL}${value}${external_node_os_namespaceObject.EOL}${delimiter}`;
}
/** INPUT_<NAME> (spaces as `_`, upper case); '' when unset. Trimmed unless trimWhitespace is false. */
function getInput(name, options = {}) {
    const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
    if (options.required && !value)
        throw new Error(`Input required and not supplied: ${name}`);
    return options.trimWhitespace === false ? value : value.trim();
}
function info(message) {
    process.stdout.write(message + external_node_os_namespaceObject.EOL);
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
    process.stdout.write(external_node_os_namespaceObject.EOL);
    process.stdout.write(`::set-output name=${name.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C')}::${escapeData(value)}${external_node_os_namespaceObject.EOL}`);
}
/** Saves state for the action's `post:` step (GITHUB_STATE; the deprecated `::save-state::` when it is unset). */
function saveState(name, value) {
    if (process.env.GITHUB_STATE)
        return issueFileCommand('STATE', keyValueMessage(name, value));
    process.stdout.write(`::save-state name=${name.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C')}::${escapeData(value)}${external_node_os_namespaceObject.EOL}`);
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
    process.env.PATH = `${dir}${external_node_path_namespaceObject.delimiter}${process.env.PATH}`;
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
        (0,external_node_fs_namespaceObject.accessSync)(file, external_node_fs_namespaceObject.constants.R_OK | external_node_fs_namespaceObject.constants.W_OK);
    }
    catch {
        throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`);
    }
    (0,external_node_fs_namespaceObject.appendFileSync)(file, markdown + external_node_os_namespaceObject.EOL, { encoding: 'utf8' });
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


;// CONCATENATED MODULE: ./src/toolkit/errors.ts
/**
 * The two kinds of failure a user may see. Anything else is a bug and is reported as
 * "unexpected error" with its message; stacks only ever go to the debug log.
 */
/** Bad input: names the input and says how to fix it. Raised before anything is written. */
class errors_InputError extends Error {
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
    if (err instanceof errors_InputError || err instanceof ServiceError)
        text = err.message;
    else if (err instanceof Error)
        text = `Unexpected error: ${err.message}`;
    else
        text = `Unexpected error: ${String(err)}`;
    return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

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
        setFailed(coreReporter.redact(errorLine(err)));
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

;// CONCATENATED MODULE: ./src/toolkit/tool-cache.ts
/**
 * The real ToolCache. `find` reads the runner's tool cache itself; the rest is
 * @actions/tool-cache (ESM-only, so only bundles import this), imported on first use: it
 * brings @actions/core, @actions/http-client and undici, which a run that finds its tools
 * cached (or fails on its inputs) should not pay for at start.
 */





const tc = lazy(() => __nccwpck_require__.e(/* import() */ 991).then(__nccwpck_require__.bind(__nccwpck_require__, 5991)));
/**
 * @actions/tool-cache's `find` for an explicit version (ours always are: tools.ts parses them):
 * `$RUNNER_TOOL_CACHE/<tool>/<version>/<arch>` with its `.complete` marker, the layout its
 * `cacheDir` writes; '' when absent.
 */
function findCached(tool, version, env = process.env) {
    const root = env.RUNNER_TOOL_CACHE;
    if (!root || !version)
        return '';
    const dir = external_node_path_namespaceObject.join(root, tool, version.replace(/^v/, ''), (0,external_node_os_namespaceObject.arch)());
    return (0,external_node_fs_namespaceObject.existsSync)(dir) && (0,external_node_fs_namespaceObject.existsSync)(`${dir}.complete`) ? dir : '';
}
const actionsToolCache = {
    find: (tool, version) => findCached(tool, version),
    downloadTool: async (url) => (await tc()).downloadTool(url),
    extractTar: async (file) => (await tc()).extractTar(file),
    cacheDir: async (dir, tool, version) => (await tc()).cacheDir(dir, tool, version),
    addPath: addPath,
};

;// CONCATENATED MODULE: ./src/toolkit/secrets.ts
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
        throw new errors_InputError(name, 'is required but was empty', `Set '${name}' in the step's 'with:'`);
    return value;
}
const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0', '']);
function parseBoolean(name, value) {
    if (TRUE.has(value))
        return true;
    if (FALSE.has(value))
        return false;
    throw new InputError(name, `'${value}' is not a boolean`, 'Use true or false');
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
        throw new InputError(name, `'${value}' is not a whole number`, 'Give a whole number such as 3');
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
        throw new InputError(name, `${n} is below the minimum ${min}`, `Give a value of at least ${min}`);
    if (max !== undefined && n > max)
        throw new InputError(name, `${n} is above the maximum ${max}`, `Give a value of at most ${max}`);
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
        throw new errors_InputError(name, `'${shown}' is not a URL`, 'Give a full http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new errors_InputError(name, `'${shown}' is not an http(s) URL`, 'Use an http:// or https:// URL');
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
        throw new errors_InputError(name, 'contains credentials (user:password@)', fix);
    }
    return url;
}
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** An AWS region code such as eu-west-1; empty gives undefined. `fix` says what else may be done. */
function parseAwsRegion(name, value, fix = 'Give a region code such as eu-west-1') {
    if (!value)
        return undefined;
    if (!AWS_REGION.test(value))
        throw new InputError(name, `'${value}' is not an AWS region`, fix);
    return value;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
;// CONCATENATED MODULE: ./src/toolkit/tools.ts
/**
 * Installs pinned command-line tools through the runner's tool cache, verifying the download
 * against its published SHA-256 before anything is extracted or put on PATH.
 */




const HEX64 = /^[a-f0-9]{64}$/;
/** Finds the SHA-256 for `fileName` in a checksum file (`<sum>  <name>` lines, or a bare sum). */
function checksumFromFile(text, fileName) {
    const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
    for (const l of lines) {
        const [sum, name] = l.split(/\s+\*?/);
        if (HEX64.test(sum?.toLowerCase() ?? '') && (name === undefined || external_node_path_namespaceObject.basename(name) === fileName))
            return sum.toLowerCase();
    }
    return undefined;
}
async function sha256File(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for await (const chunk of (0,external_node_fs_namespaceObject.createReadStream)(file))
        hash.update(chunk);
    return hash.digest('hex');
}
/** Returns the directory now on PATH holding the tool's binary. */
async function installTool(tc, spec, reporter, opts = {}) {
    if (opts.sha256 !== undefined && !HEX64.test(opts.sha256)) {
        throw new errors_InputError(`${spec.name}-sha256`, `'${opts.sha256}' is not a SHA-256`, 'Give 64 lowercase hex characters');
    }
    const cached = await tc.find(spec.name, spec.version);
    if (cached) {
        reporter.info(`${spec.name} ${spec.version} found in the tool cache`);
        tc.addPath(cached);
        return cached;
    }
    const base = (opts.baseUrl ?? spec.defaultBase).replace(/\/+$/, '');
    const url = spec.archiveUrl(base, spec.version);
    const fileName = external_node_path_namespaceObject.basename(new URL(url).pathname);
    // Said before the first request: a slow checksum or archive download shows what it waits for.
    reporter.info(`Downloading ${spec.name} ${spec.version} from ${url}`);
    let expected = opts.sha256;
    if (!expected) {
        const sumUrl = spec.checksumUrl(base, spec.version);
        const sumFile = await download(tc, sumUrl, spec.name);
        const { readFile } = await Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 1455, 23));
        expected = checksumFromFile(await readFile(sumFile, 'utf8'), fileName);
        if (!expected)
            throw new ServiceError(spec.name, `no SHA-256 for ${fileName} in ${sumUrl}`, 'Pin the checksum with the sha256 input');
    }
    const archive = await download(tc, url, spec.name);
    const actual = await sha256File(archive);
    if (actual !== expected) {
        throw new ServiceError(spec.name, `checksum mismatch for ${fileName}: expected sha256 ${expected}, downloaded ${actual}`, 'The download was refused and nothing was added to PATH; check the version, the mirror and the pinned checksum');
    }
    reporter.info(`${fileName}: sha256 ${actual} verified`);
    const extracted = await tc.extractTar(archive);
    const dir = await tc.cacheDir(external_node_path_namespaceObject.join(extracted, spec.binDir(spec.version)), spec.name, spec.version);
    tc.addPath(dir);
    return dir;
}
async function download(tc, url, name) {
    try {
        return await tc.downloadTool(url);
    }
    catch (e) {
        throw new ServiceError(name, `download of ${url} failed: ${e.message}`, 'Check the version and the network or mirror');
    }
}
/** The tools Shipline pins. Versions are the defaults; each action may take a version input. */
const TOOLS = {
    helm: {
        name: 'helm',
        version: '3.19.0',
        defaultBase: 'https://get.helm.sh',
        archiveUrl: (b, v) => `${b}/helm-v${v}-linux-amd64.tar.gz`,
        checksumUrl: (b, v) => `${b}/helm-v${v}-linux-amd64.tar.gz.sha256sum`,
        binDir: () => 'linux-amd64',
    },
    trivy: {
        name: 'trivy',
        version: '0.67.2',
        defaultBase: 'https://github.com/aquasecurity/trivy/releases/download',
        archiveUrl: (b, v) => `${b}/v${v}/trivy_${v}_Linux-64bit.tar.gz`,
        checksumUrl: (b, v) => `${b}/v${v}/trivy_${v}_checksums.txt`,
        binDir: () => '.',
    },
};
const RELEASE = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
/**
 * A `<tool>-version` input: a release such as 3.19.0 (a leading v is dropped) or, where the
 * action allows it, `path` for the tool already on PATH.
 */
function parseToolVersion(name, value, opts = {}) {
    if (opts.allowPath && value === 'path')
        return value;
    if (!RELEASE.test(value)) {
        const orPath = opts.allowPath ? `, or 'path' to use the ${name} on PATH` : '';
        throw new errors_InputError(`${name}-version`, `'${value}' is not a version`, `Give a release such as ${TOOLS[name].version}${orPath}`);
    }
    return value.replace(/^v/, '');
}
/** A `<tool>-sha256` input: empty (the published checksum is checked) or 64 hex digits. */
function parseToolSha256(name, value) {
    const sha = value.toLowerCase();
    if (sha && !HEX64.test(sha))
        throw new errors_InputError(`${name}-sha256`, 'is not a SHA-256', 'Give 64 hex characters');
    return sha || undefined;
}
function toolSpec(name, version) {
    const spec = TOOLS[name];
    return version ? { ...spec, version: version.replace(/^v/, '') } : spec;
}

;// CONCATENATED MODULE: ./src/setup/inputs.ts
/** Inputs of the root setup action: which pinned tools to install, checksum-verified. */



const INPUTS = {
    tools: { default: 'helm' },
    'helm-version': { default: TOOLS.helm.version },
    'trivy-version': { default: TOOLS.trivy.version },
    'helm-sha256': {},
    'trivy-sha256': {},
    mirror: {},
};
const OUTPUTS = (/* unused pure expression or super */ null && (['helm-path', 'trivy-path']));
function parseInputs(raw) {
    const get = (n) => rawValue(INPUTS, raw, n);
    const names = parseList(get('tools'));
    if (names.length === 0)
        throw new errors_InputError('tools', 'names no tool', `Name one or more of: ${Object.keys(TOOLS).join(', ')}`);
    const tools = names.map((n) => {
        if (!(n in TOOLS))
            throw new errors_InputError('tools', `'${n}' is not a tool Shipline installs`, `Use: ${Object.keys(TOOLS).join(', ')}`);
        const name = n;
        return { name, version: parseToolVersion(name, get(`${name}-version`)), sha256: parseToolSha256(name, get(`${name}-sha256`)) };
    });
    const mirror = get('mirror');
    return { tools, mirror: mirror ? parseHttpUrlWithoutCredentials('mirror', mirror).toString() : undefined };
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

;// CONCATENATED MODULE: ./src/setup/run.ts


async function run(inputs, tc, reporter) {
    const rows = [];
    for (const t of inputs.tools) {
        const dir = await installTool(tc, toolSpec(t.name, t.version), reporter, { baseUrl: inputs.mirror, sha256: t.sha256 });
        reporter.setOutput(`${t.name}-path`, dir);
        rows.push([t.name, t.version, dir]);
    }
    await reporter.summary(heading('Shipline tools') + table(['tool', 'version', 'path'], rows));
}

;// CONCATENATED MODULE: ./src/setup/main.ts




void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) => run(inputs, actionsToolCache, reporter));

