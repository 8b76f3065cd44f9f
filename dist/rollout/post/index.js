import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

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

/***/ 1421:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");

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

/***/ 7030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

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

/***/ 932:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("process");

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

/***/ }),

/***/ 7349:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveBlockMap = __nccwpck_require__(7103);
var resolveBlockSeq = __nccwpck_require__(334);
var resolveFlowCollection = __nccwpck_require__(3142);

function resolveCollection(CN, ctx, token, onError, tagName, tag) {
    const coll = token.type === 'block-map'
        ? resolveBlockMap.resolveBlockMap(CN, ctx, token, onError, tag)
        : token.type === 'block-seq'
            ? resolveBlockSeq.resolveBlockSeq(CN, ctx, token, onError, tag)
            : resolveFlowCollection.resolveFlowCollection(CN, ctx, token, onError, tag);
    const Coll = coll.constructor;
    // If we got a tagName matching the class, or the tag name is '!',
    // then use the tagName from the node class used to create it.
    if (tagName === '!' || tagName === Coll.tagName) {
        coll.tag = Coll.tagName;
        return coll;
    }
    if (tagName)
        coll.tag = tagName;
    return coll;
}
function composeCollection(CN, ctx, token, props, onError) {
    const tagToken = props.tag;
    const tagName = !tagToken
        ? null
        : ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg));
    if (token.type === 'block-seq') {
        const { anchor, newlineAfterProp: nl } = props;
        const lastProp = anchor && tagToken
            ? anchor.offset > tagToken.offset
                ? anchor
                : tagToken
            : (anchor ?? tagToken);
        if (lastProp && (!nl || nl.offset < lastProp.offset)) {
            const message = 'Missing newline after block sequence props';
            onError(lastProp, 'MISSING_CHAR', message);
        }
    }
    const expType = token.type === 'block-map'
        ? 'map'
        : token.type === 'block-seq'
            ? 'seq'
            : token.start.source === '{'
                ? 'map'
                : 'seq';
    // shortcut: check if it's a generic YAMLMap or YAMLSeq
    // before jumping into the custom tag logic.
    if (!tagToken ||
        !tagName ||
        tagName === '!' ||
        (tagName === YAMLMap.YAMLMap.tagName && expType === 'map') ||
        (tagName === YAMLSeq.YAMLSeq.tagName && expType === 'seq')) {
        return resolveCollection(CN, ctx, token, onError, tagName);
    }
    let tag = ctx.schema.tags.find(t => t.tag === tagName && t.collection === expType);
    if (!tag) {
        const kt = ctx.schema.knownTags[tagName];
        if (kt?.collection === expType) {
            ctx.schema.tags.push(Object.assign({}, kt, { default: false }));
            tag = kt;
        }
        else {
            if (kt) {
                onError(tagToken, 'BAD_COLLECTION_TYPE', `${kt.tag} used for ${expType} collection, but expects ${kt.collection ?? 'scalar'}`, true);
            }
            else {
                onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, true);
            }
            return resolveCollection(CN, ctx, token, onError, tagName);
        }
    }
    const coll = resolveCollection(CN, ctx, token, onError, tagName, tag);
    const res = tag.resolve?.(coll, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg), ctx.options) ?? coll;
    const node = identity.isNode(res)
        ? res
        : new Scalar.Scalar(res);
    node.range = coll.range;
    node.tag = tagName;
    if (tag?.format)
        node.format = tag.format;
    return node;
}

exports.composeCollection = composeCollection;


/***/ }),

/***/ 3683:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Document = __nccwpck_require__(3021);
var composeNode = __nccwpck_require__(5937);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);

function composeDoc(options, directives, { offset, start, value, end }, onError) {
    const opts = Object.assign({ _directives: directives }, options);
    const doc = new Document.Document(undefined, opts);
    const ctx = {
        atKey: false,
        atRoot: true,
        directives: doc.directives,
        options: doc.options,
        schema: doc.schema
    };
    const props = resolveProps.resolveProps(start, {
        indicator: 'doc-start',
        next: value ?? end?.[0],
        offset,
        onError,
        parentIndent: 0,
        startOnNewline: true
    });
    if (props.found) {
        doc.directives.docStart = true;
        if (value &&
            (value.type === 'block-map' || value.type === 'block-seq') &&
            !props.hasNewline)
            onError(props.end, 'MISSING_CHAR', 'Block collection cannot start on same line with directives-end marker');
    }
    // @ts-expect-error If Contents is set, let's trust the user
    doc.contents = value
        ? composeNode.composeNode(ctx, value, props, onError)
        : composeNode.composeEmptyNode(ctx, props.end, start, null, props, onError);
    const contentEnd = doc.contents.range[2];
    const re = resolveEnd.resolveEnd(end, contentEnd, false, onError);
    if (re.comment)
        doc.comment = re.comment;
    doc.range = [offset, contentEnd, re.offset];
    return doc;
}

exports.composeDoc = composeDoc;


/***/ }),

/***/ 5937:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var composeCollection = __nccwpck_require__(7349);
var composeScalar = __nccwpck_require__(5413);
var resolveEnd = __nccwpck_require__(7788);
var utilEmptyScalarPosition = __nccwpck_require__(2599);

const CN = { composeNode, composeEmptyNode };
function composeNode(ctx, token, props, onError) {
    const atKey = ctx.atKey;
    const { spaceBefore, comment, anchor, tag } = props;
    let node;
    let isSrcToken = true;
    switch (token.type) {
        case 'alias':
            node = composeAlias(ctx, token, onError);
            if (anchor || tag)
                onError(token, 'ALIAS_PROPS', 'An alias node must not specify any properties');
            break;
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'block-scalar':
            node = composeScalar.composeScalar(ctx, token, tag, onError);
            if (anchor)
                node.anchor = anchor.source.substring(1);
            break;
        case 'block-map':
        case 'block-seq':
        case 'flow-collection':
            try {
                node = composeCollection.composeCollection(CN, ctx, token, props, onError);
                if (anchor)
                    node.anchor = anchor.source.substring(1);
            }
            catch (error) {
                // Almost certainly here due to a stack overflow
                const message = error instanceof Error ? error.message : String(error);
                onError(token, 'RESOURCE_EXHAUSTION', message);
            }
            break;
        default: {
            const message = token.type === 'error'
                ? token.message
                : `Unsupported token (type: ${token.type})`;
            onError(token, 'UNEXPECTED_TOKEN', message);
            isSrcToken = false;
        }
    }
    node ?? (node = composeEmptyNode(ctx, token.offset, undefined, null, props, onError));
    if (anchor && node.anchor === '')
        onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    if (atKey &&
        ctx.options.stringKeys &&
        (!identity.isScalar(node) ||
            typeof node.value !== 'string' ||
            (node.tag && node.tag !== 'tag:yaml.org,2002:str'))) {
        const msg = 'With stringKeys, all keys must be strings';
        onError(tag ?? token, 'NON_STRING_KEY', msg);
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        if (token.type === 'scalar' && token.source === '')
            node.comment = comment;
        else
            node.commentBefore = comment;
    }
    // @ts-expect-error Type checking misses meaning of isSrcToken
    if (ctx.options.keepSourceTokens && isSrcToken)
        node.srcToken = token;
    return node;
}
function composeEmptyNode(ctx, offset, before, pos, { spaceBefore, comment, anchor, tag, end }, onError) {
    const token = {
        type: 'scalar',
        offset: utilEmptyScalarPosition.emptyScalarPosition(offset, before, pos),
        indent: -1,
        source: ''
    };
    const node = composeScalar.composeScalar(ctx, token, tag, onError);
    if (anchor) {
        node.anchor = anchor.source.substring(1);
        if (node.anchor === '')
            onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        node.comment = comment;
        node.range[2] = end;
    }
    return node;
}
function composeAlias({ options }, { offset, source, end }, onError) {
    const alias = new Alias.Alias(source.substring(1));
    if (alias.source === '')
        onError(offset, 'BAD_ALIAS', 'Alias cannot be an empty string');
    if (alias.source.endsWith(':'))
        onError(offset + source.length - 1, 'BAD_ALIAS', 'Alias ending in : is ambiguous', true);
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, options.strict, onError);
    alias.range = [offset, valueEnd, re.offset];
    if (re.comment)
        alias.comment = re.comment;
    return alias;
}

exports.composeEmptyNode = composeEmptyNode;
exports.composeNode = composeNode;


/***/ }),

/***/ 5413:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);

function composeScalar(ctx, token, tagToken, onError) {
    const { value, type, comment, range } = token.type === 'block-scalar'
        ? resolveBlockScalar.resolveBlockScalar(ctx, token, onError)
        : resolveFlowScalar.resolveFlowScalar(token, ctx.options.strict, onError);
    const tagName = tagToken
        ? ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg))
        : null;
    let tag;
    if (ctx.options.stringKeys && ctx.atKey) {
        tag = ctx.schema[identity.SCALAR];
    }
    else if (tagName)
        tag = findScalarTagByName(ctx.schema, value, tagName, tagToken, onError);
    else if (token.type === 'scalar')
        tag = findScalarTagByTest(ctx, value, token, onError);
    else
        tag = ctx.schema[identity.SCALAR];
    let scalar;
    try {
        const res = tag.resolve(value, msg => onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg), ctx.options);
        scalar = identity.isScalar(res) ? res : new Scalar.Scalar(res);
    }
    catch (error) {
        const msg = error instanceof Error ? error.message : String(error);
        onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg);
        scalar = new Scalar.Scalar(value);
    }
    scalar.range = range;
    scalar.source = value;
    if (type)
        scalar.type = type;
    if (tagName)
        scalar.tag = tagName;
    if (tag.format)
        scalar.format = tag.format;
    if (comment)
        scalar.comment = comment;
    return scalar;
}
function findScalarTagByName(schema, value, tagName, tagToken, onError) {
    if (tagName === '!')
        return schema[identity.SCALAR]; // non-specific tag
    const matchWithTest = [];
    for (const tag of schema.tags) {
        if (!tag.collection && tag.tag === tagName) {
            if (tag.default && tag.test)
                matchWithTest.push(tag);
            else
                return tag;
        }
    }
    for (const tag of matchWithTest)
        if (tag.test?.test(value))
            return tag;
    const kt = schema.knownTags[tagName];
    if (kt && !kt.collection) {
        // Ensure that the known tag is available for stringifying,
        // but does not get used by default.
        schema.tags.push(Object.assign({}, kt, { default: false, test: undefined }));
        return kt;
    }
    onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, tagName !== 'tag:yaml.org,2002:str');
    return schema[identity.SCALAR];
}
function findScalarTagByTest({ atKey, directives, schema }, value, token, onError) {
    const tag = schema.tags.find(tag => (tag.default === true || (atKey && tag.default === 'key')) &&
        tag.test?.test(value)) || schema[identity.SCALAR];
    if (schema.compat) {
        const compat = schema.compat.find(tag => tag.default && tag.test?.test(value)) ??
            schema[identity.SCALAR];
        if (tag.tag !== compat.tag) {
            const ts = directives.tagString(tag.tag);
            const cs = directives.tagString(compat.tag);
            const msg = `Value may be parsed as either ${ts} or ${cs}`;
            onError(token, 'TAG_RESOLVE_FAILED', msg, true);
        }
    }
    return tag;
}

exports.composeScalar = composeScalar;


/***/ }),

/***/ 9984:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var directives = __nccwpck_require__(1342);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var identity = __nccwpck_require__(1127);
var composeDoc = __nccwpck_require__(3683);
var resolveEnd = __nccwpck_require__(7788);

function getErrorPos(src) {
    if (typeof src === 'number')
        return [src, src + 1];
    if (Array.isArray(src))
        return src.length === 2 ? src : [src[0], src[1]];
    const { offset, source } = src;
    return [offset, offset + (typeof source === 'string' ? source.length : 1)];
}
function parsePrelude(prelude) {
    let comment = '';
    let atComment = false;
    let afterEmptyLine = false;
    for (let i = 0; i < prelude.length; ++i) {
        const source = prelude[i];
        switch (source[0]) {
            case '#':
                comment +=
                    (comment === '' ? '' : afterEmptyLine ? '\n\n' : '\n') +
                        (source.substring(1) || ' ');
                atComment = true;
                afterEmptyLine = false;
                break;
            case '%':
                if (prelude[i + 1]?.[0] !== '#')
                    i += 1;
                atComment = false;
                break;
            default:
                // This may be wrong after doc-end, but in that case it doesn't matter
                if (!atComment)
                    afterEmptyLine = true;
                atComment = false;
        }
    }
    return { comment, afterEmptyLine };
}
/**
 * Compose a stream of CST nodes into a stream of YAML Documents.
 *
 * ```ts
 * import { Composer, Parser } from 'yaml'
 *
 * const src: string = ...
 * const tokens = new Parser().parse(src)
 * const docs = new Composer().compose(tokens)
 * ```
 */
class Composer {
    constructor(options = {}) {
        this.doc = null;
        this.atDirectives = false;
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
        this.onError = (source, code, message, warning) => {
            const pos = getErrorPos(source);
            if (warning)
                this.warnings.push(new errors.YAMLWarning(pos, code, message));
            else
                this.errors.push(new errors.YAMLParseError(pos, code, message));
        };
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        this.directives = new directives.Directives({ version: options.version || '1.2' });
        this.options = options;
    }
    decorate(doc, afterDoc) {
        const { comment, afterEmptyLine } = parsePrelude(this.prelude);
        //console.log({ dc: doc.comment, prelude, comment })
        if (comment) {
            const dc = doc.contents;
            if (afterDoc) {
                doc.comment = doc.comment ? `${doc.comment}\n${comment}` : comment;
            }
            else if (afterEmptyLine || doc.directives.docStart || !dc) {
                doc.commentBefore = comment;
            }
            else if (identity.isCollection(dc) && !dc.flow && dc.items.length > 0) {
                let it = dc.items[0];
                if (identity.isPair(it))
                    it = it.key;
                const cb = it.commentBefore;
                it.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
            else {
                const cb = dc.commentBefore;
                dc.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
        }
        if (afterDoc) {
            for (let i = 0; i < this.errors.length; ++i)
                doc.errors.push(this.errors[i]);
            for (let i = 0; i < this.warnings.length; ++i)
                doc.warnings.push(this.warnings[i]);
        }
        else {
            doc.errors = this.errors;
            doc.warnings = this.warnings;
        }
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
    }
    /**
     * Current stream status information.
     *
     * Mostly useful at the end of input for an empty stream.
     */
    streamInfo() {
        return {
            comment: parsePrelude(this.prelude).comment,
            directives: this.directives,
            errors: this.errors,
            warnings: this.warnings
        };
    }
    /**
     * Compose tokens into documents.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *compose(tokens, forceDoc = false, endOffset = -1) {
        for (const token of tokens)
            yield* this.next(token);
        yield* this.end(forceDoc, endOffset);
    }
    /** Advance the composer by one CST token. */
    *next(token) {
        if (node_process.env.LOG_STREAM)
            console.dir(token, { depth: null });
        switch (token.type) {
            case 'directive':
                this.directives.add(token.source, (offset, message, warning) => {
                    const pos = getErrorPos(token);
                    pos[0] += offset;
                    this.onError(pos, 'BAD_DIRECTIVE', message, warning);
                });
                this.prelude.push(token.source);
                this.atDirectives = true;
                break;
            case 'document': {
                const doc = composeDoc.composeDoc(this.options, this.directives, token, this.onError);
                if (this.atDirectives && !doc.directives.docStart)
                    this.onError(token, 'MISSING_CHAR', 'Missing directives-end/doc-start indicator line');
                this.decorate(doc, false);
                if (this.doc)
                    yield this.doc;
                this.doc = doc;
                this.atDirectives = false;
                break;
            }
            case 'byte-order-mark':
            case 'space':
                break;
            case 'comment':
            case 'newline':
                this.prelude.push(token.source);
                break;
            case 'error': {
                const msg = token.source
                    ? `${token.message}: ${JSON.stringify(token.source)}`
                    : token.message;
                const error = new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg);
                if (this.atDirectives || !this.doc)
                    this.errors.push(error);
                else
                    this.doc.errors.push(error);
                break;
            }
            case 'doc-end': {
                if (!this.doc) {
                    const msg = 'Unexpected doc-end without preceding document';
                    this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg));
                    break;
                }
                this.doc.directives.docEnd = true;
                const end = resolveEnd.resolveEnd(token.end, token.offset + token.source.length, this.doc.options.strict, this.onError);
                this.decorate(this.doc, true);
                if (end.comment) {
                    const dc = this.doc.comment;
                    this.doc.comment = dc ? `${dc}\n${end.comment}` : end.comment;
                }
                this.doc.range[2] = end.offset;
                break;
            }
            default:
                this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', `Unsupported token ${token.type}`));
        }
    }
    /**
     * Call at end of input to yield any remaining document.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *end(forceDoc = false, endOffset = -1) {
        if (this.doc) {
            this.decorate(this.doc, true);
            yield this.doc;
            this.doc = null;
        }
        else if (forceDoc) {
            const opts = Object.assign({ _directives: this.directives }, this.options);
            const doc = new Document.Document(undefined, opts);
            if (this.atDirectives)
                this.onError(endOffset, 'MISSING_CHAR', 'Missing directives-end indicator line');
            doc.range = [0, endOffset, endOffset];
            this.decorate(doc, false);
            yield doc;
        }
    }
}

exports.Composer = Composer;


/***/ }),

/***/ 7103:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilFlowIndentCheck = __nccwpck_require__(4051);
var utilMapIncludes = __nccwpck_require__(1187);

const startColMsg = 'All mapping items must start at the same column';
function resolveBlockMap({ composeNode, composeEmptyNode }, ctx, bm, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLMap.YAMLMap;
    const map = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    let offset = bm.offset;
    let commentEnd = null;
    for (const collItem of bm.items) {
        const { start, key, sep, value } = collItem;
        // key properties
        const keyProps = resolveProps.resolveProps(start, {
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: bm.indent,
            startOnNewline: true
        });
        const implicitKey = !keyProps.found;
        if (implicitKey) {
            if (key) {
                if (key.type === 'block-seq')
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'A block sequence may not be used as an implicit map key');
                else if ('indent' in key && key.indent !== bm.indent)
                    onError(offset, 'BAD_INDENT', startColMsg);
            }
            if (!keyProps.anchor && !keyProps.tag && !sep) {
                commentEnd = keyProps.end;
                if (keyProps.comment) {
                    if (map.comment)
                        map.comment += '\n' + keyProps.comment;
                    else
                        map.comment = keyProps.comment;
                }
                continue;
            }
            if (keyProps.newlineAfterProp || utilContainsNewline.containsNewline(key)) {
                onError(key ?? start[start.length - 1], 'MULTILINE_IMPLICIT_KEY', 'Implicit keys need to be on a single line');
            }
        }
        else if (keyProps.found?.indent !== bm.indent) {
            onError(offset, 'BAD_INDENT', startColMsg);
        }
        // key value
        ctx.atKey = true;
        const keyStart = keyProps.end;
        const keyNode = key
            ? composeNode(ctx, key, keyProps, onError)
            : composeEmptyNode(ctx, keyStart, start, null, keyProps, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bm.indent, key, onError);
        ctx.atKey = false;
        if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
            onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
        // value properties
        const valueProps = resolveProps.resolveProps(sep ?? [], {
            indicator: 'map-value-ind',
            next: value,
            offset: keyNode.range[2],
            onError,
            parentIndent: bm.indent,
            startOnNewline: !key || key.type === 'block-scalar'
        });
        offset = valueProps.end;
        if (valueProps.found) {
            if (implicitKey) {
                if (value?.type === 'block-map' && !valueProps.hasNewline)
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'Nested mappings are not allowed in compact mappings');
                if (ctx.options.strict &&
                    keyProps.start < valueProps.found.offset - 1024)
                    onError(keyNode.range, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key');
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : composeEmptyNode(ctx, offset, sep, null, valueProps, onError);
            if (ctx.schema.compat)
                utilFlowIndentCheck.flowIndentCheck(bm.indent, value, onError);
            offset = valueNode.range[2];
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
        else {
            // key with no value
            if (implicitKey)
                onError(keyNode.range, 'MISSING_CHAR', 'Implicit map keys need to be followed by map values');
            if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
    }
    if (commentEnd && commentEnd < offset)
        onError(commentEnd, 'IMPOSSIBLE', 'Map comment with trailing content');
    map.range = [bm.offset, offset, commentEnd ?? offset];
    return map;
}

exports.resolveBlockMap = resolveBlockMap;


/***/ }),

/***/ 8913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function resolveBlockScalar(ctx, scalar, onError) {
    const start = scalar.offset;
    const header = parseBlockScalarHeader(scalar, ctx.options.strict, onError);
    if (!header)
        return { value: '', type: null, comment: '', range: [start, start, start] };
    const type = header.mode === '>' ? Scalar.Scalar.BLOCK_FOLDED : Scalar.Scalar.BLOCK_LITERAL;
    const lines = scalar.source ? splitLines(scalar.source) : [];
    // determine the end of content & start of chomping
    let chompStart = lines.length;
    for (let i = lines.length - 1; i >= 0; --i) {
        const content = lines[i][1];
        if (content === '' || content === '\r')
            chompStart = i;
        else
            break;
    }
    // shortcut for empty contents
    if (chompStart === 0) {
        const value = header.chomp === '+' && lines.length > 0
            ? '\n'.repeat(Math.max(1, lines.length - 1))
            : '';
        let end = start + header.length;
        if (scalar.source)
            end += scalar.source.length;
        return { value, type, comment: header.comment, range: [start, end, end] };
    }
    // find the indentation level to trim from start
    let trimIndent = scalar.indent + header.indent;
    let offset = scalar.offset + header.length;
    let contentStart = 0;
    for (let i = 0; i < chompStart; ++i) {
        const [indent, content] = lines[i];
        if (content === '' || content === '\r') {
            if (header.indent === 0 && indent.length > trimIndent)
                trimIndent = indent.length;
        }
        else {
            if (indent.length < trimIndent) {
                const message = 'Block scalars with more-indented leading empty lines must use an explicit indentation indicator';
                onError(offset + indent.length, 'MISSING_CHAR', message);
            }
            if (header.indent === 0)
                trimIndent = indent.length;
            contentStart = i;
            if (trimIndent === 0 && !ctx.atRoot) {
                const message = 'Block scalar values in collections must be indented';
                onError(offset, 'BAD_INDENT', message);
            }
            break;
        }
        offset += indent.length + content.length + 1;
    }
    // include trailing more-indented empty lines in content
    for (let i = lines.length - 1; i >= chompStart; --i) {
        if (lines[i][0].length > trimIndent)
            chompStart = i + 1;
    }
    let value = '';
    let sep = '';
    let prevMoreIndented = false;
    // leading whitespace is kept intact
    for (let i = 0; i < contentStart; ++i)
        value += lines[i][0].slice(trimIndent) + '\n';
    for (let i = contentStart; i < chompStart; ++i) {
        let [indent, content] = lines[i];
        offset += indent.length + content.length + 1;
        const crlf = content[content.length - 1] === '\r';
        if (crlf)
            content = content.slice(0, -1);
        /* istanbul ignore if already caught in lexer */
        if (content && indent.length < trimIndent) {
            const src = header.indent
                ? 'explicit indentation indicator'
                : 'first line';
            const message = `Block scalar lines must not be less indented than their ${src}`;
            onError(offset - content.length - (crlf ? 2 : 1), 'BAD_INDENT', message);
            indent = '';
        }
        if (type === Scalar.Scalar.BLOCK_LITERAL) {
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
        }
        else if (indent.length > trimIndent || content[0] === '\t') {
            // more-indented content within a folded block
            if (sep === ' ')
                sep = '\n';
            else if (!prevMoreIndented && sep === '\n')
                sep = '\n\n';
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
            prevMoreIndented = true;
        }
        else if (content === '') {
            // empty line
            if (sep === '\n')
                value += '\n';
            else
                sep = '\n';
        }
        else {
            value += sep + content;
            sep = ' ';
            prevMoreIndented = false;
        }
    }
    switch (header.chomp) {
        case '-':
            break;
        case '+':
            for (let i = chompStart; i < lines.length; ++i)
                value += '\n' + lines[i][0].slice(trimIndent);
            if (value[value.length - 1] !== '\n')
                value += '\n';
            break;
        default:
            value += '\n';
    }
    const end = start + header.length + scalar.source.length;
    return { value, type, comment: header.comment, range: [start, end, end] };
}
function parseBlockScalarHeader({ offset, props }, strict, onError) {
    /* istanbul ignore if should not happen */
    if (props[0].type !== 'block-scalar-header') {
        onError(props[0], 'IMPOSSIBLE', 'Block scalar header not found');
        return null;
    }
    const { source } = props[0];
    const mode = source[0];
    let indent = 0;
    let chomp = '';
    let error = -1;
    for (let i = 1; i < source.length; ++i) {
        const ch = source[i];
        if (!chomp && (ch === '-' || ch === '+'))
            chomp = ch;
        else {
            const n = Number(ch);
            if (!indent && n)
                indent = n;
            else if (error === -1)
                error = offset + i;
        }
    }
    if (error !== -1)
        onError(error, 'UNEXPECTED_TOKEN', `Block scalar header includes extra characters: ${source}`);
    let hasSpace = false;
    let comment = '';
    let length = source.length;
    for (let i = 1; i < props.length; ++i) {
        const token = props[i];
        switch (token.type) {
            case 'space':
                hasSpace = true;
            // fallthrough
            case 'newline':
                length += token.source.length;
                break;
            case 'comment':
                if (strict && !hasSpace) {
                    const message = 'Comments must be separated from other tokens by white space characters';
                    onError(token, 'MISSING_CHAR', message);
                }
                length += token.source.length;
                comment = token.source.substring(1);
                break;
            case 'error':
                onError(token, 'UNEXPECTED_TOKEN', token.message);
                length += token.source.length;
                break;
            /* istanbul ignore next should not happen */
            default: {
                const message = `Unexpected token in block scalar header: ${token.type}`;
                onError(token, 'UNEXPECTED_TOKEN', message);
                const ts = token.source;
                if (ts && typeof ts === 'string')
                    length += ts.length;
            }
        }
    }
    return { mode, indent, chomp, comment, length };
}
/** @returns Array of lines split up as `[indent, content]` */
function splitLines(source) {
    const split = source.split(/\n( *)/);
    const first = split[0];
    const m = first.match(/^( *)/);
    const line0 = m?.[1]
        ? [m[1], first.slice(m[1].length)]
        : ['', first];
    const lines = [line0];
    for (let i = 1; i < split.length; i += 2)
        lines.push([split[i], split[i + 1]]);
    return lines;
}

exports.resolveBlockScalar = resolveBlockScalar;


/***/ }),

/***/ 334:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var YAMLSeq = __nccwpck_require__(2223);
var resolveProps = __nccwpck_require__(4631);
var utilFlowIndentCheck = __nccwpck_require__(4051);

function resolveBlockSeq({ composeNode, composeEmptyNode }, ctx, bs, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLSeq.YAMLSeq;
    const seq = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = bs.offset;
    let commentEnd = null;
    for (const { start, value } of bs.items) {
        const props = resolveProps.resolveProps(start, {
            indicator: 'seq-item-ind',
            next: value,
            offset,
            onError,
            parentIndent: bs.indent,
            startOnNewline: true
        });
        if (!props.found) {
            if (props.anchor || props.tag || value) {
                if (value?.type === 'block-seq')
                    onError(props.end, 'BAD_INDENT', 'All sequence items must start at the same column');
                else
                    onError(offset, 'MISSING_CHAR', 'Sequence item without - indicator');
            }
            else {
                commentEnd = props.end;
                if (props.comment)
                    seq.comment = props.comment;
                continue;
            }
        }
        const node = value
            ? composeNode(ctx, value, props, onError)
            : composeEmptyNode(ctx, props.end, start, null, props, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bs.indent, value, onError);
        offset = node.range[2];
        seq.items.push(node);
    }
    seq.range = [bs.offset, offset, commentEnd ?? offset];
    return seq;
}

exports.resolveBlockSeq = resolveBlockSeq;


/***/ }),

/***/ 7788:
/***/ ((__unused_webpack_module, exports) => {



function resolveEnd(end, offset, reqSpace, onError) {
    let comment = '';
    if (end) {
        let hasSpace = false;
        let sep = '';
        for (const token of end) {
            const { source, type } = token;
            switch (type) {
                case 'space':
                    hasSpace = true;
                    break;
                case 'comment': {
                    if (reqSpace && !hasSpace)
                        onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                    const cb = source.substring(1) || ' ';
                    if (!comment)
                        comment = cb;
                    else
                        comment += sep + cb;
                    sep = '';
                    break;
                }
                case 'newline':
                    if (comment)
                        sep += source;
                    hasSpace = true;
                    break;
                default:
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${type} at node end`);
            }
            offset += source.length;
        }
    }
    return { comment, offset };
}

exports.resolveEnd = resolveEnd;


/***/ }),

/***/ 3142:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilMapIncludes = __nccwpck_require__(1187);

const blockMsg = 'Block collections are not allowed within flow collections';
const isBlock = (token) => token && (token.type === 'block-map' || token.type === 'block-seq');
function resolveFlowCollection({ composeNode, composeEmptyNode }, ctx, fc, onError, tag) {
    const isMap = fc.start.source === '{';
    const fcName = isMap ? 'flow map' : 'flow sequence';
    const NodeClass = (tag?.nodeClass ?? (isMap ? YAMLMap.YAMLMap : YAMLSeq.YAMLSeq));
    const coll = new NodeClass(ctx.schema);
    coll.flow = true;
    const atRoot = ctx.atRoot;
    if (atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = fc.offset + fc.start.source.length;
    for (let i = 0; i < fc.items.length; ++i) {
        const collItem = fc.items[i];
        const { start, key, sep, value } = collItem;
        const props = resolveProps.resolveProps(start, {
            flow: fcName,
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: fc.indent,
            startOnNewline: false
        });
        if (!props.found) {
            if (!props.anchor && !props.tag && !sep && !value) {
                if (i === 0 && props.comma)
                    onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
                else if (i < fc.items.length - 1)
                    onError(props.start, 'UNEXPECTED_TOKEN', `Unexpected empty item in ${fcName}`);
                if (props.comment) {
                    if (coll.comment)
                        coll.comment += '\n' + props.comment;
                    else
                        coll.comment = props.comment;
                }
                offset = props.end;
                continue;
            }
            if (!isMap && ctx.options.strict && utilContainsNewline.containsNewline(key))
                onError(key, // checked by containsNewline()
                'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
        }
        if (i === 0) {
            if (props.comma)
                onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
        }
        else {
            if (!props.comma)
                onError(props.start, 'MISSING_CHAR', `Missing , between ${fcName} items`);
            if (props.comment) {
                let prevItemComment = '';
                loop: for (const st of start) {
                    switch (st.type) {
                        case 'comma':
                        case 'space':
                            break;
                        case 'comment':
                            prevItemComment = st.source.substring(1);
                            break loop;
                        default:
                            break loop;
                    }
                }
                if (prevItemComment) {
                    let prev = coll.items[coll.items.length - 1];
                    if (identity.isPair(prev))
                        prev = prev.value ?? prev.key;
                    if (prev.comment)
                        prev.comment += '\n' + prevItemComment;
                    else
                        prev.comment = prevItemComment;
                    props.comment = props.comment.substring(prevItemComment.length + 1);
                }
            }
        }
        if (!isMap && !sep && !props.found) {
            // item is a value in a seq
            // → key & sep are empty, start does not include ? or :
            const valueNode = value
                ? composeNode(ctx, value, props, onError)
                : composeEmptyNode(ctx, props.end, sep, null, props, onError);
            coll.items.push(valueNode);
            offset = valueNode.range[2];
            if (isBlock(value))
                onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
        }
        else {
            // item is a key+value pair
            // key value
            ctx.atKey = true;
            const keyStart = props.end;
            const keyNode = key
                ? composeNode(ctx, key, props, onError)
                : composeEmptyNode(ctx, keyStart, start, null, props, onError);
            if (isBlock(key))
                onError(keyNode.range, 'BLOCK_IN_FLOW', blockMsg);
            ctx.atKey = false;
            // value properties
            const valueProps = resolveProps.resolveProps(sep ?? [], {
                flow: fcName,
                indicator: 'map-value-ind',
                next: value,
                offset: keyNode.range[2],
                onError,
                parentIndent: fc.indent,
                startOnNewline: false
            });
            if (valueProps.found) {
                if (!isMap && !props.found && ctx.options.strict) {
                    if (sep)
                        for (const st of sep) {
                            if (st === valueProps.found)
                                break;
                            if (st.type === 'newline') {
                                onError(st, 'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
                                break;
                            }
                        }
                    if (props.start < valueProps.found.offset - 1024)
                        onError(valueProps.found, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit flow sequence key');
                }
            }
            else if (value) {
                if ('source' in value && value.source?.[0] === ':')
                    onError(value, 'MISSING_CHAR', `Missing space after : in ${fcName}`);
                else
                    onError(valueProps.start, 'MISSING_CHAR', `Missing , or : between ${fcName} items`);
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : valueProps.found
                    ? composeEmptyNode(ctx, valueProps.end, sep, null, valueProps, onError)
                    : null;
            if (valueNode) {
                if (isBlock(value))
                    onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
            }
            else if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            if (isMap) {
                const map = coll;
                if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
                    onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
                map.items.push(pair);
            }
            else {
                const map = new YAMLMap.YAMLMap(ctx.schema);
                map.flow = true;
                map.items.push(pair);
                const endRange = (valueNode ?? keyNode).range;
                map.range = [keyNode.range[0], endRange[1], endRange[2]];
                coll.items.push(map);
            }
            offset = valueNode ? valueNode.range[2] : valueProps.end;
        }
    }
    const expectedEnd = isMap ? '}' : ']';
    const [ce, ...ee] = fc.end;
    let cePos = offset;
    if (ce?.source === expectedEnd)
        cePos = ce.offset + ce.source.length;
    else {
        const name = fcName[0].toUpperCase() + fcName.substring(1);
        const msg = atRoot
            ? `${name} must end with a ${expectedEnd}`
            : `${name} in block collection must be sufficiently indented and end with a ${expectedEnd}`;
        onError(offset, atRoot ? 'MISSING_CHAR' : 'BAD_INDENT', msg);
        if (ce && ce.source.length !== 1)
            ee.unshift(ce);
    }
    if (ee.length > 0) {
        const end = resolveEnd.resolveEnd(ee, cePos, ctx.options.strict, onError);
        if (end.comment) {
            if (coll.comment)
                coll.comment += '\n' + end.comment;
            else
                coll.comment = end.comment;
        }
        coll.range = [fc.offset, cePos, end.offset];
    }
    else {
        coll.range = [fc.offset, cePos, cePos];
    }
    return coll;
}

exports.resolveFlowCollection = resolveFlowCollection;


/***/ }),

/***/ 6842:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var resolveEnd = __nccwpck_require__(7788);

function resolveFlowScalar(scalar, strict, onError) {
    const { offset, type, source, end } = scalar;
    let _type;
    let value;
    const _onError = (rel, code, msg) => onError(offset + rel, code, msg);
    switch (type) {
        case 'scalar':
            _type = Scalar.Scalar.PLAIN;
            value = plainValue(source, _onError);
            break;
        case 'single-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_SINGLE;
            value = singleQuotedValue(source, _onError);
            break;
        case 'double-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_DOUBLE;
            value = doubleQuotedValue(source, _onError);
            break;
        /* istanbul ignore next should not happen */
        default:
            onError(scalar, 'UNEXPECTED_TOKEN', `Expected a flow scalar value, but found: ${type}`);
            return {
                value: '',
                type: null,
                comment: '',
                range: [offset, offset + source.length, offset + source.length]
            };
    }
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, strict, onError);
    return {
        value,
        type: _type,
        comment: re.comment,
        range: [offset, valueEnd, re.offset]
    };
}
function plainValue(source, onError) {
    let badChar = '';
    switch (source[0]) {
        /* istanbul ignore next should not happen */
        case '\t':
            badChar = 'a tab character';
            break;
        case ',':
            badChar = 'flow indicator character ,';
            break;
        case '%':
            badChar = 'directive indicator character %';
            break;
        case '|':
        case '>': {
            badChar = `block scalar indicator ${source[0]}`;
            break;
        }
        case '@':
        case '`': {
            badChar = `reserved character ${source[0]}`;
            break;
        }
    }
    if (badChar)
        onError(0, 'BAD_SCALAR_START', `Plain value cannot start with ${badChar}`);
    return unfoldLines(source);
}
function singleQuotedValue(source, onError) {
    if (source[source.length - 1] !== "'" || source.length === 1)
        onError(source.length, 'MISSING_CHAR', "Missing closing 'quote");
    return unfoldLines(source.slice(1, -1)).replace(/''/g, "'");
}
function unfoldLines(source) {
    const line = /(.*?)\r?\n/sy;
    let match = line.exec(source);
    if (!match)
        return source;
    /**
     * The negative lookbehinds in these RegExps are to
     * prevent causing a polynomial search time in certain cases.
     *
     * The try-catch is for Safari < 16.4 and other old browsers:
     * https://caniuse.com/js-regexp-lookbehind
     */
    let trimEnd, trimBoth;
    try {
        trimEnd = new RegExp('(?<![ \t])[ \t]+$');
        trimBoth = new RegExp('^[ \t]+|(?<![ \t])[ \t]+$', 'g');
    }
    catch {
        trimEnd = /[ \t]+$/;
        trimBoth = /^[ \t]+|[ \t]+$/g;
    }
    let res = match[1].replace(trimEnd, '');
    let sep = ' ';
    let pos = line.lastIndex;
    while ((match = line.exec(source))) {
        const lm = match[1].replace(trimBoth, '');
        if (lm === '') {
            if (sep === '\n')
                res += sep;
            else
                sep = '\n';
        }
        else {
            res += sep + lm;
            sep = ' ';
        }
        pos = line.lastIndex;
    }
    const last = /[ \t]*(.*)/sy;
    last.lastIndex = pos;
    match = last.exec(source);
    return res + sep + (match?.[1] ?? '');
}
function doubleQuotedValue(source, onError) {
    let res = '';
    for (let i = 1; i < source.length - 1; ++i) {
        const ch = source[i];
        if (ch === '\r' && source[i + 1] === '\n')
            continue;
        if (ch === '\n') {
            const { fold, offset } = foldNewline(source, i);
            res += fold;
            i = offset;
        }
        else if (ch === '\\') {
            let next = source[++i];
            const cc = escapeCodes[next];
            if (cc)
                res += cc;
            else if (next === '\n') {
                // skip escaped newlines, but still trim the following line
                next = source[i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === '\r' && source[i + 1] === '\n') {
                // skip escaped CRLF newlines, but still trim the following line
                next = source[++i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === 'x' || next === 'u' || next === 'U') {
                const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
                res += parseCharCode(source, i + 1, length, onError);
                i += length;
            }
            else {
                const raw = source.substr(i - 1, 2);
                onError(i - 1, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
                res += raw;
            }
        }
        else if (ch === ' ' || ch === '\t') {
            // trim trailing whitespace
            const wsStart = i;
            let next = source[i + 1];
            while (next === ' ' || next === '\t')
                next = source[++i + 1];
            if (next !== '\n' && !(next === '\r' && source[i + 2] === '\n'))
                res += i > wsStart ? source.slice(wsStart, i + 1) : ch;
        }
        else {
            res += ch;
        }
    }
    if (source[source.length - 1] !== '"' || source.length === 1)
        onError(source.length, 'MISSING_CHAR', 'Missing closing "quote');
    return res;
}
/**
 * Fold a single newline into a space, multiple newlines to N - 1 newlines.
 * Presumes `source[offset] === '\n'`
 */
function foldNewline(source, offset) {
    let fold = '';
    let ch = source[offset + 1];
    while (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        if (ch === '\r' && source[offset + 2] !== '\n')
            break;
        if (ch === '\n')
            fold += '\n';
        offset += 1;
        ch = source[offset + 1];
    }
    if (!fold)
        fold = ' ';
    return { fold, offset };
}
const escapeCodes = {
    '0': '\0', // null character
    a: '\x07', // bell character
    b: '\b', // backspace
    e: '\x1b', // escape character
    f: '\f', // form feed
    n: '\n', // line feed
    r: '\r', // carriage return
    t: '\t', // horizontal tab
    v: '\v', // vertical tab
    N: '\u0085', // Unicode next line
    _: '\u00a0', // Unicode non-breaking space
    L: '\u2028', // Unicode line separator
    P: '\u2029', // Unicode paragraph separator
    ' ': ' ',
    '"': '"',
    '/': '/',
    '\\': '\\',
    '\t': '\t'
};
function parseCharCode(source, offset, length, onError) {
    const cc = source.substr(offset, length);
    const ok = cc.length === length && /^[0-9a-fA-F]+$/.test(cc);
    const code = ok ? parseInt(cc, 16) : NaN;
    try {
        return String.fromCodePoint(code);
    }
    catch {
        const raw = source.substr(offset - 2, length + 2);
        onError(offset - 2, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
        return raw;
    }
}

exports.resolveFlowScalar = resolveFlowScalar;


/***/ }),

/***/ 4631:
/***/ ((__unused_webpack_module, exports) => {



function resolveProps(tokens, { flow, indicator, next, offset, onError, parentIndent, startOnNewline }) {
    let spaceBefore = false;
    let atNewline = startOnNewline;
    let hasSpace = startOnNewline;
    let comment = '';
    let commentSep = '';
    let hasNewline = false;
    let reqSpace = false;
    let tab = null;
    let anchor = null;
    let tag = null;
    let newlineAfterProp = null;
    let comma = null;
    let found = null;
    let start = null;
    for (const token of tokens) {
        if (reqSpace) {
            if (token.type !== 'space' &&
                token.type !== 'newline' &&
                token.type !== 'comma')
                onError(token.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
            reqSpace = false;
        }
        if (tab) {
            if (atNewline && token.type !== 'comment' && token.type !== 'newline') {
                onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
            }
            tab = null;
        }
        switch (token.type) {
            case 'space':
                // At the doc level, tabs at line start may be parsed
                // as leading white space rather than indentation.
                // In a flow collection, only the parser handles indent.
                if (!flow &&
                    (indicator !== 'doc-start' || next?.type !== 'flow-collection') &&
                    token.source.includes('\t')) {
                    tab = token;
                }
                hasSpace = true;
                break;
            case 'comment': {
                if (!hasSpace)
                    onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                const cb = token.source.substring(1) || ' ';
                if (!comment)
                    comment = cb;
                else
                    comment += commentSep + cb;
                commentSep = '';
                atNewline = false;
                break;
            }
            case 'newline':
                if (atNewline) {
                    if (comment)
                        comment += token.source;
                    else if (!found || indicator !== 'seq-item-ind')
                        spaceBefore = true;
                }
                else
                    commentSep += token.source;
                atNewline = true;
                hasNewline = true;
                if (anchor || tag)
                    newlineAfterProp = token;
                hasSpace = true;
                break;
            case 'anchor':
                if (anchor)
                    onError(token, 'MULTIPLE_ANCHORS', 'A node can have at most one anchor');
                if (token.source.endsWith(':'))
                    onError(token.offset + token.source.length - 1, 'BAD_ALIAS', 'Anchor ending in : is ambiguous', true);
                anchor = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            case 'tag': {
                if (tag)
                    onError(token, 'MULTIPLE_TAGS', 'A node can have at most one tag');
                tag = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            }
            case indicator:
                // Could here handle preceding comments differently
                if (anchor || tag)
                    onError(token, 'BAD_PROP_ORDER', `Anchors and tags must be after the ${token.source} indicator`);
                if (found)
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.source} in ${flow ?? 'collection'}`);
                found = token;
                atNewline =
                    indicator === 'seq-item-ind' || indicator === 'explicit-key-ind';
                hasSpace = false;
                break;
            case 'comma':
                if (flow) {
                    if (comma)
                        onError(token, 'UNEXPECTED_TOKEN', `Unexpected , in ${flow}`);
                    comma = token;
                    atNewline = false;
                    hasSpace = false;
                    break;
                }
            // else fallthrough
            default:
                onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.type} token`);
                atNewline = false;
                hasSpace = false;
        }
    }
    const last = tokens[tokens.length - 1];
    const end = last ? last.offset + last.source.length : offset;
    if (reqSpace &&
        next &&
        next.type !== 'space' &&
        next.type !== 'newline' &&
        next.type !== 'comma' &&
        (next.type !== 'scalar' || next.source !== '')) {
        onError(next.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
    }
    if (tab &&
        ((atNewline && tab.indent <= parentIndent) ||
            next?.type === 'block-map' ||
            next?.type === 'block-seq'))
        onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
    return {
        comma,
        found,
        spaceBefore,
        comment,
        hasNewline,
        anchor,
        tag,
        newlineAfterProp,
        end,
        start: start ?? end
    };
}

exports.resolveProps = resolveProps;


/***/ }),

/***/ 9499:
/***/ ((__unused_webpack_module, exports) => {



function containsNewline(key) {
    if (!key)
        return null;
    switch (key.type) {
        case 'alias':
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            if (key.source.includes('\n'))
                return true;
            if (key.end)
                for (const st of key.end)
                    if (st.type === 'newline')
                        return true;
            return false;
        case 'flow-collection':
            for (const it of key.items) {
                for (const st of it.start)
                    if (st.type === 'newline')
                        return true;
                if (it.sep)
                    for (const st of it.sep)
                        if (st.type === 'newline')
                            return true;
                if (containsNewline(it.key) || containsNewline(it.value))
                    return true;
            }
            return false;
        default:
            return true;
    }
}

exports.containsNewline = containsNewline;


/***/ }),

/***/ 2599:
/***/ ((__unused_webpack_module, exports) => {



function emptyScalarPosition(offset, before, pos) {
    if (before) {
        pos ?? (pos = before.length);
        for (let i = pos - 1; i >= 0; --i) {
            let st = before[i];
            switch (st.type) {
                case 'space':
                case 'comment':
                case 'newline':
                    offset -= st.source.length;
                    continue;
            }
            // Technically, an empty scalar is immediately after the last non-empty
            // node, but it's more useful to place it after any whitespace.
            st = before[++i];
            while (st?.type === 'space') {
                offset += st.source.length;
                st = before[++i];
            }
            break;
        }
    }
    return offset;
}

exports.emptyScalarPosition = emptyScalarPosition;


/***/ }),

/***/ 4051:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var utilContainsNewline = __nccwpck_require__(9499);

function flowIndentCheck(indent, fc, onError) {
    if (fc?.type === 'flow-collection') {
        const end = fc.end[0];
        if (end.indent === indent &&
            (end.source === ']' || end.source === '}') &&
            utilContainsNewline.containsNewline(fc)) {
            const msg = 'Flow end indicator should be more indented than parent';
            onError(end, 'BAD_INDENT', msg, true);
        }
    }
}

exports.flowIndentCheck = flowIndentCheck;


/***/ }),

/***/ 1187:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

function mapIncludes(ctx, items, search) {
    const { uniqueKeys } = ctx.options;
    if (uniqueKeys === false)
        return false;
    const isEqual = typeof uniqueKeys === 'function'
        ? uniqueKeys
        : (a, b) => a === b || (identity.isScalar(a) && identity.isScalar(b) && a.value === b.value);
    return items.some(pair => isEqual(pair.key, search));
}

exports.mapIncludes = mapIncludes;


/***/ }),

/***/ 3021:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var toJS = __nccwpck_require__(4043);
var Schema = __nccwpck_require__(5840);
var stringifyDocument = __nccwpck_require__(6829);
var anchors = __nccwpck_require__(1596);
var applyReviver = __nccwpck_require__(3661);
var createNode = __nccwpck_require__(2404);
var directives = __nccwpck_require__(1342);

class Document {
    constructor(value, replacer, options) {
        /** A comment before this Document */
        this.commentBefore = null;
        /** A comment immediately after this Document */
        this.comment = null;
        /** Errors encountered during parsing. */
        this.errors = [];
        /** Warnings encountered during parsing. */
        this.warnings = [];
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.DOC });
        let _replacer = null;
        if (typeof replacer === 'function' || Array.isArray(replacer)) {
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const opt = Object.assign({
            intAsBigInt: false,
            keepSourceTokens: false,
            logLevel: 'warn',
            prettyErrors: true,
            strict: true,
            stringKeys: false,
            uniqueKeys: true,
            version: '1.2'
        }, options);
        this.options = opt;
        let { version } = opt;
        if (options?._directives) {
            this.directives = options._directives.atDocument();
            if (this.directives.yaml.explicit)
                version = this.directives.yaml.version;
        }
        else
            this.directives = new directives.Directives({ version });
        this.setSchema(version, options);
        // @ts-expect-error We can't really know that this matches Contents.
        this.contents =
            value === undefined ? null : this.createNode(value, _replacer, options);
    }
    /**
     * Create a deep copy of this Document and its contents.
     *
     * Custom Node values that inherit from `Object` still refer to their original instances.
     */
    clone() {
        const copy = Object.create(Document.prototype, {
            [identity.NODE_TYPE]: { value: identity.DOC }
        });
        copy.commentBefore = this.commentBefore;
        copy.comment = this.comment;
        copy.errors = this.errors.slice();
        copy.warnings = this.warnings.slice();
        copy.options = Object.assign({}, this.options);
        if (this.directives)
            copy.directives = this.directives.clone();
        copy.schema = this.schema.clone();
        // @ts-expect-error We can't really know that this matches Contents.
        copy.contents = identity.isNode(this.contents)
            ? this.contents.clone(copy.schema)
            : this.contents;
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** Adds a value to the document. */
    add(value) {
        if (assertCollection(this.contents))
            this.contents.add(value);
    }
    /** Adds a value to the document. */
    addIn(path, value) {
        if (assertCollection(this.contents))
            this.contents.addIn(path, value);
    }
    /**
     * Create a new `Alias` node, ensuring that the target `node` has the required anchor.
     *
     * If `node` already has an anchor, `name` is ignored.
     * Otherwise, the `node.anchor` value will be set to `name`,
     * or if an anchor with that name is already present in the document,
     * `name` will be used as a prefix for a new unique anchor.
     * If `name` is undefined, the generated anchor will use 'a' as a prefix.
     */
    createAlias(node, name) {
        if (!node.anchor) {
            const prev = anchors.anchorNames(this);
            node.anchor =
                // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
                !name || prev.has(name) ? anchors.findNewAnchor(name || 'a', prev) : name;
        }
        return new Alias.Alias(node.anchor);
    }
    createNode(value, replacer, options) {
        let _replacer = undefined;
        if (typeof replacer === 'function') {
            value = replacer.call({ '': value }, '', value);
            _replacer = replacer;
        }
        else if (Array.isArray(replacer)) {
            const keyToStr = (v) => typeof v === 'number' || v instanceof String || v instanceof Number;
            const asStr = replacer.filter(keyToStr).map(String);
            if (asStr.length > 0)
                replacer = replacer.concat(asStr);
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const { aliasDuplicateObjects, anchorPrefix, flow, keepUndefined, onTagObj, tag } = options ?? {};
        const { onAnchor, setAnchors, sourceObjects } = anchors.createNodeAnchors(this, 
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        anchorPrefix || 'a');
        const ctx = {
            aliasDuplicateObjects: aliasDuplicateObjects ?? true,
            keepUndefined: keepUndefined ?? false,
            onAnchor,
            onTagObj,
            replacer: _replacer,
            schema: this.schema,
            sourceObjects
        };
        const node = createNode.createNode(value, tag, ctx);
        if (flow && identity.isCollection(node))
            node.flow = true;
        setAnchors();
        return node;
    }
    /**
     * Convert a key and a value into a `Pair` using the current schema,
     * recursively wrapping all values as `Scalar` or `Collection` nodes.
     */
    createPair(key, value, options = {}) {
        const k = this.createNode(key, null, options);
        const v = this.createNode(value, null, options);
        return new Pair.Pair(k, v);
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        return assertCollection(this.contents) ? this.contents.delete(key) : false;
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        if (Collection.isEmptyPath(path)) {
            if (this.contents == null)
                return false;
            // @ts-expect-error Presumed impossible if Strict extends false
            this.contents = null;
            return true;
        }
        return assertCollection(this.contents)
            ? this.contents.deleteIn(path)
            : false;
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    get(key, keepScalar) {
        return identity.isCollection(this.contents)
            ? this.contents.get(key, keepScalar)
            : undefined;
    }
    /**
     * Returns item at `path`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        if (Collection.isEmptyPath(path))
            return !keepScalar && identity.isScalar(this.contents)
                ? this.contents.value
                : this.contents;
        return identity.isCollection(this.contents)
            ? this.contents.getIn(path, keepScalar)
            : undefined;
    }
    /**
     * Checks if the document includes a value with the key `key`.
     */
    has(key) {
        return identity.isCollection(this.contents) ? this.contents.has(key) : false;
    }
    /**
     * Checks if the document includes a value at `path`.
     */
    hasIn(path) {
        if (Collection.isEmptyPath(path))
            return this.contents !== undefined;
        return identity.isCollection(this.contents) ? this.contents.hasIn(path) : false;
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    set(key, value) {
        if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, [key], value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.set(key, value);
        }
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        if (Collection.isEmptyPath(path)) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = value;
        }
        else if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, Array.from(path), value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.setIn(path, value);
        }
    }
    /**
     * Change the YAML version and schema used by the document.
     * A `null` version disables support for directives, explicit tags, anchors, and aliases.
     * It also requires the `schema` option to be given as a `Schema` instance value.
     *
     * Overrides all previously set schema options.
     */
    setSchema(version, options = {}) {
        if (typeof version === 'number')
            version = String(version);
        let opt;
        switch (version) {
            case '1.1':
                if (this.directives)
                    this.directives.yaml.version = '1.1';
                else
                    this.directives = new directives.Directives({ version: '1.1' });
                opt = { resolveKnownTags: false, schema: 'yaml-1.1' };
                break;
            case '1.2':
            case 'next':
                if (this.directives)
                    this.directives.yaml.version = version;
                else
                    this.directives = new directives.Directives({ version });
                opt = { resolveKnownTags: true, schema: 'core' };
                break;
            case null:
                if (this.directives)
                    delete this.directives;
                opt = null;
                break;
            default: {
                const sv = JSON.stringify(version);
                throw new Error(`Expected '1.1', '1.2' or null as first argument, but found: ${sv}`);
            }
        }
        // Not using `instanceof Schema` to allow for duck typing
        if (options.schema instanceof Object)
            this.schema = options.schema;
        else if (opt)
            this.schema = new Schema.Schema(Object.assign(opt, options));
        else
            throw new Error(`With a null YAML version, the { schema: Schema } option is required`);
    }
    // json & jsonArg are only used from toJSON()
    toJS({ json, jsonArg, mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        const ctx = {
            anchors: new Map(),
            doc: this,
            keep: !json,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this.contents, jsonArg ?? '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
    /**
     * A JSON representation of the document `contents`.
     *
     * @param jsonArg Used by `JSON.stringify` to indicate the array index or
     *   property name.
     */
    toJSON(jsonArg, onAnchor) {
        return this.toJS({ json: true, jsonArg, mapAsMap: false, onAnchor });
    }
    /** A YAML representation of the document. */
    toString(options = {}) {
        if (this.errors.length > 0)
            throw new Error('Document with errors cannot be stringified');
        if ('indent' in options &&
            (!Number.isInteger(options.indent) || Number(options.indent) <= 0)) {
            const s = JSON.stringify(options.indent);
            throw new Error(`"indent" option must be a positive integer, not ${s}`);
        }
        return stringifyDocument.stringifyDocument(this, options);
    }
}
function assertCollection(contents) {
    if (identity.isCollection(contents))
        return true;
    throw new Error('Expected a YAML collection as document contents');
}

exports.Document = Document;


/***/ }),

/***/ 1596:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

/**
 * Verify that the input string is a valid anchor.
 *
 * Will throw on errors.
 */
function anchorIsValid(anchor) {
    if (/[\x00-\x19\s,[\]{}]/.test(anchor)) {
        const sa = JSON.stringify(anchor);
        const msg = `Anchor must not contain whitespace or control characters: ${sa}`;
        throw new Error(msg);
    }
    return true;
}
function anchorNames(root) {
    const anchors = new Set();
    visit.visit(root, {
        Value(_key, node) {
            if (node.anchor)
                anchors.add(node.anchor);
        }
    });
    return anchors;
}
/** Find a new anchor name with the given `prefix` and a one-indexed suffix. */
function findNewAnchor(prefix, exclude) {
    for (let i = 1; true; ++i) {
        const name = `${prefix}${i}`;
        if (!exclude.has(name))
            return name;
    }
}
function createNodeAnchors(doc, prefix) {
    const aliasObjects = [];
    const sourceObjects = new Map();
    let prevAnchors = null;
    return {
        onAnchor: (source) => {
            aliasObjects.push(source);
            prevAnchors ?? (prevAnchors = anchorNames(doc));
            const anchor = findNewAnchor(prefix, prevAnchors);
            prevAnchors.add(anchor);
            return anchor;
        },
        /**
         * With circular references, the source node is only resolved after all
         * of its child nodes are. This is why anchors are set only after all of
         * the nodes have been created.
         */
        setAnchors: () => {
            for (const source of aliasObjects) {
                const ref = sourceObjects.get(source);
                if (typeof ref === 'object' &&
                    ref.anchor &&
                    (identity.isScalar(ref.node) || identity.isCollection(ref.node))) {
                    ref.node.anchor = ref.anchor;
                }
                else {
                    const error = new Error('Failed to resolve repeated object (this should not happen)');
                    error.source = source;
                    throw error;
                }
            }
        },
        sourceObjects
    };
}

exports.anchorIsValid = anchorIsValid;
exports.anchorNames = anchorNames;
exports.createNodeAnchors = createNodeAnchors;
exports.findNewAnchor = findNewAnchor;


/***/ }),

/***/ 3661:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Applies the JSON.parse reviver algorithm as defined in the ECMA-262 spec,
 * in section 24.5.1.1 "Runtime Semantics: InternalizeJSONProperty" of the
 * 2021 edition: https://tc39.es/ecma262/#sec-json.parse
 *
 * Includes extensions for handling Map and Set objects.
 */
function applyReviver(reviver, obj, key, val) {
    if (val && typeof val === 'object') {
        if (Array.isArray(val)) {
            for (let i = 0, len = val.length; i < len; ++i) {
                const v0 = val[i];
                const v1 = applyReviver(reviver, val, String(i), v0);
                // eslint-disable-next-line @typescript-eslint/no-array-delete
                if (v1 === undefined)
                    delete val[i];
                else if (v1 !== v0)
                    val[i] = v1;
            }
        }
        else if (val instanceof Map) {
            for (const k of Array.from(val.keys())) {
                const v0 = val.get(k);
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    val.delete(k);
                else if (v1 !== v0)
                    val.set(k, v1);
            }
        }
        else if (val instanceof Set) {
            for (const v0 of Array.from(val)) {
                const v1 = applyReviver(reviver, val, v0, v0);
                if (v1 === undefined)
                    val.delete(v0);
                else if (v1 !== v0) {
                    val.delete(v0);
                    val.add(v1);
                }
            }
        }
        else {
            for (const [k, v0] of Object.entries(val)) {
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    delete val[k];
                else if (v1 !== v0)
                    val[k] = v1;
            }
        }
    }
    return reviver.call(obj, key, val);
}

exports.applyReviver = applyReviver;


/***/ }),

/***/ 2404:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

const defaultTagPrefix = 'tag:yaml.org,2002:';
function findTagObject(value, tagName, tags) {
    if (tagName) {
        const match = tags.filter(t => t.tag === tagName);
        const tagObj = match.find(t => !t.format) ?? match[0];
        if (!tagObj)
            throw new Error(`Tag ${tagName} not found`);
        return tagObj;
    }
    return tags.find(t => t.identify?.(value) && !t.format);
}
function createNode(value, tagName, ctx) {
    if (identity.isDocument(value))
        value = value.contents;
    if (identity.isNode(value))
        return value;
    if (identity.isPair(value)) {
        const map = ctx.schema[identity.MAP].createNode?.(ctx.schema, null, ctx);
        map.items.push(value);
        return map;
    }
    if (value instanceof String ||
        value instanceof Number ||
        value instanceof Boolean ||
        (typeof BigInt !== 'undefined' && value instanceof BigInt) // not supported everywhere
    ) {
        // https://tc39.es/ecma262/#sec-serializejsonproperty
        value = value.valueOf();
    }
    const { aliasDuplicateObjects, onAnchor, onTagObj, schema, sourceObjects } = ctx;
    // Detect duplicate references to the same object & use Alias nodes for all
    // after first. The `ref` wrapper allows for circular references to resolve.
    let ref = undefined;
    if (aliasDuplicateObjects && value && typeof value === 'object') {
        ref = sourceObjects.get(value);
        if (ref) {
            ref.anchor ?? (ref.anchor = onAnchor(value));
            return new Alias.Alias(ref.anchor);
        }
        else {
            ref = { anchor: null, node: null };
            sourceObjects.set(value, ref);
        }
    }
    if (tagName?.startsWith('!!'))
        tagName = defaultTagPrefix + tagName.slice(2);
    let tagObj = findTagObject(value, tagName, schema.tags);
    if (!tagObj) {
        if (value && typeof value.toJSON === 'function') {
            // eslint-disable-next-line @typescript-eslint/no-unsafe-call
            value = value.toJSON();
        }
        if (!value || typeof value !== 'object') {
            const node = new Scalar.Scalar(value);
            if (ref)
                ref.node = node;
            return node;
        }
        tagObj =
            value instanceof Map
                ? schema[identity.MAP]
                : Symbol.iterator in Object(value)
                    ? schema[identity.SEQ]
                    : schema[identity.MAP];
    }
    if (onTagObj) {
        onTagObj(tagObj);
        delete ctx.onTagObj;
    }
    const node = tagObj?.createNode
        ? tagObj.createNode(ctx.schema, value, ctx)
        : typeof tagObj?.nodeClass?.from === 'function'
            ? tagObj.nodeClass.from(ctx.schema, value, ctx)
            : new Scalar.Scalar(value);
    if (tagName)
        node.tag = tagName;
    else if (!tagObj.default)
        node.tag = tagObj.tag;
    if (ref)
        ref.node = node;
    return node;
}

exports.createNode = createNode;


/***/ }),

/***/ 1342:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

const escapeChars = {
    '!': '%21',
    ',': '%2C',
    '[': '%5B',
    ']': '%5D',
    '{': '%7B',
    '}': '%7D'
};
const escapeTagName = (tn) => tn.replace(/[!,[\]{}]/g, ch => escapeChars[ch]);
class Directives {
    constructor(yaml, tags) {
        /**
         * The directives-end/doc-start marker `---`. If `null`, a marker may still be
         * included in the document's stringified representation.
         */
        this.docStart = null;
        /** The doc-end marker `...`.  */
        this.docEnd = false;
        this.yaml = Object.assign({}, Directives.defaultYaml, yaml);
        this.tags = Object.assign({}, Directives.defaultTags, tags);
    }
    clone() {
        const copy = new Directives(this.yaml, this.tags);
        copy.docStart = this.docStart;
        return copy;
    }
    /**
     * During parsing, get a Directives instance for the current document and
     * update the stream state according to the current version's spec.
     */
    atDocument() {
        const res = new Directives(this.yaml, this.tags);
        switch (this.yaml.version) {
            case '1.1':
                this.atNextDocument = true;
                break;
            case '1.2':
                this.atNextDocument = false;
                this.yaml = {
                    explicit: Directives.defaultYaml.explicit,
                    version: '1.2'
                };
                this.tags = Object.assign({}, Directives.defaultTags);
                break;
        }
        return res;
    }
    /**
     * @param onError - May be called even if the action was successful
     * @returns `true` on success
     */
    add(line, onError) {
        if (this.atNextDocument) {
            this.yaml = { explicit: Directives.defaultYaml.explicit, version: '1.1' };
            this.tags = Object.assign({}, Directives.defaultTags);
            this.atNextDocument = false;
        }
        const parts = line.trim().split(/[ \t]+/);
        const name = parts.shift();
        switch (name) {
            case '%TAG': {
                if (parts.length !== 2) {
                    onError(0, '%TAG directive should contain exactly two parts');
                    if (parts.length < 2)
                        return false;
                }
                const [handle, prefix] = parts;
                this.tags[handle] = prefix;
                return true;
            }
            case '%YAML': {
                this.yaml.explicit = true;
                if (parts.length !== 1) {
                    onError(0, '%YAML directive should contain exactly one part');
                    return false;
                }
                const [version] = parts;
                if (version === '1.1' || version === '1.2') {
                    this.yaml.version = version;
                    return true;
                }
                else {
                    const isValid = /^\d+\.\d+$/.test(version);
                    onError(6, `Unsupported YAML version ${version}`, isValid);
                    return false;
                }
            }
            default:
                onError(0, `Unknown directive ${name}`, true);
                return false;
        }
    }
    /**
     * Resolves a tag, matching handles to those defined in %TAG directives.
     *
     * @returns Resolved tag, which may also be the non-specific tag `'!'` or a
     *   `'!local'` tag, or `null` if unresolvable.
     */
    tagName(source, onError) {
        if (source === '!')
            return '!'; // non-specific tag
        if (source[0] !== '!') {
            onError(`Not a valid tag: ${source}`);
            return null;
        }
        if (source[1] === '<') {
            const verbatim = source.slice(2, -1);
            if (verbatim === '!' || verbatim === '!!') {
                onError(`Verbatim tags aren't resolved, so ${source} is invalid.`);
                return null;
            }
            if (source[source.length - 1] !== '>')
                onError('Verbatim tags must end with a >');
            return verbatim;
        }
        const [, handle, suffix] = source.match(/^(.*!)([^!]*)$/s);
        if (!suffix)
            onError(`The ${source} tag has no suffix`);
        const prefix = this.tags[handle];
        if (prefix) {
            try {
                return prefix + decodeURIComponent(suffix);
            }
            catch (error) {
                onError(String(error));
                return null;
            }
        }
        if (handle === '!')
            return source; // local tag
        onError(`Could not resolve tag: ${source}`);
        return null;
    }
    /**
     * Given a fully resolved tag, returns its printable string form,
     * taking into account current tag prefixes and defaults.
     */
    tagString(tag) {
        for (const [handle, prefix] of Object.entries(this.tags)) {
            if (tag.startsWith(prefix))
                return handle + escapeTagName(tag.substring(prefix.length));
        }
        return tag[0] === '!' ? tag : `!<${tag}>`;
    }
    toString(doc) {
        const lines = this.yaml.explicit
            ? [`%YAML ${this.yaml.version || '1.2'}`]
            : [];
        const tagEntries = Object.entries(this.tags);
        let tagNames;
        if (doc && tagEntries.length > 0 && identity.isNode(doc.contents)) {
            const tags = {};
            visit.visit(doc.contents, (_key, node) => {
                if (identity.isNode(node) && node.tag)
                    tags[node.tag] = true;
            });
            tagNames = Object.keys(tags);
        }
        else
            tagNames = [];
        for (const [handle, prefix] of tagEntries) {
            if (handle === '!!' && prefix === 'tag:yaml.org,2002:')
                continue;
            if (!doc || tagNames.some(tn => tn.startsWith(prefix)))
                lines.push(`%TAG ${handle} ${prefix}`);
        }
        return lines.join('\n');
    }
}
Directives.defaultYaml = { explicit: false, version: '1.2' };
Directives.defaultTags = { '!!': 'tag:yaml.org,2002:' };

exports.Directives = Directives;


/***/ }),

/***/ 1464:
/***/ ((__unused_webpack_module, exports) => {



class YAMLError extends Error {
    constructor(name, pos, code, message) {
        super();
        this.name = name;
        this.code = code;
        this.message = message;
        this.pos = pos;
    }
}
class YAMLParseError extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLParseError', pos, code, message);
    }
}
class YAMLWarning extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLWarning', pos, code, message);
    }
}
const prettifyError = (src, lc) => (error) => {
    if (error.pos[0] === -1)
        return;
    error.linePos = error.pos.map(pos => lc.linePos(pos));
    const { line, col } = error.linePos[0];
    error.message += ` at line ${line}, column ${col}`;
    let ci = col - 1;
    let lineStr = src
        .substring(lc.lineStarts[line - 1], lc.lineStarts[line])
        .replace(/[\n\r]+$/, '');
    // Trim to max 80 chars, keeping col position near the middle
    if (ci >= 60 && lineStr.length > 80) {
        const trimStart = Math.min(ci - 39, lineStr.length - 79);
        lineStr = '…' + lineStr.substring(trimStart);
        ci -= trimStart - 1;
    }
    if (lineStr.length > 80)
        lineStr = lineStr.substring(0, 79) + '…';
    // Include previous line in context if pointing at line start
    if (line > 1 && /^ *$/.test(lineStr.substring(0, ci))) {
        // Regexp won't match if start is trimmed
        let prev = src.substring(lc.lineStarts[line - 2], lc.lineStarts[line - 1]);
        if (prev.length > 80)
            prev = prev.substring(0, 79) + '…\n';
        lineStr = prev + lineStr;
    }
    if (/[^ ]/.test(lineStr)) {
        let count = 1;
        const end = error.linePos[1];
        if (end?.line === line && end.col > col) {
            count = Math.max(1, Math.min(end.col - col, 80 - ci));
        }
        const pointer = ' '.repeat(ci) + '^'.repeat(count);
        error.message += `:\n\n${lineStr}\n${pointer}\n`;
    }
};

exports.YAMLError = YAMLError;
exports.YAMLParseError = YAMLParseError;
exports.YAMLWarning = YAMLWarning;
exports.prettifyError = prettifyError;


/***/ }),

/***/ 8815:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;


var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var Schema = __nccwpck_require__(5840);
var errors = __nccwpck_require__(1464);
var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);
var publicApi = __nccwpck_require__(4047);
var visit = __nccwpck_require__(204);



__webpack_unused_export__ = composer.Composer;
__webpack_unused_export__ = Document.Document;
__webpack_unused_export__ = Schema.Schema;
__webpack_unused_export__ = errors.YAMLError;
__webpack_unused_export__ = errors.YAMLParseError;
__webpack_unused_export__ = errors.YAMLWarning;
__webpack_unused_export__ = Alias.Alias;
__webpack_unused_export__ = identity.isAlias;
__webpack_unused_export__ = identity.isCollection;
__webpack_unused_export__ = identity.isDocument;
exports.jh = identity.isMap;
__webpack_unused_export__ = identity.isNode;
__webpack_unused_export__ = identity.isPair;
exports.jn = identity.isScalar;
exports.oP = identity.isSeq;
__webpack_unused_export__ = Pair.Pair;
__webpack_unused_export__ = Scalar.Scalar;
__webpack_unused_export__ = YAMLMap.YAMLMap;
__webpack_unused_export__ = YAMLSeq.YAMLSeq;
__webpack_unused_export__ = cst;
__webpack_unused_export__ = lexer.Lexer;
exports.HN = lineCounter.LineCounter;
__webpack_unused_export__ = parser.Parser;
exports.qg = publicApi.parse;
__webpack_unused_export__ = publicApi.parseAllDocuments;
exports.Tp = publicApi.parseDocument;
exports.As = publicApi.stringify;
__webpack_unused_export__ = visit.visit;
__webpack_unused_export__ = visit.visitAsync;


/***/ }),

/***/ 7249:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);

function debug(logLevel, ...messages) {
    if (logLevel === 'debug')
        console.log(...messages);
}
function warn(logLevel, warning) {
    if (logLevel === 'debug' || logLevel === 'warn') {
        if (typeof node_process.emitWarning === 'function')
            node_process.emitWarning(warning);
        else
            console.warn(warning);
    }
}

exports.debug = debug;
exports.warn = warn;


/***/ }),

/***/ 4065:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var visit = __nccwpck_require__(204);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

class Alias extends Node.NodeBase {
    constructor(source) {
        super(identity.ALIAS);
        this.source = source;
        Object.defineProperty(this, 'tag', {
            set() {
                throw new Error('Alias nodes cannot have tags');
            }
        });
    }
    /**
     * Resolve the value of this alias within `doc`, finding the last
     * instance of the `source` anchor before this node.
     */
    resolve(doc, ctx) {
        if (ctx?.maxAliasCount === 0)
            throw new ReferenceError('Alias resolution is disabled');
        let nodes;
        if (ctx?.aliasResolveCache) {
            nodes = ctx.aliasResolveCache;
        }
        else {
            nodes = [];
            visit.visit(doc, {
                Node: (_key, node) => {
                    if (identity.isAlias(node) || identity.hasAnchor(node))
                        nodes.push(node);
                }
            });
            if (ctx)
                ctx.aliasResolveCache = nodes;
        }
        let found = undefined;
        for (const node of nodes) {
            if (node === this)
                break;
            if (node.anchor === this.source)
                found = node;
        }
        if (found && ctx) {
            const { anchors, doc, maxAliasCount } = ctx;
            let data = anchors.get(found);
            if (!data) {
                // Resolve anchors for Node.prototype.toJS()
                toJS.toJS(found, null, ctx);
                data = anchors.get(found);
            }
            /* istanbul ignore if */
            if (data?.res === undefined) {
                const msg = 'This should not happen: Alias anchor was not resolved?';
                throw new ReferenceError(msg);
            }
            if (maxAliasCount >= 0) {
                data.count += 1;
                if (data.aliasCount === 0)
                    data.aliasCount = getAliasCount(doc, found, anchors);
                if (data.count * data.aliasCount > maxAliasCount) {
                    const msg = 'Excessive alias count indicates a resource exhaustion attack';
                    throw new ReferenceError(msg);
                }
            }
        }
        return found;
    }
    toJSON(_arg, ctx) {
        if (!ctx)
            return { source: this.source };
        const source = this.resolve(ctx.doc, ctx);
        if (!source) {
            const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
            throw new ReferenceError(msg);
        }
        return ctx.anchors.get(source).res;
    }
    toString(ctx, _onComment, _onChompKeep) {
        const src = `*${this.source}`;
        if (ctx) {
            anchors.anchorIsValid(this.source);
            if (ctx.options.verifyAliasOrder && !ctx.anchors.has(this.source)) {
                const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
                throw new Error(msg);
            }
            if (ctx.implicitKey)
                return `${src} `;
        }
        return src;
    }
}
function getAliasCount(doc, node, anchors) {
    if (identity.isAlias(node)) {
        const source = node.resolve(doc);
        const anchor = anchors && source && anchors.get(source);
        return anchor ? anchor.count * anchor.aliasCount : 0;
    }
    else if (identity.isCollection(node)) {
        let count = 0;
        for (const item of node.items) {
            const c = getAliasCount(doc, item, anchors);
            if (c > count)
                count = c;
        }
        return count;
    }
    else if (identity.isPair(node)) {
        const kc = getAliasCount(doc, node.key, anchors);
        const vc = getAliasCount(doc, node.value, anchors);
        return Math.max(kc, vc);
    }
    return 1;
}

exports.Alias = Alias;


/***/ }),

/***/ 101:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);

function collectionFromPath(schema, path, value) {
    let v = value;
    for (let i = path.length - 1; i >= 0; --i) {
        const k = path[i];
        if (typeof k === 'number' && Number.isInteger(k) && k >= 0) {
            const a = [];
            a[k] = v;
            v = a;
        }
        else {
            v = new Map([[k, v]]);
        }
    }
    return createNode.createNode(v, undefined, {
        aliasDuplicateObjects: false,
        keepUndefined: false,
        onAnchor: () => {
            throw new Error('This should not happen, please report a bug.');
        },
        schema,
        sourceObjects: new Map()
    });
}
// Type guard is intentionally a little wrong so as to be more useful,
// as it does not cover untypable empty non-string iterables (e.g. []).
const isEmptyPath = (path) => path == null ||
    (typeof path === 'object' && !!path[Symbol.iterator]().next().done);
class Collection extends Node.NodeBase {
    constructor(type, schema) {
        super(type);
        Object.defineProperty(this, 'schema', {
            value: schema,
            configurable: true,
            enumerable: false,
            writable: true
        });
    }
    /**
     * Create a copy of this collection.
     *
     * @param schema - If defined, overwrites the original's schema
     */
    clone(schema) {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (schema)
            copy.schema = schema;
        copy.items = copy.items.map(it => identity.isNode(it) || identity.isPair(it) ? it.clone(schema) : it);
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /**
     * Adds a value to the collection. For `!!map` and `!!omap` the value must
     * be a Pair instance or a `{ key, value }` object, which may not have a key
     * that already exists in the map.
     */
    addIn(path, value) {
        if (isEmptyPath(path))
            this.add(value);
        else {
            const [key, ...rest] = path;
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.addIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
    /**
     * Removes a value from the collection.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.delete(key);
        const node = this.get(key, true);
        if (identity.isCollection(node))
            return node.deleteIn(rest);
        else
            throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        const [key, ...rest] = path;
        const node = this.get(key, true);
        if (rest.length === 0)
            return !keepScalar && identity.isScalar(node) ? node.value : node;
        else
            return identity.isCollection(node) ? node.getIn(rest, keepScalar) : undefined;
    }
    hasAllNullValues(allowScalar) {
        return this.items.every(node => {
            if (!identity.isPair(node))
                return false;
            const n = node.value;
            return (n == null ||
                (allowScalar &&
                    identity.isScalar(n) &&
                    n.value == null &&
                    !n.commentBefore &&
                    !n.comment &&
                    !n.tag));
        });
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     */
    hasIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.has(key);
        const node = this.get(key, true);
        return identity.isCollection(node) ? node.hasIn(rest) : false;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        const [key, ...rest] = path;
        if (rest.length === 0) {
            this.set(key, value);
        }
        else {
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.setIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
}

exports.Collection = Collection;
exports.collectionFromPath = collectionFromPath;
exports.isEmptyPath = isEmptyPath;


/***/ }),

/***/ 6673:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var applyReviver = __nccwpck_require__(3661);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

class NodeBase {
    constructor(type) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: type });
    }
    /** Create a copy of this node.  */
    clone() {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** A plain JavaScript representation of this node. */
    toJS(doc, { mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        if (!identity.isDocument(doc))
            throw new TypeError('A document argument is required');
        const ctx = {
            anchors: new Map(),
            doc,
            keep: true,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this, '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
}

exports.NodeBase = NodeBase;


/***/ }),

/***/ 7165:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyPair = __nccwpck_require__(9748);
var addPairToJSMap = __nccwpck_require__(7104);
var identity = __nccwpck_require__(1127);

function createPair(key, value, ctx) {
    const k = createNode.createNode(key, undefined, ctx);
    const v = createNode.createNode(value, undefined, ctx);
    return new Pair(k, v);
}
class Pair {
    constructor(key, value = null) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.PAIR });
        this.key = key;
        this.value = value;
    }
    clone(schema) {
        let { key, value } = this;
        if (identity.isNode(key))
            key = key.clone(schema);
        if (identity.isNode(value))
            value = value.clone(schema);
        return new Pair(key, value);
    }
    toJSON(_, ctx) {
        const pair = ctx?.mapAsMap ? new Map() : {};
        return addPairToJSMap.addPairToJSMap(ctx, pair, this);
    }
    toString(ctx, onComment, onChompKeep) {
        return ctx?.doc
            ? stringifyPair.stringifyPair(this, ctx, onComment, onChompKeep)
            : JSON.stringify(this);
    }
}

exports.Pair = Pair;
exports.createPair = createPair;


/***/ }),

/***/ 3301:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

const isScalarValue = (value) => !value || (typeof value !== 'function' && typeof value !== 'object');
class Scalar extends Node.NodeBase {
    constructor(value) {
        super(identity.SCALAR);
        this.value = value;
    }
    toJSON(arg, ctx) {
        return ctx?.keep ? this.value : toJS.toJS(this.value, arg, ctx);
    }
    toString() {
        return String(this.value);
    }
}
Scalar.BLOCK_FOLDED = 'BLOCK_FOLDED';
Scalar.BLOCK_LITERAL = 'BLOCK_LITERAL';
Scalar.PLAIN = 'PLAIN';
Scalar.QUOTE_DOUBLE = 'QUOTE_DOUBLE';
Scalar.QUOTE_SINGLE = 'QUOTE_SINGLE';

exports.Scalar = Scalar;
exports.isScalarValue = isScalarValue;


/***/ }),

/***/ 4454:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyCollection = __nccwpck_require__(1212);
var addPairToJSMap = __nccwpck_require__(7104);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);

function findPair(items, key) {
    const k = identity.isScalar(key) ? key.value : key;
    for (const it of items) {
        if (identity.isPair(it)) {
            if (it.key === key || it.key === k)
                return it;
            if (identity.isScalar(it.key) && it.key.value === k)
                return it;
        }
    }
    return undefined;
}
class YAMLMap extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:map';
    }
    constructor(schema) {
        super(identity.MAP, schema);
        this.items = [];
    }
    /**
     * A generic collection parsing method that can be extended
     * to other node classes that inherit from YAMLMap
     */
    static from(schema, obj, ctx) {
        const { keepUndefined, replacer } = ctx;
        const map = new this(schema);
        const add = (key, value) => {
            if (typeof replacer === 'function')
                value = replacer.call(obj, key, value);
            else if (Array.isArray(replacer) && !replacer.includes(key))
                return;
            if (value !== undefined || keepUndefined)
                map.items.push(Pair.createPair(key, value, ctx));
        };
        if (obj instanceof Map) {
            for (const [key, value] of obj)
                add(key, value);
        }
        else if (obj && typeof obj === 'object') {
            for (const key of Object.keys(obj))
                add(key, obj[key]);
        }
        if (typeof schema.sortMapEntries === 'function') {
            map.items.sort(schema.sortMapEntries);
        }
        return map;
    }
    /**
     * Adds a value to the collection.
     *
     * @param overwrite - If not set `true`, using a key that is already in the
     *   collection will throw. Otherwise, overwrites the previous value.
     */
    add(pair, overwrite) {
        let _pair;
        if (identity.isPair(pair))
            _pair = pair;
        else if (!pair || typeof pair !== 'object' || !('key' in pair)) {
            // In TypeScript, this never happens.
            _pair = new Pair.Pair(pair, pair?.value);
        }
        else
            _pair = new Pair.Pair(pair.key, pair.value);
        const prev = findPair(this.items, _pair.key);
        const sortEntries = this.schema?.sortMapEntries;
        if (prev) {
            if (!overwrite)
                throw new Error(`Key ${_pair.key} already set`);
            // For scalars, keep the old node & its comments and anchors
            if (identity.isScalar(prev.value) && Scalar.isScalarValue(_pair.value))
                prev.value.value = _pair.value;
            else
                prev.value = _pair.value;
        }
        else if (sortEntries) {
            const i = this.items.findIndex(item => sortEntries(_pair, item) < 0);
            if (i === -1)
                this.items.push(_pair);
            else
                this.items.splice(i, 0, _pair);
        }
        else {
            this.items.push(_pair);
        }
    }
    delete(key) {
        const it = findPair(this.items, key);
        if (!it)
            return false;
        const del = this.items.splice(this.items.indexOf(it), 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const it = findPair(this.items, key);
        const node = it?.value;
        return (!keepScalar && identity.isScalar(node) ? node.value : node) ?? undefined;
    }
    has(key) {
        return !!findPair(this.items, key);
    }
    set(key, value) {
        this.add(new Pair.Pair(key, value), true);
    }
    /**
     * @param ctx - Conversion context, originally set in Document#toJS()
     * @param {Class} Type - If set, forces the returned collection type
     * @returns Instance of Type, Map, or Object
     */
    toJSON(_, ctx, Type) {
        const map = Type ? new Type() : ctx?.mapAsMap ? new Map() : {};
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const item of this.items)
            addPairToJSMap.addPairToJSMap(ctx, map, item);
        return map;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        for (const item of this.items) {
            if (!identity.isPair(item))
                throw new Error(`Map items must all be pairs; found ${JSON.stringify(item)} instead`);
        }
        if (!ctx.allNullValues && this.hasAllNullValues(false))
            ctx = Object.assign({}, ctx, { allNullValues: true });
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '',
            flowChars: { start: '{', end: '}' },
            itemIndent: ctx.indent || '',
            onChompKeep,
            onComment
        });
    }
}

exports.YAMLMap = YAMLMap;
exports.findPair = findPair;


/***/ }),

/***/ 2223:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyCollection = __nccwpck_require__(1212);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var toJS = __nccwpck_require__(4043);

class YAMLSeq extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:seq';
    }
    constructor(schema) {
        super(identity.SEQ, schema);
        this.items = [];
    }
    add(value) {
        this.items.push(value);
    }
    /**
     * Removes a value from the collection.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     *
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return false;
        const del = this.items.splice(idx, 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return undefined;
        const it = this.items[idx];
        return !keepScalar && identity.isScalar(it) ? it.value : it;
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     */
    has(key) {
        const idx = asItemIndex(key);
        return typeof idx === 'number' && idx < this.items.length;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     *
     * If `key` does not contain a representation of an integer, this will throw.
     * It may be wrapped in a `Scalar`.
     */
    set(key, value) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            throw new Error(`Expected a valid index, not ${key}.`);
        const prev = this.items[idx];
        if (identity.isScalar(prev) && Scalar.isScalarValue(value))
            prev.value = value;
        else
            this.items[idx] = value;
    }
    toJSON(_, ctx) {
        const seq = [];
        if (ctx?.onCreate)
            ctx.onCreate(seq);
        let i = 0;
        for (const item of this.items)
            seq.push(toJS.toJS(item, String(i++), ctx));
        return seq;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '- ',
            flowChars: { start: '[', end: ']' },
            itemIndent: (ctx.indent || '') + '  ',
            onChompKeep,
            onComment
        });
    }
    static from(schema, obj, ctx) {
        const { replacer } = ctx;
        const seq = new this(schema);
        if (obj && Symbol.iterator in Object(obj)) {
            let i = 0;
            for (let it of obj) {
                if (typeof replacer === 'function') {
                    const key = obj instanceof Set ? it : String(i++);
                    it = replacer.call(obj, key, it);
                }
                seq.items.push(createNode.createNode(it, undefined, ctx));
            }
        }
        return seq;
    }
}
function asItemIndex(key) {
    let idx = identity.isScalar(key) ? key.value : key;
    if (idx && typeof idx === 'string')
        idx = Number(idx);
    return typeof idx === 'number' && Number.isInteger(idx) && idx >= 0
        ? idx
        : null;
}

exports.YAMLSeq = YAMLSeq;


/***/ }),

/***/ 7104:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var log = __nccwpck_require__(7249);
var merge = __nccwpck_require__(452);
var stringify = __nccwpck_require__(2148);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

function addPairToJSMap(ctx, map, { key, value }) {
    if (identity.isNode(key) && key.addToJSMap)
        key.addToJSMap(ctx, map, value);
    // TODO: Should drop this special case for bare << handling
    else if (merge.isMergeKey(ctx, key))
        merge.addMergeToJSMap(ctx, map, value);
    else {
        const jsKey = toJS.toJS(key, '', ctx);
        if (map instanceof Map) {
            map.set(jsKey, toJS.toJS(value, jsKey, ctx));
        }
        else if (map instanceof Set) {
            map.add(jsKey);
        }
        else {
            const stringKey = stringifyKey(key, jsKey, ctx);
            const jsValue = toJS.toJS(value, stringKey, ctx);
            if (stringKey in map)
                Object.defineProperty(map, stringKey, {
                    value: jsValue,
                    writable: true,
                    enumerable: true,
                    configurable: true
                });
            else
                map[stringKey] = jsValue;
        }
    }
    return map;
}
function stringifyKey(key, jsKey, ctx) {
    if (jsKey === null)
        return '';
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    if (typeof jsKey !== 'object')
        return String(jsKey);
    if (identity.isNode(key) && ctx?.doc) {
        const strCtx = stringify.createStringifyContext(ctx.doc, {});
        strCtx.anchors = new Set();
        for (const node of ctx.anchors.keys())
            strCtx.anchors.add(node.anchor);
        strCtx.inFlow = true;
        strCtx.inStringifyKey = true;
        const strKey = key.toString(strCtx);
        if (!ctx.mapKeyWarned) {
            let jsonStr = JSON.stringify(strKey);
            if (jsonStr.length > 40)
                jsonStr = jsonStr.substring(0, 36) + '..."';
            log.warn(ctx.doc.options.logLevel, `Keys with collection values will be stringified due to JS Object restrictions: ${jsonStr}. Set mapAsMap: true to use object keys.`);
            ctx.mapKeyWarned = true;
        }
        return strKey;
    }
    return JSON.stringify(jsKey);
}

exports.addPairToJSMap = addPairToJSMap;


/***/ }),

/***/ 1127:
/***/ ((__unused_webpack_module, exports) => {



const ALIAS = Symbol.for('yaml.alias');
const DOC = Symbol.for('yaml.document');
const MAP = Symbol.for('yaml.map');
const PAIR = Symbol.for('yaml.pair');
const SCALAR = Symbol.for('yaml.scalar');
const SEQ = Symbol.for('yaml.seq');
const NODE_TYPE = Symbol.for('yaml.node.type');
const isAlias = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === ALIAS;
const isDocument = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === DOC;
const isMap = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === MAP;
const isPair = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === PAIR;
const isScalar = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SCALAR;
const isSeq = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SEQ;
function isCollection(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case MAP:
            case SEQ:
                return true;
        }
    return false;
}
function isNode(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case ALIAS:
            case MAP:
            case SCALAR:
            case SEQ:
                return true;
        }
    return false;
}
const hasAnchor = (node) => (isScalar(node) || isCollection(node)) && !!node.anchor;

exports.ALIAS = ALIAS;
exports.DOC = DOC;
exports.MAP = MAP;
exports.NODE_TYPE = NODE_TYPE;
exports.PAIR = PAIR;
exports.SCALAR = SCALAR;
exports.SEQ = SEQ;
exports.hasAnchor = hasAnchor;
exports.isAlias = isAlias;
exports.isCollection = isCollection;
exports.isDocument = isDocument;
exports.isMap = isMap;
exports.isNode = isNode;
exports.isPair = isPair;
exports.isScalar = isScalar;
exports.isSeq = isSeq;


/***/ }),

/***/ 4043:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

/**
 * Recursively convert any node or its contents to native JavaScript
 *
 * @param value - The input value
 * @param arg - If `value` defines a `toJSON()` method, use this
 *   as its first argument
 * @param ctx - Conversion context, originally set in Document#toJS(). If
 *   `{ keep: true }` is not set, output should be suitable for JSON
 *   stringification.
 */
function toJS(value, arg, ctx) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    if (Array.isArray(value))
        return value.map((v, i) => toJS(v, String(i), ctx));
    if (value && typeof value.toJSON === 'function') {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-call
        if (!ctx || !identity.hasAnchor(value))
            return value.toJSON(arg, ctx);
        const data = { aliasCount: 0, count: 1, res: undefined };
        ctx.anchors.set(value, data);
        ctx.onCreate = res => {
            data.res = res;
            delete ctx.onCreate;
        };
        const res = value.toJSON(arg, ctx);
        if (ctx.onCreate)
            ctx.onCreate(res);
        return res;
    }
    if (typeof value === 'bigint' && !ctx?.keep)
        return Number(value);
    return value;
}

exports.toJS = toJS;


/***/ }),

/***/ 110:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);
var errors = __nccwpck_require__(1464);
var stringifyString = __nccwpck_require__(3069);

function resolveAsScalar(token, strict = true, onError) {
    if (token) {
        const _onError = (pos, code, message) => {
            const offset = typeof pos === 'number' ? pos : Array.isArray(pos) ? pos[0] : pos.offset;
            if (onError)
                onError(offset, code, message);
            else
                throw new errors.YAMLParseError([offset, offset + 1], code, message);
        };
        switch (token.type) {
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return resolveFlowScalar.resolveFlowScalar(token, strict, _onError);
            case 'block-scalar':
                return resolveBlockScalar.resolveBlockScalar({ options: { strict } }, token, _onError);
        }
    }
    return null;
}
/**
 * Create a new scalar token with `value`
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.end Comments and whitespace after the end of the value, or after the block scalar header. If undefined, a newline will be added.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.indent The indent level of the token.
 * @param context.inFlow Is this scalar within a flow collection? This may affect the resolved type of the token's value.
 * @param context.offset The offset position of the token.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function createScalarToken(value, context) {
    const { implicitKey = false, indent, inFlow = false, offset = -1, type = 'PLAIN' } = context;
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey,
        indent: indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    const end = context.end ?? [
        { type: 'newline', offset: -1, indent, source: '\n' }
    ];
    switch (source[0]) {
        case '|':
        case '>': {
            const he = source.indexOf('\n');
            const head = source.substring(0, he);
            const body = source.substring(he + 1) + '\n';
            const props = [
                { type: 'block-scalar-header', offset, indent, source: head }
            ];
            if (!addEndtoBlockProps(props, end))
                props.push({ type: 'newline', offset: -1, indent, source: '\n' });
            return { type: 'block-scalar', offset, indent, props, source: body };
        }
        case '"':
            return { type: 'double-quoted-scalar', offset, indent, source, end };
        case "'":
            return { type: 'single-quoted-scalar', offset, indent, source, end };
        default:
            return { type: 'scalar', offset, indent, source, end };
    }
}
/**
 * Set the value of `token` to the given string `value`, overwriting any previous contents and type that it may have.
 *
 * Best efforts are made to retain any comments previously associated with the `token`,
 * though all contents within a collection's `items` will be overwritten.
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param token Any token. If it does not include an `indent` value, the value will be stringified as if it were an implicit key.
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.afterKey In most cases, values after a key should have an additional level of indentation.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.inFlow Being within a flow collection may affect the resolved type of the token's value.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function setScalarValue(token, value, context = {}) {
    let { afterKey = false, implicitKey = false, inFlow = false, type } = context;
    let indent = 'indent' in token ? token.indent : null;
    if (afterKey && typeof indent === 'number')
        indent += 2;
    if (!type)
        switch (token.type) {
            case 'single-quoted-scalar':
                type = 'QUOTE_SINGLE';
                break;
            case 'double-quoted-scalar':
                type = 'QUOTE_DOUBLE';
                break;
            case 'block-scalar': {
                const header = token.props[0];
                if (header.type !== 'block-scalar-header')
                    throw new Error('Invalid block scalar header');
                type = header.source[0] === '>' ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL';
                break;
            }
            default:
                type = 'PLAIN';
        }
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey: implicitKey || indent === null,
        indent: indent !== null && indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    switch (source[0]) {
        case '|':
        case '>':
            setBlockScalarValue(token, source);
            break;
        case '"':
            setFlowScalarValue(token, source, 'double-quoted-scalar');
            break;
        case "'":
            setFlowScalarValue(token, source, 'single-quoted-scalar');
            break;
        default:
            setFlowScalarValue(token, source, 'scalar');
    }
}
function setBlockScalarValue(token, source) {
    const he = source.indexOf('\n');
    const head = source.substring(0, he);
    const body = source.substring(he + 1) + '\n';
    if (token.type === 'block-scalar') {
        const header = token.props[0];
        if (header.type !== 'block-scalar-header')
            throw new Error('Invalid block scalar header');
        header.source = head;
        token.source = body;
    }
    else {
        const { offset } = token;
        const indent = 'indent' in token ? token.indent : -1;
        const props = [
            { type: 'block-scalar-header', offset, indent, source: head }
        ];
        if (!addEndtoBlockProps(props, 'end' in token ? token.end : undefined))
            props.push({ type: 'newline', offset: -1, indent, source: '\n' });
        for (const key of Object.keys(token))
            if (key !== 'type' && key !== 'offset')
                delete token[key];
        Object.assign(token, { type: 'block-scalar', indent, props, source: body });
    }
}
/** @returns `true` if last token is a newline */
function addEndtoBlockProps(props, end) {
    if (end)
        for (const st of end)
            switch (st.type) {
                case 'space':
                case 'comment':
                    props.push(st);
                    break;
                case 'newline':
                    props.push(st);
                    return true;
            }
    return false;
}
function setFlowScalarValue(token, source, type) {
    switch (token.type) {
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            token.type = type;
            token.source = source;
            break;
        case 'block-scalar': {
            const end = token.props.slice(1);
            let oa = source.length;
            if (token.props[0].type === 'block-scalar-header')
                oa -= token.props[0].source.length;
            for (const tok of end)
                tok.offset += oa;
            delete token.props;
            Object.assign(token, { type, source, end });
            break;
        }
        case 'block-map':
        case 'block-seq': {
            const offset = token.offset + source.length;
            const nl = { type: 'newline', offset, indent: token.indent, source: '\n' };
            delete token.items;
            Object.assign(token, { type, source, end: [nl] });
            break;
        }
        default: {
            const indent = 'indent' in token ? token.indent : -1;
            const end = 'end' in token && Array.isArray(token.end)
                ? token.end.filter(st => st.type === 'space' ||
                    st.type === 'comment' ||
                    st.type === 'newline')
                : [];
            for (const key of Object.keys(token))
                if (key !== 'type' && key !== 'offset')
                    delete token[key];
            Object.assign(token, { type, indent, source, end });
        }
    }
}

exports.createScalarToken = createScalarToken;
exports.resolveAsScalar = resolveAsScalar;
exports.setScalarValue = setScalarValue;


/***/ }),

/***/ 1733:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringify a CST document, token, or collection item
 *
 * Fair warning: This applies no validation whatsoever, and
 * simply concatenates the sources in their logical order.
 */
const stringify = (cst) => 'type' in cst ? stringifyToken(cst) : stringifyItem(cst);
function stringifyToken(token) {
    switch (token.type) {
        case 'block-scalar': {
            let res = '';
            for (const tok of token.props)
                res += stringifyToken(tok);
            return res + token.source;
        }
        case 'block-map':
        case 'block-seq': {
            let res = '';
            for (const item of token.items)
                res += stringifyItem(item);
            return res;
        }
        case 'flow-collection': {
            let res = token.start.source;
            for (const item of token.items)
                res += stringifyItem(item);
            for (const st of token.end)
                res += st.source;
            return res;
        }
        case 'document': {
            let res = stringifyItem(token);
            if (token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
        default: {
            let res = token.source;
            if ('end' in token && token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
    }
}
function stringifyItem({ start, key, sep, value }) {
    let res = '';
    for (const st of start)
        res += st.source;
    if (key)
        res += stringifyToken(key);
    if (sep)
        for (const st of sep)
            res += st.source;
    if (value)
        res += stringifyToken(value);
    return res;
}

exports.stringify = stringify;


/***/ }),

/***/ 7715:
/***/ ((__unused_webpack_module, exports) => {



const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove item');
/**
 * Apply a visitor to a CST document or item.
 *
 * Walks through the tree (depth-first) starting from the root, calling a
 * `visitor` function with two arguments when entering each item:
 *   - `item`: The current item, which included the following members:
 *     - `start: SourceToken[]` – Source tokens before the key or value,
 *       possibly including its anchor or tag.
 *     - `key?: Token | null` – Set for pair values. May then be `null`, if
 *       the key before the `:` separator is empty.
 *     - `sep?: SourceToken[]` – Source tokens between the key and the value,
 *       which should include the `:` map value indicator if `value` is set.
 *     - `value?: Token` – The value of a sequence item, or of a map pair.
 *   - `path`: The steps from the root to the current node, as an array of
 *     `['key' | 'value', number]` tuples.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this token, continue with
 *      next sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current item, then continue with the next one
 *   - `number`: Set the index of the next step. This is useful especially if
 *     the index of the current token has changed.
 *   - `function`: Define the next visitor for this item. After the original
 *     visitor is called on item entry, next visitors are called after handling
 *     a non-empty `key` and when exiting the item.
 */
function visit(cst, visitor) {
    if ('type' in cst && cst.type === 'document')
        cst = { start: cst.start, value: cst.value };
    _visit(Object.freeze([]), cst, visitor);
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current item */
visit.SKIP = SKIP;
/** Remove the current item */
visit.REMOVE = REMOVE;
/** Find the item at `path` from `cst` as the root */
visit.itemAtPath = (cst, path) => {
    let item = cst;
    for (const [field, index] of path) {
        const tok = item?.[field];
        if (tok && 'items' in tok) {
            item = tok.items[index];
        }
        else
            return undefined;
    }
    return item;
};
/**
 * Get the immediate parent collection of the item at `path` from `cst` as the root.
 *
 * Throws an error if the collection is not found, which should never happen if the item itself exists.
 */
visit.parentCollection = (cst, path) => {
    const parent = visit.itemAtPath(cst, path.slice(0, -1));
    const field = path[path.length - 1][0];
    const coll = parent?.[field];
    if (coll && 'items' in coll)
        return coll;
    throw new Error('Parent collection not found');
};
function _visit(path, item, visitor) {
    let ctrl = visitor(item, path);
    if (typeof ctrl === 'symbol')
        return ctrl;
    for (const field of ['key', 'value']) {
        const token = item[field];
        if (token && 'items' in token) {
            for (let i = 0; i < token.items.length; ++i) {
                const ci = _visit(Object.freeze(path.concat([[field, i]])), token.items[i], visitor);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    token.items.splice(i, 1);
                    i -= 1;
                }
            }
            if (typeof ctrl === 'function' && field === 'key')
                ctrl = ctrl(item, path);
        }
    }
    return typeof ctrl === 'function' ? ctrl(item, path) : ctrl;
}

exports.visit = visit;


/***/ }),

/***/ 3461:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cstScalar = __nccwpck_require__(110);
var cstStringify = __nccwpck_require__(1733);
var cstVisit = __nccwpck_require__(7715);

/** The byte order mark */
const BOM = '\u{FEFF}';
/** Start of doc-mode */
const DOCUMENT = '\x02'; // C0: Start of Text
/** Unexpected end of flow-mode */
const FLOW_END = '\x18'; // C0: Cancel
/** Next token is a scalar value */
const SCALAR = '\x1f'; // C0: Unit Separator
/** @returns `true` if `token` is a flow or block collection */
const isCollection = (token) => !!token && 'items' in token;
/** @returns `true` if `token` is a flow or block scalar; not an alias */
const isScalar = (token) => !!token &&
    (token.type === 'scalar' ||
        token.type === 'single-quoted-scalar' ||
        token.type === 'double-quoted-scalar' ||
        token.type === 'block-scalar');
/* istanbul ignore next */
/** Get a printable representation of a lexer token */
function prettyToken(token) {
    switch (token) {
        case BOM:
            return '<BOM>';
        case DOCUMENT:
            return '<DOC>';
        case FLOW_END:
            return '<FLOW_END>';
        case SCALAR:
            return '<SCALAR>';
        default:
            return JSON.stringify(token);
    }
}
/** Identify the type of a lexer token. May return `null` for unknown tokens. */
function tokenType(source) {
    switch (source) {
        case BOM:
            return 'byte-order-mark';
        case DOCUMENT:
            return 'doc-mode';
        case FLOW_END:
            return 'flow-error-end';
        case SCALAR:
            return 'scalar';
        case '---':
            return 'doc-start';
        case '...':
            return 'doc-end';
        case '':
        case '\n':
        case '\r\n':
            return 'newline';
        case '-':
            return 'seq-item-ind';
        case '?':
            return 'explicit-key-ind';
        case ':':
            return 'map-value-ind';
        case '{':
            return 'flow-map-start';
        case '}':
            return 'flow-map-end';
        case '[':
            return 'flow-seq-start';
        case ']':
            return 'flow-seq-end';
        case ',':
            return 'comma';
    }
    switch (source[0]) {
        case ' ':
        case '\t':
            return 'space';
        case '#':
            return 'comment';
        case '%':
            return 'directive-line';
        case '*':
            return 'alias';
        case '&':
            return 'anchor';
        case '!':
            return 'tag';
        case "'":
            return 'single-quoted-scalar';
        case '"':
            return 'double-quoted-scalar';
        case '|':
        case '>':
            return 'block-scalar-header';
    }
    return null;
}

exports.createScalarToken = cstScalar.createScalarToken;
exports.resolveAsScalar = cstScalar.resolveAsScalar;
exports.setScalarValue = cstScalar.setScalarValue;
exports.stringify = cstStringify.stringify;
exports.visit = cstVisit.visit;
exports.BOM = BOM;
exports.DOCUMENT = DOCUMENT;
exports.FLOW_END = FLOW_END;
exports.SCALAR = SCALAR;
exports.isCollection = isCollection;
exports.isScalar = isScalar;
exports.prettyToken = prettyToken;
exports.tokenType = tokenType;


/***/ }),

/***/ 361:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cst = __nccwpck_require__(3461);

/*
START -> stream

stream
  directive -> line-end -> stream
  indent + line-end -> stream
  [else] -> line-start

line-end
  comment -> line-end
  newline -> .
  input-end -> END

line-start
  doc-start -> doc
  doc-end -> stream
  [else] -> indent -> block-start

block-start
  seq-item-start -> block-start
  explicit-key-start -> block-start
  map-value-start -> block-start
  [else] -> doc

doc
  line-end -> line-start
  spaces -> doc
  anchor -> doc
  tag -> doc
  flow-start -> flow -> doc
  flow-end -> error -> doc
  seq-item-start -> error -> doc
  explicit-key-start -> error -> doc
  map-value-start -> doc
  alias -> doc
  quote-start -> quoted-scalar -> doc
  block-scalar-header -> line-end -> block-scalar(min) -> line-start
  [else] -> plain-scalar(false, min) -> doc

flow
  line-end -> flow
  spaces -> flow
  anchor -> flow
  tag -> flow
  flow-start -> flow -> flow
  flow-end -> .
  seq-item-start -> error -> flow
  explicit-key-start -> flow
  map-value-start -> flow
  alias -> flow
  quote-start -> quoted-scalar -> flow
  comma -> flow
  [else] -> plain-scalar(true, 0) -> flow

quoted-scalar
  quote-end -> .
  [else] -> quoted-scalar

block-scalar(min)
  newline + peek(indent < min) -> .
  [else] -> block-scalar(min)

plain-scalar(is-flow, min)
  scalar-end(is-flow) -> .
  peek(newline + (indent < min)) -> .
  [else] -> plain-scalar(min)
*/
function isEmpty(ch) {
    switch (ch) {
        case undefined:
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            return true;
        default:
            return false;
    }
}
const hexDigits = new Set('0123456789ABCDEFabcdef');
const tagChars = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");
const flowIndicatorChars = new Set(',[]{}');
const invalidAnchorChars = new Set(' ,[]{}\n\r\t');
const isNotAnchorChar = (ch) => !ch || invalidAnchorChars.has(ch);
/**
 * Splits an input string into lexical tokens, i.e. smaller strings that are
 * easily identifiable by `tokens.tokenType()`.
 *
 * Lexing starts always in a "stream" context. Incomplete input may be buffered
 * until a complete token can be emitted.
 *
 * In addition to slices of the original input, the following control characters
 * may also be emitted:
 *
 * - `\x02` (Start of Text): A document starts with the next token
 * - `\x18` (Cancel): Unexpected end of flow-mode (indicates an error)
 * - `\x1f` (Unit Separator): Next token is a scalar value
 * - `\u{FEFF}` (Byte order mark): Emitted separately outside documents
 */
class Lexer {
    constructor() {
        /**
         * Flag indicating whether the end of the current buffer marks the end of
         * all input
         */
        this.atEnd = false;
        /**
         * Explicit indent set in block scalar header, as an offset from the current
         * minimum indent, so e.g. set to 1 from a header `|2+`. Set to -1 if not
         * explicitly set.
         */
        this.blockScalarIndent = -1;
        /**
         * Block scalars that include a + (keep) chomping indicator in their header
         * include trailing empty lines, which are otherwise excluded from the
         * scalar's contents.
         */
        this.blockScalarKeep = false;
        /** Current input */
        this.buffer = '';
        /**
         * Flag noting whether the map value indicator : can immediately follow this
         * node within a flow context.
         */
        this.flowKey = false;
        /** Count of surrounding flow collection levels. */
        this.flowLevel = 0;
        /**
         * Minimum level of indentation required for next lines to be parsed as a
         * part of the current scalar value.
         */
        this.indentNext = 0;
        /** Indentation level of the current line. */
        this.indentValue = 0;
        /** Position of the next \n character. */
        this.lineEndPos = null;
        /** Stores the state of the lexer if reaching the end of incpomplete input */
        this.next = null;
        /** A pointer to `buffer`; the current position of the lexer. */
        this.pos = 0;
    }
    /**
     * Generate YAML tokens from the `source` string. If `incomplete`,
     * a part of the last line may be left as a buffer for the next call.
     *
     * @returns A generator of lexical tokens
     */
    *lex(source, incomplete = false) {
        if (source) {
            if (typeof source !== 'string')
                throw TypeError('source is not a string');
            this.buffer = this.buffer ? this.buffer + source : source;
            this.lineEndPos = null;
        }
        this.atEnd = !incomplete;
        let next = this.next ?? 'stream';
        while (next && (incomplete || this.hasChars(1)))
            next = yield* this.parseNext(next);
    }
    atLineEnd() {
        let i = this.pos;
        let ch = this.buffer[i];
        while (ch === ' ' || ch === '\t')
            ch = this.buffer[++i];
        if (!ch || ch === '#' || ch === '\n')
            return true;
        if (ch === '\r')
            return this.buffer[i + 1] === '\n';
        return false;
    }
    charAt(n) {
        return this.buffer[this.pos + n];
    }
    continueScalar(offset) {
        let ch = this.buffer[offset];
        if (this.indentNext > 0) {
            let indent = 0;
            while (ch === ' ')
                ch = this.buffer[++indent + offset];
            if (ch === '\r') {
                const next = this.buffer[indent + offset + 1];
                if (next === '\n' || (!next && !this.atEnd))
                    return offset + indent + 1;
            }
            return ch === '\n' || indent >= this.indentNext || (!ch && !this.atEnd)
                ? offset + indent
                : -1;
        }
        if (ch === '-' || ch === '.') {
            const dt = this.buffer.substr(offset, 3);
            if ((dt === '---' || dt === '...') && isEmpty(this.buffer[offset + 3]))
                return -1;
        }
        return offset;
    }
    getLine() {
        let end = this.lineEndPos;
        if (typeof end !== 'number' || (end !== -1 && end < this.pos)) {
            end = this.buffer.indexOf('\n', this.pos);
            this.lineEndPos = end;
        }
        if (end === -1)
            return this.atEnd ? this.buffer.substring(this.pos) : null;
        if (this.buffer[end - 1] === '\r')
            end -= 1;
        return this.buffer.substring(this.pos, end);
    }
    hasChars(n) {
        return this.pos + n <= this.buffer.length;
    }
    setNext(state) {
        this.buffer = this.buffer.substring(this.pos);
        this.pos = 0;
        this.lineEndPos = null;
        this.next = state;
        return null;
    }
    peek(n) {
        return this.buffer.substr(this.pos, n);
    }
    *parseNext(next) {
        switch (next) {
            case 'stream':
                return yield* this.parseStream();
            case 'line-start':
                return yield* this.parseLineStart();
            case 'block-start':
                return yield* this.parseBlockStart();
            case 'doc':
                return yield* this.parseDocument();
            case 'flow':
                return yield* this.parseFlowCollection();
            case 'quoted-scalar':
                return yield* this.parseQuotedScalar();
            case 'block-scalar':
                return yield* this.parseBlockScalar();
            case 'plain-scalar':
                return yield* this.parsePlainScalar();
        }
    }
    *parseStream() {
        let line = this.getLine();
        if (line === null)
            return this.setNext('stream');
        if (line[0] === cst.BOM) {
            yield* this.pushCount(1);
            line = line.substring(1);
        }
        if (line[0] === '%') {
            let dirEnd = line.length;
            let cs = line.indexOf('#');
            while (cs !== -1) {
                const ch = line[cs - 1];
                if (ch === ' ' || ch === '\t') {
                    dirEnd = cs - 1;
                    break;
                }
                else {
                    cs = line.indexOf('#', cs + 1);
                }
            }
            while (true) {
                const ch = line[dirEnd - 1];
                if (ch === ' ' || ch === '\t')
                    dirEnd -= 1;
                else
                    break;
            }
            const n = (yield* this.pushCount(dirEnd)) + (yield* this.pushSpaces(true));
            yield* this.pushCount(line.length - n); // possible comment
            this.pushNewline();
            return 'stream';
        }
        if (this.atLineEnd()) {
            const sp = yield* this.pushSpaces(true);
            yield* this.pushCount(line.length - sp);
            yield* this.pushNewline();
            return 'stream';
        }
        yield cst.DOCUMENT;
        return yield* this.parseLineStart();
    }
    *parseLineStart() {
        const ch = this.charAt(0);
        if (!ch && !this.atEnd)
            return this.setNext('line-start');
        if (ch === '-' || ch === '.') {
            if (!this.atEnd && !this.hasChars(4))
                return this.setNext('line-start');
            const s = this.peek(3);
            if ((s === '---' || s === '...') && isEmpty(this.charAt(3))) {
                yield* this.pushCount(3);
                this.indentValue = 0;
                this.indentNext = 0;
                return s === '---' ? 'doc' : 'stream';
            }
        }
        this.indentValue = yield* this.pushSpaces(false);
        if (this.indentNext > this.indentValue && !isEmpty(this.charAt(1)))
            this.indentNext = this.indentValue;
        return yield* this.parseBlockStart();
    }
    *parseBlockStart() {
        const [ch0, ch1] = this.peek(2);
        if (!ch1 && !this.atEnd)
            return this.setNext('block-start');
        if ((ch0 === '-' || ch0 === '?' || ch0 === ':') && isEmpty(ch1)) {
            const n = (yield* this.pushCount(1)) + (yield* this.pushSpaces(true));
            this.indentNext = this.indentValue + 1;
            this.indentValue += n;
            return 'block-start';
        }
        return 'doc';
    }
    *parseDocument() {
        yield* this.pushSpaces(true);
        const line = this.getLine();
        if (line === null)
            return this.setNext('doc');
        let n = yield* this.pushIndicators();
        switch (line[n]) {
            case '#':
                yield* this.pushCount(line.length - n);
            // fallthrough
            case undefined:
                yield* this.pushNewline();
                return yield* this.parseLineStart();
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel = 1;
                return 'flow';
            case '}':
            case ']':
                // this is an error
                yield* this.pushCount(1);
                return 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'doc';
            case '"':
            case "'":
                return yield* this.parseQuotedScalar();
            case '|':
            case '>':
                n += yield* this.parseBlockScalarHeader();
                n += yield* this.pushSpaces(true);
                yield* this.pushCount(line.length - n);
                yield* this.pushNewline();
                return yield* this.parseBlockScalar();
            default:
                return yield* this.parsePlainScalar();
        }
    }
    *parseFlowCollection() {
        let nl, sp;
        let indent = -1;
        do {
            nl = yield* this.pushNewline();
            if (nl > 0) {
                sp = yield* this.pushSpaces(false);
                this.indentValue = indent = sp;
            }
            else {
                sp = 0;
            }
            sp += yield* this.pushSpaces(true);
        } while (nl + sp > 0);
        const line = this.getLine();
        if (line === null)
            return this.setNext('flow');
        if ((indent !== -1 && indent < this.indentNext && line[0] !== '#') ||
            (indent === 0 &&
                (line.startsWith('---') || line.startsWith('...')) &&
                isEmpty(line[3]))) {
            // Allowing for the terminal ] or } at the same (rather than greater)
            // indent level as the initial [ or { is technically invalid, but
            // failing here would be surprising to users.
            const atFlowEndMarker = indent === this.indentNext - 1 &&
                this.flowLevel === 1 &&
                (line[0] === ']' || line[0] === '}');
            if (!atFlowEndMarker) {
                // this is an error
                this.flowLevel = 0;
                yield cst.FLOW_END;
                return yield* this.parseLineStart();
            }
        }
        let n = 0;
        while (line[n] === ',') {
            n += yield* this.pushCount(1);
            n += yield* this.pushSpaces(true);
            this.flowKey = false;
        }
        n += yield* this.pushIndicators();
        switch (line[n]) {
            case undefined:
                return 'flow';
            case '#':
                yield* this.pushCount(line.length - n);
                return 'flow';
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel += 1;
                return 'flow';
            case '}':
            case ']':
                yield* this.pushCount(1);
                this.flowKey = true;
                this.flowLevel -= 1;
                return this.flowLevel ? 'flow' : 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'flow';
            case '"':
            case "'":
                this.flowKey = true;
                return yield* this.parseQuotedScalar();
            case ':': {
                const next = this.charAt(1);
                if (this.flowKey || isEmpty(next) || next === ',') {
                    this.flowKey = false;
                    yield* this.pushCount(1);
                    yield* this.pushSpaces(true);
                    return 'flow';
                }
            }
            // fallthrough
            default:
                this.flowKey = false;
                return yield* this.parsePlainScalar();
        }
    }
    *parseQuotedScalar() {
        const quote = this.charAt(0);
        let end = this.buffer.indexOf(quote, this.pos + 1);
        if (quote === "'") {
            while (end !== -1 && this.buffer[end + 1] === "'")
                end = this.buffer.indexOf("'", end + 2);
        }
        else {
            // double-quote
            while (end !== -1) {
                let n = 0;
                while (this.buffer[end - 1 - n] === '\\')
                    n += 1;
                if (n % 2 === 0)
                    break;
                end = this.buffer.indexOf('"', end + 1);
            }
        }
        // Only looking for newlines within the quotes
        const qb = this.buffer.substring(0, end);
        let nl = qb.indexOf('\n', this.pos);
        if (nl !== -1) {
            while (nl !== -1) {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = qb.indexOf('\n', cs);
            }
            if (nl !== -1) {
                // this is an error caused by an unexpected unindent
                end = nl - (qb[nl - 1] === '\r' ? 2 : 1);
            }
        }
        if (end === -1) {
            if (!this.atEnd)
                return this.setNext('quoted-scalar');
            end = this.buffer.length;
        }
        yield* this.pushToIndex(end + 1, false);
        return this.flowLevel ? 'flow' : 'doc';
    }
    *parseBlockScalarHeader() {
        this.blockScalarIndent = -1;
        this.blockScalarKeep = false;
        let i = this.pos;
        while (true) {
            const ch = this.buffer[++i];
            if (ch === '+')
                this.blockScalarKeep = true;
            else if (ch > '0' && ch <= '9')
                this.blockScalarIndent = Number(ch) - 1;
            else if (ch !== '-')
                break;
        }
        return yield* this.pushUntil(ch => isEmpty(ch) || ch === '#');
    }
    *parseBlockScalar() {
        let nl = this.pos - 1; // may be -1 if this.pos === 0
        let indent = 0;
        let ch;
        loop: for (let i = this.pos; (ch = this.buffer[i]); ++i) {
            switch (ch) {
                case ' ':
                    indent += 1;
                    break;
                case '\n':
                    nl = i;
                    indent = 0;
                    break;
                case '\r': {
                    const next = this.buffer[i + 1];
                    if (!next && !this.atEnd)
                        return this.setNext('block-scalar');
                    if (next === '\n')
                        break;
                } // fallthrough
                default:
                    break loop;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('block-scalar');
        if (indent >= this.indentNext) {
            if (this.blockScalarIndent === -1)
                this.indentNext = indent;
            else {
                this.indentNext =
                    this.blockScalarIndent + (this.indentNext === 0 ? 1 : this.indentNext);
            }
            do {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = this.buffer.indexOf('\n', cs);
            } while (nl !== -1);
            if (nl === -1) {
                if (!this.atEnd)
                    return this.setNext('block-scalar');
                nl = this.buffer.length;
            }
        }
        // Trailing insufficiently indented tabs are invalid.
        // To catch that during parsing, we include them in the block scalar value.
        let i = nl + 1;
        ch = this.buffer[i];
        while (ch === ' ')
            ch = this.buffer[++i];
        if (ch === '\t') {
            while (ch === '\t' || ch === ' ' || ch === '\r' || ch === '\n')
                ch = this.buffer[++i];
            nl = i - 1;
        }
        else if (!this.blockScalarKeep) {
            do {
                let i = nl - 1;
                let ch = this.buffer[i];
                if (ch === '\r')
                    ch = this.buffer[--i];
                const lastChar = i; // Drop the line if last char not more indented
                while (ch === ' ')
                    ch = this.buffer[--i];
                if (ch === '\n' && i >= this.pos && i + 1 + indent > lastChar)
                    nl = i;
                else
                    break;
            } while (true);
        }
        yield cst.SCALAR;
        yield* this.pushToIndex(nl + 1, true);
        return yield* this.parseLineStart();
    }
    *parsePlainScalar() {
        const inFlow = this.flowLevel > 0;
        let end = this.pos - 1;
        let i = this.pos - 1;
        let ch;
        while ((ch = this.buffer[++i])) {
            if (ch === ':') {
                const next = this.buffer[i + 1];
                if (isEmpty(next) || (inFlow && flowIndicatorChars.has(next)))
                    break;
                end = i;
            }
            else if (isEmpty(ch)) {
                let next = this.buffer[i + 1];
                if (ch === '\r') {
                    if (next === '\n') {
                        i += 1;
                        ch = '\n';
                        next = this.buffer[i + 1];
                    }
                    else
                        end = i;
                }
                if (next === '#' || (inFlow && flowIndicatorChars.has(next)))
                    break;
                if (ch === '\n') {
                    const cs = this.continueScalar(i + 1);
                    if (cs === -1)
                        break;
                    i = Math.max(i, cs - 2); // to advance, but still account for ' #'
                }
            }
            else {
                if (inFlow && flowIndicatorChars.has(ch))
                    break;
                end = i;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('plain-scalar');
        yield cst.SCALAR;
        yield* this.pushToIndex(end + 1, true);
        return inFlow ? 'flow' : 'doc';
    }
    *pushCount(n) {
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos += n;
            return n;
        }
        return 0;
    }
    *pushToIndex(i, allowEmpty) {
        const s = this.buffer.slice(this.pos, i);
        if (s) {
            yield s;
            this.pos += s.length;
            return s.length;
        }
        else if (allowEmpty)
            yield '';
        return 0;
    }
    *pushIndicators() {
        let n = 0;
        loop: while (true) {
            switch (this.charAt(0)) {
                case '!':
                    n += yield* this.pushTag();
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '&':
                    n += yield* this.pushUntil(isNotAnchorChar);
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '-': // this is an error
                case '?': // this is an error outside flow collections
                case ':': {
                    const inFlow = this.flowLevel > 0;
                    const ch1 = this.charAt(1);
                    if (isEmpty(ch1) || (inFlow && flowIndicatorChars.has(ch1))) {
                        if (!inFlow)
                            this.indentNext = this.indentValue + 1;
                        else if (this.flowKey)
                            this.flowKey = false;
                        n += yield* this.pushCount(1);
                        n += yield* this.pushSpaces(true);
                        continue loop;
                    }
                }
            }
            break loop;
        }
        return n;
    }
    *pushTag() {
        if (this.charAt(1) === '<') {
            let i = this.pos + 2;
            let ch = this.buffer[i];
            while (!isEmpty(ch) && ch !== '>')
                ch = this.buffer[++i];
            return yield* this.pushToIndex(ch === '>' ? i + 1 : i, false);
        }
        else {
            let i = this.pos + 1;
            let ch = this.buffer[i];
            while (ch) {
                if (tagChars.has(ch))
                    ch = this.buffer[++i];
                else if (ch === '%' &&
                    hexDigits.has(this.buffer[i + 1]) &&
                    hexDigits.has(this.buffer[i + 2])) {
                    ch = this.buffer[(i += 3)];
                }
                else
                    break;
            }
            return yield* this.pushToIndex(i, false);
        }
    }
    *pushNewline() {
        const ch = this.buffer[this.pos];
        if (ch === '\n')
            return yield* this.pushCount(1);
        else if (ch === '\r' && this.charAt(1) === '\n')
            return yield* this.pushCount(2);
        else
            return 0;
    }
    *pushSpaces(allowTabs) {
        let i = this.pos - 1;
        let ch;
        do {
            ch = this.buffer[++i];
        } while (ch === ' ' || (allowTabs && ch === '\t'));
        const n = i - this.pos;
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos = i;
        }
        return n;
    }
    *pushUntil(test) {
        let i = this.pos;
        let ch = this.buffer[i];
        while (!test(ch))
            ch = this.buffer[++i];
        return yield* this.pushToIndex(i, false);
    }
}

exports.Lexer = Lexer;


/***/ }),

/***/ 6628:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Tracks newlines during parsing in order to provide an efficient API for
 * determining the one-indexed `{ line, col }` position for any offset
 * within the input.
 */
class LineCounter {
    constructor() {
        this.lineStarts = [];
        /**
         * Should be called in ascending order. Otherwise, call
         * `lineCounter.lineStarts.sort()` before calling `linePos()`.
         */
        this.addNewLine = (offset) => this.lineStarts.push(offset);
        /**
         * Performs a binary search and returns the 1-indexed { line, col }
         * position of `offset`. If `line === 0`, `addNewLine` has never been
         * called or `offset` is before the first known newline.
         */
        this.linePos = (offset) => {
            let low = 0;
            let high = this.lineStarts.length;
            while (low < high) {
                const mid = (low + high) >> 1; // Math.floor((low + high) / 2)
                if (this.lineStarts[mid] < offset)
                    low = mid + 1;
                else
                    high = mid;
            }
            if (this.lineStarts[low] === offset)
                return { line: low + 1, col: 1 };
            if (low === 0)
                return { line: 0, col: offset };
            const start = this.lineStarts[low - 1];
            return { line: low, col: offset - start + 1 };
        };
    }
}

exports.LineCounter = LineCounter;


/***/ }),

/***/ 3456:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);

function includesToken(list, type) {
    for (let i = 0; i < list.length; ++i)
        if (list[i].type === type)
            return true;
    return false;
}
function findNonEmptyIndex(list) {
    for (let i = 0; i < list.length; ++i) {
        switch (list[i].type) {
            case 'space':
            case 'comment':
            case 'newline':
                break;
            default:
                return i;
        }
    }
    return -1;
}
function isFlowToken(token) {
    switch (token?.type) {
        case 'alias':
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'flow-collection':
            return true;
        default:
            return false;
    }
}
function getPrevProps(parent) {
    switch (parent.type) {
        case 'document':
            return parent.start;
        case 'block-map': {
            const it = parent.items[parent.items.length - 1];
            return it.sep ?? it.start;
        }
        case 'block-seq':
            return parent.items[parent.items.length - 1].start;
        /* istanbul ignore next should not happen */
        default:
            return [];
    }
}
/** Note: May modify input array */
function getFirstKeyStartProps(prev) {
    if (prev.length === 0)
        return [];
    let i = prev.length;
    loop: while (--i >= 0) {
        switch (prev[i].type) {
            case 'doc-start':
            case 'explicit-key-ind':
            case 'map-value-ind':
            case 'seq-item-ind':
            case 'newline':
                break loop;
        }
    }
    while (prev[++i]?.type === 'space') {
        /* loop */
    }
    return prev.splice(i, prev.length);
}
function arrayPushArray(target, source) {
    // May exhaust call stack with large `source` array
    if (source.length < 1e5)
        Array.prototype.push.apply(target, source);
    else
        for (let i = 0; i < source.length; ++i)
            target.push(source[i]);
}
function fixFlowSeqItems(fc) {
    if (fc.start.type === 'flow-seq-start') {
        for (const it of fc.items) {
            if (it.sep &&
                !it.value &&
                !includesToken(it.start, 'explicit-key-ind') &&
                !includesToken(it.sep, 'map-value-ind')) {
                if (it.key)
                    it.value = it.key;
                delete it.key;
                if (isFlowToken(it.value)) {
                    if (it.value.end)
                        arrayPushArray(it.value.end, it.sep);
                    else
                        it.value.end = it.sep;
                }
                else
                    arrayPushArray(it.start, it.sep);
                delete it.sep;
            }
        }
    }
}
/**
 * A YAML concrete syntax tree (CST) parser
 *
 * ```ts
 * const src: string = ...
 * for (const token of new Parser().parse(src)) {
 *   // token: Token
 * }
 * ```
 *
 * To use the parser with a user-provided lexer:
 *
 * ```ts
 * function* parse(source: string, lexer: Lexer) {
 *   const parser = new Parser()
 *   for (const lexeme of lexer.lex(source))
 *     yield* parser.next(lexeme)
 *   yield* parser.end()
 * }
 *
 * const src: string = ...
 * const lexer = new Lexer()
 * for (const token of parse(src, lexer)) {
 *   // token: Token
 * }
 * ```
 */
class Parser {
    /**
     * @param onNewLine - If defined, called separately with the start position of
     *   each new line (in `parse()`, including the start of input).
     */
    constructor(onNewLine) {
        /** If true, space and sequence indicators count as indentation */
        this.atNewLine = true;
        /** If true, next token is a scalar value */
        this.atScalar = false;
        /** Current indentation level */
        this.indent = 0;
        /** Current offset since the start of parsing */
        this.offset = 0;
        /** On the same line with a block map key */
        this.onKeyLine = false;
        /** Top indicates the node that's currently being built */
        this.stack = [];
        /** The source of the current token, set in parse() */
        this.source = '';
        /** The type of the current token, set in parse() */
        this.type = '';
        // Must be defined after `next()`
        this.lexer = new lexer.Lexer();
        this.onNewLine = onNewLine;
    }
    /**
     * Parse `source` as a YAML stream.
     * If `incomplete`, a part of the last line may be left as a buffer for the next call.
     *
     * Errors are not thrown, but yielded as `{ type: 'error', message }` tokens.
     *
     * @returns A generator of tokens representing each directive, document, and other structure.
     */
    *parse(source, incomplete = false) {
        if (this.onNewLine && this.offset === 0)
            this.onNewLine(0);
        for (const lexeme of this.lexer.lex(source, incomplete))
            yield* this.next(lexeme);
        if (!incomplete)
            yield* this.end();
    }
    /**
     * Advance the parser by the `source` of one lexical token.
     */
    *next(source) {
        this.source = source;
        if (node_process.env.LOG_TOKENS)
            console.log('|', cst.prettyToken(source));
        if (this.atScalar) {
            this.atScalar = false;
            yield* this.step();
            this.offset += source.length;
            return;
        }
        const type = cst.tokenType(source);
        if (!type) {
            const message = `Not a YAML token: ${source}`;
            yield* this.pop({ type: 'error', offset: this.offset, message, source });
            this.offset += source.length;
        }
        else if (type === 'scalar') {
            this.atNewLine = false;
            this.atScalar = true;
            this.type = 'scalar';
        }
        else {
            this.type = type;
            yield* this.step();
            switch (type) {
                case 'newline':
                    this.atNewLine = true;
                    this.indent = 0;
                    if (this.onNewLine)
                        this.onNewLine(this.offset + source.length);
                    break;
                case 'space':
                    if (this.atNewLine && source[0] === ' ')
                        this.indent += source.length;
                    break;
                case 'explicit-key-ind':
                case 'map-value-ind':
                case 'seq-item-ind':
                    if (this.atNewLine)
                        this.indent += source.length;
                    break;
                case 'doc-mode':
                case 'flow-error-end':
                    return;
                default:
                    this.atNewLine = false;
            }
            this.offset += source.length;
        }
    }
    /** Call at end of input to push out any remaining constructions */
    *end() {
        while (this.stack.length > 0)
            yield* this.pop();
    }
    get sourceToken() {
        const st = {
            type: this.type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
        return st;
    }
    *step() {
        const top = this.peek(1);
        if (this.type === 'doc-end' && top?.type !== 'doc-end') {
            while (this.stack.length > 0)
                yield* this.pop();
            this.stack.push({
                type: 'doc-end',
                offset: this.offset,
                source: this.source
            });
            return;
        }
        if (!top)
            return yield* this.stream();
        switch (top.type) {
            case 'document':
                return yield* this.document(top);
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return yield* this.scalar(top);
            case 'block-scalar':
                return yield* this.blockScalar(top);
            case 'block-map':
                return yield* this.blockMap(top);
            case 'block-seq':
                return yield* this.blockSequence(top);
            case 'flow-collection':
                return yield* this.flowCollection(top);
            case 'doc-end':
                return yield* this.documentEnd(top);
        }
        /* istanbul ignore next should not happen */
        yield* this.pop();
    }
    peek(n) {
        return this.stack[this.stack.length - n];
    }
    *pop(error) {
        const token = error ?? this.stack.pop();
        /* istanbul ignore if should not happen */
        if (!token) {
            const message = 'Tried to pop an empty stack';
            yield { type: 'error', offset: this.offset, source: '', message };
        }
        else if (this.stack.length === 0) {
            yield token;
        }
        else {
            const top = this.peek(1);
            if (token.type === 'block-scalar') {
                // Block scalars use their parent rather than header indent
                token.indent = 'indent' in top ? top.indent : 0;
            }
            else if (token.type === 'flow-collection' && top.type === 'document') {
                // Ignore all indent for top-level flow collections
                token.indent = 0;
            }
            if (token.type === 'flow-collection')
                fixFlowSeqItems(token);
            switch (top.type) {
                case 'document':
                    top.value = token;
                    break;
                case 'block-scalar':
                    top.props.push(token); // error
                    break;
                case 'block-map': {
                    const it = top.items[top.items.length - 1];
                    if (it.value) {
                        top.items.push({ start: [], key: token, sep: [] });
                        this.onKeyLine = true;
                        return;
                    }
                    else if (it.sep) {
                        it.value = token;
                    }
                    else {
                        Object.assign(it, { key: token, sep: [] });
                        this.onKeyLine = !it.explicitKey;
                        return;
                    }
                    break;
                }
                case 'block-seq': {
                    const it = top.items[top.items.length - 1];
                    if (it.value)
                        top.items.push({ start: [], value: token });
                    else
                        it.value = token;
                    break;
                }
                case 'flow-collection': {
                    const it = top.items[top.items.length - 1];
                    if (!it || it.value)
                        top.items.push({ start: [], key: token, sep: [] });
                    else if (it.sep)
                        it.value = token;
                    else
                        Object.assign(it, { key: token, sep: [] });
                    return;
                }
                /* istanbul ignore next should not happen */
                default:
                    yield* this.pop();
                    yield* this.pop(token);
            }
            if ((top.type === 'document' ||
                top.type === 'block-map' ||
                top.type === 'block-seq') &&
                (token.type === 'block-map' || token.type === 'block-seq')) {
                const last = token.items[token.items.length - 1];
                if (last &&
                    !last.sep &&
                    !last.value &&
                    last.start.length > 0 &&
                    findNonEmptyIndex(last.start) === -1 &&
                    (token.indent === 0 ||
                        last.start.every(st => st.type !== 'comment' || st.indent < token.indent))) {
                    if (top.type === 'document')
                        top.end = last.start;
                    else
                        top.items.push({ start: last.start });
                    token.items.splice(-1, 1);
                }
            }
        }
    }
    *stream() {
        switch (this.type) {
            case 'directive-line':
                yield { type: 'directive', offset: this.offset, source: this.source };
                return;
            case 'byte-order-mark':
            case 'space':
            case 'comment':
            case 'newline':
                yield this.sourceToken;
                return;
            case 'doc-mode':
            case 'doc-start': {
                const doc = {
                    type: 'document',
                    offset: this.offset,
                    start: []
                };
                if (this.type === 'doc-start')
                    doc.start.push(this.sourceToken);
                this.stack.push(doc);
                return;
            }
        }
        yield {
            type: 'error',
            offset: this.offset,
            message: `Unexpected ${this.type} token in YAML stream`,
            source: this.source
        };
    }
    *document(doc) {
        if (doc.value)
            return yield* this.lineEnd(doc);
        switch (this.type) {
            case 'doc-start': {
                if (findNonEmptyIndex(doc.start) !== -1) {
                    yield* this.pop();
                    yield* this.step();
                }
                else
                    doc.start.push(this.sourceToken);
                return;
            }
            case 'anchor':
            case 'tag':
            case 'space':
            case 'comment':
            case 'newline':
                doc.start.push(this.sourceToken);
                return;
        }
        const bv = this.startBlockValue(doc);
        if (bv)
            this.stack.push(bv);
        else {
            yield {
                type: 'error',
                offset: this.offset,
                message: `Unexpected ${this.type} token in YAML document`,
                source: this.source
            };
        }
    }
    *scalar(scalar) {
        if (this.type === 'map-value-ind') {
            const prev = getPrevProps(this.peek(2));
            const start = getFirstKeyStartProps(prev);
            let sep;
            if (scalar.end) {
                sep = scalar.end;
                sep.push(this.sourceToken);
                delete scalar.end;
            }
            else
                sep = [this.sourceToken];
            const map = {
                type: 'block-map',
                offset: scalar.offset,
                indent: scalar.indent,
                items: [{ start, key: scalar, sep }]
            };
            this.onKeyLine = true;
            this.stack[this.stack.length - 1] = map;
        }
        else
            yield* this.lineEnd(scalar);
    }
    *blockScalar(scalar) {
        switch (this.type) {
            case 'space':
            case 'comment':
            case 'newline':
                scalar.props.push(this.sourceToken);
                return;
            case 'scalar':
                scalar.source = this.source;
                // block-scalar source includes trailing newline
                this.atNewLine = true;
                this.indent = 0;
                if (this.onNewLine) {
                    let nl = this.source.indexOf('\n') + 1;
                    while (nl !== 0) {
                        this.onNewLine(this.offset + nl);
                        nl = this.source.indexOf('\n', nl) + 1;
                    }
                }
                yield* this.pop();
                break;
            /* istanbul ignore next should not happen */
            default:
                yield* this.pop();
                yield* this.step();
        }
    }
    *blockMap(map) {
        const it = map.items[map.items.length - 1];
        // it.sep is true-ish if pair already has key or : separator
        switch (this.type) {
            case 'newline':
                this.onKeyLine = false;
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    it.start.push(this.sourceToken);
                }
                return;
            case 'space':
            case 'comment':
                if (it.value) {
                    map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    if (this.atIndentedComment(it.start, map.indent)) {
                        const prev = map.items[map.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            map.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
        }
        if (this.indent >= map.indent) {
            const atMapIndent = !this.onKeyLine && this.indent === map.indent;
            const atNextItem = atMapIndent &&
                (it.sep || it.explicitKey) &&
                this.type !== 'seq-item-ind';
            // For empty nodes, assign newline-separated not indented empty tokens to following node
            let start = [];
            if (atNextItem && it.sep && !it.value) {
                const nl = [];
                for (let i = 0; i < it.sep.length; ++i) {
                    const st = it.sep[i];
                    switch (st.type) {
                        case 'newline':
                            nl.push(i);
                            break;
                        case 'space':
                            break;
                        case 'comment':
                            if (st.indent > map.indent)
                                nl.length = 0;
                            break;
                        default:
                            nl.length = 0;
                    }
                }
                if (nl.length >= 2)
                    start = it.sep.splice(nl[1]);
            }
            switch (this.type) {
                case 'anchor':
                case 'tag':
                    if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        it.sep.push(this.sourceToken);
                    }
                    else {
                        it.start.push(this.sourceToken);
                    }
                    return;
                case 'explicit-key-ind':
                    if (!it.sep && !it.explicitKey) {
                        it.start.push(this.sourceToken);
                        it.explicitKey = true;
                    }
                    else if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start, explicitKey: true });
                    }
                    else {
                        this.stack.push({
                            type: 'block-map',
                            offset: this.offset,
                            indent: this.indent,
                            items: [{ start: [this.sourceToken], explicitKey: true }]
                        });
                    }
                    this.onKeyLine = true;
                    return;
                case 'map-value-ind':
                    if (it.explicitKey) {
                        if (!it.sep) {
                            if (includesToken(it.start, 'newline')) {
                                Object.assign(it, { key: null, sep: [this.sourceToken] });
                            }
                            else {
                                const start = getFirstKeyStartProps(it.start);
                                this.stack.push({
                                    type: 'block-map',
                                    offset: this.offset,
                                    indent: this.indent,
                                    items: [{ start, key: null, sep: [this.sourceToken] }]
                                });
                            }
                        }
                        else if (it.value) {
                            map.items.push({ start: [], key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else if (isFlowToken(it.key) &&
                            !includesToken(it.sep, 'newline')) {
                            const start = getFirstKeyStartProps(it.start);
                            const key = it.key;
                            const sep = it.sep;
                            sep.push(this.sourceToken);
                            // @ts-expect-error type guard is wrong here
                            delete it.key;
                            // @ts-expect-error type guard is wrong here
                            delete it.sep;
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key, sep }]
                            });
                        }
                        else if (start.length > 0) {
                            // Not actually at next item
                            it.sep = it.sep.concat(start, this.sourceToken);
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    else {
                        if (!it.sep) {
                            Object.assign(it, { key: null, sep: [this.sourceToken] });
                        }
                        else if (it.value || atNextItem) {
                            map.items.push({ start, key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start: [], key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    this.onKeyLine = true;
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (atNextItem || it.value) {
                        map.items.push({ start, key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        this.stack.push(fs);
                    }
                    else {
                        Object.assign(it, { key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    return;
                }
                default: {
                    const bv = this.startBlockValue(map);
                    if (bv) {
                        if (bv.type === 'block-seq') {
                            if (!it.explicitKey &&
                                it.sep &&
                                !includesToken(it.sep, 'newline')) {
                                yield* this.pop({
                                    type: 'error',
                                    offset: this.offset,
                                    message: 'Unexpected block-seq-ind on same line with key',
                                    source: this.source
                                });
                                return;
                            }
                        }
                        else if (atMapIndent) {
                            map.items.push({ start });
                        }
                        this.stack.push(bv);
                        return;
                    }
                }
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *blockSequence(seq) {
        const it = seq.items[seq.items.length - 1];
        switch (this.type) {
            case 'newline':
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        seq.items.push({ start: [this.sourceToken] });
                }
                else
                    it.start.push(this.sourceToken);
                return;
            case 'space':
            case 'comment':
                if (it.value)
                    seq.items.push({ start: [this.sourceToken] });
                else {
                    if (this.atIndentedComment(it.start, seq.indent)) {
                        const prev = seq.items[seq.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            seq.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
            case 'anchor':
            case 'tag':
                if (it.value || this.indent <= seq.indent)
                    break;
                it.start.push(this.sourceToken);
                return;
            case 'seq-item-ind':
                if (this.indent !== seq.indent)
                    break;
                if (it.value || includesToken(it.start, 'seq-item-ind'))
                    seq.items.push({ start: [this.sourceToken] });
                else
                    it.start.push(this.sourceToken);
                return;
        }
        if (this.indent > seq.indent) {
            const bv = this.startBlockValue(seq);
            if (bv) {
                this.stack.push(bv);
                return;
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *flowCollection(fc) {
        const it = fc.items[fc.items.length - 1];
        if (this.type === 'flow-error-end') {
            let top;
            do {
                yield* this.pop();
                top = this.peek(1);
            } while (top?.type === 'flow-collection');
        }
        else if (fc.end.length === 0) {
            switch (this.type) {
                case 'comma':
                case 'explicit-key-ind':
                    if (!it || it.sep)
                        fc.items.push({ start: [this.sourceToken] });
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'map-value-ind':
                    if (!it || it.value)
                        fc.items.push({ start: [], key: null, sep: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        Object.assign(it, { key: null, sep: [this.sourceToken] });
                    return;
                case 'space':
                case 'comment':
                case 'newline':
                case 'anchor':
                case 'tag':
                    if (!it || it.value)
                        fc.items.push({ start: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (!it || it.value)
                        fc.items.push({ start: [], key: fs, sep: [] });
                    else if (it.sep)
                        this.stack.push(fs);
                    else
                        Object.assign(it, { key: fs, sep: [] });
                    return;
                }
                case 'flow-map-end':
                case 'flow-seq-end':
                    fc.end.push(this.sourceToken);
                    return;
            }
            const bv = this.startBlockValue(fc);
            /* istanbul ignore else should not happen */
            if (bv)
                this.stack.push(bv);
            else {
                yield* this.pop();
                yield* this.step();
            }
        }
        else {
            const parent = this.peek(2);
            if (parent.type === 'block-map' &&
                ((this.type === 'map-value-ind' && parent.indent === fc.indent) ||
                    (this.type === 'newline' &&
                        !parent.items[parent.items.length - 1].sep))) {
                yield* this.pop();
                yield* this.step();
            }
            else if (this.type === 'map-value-ind' &&
                parent.type !== 'flow-collection') {
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                fixFlowSeqItems(fc);
                const sep = fc.end.splice(1, fc.end.length);
                sep.push(this.sourceToken);
                const map = {
                    type: 'block-map',
                    offset: fc.offset,
                    indent: fc.indent,
                    items: [{ start, key: fc, sep }]
                };
                this.onKeyLine = true;
                this.stack[this.stack.length - 1] = map;
            }
            else {
                yield* this.lineEnd(fc);
            }
        }
    }
    flowScalar(type) {
        if (this.onNewLine) {
            let nl = this.source.indexOf('\n') + 1;
            while (nl !== 0) {
                this.onNewLine(this.offset + nl);
                nl = this.source.indexOf('\n', nl) + 1;
            }
        }
        return {
            type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
    }
    startBlockValue(parent) {
        switch (this.type) {
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return this.flowScalar(this.type);
            case 'block-scalar-header':
                return {
                    type: 'block-scalar',
                    offset: this.offset,
                    indent: this.indent,
                    props: [this.sourceToken],
                    source: ''
                };
            case 'flow-map-start':
            case 'flow-seq-start':
                return {
                    type: 'flow-collection',
                    offset: this.offset,
                    indent: this.indent,
                    start: this.sourceToken,
                    items: [],
                    end: []
                };
            case 'seq-item-ind':
                return {
                    type: 'block-seq',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start: [this.sourceToken] }]
                };
            case 'explicit-key-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                start.push(this.sourceToken);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, explicitKey: true }]
                };
            }
            case 'map-value-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, key: null, sep: [this.sourceToken] }]
                };
            }
        }
        return null;
    }
    atIndentedComment(start, indent) {
        if (this.type !== 'comment')
            return false;
        if (this.indent <= indent)
            return false;
        return start.every(st => st.type === 'newline' || st.type === 'space');
    }
    *documentEnd(docEnd) {
        if (this.type !== 'doc-mode') {
            if (docEnd.end)
                docEnd.end.push(this.sourceToken);
            else
                docEnd.end = [this.sourceToken];
            if (this.type === 'newline')
                yield* this.pop();
        }
    }
    *lineEnd(token) {
        switch (this.type) {
            case 'comma':
            case 'doc-start':
            case 'doc-end':
            case 'flow-seq-end':
            case 'flow-map-end':
            case 'map-value-ind':
                yield* this.pop();
                yield* this.step();
                break;
            case 'newline':
                this.onKeyLine = false;
            // fallthrough
            case 'space':
            case 'comment':
            default:
                // all other values are errors
                if (token.end)
                    token.end.push(this.sourceToken);
                else
                    token.end = [this.sourceToken];
                if (this.type === 'newline')
                    yield* this.pop();
        }
    }
}

exports.Parser = Parser;


/***/ }),

/***/ 4047:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var log = __nccwpck_require__(7249);
var identity = __nccwpck_require__(1127);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);

function parseOptions(options) {
    const prettyErrors = options.prettyErrors !== false;
    const lineCounter$1 = options.lineCounter || (prettyErrors && new lineCounter.LineCounter()) || null;
    return { lineCounter: lineCounter$1, prettyErrors };
}
/**
 * Parse the input as a stream of YAML documents.
 *
 * Documents should be separated from each other by `...` or `---` marker lines.
 *
 * @returns If an empty `docs` array is returned, it will be of type
 *   EmptyStream and contain additional stream information. In
 *   TypeScript, you should use `'empty' in docs` as a type guard for it.
 */
function parseAllDocuments(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    const docs = Array.from(composer$1.compose(parser$1.parse(source)));
    if (prettyErrors && lineCounter)
        for (const doc of docs) {
            doc.errors.forEach(errors.prettifyError(source, lineCounter));
            doc.warnings.forEach(errors.prettifyError(source, lineCounter));
        }
    if (docs.length > 0)
        return docs;
    return Object.assign([], { empty: true }, composer$1.streamInfo());
}
/** Parse an input string into a single YAML.Document */
function parseDocument(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    // `doc` is always set by compose.end(true) at the very latest
    let doc = null;
    for (const _doc of composer$1.compose(parser$1.parse(source), true, source.length)) {
        if (!doc)
            doc = _doc;
        else if (doc.options.logLevel !== 'silent') {
            doc.errors.push(new errors.YAMLParseError(_doc.range.slice(0, 2), 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
            break;
        }
    }
    if (prettyErrors && lineCounter) {
        doc.errors.forEach(errors.prettifyError(source, lineCounter));
        doc.warnings.forEach(errors.prettifyError(source, lineCounter));
    }
    return doc;
}
function parse(src, reviver, options) {
    let _reviver = undefined;
    if (typeof reviver === 'function') {
        _reviver = reviver;
    }
    else if (options === undefined && reviver && typeof reviver === 'object') {
        options = reviver;
    }
    const doc = parseDocument(src, options);
    if (!doc)
        return null;
    doc.warnings.forEach(warning => log.warn(doc.options.logLevel, warning));
    if (doc.errors.length > 0) {
        if (doc.options.logLevel !== 'silent')
            throw doc.errors[0];
        else
            doc.errors = [];
    }
    return doc.toJS(Object.assign({ reviver: _reviver }, options));
}
function stringify(value, replacer, options) {
    let _replacer = null;
    if (typeof replacer === 'function' || Array.isArray(replacer)) {
        _replacer = replacer;
    }
    else if (options === undefined && replacer) {
        options = replacer;
    }
    if (typeof options === 'string')
        options = options.length;
    if (typeof options === 'number') {
        const indent = Math.round(options);
        options = indent < 1 ? undefined : indent > 8 ? { indent: 8 } : { indent };
    }
    if (value === undefined) {
        const { keepUndefined } = options ?? replacer ?? {};
        if (!keepUndefined)
            return undefined;
    }
    if (identity.isDocument(value) && !_replacer)
        return value.toString(options);
    return new Document.Document(value, _replacer, options).toString(options);
}

exports.parse = parse;
exports.parseAllDocuments = parseAllDocuments;
exports.parseDocument = parseDocument;
exports.stringify = stringify;


/***/ }),

/***/ 5840:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var tags = __nccwpck_require__(18);

const sortMapEntriesByKey = (a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
class Schema {
    constructor({ compat, customTags, merge, resolveKnownTags, schema, sortMapEntries, toStringDefaults }) {
        this.compat = Array.isArray(compat)
            ? tags.getTags(compat, 'compat')
            : compat
                ? tags.getTags(null, compat)
                : null;
        this.name = (typeof schema === 'string' && schema) || 'core';
        this.knownTags = resolveKnownTags ? tags.coreKnownTags : {};
        this.tags = tags.getTags(customTags, this.name, merge);
        this.toStringOptions = toStringDefaults ?? null;
        Object.defineProperty(this, identity.MAP, { value: map.map });
        Object.defineProperty(this, identity.SCALAR, { value: string.string });
        Object.defineProperty(this, identity.SEQ, { value: seq.seq });
        // Used by createMap()
        this.sortMapEntries =
            typeof sortMapEntries === 'function'
                ? sortMapEntries
                : sortMapEntries === true
                    ? sortMapEntriesByKey
                    : null;
    }
    clone() {
        const copy = Object.create(Schema.prototype, Object.getOwnPropertyDescriptors(this));
        copy.tags = this.tags.slice();
        return copy;
    }
}

exports.Schema = Schema;


/***/ }),

/***/ 7451:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLMap = __nccwpck_require__(4454);

const map = {
    collection: 'map',
    default: true,
    nodeClass: YAMLMap.YAMLMap,
    tag: 'tag:yaml.org,2002:map',
    resolve(map, onError) {
        if (!identity.isMap(map))
            onError('Expected a mapping for this tag');
        return map;
    },
    createNode: (schema, obj, ctx) => YAMLMap.YAMLMap.from(schema, obj, ctx)
};

exports.map = map;


/***/ }),

/***/ 3632:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const nullTag = {
    identify: value => value == null,
    createNode: () => new Scalar.Scalar(null),
    default: true,
    tag: 'tag:yaml.org,2002:null',
    test: /^(?:~|[Nn]ull|NULL)?$/,
    resolve: () => new Scalar.Scalar(null),
    stringify: ({ source }, ctx) => typeof source === 'string' && nullTag.test.test(source)
        ? source
        : ctx.options.nullStr
};

exports.nullTag = nullTag;


/***/ }),

/***/ 1706:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLSeq = __nccwpck_require__(2223);

const seq = {
    collection: 'seq',
    default: true,
    nodeClass: YAMLSeq.YAMLSeq,
    tag: 'tag:yaml.org,2002:seq',
    resolve(seq, onError) {
        if (!identity.isSeq(seq))
            onError('Expected a sequence for this tag');
        return seq;
    },
    createNode: (schema, obj, ctx) => YAMLSeq.YAMLSeq.from(schema, obj, ctx)
};

exports.seq = seq;


/***/ }),

/***/ 6464:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyString = __nccwpck_require__(3069);

const string = {
    identify: value => typeof value === 'string',
    default: true,
    tag: 'tag:yaml.org,2002:str',
    resolve: str => str,
    stringify(item, ctx, onComment, onChompKeep) {
        ctx = Object.assign({ actualString: true }, ctx);
        return stringifyString.stringifyString(item, ctx, onComment, onChompKeep);
    }
};

exports.string = string;


/***/ }),

/***/ 3959:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const boolTag = {
    identify: value => typeof value === 'boolean',
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    resolve: str => new Scalar.Scalar(str[0] === 't' || str[0] === 'T'),
    stringify({ source, value }, ctx) {
        if (source && boolTag.test.test(source)) {
            const sv = source[0] === 't' || source[0] === 'T';
            if (value === sv)
                return source;
        }
        return value ? ctx.options.trueStr : ctx.options.falseStr;
    }
};

exports.boolTag = boolTag;


/***/ }),

/***/ 8405:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: str => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    resolve: str => parseFloat(str),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str));
        const dot = str.indexOf('.');
        if (dot !== -1 && str[str.length - 1] === '0')
            node.minFractionDigits = str.length - dot - 1;
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 9874:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
const intResolve = (str, offset, radix, { intAsBigInt }) => (intAsBigInt ? BigInt(str) : parseInt(str.substring(offset), radix));
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value) && value >= 0)
        return prefix + value.toString(radix);
    return stringifyNumber.stringifyNumber(node);
}
const intOct = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^0o[0-7]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 8, opt),
    stringify: node => intStringify(node, 8, '0o')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^0x[0-9a-fA-F]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 896:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.boolTag,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float
];

exports.schema = schema;


/***/ }),

/***/ 3559:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);

function intIdentify(value) {
    return typeof value === 'bigint' || Number.isInteger(value);
}
const stringifyJSON = ({ value }) => JSON.stringify(value);
const jsonScalars = [
    {
        identify: value => typeof value === 'string',
        default: true,
        tag: 'tag:yaml.org,2002:str',
        resolve: str => str,
        stringify: stringifyJSON
    },
    {
        identify: value => value == null,
        createNode: () => new Scalar.Scalar(null),
        default: true,
        tag: 'tag:yaml.org,2002:null',
        test: /^null$/,
        resolve: () => null,
        stringify: stringifyJSON
    },
    {
        identify: value => typeof value === 'boolean',
        default: true,
        tag: 'tag:yaml.org,2002:bool',
        test: /^true$|^false$/,
        resolve: str => str === 'true',
        stringify: stringifyJSON
    },
    {
        identify: intIdentify,
        default: true,
        tag: 'tag:yaml.org,2002:int',
        test: /^-?(?:0|[1-9][0-9]*)$/,
        resolve: (str, _onError, { intAsBigInt }) => intAsBigInt ? BigInt(str) : parseInt(str, 10),
        stringify: ({ value }) => intIdentify(value) ? value.toString() : JSON.stringify(value)
    },
    {
        identify: value => typeof value === 'number',
        default: true,
        tag: 'tag:yaml.org,2002:float',
        test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/,
        resolve: str => parseFloat(str),
        stringify: stringifyJSON
    }
];
const jsonError = {
    default: true,
    tag: '',
    test: /^/,
    resolve(str, onError) {
        onError(`Unresolved plain scalar ${JSON.stringify(str)}`);
        return str;
    }
};
const schema = [map.map, seq.seq].concat(jsonScalars, jsonError);

exports.schema = schema;


/***/ }),

/***/ 18:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);
var schema = __nccwpck_require__(896);
var schema$1 = __nccwpck_require__(3559);
var binary = __nccwpck_require__(6083);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var schema$2 = __nccwpck_require__(5913);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schemas = new Map([
    ['core', schema.schema],
    ['failsafe', [map.map, seq.seq, string.string]],
    ['json', schema$1.schema],
    ['yaml11', schema$2.schema],
    ['yaml-1.1', schema$2.schema]
]);
const tagsByName = {
    binary: binary.binary,
    bool: bool.boolTag,
    float: float.float,
    floatExp: float.floatExp,
    floatNaN: float.floatNaN,
    floatTime: timestamp.floatTime,
    int: int.int,
    intHex: int.intHex,
    intOct: int.intOct,
    intTime: timestamp.intTime,
    map: map.map,
    merge: merge.merge,
    null: _null.nullTag,
    omap: omap.omap,
    pairs: pairs.pairs,
    seq: seq.seq,
    set: set.set,
    timestamp: timestamp.timestamp
};
const coreKnownTags = {
    'tag:yaml.org,2002:binary': binary.binary,
    'tag:yaml.org,2002:merge': merge.merge,
    'tag:yaml.org,2002:omap': omap.omap,
    'tag:yaml.org,2002:pairs': pairs.pairs,
    'tag:yaml.org,2002:set': set.set,
    'tag:yaml.org,2002:timestamp': timestamp.timestamp
};
function getTags(customTags, schemaName, addMergeTag) {
    const schemaTags = schemas.get(schemaName);
    if (schemaTags && !customTags) {
        return addMergeTag && !schemaTags.includes(merge.merge)
            ? schemaTags.concat(merge.merge)
            : schemaTags.slice();
    }
    let tags = schemaTags;
    if (!tags) {
        if (Array.isArray(customTags))
            tags = [];
        else {
            const keys = Array.from(schemas.keys())
                .filter(key => key !== 'yaml11')
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown schema "${schemaName}"; use one of ${keys} or define customTags array`);
        }
    }
    if (Array.isArray(customTags)) {
        for (const tag of customTags)
            tags = tags.concat(tag);
    }
    else if (typeof customTags === 'function') {
        tags = customTags(tags.slice());
    }
    if (addMergeTag)
        tags = tags.concat(merge.merge);
    return tags.reduce((tags, tag) => {
        const tagObj = typeof tag === 'string' ? tagsByName[tag] : tag;
        if (!tagObj) {
            const tagName = JSON.stringify(tag);
            const keys = Object.keys(tagsByName)
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown custom tag ${tagName}; use one of ${keys}`);
        }
        if (!tags.includes(tagObj))
            tags.push(tagObj);
        return tags;
    }, []);
}

exports.coreKnownTags = coreKnownTags;
exports.getTags = getTags;


/***/ }),

/***/ 6083:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_buffer = __nccwpck_require__(181);
var Scalar = __nccwpck_require__(3301);
var stringifyString = __nccwpck_require__(3069);

const binary = {
    identify: value => value instanceof Uint8Array, // Buffer inherits from Uint8Array
    default: false,
    tag: 'tag:yaml.org,2002:binary',
    /**
     * Returns a Buffer in node and an Uint8Array in browsers
     *
     * To use the resulting buffer as an image, you'll want to do something like:
     *
     *   const blob = new Blob([buffer], { type: 'image/jpeg' })
     *   document.querySelector('#photo').src = URL.createObjectURL(blob)
     */
    resolve(src, onError) {
        if (typeof node_buffer.Buffer === 'function') {
            return node_buffer.Buffer.from(src, 'base64');
        }
        else if (typeof atob === 'function') {
            // On IE 11, atob() can't handle newlines
            const str = atob(src.replace(/[\n\r]/g, ''));
            const buffer = new Uint8Array(str.length);
            for (let i = 0; i < str.length; ++i)
                buffer[i] = str.charCodeAt(i);
            return buffer;
        }
        else {
            onError('This environment does not support reading binary tags; either Buffer or atob is required');
            return src;
        }
    },
    stringify({ comment, type, value }, ctx, onComment, onChompKeep) {
        if (!value)
            return '';
        const buf = value; // checked earlier by binary.identify()
        let str;
        if (typeof node_buffer.Buffer === 'function') {
            str =
                buf instanceof node_buffer.Buffer
                    ? buf.toString('base64')
                    : node_buffer.Buffer.from(buf.buffer).toString('base64');
        }
        else if (typeof btoa === 'function') {
            let s = '';
            for (let i = 0; i < buf.length; ++i)
                s += String.fromCharCode(buf[i]);
            str = btoa(s);
        }
        else {
            throw new Error('This environment does not support writing binary tags; either Buffer or btoa is required');
        }
        type ?? (type = Scalar.Scalar.BLOCK_LITERAL);
        if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
            const lineWidth = Math.max(ctx.options.lineWidth - ctx.indent.length, ctx.options.minContentWidth);
            const n = Math.ceil(str.length / lineWidth);
            const lines = new Array(n);
            for (let i = 0, o = 0; i < n; ++i, o += lineWidth) {
                lines[i] = str.substr(o, lineWidth);
            }
            str = lines.join(type === Scalar.Scalar.BLOCK_LITERAL ? '\n' : ' ');
        }
        return stringifyString.stringifyString({ comment, type, value: str }, ctx, onComment, onChompKeep);
    }
};

exports.binary = binary;


/***/ }),

/***/ 8398:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function boolStringify({ value, source }, ctx) {
    const boolObj = value ? trueTag : falseTag;
    if (source && boolObj.test.test(source))
        return source;
    return value ? ctx.options.trueStr : ctx.options.falseStr;
}
const trueTag = {
    identify: value => value === true,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    resolve: () => new Scalar.Scalar(true),
    stringify: boolStringify
};
const falseTag = {
    identify: value => value === false,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    resolve: () => new Scalar.Scalar(false),
    stringify: boolStringify
};

exports.falseTag = falseTag;
exports.trueTag = trueTag;


/***/ }),

/***/ 5782:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: (str) => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    resolve: (str) => parseFloat(str.replace(/_/g, '')),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str.replace(/_/g, '')));
        const dot = str.indexOf('.');
        if (dot !== -1) {
            const f = str.substring(dot + 1).replace(/_/g, '');
            if (f[f.length - 1] === '0')
                node.minFractionDigits = f.length;
        }
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 873:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
function intResolve(str, offset, radix, { intAsBigInt }) {
    const sign = str[0];
    if (sign === '-' || sign === '+')
        offset += 1;
    str = str.substring(offset).replace(/_/g, '');
    if (intAsBigInt) {
        switch (radix) {
            case 2:
                str = `0b${str}`;
                break;
            case 8:
                str = `0o${str}`;
                break;
            case 16:
                str = `0x${str}`;
                break;
        }
        const n = BigInt(str);
        return sign === '-' ? BigInt(-1) * n : n;
    }
    const n = parseInt(str, radix);
    return sign === '-' ? -1 * n : n;
}
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value)) {
        const str = value.toString(radix);
        return value < 0 ? '-' + prefix + str.substr(1) : prefix + str;
    }
    return stringifyNumber.stringifyNumber(node);
}
const intBin = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'BIN',
    test: /^[-+]?0b[0-1_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 2, opt),
    stringify: node => intStringify(node, 2, '0b')
};
const intOct = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^[-+]?0[0-7_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 1, 8, opt),
    stringify: node => intStringify(node, 8, '0')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9][0-9_]*$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^[-+]?0x[0-9a-fA-F_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intBin = intBin;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 452:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

// If the value associated with a merge key is a single mapping node, each of
// its key/value pairs is inserted into the current mapping, unless the key
// already exists in it. If the value associated with the merge key is a
// sequence, then this sequence is expected to contain mapping nodes and each
// of these nodes is merged in turn according to its order in the sequence.
// Keys in mapping nodes earlier in the sequence override keys specified in
// later mapping nodes. -- http://yaml.org/type/merge.html
const MERGE_KEY = '<<';
const merge = {
    identify: value => value === MERGE_KEY ||
        (typeof value === 'symbol' && value.description === MERGE_KEY),
    default: 'key',
    tag: 'tag:yaml.org,2002:merge',
    test: /^<<$/,
    resolve: () => Object.assign(new Scalar.Scalar(Symbol(MERGE_KEY)), {
        addToJSMap: addMergeToJSMap
    }),
    stringify: () => MERGE_KEY
};
const isMergeKey = (ctx, key) => (merge.identify(key) ||
    (identity.isScalar(key) &&
        (!key.type || key.type === Scalar.Scalar.PLAIN) &&
        merge.identify(key.value))) &&
    ctx?.doc.schema.tags.some(tag => tag.tag === merge.tag && tag.default);
function addMergeToJSMap(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (identity.isSeq(source))
        for (const it of source.items)
            mergeValue(ctx, map, it);
    else if (Array.isArray(source))
        for (const it of source)
            mergeValue(ctx, map, it);
    else
        mergeValue(ctx, map, source);
}
function mergeValue(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (!identity.isMap(source))
        throw new Error('Merge sources must be maps or map aliases');
    const srcMap = source.toJSON(null, ctx, Map);
    for (const [key, value] of srcMap) {
        if (map instanceof Map) {
            if (!map.has(key))
                map.set(key, value);
        }
        else if (map instanceof Set) {
            map.add(key);
        }
        else if (!Object.prototype.hasOwnProperty.call(map, key)) {
            Object.defineProperty(map, key, {
                value,
                writable: true,
                enumerable: true,
                configurable: true
            });
        }
    }
    return map;
}
function resolveAliasValue(ctx, value) {
    return ctx && identity.isAlias(value) ? value.resolve(ctx.doc, ctx) : value;
}

exports.addMergeToJSMap = addMergeToJSMap;
exports.isMergeKey = isMergeKey;
exports.merge = merge;


/***/ }),

/***/ 303:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var pairs = __nccwpck_require__(8385);

class YAMLOMap extends YAMLSeq.YAMLSeq {
    constructor() {
        super();
        this.add = YAMLMap.YAMLMap.prototype.add.bind(this);
        this.delete = YAMLMap.YAMLMap.prototype.delete.bind(this);
        this.get = YAMLMap.YAMLMap.prototype.get.bind(this);
        this.has = YAMLMap.YAMLMap.prototype.has.bind(this);
        this.set = YAMLMap.YAMLMap.prototype.set.bind(this);
        this.tag = YAMLOMap.tag;
    }
    /**
     * If `ctx` is given, the return type is actually `Map<unknown, unknown>`,
     * but TypeScript won't allow widening the signature of a child method.
     */
    toJSON(_, ctx) {
        if (!ctx)
            return super.toJSON(_);
        const map = new Map();
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const pair of this.items) {
            let key, value;
            if (identity.isPair(pair)) {
                key = toJS.toJS(pair.key, '', ctx);
                value = toJS.toJS(pair.value, key, ctx);
            }
            else {
                key = toJS.toJS(pair, '', ctx);
            }
            if (map.has(key))
                throw new Error('Ordered maps must not include duplicate keys');
            map.set(key, value);
        }
        return map;
    }
    static from(schema, iterable, ctx) {
        const pairs$1 = pairs.createPairs(schema, iterable, ctx);
        const omap = new this();
        omap.items = pairs$1.items;
        return omap;
    }
}
YAMLOMap.tag = 'tag:yaml.org,2002:omap';
const omap = {
    collection: 'seq',
    identify: value => value instanceof Map,
    nodeClass: YAMLOMap,
    default: false,
    tag: 'tag:yaml.org,2002:omap',
    resolve(seq, onError) {
        const pairs$1 = pairs.resolvePairs(seq, onError);
        const seenKeys = [];
        for (const { key } of pairs$1.items) {
            if (identity.isScalar(key)) {
                if (seenKeys.includes(key.value)) {
                    onError(`Ordered maps must not include duplicate keys: ${key.value}`);
                }
                else {
                    seenKeys.push(key.value);
                }
            }
        }
        return Object.assign(new YAMLOMap(), pairs$1);
    },
    createNode: (schema, iterable, ctx) => YAMLOMap.from(schema, iterable, ctx)
};

exports.YAMLOMap = YAMLOMap;
exports.omap = omap;


/***/ }),

/***/ 8385:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLSeq = __nccwpck_require__(2223);

function resolvePairs(seq, onError) {
    if (identity.isSeq(seq)) {
        for (let i = 0; i < seq.items.length; ++i) {
            let item = seq.items[i];
            if (identity.isPair(item))
                continue;
            else if (identity.isMap(item)) {
                if (item.items.length > 1)
                    onError('Each pair must have its own sequence indicator');
                const pair = item.items[0] || new Pair.Pair(new Scalar.Scalar(null));
                if (item.commentBefore)
                    pair.key.commentBefore = pair.key.commentBefore
                        ? `${item.commentBefore}\n${pair.key.commentBefore}`
                        : item.commentBefore;
                if (item.comment) {
                    const cn = pair.value ?? pair.key;
                    cn.comment = cn.comment
                        ? `${item.comment}\n${cn.comment}`
                        : item.comment;
                }
                item = pair;
            }
            seq.items[i] = identity.isPair(item) ? item : new Pair.Pair(item);
        }
    }
    else
        onError('Expected a sequence for this tag');
    return seq;
}
function createPairs(schema, iterable, ctx) {
    const { replacer } = ctx;
    const pairs = new YAMLSeq.YAMLSeq(schema);
    pairs.tag = 'tag:yaml.org,2002:pairs';
    let i = 0;
    if (iterable && Symbol.iterator in Object(iterable))
        for (let it of iterable) {
            if (typeof replacer === 'function')
                it = replacer.call(iterable, String(i++), it);
            let key, value;
            if (Array.isArray(it)) {
                if (it.length === 2) {
                    key = it[0];
                    value = it[1];
                }
                else
                    throw new TypeError(`Expected [key, value] tuple: ${it}`);
            }
            else if (it && it instanceof Object) {
                const keys = Object.keys(it);
                if (keys.length === 1) {
                    key = keys[0];
                    value = it[key];
                }
                else {
                    throw new TypeError(`Expected tuple with one key, not ${keys.length} keys`);
                }
            }
            else {
                key = it;
            }
            pairs.items.push(Pair.createPair(key, value, ctx));
        }
    return pairs;
}
const pairs = {
    collection: 'seq',
    default: false,
    tag: 'tag:yaml.org,2002:pairs',
    resolve: resolvePairs,
    createNode: createPairs
};

exports.createPairs = createPairs;
exports.pairs = pairs;
exports.resolvePairs = resolvePairs;


/***/ }),

/***/ 5913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var binary = __nccwpck_require__(6083);
var bool = __nccwpck_require__(8398);
var float = __nccwpck_require__(5782);
var int = __nccwpck_require__(873);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.trueTag,
    bool.falseTag,
    int.intBin,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float,
    binary.binary,
    merge.merge,
    omap.omap,
    pairs.pairs,
    set.set,
    timestamp.intTime,
    timestamp.floatTime,
    timestamp.timestamp
];

exports.schema = schema;


/***/ }),

/***/ 1528:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);

class YAMLSet extends YAMLMap.YAMLMap {
    constructor(schema) {
        super(schema);
        this.tag = YAMLSet.tag;
    }
    add(key) {
        let pair;
        if (identity.isPair(key))
            pair = key;
        else if (key &&
            typeof key === 'object' &&
            'key' in key &&
            'value' in key &&
            key.value === null)
            pair = new Pair.Pair(key.key, null);
        else
            pair = new Pair.Pair(key, null);
        const prev = YAMLMap.findPair(this.items, pair.key);
        if (!prev)
            this.items.push(pair);
    }
    /**
     * If `keepPair` is `true`, returns the Pair matching `key`.
     * Otherwise, returns the value of that Pair's key.
     */
    get(key, keepPair) {
        const pair = YAMLMap.findPair(this.items, key);
        return !keepPair && identity.isPair(pair)
            ? identity.isScalar(pair.key)
                ? pair.key.value
                : pair.key
            : pair;
    }
    set(key, value) {
        if (typeof value !== 'boolean')
            throw new Error(`Expected boolean value for set(key, value) in a YAML set, not ${typeof value}`);
        const prev = YAMLMap.findPair(this.items, key);
        if (prev && !value) {
            this.items.splice(this.items.indexOf(prev), 1);
        }
        else if (!prev && value) {
            this.items.push(new Pair.Pair(key));
        }
    }
    toJSON(_, ctx) {
        return super.toJSON(_, ctx, Set);
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        if (this.hasAllNullValues(true))
            return super.toString(Object.assign({}, ctx, { allNullValues: true }), onComment, onChompKeep);
        else
            throw new Error('Set items must all have null values');
    }
    static from(schema, iterable, ctx) {
        const { replacer } = ctx;
        const set = new this(schema);
        if (iterable && Symbol.iterator in Object(iterable))
            for (let value of iterable) {
                if (typeof replacer === 'function')
                    value = replacer.call(iterable, value, value);
                set.items.push(Pair.createPair(value, null, ctx));
            }
        return set;
    }
}
YAMLSet.tag = 'tag:yaml.org,2002:set';
const set = {
    collection: 'map',
    identify: value => value instanceof Set,
    nodeClass: YAMLSet,
    default: false,
    tag: 'tag:yaml.org,2002:set',
    createNode: (schema, iterable, ctx) => YAMLSet.from(schema, iterable, ctx),
    resolve(map, onError) {
        if (identity.isMap(map)) {
            if (map.hasAllNullValues(true))
                return Object.assign(new YAMLSet(), map);
            else
                onError('Set items must all have null values');
        }
        else
            onError('Expected a mapping for this tag');
        return map;
    }
};

exports.YAMLSet = YAMLSet;
exports.set = set;


/***/ }),

/***/ 6752:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

/** Internal types handle bigint as number, because TS can't figure it out. */
function parseSexagesimal(str, asBigInt) {
    const sign = str[0];
    const parts = sign === '-' || sign === '+' ? str.substring(1) : str;
    const num = (n) => asBigInt ? BigInt(n) : Number(n);
    const res = parts
        .replace(/_/g, '')
        .split(':')
        .reduce((res, p) => res * num(60) + num(p), num(0));
    return (sign === '-' ? num(-1) * res : res);
}
/**
 * hhhh:mm:ss.sss
 *
 * Internal types handle bigint as number, because TS can't figure it out.
 */
function stringifySexagesimal(node) {
    let { value } = node;
    let num = (n) => n;
    if (typeof value === 'bigint')
        num = n => BigInt(n);
    else if (isNaN(value) || !isFinite(value))
        return stringifyNumber.stringifyNumber(node);
    let sign = '';
    if (value < 0) {
        sign = '-';
        value *= num(-1);
    }
    const _60 = num(60);
    const parts = [value % _60]; // seconds, including ms
    if (value < 60) {
        parts.unshift(0); // at least one : is required
    }
    else {
        value = (value - parts[0]) / _60;
        parts.unshift(value % _60); // minutes
        if (value >= 60) {
            value = (value - parts[0]) / _60;
            parts.unshift(value); // hours
        }
    }
    return (sign +
        parts
            .map(n => String(n).padStart(2, '0'))
            .join(':')
            .replace(/000000\d*$/, '') // % 60 may introduce error
    );
}
const intTime = {
    identify: value => typeof value === 'bigint' || Number.isInteger(value),
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    resolve: (str, _onError, { intAsBigInt }) => parseSexagesimal(str, intAsBigInt),
    stringify: stringifySexagesimal
};
const floatTime = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    resolve: str => parseSexagesimal(str, false),
    stringify: stringifySexagesimal
};
const timestamp = {
    identify: value => value instanceof Date,
    default: true,
    tag: 'tag:yaml.org,2002:timestamp',
    // If the time zone is omitted, the timestamp is assumed to be specified in UTC. The time part
    // may be omitted altogether, resulting in a date format. In such a case, the time part is
    // assumed to be 00:00:00Z (start of day, UTC).
    test: RegExp('^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})' + // YYYY-Mm-Dd
        '(?:' + // time is optional
        '(?:t|T|[ \\t]+)' + // t | T | whitespace
        '([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)' + // Hh:Mm:Ss(.ss)?
        '(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?' + // Z | +5 | -03:30
        ')?$'),
    resolve(str) {
        const match = str.match(timestamp.test);
        if (!match)
            throw new Error('!!timestamp expects a date, starting with yyyy-mm-dd');
        const [, year, month, day, hour, minute, second] = match.map(Number);
        const millisec = match[7] ? Number((match[7] + '00').substr(1, 3)) : 0;
        let date = Date.UTC(year, month - 1, day, hour || 0, minute || 0, second || 0, millisec);
        const tz = match[8];
        if (tz && tz !== 'Z') {
            let d = parseSexagesimal(tz, false);
            if (Math.abs(d) < 30)
                d *= 60;
            date -= 60000 * d;
        }
        return new Date(date);
    },
    stringify: ({ value }) => value?.toISOString().replace(/(T00:00:00)?\.000Z$/, '') ?? ''
};

exports.floatTime = floatTime;
exports.intTime = intTime;
exports.timestamp = timestamp;


/***/ }),

/***/ 4475:
/***/ ((__unused_webpack_module, exports) => {



const FOLD_FLOW = 'flow';
const FOLD_BLOCK = 'block';
const FOLD_QUOTED = 'quoted';
/**
 * Tries to keep input at up to `lineWidth` characters, splitting only on spaces
 * not followed by newlines or spaces unless `mode` is `'quoted'`. Lines are
 * terminated with `\n` and started with `indent`.
 */
function foldFlowLines(text, indent, mode = 'flow', { indentAtStart, lineWidth = 80, minContentWidth = 20, onFold, onOverflow } = {}) {
    if (!lineWidth || lineWidth < 0)
        return text;
    if (lineWidth < minContentWidth)
        minContentWidth = 0;
    const endStep = Math.max(1 + minContentWidth, 1 + lineWidth - indent.length);
    if (text.length <= endStep)
        return text;
    const folds = [];
    const escapedFolds = {};
    let end = lineWidth - indent.length;
    if (typeof indentAtStart === 'number') {
        if (indentAtStart > lineWidth - Math.max(2, minContentWidth))
            folds.push(0);
        else
            end = lineWidth - indentAtStart;
    }
    let split = undefined;
    let prev = undefined;
    let overflow = false;
    let i = -1;
    let escStart = -1;
    let escEnd = -1;
    if (mode === FOLD_BLOCK) {
        i = consumeMoreIndentedLines(text, i, indent.length);
        if (i !== -1)
            end = i + endStep;
    }
    for (let ch; (ch = text[(i += 1)]);) {
        if (mode === FOLD_QUOTED && ch === '\\') {
            escStart = i;
            switch (text[i + 1]) {
                case 'x':
                    i += 3;
                    break;
                case 'u':
                    i += 5;
                    break;
                case 'U':
                    i += 9;
                    break;
                default:
                    i += 1;
            }
            escEnd = i;
        }
        if (ch === '\n') {
            if (mode === FOLD_BLOCK)
                i = consumeMoreIndentedLines(text, i, indent.length);
            end = i + indent.length + endStep;
            split = undefined;
        }
        else {
            if (ch === ' ' &&
                prev &&
                prev !== ' ' &&
                prev !== '\n' &&
                prev !== '\t') {
                // space surrounded by non-space can be replaced with newline + indent
                const next = text[i + 1];
                if (next && next !== ' ' && next !== '\n' && next !== '\t')
                    split = i;
            }
            if (i >= end) {
                if (split) {
                    folds.push(split);
                    end = split + endStep;
                    split = undefined;
                }
                else if (mode === FOLD_QUOTED) {
                    // white-space collected at end may stretch past lineWidth
                    while (prev === ' ' || prev === '\t') {
                        prev = ch;
                        ch = text[(i += 1)];
                        overflow = true;
                    }
                    // Account for newline escape, but don't break preceding escape
                    const j = i > escEnd + 1 ? i - 2 : escStart - 1;
                    // Bail out if lineWidth & minContentWidth are shorter than an escape string
                    if (escapedFolds[j])
                        return text;
                    folds.push(j);
                    escapedFolds[j] = true;
                    end = j + endStep;
                    split = undefined;
                }
                else {
                    overflow = true;
                }
            }
        }
        prev = ch;
    }
    if (overflow && onOverflow)
        onOverflow();
    if (folds.length === 0)
        return text;
    if (onFold)
        onFold();
    let res = text.slice(0, folds[0]);
    for (let i = 0; i < folds.length; ++i) {
        const fold = folds[i];
        const end = folds[i + 1] || text.length;
        if (fold === 0)
            res = `\n${indent}${text.slice(0, end)}`;
        else {
            if (mode === FOLD_QUOTED && escapedFolds[fold])
                res += `${text[fold]}\\`;
            res += `\n${indent}${text.slice(fold + 1, end)}`;
        }
    }
    return res;
}
/**
 * Presumes `i + 1` is at the start of a line
 * @returns index of last newline in more-indented block
 */
function consumeMoreIndentedLines(text, i, indent) {
    let end = i;
    let start = i + 1;
    let ch = text[start];
    while (ch === ' ' || ch === '\t') {
        if (i < start + indent) {
            ch = text[++i];
        }
        else {
            do {
                ch = text[++i];
            } while (ch && ch !== '\n');
            end = i;
            start = i + 1;
            ch = text[start];
        }
    }
    return end;
}

exports.FOLD_BLOCK = FOLD_BLOCK;
exports.FOLD_FLOW = FOLD_FLOW;
exports.FOLD_QUOTED = FOLD_QUOTED;
exports.foldFlowLines = foldFlowLines;


/***/ }),

/***/ 2148:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var identity = __nccwpck_require__(1127);
var stringifyComment = __nccwpck_require__(9799);
var stringifyString = __nccwpck_require__(3069);

function createStringifyContext(doc, options) {
    const opt = Object.assign({
        blockQuote: true,
        commentString: stringifyComment.stringifyComment,
        defaultKeyType: null,
        defaultStringType: 'PLAIN',
        directives: null,
        doubleQuotedAsJSON: false,
        doubleQuotedMinMultiLineLength: 40,
        falseStr: 'false',
        flowCollectionPadding: true,
        indentSeq: true,
        lineWidth: 80,
        minContentWidth: 20,
        nullStr: 'null',
        simpleKeys: false,
        singleQuote: null,
        trailingComma: false,
        trueStr: 'true',
        verifyAliasOrder: true
    }, doc.schema.toStringOptions, options);
    let inFlow;
    switch (opt.collectionStyle) {
        case 'block':
            inFlow = false;
            break;
        case 'flow':
            inFlow = true;
            break;
        default:
            inFlow = null;
    }
    return {
        anchors: new Set(),
        doc,
        flowCollectionPadding: opt.flowCollectionPadding ? ' ' : '',
        indent: '',
        indentStep: typeof opt.indent === 'number' ? ' '.repeat(opt.indent) : '  ',
        inFlow,
        options: opt
    };
}
function getTagObject(tags, item) {
    if (item.tag) {
        const match = tags.filter(t => t.tag === item.tag);
        if (match.length > 0)
            return match.find(t => t.format === item.format) ?? match[0];
    }
    let tagObj = undefined;
    let obj;
    if (identity.isScalar(item)) {
        obj = item.value;
        let match = tags.filter(t => t.identify?.(obj));
        if (match.length > 1) {
            const testMatch = match.filter(t => t.test);
            if (testMatch.length > 0)
                match = testMatch;
        }
        tagObj =
            match.find(t => t.format === item.format) ?? match.find(t => !t.format);
    }
    else {
        obj = item;
        tagObj = tags.find(t => t.nodeClass && obj instanceof t.nodeClass);
    }
    if (!tagObj) {
        const name = obj?.constructor?.name ?? (obj === null ? 'null' : typeof obj);
        throw new Error(`Tag not resolved for ${name} value`);
    }
    return tagObj;
}
// needs to be called before value stringifier to allow for circular anchor refs
function stringifyProps(node, tagObj, { anchors: anchors$1, doc }) {
    if (!doc.directives)
        return '';
    const props = [];
    const anchor = (identity.isScalar(node) || identity.isCollection(node)) && node.anchor;
    if (anchor && anchors.anchorIsValid(anchor)) {
        anchors$1.add(anchor);
        props.push(`&${anchor}`);
    }
    const tag = node.tag ?? (tagObj.default ? null : tagObj.tag);
    if (tag)
        props.push(doc.directives.tagString(tag));
    return props.join(' ');
}
function stringify(item, ctx, onComment, onChompKeep) {
    if (identity.isPair(item))
        return item.toString(ctx, onComment, onChompKeep);
    if (identity.isAlias(item)) {
        if (ctx.doc.directives)
            return item.toString(ctx);
        if (ctx.resolvedAliases?.has(item)) {
            throw new TypeError(`Cannot stringify circular structure without alias nodes`);
        }
        else {
            if (ctx.resolvedAliases)
                ctx.resolvedAliases.add(item);
            else
                ctx.resolvedAliases = new Set([item]);
            item = item.resolve(ctx.doc);
        }
    }
    let tagObj = undefined;
    const node = identity.isNode(item)
        ? item
        : ctx.doc.createNode(item, { onTagObj: o => (tagObj = o) });
    tagObj ?? (tagObj = getTagObject(ctx.doc.schema.tags, node));
    const props = stringifyProps(node, tagObj, ctx);
    if (props.length > 0)
        ctx.indentAtStart = (ctx.indentAtStart ?? 0) + props.length + 1;
    const str = typeof tagObj.stringify === 'function'
        ? tagObj.stringify(node, ctx, onComment, onChompKeep)
        : identity.isScalar(node)
            ? stringifyString.stringifyString(node, ctx, onComment, onChompKeep)
            : node.toString(ctx, onComment, onChompKeep);
    if (!props)
        return str;
    return identity.isScalar(node) || str[0] === '{' || str[0] === '['
        ? `${props} ${str}`
        : `${props}\n${ctx.indent}${str}`;
}

exports.createStringifyContext = createStringifyContext;
exports.stringify = stringify;


/***/ }),

/***/ 1212:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyCollection(collection, ctx, options) {
    const flow = ctx.inFlow ?? collection.flow;
    const stringify = flow ? stringifyFlowCollection : stringifyBlockCollection;
    return stringify(collection, ctx, options);
}
function stringifyBlockCollection({ comment, items }, ctx, { blockItemPrefix, flowChars, itemIndent, onChompKeep, onComment }) {
    const { indent, options: { commentString } } = ctx;
    const itemCtx = Object.assign({}, ctx, { indent: itemIndent, type: null });
    let chompKeep = false; // flag for the preceding node's status
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (!chompKeep && item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, chompKeep);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (!chompKeep && ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, chompKeep);
            }
        }
        chompKeep = false;
        let str = stringify.stringify(item, itemCtx, () => (comment = null), () => (chompKeep = true));
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        if (chompKeep && comment)
            chompKeep = false;
        lines.push(blockItemPrefix + str);
    }
    let str;
    if (lines.length === 0) {
        str = flowChars.start + flowChars.end;
    }
    else {
        str = lines[0];
        for (let i = 1; i < lines.length; ++i) {
            const line = lines[i];
            str += line ? `\n${indent}${line}` : '\n';
        }
    }
    if (comment) {
        str += '\n' + stringifyComment.indentComment(commentString(comment), indent);
        if (onComment)
            onComment();
    }
    else if (chompKeep && onChompKeep)
        onChompKeep();
    return str;
}
function stringifyFlowCollection({ items }, ctx, { flowChars, itemIndent }) {
    const { indent, indentStep, flowCollectionPadding: fcPadding, options: { commentString } } = ctx;
    itemIndent += indentStep;
    const itemCtx = Object.assign({}, ctx, {
        indent: itemIndent,
        inFlow: true,
        type: null
    });
    let reqNewline = false;
    let linesAtValue = 0;
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, false);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, false);
                if (ik.comment)
                    reqNewline = true;
            }
            const iv = identity.isNode(item.value) ? item.value : null;
            if (iv) {
                if (iv.comment)
                    comment = iv.comment;
                if (iv.commentBefore)
                    reqNewline = true;
            }
            else if (item.value == null && ik?.comment) {
                comment = ik.comment;
            }
        }
        if (comment)
            reqNewline = true;
        let str = stringify.stringify(item, itemCtx, () => (comment = null));
        reqNewline || (reqNewline = lines.length > linesAtValue || str.includes('\n'));
        if (i < items.length - 1) {
            str += ',';
        }
        else if (ctx.options.trailingComma) {
            if (ctx.options.lineWidth > 0) {
                reqNewline || (reqNewline = lines.reduce((sum, line) => sum + line.length + 2, 2) +
                    (str.length + 2) >
                    ctx.options.lineWidth);
            }
            if (reqNewline) {
                str += ',';
            }
        }
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        lines.push(str);
        linesAtValue = lines.length;
    }
    const { start, end } = flowChars;
    if (lines.length === 0) {
        return start + end;
    }
    else {
        if (!reqNewline) {
            const len = lines.reduce((sum, line) => sum + line.length + 2, 2);
            reqNewline = ctx.options.lineWidth > 0 && len > ctx.options.lineWidth;
        }
        if (reqNewline) {
            let str = start;
            for (const line of lines)
                str += line ? `\n${indentStep}${indent}${line}` : '\n';
            return `${str}\n${indent}${end}`;
        }
        else {
            return `${start}${fcPadding}${lines.join(' ')}${fcPadding}${end}`;
        }
    }
}
function addCommentBefore({ indent, options: { commentString } }, lines, comment, chompKeep) {
    if (comment && chompKeep)
        comment = comment.replace(/^\n+/, '');
    if (comment) {
        const ic = stringifyComment.indentComment(commentString(comment), indent);
        lines.push(ic.trimStart()); // Avoid double indent on first line
    }
}

exports.stringifyCollection = stringifyCollection;


/***/ }),

/***/ 9799:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringifies a comment.
 *
 * Empty comment lines are left empty,
 * lines consisting of a single space are replaced by `#`,
 * and all other lines are prefixed with a `#`.
 */
const stringifyComment = (str) => str.replace(/^(?!$)(?: $)?/gm, '#');
function indentComment(comment, indent) {
    if (/^\n+$/.test(comment))
        return comment.substring(1);
    return indent ? comment.replace(/^(?! *$)/gm, indent) : comment;
}
const lineComment = (str, indent, comment) => str.endsWith('\n')
    ? indentComment(comment, indent)
    : comment.includes('\n')
        ? '\n' + indentComment(comment, indent)
        : (str.endsWith(' ') ? '' : ' ') + comment;

exports.indentComment = indentComment;
exports.lineComment = lineComment;
exports.stringifyComment = stringifyComment;


/***/ }),

/***/ 6829:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyDocument(doc, options) {
    const lines = [];
    let hasDirectives = options.directives === true;
    if (options.directives !== false && doc.directives) {
        const dir = doc.directives.toString(doc);
        if (dir) {
            lines.push(dir);
            hasDirectives = true;
        }
        else if (doc.directives.docStart)
            hasDirectives = true;
    }
    if (hasDirectives)
        lines.push('---');
    const ctx = stringify.createStringifyContext(doc, options);
    const { commentString } = ctx.options;
    if (doc.commentBefore) {
        if (lines.length !== 1)
            lines.unshift('');
        const cs = commentString(doc.commentBefore);
        lines.unshift(stringifyComment.indentComment(cs, ''));
    }
    let chompKeep = false;
    let contentComment = null;
    if (doc.contents) {
        if (identity.isNode(doc.contents)) {
            if (doc.contents.spaceBefore && hasDirectives)
                lines.push('');
            if (doc.contents.commentBefore) {
                const cs = commentString(doc.contents.commentBefore);
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            // top-level block scalars need to be indented if followed by a comment
            ctx.forceBlockIndent = !!doc.comment;
            contentComment = doc.contents.comment;
        }
        const onChompKeep = contentComment ? undefined : () => (chompKeep = true);
        let body = stringify.stringify(doc.contents, ctx, () => (contentComment = null), onChompKeep);
        if (contentComment)
            body += stringifyComment.lineComment(body, '', commentString(contentComment));
        if ((body[0] === '|' || body[0] === '>') &&
            lines[lines.length - 1] === '---') {
            // Top-level block scalars with a preceding doc marker ought to use the
            // same line for their header.
            lines[lines.length - 1] = `--- ${body}`;
        }
        else
            lines.push(body);
    }
    else {
        lines.push(stringify.stringify(doc.contents, ctx));
    }
    if (doc.directives?.docEnd) {
        if (doc.comment) {
            const cs = commentString(doc.comment);
            if (cs.includes('\n')) {
                lines.push('...');
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            else {
                lines.push(`... ${cs}`);
            }
        }
        else {
            lines.push('...');
        }
    }
    else {
        let dc = doc.comment;
        if (dc && chompKeep)
            dc = dc.replace(/^\n+/, '');
        if (dc) {
            if ((!chompKeep || contentComment) && lines[lines.length - 1] !== '')
                lines.push('');
            lines.push(stringifyComment.indentComment(commentString(dc), ''));
        }
    }
    return lines.join('\n') + '\n';
}

exports.stringifyDocument = stringifyDocument;


/***/ }),

/***/ 8689:
/***/ ((__unused_webpack_module, exports) => {



function stringifyNumber({ format, minFractionDigits, tag, value }) {
    if (typeof value === 'bigint')
        return String(value);
    const num = typeof value === 'number' ? value : Number(value);
    if (!isFinite(num))
        return isNaN(num) ? '.nan' : num < 0 ? '-.inf' : '.inf';
    let n = Object.is(value, -0) ? '-0' : JSON.stringify(value);
    if (!format &&
        minFractionDigits &&
        (!tag || tag === 'tag:yaml.org,2002:float') &&
        /^-?\d/.test(n) &&
        !n.includes('e')) {
        let i = n.indexOf('.');
        if (i < 0) {
            i = n.length;
            n += '.';
        }
        let d = minFractionDigits - (n.length - i - 1);
        while (d-- > 0)
            n += '0';
    }
    return n;
}

exports.stringifyNumber = stringifyNumber;


/***/ }),

/***/ 9748:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyPair({ key, value }, ctx, onComment, onChompKeep) {
    const { allNullValues, doc, indent, indentStep, options: { commentString, indentSeq, simpleKeys } } = ctx;
    let keyComment = (identity.isNode(key) && key.comment) || null;
    if (simpleKeys) {
        if (keyComment) {
            throw new Error('With simple keys, key nodes cannot have comments');
        }
        if (identity.isCollection(key) || (!identity.isNode(key) && typeof key === 'object')) {
            const msg = 'With simple keys, collection cannot be used as a key value';
            throw new Error(msg);
        }
    }
    let explicitKey = !simpleKeys &&
        (!key ||
            (keyComment && value == null && !ctx.inFlow) ||
            identity.isCollection(key) ||
            (identity.isScalar(key)
                ? key.type === Scalar.Scalar.BLOCK_FOLDED || key.type === Scalar.Scalar.BLOCK_LITERAL
                : typeof key === 'object'));
    ctx = Object.assign({}, ctx, {
        allNullValues: false,
        implicitKey: !explicitKey && (simpleKeys || !allNullValues),
        indent: indent + indentStep
    });
    let keyCommentDone = false;
    let chompKeep = false;
    let str = stringify.stringify(key, ctx, () => (keyCommentDone = true), () => (chompKeep = true));
    if (!explicitKey && !ctx.inFlow && str.length > 1024) {
        if (simpleKeys)
            throw new Error('With simple keys, single line scalar must not span more than 1024 characters');
        explicitKey = true;
    }
    if (ctx.inFlow) {
        if (allNullValues || value == null) {
            if (keyCommentDone && onComment)
                onComment();
            return str === '' ? '?' : explicitKey ? `? ${str}` : str;
        }
    }
    else if ((allNullValues && !simpleKeys) || (value == null && explicitKey)) {
        str = `? ${str}`;
        if (keyComment && !keyCommentDone) {
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        }
        else if (chompKeep && onChompKeep)
            onChompKeep();
        return str;
    }
    if (keyCommentDone)
        keyComment = null;
    if (explicitKey) {
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        str = `? ${str}\n${indent}:`;
    }
    else {
        str = `${str}:`;
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
    }
    let vsb, vcb, valueComment;
    if (identity.isNode(value)) {
        vsb = !!value.spaceBefore;
        vcb = value.commentBefore;
        valueComment = value.comment;
    }
    else {
        vsb = false;
        vcb = null;
        valueComment = null;
        if (value && typeof value === 'object')
            value = doc.createNode(value);
    }
    ctx.implicitKey = false;
    if (!explicitKey && !keyComment && identity.isScalar(value))
        ctx.indentAtStart = str.length + 1;
    chompKeep = false;
    if (!indentSeq &&
        indentStep.length >= 2 &&
        !ctx.inFlow &&
        !explicitKey &&
        identity.isSeq(value) &&
        !value.flow &&
        !value.tag &&
        !value.anchor) {
        // If indentSeq === false, consider '- ' as part of indentation where possible
        ctx.indent = ctx.indent.substring(2);
    }
    let valueCommentDone = false;
    const valueStr = stringify.stringify(value, ctx, () => (valueCommentDone = true), () => (chompKeep = true));
    let ws = ' ';
    if (keyComment || vsb || vcb) {
        ws = vsb ? '\n' : '';
        if (vcb) {
            const cs = commentString(vcb);
            ws += `\n${stringifyComment.indentComment(cs, ctx.indent)}`;
        }
        if (valueStr === '' && !ctx.inFlow) {
            if (ws === '\n' && valueComment)
                ws = '\n\n';
        }
        else {
            ws += `\n${ctx.indent}`;
        }
    }
    else if (!explicitKey && identity.isCollection(value)) {
        const vs0 = valueStr[0];
        const nl0 = valueStr.indexOf('\n');
        const hasNewline = nl0 !== -1;
        const flow = ctx.inFlow ?? value.flow ?? value.items.length === 0;
        if (hasNewline || !flow) {
            let hasPropsLine = false;
            if (hasNewline && (vs0 === '&' || vs0 === '!')) {
                let sp0 = valueStr.indexOf(' ');
                if (vs0 === '&' &&
                    sp0 !== -1 &&
                    sp0 < nl0 &&
                    valueStr[sp0 + 1] === '!') {
                    sp0 = valueStr.indexOf(' ', sp0 + 1);
                }
                if (sp0 === -1 || nl0 < sp0)
                    hasPropsLine = true;
            }
            if (!hasPropsLine)
                ws = `\n${ctx.indent}`;
        }
    }
    else if (valueStr === '' || valueStr[0] === '\n') {
        ws = '';
    }
    str += ws + valueStr;
    if (ctx.inFlow) {
        if (valueCommentDone && onComment)
            onComment();
    }
    else if (valueComment && !valueCommentDone) {
        str += stringifyComment.lineComment(str, ctx.indent, commentString(valueComment));
    }
    else if (chompKeep && onChompKeep) {
        onChompKeep();
    }
    return str;
}

exports.stringifyPair = stringifyPair;


/***/ }),

/***/ 3069:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var foldFlowLines = __nccwpck_require__(4475);

const getFoldOptions = (ctx, isBlock) => ({
    indentAtStart: isBlock ? ctx.indent.length : ctx.indentAtStart,
    lineWidth: ctx.options.lineWidth,
    minContentWidth: ctx.options.minContentWidth
});
// Also checks for lines starting with %, as parsing the output as YAML 1.1 will
// presume that's starting a new document.
const containsDocumentMarker = (str) => /^(%|---|\.\.\.)/m.test(str);
function lineLengthOverLimit(str, lineWidth, indentLength) {
    if (!lineWidth || lineWidth < 0)
        return false;
    const limit = lineWidth - indentLength;
    const strLen = str.length;
    if (strLen <= limit)
        return false;
    for (let i = 0, start = 0; i < strLen; ++i) {
        if (str[i] === '\n') {
            if (i - start > limit)
                return true;
            start = i + 1;
            if (strLen - start <= limit)
                return false;
        }
    }
    return true;
}
function doubleQuotedString(value, ctx) {
    const json = JSON.stringify(value);
    if (ctx.options.doubleQuotedAsJSON)
        return json;
    const { implicitKey } = ctx;
    const minMultiLineLength = ctx.options.doubleQuotedMinMultiLineLength;
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    let str = '';
    let start = 0;
    for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
        if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
            // space before newline needs to be escaped to not be folded
            str += json.slice(start, i) + '\\ ';
            i += 1;
            start = i;
            ch = '\\';
        }
        if (ch === '\\')
            switch (json[i + 1]) {
                case 'u':
                    {
                        str += json.slice(start, i);
                        const code = json.substr(i + 2, 4);
                        switch (code) {
                            case '0000':
                                str += '\\0';
                                break;
                            case '0007':
                                str += '\\a';
                                break;
                            case '000b':
                                str += '\\v';
                                break;
                            case '001b':
                                str += '\\e';
                                break;
                            case '0085':
                                str += '\\N';
                                break;
                            case '00a0':
                                str += '\\_';
                                break;
                            case '2028':
                                str += '\\L';
                                break;
                            case '2029':
                                str += '\\P';
                                break;
                            default:
                                if (code.substr(0, 2) === '00')
                                    str += '\\x' + code.substr(2);
                                else
                                    str += json.substr(i, 6);
                        }
                        i += 5;
                        start = i + 1;
                    }
                    break;
                case 'n':
                    if (implicitKey ||
                        json[i + 2] === '"' ||
                        json.length < minMultiLineLength) {
                        i += 1;
                    }
                    else {
                        // folding will eat first newline
                        str += json.slice(start, i) + '\n\n';
                        while (json[i + 2] === '\\' &&
                            json[i + 3] === 'n' &&
                            json[i + 4] !== '"') {
                            str += '\n';
                            i += 2;
                        }
                        str += indent;
                        // space after newline needs to be escaped to not be folded
                        if (json[i + 2] === ' ')
                            str += '\\';
                        i += 1;
                        start = i + 1;
                    }
                    break;
                default:
                    i += 1;
            }
    }
    str = start ? str + json.slice(start) : json;
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_QUOTED, getFoldOptions(ctx, false));
}
function singleQuotedString(value, ctx) {
    if (ctx.options.singleQuote === false ||
        (ctx.implicitKey && value.includes('\n')) ||
        /[ \t]\n|\n[ \t]/.test(value) // single quoted string can't have leading or trailing whitespace around newline
    )
        return doubleQuotedString(value, ctx);
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    const res = "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`) + "'";
    return ctx.implicitKey
        ? res
        : foldFlowLines.foldFlowLines(res, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function quotedString(value, ctx) {
    const { singleQuote } = ctx.options;
    let qs;
    if (singleQuote === false)
        qs = doubleQuotedString;
    else {
        const hasDouble = value.includes('"');
        const hasSingle = value.includes("'");
        if (hasDouble && !hasSingle)
            qs = singleQuotedString;
        else if (hasSingle && !hasDouble)
            qs = doubleQuotedString;
        else
            qs = singleQuote ? singleQuotedString : doubleQuotedString;
    }
    return qs(value, ctx);
}
// The negative lookbehind avoids a polynomial search,
// but isn't supported yet on Safari: https://caniuse.com/js-regexp-lookbehind
let blockEndNewlines;
try {
    blockEndNewlines = new RegExp('(^|(?<!\n))\n+(?!\n|$)', 'g');
}
catch {
    blockEndNewlines = /\n+(?!\n|$)/g;
}
function blockString({ comment, type, value }, ctx, onComment, onChompKeep) {
    const { blockQuote, commentString, lineWidth } = ctx.options;
    // 1. Block can't end in whitespace unless the last line is non-empty.
    // 2. Strings consisting of only whitespace are best rendered explicitly.
    if (!blockQuote || /\n[\t ]+$/.test(value)) {
        return quotedString(value, ctx);
    }
    const indent = ctx.indent ||
        (ctx.forceBlockIndent || containsDocumentMarker(value) ? '  ' : '');
    const literal = blockQuote === 'literal'
        ? true
        : blockQuote === 'folded' || type === Scalar.Scalar.BLOCK_FOLDED
            ? false
            : type === Scalar.Scalar.BLOCK_LITERAL
                ? true
                : !lineLengthOverLimit(value, lineWidth, indent.length);
    if (!value)
        return literal ? '|\n' : '>\n';
    // determine chomping from whitespace at value end
    let chomp;
    let endStart;
    for (endStart = value.length; endStart > 0; --endStart) {
        const ch = value[endStart - 1];
        if (ch !== '\n' && ch !== '\t' && ch !== ' ')
            break;
    }
    let end = value.substring(endStart);
    const endNlPos = end.indexOf('\n');
    if (endNlPos === -1) {
        chomp = '-'; // strip
    }
    else if (value === end || endNlPos !== end.length - 1) {
        chomp = '+'; // keep
        if (onChompKeep)
            onChompKeep();
    }
    else {
        chomp = ''; // clip
    }
    if (end) {
        value = value.slice(0, -end.length);
        if (end[end.length - 1] === '\n')
            end = end.slice(0, -1);
        end = end.replace(blockEndNewlines, `$&${indent}`);
    }
    // determine indent indicator from whitespace at value start
    let startWithSpace = false;
    let startEnd;
    let startNlPos = -1;
    for (startEnd = 0; startEnd < value.length; ++startEnd) {
        const ch = value[startEnd];
        if (ch === ' ')
            startWithSpace = true;
        else if (ch === '\n')
            startNlPos = startEnd;
        else
            break;
    }
    let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
    if (start) {
        value = value.substring(start.length);
        start = start.replace(/\n+/g, `$&${indent}`);
    }
    const indentSize = indent ? '2' : '1'; // root is at -1
    // Leading | or > is added later
    let header = (startWithSpace ? indentSize : '') + chomp;
    if (comment) {
        header += ' ' + commentString(comment.replace(/ ?[\r\n]+/g, ' '));
        if (onComment)
            onComment();
    }
    if (!literal) {
        const foldedValue = value
            .replace(/\n+/g, '\n$&')
            .replace(/(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?/g, '$1$2') // more-indented lines aren't folded
            //                ^ more-ind. ^ empty     ^ capture next empty lines only at end of indent
            .replace(/\n+/g, `$&${indent}`);
        let literalFallback = false;
        const foldOptions = getFoldOptions(ctx, true);
        if (blockQuote !== 'folded' && type !== Scalar.Scalar.BLOCK_FOLDED) {
            foldOptions.onOverflow = () => {
                literalFallback = true;
            };
        }
        const body = foldFlowLines.foldFlowLines(`${start}${foldedValue}${end}`, indent, foldFlowLines.FOLD_BLOCK, foldOptions);
        if (!literalFallback)
            return `>${header}\n${indent}${body}`;
    }
    value = value.replace(/\n+/g, `$&${indent}`);
    return `|${header}\n${indent}${start}${value}${end}`;
}
function plainString(item, ctx, onComment, onChompKeep) {
    const { type, value } = item;
    const { actualString, implicitKey, indent, indentStep, inFlow } = ctx;
    if ((implicitKey && value.includes('\n')) ||
        (inFlow && /[[\]{},]/.test(value))) {
        return quotedString(value, ctx);
    }
    if (/^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/.test(value)) {
        // not allowed:
        // - '-' or '?'
        // - start with an indicator character (except [?:-]) or /[?-] /
        // - '\n ', ': ' or ' \n' anywhere
        // - '#' not preceded by a non-space char
        // - end with ' ' or ':'
        return implicitKey || inFlow || !value.includes('\n')
            ? quotedString(value, ctx)
            : blockString(item, ctx, onComment, onChompKeep);
    }
    if (!implicitKey &&
        !inFlow &&
        type !== Scalar.Scalar.PLAIN &&
        value.includes('\n')) {
        // Where allowed & type not set explicitly, prefer block style for multiline strings
        return blockString(item, ctx, onComment, onChompKeep);
    }
    if (containsDocumentMarker(value)) {
        if (indent === '') {
            ctx.forceBlockIndent = true;
            return blockString(item, ctx, onComment, onChompKeep);
        }
        else if (implicitKey && indent === indentStep) {
            return quotedString(value, ctx);
        }
    }
    const str = value.replace(/\n+/g, `$&\n${indent}`);
    // Verify that output will be parsed as a string, as e.g. plain numbers and
    // booleans get parsed with those types in v1.2 (e.g. '42', 'true' & '0.9e-3'),
    // and others in v1.1.
    if (actualString) {
        const test = (tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test?.test(str);
        const { compat, tags } = ctx.doc.schema;
        if (tags.some(test) || compat?.some(test))
            return quotedString(value, ctx);
    }
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function stringifyString(item, ctx, onComment, onChompKeep) {
    const { implicitKey, inFlow } = ctx;
    const ss = typeof item.value === 'string'
        ? item
        : Object.assign({}, item, { value: String(item.value) });
    let { type } = item;
    if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
        // force double quotes on control characters & unpaired surrogates
        if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(ss.value))
            type = Scalar.Scalar.QUOTE_DOUBLE;
    }
    const _stringify = (_type) => {
        switch (_type) {
            case Scalar.Scalar.BLOCK_FOLDED:
            case Scalar.Scalar.BLOCK_LITERAL:
                return implicitKey || inFlow
                    ? quotedString(ss.value, ctx) // blocks are not valid inside flow containers
                    : blockString(ss, ctx, onComment, onChompKeep);
            case Scalar.Scalar.QUOTE_DOUBLE:
                return doubleQuotedString(ss.value, ctx);
            case Scalar.Scalar.QUOTE_SINGLE:
                return singleQuotedString(ss.value, ctx);
            case Scalar.Scalar.PLAIN:
                return plainString(ss, ctx, onComment, onChompKeep);
            default:
                return null;
        }
    };
    let res = _stringify(type);
    if (res === null) {
        const { defaultKeyType, defaultStringType } = ctx.options;
        const t = (implicitKey && defaultKeyType) || defaultStringType;
        res = _stringify(t);
        if (res === null)
            throw new Error(`Unsupported default string type ${t}`);
    }
    return res;
}

exports.stringifyString = stringifyString;


/***/ }),

/***/ 204:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove node');
/**
 * Apply a visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
function visit(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = visit_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        visit_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current node */
visit.SKIP = SKIP;
/** Remove the current node */
visit.REMOVE = REMOVE;
function visit_(key, node, visitor, path) {
    const ctrl = callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visit_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = visit_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = visit_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = visit_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
/**
 * Apply an async visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `Promise`: Must resolve to one of the following values
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
async function visitAsync(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = await visitAsync_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        await visitAsync_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visitAsync.BREAK = BREAK;
/** Do not visit the children of the current node */
visitAsync.SKIP = SKIP;
/** Remove the current node */
visitAsync.REMOVE = REMOVE;
async function visitAsync_(key, node, visitor, path) {
    const ctrl = await callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visitAsync_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = await visitAsync_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = await visitAsync_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = await visitAsync_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
function initVisitor(visitor) {
    if (typeof visitor === 'object' &&
        (visitor.Collection || visitor.Node || visitor.Value)) {
        return Object.assign({
            Alias: visitor.Node,
            Map: visitor.Node,
            Scalar: visitor.Node,
            Seq: visitor.Node
        }, visitor.Value && {
            Map: visitor.Value,
            Scalar: visitor.Value,
            Seq: visitor.Value
        }, visitor.Collection && {
            Map: visitor.Collection,
            Seq: visitor.Collection
        }, visitor);
    }
    return visitor;
}
function callVisitor(key, node, visitor, path) {
    if (typeof visitor === 'function')
        return visitor(key, node, path);
    if (identity.isMap(node))
        return visitor.Map?.(key, node, path);
    if (identity.isSeq(node))
        return visitor.Seq?.(key, node, path);
    if (identity.isPair(node))
        return visitor.Pair?.(key, node, path);
    if (identity.isScalar(node))
        return visitor.Scalar?.(key, node, path);
    if (identity.isAlias(node))
        return visitor.Alias?.(key, node, path);
    return undefined;
}
function replaceNode(key, path, node) {
    const parent = path[path.length - 1];
    if (identity.isCollection(parent)) {
        parent.items[key] = node;
    }
    else if (identity.isPair(parent)) {
        if (key === 'key')
            parent.key = node;
        else
            parent.value = node;
    }
    else if (identity.isDocument(parent)) {
        parent.contents = node;
    }
    else {
        const pt = identity.isAlias(parent) ? 'alias' : 'scalar';
        throw new Error(`Cannot replace node with ${pt} parent`);
    }
}

exports.visit = visit;
exports.visitAsync = visitAsync;


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
class errors_ServiceError extends Error {
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
    if (err instanceof errors_InputError || err instanceof errors_ServiceError)
        text = err.message;
    else if (err instanceof Error)
        text = `Unexpected error: ${err.message}`;
    else
        text = `Unexpected error: ${String(err)}`;
    return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

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
        reject(e.code === 'ENOENT' ? new errors_ServiceError(command, 'not found on PATH', `Install ${command} or let the action install it`) : e);
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
    const dir = external_node_path_.join(root, tool, version.replace(/^v/, ''), (0,external_node_os_.arch)());
    return (0,external_node_fs_.existsSync)(dir) && (0,external_node_fs_.existsSync)(`${dir}.complete`) ? dir : '';
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
function secrets_maskSecret(reporter, value) {
    for (const form of derivedForms(value))
        reporter.setSecret(form);
}
/**
 * `Basic <base64(username:password)>` (RFC 7617), with the password, `username:password` and the
 * header value masked before it is returned. The username alone is not a secret.
 */
function secrets_basicAuthorization(reporter, username, password) {
    const pair = `${username}:${password}`;
    const header = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    secrets_maskSecret(reporter, password);
    secrets_maskSecret(reporter, pair);
    reporter.setSecret(header);
    return header;
}
/** `Bearer <token>` (RFC 6750), with the token and its forms masked before it is returned. */
function secrets_bearerAuthorization(reporter, token) {
    secrets_maskSecret(reporter, token);
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
function secrets_maskHeaderValue(reporter, value) {
    secrets_maskSecret(reporter, value);
    const m = /^\s*([A-Za-z][\w-]*)\s+(\S+)\s*$/.exec(value);
    if (!m)
        return;
    secrets_maskSecret(reporter, m[2]);
    if (m[1].toLowerCase() !== 'basic')
        return;
    const decoded = Buffer.from(m[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // only a real `user:password` decoding: anything else is not the user's credential
    if (colon < 0 || Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') !== m[2].replace(/=+$/, ''))
        return;
    secrets_maskSecret(reporter, decoded);
    secrets_maskSecret(reporter, decoded.slice(colon + 1));
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
function secrets_scrubServiceText(text, secrets = []) {
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
    throw new errors_InputError(name, `'${value}' is not a boolean`, 'Use true or false');
}
function parseEnum(name, value, allowed) {
    const found = allowed.find((a) => a === value.toLowerCase() || a === value);
    if (found === undefined)
        throw new errors_InputError(name, `'${value}' is not one of ${allowed.join(', ')}`, `Use one of: ${allowed.join(', ')}`);
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
        throw new errors_InputError(name, `'${value}' is not a whole number`, 'Give a whole number such as 3');
    const n = Number(value);
    checkRange(name, n, opts);
    return n;
}
function parseNumber(name, value, opts = {}) {
    const n = Number(value);
    if (value === '' || !Number.isFinite(n))
        throw new errors_InputError(name, `'${value}' is not a number`, 'Give a number such as 0.5');
    checkRange(name, n, opts);
    return n;
}
function checkRange(name, n, { min, max }) {
    if (min !== undefined && n < min)
        throw new errors_InputError(name, `${n} is below the minimum ${min}`, `Give a value of at least ${min}`);
    if (max !== undefined && n > max)
        throw new errors_InputError(name, `${n} is above the maximum ${max}`, `Give a value of at most ${max}`);
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
        throw new errors_InputError(name, `'${value}' is not a duration`, 'Write it like 30s, 5m, 1h30m or 250ms');
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
        throw new errors_InputError(name, `'${value}' is not an AWS region`, fix);
    return value;
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __nccwpck_require__(7075);
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
        throw new errors_InputError(inputName, problem, fix);
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

;// CONCATENATED MODULE: ./src/ecs-deploy/json-position.ts
/**
 * Where JSON text first goes wrong, as line and column (1-based). Node's JSON.parse message
 * names no position for many errors ("Unexpected token '}', ... is not valid JSON"), and a
 * user fixing a task definition file needs one. A small RFC 8259 scanner; undefined = valid.
 */
function jsonErrorAt(text) {
    let i = 0;
    const fail = () => {
        throw i;
    };
    const ws = () => {
        while (i < text.length && ' \t\r\n'.includes(text[i]))
            i++;
    };
    const literal = (word) => {
        for (const ch of word) {
            if (text[i] !== ch)
                fail();
            i++;
        }
    };
    const string = () => {
        i++; // opening quote
        while (i < text.length && text[i] !== '"') {
            if (text[i] === '\\')
                i++;
            else if (text.charCodeAt(i) < 0x20)
                fail();
            i++;
        }
        if (text[i] !== '"')
            fail();
        i++;
    };
    const number = () => {
        const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
        if (!m)
            fail();
        i += m[0].length;
    };
    const value = () => {
        ws();
        const c = text[i];
        if (c === '{') {
            i++;
            ws();
            if (text[i] === '}')
                return void i++;
            for (;;) {
                ws();
                if (text[i] !== '"')
                    fail();
                string();
                ws();
                if (text[i] !== ':')
                    fail();
                i++;
                value();
                ws();
                if (text[i] === ',')
                    i++;
                else if (text[i] === '}')
                    return void i++;
                else
                    fail();
            }
        }
        else if (c === '[') {
            i++;
            ws();
            if (text[i] === ']')
                return void i++;
            for (;;) {
                value();
                ws();
                if (text[i] === ',')
                    i++;
                else if (text[i] === ']')
                    return void i++;
                else
                    fail();
            }
        }
        else if (c === '"')
            string();
        else if (c === 't')
            literal('true');
        else if (c === 'f')
            literal('false');
        else if (c === 'n')
            literal('null');
        else
            number();
    };
    try {
        value();
        ws();
        if (i < text.length)
            fail();
        return undefined;
    }
    catch (at) {
        const offset = Math.min(Number(at), text.length);
        const before = text.slice(0, offset).split('\n');
        return { line: before.length, column: before[before.length - 1].length + 1, offset };
    }
}

;// CONCATENATED MODULE: ./src/ecs-deploy/task-definition.ts
/**
 * The task definition to register: read from a file (a hand-written RegisterTaskDefinition
 * input or a copy of `aws ecs describe-task-definition` output) or taken from the service,
 * cleaned of describe-only keys, with the new images and environment written in.
 * API: ECS RegisterTaskDefinition / DescribeTaskDefinition (JSON 1.1, camelCase members).
 */



/**
 * Keys DescribeTaskDefinition returns that RegisterTaskDefinition refuses ("Unexpected key",
 * amazon-ecs-deploy-task-definition #22 and #701). They are dropped and the log names them.
 */
const DESCRIBE_ONLY_KEYS = [
    'taskDefinitionArn',
    'revision',
    'status',
    'requiresAttributes',
    'compatibilities',
    'registeredAt',
    'registeredBy',
    'deregisteredAt',
    'deleteRequestedAt',
];
/** The file's JSON, or an InputError naming the input with the line and column of a syntax error. */
function readTaskDefinitionFile(input, file) {
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(file, 'utf8');
    }
    catch (e) {
        const code = e.code ?? String(e);
        throw new errors_InputError(input, `cannot read '${file}' (${code})`, 'Give the path of a task definition JSON file in the workspace');
    }
    return parseTaskDefinitionText(input, file, text);
}
function parseTaskDefinitionText(input, file, text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (e) {
        const where = jsonErrorPosition(text);
        throw new errors_InputError(input, where ? `'${file}' is not valid JSON${where}` : `'${file}' is not valid JSON: ${e.message.replace(/\s+/g, ' ').slice(0, 160)}`, 'Fix the JSON (for example with `jq . file`) and try again');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new errors_InputError(input, `'${file}' holds JSON but not an object`, 'Give a task definition object, as RegisterTaskDefinition takes or describe-task-definition prints');
    }
    // describe-task-definition prints {"taskDefinition": {...}, "tags": [...]}: accept that too.
    const obj = value;
    const inner = obj.taskDefinition;
    const td = (inner && typeof inner === 'object' && !Array.isArray(inner) ? inner : obj);
    if (!Array.isArray(td.containerDefinitions) || td.containerDefinitions.length === 0) {
        throw new errors_InputError(input, `'${file}' has no containerDefinitions`, 'A task definition needs at least one container definition');
    }
    if (typeof td.family !== 'string' || td.family === '') {
        throw new errors_InputError(input, `'${file}' has no family`, 'Set "family" to the task definition family to register a revision of');
    }
    return td;
}
/** " at line L column C" of the first JSON error, or "" when none is found. */
function jsonErrorPosition(text) {
    if (text.trim() === '')
        return ' (the file is empty)';
    const at = jsonErrorAt(text);
    return at ? ` at line ${at.line} column ${at.column}` : '';
}
/**
 * RegisterTaskDefinition input from a task definition: describe-only keys and null values
 * dropped (returned in `dropped`, for the log). Tags from describe output are not carried.
 */
function toRegisterInput(td) {
    const dropped = [];
    const input = {};
    for (const [key, value] of Object.entries(td)) {
        if (DESCRIBE_ONLY_KEYS.includes(key))
            dropped.push(key);
        else if (value === null)
            dropped.push(`${key} (null)`);
        else
            input[key] = value;
    }
    return { input, dropped };
}
/** Container names, in order. */
function containerNames(td) {
    return (td.containerDefinitions ?? []).map((c) => c.name ?? '');
}
/**
 * Writes each `images` entry into its container and each `environment` entry into its
 * container's environment (replacing a variable of the same name). Returns a new object.
 * `missing` lists named containers the task definition lacks (the caller makes the error).
 */
function applyImagesAndEnvironment(td, images, environment) {
    const copy = JSON.parse(JSON.stringify(td));
    const byName = new Map((copy.containerDefinitions ?? []).map((c) => [c.name ?? '', c]));
    const missing = new Set();
    for (const { container, image } of images) {
        const c = byName.get(container);
        if (c)
            c.image = image;
        else
            missing.add(container);
    }
    for (const { container, name, value } of environment) {
        const c = byName.get(container);
        if (!c) {
            missing.add(container);
            continue;
        }
        const env = (c.environment ?? []).filter((e) => e.name !== name);
        env.push({ name, value });
        c.environment = env;
    }
    return { taskDefinition: copy, missing: [...missing] };
}
/** The InputError for containers named in `input` that the task definition lacks. */
function missingContainersError(input, missing, td, where) {
    return new errors_InputError(input, `names container${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} that ${where} does not have (it has: ${containerNames(td).join(', ')})`, 'Use the container names of the task definition');
}
/** `sha256:...` of an image reference pinned by digest, else undefined. */
function imageDigest(image) {
    const m = /@(sha256:[a-f0-9]{64})$/.exec(image ?? '');
    return m?.[1];
}

;// CONCATENATED MODULE: ./src/ecs-deploy/inputs.ts
/**
 * Inputs of ecs-deploy: which service, which task definition and images, which deployment
 * strategy, how long to wait. Everything the inputs alone decide is refused here, before any
 * AWS call (the test double records calls, and the bad-input tests assert there were none).
 */





const INPUTS = {
    action: { default: 'deploy' },
    cluster: { default: 'default' },
    service: { required: true },
    'aws-region': {},
    'task-definition': {},
    images: {},
    'require-digest': { default: 'true' },
    environment: {},
    strategy: {},
    'bake-time': {},
    'canary-percent': {},
    'canary-bake-time': {},
    'linear-step-percent': {},
    'linear-step-bake-time': {},
    alarms: {},
    'pause-at': { default: 'none' },
    'codedeploy-application': {},
    'codedeploy-deployment-group': {},
    'codedeploy-appspec': {},
    'wait-at-ready': { default: 'false' },
    'pre-deploy-command': {},
    'pre-deploy-container': {},
    wait: { default: '30m' },
    'poll-interval': { default: '15s' },
    'on-timeout': { default: 'fail' },
    decision: {},
    'service-deployment-arn': {},
    'hook-id': {},
    'codedeploy-deployment-id': {},
};
const OUTPUTS = (/* unused pure expression or super */ null && ([
    'status',
    'task-definition-arn',
    'previous-task-definition-arn',
    'service-deployment-arn',
    'hook-id',
    'codedeploy-deployment-id',
    'rollback-reason',
    'triggered-alarms',
    'running-count',
]));
const ACTIONS = ['deploy', 'continue', 'rollback'];
const STRATEGIES = ['rolling', 'blue-green', 'canary', 'linear', 'codedeploy'];
/** pause-at values; each is the ECS lifecycle stage of the same name (PAUSE hook there). */
const PAUSE_STAGES = ['none', 'post-scale-up', 'post-test-traffic-shift', 'pre-production-traffic-shift', 'post-production-traffic-shift'];
function parseInputs(raw) {
    const get = (n) => rawValue(INPUTS, raw, n);
    const action = parseEnum('action', get('action'), ACTIONS);
    const cluster = get('cluster');
    const service = get('service');
    const awsRegion = parseAwsRegion('aws-region', get('aws-region'), "Give a region such as eu-west-1, or leave it empty to use the job's AWS_REGION");
    // The SDK would only say "Region is missing" at the first call; say which input fixes it now.
    if (!awsRegion && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
        throw new errors_InputError('aws-region', 'is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set', 'Set aws-region, or the aws-region of aws-actions/configure-aws-credentials');
    }
    const strategy = get('strategy') === '' ? undefined : parseEnum('strategy', get('strategy'), STRATEGIES);
    const requireDigest = parseBoolean('require-digest', get('require-digest'));
    const images = parseImages(get('images'), requireDigest);
    const environment = parseEnvironment(get('environment'));
    const native = parseNative(get, strategy);
    const codedeploy = parseCodeDeploy(get, strategy, action);
    const waitMs = parseDuration('wait', get('wait'));
    if (waitMs <= 0)
        throw new errors_InputError('wait', 'must be longer than 0', 'Give a duration such as 30m or 1h30m');
    // The default never conflicts with an explicit wait: it shrinks to the wait; only an explicit value is checked.
    const pollExplicit = (raw['poll-interval'] ?? '').trim() !== '';
    const pollIntervalMs = pollExplicit
        ? parseDuration('poll-interval', get('poll-interval'))
        : Math.min(parseDuration('poll-interval', get('poll-interval')), waitMs);
    if (pollExplicit && pollIntervalMs < 100)
        throw new errors_InputError('poll-interval', `'${get('poll-interval')}' is shorter than 100ms`, 'Give a duration such as 15s');
    if (pollIntervalMs > waitMs)
        throw new errors_InputError('poll-interval', `'${get('poll-interval')}' is longer than wait '${get('wait')}'`, 'Poll at least once within the wait');
    const onTimeout = parseEnum('on-timeout', get('on-timeout'), ['fail', 'rollback']);
    let taskDefinition;
    const file = get('task-definition');
    if (file) {
        taskDefinition = readTaskDefinitionFile('task-definition', external_node_path_.resolve(process.env.GITHUB_WORKSPACE ?? '.', file));
        const { missing } = applyImagesAndEnvironment(taskDefinition, images, []);
        if (missing.length)
            throw missingContainersError('images', missing, taskDefinition, `'${file}'`);
        const envMissing = applyImagesAndEnvironment(taskDefinition, [], environment).missing;
        if (envMissing.length)
            throw missingContainersError('environment', envMissing, taskDefinition, `'${file}'`);
    }
    const preDeploy = parsePreDeploy(get('pre-deploy-command'), get('pre-deploy-container'), images, taskDefinition, file);
    const decisionRaw = get('decision');
    const decision = decisionRaw === '' ? undefined : parseEnum('decision', decisionRaw, ['continue', 'rollback']);
    const serviceDeploymentArn = get('service-deployment-arn') || undefined;
    const hookId = get('hook-id') || undefined;
    const codedeployDeploymentId = get('codedeploy-deployment-id') || undefined;
    if (serviceDeploymentArn && !/^arn:aws[\w-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/.+/.test(serviceDeploymentArn)) {
        throw new errors_InputError('service-deployment-arn', `'${serviceDeploymentArn}' is not a service deployment ARN`, 'Pass the service-deployment-arn output of the deploy step');
    }
    if (action === 'continue') {
        if (!decision)
            throw new errors_InputError('decision', 'is required with action: continue', 'Set decision: continue or decision: rollback (for example from a health-gate verdict)');
        if (strategy === 'codedeploy' || (codedeployDeploymentId && strategy === undefined)) {
            if (!codedeployDeploymentId) {
                throw new errors_InputError('codedeploy-deployment-id', 'is required with action: continue and strategy: codedeploy', 'Pass the codedeploy-deployment-id output of the paused deploy step');
            }
        }
        else {
            for (const [name, value] of [
                ['service-deployment-arn', serviceDeploymentArn],
                ['hook-id', hookId],
            ]) {
                if (!value)
                    throw new errors_InputError(name, 'is required with action: continue', `Pass the ${name} output of the deploy step that ended with status paused`);
            }
        }
    }
    else if (decision) {
        throw new errors_InputError('decision', `only applies to action: continue (action is ${action})`, 'Remove decision, or set action: continue');
    }
    if (action === 'rollback' && strategy === 'codedeploy' && !codedeployDeploymentId) {
        throw new errors_InputError('codedeploy-deployment-id', 'is required to roll back a CodeDeploy deployment', 'Pass the codedeploy-deployment-id of the deployment in flight; to return to an older revision, deploy its task definition');
    }
    if (action === 'deploy' && images.length === 0 && !taskDefinition && environment.length === 0) {
        throw new errors_InputError('images', 'is empty and no task-definition file was given, so there is nothing new to deploy', 'Set images: <container>=<registry>/<repo>@sha256:<digest>, or a task-definition file');
    }
    return {
        action,
        cluster,
        service,
        awsRegion,
        taskDefinition,
        taskDefinitionFile: file || undefined,
        images,
        environment,
        strategy,
        native,
        codedeploy,
        preDeploy,
        waitMs,
        pollIntervalMs,
        onTimeout,
        decision,
        serviceDeploymentArn,
        hookId,
        codedeployDeploymentId,
    };
}
function parseImages(value, requireDigest) {
    const seen = new Set();
    return parseList(value).map((item) => {
        const eq = item.indexOf('=');
        if (eq <= 0)
            throw new errors_InputError('images', `'${item}' is not container=image`, 'Write each as <container>=<registry>/<repo>@sha256:<digest>, one per line or comma separated');
        const container = item.slice(0, eq).trim();
        const image = item.slice(eq + 1).trim();
        const ref = parseReference(image, 'images');
        if (requireDigest && !ref.digest) {
            throw new errors_InputError('images', `'${image}' for container '${container}' names a tag, not a digest, and require-digest is true`, `Deploy exactly what was tested: ${ref.registry}/${ref.repository}@sha256:<digest> (the build or promote step's digest output), or set require-digest: false`);
        }
        if (seen.has(container))
            throw new errors_InputError('images', `container '${container}' is listed twice`, 'Give each container one image');
        seen.add(container);
        return { container, image };
    });
}
function parseEnvironment(value) {
    return parseLines(value).map((line) => {
        const m = /^([^:=\s]+)\s*:\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (!m)
            throw new errors_InputError('environment', `'${line}' is not 'container: KEY=VALUE'`, 'Write one line per variable, e.g. app: LOG_LEVEL=info');
        return { container: m[1], name: m[2], value: m[3] };
    });
}
/** Whole minutes 0-1440: a bare number is minutes; a Go duration must be whole minutes. */
function parseBakeMinutes(name, value) {
    if (value === '')
        return undefined;
    const minutes = /^\d+$/.test(value) ? Number(value) : parseDuration(name, value) / 60_000;
    if (!Number.isInteger(minutes))
        throw new errors_InputError(name, `'${value}' is not a whole number of minutes`, 'ECS bakes in whole minutes: give e.g. 5 or 5m');
    if (minutes < 0 || minutes > 1440)
        throw new errors_InputError(name, `'${value}' is outside 0-1440 minutes`, 'Give a bake time from 0 to 1440 minutes (24h)');
    return minutes;
}
/** A percentage in [min, 100] in steps of 0.1, as ECS accepts it. */
function parsePercent(name, value, min) {
    if (value === '')
        return undefined;
    const n = parseNumber(name, value.replace(/%$/, ''));
    if (n < min || n > 100)
        throw new errors_InputError(name, `${value} is outside ${min}-100`, `Give a percentage from ${min} to 100`);
    if (Math.abs(n * 10 - Math.round(n * 10)) > 1e-9)
        throw new errors_InputError(name, `${value} is not a multiple of 0.1`, 'ECS takes percentages in steps of 0.1');
    return n;
}
function parseNative(get, strategy) {
    const native = {
        bakeTimeMinutes: parseBakeMinutes('bake-time', get('bake-time')),
        canaryPercent: parsePercent('canary-percent', get('canary-percent'), 0.1),
        canaryBakeTimeMinutes: parseBakeMinutes('canary-bake-time', get('canary-bake-time')),
        linearStepPercent: parsePercent('linear-step-percent', get('linear-step-percent'), 3),
        linearStepBakeTimeMinutes: parseBakeMinutes('linear-step-bake-time', get('linear-step-bake-time')),
        alarms: parseList(get('alarms')),
        pauseAt: parseEnum('pause-at', get('pause-at'), PAUSE_STAGES),
    };
    // A setting for another strategy is a mistake the user would not see otherwise.
    const only = (name, given, wanted) => {
        if (given !== undefined && strategy !== undefined && strategy !== wanted) {
            throw new errors_InputError(name, `applies to strategy: ${wanted}, but strategy is ${strategy}`, `Remove ${name}, or set strategy: ${wanted}`);
        }
    };
    only('canary-percent', native.canaryPercent, 'canary');
    only('canary-bake-time', native.canaryBakeTimeMinutes, 'canary');
    only('linear-step-percent', native.linearStepPercent, 'linear');
    only('linear-step-bake-time', native.linearStepBakeTimeMinutes, 'linear');
    // ECS bakes only blue/green, canary and linear deployments: with rolling it would be dropped.
    if (strategy === 'rolling' && native.bakeTimeMinutes !== undefined) {
        throw new errors_InputError('bake-time', 'applies to strategy: blue-green, canary or linear, but strategy is rolling', 'Remove bake-time, or set strategy: blue-green, canary or linear');
    }
    if (native.pauseAt !== 'none' && (strategy === 'rolling' || strategy === 'codedeploy')) {
        throw new errors_InputError('pause-at', `'${native.pauseAt}' needs an ECS blue-green, canary or linear deployment (lifecycle hooks), but strategy is ${strategy}`, strategy === 'codedeploy'
            ? 'Use wait-at-ready: true to stop a CodeDeploy deployment when test traffic reaches the new task set'
            : 'Set strategy: blue-green, canary or linear, or pause-at: none');
    }
    if (strategy === 'codedeploy' && (native.bakeTimeMinutes !== undefined || native.alarms.length)) {
        throw new errors_InputError(native.alarms.length ? 'alarms' : 'bake-time', 'is set in the CodeDeploy deployment group, not by this action, when strategy is codedeploy', 'Configure alarms and termination wait in the deployment group, or choose an ECS native strategy');
    }
    return native;
}
function parseCodeDeploy(get, strategy, action) {
    const application = get('codedeploy-application');
    const deploymentGroup = get('codedeploy-deployment-group');
    const appspecFile = get('codedeploy-appspec') || undefined;
    const waitAtReady = parseBoolean('wait-at-ready', get('wait-at-ready'));
    if (strategy !== 'codedeploy') {
        for (const [name, v] of [
            ['codedeploy-application', application],
            ['codedeploy-deployment-group', deploymentGroup],
            ['codedeploy-appspec', appspecFile],
        ]) {
            if (v && strategy !== undefined)
                throw new errors_InputError(name, `applies to strategy: codedeploy, but strategy is ${strategy}`, `Remove ${name}, or set strategy: codedeploy`);
        }
        if (waitAtReady && strategy !== undefined)
            throw new errors_InputError('wait-at-ready', `applies to strategy: codedeploy, but strategy is ${strategy}`, 'For ECS native deployments use pause-at');
        if (!application && !deploymentGroup)
            return undefined;
    }
    // continue and rollback name the deployment by id: the application and group are not needed.
    if (action !== 'deploy' && !application && !deploymentGroup)
        return undefined;
    for (const [name, v] of [
        ['codedeploy-application', application],
        ['codedeploy-deployment-group', deploymentGroup],
    ]) {
        if (!v)
            throw new errors_InputError(name, 'is required for a CodeDeploy deployment', `Set ${name} to the CodeDeploy ${name === 'codedeploy-application' ? 'application' : 'deployment group'} of the service`);
    }
    return { application, deploymentGroup, appspecFile, waitAtReady };
}
function parsePreDeploy(commandText, containerText, images, td, file) {
    if (commandText === '') {
        if (containerText)
            throw new errors_InputError('pre-deploy-container', 'is set but pre-deploy-command is empty', 'Set pre-deploy-command, or remove pre-deploy-container');
        return undefined;
    }
    let command;
    try {
        command = JSON.parse(commandText);
    }
    catch {
        command = undefined;
    }
    if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string')) {
        throw new errors_InputError('pre-deploy-command', `'${commandText}' is not a JSON array of strings`, 'Write it as the task definition\'s command, e.g. ["bin/rails", "db:migrate"]');
    }
    const container = containerText || images[0]?.container;
    if (!container)
        throw new errors_InputError('pre-deploy-container', 'is empty and images names no container', 'Name the container whose command runs the migration');
    if (td && !(td.containerDefinitions ?? []).some((c) => c.name === container)) {
        throw missingContainersError('pre-deploy-container', [container], td, `'${file}'`);
    }
    return { command: command, container };
}

;// CONCATENATED MODULE: ./src/ecs-deploy/aws.ts

/** The real ECS client (dynamic import; region from the input or the environment). */
async function loadEcsApi(region) {
    const sdk = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(212)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 212, 19));
    const client = new sdk.ECSClient(region ? { region } : {});
    return {
        describeServices: (i) => client.send(new sdk.DescribeServicesCommand(i)),
        describeTaskDefinition: (i) => client.send(new sdk.DescribeTaskDefinitionCommand(i)),
        registerTaskDefinition: (i) => client.send(new sdk.RegisterTaskDefinitionCommand(i)),
        updateService: (i) => client.send(new sdk.UpdateServiceCommand(i)),
        describeServiceDeployments: (i) => client.send(new sdk.DescribeServiceDeploymentsCommand(i)),
        listServiceDeployments: (i) => client.send(new sdk.ListServiceDeploymentsCommand(i)),
        describeServiceRevisions: (i) => client.send(new sdk.DescribeServiceRevisionsCommand(i)),
        continueServiceDeployment: (i) => client.send(new sdk.ContinueServiceDeploymentCommand(i)),
        stopServiceDeployment: (i) => client.send(new sdk.StopServiceDeploymentCommand(i)),
        runTask: (i) => client.send(new sdk.RunTaskCommand(i)),
        describeTasks: (i) => client.send(new sdk.DescribeTasksCommand(i)),
        listTasks: (i) => client.send(new sdk.ListTasksCommand(i)),
    };
}
/** The real CodeDeploy client, loaded only for strategy: codedeploy. */
async function loadCodeDeployApi(region) {
    const sdk = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(507)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 7507, 19));
    const client = new sdk.CodeDeployClient(region ? { region } : {});
    return {
        getDeploymentGroup: (i) => client.send(new sdk.GetDeploymentGroupCommand(i)),
        createDeployment: (i) => client.send(new sdk.CreateDeploymentCommand(i)),
        getDeployment: (i) => client.send(new sdk.GetDeploymentCommand(i)),
        continueDeployment: (i) => client.send(new sdk.ContinueDeploymentCommand(i)),
        stopDeployment: (i) => client.send(new sdk.StopDeploymentCommand(i)),
        listDeploymentTargets: (i) => client.send(new sdk.ListDeploymentTargetsCommand(i)),
        getDeploymentTarget: (i) => client.send(new sdk.GetDeploymentTargetCommand(i)),
    };
}
/** The real CloudWatch Logs client, loaded only when a migration task has awslogs. */
async function loadLogsApi(region) {
    const sdk = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(303)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 2684, 19));
    const client = new sdk.CloudWatchLogsClient(region ? { region } : {});
    return { getLogEvents: (i) => client.send(new sdk.GetLogEventsCommand(i)) };
}
const systemClock = {
    now: () => Date.now(),
    sleep: (ms) => sleep(Math.max(0, ms)),
};
/** "ThrottlingException: Rate exceeded" style text for an AWS SDK error (name, message; no request data). */
function awsErrorText(err) {
    if (err instanceof Error)
        return `${err.name}: ${err.message}`;
    return String(err);
}

;// CONCATENATED MODULE: ./src/ecs-deploy/outcome.ts
/**
 * What a deployment came to, in the terms the step reports: the status output and everything
 * the summary shows (timeline, task counts, stopped tasks, alarms).
 */
function emptyOutcome(result, deploymentId) {
    return { result, deploymentId, triggeredAlarms: [], alarms: [], timeline: [], stoppedTasks: [], polls: 0, pollCalls: 0 };
}
/** Where a paused deployment stands, e.g. "PRE_PRODUCTION_TRAFFIC_SHIFT, production traffic 10%" (the last weight ECS reported). */
function pausedAt(o) {
    const weight = o.timeline.at(-1)?.productionWeight;
    return `${o.pausedStage ?? 'Ready'}${weight === undefined ? '' : `, production traffic ${weight}%`}`;
}

;// CONCATENATED MODULE: ./src/ecs-deploy/service-deployment.ts




const ROLLBACK = new Set(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL']);
const RETRYABLE = /Throttl|TooManyRequests|RequestLimitExceeded|ServerException|ServiceUnavailable|InternalError|TimeoutError|ECONNRESET|ECONNREFUSED|socket hang up/i;
/**
 * Polls the service deployment until it ends, pauses at a PAUSE hook, or the wait runs out.
 * Returns the outcome (never throws for a failed deployment: that is a result); throws
 * ServiceError when ECS cannot be asked (a non-retryable error, or 5 failed polls in a row).
 */
async function waitForPauseOrEnd(ctx, serviceDeploymentArn, opts) {
    const out = opts.outcome ?? emptyOutcome('timed-out', serviceDeploymentArn);
    out.result = 'timed-out';
    const deadline = ctx.clock.now() + opts.waitMs;
    let failures = 0;
    let rollbackSeenAt;
    for (;;) {
        out.polls++;
        out.pollCalls++;
        let sd;
        try {
            const r = await ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [serviceDeploymentArn] });
            sd = r.serviceDeployments?.[0];
            if (!sd) {
                const why = r.failures?.map((f) => `${f.arn ?? ''} ${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ') || 'no service deployment in the answer';
                throw new errors_ServiceError('Amazon ECS', `DescribeServiceDeployments does not know ${serviceDeploymentArn}: ${secrets_scrubServiceText(why)}`, 'Check the ARN and the region');
            }
            failures = 0;
        }
        catch (err) {
            if (err instanceof errors_ServiceError || !RETRYABLE.test(awsErrorText(err)) || ++failures >= 5) {
                if (err instanceof errors_ServiceError)
                    throw err;
                throw new errors_ServiceError('Amazon ECS', `DescribeServiceDeployments failed: ${secrets_scrubServiceText(awsErrorText(err))}`, 'Check the credentials, the region and the service deployment ARN');
            }
            ctx.reporter.warning(`DescribeServiceDeployments failed (${secrets_scrubServiceText(awsErrorText(err))}); polling again`);
        }
        if (sd) {
            observe(ctx, out, sd);
            const hook = sd.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION' && (h.targetType ?? 'PAUSE') === 'PAUSE' && !(opts.answeredHookIds ?? []).includes(h.hookId ?? ''));
            const status = sd.status ?? '';
            if (hook && (opts.stopAtPause ?? true) && status === 'IN_PROGRESS') {
                out.result = 'paused';
                out.hookId = hook.hookId;
                out.pausedStage = sd.lifecycleStage;
                out.noticedAt = ctx.clock.now();
                return out;
            }
            if (status === 'SUCCESSFUL')
                return finish(ctx, out, sd, 'succeeded', opts);
            if (status === 'ROLLBACK_FAILED')
                return finish(ctx, out, sd, 'failed', opts);
            if (status === 'STOPPED')
                return finish(ctx, out, sd, 'failed', opts);
            if (ROLLBACK.has(status)) {
                rollbackSeenAt ??= ctx.clock.now();
                if (status === 'ROLLBACK_SUCCESSFUL')
                    return finish(ctx, out, sd, 'rolled-back', opts);
            }
        }
        const now = ctx.clock.now();
        if (now >= deadline) {
            if (rollbackSeenAt !== undefined && sd) {
                ctx.reporter.warning('The wait ran out while ECS was still rolling back; reporting rolled-back');
                return finish(ctx, out, sd, 'rolled-back', opts);
            }
            out.noticedAt = now;
            if (sd)
                await addServiceCounts(ctx, out);
            return out;
        }
        await ctx.clock.sleep(Math.min(opts.pollIntervalMs, deadline - now));
    }
}
/** Adds a timeline entry when status, stage or traffic weight changed, and logs it. */
function observe(ctx, out, sd) {
    const last = out.timeline[out.timeline.length - 1];
    const entry = {
        at: ctx.clock.now(),
        status: sd.status ?? 'UNKNOWN',
        stage: sd.lifecycleStage,
        productionWeight: sd.targetServiceRevision?.requestedProductionTrafficWeight,
        testWeight: sd.targetServiceRevision?.requestedTestTrafficWeight,
    };
    out.rawStatus = sd.status;
    out.statusReason = sd.statusReason;
    if (!last || last.status !== entry.status || last.stage !== entry.stage || last.productionWeight !== entry.productionWeight) {
        out.timeline.push(entry);
        const weight = entry.productionWeight !== undefined ? `, production traffic ${entry.productionWeight}%` : '';
        const rev = sd.targetServiceRevision;
        const counts = rev ? `, new revision ${rev.runningTaskCount ?? 0}/${rev.requestedTaskCount ?? 0} running` : '';
        ctx.reporter.info(`${new Date(entry.at).toISOString()} ${entry.status}${entry.stage ? ` ${entry.stage}` : ''}${weight}${counts}`);
    }
    out.alarms = sd.alarms?.alarmNames ?? out.alarms;
    out.triggeredAlarms = sd.alarms?.triggeredAlarmNames ?? out.triggeredAlarms;
    if (sd.deploymentCircuitBreaker)
        out.circuitBreaker = { ...sd.deploymentCircuitBreaker };
}
/** Classifies an ended deployment and gathers what the summary needs. */
async function finish(ctx, out, sd, result, opts) {
    out.noticedAt = ctx.clock.now();
    out.result = result;
    const service = await addServiceCounts(ctx, out);
    if (result === 'succeeded' && !service) {
        // Success is the deployment SUCCESSFUL and the service seen running it: unconfirmed is not success.
        out.result = 'failed';
        out.statusReason = 'ECS reports SUCCESSFUL, but DescribeServices could not confirm which task definition the service runs';
    }
    else if (result === 'succeeded' && service) {
        const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
        if (service.currentServiceDeployment && service.currentServiceDeployment !== out.deploymentId) {
            out.result = 'superseded';
            out.supersededBy = service.currentServiceDeployment;
        }
        else if (opts.taskDefinitionArn && primary?.taskDefinition !== opts.taskDefinitionArn) {
            out.result = 'failed';
            out.statusReason = `ECS reports SUCCESSFUL, but the primary deployment runs ${primary?.taskDefinition ?? 'nothing'}, not ${opts.taskDefinitionArn}`;
        }
        else if (!primary) {
            out.result = 'failed';
            out.statusReason = 'ECS reports SUCCESSFUL, but the service has no PRIMARY deployment';
        }
        else if ((primary.runningCount ?? 0) < (primary.desiredCount ?? 0)) {
            out.result = 'failed';
            out.statusReason = `ECS reports SUCCESSFUL, but only ${primary?.runningCount ?? 0} of ${primary?.desiredCount ?? 0} tasks of the new task definition run`;
        }
    }
    if (sd.status === 'STOPPED' && service?.currentServiceDeployment && service.currentServiceDeployment !== out.deploymentId) {
        out.result = 'superseded';
        out.supersededBy = service.currentServiceDeployment;
    }
    if (out.result === 'rolled-back' || out.result === 'failed') {
        out.stoppedTasks = await stoppedTasks(ctx, opts.taskDefinitionArn);
        // ECS said SUCCESSFUL but the service did not show it: that check is the reason, not ECS's text.
        out.rollbackReason = result === 'succeeded' ? secrets_scrubServiceText(out.statusReason ?? '') : rollbackReason(sd, out.stoppedTasks);
    }
    return out;
}
/** Counts from DescribeServices (one call); returns the service or undefined when ECS cannot say. */
async function addServiceCounts(ctx, out) {
    out.pollCalls++;
    try {
        const r = await ctx.ecs.describeServices({ cluster: ctx.cluster, services: [ctx.service] });
        const service = r.services?.[0];
        if (!service)
            return undefined;
        out.runningCount = service.runningCount;
        out.desiredCount = service.desiredCount;
        out.pendingCount = service.pendingCount;
        return service;
    }
    catch (err) {
        ctx.reporter.warning(`DescribeServices failed: ${secrets_scrubServiceText(awsErrorText(err))}`);
        return undefined;
    }
}
/** The new revision's stopped tasks (ListTasks desiredStatus STOPPED + DescribeTasks), newest first, at most 10. */
async function stoppedTasks(ctx, taskDefinitionArn) {
    try {
        const list = await ctx.ecs.listTasks({ cluster: ctx.cluster, serviceName: ctx.service, desiredStatus: 'STOPPED', maxResults: 100 });
        const arns = list.taskArns ?? [];
        if (arns.length === 0)
            return [];
        const described = await ctx.ecs.describeTasks({ cluster: ctx.cluster, tasks: arns.slice(0, 100) });
        return (described.tasks ?? [])
            .filter((t) => !taskDefinitionArn || t.taskDefinitionArn === taskDefinitionArn)
            .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
            .slice(0, 10)
            .map(toStoppedTask);
    }
    catch (err) {
        ctx.reporter.warning(`Could not list stopped tasks: ${secrets_scrubServiceText(awsErrorText(err))}`);
        return [];
    }
}
function toStoppedTask(t) {
    return {
        taskArn: t.taskArn ?? '',
        taskDefinitionArn: t.taskDefinitionArn,
        stoppedReason: t.stoppedReason,
        stopCode: t.stopCode,
        stoppedAt: t.stoppedAt?.getTime(),
        exitCodes: (t.containers ?? []).map((c) => ({ container: c.name ?? '', exitCode: c.exitCode, reason: c.reason })),
    };
}
/** One sentence: ECS's rollback reason, the circuit breaker, the alarms, and the tasks' stoppedReason. */
function rollbackReason(sd, tasks) {
    const parts = [];
    const reason = sd.rollback?.reason ?? sd.statusReason;
    if (reason)
        parts.push(reason);
    const cb = sd.deploymentCircuitBreaker;
    if (cb?.status === 'TRIGGERED')
        parts.push(`circuit breaker triggered (${cb.failureCount ?? '?'} failed tasks, threshold ${cb.threshold ?? '?'})`);
    if (sd.alarms?.status === 'TRIGGERED' || sd.alarms?.triggeredAlarmNames?.length) {
        parts.push(`alarms in ALARM: ${(sd.alarms?.triggeredAlarmNames ?? []).join(', ') || 'unnamed'}`);
    }
    const reasons = [...new Set(tasks.map((t) => t.stoppedReason).filter((r) => Boolean(r)))];
    if (reasons.length)
        parts.push(`stopped tasks: ${reasons.slice(0, 3).join('; ')}`);
    return secrets_scrubServiceText(parts.join('; '));
}

;// CONCATENATED MODULE: ./src/ecs-deploy/deployer.ts



async function call(operation, fn, hint = 'Check the credentials (ecs:* permissions for the role), the region, the cluster and the service') {
    try {
        return await fn();
    }
    catch (err) {
        throw new errors_ServiceError('Amazon ECS', `${operation} failed: ${secrets_scrubServiceText(awsErrorText(err))}`, hint);
    }
}
/** The service (DescribeServices); ServiceError when it is missing or not ACTIVE. */
async function describeService(ctx) {
    const r = await call('DescribeServices', () => ctx.ecs.describeServices({ cluster: ctx.cluster, services: [ctx.service] }));
    const service = r.services?.[0];
    if (!service || service.status !== 'ACTIVE') {
        const why = r.failures?.map((f) => f.reason).join(', ') || service?.status || 'not found';
        throw new errors_ServiceError('Amazon ECS', `service '${ctx.service}' in cluster '${ctx.cluster}' is ${why}`, 'Check the cluster and service names and the region');
    }
    return service;
}
/** A registered task definition, as DescribeTaskDefinition returns it. */
async function describeTaskDefinition(ctx, taskDefinition) {
    const r = await call('DescribeTaskDefinition', () => ctx.ecs.describeTaskDefinition({ taskDefinition }));
    if (!r.taskDefinition)
        throw new errors_ServiceError('Amazon ECS', `DescribeTaskDefinition returned no task definition for ${taskDefinition}`);
    return r.taskDefinition;
}
/** Registers a new revision; returns its ARN and each container's image. */
async function registerTaskDefinition(ctx, input) {
    const r = await call('RegisterTaskDefinition', () => ctx.ecs.registerTaskDefinition(input), 'Check the task definition (and ecs:RegisterTaskDefinition, iam:PassRole for its roles)');
    const arn = r.taskDefinition?.taskDefinitionArn;
    if (!arn)
        throw new errors_ServiceError('Amazon ECS', 'RegisterTaskDefinition returned no taskDefinitionArn');
    return { arn, containers: (r.taskDefinition?.containerDefinitions ?? []).map((c) => ({ name: c.name ?? '', image: c.image ?? '' })) };
}
/**
 * Starts a service deployment of `taskDefinitionArn` (UpdateService, forceNewDeployment off:
 * the new task definition is the change). Returns the service deployment ARN ECS created.
 */
async function startDeployment(ctx, request) {
    const r = await call('UpdateService', () => ctx.ecs.updateService({
        cluster: ctx.cluster,
        service: ctx.service,
        taskDefinition: request.taskDefinitionArn,
        ...(request.deploymentConfiguration ? { deploymentConfiguration: request.deploymentConfiguration } : {}),
    }));
    const service = r.service;
    let arn = service?.currentServiceDeployment;
    if (!arn) {
        // Older answers lack currentServiceDeployment: take the newest deployment of this task definition.
        const list = await call('ListServiceDeployments', () => ctx.ecs.listServiceDeployments({ cluster: ctx.cluster, service: ctx.service, status: ['PENDING', 'IN_PROGRESS'] }));
        arn = list.serviceDeployments?.[0]?.serviceDeploymentArn;
    }
    if (!arn || !service)
        throw new errors_ServiceError('Amazon ECS', 'UpdateService started no service deployment that can be followed', 'Check that the service uses the ECS deployment controller');
    return { serviceDeploymentArn: arn, service };
}
/** Answers a PAUSE lifecycle hook: CONTINUE or ROLLBACK (ContinueServiceDeployment). */
async function continueDeployment(ctx, target, decision) {
    await call('ContinueServiceDeployment', () => ctx.ecs.continueServiceDeployment({
        serviceDeploymentArn: target.serviceDeploymentArn,
        hookId: target.hookId,
        action: decision === 'continue' ? 'CONTINUE' : 'ROLLBACK',
    }), 'Check that the deployment is still paused at that hook (service-deployment-arn and hook-id from the paused step)');
}
/**
 * One service deployment as ECS describes it now (DescribeServiceDeployments: status,
 * statusReason, lifecycleStage...); ServiceError when ECS does not know the ARN.
 */
async function describeServiceDeployment(ctx, serviceDeploymentArn) {
    const r = await call('DescribeServiceDeployments', () => ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [serviceDeploymentArn] }));
    const sd = r.serviceDeployments?.[0];
    if (!sd)
        throw new errors_ServiceError('Amazon ECS', `DescribeServiceDeployments does not know ${serviceDeploymentArn}`, 'Check the ARN and the region');
    return sd;
}
/** Stops a service deployment in flight and lets ECS roll it back (StopServiceDeployment stopType ROLLBACK). */
async function stopWithRollback(ctx, serviceDeploymentArn) {
    await call('StopServiceDeployment', () => ctx.ecs.stopServiceDeployment({ serviceDeploymentArn, stopType: 'ROLLBACK' }));
}
/**
 * What `action: rollback` should do: a deployment in flight is rolled back by ECS; otherwise
 * the service returns to the task definition the latest successful deployment replaced
 * (its source service revision, DescribeServiceRevisions).
 */
async function rollbackTarget(ctx) {
    const list = await call('ListServiceDeployments', () => ctx.ecs.listServiceDeployments({ cluster: ctx.cluster, service: ctx.service }));
    const deployments = [...(list.serviceDeployments ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
    const inFlight = deployments.find((d) => d.status === 'PENDING' || d.status === 'IN_PROGRESS');
    if (inFlight?.serviceDeploymentArn)
        return { inFlight: inFlight.serviceDeploymentArn };
    const last = deployments.find((d) => d.status === 'SUCCESSFUL');
    if (!last?.serviceDeploymentArn)
        throw new ServiceError('Amazon ECS', `service '${ctx.service}' has no successful deployment to roll back`, 'Deploy a known task definition instead');
    const detail = await call('DescribeServiceDeployments', () => ctx.ecs.describeServiceDeployments({ serviceDeploymentArns: [last.serviceDeploymentArn ?? ''] }));
    const source = detail.serviceDeployments?.[0]?.sourceServiceRevisions?.[0]?.arn;
    if (!source)
        throw new ServiceError('Amazon ECS', `the latest successful deployment of '${ctx.service}' names no previous service revision`, 'Deploy the previous task definition explicitly');
    const revs = await call('DescribeServiceRevisions', () => ctx.ecs.describeServiceRevisions({ serviceRevisionArns: [source] }));
    const td = revs.serviceRevisions?.[0]?.taskDefinition;
    if (!td)
        throw new ServiceError('Amazon ECS', `service revision ${source} names no task definition`);
    return { taskDefinitionArn: td, from: last.serviceDeploymentArn };
}

;// CONCATENATED MODULE: ./src/ecs-deploy/deployment-config.ts
const ECS_STRATEGY = {
    rolling: 'ROLLING',
    'blue-green': 'BLUE_GREEN',
    canary: 'CANARY',
    linear: 'LINEAR',
};
/** pause-at -> the lifecycle stage of the PAUSE hook. */
function pauseStage(pauseAt) {
    return pauseAt === 'none' ? undefined : pauseAt.toUpperCase().replace(/-/g, '_');
}
/** The strategy a service is configured for, in our terms. */
function serviceStrategy(controller, config) {
    if (controller === 'CODE_DEPLOY')
        return 'codedeploy';
    if (controller === 'EXTERNAL')
        return 'external';
    const s = config?.strategy ?? 'ROLLING';
    return Object.entries(ECS_STRATEGY).find(([, v]) => v === s)?.[0] ?? 'rolling';
}
/**
 * The configuration to send with UpdateService: the service's own, with the chosen strategy
 * and the given settings written over it. PAUSE hooks an earlier paused run left are removed
 * unless asked for again (the configuration outlives the deployment).
 */
function buildDeploymentConfiguration(current, strategy, native) {
    const changes = [];
    const config = JSON.parse(JSON.stringify(current ?? {}));
    const wanted = ECS_STRATEGY[strategy];
    if ((config.strategy ?? 'ROLLING') !== wanted)
        changes.push(`strategy ${config.strategy ?? 'ROLLING'} -> ${wanted}`);
    config.strategy = wanted;
    const set = (key, value, label) => {
        if (JSON.stringify(config[key]) !== JSON.stringify(value))
            changes.push(`${label} ${JSON.stringify(config[key] ?? null)} -> ${JSON.stringify(value)}`);
        config[key] = value;
    };
    if (native.bakeTimeMinutes !== undefined)
        set('bakeTimeInMinutes', native.bakeTimeMinutes, 'bakeTimeInMinutes');
    if (strategy === 'canary' && (native.canaryPercent !== undefined || native.canaryBakeTimeMinutes !== undefined)) {
        set('canaryConfiguration', {
            canaryPercent: native.canaryPercent ?? config.canaryConfiguration?.canaryPercent,
            canaryBakeTimeInMinutes: native.canaryBakeTimeMinutes ?? config.canaryConfiguration?.canaryBakeTimeInMinutes,
        }, 'canaryConfiguration');
    }
    if (strategy === 'linear' && (native.linearStepPercent !== undefined || native.linearStepBakeTimeMinutes !== undefined)) {
        set('linearConfiguration', {
            stepPercent: native.linearStepPercent ?? config.linearConfiguration?.stepPercent,
            stepBakeTimeInMinutes: native.linearStepBakeTimeMinutes ?? config.linearConfiguration?.stepBakeTimeInMinutes,
        }, 'linearConfiguration');
    }
    if (native.alarms.length)
        set('alarms', { alarmNames: native.alarms, enable: true, rollback: true }, 'alarms');
    const hooks = (config.lifecycleHooks ?? []).filter((h) => h.targetType !== 'PAUSE');
    const removed = (config.lifecycleHooks ?? []).filter((h) => h.targetType === 'PAUSE');
    const stage = pauseStage(native.pauseAt);
    if (stage)
        hooks.push({ targetType: 'PAUSE', lifecycleStages: [stage] });
    const before = removed.flatMap((h) => h.lifecycleStages ?? []).join(',');
    if (before !== (stage ?? ''))
        changes.push(`PAUSE lifecycle hook ${before || 'none'} -> ${stage ?? 'none'}`);
    if (hooks.length || config.lifecycleHooks)
        config.lifecycleHooks = hooks;
    return { configuration: config, changes };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __nccwpck_require__(8815);
;// CONCATENATED MODULE: ./src/ecs-deploy/codedeploy.ts
/**
 * ECS blue/green through AWS CodeDeploy (CodeDeploy API reference): CreateDeployment with an
 * AppSpec (content, not S3), followed by GetDeployment on the deployment id. With
 * wait-at-ready the group must hold the replacement task set at Ready (deploymentReadyOption
 * actionOnTimeout STOP_DEPLOYMENT); then ContinueDeployment (READY_WAIT) or StopDeployment
 * with autoRollbackEnabled decides (aws-actions/amazon-ecs-deploy-task-definition #96).
 * Statuses: Created, Queued, InProgress, Baking, Ready, Succeeded, Failed, Stopped.
 */







async function codedeploy_call(operation, fn, hint = 'Check the credentials (codedeploy:* for the role), the application and the deployment group') {
    try {
        return await fn();
    }
    catch (err) {
        throw new errors_ServiceError('AWS CodeDeploy', `${operation} failed: ${secrets_scrubServiceText(awsErrorText(err))}`, hint);
    }
}
async function deploymentGroupFacts(ctx, application, deploymentGroup) {
    const r = await codedeploy_call('GetDeploymentGroup', () => ctx.codedeploy.getDeploymentGroup({ applicationName: application, deploymentGroupName: deploymentGroup }));
    const g = r.deploymentGroupInfo;
    if (!g)
        throw new errors_ServiceError('AWS CodeDeploy', `deployment group '${deploymentGroup}' of '${application}' not found`);
    return {
        holdsAtReady: g.blueGreenDeploymentConfiguration?.deploymentReadyOption?.actionOnTimeout === 'STOP_DEPLOYMENT',
        autoRollback: Boolean(g.autoRollbackConfiguration?.enabled),
        alarms: g.alarmConfiguration?.enabled ? (g.alarmConfiguration.alarms ?? []).map((a) => a.name ?? '') : [],
    };
}
/**
 * The AppSpec for an ECS deployment: the user's file with TaskDefinition replaced by the new
 * ARN (as amazon-ecs-deploy-task-definition does), or one generated from the load balancer's
 * container name and port. Returned as JSON text (valid YAML).
 */
function buildAppSpec(taskDefinitionArn, file, lb) {
    if (file) {
        let spec;
        try {
            spec = (0,dist/* parse */.qg)((0,external_node_fs_.readFileSync)(file, 'utf8'));
        }
        catch (e) {
            throw new errors_InputError('codedeploy-appspec', `cannot read '${file}' as YAML or JSON: ${e.message}`, 'Give an AppSpec file for an ECS deployment');
        }
        const target = spec?.Resources?.[0] && Object.values(spec.Resources[0])[0];
        if (!target?.Properties)
            throw new errors_InputError('codedeploy-appspec', `'${file}' has no Resources[0].TargetService.Properties`, 'Give an AppSpec for an ECS service (version 0.0)');
        target.Properties.TaskDefinition = taskDefinitionArn;
        return JSON.stringify(spec);
    }
    if (!lb?.containerName || !lb.containerPort) {
        throw new errors_ServiceError('Amazon ECS', 'the service has no load balancer with a container name and port to generate an AppSpec from', 'Give codedeploy-appspec');
    }
    return JSON.stringify({
        version: 0.0,
        Resources: [
            {
                TargetService: {
                    Type: 'AWS::ECS::Service',
                    Properties: { TaskDefinition: taskDefinitionArn, LoadBalancerInfo: { ContainerName: lb.containerName, ContainerPort: lb.containerPort } },
                },
            },
        ],
    });
}
/** CreateDeployment with the AppSpec as content; returns the deployment id (d-XXXXXXXXX). */
async function startCodeDeployDeployment(ctx, request) {
    const sha256 = (0,external_node_crypto_.createHash)('sha256').update(request.appspec).digest('hex');
    const r = await codedeploy_call('CreateDeployment', () => ctx.codedeploy.createDeployment({
        applicationName: request.application,
        deploymentGroupName: request.deploymentGroup,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: request.appspec, sha256 } },
        description: request.description,
    }));
    if (!r.deploymentId)
        throw new errors_ServiceError('AWS CodeDeploy', 'CreateDeployment returned no deploymentId');
    return r.deploymentId;
}
/**
 * Polls GetDeployment until Succeeded / Failed / Stopped, Ready (with stopAtReady: result
 * paused), or the wait runs out (timed-out). A Failed or Stopped deployment that CodeDeploy
 * rolled back is rolled-back, with errorInformation and rollbackInfo as the reason.
 */
async function waitForCodeDeploy(ctx, deploymentId, opts) {
    const out = opts.outcome ?? emptyOutcome('timed-out', deploymentId);
    out.result = 'timed-out';
    const deadline = ctx.clock.now() + opts.waitMs;
    for (;;) {
        out.polls++;
        out.pollCalls++;
        const r = await codedeploy_call('GetDeployment', () => ctx.codedeploy.getDeployment({ deploymentId }));
        const d = r.deploymentInfo;
        const status = d?.status ?? 'Unknown';
        const last = out.timeline[out.timeline.length - 1];
        if (!last || last.status !== status) {
            out.timeline.push({ at: ctx.clock.now(), status });
            const o = d?.deploymentOverview;
            ctx.reporter.info(`${new Date(ctx.clock.now()).toISOString()} CodeDeploy ${deploymentId} ${status}${o ? ` (targets: ${o.Succeeded ?? 0} succeeded, ${o.InProgress ?? 0} in progress, ${o.Failed ?? 0} failed, ${o.Ready ?? 0} ready)` : ''}`);
        }
        out.rawStatus = status;
        if (status === 'Succeeded')
            return done(ctx, out, 'succeeded');
        if (status === 'Ready' && opts.stopAtReady)
            return done(ctx, out, 'paused');
        if (status === 'Failed' || status === 'Stopped') {
            const rolledBack = Boolean(d?.rollbackInfo?.rollbackDeploymentId);
            out.rollbackReason = secrets_scrubServiceText([d?.errorInformation?.code, d?.errorInformation?.message, d?.rollbackInfo?.rollbackMessage].filter(Boolean).join(': ') || `deployment ${status}`);
            out.statusReason = d?.errorInformation?.message;
            if (d?.errorInformation?.code === 'ALARM_ACTIVE')
                out.triggeredAlarms = (d.overrideAlarmConfiguration?.alarms ?? []).map((a) => a.name ?? '');
            return done(ctx, out, rolledBack ? 'rolled-back' : 'failed');
        }
        const now = ctx.clock.now();
        if (now >= deadline)
            return done(ctx, out, 'timed-out');
        await ctx.clock.sleep(Math.min(opts.pollIntervalMs, deadline - now));
    }
}
async function done(ctx, out, result) {
    out.result = result;
    out.noticedAt = ctx.clock.now();
    await addLifecycleEvents(ctx, out);
    return out;
}
/**
 * The ECS target's lifecycle events (BeforeInstall ... AfterAllowTraffic) with their times,
 * read once at the end (ListDeploymentTargets + GetDeploymentTarget), not on every poll, and
 * merged into the timeline. Missing events only cost the summary detail, never the result.
 */
async function addLifecycleEvents(ctx, out) {
    const cd = ctx.codedeploy;
    if (!cd.listDeploymentTargets || !cd.getDeploymentTarget)
        return;
    try {
        const targets = await cd.listDeploymentTargets({ deploymentId: out.deploymentId });
        const targetId = targets.targetIds?.[0];
        if (!targetId)
            return;
        const t = await cd.getDeploymentTarget({ deploymentId: out.deploymentId, targetId });
        const events = t.deploymentTarget?.ecsTarget?.lifecycleEvents ?? [];
        const seen = out.timeline.filter((e) => e.stage === undefined);
        const stages = events.filter((e) => e.startTime).map((e) => ({ at: e.startTime?.getTime() ?? 0, status: e.status ?? '', stage: e.lifecycleEventName }));
        out.timeline = [...seen, ...stages].sort((a, b) => a.at - b.at);
    }
    catch (err) {
        ctx.reporter.debug(`CodeDeploy lifecycle events not read: ${secrets_scrubServiceText(awsErrorText(err))}`);
    }
}
/** The decision at Ready: ContinueDeployment (READY_WAIT) or StopDeployment with autoRollbackEnabled. */
async function continueCodeDeploy(ctx, deploymentId, decision) {
    if (decision === 'continue') {
        await codedeploy_call('ContinueDeployment', () => ctx.codedeploy.continueDeployment({ deploymentId, deploymentWaitType: 'READY_WAIT' }), 'Check that the deployment is waiting at Ready');
    }
    else {
        await codedeploy_call('StopDeployment', () => ctx.codedeploy.stopDeployment({ deploymentId, autoRollbackEnabled: true }));
    }
}

;// CONCATENATED MODULE: ./src/ecs-deploy/task-set-check.ts
/**
 * The reason a Succeeded CodeDeploy deployment is not what the service runs, or undefined when
 * the PRIMARY task set confirms it. `taskDefinitionArn` is the new task definition when known
 * (deploy); otherwise (continue) the PRIMARY task set must carry `deploymentId` as externalId.
 */
function primaryTaskSetProblem(service, expected) {
    const sets = service.taskSets ?? [];
    const primary = sets.find((t) => t.status === 'PRIMARY');
    const seen = sets.map((t) => `${t.status ?? '?'} ${t.taskDefinition ?? '?'}`).join(', ') || 'no task sets';
    if (!primary)
        return `CodeDeploy reports Succeeded, but ECS shows no PRIMARY task set for the service (${seen})`;
    const td = primary.taskDefinition ?? 'nothing';
    if (expected.taskDefinitionArn && td !== expected.taskDefinitionArn)
        return `CodeDeploy reports Succeeded, but the service's PRIMARY task set ${primary.id ?? ''} runs ${td}, not ${expected.taskDefinitionArn}`;
    if (!expected.taskDefinitionArn && primary.externalId !== expected.deploymentId)
        return `CodeDeploy reports Succeeded, but the service's PRIMARY task set ${primary.id ?? ''} (${td}) was created by ${primary.externalId ?? 'no CodeDeploy deployment'}, not ${expected.deploymentId}`;
    const running = primary.runningCount ?? 0;
    const desired = primary.computedDesiredCount ?? 0;
    if (running < desired)
        return `CodeDeploy reports Succeeded, but the PRIMARY task set ${primary.id ?? ''} runs ${running} of ${desired} tasks of ${td}`;
    if (primary.stabilityStatus && primary.stabilityStatus !== 'STEADY_STATE')
        return `CodeDeploy reports Succeeded, but the PRIMARY task set ${primary.id ?? ''} (${td}) is ${primary.stabilityStatus}, not STEADY_STATE`;
    return undefined;
}

;// CONCATENATED MODULE: ./src/ecs-deploy/library.ts
/**
 * ecs-deploy's library surface, for other actions (actions/rollout drives ECS canary, linear
 * and blue/green step by step: start with a PAUSE hook, wait for the pause, analyse, answer
 * CONTINUE or ROLLBACK; CodeDeploy: wait at Ready, continue or stop with rollback).
 * Import from here only: everything else in src/ecs-deploy is internal. Signatures here only
 * grow (additive changes).
 *
 * Clients are injected (`loadEcsApi` / `loadCodeDeployApi` give the real ones, loaded by
 * dynamic import; endpoints come from AWS_ENDPOINT_URL_*), time through a `Clock`, and
 * everything said goes through a toolkit `Reporter`.
 *
 * A typical native canary:
 *   const ctx = { ecs: await loadEcsApi(region), clock: systemClock, reporter, cluster, service };
 *   const svc = await describeService(ctx);
 *   const { configuration } = buildDeploymentConfiguration(svc.deploymentConfiguration, 'canary',
 *     { canaryPercent: 10, alarms: [], pauseAt: 'post-production-traffic-shift' });
 *   const { serviceDeploymentArn } = await startDeployment(ctx, { taskDefinitionArn, deploymentConfiguration: configuration });
 *   let o = await waitForPauseOrEnd(ctx, serviceDeploymentArn, { waitMs, pollIntervalMs, taskDefinitionArn });
 *   if (o.result === 'paused') { await continueDeployment(ctx, { serviceDeploymentArn, hookId: o.hookId! }, 'continue');
 *     o = await waitForPauseOrEnd(ctx, serviceDeploymentArn, { waitMs, pollIntervalMs, taskDefinitionArn, outcome: o }); }
 */










/**
 * Rolls back a service deployment in flight (StopServiceDeployment stopType ROLLBACK) and waits
 * for ECS to finish it. Result `rolled-back` when ECS reports ROLLBACK_SUCCESSFUL (or still
 * rolling back when the wait ends), `failed` on ROLLBACK_FAILED.
 */
async function rollback(ctx, serviceDeploymentArn, opts) {
    await stopWithRollback(ctx, serviceDeploymentArn);
    return waitForPauseOrEnd(ctx, serviceDeploymentArn, { ...opts, stopAtPause: false });
}

;// CONCATENATED MODULE: ./src/toolkit/temp-files.ts
/**
 * Files a step writes for itself: under the runner's temp directory ($RUNNER_TEMP, emptied
 * after every job), never the workspace; credentials in files only their owner can read.
 */



/** $RUNNER_TEMP (the OS temp directory outside a runner), created when missing. */
function runnerTemp(env = process.env) {
    const dir = env.RUNNER_TEMP || (0,external_node_os_.tmpdir)();
    (0,external_node_fs_.mkdirSync)(dir, { recursive: true });
    return dir;
}
/** A new directory of this step's own under runnerTemp, e.g. `shipline-kube-AbC123`. */
function makeTempDir(prefix, env = process.env) {
    return (0,external_node_fs_.mkdtempSync)(external_node_path_.join(runnerTemp(env), prefix));
}
/** Writes a file readable by its owner only (0600), whatever the umask. */
function writePrivateFile(file, content) {
    (0,external_node_fs_.writeFileSync)(file, content, { mode: 0o600 });
    (0,external_node_fs_.chmodSync)(file, 0o600); // mode applies only to a new file, and after the umask
}

;// CONCATENATED MODULE: ./src/helm-deploy/eks.ts


/**
 * DescribeCluster through `makeClient(region)` (default a new EKSClient). The SDK is imported
 * here, on the EKS path only, so helm-deploy's start-up never loads it (ncc makes it a chunk).
 */
function eksDescriber(makeClient) {
    return async (clusterName, region) => {
        const sdk = await Promise.all(/* import() */[__nccwpck_require__.e(861), __nccwpck_require__.e(524)]).then(__nccwpck_require__.t.bind(__nccwpck_require__, 4524, 19));
        const client = makeClient ? makeClient(region) : new sdk.EKSClient({ region });
        let cluster;
        try {
            ({ cluster } = await client.send(new sdk.DescribeClusterCommand({ name: clusterName })));
        }
        catch (e) {
            const name = e.name ?? 'Error';
            throw new errors_ServiceError('AWS EKS', `DescribeCluster ${clusterName} in ${region} failed: ${name}: ${e.message}`, 'Check the cluster name, the region and that the job has AWS credentials allowed eks:DescribeCluster');
        }
        const endpoint = cluster?.endpoint;
        const certificateAuthority = cluster?.certificateAuthority?.data;
        if (!endpoint || !certificateAuthority) {
            throw new errors_ServiceError('AWS EKS', `cluster ${clusterName} has no endpoint or CA yet (status ${cluster?.status ?? 'unknown'})`, 'Wait until the cluster is ACTIVE');
        }
        return { endpoint, certificateAuthority };
    };
}
function eksKubeconfig(clusterName, region, cluster, namespace) {
    const name = `eks-${region}-${clusterName}`;
    return (0,dist/* stringify */.As)({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name, cluster: { server: cluster.endpoint, 'certificate-authority-data': cluster.certificateAuthority } }],
        users: [
            {
                name,
                user: {
                    exec: {
                        apiVersion: 'client.authentication.k8s.io/v1beta1',
                        command: 'aws',
                        args: ['--region', region, 'eks', 'get-token', '--cluster-name', clusterName, '--output', 'json'],
                        interactiveMode: 'Never',
                    },
                },
            },
        ],
        contexts: [{ name, context: { cluster: name, user: name, namespace } }],
        'current-context': name,
    });
}

;// CONCATENATED MODULE: ./src/helm-deploy/cluster-access.ts
/**
 * Cluster access for helm and kubectl: a kubeconfig written to a private temp file (0600,
 * removed at the end), one generated for EKS, or the job's own KUBECONFIG when neither is given.
 */




function privateKubeconfig(content, env) {
    const dir = makeTempDir('shipline-kube-', env);
    const file = external_node_path_.join(dir, 'config');
    writePrivateFile(file, content);
    return { file, dir };
}
/** `env` is the step's environment (main passes process.env): the base for helm/kubectl, and where RUNNER_TEMP is read. */
async function openCluster(access, namespace, env, describeEks, reporter) {
    const base = { ...env };
    if (access.kind === 'ambient') {
        return { env: base, describe: base.KUBECONFIG ? `KUBECONFIG from the job (${base.KUBECONFIG})` : 'the job’s default kubeconfig', close: () => undefined };
    }
    let content;
    let describe;
    if (access.kind === 'kubeconfig') {
        content = access.content;
        describe = 'kubeconfig input';
    }
    else {
        reporter.info(`Reading EKS cluster ${access.clusterName} in ${access.region}`);
        content = eksKubeconfig(access.clusterName, access.region, await describeEks(access.clusterName, access.region), namespace);
        describe = `EKS ${access.clusterName} (${access.region})`;
    }
    const { file, dir } = privateKubeconfig(content, env);
    return { env: { ...base, KUBECONFIG: file }, describe, close: () => (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true }) };
}

;// CONCATENATED MODULE: ./src/toolkit/untrusted-output.ts
/**
 * Output of programs that run code we do not control (a Dockerfile's RUN steps, their package
 * scripts) goes to the log between `::stop-commands::` markers: a line such as
 * `::set-output name=digest::…` or `::add-mask::` printed by a build step is then shown as text,
 * not run as a workflow command. See GitHub's "Stopping and starting workflow commands".
 */

async function withWorkflowCommandsStopped(reporter, work) {
    // A fresh random token: the untrusted output cannot guess it to switch commands back on.
    const token = (0,external_node_crypto_.randomBytes)(16).toString('hex');
    reporter.info(`::stop-commands::${token}`);
    try {
        return await work();
    }
    finally {
        reporter.info(`::${token}::`);
    }
}

;// CONCATENATED MODULE: ./src/helm-deploy/helm-json.ts
/**
 * Parsers for what `helm … -o json` prints. Helm is inconsistent: `history` writes the
 * revision as a number, `list` as a string; both become numbers here, and anything else
 * is refused rather than guessed (fail closed).
 */

function json(text, what) {
    try {
        return JSON.parse(text);
    }
    catch {
        throw new errors_ServiceError('helm', `${what} did not print JSON: ${text.trim().slice(0, 120)}`, 'Check the helm version; Shipline needs Helm 3.8 or newer');
    }
}
function revisionNumber(value, what) {
    const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        throw new errors_ServiceError('helm', `${what} printed revision ${JSON.stringify(value)}`, 'Expected a positive whole number');
    return n;
}
function str(o, key) {
    return typeof o[key] === 'string' ? o[key] : '';
}
function parseHistory(text) {
    const data = json(text, 'helm history');
    if (!Array.isArray(data))
        throw new errors_ServiceError('helm', 'helm history did not print a list');
    return data
        .map((e) => ({
        revision: revisionNumber(e.revision, 'helm history'),
        updated: str(e, 'updated'),
        status: str(e, 'status'),
        chart: str(e, 'chart'),
        appVersion: str(e, 'app_version'),
        description: str(e, 'description'),
        rollbackRevision: e.rollback_revision === undefined ? undefined : revisionNumber(e.rollback_revision, 'helm history'),
    }))
        .sort((a, b) => a.revision - b.revision);
}
function helm_json_parseList(text) {
    const data = json(text, 'helm list');
    if (!Array.isArray(data))
        throw new errors_ServiceError('helm', 'helm list did not print a list');
    return data.map((e) => ({
        name: str(e, 'name'),
        namespace: str(e, 'namespace'),
        revision: revisionNumber(e.revision, 'helm list'),
        status: str(e, 'status'),
        chart: str(e, 'chart'),
    }));
}
function parseStatus(text) {
    const data = json(text, 'helm status');
    if (!data || typeof data !== 'object' || typeof data.info?.status !== 'string')
        throw new errors_ServiceError('helm', 'helm status printed no info.status');
    return {
        name: String(data.name ?? ''),
        namespace: String(data.namespace ?? ''),
        status: data.info.status,
        notes: typeof data.info.notes === 'string' ? data.info.notes : undefined,
    };
}
/** The first http(s) URL in the chart's NOTES, which is how a chart "exposes" its address. */
function releaseUrl(status) {
    const m = /https?:\/\/[^\s"'<>`]+/.exec(status.notes ?? '');
    return m ? m[0].replace(/[.,;)]+$/, '') : undefined;
}
/** Reads a dotted key (`image.digest`) out of `helm get values -o json`. */
function valueAt(values, key) {
    let cur = values;
    for (const part of key.split('.')) {
        if (!cur || typeof cur !== 'object')
            return undefined;
        cur = cur[part];
    }
    return cur;
}

;// CONCATENATED MODULE: ./src/helm-deploy/secret-values.ts
/**
 * Secret `set` values reach helm through files (`--set-file key=<path>`), never on its command
 * line, which any process on a shared runner can read (ps, /proc/<pid>/cmdline). Each file is
 * owner-only (0600) in a private temp dir of the step, removed with the kubeconfig at the end.
 * `--set-file` gives the chart the file's content as a string, which is what a credential is.
 */



/**
 * The value as helm's --set parser reads it (strvals runesUntil): `\x` is x, so `a\,b` is `a,b`,
 * and a trailing lone backslash is dropped. The file holds that value literally.
 */
function unescapeSetValue(value) {
    return value.replace(/\\([\s\S]?)/g, '$1');
}
/** A path as a strvals value: helm would split it at a comma and eat its backslashes. */
function setFileArg(key, file) {
    return `${key}=${file.replace(/[\\,]/g, '\\$&')}`;
}
function writeSecretValueFiles(set, env) {
    if (!set.some((s) => s.secret))
        return { set: [...set], close: () => undefined };
    const dir = makeTempDir('shipline-values-', env);
    const close = () => (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true });
    try {
        return { set: set.map((s, n) => (s.secret ? { ...s, file: writeValue(external_node_path_.join(dir, `value-${n}`), s.value) } : s)), close };
    }
    catch (e) {
        close(); // a half-written set is removed too
        throw e;
    }
}
function writeValue(file, value) {
    writePrivateFile(file, unescapeSetValue(value));
    return file;
}
/** For dry-run plans: secret values shown as the file they would be read from, never the value. */
function plannedSetArgs(set) {
    return set.map((s) => (s.secret ? { ...s, file: '<file>' } : s));
}

;// CONCATENATED MODULE: ./src/helm-deploy/helm.ts
/**
 * The Helm wrapper: builds every helm command line as an argument array (pure functions,
 * so dry-run plans and tests see exactly what runs), runs it through the injected Exec,
 * and reads releases back as typed records. Helm 3 and 4 differ in two flags, chosen here.
 */







function parseHelmVersion(text) {
    const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
    if (!m)
        throw new errors_ServiceError('helm', `'helm version' printed '${text.trim().slice(0, 80)}'`, 'Install Helm 3 or 4');
    const major = Number(m[1]);
    if (major !== 3 && major !== 4)
        throw new errors_ServiceError('helm', `Helm ${m[0]} is not supported`, 'Use Helm 3 or Helm 4');
    return { version: `${m[1]}.${m[2]}.${m[3]}`, major };
}
/** Helm 4 turned --wait into a strategy flag (`watcher` is the old full wait). */
function waitFlags(major, wait) {
    if (!wait)
        return [];
    return major === 4 ? ['--wait=watcher'] : ['--wait'];
}
/** Helm 4 renamed --atomic; the old name still parses there but is deprecated. */
function rollbackOnFailureFlag(major) {
    return major === 4 ? '--rollback-on-failure' : '--atomic';
}
function upgradeArgs(major, r) {
    const args = ['upgrade', '--install', r.release, r.chart, '--namespace', r.namespace];
    if (r.createNamespace)
        args.push('--create-namespace');
    if (r.chartVersion)
        args.push('--version', r.chartVersion);
    for (const f of r.valuesFiles)
        args.push('--values', f);
    for (const s of r.set) {
        if (!s.secret)
            args.push('--set', `${s.key}=${s.value}`);
        // fail closed: a secret without its file never falls back to the command line
        else if (!s.file)
            throw new Error(`no value file for the secret set value ${s.key}`);
        else
            args.push('--set-file', setFileArg(s.key, s.file));
    }
    for (const s of r.setString)
        args.push('--set-string', `${s.key}=${s.value}`);
    args.push('--timeout', formatDuration(r.timeoutMs), ...waitFlags(major, r.wait));
    if (r.rollbackOnFailure)
        args.push(rollbackOnFailureFlag(major));
    return args;
}
function rollbackArgs(major, release, namespace, revision, timeoutMs, wait) {
    const args = ['rollback', release];
    if (revision !== undefined)
        args.push(String(revision));
    return [...args, '--namespace', namespace, '--timeout', formatDuration(timeoutMs), ...waitFlags(major, wait)];
}
function uninstallArgs(major, release, namespace, timeoutMs, wait) {
    return ['uninstall', release, '--namespace', namespace, '--timeout', formatDuration(timeoutMs), ...waitFlags(major, wait)];
}
/** A command line for logs and summaries, with secret `set` values replaced by ***. */
function displayCommand(command, args, secrets) {
    const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    const masked = args.map((a) => secrets.reduce((t, s) => (s ? t.split(s).join('***') : t), a));
    return [command, ...masked].map(quote).join(' ');
}
/**
 * Helm's --timeout bounds each wait, not the command: a pre-upgrade hook, the rollout, and with
 * --atomic/--rollback-on-failure the rollback's hooks and rollout may each take that long. Killing
 * helm in the middle is what leaves a release pending-*, so the hard stop only catches a hung helm.
 */
function hardStopMs(timeoutMs) {
    return 4 * timeoutMs + 120_000;
}
/** Helm's driver.ErrReleaseNotFound; any other "not found" (a kubeconfig exec plugin, a namespace) is a failure. */
const NOT_FOUND = /release: not found/;
const ANOTHER_OPERATION = /another operation \(install\/upgrade\/rollback\) is in progress/;
class Helm {
    exec;
    binary;
    major;
    env;
    reporter;
    secrets;
    hardTimeoutMs;
    /** Every command line run, masked, in order (for the summary). */
    commands = [];
    constructor(exec, binary, major, env, reporter, secrets, 
    /** A hard stop beyond Helm's own --timeout, so a hung helm fails the step instead of the job's clock. */
    hardTimeoutMs = 15 * 60_000) {
        this.exec = exec;
        this.binary = binary;
        this.major = major;
        this.env = env;
        this.reporter = reporter;
        this.secrets = secrets;
        this.hardTimeoutMs = hardTimeoutMs;
    }
    /** Asks the binary which Helm it is (`--template` works in Helm 3 and 4). */
    static async detect(exec, binary, env) {
        const r = await exec(binary, ['version', '--template', '{{.Version}}'], { env });
        if (r.exitCode !== 0)
            throw new errors_ServiceError('helm', `'helm version' exited with ${r.exitCode}: ${r.stderr.trim().slice(0, 200)}`, 'Check the helm binary');
        return parseHelmVersion(r.stdout);
    }
    async run(args, quiet = false) {
        const line = displayCommand('helm', args, this.secrets);
        if (!quiet) {
            this.commands.push(line);
            this.reporter.info(`$ ${line}`);
        }
        const run = () => this.exec(this.binary, args, { env: this.env, timeoutMs: this.hardTimeoutMs, onLine: quiet ? undefined : (l) => this.reporter.info(`  ${l}`) });
        // a chart's NOTES and hook output are the chart author's text: shown, never run as workflow commands
        const r = quiet ? await run() : await withWorkflowCommandsStopped(this.reporter, run);
        if (r.timedOut)
            this.reporter.warning(`helm ${args[0]} did not finish within ${Math.round(this.hardTimeoutMs / 1000)} s and was stopped`);
        return r;
    }
    async read(args, what) {
        const r = await this.run(args, true);
        if (r.exitCode === 0)
            return r.stdout;
        if (NOT_FOUND.test(r.stderr))
            return undefined;
        throw new errors_ServiceError('helm', `${what} failed: ${lastLines(r.stderr, 2).slice(0, 300)}`, 'Check cluster access (kubeconfig or EKS) and the namespace');
    }
    /** The release's revisions, oldest first; empty when the release does not exist. */
    async history(release, namespace) {
        const out = await this.read(['history', release, '--namespace', namespace, '--max', '20', '--output', 'json'], `helm history ${release}`);
        return out === undefined ? [] : parseHistory(out);
    }
    async list(namespace, names) {
        const filter = `^(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})$`;
        const out = await this.read(['list', '--namespace', namespace, '--all', '--filter', filter, '--output', 'json'], 'helm list');
        return out === undefined ? [] : helm_json_parseList(out).filter((r) => names.includes(r.name));
    }
    async status(release, namespace) {
        const out = await this.read(['status', release, '--namespace', namespace, '--output', 'json'], `helm status ${release}`);
        return out === undefined ? undefined : parseStatus(out);
    }
    /** The user-supplied values of the live revision (where Shipline keeps strategy state). */
    async values(release, namespace) {
        const out = await this.read(['get', 'values', release, '--namespace', namespace, '--output', 'json'], `helm get values ${release}`);
        if (out === undefined)
            return undefined;
        try {
            return (JSON.parse(out) ?? {});
        }
        catch {
            throw new errors_ServiceError('helm', `helm get values ${release} did not print JSON`);
        }
    }
    upgrade(r) {
        return this.run(upgradeArgs(this.major, r));
    }
    rollback(release, namespace, revision, timeoutMs, wait) {
        return this.run(rollbackArgs(this.major, release, namespace, revision, timeoutMs, wait));
    }
    uninstall(release, namespace, timeoutMs, wait) {
        return this.run(uninstallArgs(this.major, release, namespace, timeoutMs, wait));
    }
}
/** Helm's error for messages: from its `Error:` line to the end (hook failures continue on more lines). */
function helm_helmError(r) {
    const lines = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => l.trim());
    const at = lines.findIndex((l) => l.startsWith('Error:'));
    const text = at >= 0 ? lines.slice(at).join(' ') : (lines.at(-1) ?? `exit ${r.exitCode}`);
    // helm quotes API server answers and rendered values: drop credentials before quoting
    return secrets_scrubServiceText(text)
        .replace(/^Error:\s*/, '')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 500);
}

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
        if (HEX64.test(sum?.toLowerCase() ?? '') && (name === undefined || external_node_path_.basename(name) === fileName))
            return sum.toLowerCase();
    }
    return undefined;
}
async function sha256File(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for await (const chunk of (0,external_node_fs_.createReadStream)(file))
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
    const fileName = external_node_path_.basename(new URL(url).pathname);
    // Said before the first request: a slow checksum or archive download shows what it waits for.
    reporter.info(`Downloading ${spec.name} ${spec.version} from ${url}`);
    let expected = opts.sha256;
    if (!expected) {
        const sumUrl = spec.checksumUrl(base, spec.version);
        const sumFile = await download(tc, sumUrl, spec.name);
        const { readFile } = await Promise.resolve(/* import() */).then(__nccwpck_require__.t.bind(__nccwpck_require__, 1455, 23));
        expected = checksumFromFile(await readFile(sumFile, 'utf8'), fileName);
        if (!expected)
            throw new errors_ServiceError(spec.name, `no SHA-256 for ${fileName} in ${sumUrl}`, 'Pin the checksum with the sha256 input');
    }
    const archive = await download(tc, url, spec.name);
    const actual = await sha256File(archive);
    if (actual !== expected) {
        throw new errors_ServiceError(spec.name, `checksum mismatch for ${fileName}: expected sha256 ${expected}, downloaded ${actual}`, 'The download was refused and nothing was added to PATH; check the version, the mirror and the pinned checksum');
    }
    reporter.info(`${fileName}: sha256 ${actual} verified`);
    const extracted = await tc.extractTar(archive);
    const dir = await tc.cacheDir(external_node_path_.join(extracted, spec.binDir(spec.version)), spec.name, spec.version);
    tc.addPath(dir);
    return dir;
}
async function download(tc, url, name) {
    try {
        return await tc.downloadTool(url);
    }
    catch (e) {
        throw new errors_ServiceError(name, `download of ${url} failed: ${e.message}`, 'Check the version and the network or mirror');
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

;// CONCATENATED MODULE: ./src/helm-deploy/helm-setup.ts
/**
 * The set-up helm-deploy's run and its library surface (rollout) share: mask the credentials
 * the inputs carry, find or install the helm binary, and the release operations' settings.
 */



/**
 * Masks every `set` value marked secret (as given and with helm's `\,` escapes removed) and
 * a kubeconfig's credentials; returns the secret `set` values (Helm masks them in its argv).
 */
function maskDeploySecrets(inputs, reporter) {
    const secrets = inputs.set.filter((s) => s.secret).map((s) => s.value);
    // helm sees `a\,b` as `a,b`: mask what it may print back too
    for (const s of secrets)
        for (const form of new Set([s, s.replace(/\\(.)/g, '$1')]))
            secrets_maskSecret(reporter, form);
    if (inputs.cluster.kind === 'kubeconfig')
        for (const s of inputs.cluster.secrets)
            secrets_maskSecret(reporter, s);
    return secrets;
}
/** The helm binary to run: `helm` from PATH (helm-version: path), else the pinned release installed in the tool cache. */
async function helmBinary(inputs, toolCache, reporter) {
    if (inputs.helmVersion === 'path')
        return 'helm';
    const dir = await installTool(toolCache, toolSpec('helm', inputs.helmVersion), reporter, { baseUrl: inputs.helmMirror, sha256: inputs.helmSha256 });
    return external_node_path_.join(dir, 'helm');
}
/** The release operations' settings (namespace, timeout in ms, wait, rollback-on-failure, recover-pending) from the inputs. */
function releaseOps(inputs, helm, reporter) {
    return {
        helm,
        reporter,
        namespace: inputs.namespace,
        timeoutMs: inputs.timeoutMs,
        wait: inputs.wait,
        rollbackOnFailure: inputs.rollbackOnFailure,
        recoverPending: inputs.recoverPending,
    };
}

;// CONCATENATED MODULE: ./src/helm-deploy/kubectl.ts
/**
 * The few kubectl calls Helm cannot make: warning events for the failure summary, the stable
 * replica count (replica-ratio canaries) and the ALB weighted-routing annotation.
 */


function parseEvents(text) {
    const data = JSON.parse(text);
    return (data.items ?? []).map((e) => {
        const obj = (e.involvedObject ?? {});
        return {
            lastSeen: String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''),
            type: String(e.type ?? ''),
            reason: String(e.reason ?? ''),
            object: `${obj.kind ?? '?'}/${obj.name ?? '?'}`,
            message: String(e.message ?? ''),
        };
    });
}
/** The ALB controller's forward action splitting traffic between the stable and canary Services. */
function albWeightedAction(stableService, canaryService, canaryWeight, port = 80) {
    return JSON.stringify({
        type: 'forward',
        forwardConfig: {
            targetGroups: [
                { serviceName: stableService, servicePort: port, weight: 100 - canaryWeight },
                { serviceName: canaryService, servicePort: port, weight: canaryWeight },
            ],
        },
    });
}
/** Canary replicas so canary/(stable+canary) is as close as whole pods allow to the weight. */
function canaryReplicas(stableReplicas, weight) {
    if (weight <= 0)
        return { replicas: 0, effectiveWeight: 0 };
    const stable = Math.max(1, stableReplicas);
    const replicas = weight >= 100 ? stable : Math.max(1, Math.round((stable * weight) / (100 - weight)));
    return { replicas, effectiveWeight: Math.round((100 * replicas) / (stable + replicas)) };
}
class Kubectl {
    exec;
    env;
    reporter;
    commands = [];
    constructor(exec, env, reporter) {
        this.exec = exec;
        this.env = env;
        this.reporter = reporter;
    }
    async run(args, log) {
        const line = ['kubectl', ...args].join(' ');
        if (log) {
            this.commands.push(line);
            this.reporter.info(`$ ${line}`);
        }
        const r = await this.exec('kubectl', args, { env: this.env, timeoutMs: 120_000 });
        if (r.exitCode !== 0 || r.timedOut)
            throw new errors_ServiceError('kubectl', `'${line}' ${r.timedOut ? 'timed out' : `exited with ${r.exitCode}`}: ${lastLines(r.stderr, 1)}`, 'Check cluster access and that the chart renders the resource');
        return r.stdout;
    }
    /** Warning events of objects whose name starts with one of `prefixes` (the releases' resources). */
    async warningEvents(namespace, prefixes) {
        const out = await this.run(['get', 'events', '--namespace', namespace, '--field-selector', 'type=Warning', '--output', 'json'], false);
        return parseEvents(out).filter((e) => prefixes.some((p) => e.object.split('/')[1]?.startsWith(p)));
    }
    async deploymentReplicas(namespace, name) {
        const out = await this.run(['get', 'deployment', name, '--namespace', namespace, '--output', 'jsonpath={.spec.replicas}'], false);
        const n = Number(out.trim());
        if (!Number.isInteger(n) || n < 0)
            throw new errors_ServiceError('kubectl', `deployment ${name} reports replicas '${out.trim()}'`, 'The chart must name the stable Deployment after the release');
        return n;
    }
    /** Whether the object exists (NotFound is an answer; any other failure is not). */
    async exists(namespace, kind, name) {
        const args = ['get', kind, name, '--namespace', namespace, '--ignore-not-found', '--output', 'name'];
        return (await this.run(args, false)).trim() !== '';
    }
    async annotate(namespace, kind, name, key, value) {
        await this.run(['annotate', kind, name, '--namespace', namespace, '--overwrite', `${key}=${value}`], true);
    }
}

;// CONCATENATED MODULE: ./src/helm-deploy/judge.ts
function latest(history) {
    return history.reduce((a, e) => (a === undefined || e.revision > a.revision ? e : a), undefined);
}
/** The revision serving now (status `deployed`), excluding `except` (the one we just made). */
function judge_lastDeployed(history, except) {
    return latest(history.filter((e) => e.status === 'deployed' && e.revision !== except));
}
/** Helm's mark of a revision that once served: `deployed` now, or `superseded` by a later one. */
const hasServedStatus = (e) => e.status === 'deployed' || e.status === 'superseded';
/**
 * The last good revision: the one `deployed`, or when none is (a failed rollback leaves such
 * histories, e.g. 1 superseded, 2 superseded, 3 failed) the newest `superseded` one. This is the
 * revision Helm's own `--atomic`/`--rollback-on-failure` goes back to (pkg/action/upgrade.go
 * failRelease filters superseded|deployed and takes the newest). Only revisions after the newest
 * `uninstalled` one count.
 */
function judge_lastGood(history) {
    // `helm uninstall --keep-history` marks the revision `uninstalled`: what served before it was
    // removed by a person, and going "back" to it would bring it back.
    const removedAt = latest(history.filter((e) => e.status === 'uninstalled'))?.revision ?? 0;
    const since = history.filter((e) => e.revision > removedAt);
    return judge_lastDeployed(since) ?? latest(since.filter(hasServedStatus));
}
/** The revision to go back to: the newest earlier one that once served (deployed or superseded). */
function judge_previousGood(history, before) {
    return latest(history.filter((e) => e.revision < before && hasServedStatus(e)));
}
/**
 * Whether the release may have served, so must never be uninstalled. True when any kept
 * revision is deployed or superseded, and also when Helm's history no longer starts at
 * revision 1 (`--history-max` pruned the oldest): what was pruned cannot be proven unserved.
 * False only for a release all of whose revisions, from revision 1, are failed or pending-*.
 */
function hasServed(history) {
    if (history.length === 0)
        return false;
    return history.some(hasServedStatus) || Math.min(...history.map((e) => e.revision)) > 1;
}
/** A leftover `pending-install`/`pending-upgrade`/`pending-rollback` as the newest revision. */
function pendingRevision(history) {
    const top = latest(history);
    return top && top.status.startsWith('pending-') ? top : undefined;
}
/** The revision Helm will create next. */
function judge_nextRevision(history) {
    return (latest(history)?.revision ?? 0) + 1;
}
/**
 * Judges an upgrade (or rollback) that was expected to create revision `expected`.
 * Success only when Helm exited 0 AND `expected` is the newest revision AND it is deployed.
 */
function judge_judge(history, expected, exitCode) {
    const top = latest(history);
    const mine = history.find((e) => e.revision === expected);
    if (!top || !mine)
        return { ok: false, status: 'missing', reason: `Helm created no revision ${expected}` };
    if (top.revision > expected && top.status === 'deployed' && (top.rollbackRevision !== undefined || /^Rollback/i.test(top.description))) {
        return {
            ok: false,
            status: 'rolled-back',
            revision: expected,
            reason: `revision ${expected} ended ${mine.status} and Helm rolled back to ${top.rollbackRevision ?? 'an earlier revision'} (${top.description})`,
        };
    }
    if (top.status.startsWith('pending-'))
        return { ok: false, status: 'pending', revision: top.revision, reason: `revision ${top.revision} is still ${top.status}` };
    if (top.revision !== expected)
        return {
            ok: false,
            status: 'failed',
            revision: expected,
            reason: `revision ${top.revision} is newer than ours (${expected}); another deploy ran at the same time`,
        };
    if (mine.status !== 'deployed')
        return { ok: false, status: 'failed', revision: expected, reason: `revision ${expected} is ${mine.status}: ${mine.description}` };
    if (exitCode !== 0)
        return { ok: false, status: 'failed', revision: expected, reason: `helm exited ${exitCode} although revision ${expected} is deployed` };
    return { ok: true, status: 'deployed', revision: expected };
}

;// CONCATENATED MODULE: ./src/helm-deploy/release-ops.ts
/**
 * One release, changed and then checked: upgrade (or rollback) through Helm, read the history
 * back, judge it, and when it failed go back to the last good revision (deployed, or else the
 * newest superseded). Stuck pending releases are recovered here (or explained), before anything
 * new is started. A release that ever served (see judge.hasServed) is never uninstalled.
 */



/** A deploy that did not end deployed; carries what the summary and outputs must tell. */
class DeployFailed extends errors_ServiceError {
    result;
    constructor(result, problem, hint) {
        super('helm', problem, hint);
        this.result = result;
    }
}
/** Clears a leftover pending revision (with recover-pending), or refuses with the way out. */
async function clearPending(ops, release, history) {
    const stuck = pendingRevision(history);
    if (!stuck)
        return history;
    const good = judge_lastGood(history);
    const stuckText = `release ${release} is stuck in ${stuck.status} at revision ${stuck.revision}`;
    if (!good && hasServed(history)) {
        // history-max pruned the revisions that could tell: never uninstall what may have served
        throw new DeployFailed({ release, status: 'pending', history }, `${stuckText}, and ${history.some((e) => e.status === 'uninstalled') ? 'no revision since it was uninstalled (--keep-history) is deployed or superseded' : `no kept revision is deployed or superseded (oldest kept: ${history[0].revision})`}, so there is nothing proven good to roll back to`, `Roll back by hand to a revision you know served: 'helm history ${release} --namespace ${ops.namespace}' then 'helm rollback ${release} <revision> --namespace ${ops.namespace}'`);
    }
    const cure = good
        ? `roll back to revision ${good.revision} (the last ${good.status === 'deployed' ? 'deployed' : 'good: newest superseded'})`
        : 'uninstall it (no revision ever reached deployed)';
    const command = good ? `helm rollback ${release} ${good.revision} --namespace ${ops.namespace}` : `helm uninstall ${release} --namespace ${ops.namespace}`;
    if (!ops.recoverPending) {
        throw new DeployFailed({ release, revision: good?.revision, previousRevision: good?.revision, status: 'pending', history }, `${stuckText}: another operation (install/upgrade/rollback) is in progress, usually left by a run that was cancelled or timed out`, `If no other deploy is running, re-run with recover-pending: true to ${cure}, or run '${command}'`);
    }
    ops.reporter.warning(`Release ${release} is stuck in ${stuck.status} at revision ${stuck.revision}; recover-pending is true, so Shipline will ${cure}`);
    const r = good
        ? await ops.helm.rollback(release, ops.namespace, good.revision, ops.timeoutMs, ops.wait)
        : await ops.helm.uninstall(release, ops.namespace, ops.timeoutMs, ops.wait);
    const after = await ops.helm.history(release, ops.namespace);
    if (r.exitCode !== 0 || pendingRevision(after)) {
        throw new DeployFailed({ release, status: 'pending', history: after }, `recovering ${release} from ${stuck.status} failed: ${helm_helmError(r)}`, 'Check the cluster; the release was left as Helm reported it');
    }
    return after;
}
/** Upgrades (or installs) and returns only when the new revision is deployed; throws DeployFailed otherwise. */
async function release_ops_upgradeVerified(ops, req) {
    const before = await clearPending(ops, req.release, await ops.helm.history(req.release, ops.namespace));
    // after a failed rollback no revision is deployed: the newest superseded one is the last good
    const previous = judge_lastGood(before)?.revision;
    const served = hasServed(before);
    const expected = judge_nextRevision(before);
    const r = await ops.helm.upgrade(req);
    const after = await ops.helm.history(req.release, ops.namespace);
    const verdict = judge_judge(after, expected, r.exitCode);
    if (verdict.ok)
        return { release: req.release, revision: verdict.revision, previousRevision: previous, status: 'deployed', history: after };
    const why = r.exitCode !== 0 ? helm_helmError(r) : verdict.reason;
    if (ANOTHER_OPERATION.test(r.stderr) && !pendingRevision(before)) {
        // Someone else is deploying this release right now: touching it would fight them.
        throw new DeployFailed({ release: req.release, revision: previous, previousRevision: previous, status: 'pending', history: after }, `upgrade of ${req.release} refused: ${why}`, 'Another deploy of this release is running; wait for it, or re-run with recover-pending: true if it was cancelled');
    }
    return await goBack(ops, req.release, { previous, served }, expected, after, why);
}
/** After a failed change: make sure the release serves its last good revision again, then throw. */
async function goBack(ops, release, before, failed, after, why) {
    const { previous } = before;
    const top = latest(after);
    const helmRolledBack = previous !== undefined &&
        top !== undefined &&
        top.revision > failed &&
        top.status === 'deployed' &&
        (top.rollbackRevision === previous || top.description === `Rollback to ${previous}`);
    const base = { release, previousRevision: previous, failedRevision: failed };
    if (helmRolledBack) {
        throw new DeployFailed({ ...base, revision: top.revision, status: 'rolled-back', history: after }, `deploy of ${release} failed and was rolled back: revision ${failed} failed, revision ${previous} serves again as revision ${top.revision}: ${why}`);
    }
    if (!ops.rollbackOnFailure) {
        throw new DeployFailed({ ...base, revision: failed, status: 'failed', history: after }, `deploy of ${release} failed at revision ${failed} (last good: ${previous ?? 'none'}), not rolled back because rollback-on-failure is false: ${why}`, `Roll back with action: rollback${previous ? ` and revision: ${previous}` : ''}`);
    }
    if (previous === undefined && !before.served && !hasServed(after)) {
        // Nothing ever served (every revision from 1 failed or pending): remove it rather than leave it half there.
        if (after.length > 0)
            await ops.helm.uninstall(release, ops.namespace, ops.timeoutMs, ops.wait);
        throw new DeployFailed({ ...base, status: 'failed', history: after }, `first install of ${release} failed and was removed (no revision ever reached deployed): ${why}`);
    }
    if (previous === undefined) {
        // It may have served before history-max pruned the proof: never uninstall, never guess a revision.
        throw new DeployFailed({ ...base, revision: failed, status: 'failed', history: after }, `deploy of ${release} failed at revision ${failed}; ${latest(after)?.status === 'uninstalled' ? 'the release was uninstalled (--keep-history) and is not brought back' : 'no kept revision is deployed or superseded'}, so there is nothing proven good to roll back to, and a release that may have served is never uninstalled: ${why}`, `Roll back by hand to a revision you know served: 'helm rollback ${release} <revision> --namespace ${ops.namespace}'`);
    }
    ops.reporter.warning(`Deploy of ${release} failed (${why}); rolling back to revision ${previous}`);
    const expected = judge_nextRevision(after);
    const rb = await ops.helm.rollback(release, ops.namespace, previous, ops.timeoutMs, ops.wait);
    const final = await ops.helm.history(release, ops.namespace);
    const verdict = judge_judge(final, expected, rb.exitCode);
    if (!verdict.ok) {
        throw new DeployFailed({ ...base, revision: judge_lastDeployed(final)?.revision, status: 'failed', history: final }, `deploy of ${release} failed (${why}) and the rollback to revision ${previous} failed too: ${rb.exitCode !== 0 ? helm_helmError(rb) : verdict.reason}`, 'The release needs a person: check helm history and the events below');
    }
    throw new DeployFailed({ ...base, revision: verdict.revision, status: 'rolled-back', history: final }, `deploy of ${release} failed and was rolled back: revision ${failed} failed, revision ${previous} serves again as revision ${verdict.revision}: ${why}`);
}
/** `action: rollback`: to the given revision, or to the one before the current. */
async function release_ops_rollbackVerified(ops, release, target) {
    const history = await clearPending(ops, release, await ops.helm.history(release, ops.namespace));
    if (history.length === 0)
        throw new DeployFailed({ release, status: 'failed', history }, `release ${release} does not exist in namespace ${ops.namespace}`, 'Check release and namespace');
    const current = lastDeployed(history);
    // with no deployed revision (a failed rollback), the newest superseded one is what served last
    const to = target ?? (current ? previousGood(history, current.revision) : lastGood(history))?.revision;
    if (to === undefined)
        throw new DeployFailed({ release, revision: current?.revision, status: 'failed', history }, current
            ? `release ${release} has no earlier revision than ${current.revision} to roll back to`
            : `release ${release} has no deployed or superseded revision to roll back to`, 'Give revision: with one listed in helm history');
    if (!history.some((e) => e.revision === to)) {
        throw new DeployFailed({ release, revision: current?.revision, status: 'failed', history }, `release ${release} has no revision ${to} (kept: ${history.map((e) => e.revision).join(', ')})`, 'Give revision: with one listed in helm history');
    }
    const expected = nextRevision(history);
    const r = await ops.helm.rollback(release, ops.namespace, to, ops.timeoutMs, ops.wait);
    const after = await ops.helm.history(release, ops.namespace);
    const verdict = judge(after, expected, r.exitCode);
    if (!verdict.ok) {
        throw new DeployFailed({ release, revision: lastDeployed(after)?.revision, previousRevision: current?.revision, failedRevision: expected, status: 'failed', history: after }, `rollback of ${release} to revision ${to} failed: ${r.exitCode !== 0 ? helmError(r) : verdict.reason}`);
    }
    return { release, revision: verdict.revision, previousRevision: current?.revision, status: 'deployed', history: after };
}

;// CONCATENATED MODULE: ./src/helm-deploy/strategy.ts

const canaryName = (release) => `${release}-canary`;
const strategy_colorName = (release, color) => `${release}-${color}`;
/**
 * The image as values. A digest key ending in `tag` is a tag-style chart (`repo:tag`), so the
 * value becomes `tag@sha256:…`, which still pins the digest (the tag is ignored by the runtime).
 */
function imageValues(inputs, image) {
    const tagStyle = /(^|\.)tag$/i.test(inputs.imageDigestKey);
    return [
        { key: inputs.imageRepositoryKey, value: image.repository },
        { key: inputs.imageDigestKey, value: tagStyle ? `${image.tag ?? 'latest'}@${image.digest}` : image.digest },
    ];
}
/** Reads back the pinned image a release runs, from its values (reverse of imageValues). */
function imageFromValues(inputs, values) {
    const repository = valueAt(values, inputs.imageRepositoryKey);
    const pinned = valueAt(values, inputs.imageDigestKey);
    if (typeof repository !== 'string' || typeof pinned !== 'string')
        return undefined;
    const m = /^(?:([\w][\w.-]*)@)?(sha256:[a-f0-9]{64})$/.exec(pinned);
    return m ? { repository, digest: m[2], tag: m[1] } : undefined;
}
function strategy_upgradeRequest(ctx, release, setString) {
    const i = ctx.inputs;
    return {
        release,
        chart: i.chart ?? '',
        namespace: i.namespace,
        chartVersion: i.chartVersion,
        createNamespace: i.createNamespace,
        valuesFiles: i.valuesFiles,
        set: ctx.set,
        setString,
        timeoutMs: i.timeoutMs,
        wait: i.wait,
        rollbackOnFailure: i.rollbackOnFailure,
    };
}

;// CONCATENATED MODULE: ./src/helm-deploy/strategies/blue-green.ts
/**
 * Blue/green: two colour releases `<release>-blue` and `<release>-green` run Deployments; a
 * router release `<release>` owns the Service and Ingress, whose selector points at the
 * colour in its value `blueGreen.activeColor`. That value is the state: the router's helm
 * history is the list of switches, and the idle colour stays up until promote retires it.
 */






const other = (c) => (c === 'blue' ? 'green' : 'blue');
async function state(ctx) {
    const { release, namespace } = ctx.inputs;
    const listed = await ctx.helm.list(namespace, [release, strategy_colorName(release, 'blue'), strategy_colorName(release, 'green')]);
    const router = listed.find((r) => r.name === release);
    let active;
    if (router) {
        if (router.status !== 'deployed') {
            // `helm get values` would read the newest revision, which is not what serves: refuse to guess,
            // and name the last good revision (deployed, or newest superseded after a failed rollback)
            const good = judge_lastGood(await ctx.helm.history(release, namespace));
            throw new errors_ServiceError('helm', `router release ${release} is ${router.status} at revision ${router.revision}, so the live colour is unknown`, good
                ? `Roll it back to revision ${good.revision}, the last good one (helm rollback ${release} ${good.revision} --namespace ${namespace}), and run again`
                : `No revision of ${release} ever reached deployed: check helm history ${release} --namespace ${namespace}`);
        }
        const value = valueAt(await ctx.helm.values(release, namespace), 'blueGreen.activeColor');
        if (value !== 'blue' && value !== 'green') {
            throw new errors_ServiceError('helm', `release ${release} exists but its blueGreen.activeColor is ${JSON.stringify(value)}, so the live colour is unknown`, 'Is it a blue-green release of a chart that supports blueGreen? Fix it by hand before switching');
        }
        active = value;
    }
    const colour = (c) => listed.find((r) => r.name === strategy_colorName(release, c));
    return { router, active, colour };
}
function routerValues(color) {
    return [
        { key: 'blueGreen.enabled', value: 'true' },
        { key: 'blueGreen.role', value: 'router' },
        { key: 'blueGreen.activeColor', value: color },
    ];
}
function colorValues(inputs, image, color) {
    return [
        ...imageValues(inputs, image),
        { key: 'blueGreen.enabled', value: 'true' },
        { key: 'blueGreen.role', value: 'color' },
        { key: 'blueGreen.color', value: color },
    ];
}
async function switchTo(ctx, color) {
    return release_ops_upgradeVerified(ctx.ops, strategy_upgradeRequest(ctx, ctx.inputs.release, routerValues(color)));
}
async function blueGreenDeploy(ctx) {
    const { inputs } = ctx;
    const image = inputs.image;
    const { active } = await state(ctx);
    const idle = active ? other(active) : 'blue';
    const name = colorName(inputs.release, idle);
    // 1. the idle colour gets the new digest; a failure here never touched live traffic
    const result = await upgradeVerified(ctx.ops, upgradeRequest(ctx, name, colorValues(inputs, image, idle)));
    // 2. only once it is ready does the Service selector move to it
    await switchTo(ctx, idle);
    const kept = active ? `; ${colorName(inputs.release, active)} stays up for an instant switch back until promote` : '';
    return {
        result,
        step: `switched traffic ${active ? `from ${active} ` : ''}to ${idle}${kept}`,
        activeColor: idle,
        digest: image.digest,
        releases: [name, inputs.release],
    };
}
/** abort and rollback: move the selector back to the other colour, which is still running. */
async function blueGreenSwitchBack(ctx) {
    const { inputs } = ctx;
    const { active, colour } = await state(ctx);
    if (!active)
        throw new InputError('release', `no blue-green release ${inputs.release} in namespace ${inputs.namespace}`, 'Deploy with strategy: blue-green first, or check release and namespace');
    const back = other(active);
    const target = colour(back);
    if (!target || target.status !== 'deployed') {
        throw new ServiceError('helm', `cannot switch back from ${active}: ${colorName(inputs.release, back)} is ${target ? target.status : 'not installed (promote retired it)'}`, `Deploy the previous digest again with action: deploy`);
    }
    const result = await switchTo(ctx, back);
    return {
        result,
        step: `switched traffic back from ${active} to ${back}; ${colorName(inputs.release, active)} kept`,
        activeColor: back,
        releases: [inputs.release, colorName(inputs.release, back)],
    };
}
/** promote: the live colour is kept, the idle one is retired. */
async function blueGreenPromote(ctx) {
    const { inputs } = ctx;
    const { active, colour } = await state(ctx);
    if (!active)
        throw new errors_InputError('action', `promote found no blue-green release ${inputs.release} in namespace ${inputs.namespace}`, 'Deploy with strategy: blue-green first');
    const idle = other(active);
    const liveName = strategy_colorName(inputs.release, active);
    // the live colour is checked before the idle one is retired: never remove the only one that serves
    const history = await ctx.helm.history(liveName, inputs.namespace);
    const live = latest(history);
    if (!live || live.status !== 'deployed')
        throw new errors_ServiceError('helm', `the live colour ${liveName} is ${live ? `${live.status} at revision ${live.revision}` : 'not installed'}, so ${strategy_colorName(inputs.release, idle)} is kept`, 'Switch back with action: abort, or deploy again; promote retires the idle colour only when the live one is deployed');
    if (colour(idle)) {
        const r = await ctx.helm.uninstall(strategy_colorName(inputs.release, idle), inputs.namespace, inputs.timeoutMs, inputs.wait);
        if (r.exitCode !== 0)
            throw new errors_ServiceError('helm', `retiring ${strategy_colorName(inputs.release, idle)} failed: ${helm_helmError(r)}`, `${liveName} still serves; remove the idle colour with helm uninstall`);
    }
    else {
        ctx.reporter.info(`No idle colour ${strategy_colorName(inputs.release, idle)} to retire`);
    }
    return {
        result: { release: liveName, revision: live.revision, previousRevision: live.revision, status: 'deployed', history },
        step: `promoted ${active}: ${strategy_colorName(inputs.release, idle)} retired`,
        activeColor: active,
        releases: [liveName, inputs.release],
    };
}
/**
 * A rollout's preview (rollout action, through library.ts): the idle colour gets the new
 * digest and takes no traffic; the selector stays on the live colour until blueGreenSwitchToNew.
 */
async function blueGreenPreview(ctx) {
    const { inputs } = ctx;
    const { active } = await state(ctx);
    const idle = active ? other(active) : 'blue';
    const result = await release_ops_upgradeVerified(ctx.ops, strategy_upgradeRequest(ctx, strategy_colorName(inputs.release, idle), colorValues(inputs, inputs.image, idle)));
    return { colour: idle, result };
}
/** Which colour runs `digest`, and which serves (for a rollout's switch and its abort). */
async function blueGreenColours(ctx, digest) {
    const { active, colour } = await state(ctx);
    let withDigest;
    for (const c of ['blue', 'green']) {
        if (!colour(c))
            continue;
        const image = imageFromValues(ctx.inputs, await ctx.helm.values(strategy_colorName(ctx.inputs.release, c), ctx.inputs.namespace));
        if (image?.digest === digest)
            withDigest = c;
    }
    return { active, withDigest };
}
/** Points the router's selector at `colour` (verified like every upgrade). */
async function blueGreenSwitchTo(ctx, colour) {
    return switchTo(ctx, colour);
}

;// CONCATENATED MODULE: ./src/helm-deploy/strategies/canary.ts
/**
 * Canary: a second release `<release>-canary` runs the new digest beside the stable release.
 * State is the canary release itself (present or not) and its values (`canary.weight`, the
 * image digest). Traffic: NGINX canary annotations rendered by the chart, the ALB
 * controller's weighted forward action (annotated on the stable Ingress), or replica ratio.
 */






const albActionKey = (release) => `alb.ingress.kubernetes.io/actions.${release}-weighted`;
/** The canary release's values: new digest plus the switches the chart's templates read. */
function canaryValues(inputs, image, weight, replicas) {
    return [
        ...imageValues(inputs, image),
        { key: 'canary.enabled', value: 'true' },
        { key: 'canary.router', value: inputs.trafficRouter },
        { key: 'canary.stableService', value: inputs.release },
        { key: 'canary.weight', value: String(weight) },
        ...(replicas === undefined ? [] : [{ key: 'replicaCount', value: replicas }]),
    ];
}
async function setAlbWeight(ctx, weight) {
    const { release, namespace } = ctx.inputs;
    await ctx.kubectl.annotate(namespace, 'ingress', release, albActionKey(release), albWeightedAction(release, canaryName(release), weight));
}
/** nginx and alb split traffic at the stable Ingress: checked before the canary exists, since without it no traffic reaches a canary. */
async function requireStableIngress(ctx) {
    const { trafficRouter, namespace, release } = ctx.inputs;
    if (trafficRouter === 'replicas' || (await ctx.kubectl.exists(namespace, 'ingress', release)))
        return;
    const chart = trafficRouter === 'alb' ? 'ingress.enabled=true and ingress.className=alb' : 'ingress.enabled=true';
    throw new errors_ServiceError('kubectl', `traffic-router ${trafficRouter} splits traffic at the stable Ingress ${release}, but namespace ${namespace} has none`, `Deploy the stable release with ${chart} (see charts/app), or use traffic-router: replicas`);
}
async function releasesNow(ctx) {
    const { release, namespace } = ctx.inputs;
    const listed = await ctx.helm.list(namespace, [release, canaryName(release)]);
    return { stable: listed.find((r) => r.name === release), canary: listed.find((r) => r.name === canaryName(release)) };
}
async function stableResult(ctx) {
    const { release, namespace } = ctx.inputs;
    const history = await ctx.helm.history(release, namespace);
    const live = judge_lastDeployed(history);
    return { release, revision: live?.revision, previousRevision: live?.revision, status: live ? 'deployed' : 'failed', history };
}
async function removeCanary(ctx) {
    const { release, namespace, timeoutMs, wait } = ctx.inputs;
    const r = await ctx.helm.uninstall(canaryName(release), namespace, timeoutMs, wait);
    if (r.exitCode !== 0)
        throw new errors_ServiceError('helm', `removing ${canaryName(release)} failed: ${helm_helmError(r)}`, 'Remove it with helm uninstall; stable is unaffected');
}
async function canaryDeploy(ctx) {
    const { inputs } = ctx;
    const image = inputs.image;
    const { stable } = await releasesNow(ctx);
    if (!stable) {
        // Nothing to compare a canary with yet: the first version becomes stable directly.
        ctx.reporter.info(`No stable release ${inputs.release} yet: installing this digest as stable`);
        const result = await release_ops_upgradeVerified(ctx.ops, strategy_upgradeRequest(ctx, inputs.release, imageValues(inputs, image)));
        return { result, step: 'first install: no stable release yet, so installed as stable', canaryWeight: 0, digest: image.digest, releases: [inputs.release] };
    }
    if (stable.status !== 'deployed') {
        // name the last good revision (deployed, or the newest superseded after a failed rollback)
        const good = judge_lastGood(await ctx.helm.history(inputs.release, inputs.namespace));
        throw new errors_ServiceError('helm', `stable release ${inputs.release} is ${stable.status} (revision ${stable.revision}); a canary needs a deployed stable release to compare with`, good
            ? `Roll the stable release back to revision ${good.revision}, its last good one (action: rollback, or helm rollback ${inputs.release} ${good.revision} --namespace ${inputs.namespace}), or deploy it with strategy: rolling`
            : `No revision of ${inputs.release} ever reached deployed: deploy it with strategy: rolling first`);
    }
    await requireStableIngress(ctx);
    let weight = inputs.canaryWeight;
    let replicas;
    if (inputs.trafficRouter === 'replicas') {
        const stableReplicas = await ctx.kubectl.deploymentReplicas(inputs.namespace, inputs.release);
        const split = canaryReplicas(stableReplicas, weight);
        if (split.effectiveWeight !== weight)
            ctx.reporter.info(`Replica ratio: ${split.replicas} canary pod(s) beside ${stableReplicas} stable give ${split.effectiveWeight}% (asked ${weight}%)`);
        replicas = String(split.replicas);
        weight = split.effectiveWeight;
    }
    const values = canaryValues(inputs, image, weight, replicas);
    const result = await release_ops_upgradeVerified(ctx.ops, strategy_upgradeRequest(ctx, canaryName(inputs.release), values));
    if (inputs.trafficRouter === 'alb')
        await setAlbWeight(ctx, weight); // only once the canary is ready
    if (inputs.trafficRouter === 'nginx' && !(await ctx.kubectl.exists(inputs.namespace, 'ingress', canaryName(inputs.release)))) {
        throw new errors_ServiceError('kubectl', `canary ${canaryName(inputs.release)} is deployed but renders no Ingress, so NGINX sends it no traffic (not ${weight}%)`, 'Give the canary the same ingress values as stable (ingress.enabled=true), or remove it with action: abort');
    }
    return {
        result,
        step: `canary at ${weight}% beside stable revision ${stable.revision}`,
        canaryWeight: weight,
        digest: image.digest,
        releases: [canaryName(inputs.release), inputs.release],
    };
}
async function canaryPromote(ctx) {
    const { inputs } = ctx;
    const { canary } = await releasesNow(ctx);
    const name = canaryName(inputs.release);
    if (!canary)
        throw new errors_InputError('action', `promote found no canary release ${name} in namespace ${inputs.namespace}`, 'Deploy a canary first (action: deploy, strategy: canary), or check release and namespace');
    if (canary.status !== 'deployed')
        throw new errors_ServiceError('helm', `canary ${name} is ${canary.status}, so there is nothing proven to promote`, 'Deploy the canary again or abort it');
    const image = imageFromValues(inputs, await ctx.helm.values(name, inputs.namespace));
    if (!image)
        throw new errors_ServiceError('helm', `canary ${name} has no digest-pinned image at ${inputs.imageRepositoryKey}/${inputs.imageDigestKey}`, 'Use the same image-*-key inputs as the canary deploy');
    if (inputs.image && inputs.image.digest !== image.digest) {
        throw new errors_InputError('image', `is ${inputs.image.digest} but the canary runs ${image.digest}`, 'Promote what the canary ran: leave image empty or give the canary digest');
    }
    const result = await release_ops_upgradeVerified(ctx.ops, strategy_upgradeRequest(ctx, inputs.release, imageValues(inputs, image)));
    if (inputs.trafficRouter === 'alb')
        await setAlbWeight(ctx, 0);
    await removeCanary(ctx);
    return { result, step: `promoted: stable now runs the canary digest; ${name} removed`, canaryWeight: 0, digest: image.digest, releases: [inputs.release] };
}
async function canaryAbort(ctx) {
    const { inputs } = ctx;
    const { stable, canary } = await releasesNow(ctx);
    if (inputs.trafficRouter === 'alb' && stable)
        await setAlbWeight(ctx, 0); // traffic back first
    if (canary)
        await removeCanary(ctx);
    else
        ctx.reporter.info(`No canary release ${canaryName(inputs.release)}: nothing to remove`);
    return {
        result: await stableResult(ctx),
        step: canary ? 'aborted: canary removed, stable untouched' : 'aborted: there was no canary',
        canaryWeight: 0,
        releases: [inputs.release],
    };
}
/** Going back in a canary set-up: drop any canary, then roll the stable release back. */
async function canaryRollback(ctx) {
    await canaryAbort(ctx);
    const result = await rollbackVerified(ctx.ops, ctx.inputs.release, ctx.inputs.revision);
    return {
        result,
        step: `canary removed; stable rolled back to revision ${ctx.inputs.revision ?? 'before the current one'}`,
        canaryWeight: 0,
        releases: [ctx.inputs.release],
    };
}

;// CONCATENATED MODULE: ./src/helm-deploy/inputs.ts
/** Inputs of helm-deploy: a pure parser from the runner's strings to one validated object. */







const inputs_INPUTS = {
    action: { default: 'deploy' },
    strategy: { default: 'rolling' },
    release: { required: true },
    namespace: { default: 'default' },
    'create-namespace': { default: 'false' },
    chart: {},
    'chart-version': {},
    'values-files': {},
    set: {},
    image: {},
    'image-repository-key': { default: 'image.repository' },
    'image-digest-key': { default: 'image.digest' },
    timeout: { default: '5m' },
    wait: { default: 'true' },
    'rollback-on-failure': {},
    'recover-pending': { default: 'false' },
    revision: {},
    'canary-weight': { default: '10' },
    'traffic-router': { default: 'nginx' },
    'helm-version': { default: TOOLS.helm.version },
    'helm-mirror': {},
    'helm-sha256': {},
    kubeconfig: {},
    'cluster-name': {},
    'aws-region': {},
    'dry-run': { default: 'false' },
};
const inputs_OUTPUTS = (/* unused pure expression or super */ null && (['revision', 'previous-revision', 'status', 'strategy', 'canary-weight', 'active-color', 'release-url']));
const inputs_ACTIONS = ['deploy', 'rollback', 'promote', 'abort'];
const inputs_STRATEGIES = ['rolling', 'canary', 'blue-green'];
const ROUTERS = ['nginx', 'alb', 'replicas'];
/** Helm's rule: a DNS-1123 subdomain of at most 53 characters (it stores releases in Secrets). */
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VALUE_KEY = /^[A-Za-z0-9_-]+(\[\d+\])*(\.[A-Za-z0-9_-]+(\[\d+\])*)*$/;
const SECRET_KEY = /pass(word)?|secret|token|credential|private|api[-_]?key|access[-_]?key|auth|\bkey$|cert|dsn|connection[-_]?string|webhook|jwt|signing/i;
/** camelCase and dashed key names: sshKey, encryptionKey, license-key (case-sensitive: not "monkey"). */
const NAMED_KEY = /(?:[a-z0-9]Key|[-_](?:key|KEY))$/;
/**
 * Values under secret-looking keys that cannot be credentials (auth.enabled=true, tls.port=443):
 * masking them would hide every "true" or "443" in the whole log.
 */
const NOT_A_CREDENTIAL = /^(|true|false|yes|no|on|off|null|~|\d{1,5})$/i;
function looksSecret(key) {
    return SECRET_KEY.test(key) || NAMED_KEY.test(key);
}
/** The suffix each strategy adds to the release name, so the longest name still fits 53. */
function releaseSuffixes(strategy) {
    if (strategy === 'canary')
        return ['-canary'];
    if (strategy === 'blue-green')
        return ['-green', '-blue'];
    return [];
}
/**
 * wait and rollback-on-failure: Helm's --atomic (--rollback-on-failure) always waits, so its
 * default follows wait (a default never overrides an explicit wait: false), and asking for both
 * rollback-on-failure: true and wait: false is an input error rather than a silent wait.
 */
function waitAndRollback(waitRaw, rollbackRaw) {
    const wait = parseBoolean('wait', waitRaw);
    if (rollbackRaw === '')
        return { wait, rollbackOnFailure: wait };
    const rollbackOnFailure = parseBoolean('rollback-on-failure', rollbackRaw);
    if (rollbackOnFailure && !wait)
        throw new errors_InputError('rollback-on-failure', 'is true but wait is false, and Helm waits for the pods anyway to roll back on failure', 'Set wait: true (or leave it), or set rollback-on-failure: false to deploy without waiting');
    return { wait, rollbackOnFailure };
}
function parseReleaseName(name, strategy) {
    const longest = Math.max(0, ...releaseSuffixes(strategy).map((s) => s.length));
    const limit = 53 - longest;
    if (!DNS1123.test(name)) {
        throw new errors_InputError('release', `'${name}' is not a valid release name`, 'Use lowercase letters, digits, - and . (DNS-1123), starting and ending with a letter or digit');
    }
    if (name.length > limit) {
        const why = longest ? ` (the ${strategy} strategy adds '${releaseSuffixes(strategy)[0]}')` : '';
        throw new errors_InputError('release', `'${name}' is ${name.length} characters, over Helm's limit of ${limit}${why}`, `Shorten it to ${limit} characters or fewer`);
    }
    return name;
}
function parseSetLines(text) {
    return parseLines(text).map((line, n) => {
        const at = line.indexOf('=');
        const key = at < 0 ? line : line.slice(0, at).trim();
        if (at < 0 || !VALUE_KEY.test(key)) {
            // name the line by its key-like start only: the rest may be a secret
            const start = key.split(/[\s:=]/)[0].slice(0, 40);
            throw new errors_InputError('set', `line ${n + 1} ('${start}…') is not key=value`, 'Write one key=value per line, e.g. ingress.host=app.example.com or env[0].name=X');
        }
        const value = line.slice(at + 1);
        const secret = looksSecret(key) && !NOT_A_CREDENTIAL.test(value);
        // helm --set splits at unescaped commas: a secret holding one would be cut, the rest
        // set as another key or quoted in helm's "key ... has no value" error, unmasked.
        if (secret && hasBareComma(value)) {
            throw new errors_InputError('set', `line ${n + 1} (${key}) holds a comma, where helm --set would cut the secret in two`, 'Escape it as \\, (helm --set syntax) or pass the value in a values file');
        }
        return { key, value, secret };
    });
}
/** A comma helm's --set parser would split at: not escaped with \, not inside a leading {list}. */
function hasBareComma(value) {
    let i = 0;
    if (value.startsWith('{')) {
        for (i = 1; i < value.length && value[i] !== '}'; i++)
            if (value[i] === '\\')
                i++;
        i++;
    }
    for (; i < value.length; i++) {
        if (value[i] === '\\')
            i++;
        else if (value[i] === ',')
            return true;
    }
    return false;
}
function parseDigestImage(value) {
    const fix = 'Pin the image by digest: registry.example.com/team/app@sha256:<64 hex digits> (the digest promote-artifact outputs)';
    if (!/@sha256:/.test(value))
        throw new errors_InputError('image', `'${value}' has no digest; a tag can move, so deploys are pinned by digest`, fix);
    const ref = parseReference(value, 'image');
    if (!ref.digest || !/^sha256:[a-f0-9]{64}$/.test(ref.digest))
        throw new errors_InputError('image', `'${value}' does not carry a sha256 digest`, fix);
    return { repository: formatRepository(ref), digest: ref.digest, tag: ref.tag };
}
function parseValueKey(name, value) {
    if (!VALUE_KEY.test(value))
        throw new errors_InputError(name, `'${value}' is not a values key`, 'Write a dotted key such as image.repository');
    return value;
}
/** The kubeconfig must be YAML describing clusters; its credentials are collected for masking. */
function parseKubeconfig(content) {
    let doc;
    try {
        doc = (0,dist/* parse */.qg)(content);
    }
    catch {
        throw new errors_InputError('kubeconfig', 'is not YAML', 'Pass the kubeconfig file content (e.g. from a secret), not a path or a base64 string');
    }
    const config = doc;
    if (!config || typeof config !== 'object' || !Array.isArray(config.clusters)) {
        throw new errors_InputError('kubeconfig', 'is YAML but not a kubeconfig (no clusters list)', 'Pass the content of a kubeconfig file with clusters, users and contexts');
    }
    // every credential-like string under users[].user (token, client-key-data, auth-provider id-token, exec env values…)
    const secrets = [];
    const collect = (node, key = '') => {
        if (typeof node === 'string') {
            if (node && /token|password|secret|key-data|certificate-data|value/i.test(key))
                secrets.push(node);
        }
        else if (Array.isArray(node))
            node.forEach((n) => collect(n, key));
        else if (node && typeof node === 'object')
            for (const [k, v] of Object.entries(node))
                collect(v, k);
    };
    for (const u of config.users ?? [])
        collect(u?.user);
    return { content, secrets };
}
function parseCluster(get) {
    const kubeconfig = get('kubeconfig');
    const clusterName = get('cluster-name');
    const region = get('aws-region');
    if (kubeconfig && clusterName)
        throw new errors_InputError('kubeconfig', 'and cluster-name are both set', 'Give either a kubeconfig or an EKS cluster-name with aws-region');
    if (kubeconfig)
        return { kind: 'kubeconfig', ...parseKubeconfig(kubeconfig) };
    if (clusterName) {
        if (!/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(clusterName))
            throw new errors_InputError('cluster-name', `'${clusterName}' is not an EKS cluster name`, 'Use the name shown by aws eks list-clusters');
        const eksRegion = parseAwsRegion('aws-region', region);
        if (!eksRegion)
            throw new errors_InputError('aws-region', 'is required with cluster-name', 'Set the cluster region, e.g. eu-west-1');
        return { kind: 'eks', clusterName, region: eksRegion };
    }
    if (region)
        throw new errors_InputError('aws-region', 'is set without cluster-name', 'Set cluster-name too, or drop aws-region');
    return { kind: 'ambient' };
}
/** Local charts must exist; `repo/chart` and `oci://` charts are fetched by Helm. */
function parseChart(chart, workspace) {
    if (chart.startsWith('oci://')) {
        if (!/^oci:\/\/[^\s/]+\/\S+$/.test(chart))
            throw new errors_InputError('chart', `'${chart}' is not an OCI chart reference`, 'Write it like oci://registry.example.com/charts/app');
        return chart;
    }
    const local = external_node_path_.resolve(workspace, chart);
    const looksLocal = /^(\.{1,2}\/|\/)/.test(chart) || (0,external_node_fs_.existsSync)(local) || chart.endsWith('.tgz');
    if (looksLocal) {
        if (!(0,external_node_fs_.existsSync)(local))
            throw new errors_InputError('chart', `'${chart}' does not exist`, 'Give a chart directory with Chart.yaml, a .tgz, repo/chart or oci:// reference');
        if (!chart.endsWith('.tgz') && !(0,external_node_fs_.existsSync)(external_node_path_.join(local, 'Chart.yaml'))) {
            throw new errors_InputError('chart', `'${chart}' has no Chart.yaml`, 'Point at the chart directory (the one holding Chart.yaml)');
        }
        return chart;
    }
    if (!/^[\w.-]+\/[\w.-]+$/.test(chart))
        throw new errors_InputError('chart', `'${chart}' is neither a local chart nor repo/chart`, 'Give a chart directory, repo/chart (after helm repo add) or oci://…');
    return chart;
}
function inputs_parseInputs(raw, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()) {
    const get = (n) => rawValue(inputs_INPUTS, raw, n);
    const action = parseEnum('action', get('action'), inputs_ACTIONS);
    const strategy = parseEnum('strategy', get('strategy'), inputs_STRATEGIES);
    if (strategy === 'rolling' && (action === 'promote' || action === 'abort')) {
        throw new errors_InputError('action', `${action} applies to the canary and blue-green strategies, not rolling`, 'Use action: deploy or rollback with strategy: rolling');
    }
    const release = parseReleaseName(get('release'), strategy);
    const namespace = get('namespace');
    if (!NAMESPACE.test(namespace) || namespace.length > 63)
        throw new errors_InputError('namespace', `'${namespace}' is not a namespace name`, 'Use lowercase letters, digits and -, at most 63 characters');
    // A chart is needed whenever a release is upgraded: deploys, canary promotion, blue/green switches.
    const needsChart = action === 'deploy' || (action === 'promote' && strategy === 'canary') || (strategy === 'blue-green' && action !== 'promote');
    const chartText = get('chart');
    if (needsChart && !chartText)
        throw new errors_InputError('chart', `is required for ${action} with the ${strategy} strategy`, 'Set chart to a chart directory, repo/chart or oci:// reference');
    const chart = chartText ? parseChart(chartText, workspace) : undefined;
    const imageText = get('image');
    if (action === 'deploy' && !imageText)
        throw new errors_InputError('image', 'is required for deploy', 'Give the image pinned by digest: registry.example.com/team/app@sha256:…');
    const image = imageText ? parseDigestImage(imageText) : undefined;
    const valuesFiles = parseList(get('values-files'));
    for (const f of valuesFiles) {
        if (!(0,external_node_fs_.existsSync)(external_node_path_.resolve(workspace, f)))
            throw new errors_InputError('values-files', `'${f}' does not exist`, 'Give paths relative to the workspace');
    }
    const revisionText = get('revision');
    const revision = revisionText ? parseInteger('revision', revisionText, { min: 1 }) : undefined;
    if (revision !== undefined && strategy === 'blue-green')
        throw new errors_InputError('revision', 'does not apply to blue-green, which switches back to the other colour', 'Remove revision');
    if (revision !== undefined && action !== 'rollback')
        throw new errors_InputError('revision', `is only used by action: rollback, not ${action}`, 'Remove revision, or set action: rollback');
    const helmVersion = parseToolVersion('helm', get('helm-version'), { allowPath: true });
    const mirror = get('helm-mirror');
    const helmMirror = mirror ? parseHttpUrlWithoutCredentials('helm-mirror', mirror).toString() : undefined;
    const helmSha256 = parseToolSha256('helm', get('helm-sha256'));
    // with helm-version path nothing is downloaded: a pin or mirror would be silently ignored
    if (helmVersion === 'path' && helmSha256)
        throw new errors_InputError('helm-sha256', "is set but helm-version is 'path', so no archive is downloaded to check", 'Give the helm-version the checksum belongs to, or remove helm-sha256');
    if (helmVersion === 'path' && helmMirror)
        throw new errors_InputError('helm-mirror', "is set but helm-version is 'path', so nothing is downloaded", 'Give a helm-version to install from the mirror, or remove helm-mirror');
    const timeoutMs = parseDuration('timeout', get('timeout'));
    if (timeoutMs < 1000)
        throw new errors_InputError('timeout', 'is under one second', 'Give Helm time to wait for the rollout, e.g. 5m');
    return {
        action,
        strategy,
        release,
        namespace,
        createNamespace: parseBoolean('create-namespace', get('create-namespace')),
        chart,
        chartVersion: get('chart-version') || undefined,
        valuesFiles,
        set: parseSetLines(get('set')),
        image,
        imageRepositoryKey: parseValueKey('image-repository-key', get('image-repository-key')),
        imageDigestKey: parseValueKey('image-digest-key', get('image-digest-key')),
        timeoutMs,
        ...waitAndRollback(get('wait'), get('rollback-on-failure')),
        recoverPending: parseBoolean('recover-pending', get('recover-pending')),
        revision,
        canaryWeight: parseInteger('canary-weight', get('canary-weight'), { min: 0, max: 100 }),
        trafficRouter: parseEnum('traffic-router', get('traffic-router'), ROUTERS),
        helmVersion,
        helmMirror,
        helmSha256,
        cluster: parseCluster(get),
        dryRun: parseBoolean('dry-run', get('dry-run')),
    };
}

;// CONCATENATED MODULE: ./src/helm-deploy/library.ts
/**
 * helm-deploy's library surface for the rollout action: its input contract and parser, and one
 * release opened for many traffic changes (the same strategy code the action runs: canary at a
 * weight, promote, abort; blue/green preview, switch, retire). Only what rollout needs.
 */










/** Opens cluster access and helm as helm-deploy's run does; `inputs` is a parsed deploy (action deploy). */
async function openHelmRollout(inputs, deps, reporter) {
    const secrets = maskDeploySecrets(inputs, reporter);
    const binary = await helmBinary(inputs, deps.toolCache, reporter);
    const session = await openCluster(inputs.cluster, inputs.namespace, deps.env, deps.describeEks, reporter);
    let values;
    try {
        values = writeSecretValueFiles(inputs.set, deps.env);
        const found = await Helm.detect(deps.exec, binary, session.env);
        reporter.info(`Helm ${found.version} (Helm ${found.major} flags); cluster: ${session.describe}`);
        const helm = new Helm(deps.exec, binary, found.major, session.env, reporter, secrets, hardStopMs(inputs.timeoutMs));
        const kubectl = new Kubectl(deps.exec, session.env, reporter);
        const ops = releaseOps(inputs, helm, reporter);
        const set = values.set;
        const ctx = (patch = {}) => ({ inputs: { ...inputs, ...patch }, set, helm, kubectl, ops, reporter });
        const digest = inputs.image?.digest ?? '';
        const opened = values;
        return {
            async canaryAt(weight) {
                const o = await canaryDeploy(ctx({ canaryWeight: weight }));
                const firstInstall = o.releases.length === 1 && o.result.release === inputs.release;
                return { weight: firstInstall ? 100 : (o.canaryWeight ?? weight), firstInstall, revision: o.result.revision };
            },
            async promoteCanary() {
                const o = await canaryPromote(ctx({ action: 'promote' }));
                return { revision: o.result.revision };
            },
            async abortCanary() {
                await canaryAbort(ctx({ action: 'abort' }));
            },
            async preview() {
                const p = await blueGreenPreview(ctx());
                reporter.info(`preview: ${inputs.release}-${p.colour} runs ${digest} (revision ${p.result.revision}), taking no traffic`);
            },
            async switchToNew() {
                let { withDigest } = await blueGreenColours(ctx(), digest);
                if (!withDigest)
                    withDigest = (await blueGreenPreview(ctx())).colour;
                await blueGreenSwitchTo(ctx(), withDigest);
            },
            async switchBack() {
                const { active, withDigest } = await blueGreenColours(ctx(), digest);
                if (!active || active !== withDigest)
                    return `traffic stays on ${active ?? 'no colour'}; the new digest never served`;
                const back = active === 'blue' ? 'green' : 'blue';
                const live = await helm.list(inputs.namespace, [`${inputs.release}-${back}`]);
                if (live[0]?.status !== 'deployed')
                    throw new errors_ServiceError('helm', `cannot switch back from ${active}: ${inputs.release}-${back} is ${live[0]?.status ?? 'not installed'}`, 'Deploy the previous digest again');
                await blueGreenSwitchTo(ctx(), back);
                return `traffic switched back from ${active} to ${back}`;
            },
            async retireOld() {
                const o = await blueGreenPromote(ctx({ action: 'promote' }));
                return { revision: o.result.revision };
            },
            commands: () => [...helm.commands, ...kubectl.commands],
            close() {
                opened.close();
                session.close();
            },
        };
    }
    catch (e) {
        values?.close();
        session.close();
        throw e;
    }
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
function summary_table(headers, rows) {
    const head = `| ${headers.map(cell).join(' | ')} |`;
    const rule = `| ${headers.map(() => '---').join(' | ')} |`;
    const body = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
    return [head, rule, ...body].join('\n') + '\n\n';
}
function summary_heading(text, level = 2) {
    return `${'#'.repeat(level)} ${text}\n\n`;
}
function summary_details(summaryText, body) {
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
function summary_lineChart(title, xLabels, series, yTitle, options = {}) {
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
function summary_formatMs(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

;// CONCATENATED MODULE: ./src/rollout/cancel.ts

const STATE_KEY = 'rollout';
/** The saved state, or undefined when main never saved one (nothing was deployed). */
function readState(text) {
    if (!text)
        return undefined;
    const s = JSON.parse(text);
    if (s.v !== 1)
        throw new Error(`unknown rollout state version ${String(s.v)}`);
    return s;
}
/** Whether the state is unfinished business: something may serve the new version. */
function needsAbort(state) {
    return state !== undefined && (state.phase === 'progressing' || state.phase === 'promoting' || state.phase === 'aborting');
}
/**
 * Aborts from the saved state; opens the deployer only when needed. Returns what it did.
 * Throws when the abort fails (the post step then fails: traffic may still reach the new version).
 */
async function abortLeftover(state, open, save, reporter) {
    if (!state) {
        reporter.info('rollout post: no saved state, so the rollout deployed nothing; nothing to undo');
        return 'nothing-deployed';
    }
    if (!needsAbort(state)) {
        reporter.info(`rollout post: the rollout ended (${state.phase}); nothing to undo`);
        return 'finished';
    }
    reporter.warning(`rollout post: the rollout did not finish (${state.phase}; its last traffic change was step ${state.step}, weight ${state.weight} %): aborting it`);
    const opened = await open();
    try {
        save({ ...state, phase: 'aborting' });
        await opened.deployer.abort(state);
        save({ ...state, phase: 'aborted' });
    }
    finally {
        opened.close();
    }
    await reporter.summary(summary_heading('↩️ Rollout aborted by its post step', 2) +
        'The rollout did not reach its end (cancelled or killed), so its post step put all traffic back on stable.\n\n' +
        (state.codeDeployDeploymentId
            ? summary_table(['last traffic change (step)', 'phase', 'weight reached', 'CodeDeploy deployment'], [[state.step, state.phase, `${state.weight} %`, `${state.codeDeployDeploymentId} stopped with auto-rollback`]])
            : summary_table(['last traffic change (step)', 'phase', 'weight reached'], [[state.step, state.phase, `${state.weight} %`]])));
    return 'aborted';
}

;// CONCATENATED MODULE: ./src/health-gate/body-match.ts
/**
 * `body-match`: either `/regex/flags`, or a small JSON path condition such as
 * `$.status == "ok"`, `$.checks[0].healthy == true`, `$.version != null` or just `$.ready`
 * (present and truthy). Parsed once at input time; evaluated per response.
 */

const INPUT = 'body-match';
const FIX = 'Write /regex/ or a JSON path condition such as $.status == "ok"';
function parsePath(text) {
    if (!text.startsWith('$'))
        throw new errors_InputError(INPUT, `'${text}' does not start with $`, FIX);
    const parts = [];
    const re = /\.([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/y;
    let at = 1;
    while (at < text.length) {
        re.lastIndex = at;
        const m = re.exec(text);
        if (!m)
            throw new errors_InputError(INPUT, `cannot read the JSON path '${text}' at character ${at + 1}`, FIX);
        parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
        at = re.lastIndex;
    }
    return parts;
}
function parseBodyMatch(value) {
    const v = value.trim();
    if (v === '')
        return undefined;
    const rx = /^\/(.*)\/([dgimsuy]*)$/s.exec(v);
    if (rx) {
        try {
            return { kind: 'regex', source: v, regex: new RegExp(rx[1], rx[2].replace('g', '')) };
        }
        catch (e) {
            throw new errors_InputError(INPUT, `'${v}' is not a valid regular expression (${e.message})`, FIX);
        }
    }
    const cond = /^(\$\S*)\s*(==|!=)\s*(.+)$/s.exec(v);
    if (!cond)
        return { kind: 'json', source: v, path: parsePath(v) };
    let expected;
    try {
        expected = JSON.parse(cond[3]);
    }
    catch {
        throw new errors_InputError(INPUT, `${cond[3]} is not a JSON value`, 'Quote strings: $.status == "ok"; numbers, true, false and null as is');
    }
    return { kind: 'json', source: v, path: parsePath(cond[1]), op: cond[2], expected };
}
function lookup(doc, path) {
    let cur = doc;
    for (const p of path) {
        if (cur === null || typeof cur !== 'object' || !(p in cur))
            return { found: false };
        cur = cur[p];
    }
    return { found: true, value: cur };
}
/** Undefined when the body matches; otherwise why not, for the report. */
function body_match_bodyMismatch(match, body) {
    if (match.kind === 'regex')
        return match.regex.test(body) ? undefined : `body does not match ${match.source}`;
    let doc;
    try {
        doc = JSON.parse(body);
    }
    catch {
        return `body is not JSON, so ${match.source} cannot hold`;
    }
    const { found, value } = lookup(doc, match.path);
    const shown = found ? JSON.stringify(value) : 'missing';
    if (match.op === undefined)
        return found && Boolean(value) ? undefined : `${match.source} is ${shown}`;
    const equal = found && JSON.stringify(value) === JSON.stringify(match.expected);
    const holds = match.op === '==' ? equal : found && !equal;
    return holds ? undefined : `${match.source} does not hold: value is ${shown}`;
}

;// CONCATENATED MODULE: ./src/health-gate/cloudwatch/alarm-selectors.ts
/**
 * The `cloudwatch-alarms` input: alarm names, comma or newline separated, or `prefix:NAME` for
 * every alarm (metric or composite) whose name starts with NAME (DescribeAlarms' AlarmNamePrefix).
 */


/** CloudWatch's limit on an alarm name (PutMetricAlarm AlarmName: 1-255 characters). */
const MAX_NAME = 255;
function parseAlarmSelectors(value) {
    const seen = new Set();
    const out = [];
    for (const item of parseList(value)) {
        const isPrefix = /^prefix:/i.test(item);
        const text = isPrefix ? item.slice('prefix:'.length).trim() : item;
        if (text === '')
            throw new errors_InputError('cloudwatch-alarms', `'${item}' has an empty prefix, which would match every alarm in the region`, 'Write prefix:NAME with the start of the alarm names, e.g. prefix:shop-prod-');
        if (text.length > MAX_NAME)
            throw new errors_InputError('cloudwatch-alarms', `'${text.slice(0, 40)}…' is longer than ${MAX_NAME} characters`, 'Give alarm names as CloudWatch shows them');
        const key = `${isPrefix ? 'p' : 'n'}:${text}`;
        if (seen.has(key))
            continue;
        seen.add(key);
        out.push(isPrefix ? { kind: 'prefix', prefix: text } : { kind: 'name', name: text });
    }
    return out;
}
/** How the selector reads in logs and the summary. */
function alarm_selectors_describeSelector(s) {
    return s.kind === 'name' ? s.name : `prefix:${s.prefix}`;
}

;// CONCATENATED MODULE: ./src/health-gate/cloudwatch/metric-spec.ts
/**
 * The `cloudwatch:` (and its `baseline:`) block of a metric in the `metrics` input, validated
 * against GetMetricData's rules before any AWS call: a metric stat needs namespace, metric and
 * stat; a period is 1, 5, 10 or 30 s (high resolution) or a multiple of 60 s (standard); an
 * expression may only use the ids defined under `metrics:` (ids start with a lowercase letter).
 */

const metric_spec_INPUT = 'metrics';
const STAT_KEYS = ['namespace', 'metric', 'dimensions', 'stat', 'unit'];
const QUERY_KEYS = [...STAT_KEYS, 'period', 'expression', 'metrics'];
/** GetMetricData's Id rule. */
const ID = /^[a-z][a-zA-Z0-9_]*$/;
/** CloudWatch statistics: the five basic ones and the extended forms (p99, p99.9, tm90, TM(10%:90%), IQM, ...). */
const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|IQM|p(\d{1,2}(\.\d+)?|100)|(tm|wm|tc|ts|pr)\d{1,2}(\.\d+)?|(TM|WM|TC|TS|PR)\([^)]*\))$/;
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 30];
const DEFAULT_PERIOD_S = 60;
function fail(problem, fix) {
    throw new errors_InputError(metric_spec_INPUT, problem, fix);
}
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function metric_spec_text(where, key, v, example) {
    if (typeof v !== 'string' || v.trim() === '')
        fail(`${where}: cloudwatch '${key}' is missing`, `Give ${key}: ${example}`);
    return v.trim();
}
function readStat(where, o) {
    const namespace = metric_spec_text(where, 'namespace', o.namespace, 'AWS/ApplicationELB');
    const metric = metric_spec_text(where, 'metric', o.metric, 'HTTPCode_Target_5XX_Count');
    const stat = metric_spec_text(where, 'stat', o.stat, 'Sum (or Average, Maximum, p99, ...)');
    if (!STAT.test(stat))
        fail(`${where}: cloudwatch stat '${stat}' is not a CloudWatch statistic`, 'Use Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p99');
    const dimensions = {};
    if (o.dimensions !== undefined && o.dimensions !== null) {
        if (!isObject(o.dimensions))
            fail(`${where}: cloudwatch dimensions must be a map`, 'Write dimensions: {LoadBalancer: app/shop/1a2b, TargetGroup: targetgroup/shop/3c4d}');
        for (const [k, v] of Object.entries(o.dimensions)) {
            if (typeof v !== 'string' && typeof v !== 'number')
                fail(`${where}: cloudwatch dimension '${k}' must be a string`, 'Give each dimension a value');
            dimensions[k] = String(v);
        }
        if (Object.keys(dimensions).length > 30)
            fail(`${where}: more than 30 cloudwatch dimensions`, 'CloudWatch allows at most 30 dimensions per metric');
    }
    const unit = o.unit === undefined ? undefined : metric_spec_text(where, 'unit', o.unit, 'Count');
    return { namespace, metric, dimensions, stat, ...(unit !== undefined && { unit }) };
}
function readPeriod(where, v) {
    if (v === undefined || v === null)
        return DEFAULT_PERIOD_S;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/s$/, '')) : NaN;
    if (!Number.isInteger(n) || n <= 0)
        fail(`${where}: cloudwatch period ${JSON.stringify(v)} is not a whole number of seconds`, 'Give period: 60 (seconds)');
    if (!HIGH_RESOLUTION_PERIODS.includes(n) && n % 60 !== 0)
        fail(`${where}: cloudwatch period ${n} is not a multiple of 60, as standard-resolution metrics need (high-resolution ones may also use 1, 5, 10 or 30)`, `Use period: ${Math.max(60, Math.round(n / 60) * 60)}`);
    return n;
}
/** The ids an expression refers to: lowercase-initial identifiers outside quoted strings (functions are upper case). */
function expressionIds(expression) {
    const bare = expression.replace(/'[^']*'|"[^"]*"/g, ' ');
    return [...new Set([...bare.matchAll(/(?<![A-Za-z0-9_.])[a-z][a-zA-Z0-9_]*/g)].map((m) => m[0]))];
}
/** One `cloudwatch:` or CloudWatch `baseline:` block -> a GetMetricData query. `side` names it in messages. */
function parseCloudWatchQuery(metricName, side, v) {
    const where = `metric '${metricName}' ${side}`;
    if (!isObject(v))
        fail(`${where} must be a map such as {namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {...}, stat: Sum, period: 60}`, 'Write the CloudWatch query as a YAML map');
    for (const key of Object.keys(v)) {
        if (!QUERY_KEYS.includes(key))
            fail(`${where}: unknown cloudwatch key '${key}'`, `Use only: ${QUERY_KEYS.join(', ')}`);
    }
    const periodS = readPeriod(where, v.period);
    if (v.expression === undefined) {
        if (v.metrics !== undefined)
            fail(`${where}: metrics: is only used with expression:`, 'Give expression: (metric math over the ids in metrics:), or drop metrics:');
        return { kind: 'metric', periodS, ...readStat(where, v) };
    }
    const expression = metric_spec_text(where, 'expression', v.expression, '"100 * e / r"');
    for (const key of STAT_KEYS) {
        if (v[key] !== undefined)
            fail(`${where}: '${key}' belongs inside metrics: when expression: is used`, 'Define each metric under metrics: {id: {namespace, metric, dimensions, stat}}');
    }
    if (!isObject(v.metrics) || Object.keys(v.metrics).length === 0)
        fail(`${where}: expression needs metrics:`, 'Define the ids it uses: metrics: {e: {namespace: ..., metric: ..., stat: Sum}, r: {...}}');
    const metrics = {};
    for (const [id, m] of Object.entries(v.metrics)) {
        if (!ID.test(id))
            fail(`${where}: id '${id}' must start with a lowercase letter and hold only letters, digits and _`, 'Rename it, e.g. e or errors_5xx');
        if (!isObject(m))
            fail(`${where}: metrics.${id} must be a map`, 'Write {namespace: ..., metric: ..., dimensions: {...}, stat: Sum}');
        for (const key of Object.keys(m)) {
            if (!STAT_KEYS.includes(key))
                fail(`${where}: unknown key '${key}' in metrics.${id}`, `Use only: ${STAT_KEYS.join(', ')}`);
        }
        metrics[id] = readStat(`${where} metrics.${id}`, m);
    }
    const undefinedIds = expressionIds(expression).filter((id) => !(id in metrics));
    if (undefinedIds.length > 0)
        fail(`${where}: expression "${expression}" uses id '${undefinedIds[0]}', which is not defined under metrics:`, `Define ${undefinedIds[0]} under metrics:, or use one of: ${Object.keys(metrics).join(', ')}`);
    return { kind: 'expression', expression, metrics, periodS };
}
function statText(m) {
    const dims = Object.entries(m.dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    return `${m.namespace} ${m.metric}${dims ? `{${dims}}` : ''} ${m.stat}`;
}
/** One line describing the query, for the report and the summary. */
function describeCloudWatchQuery(q) {
    if (q.kind === 'metric')
        return `${statText(q)} per ${q.periodS}s`;
    const ids = Object.entries(q.metrics)
        .map(([id, m]) => `${id} = ${statText(m)}`)
        .join('; ');
    return `${q.expression} per ${q.periodS}s (${ids})`;
}

;// CONCATENATED MODULE: ./src/health-gate/metrics-spec.ts
/**
 * The `metrics` input: a YAML list of metrics, each a PromQL query with its condition. Parsed
 * with the `yaml` package so a syntax error can say the line and column; unknown keys are
 * refused (a typo such as `maxx` must not silently drop the condition).
 */



const PROMQL_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
/** The longest range selector ([5m], [1m30s], or the range of a subquery [5m:1m]) in PromQL, in ms. */
function longestRangeMs(...queries) {
    let longest;
    for (const q of queries) {
        for (const m of (q ?? '').matchAll(/\[\s*((?:\d+(?:ms|[smhdwy]))+)\s*(?::[^\]]*)?\]/g)) {
            let ms = 0;
            for (const part of m[1].matchAll(/(\d+)(ms|[smhdwy])/g))
                ms += Number(part[1]) * PROMQL_UNIT_MS[part[2]];
            longest = Math.max(longest ?? 0, ms);
        }
    }
    return longest;
}
const KEYS = ['name', 'query', 'cloudwatch', 'max', 'min', 'baseline', 'total', 'baseline-total', 'counters', 'critical', 'no-data'];
const metrics_spec_INPUT = 'metrics';
function metrics_spec_fail(problem, fix) {
    throw new errors_InputError(metrics_spec_INPUT, problem, fix);
}
function readNumber(where, key, v) {
    if (v === undefined || v === null)
        return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n))
        metrics_spec_fail(`${where}: '${key}' is ${JSON.stringify(v)}, not a number`, `Give a number such as ${key}: 0.05`);
    return n;
}
function readString(where, key, v) {
    if (v === undefined || v === null)
        return undefined;
    if (typeof v !== 'string' || v.trim() === '')
        metrics_spec_fail(`${where}: '${key}' must be a non-empty string`, `Write ${key}: <PromQL>`);
    return v.trim();
}
/** Which change is worse, from the conditions given. */
function directionOf(max, min) {
    return max !== undefined && min !== undefined ? 'either' : max !== undefined ? 'increase' : 'decrease';
}
function policies(where, obj) {
    let critical = false;
    if (obj.critical !== undefined) {
        if (typeof obj.critical !== 'boolean')
            metrics_spec_fail(`${where}: critical must be true or false`, 'Write critical: true');
        critical = obj.critical;
    }
    let noData = 'inconclusive';
    if (obj['no-data'] !== undefined) {
        if (obj['no-data'] !== 'fail' && obj['no-data'] !== 'inconclusive')
            metrics_spec_fail(`${where}: no-data is ${JSON.stringify(obj['no-data'])}`, 'Use no-data: fail or no-data: inconclusive');
        noData = obj['no-data'];
    }
    return { critical, noData };
}
/** A metric with cloudwatch: (and optionally baseline: in the same form), read with GetMetricData. */
function cloudWatchMetric(name, where, obj, max, min) {
    if (obj.query !== undefined)
        metrics_spec_fail(`${where} has both query and cloudwatch`, 'Give query: (PromQL) or cloudwatch: (CloudWatch), not both');
    for (const key of ['total', 'baseline-total', 'counters']) {
        if (obj[key] !== undefined)
            metrics_spec_fail(`${where}: ${key} is for Prometheus metrics`, 'For a CloudWatch ratio use an expression, e.g. expression: "100 * e / r" with metrics: {e: ..., r: ...}');
    }
    const canary = parseCloudWatchQuery(name, 'cloudwatch', obj.cloudwatch);
    const baseline = obj.baseline === undefined || obj.baseline === null ? undefined : parseCloudWatchQuery(name, 'baseline', obj.baseline);
    if (baseline && baseline.periodS !== canary.periodS)
        metrics_spec_fail(`${where}: baseline period ${baseline.periodS} differs from the cloudwatch period ${canary.periodS}`, 'Give canary and baseline the same period, so their datapoints cover the same windows');
    return {
        name,
        query: describeCloudWatchQuery(canary),
        ...(baseline && { baseline: describeCloudWatchQuery(baseline) }),
        cloudwatch: { canary, ...(baseline && { baseline }) },
        max,
        min,
        ...policies(where, obj),
        direction: directionOf(max, min),
        cumulative: false,
    };
}
function parseMetrics(text) {
    if (text.trim() === '')
        return [];
    const lines = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const pos = lines.linePos(e.pos[0]);
        metrics_spec_fail(`is not valid YAML at line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}`, 'Write a YAML list of metrics, each with name, query and max or min');
    }
    if (!(0,dist/* isSeq */.oP)(doc.contents))
        metrics_spec_fail('must be a YAML list of metrics', 'Start each metric with "- name: ..."');
    const seen = new Set();
    return doc.contents.items.map((item, i) => {
        const line = item && typeof item === 'object' && 'range' in item && item.range ? lines.linePos(item.range[0]).line : undefined;
        let where = `metric ${i + 1}${line ? ` (line ${line})` : ''}`;
        if (!(0,dist/* isMap */.jh)(item))
            metrics_spec_fail(`${where} is not a mapping`, 'Give name, query and max or min for each metric');
        const obj = item.toJSON();
        for (const key of Object.keys(obj)) {
            if (!KEYS.includes(key))
                metrics_spec_fail(`${where}: unknown key '${key}'`, `Use only: ${KEYS.join(', ')}`);
        }
        const name = readString(where, 'name', obj.name) ?? metrics_spec_fail(`${where} has no name`, 'Give each metric a name');
        where = `metric '${name}'`;
        if (seen.has(name))
            metrics_spec_fail(`${where} is declared twice`, 'Give each metric a unique name');
        seen.add(name);
        const max = readNumber(where, 'max', obj.max);
        const min = readNumber(where, 'min', obj.min);
        if (max === undefined && min === undefined)
            metrics_spec_fail(`${where} has no condition`, 'Give max: and/or min: (the value the metric must stay within)');
        if (max !== undefined && min !== undefined && min > max)
            metrics_spec_fail(`${where}: min ${min} is above max ${max}`, 'Make min <= max');
        if (obj.cloudwatch !== undefined)
            return cloudWatchMetric(name, where, obj, max, min);
        const query = readString(where, 'query', obj.query) ?? metrics_spec_fail(`${where} has no query`, 'Give the PromQL in query: (or a CloudWatch query in cloudwatch:)');
        if (typeof obj.baseline === 'object' && obj.baseline !== null)
            metrics_spec_fail(`${where}: baseline is a CloudWatch query but the metric reads Prometheus (query:)`, 'Give baseline as PromQL, or use cloudwatch: for the canary too');
        const baseline = readString(where, 'baseline', obj.baseline);
        const total = readString(where, 'total', obj.total);
        const baselineTotal = readString(where, 'baseline-total', obj['baseline-total']);
        if (baselineTotal !== undefined && (total === undefined || baseline === undefined)) {
            metrics_spec_fail(`${where}: baseline-total needs both total and baseline`, 'Give total (canary requests) and baseline (stable errors) too');
        }
        if (baseline !== undefined && total !== undefined && baselineTotal === undefined) {
            metrics_spec_fail(`${where}: with total and baseline the stable requests are needed`, "Give baseline-total (PromQL for the stable version's requests)");
        }
        const { critical, noData } = policies(where, obj);
        const direction = directionOf(max, min);
        let cumulative = false;
        if (obj.counters !== undefined) {
            if (typeof obj.counters !== 'boolean')
                metrics_spec_fail(`${where}: counters must be true or false`, 'Write counters: true');
            cumulative = obj.counters;
        }
        const countWindowMs = total !== undefined ? longestRangeMs(query, total, baseline, baselineTotal) : undefined;
        if (cumulative && total === undefined)
            metrics_spec_fail(`${where}: counters needs total`, 'Give total (the requests counter) too, or drop counters');
        if (cumulative && countWindowMs !== undefined) {
            metrics_spec_fail(`${where}: counters is true but a query has a range selector`, 'With counters: true give raw counters such as sum(http_requests_total{...}), without increase()[...]');
        }
        return {
            name,
            query,
            max,
            min,
            baseline,
            total,
            baselineTotal,
            critical,
            noData,
            direction,
            cumulative,
            ...(countWindowMs !== undefined && { countWindowMs }),
        };
    });
}

;// CONCATENATED MODULE: ./src/health-gate/inputs.ts
/** Inputs of health-gate: HTTP checks, Prometheus analysis settings, traffic and reporting. */





const health_gate_inputs_INPUTS = {
    urls: {},
    'expected-status': { default: '200' },
    'body-match': {},
    'request-timeout': { default: '5s' },
    'check-interval': { default: '5s' },
    'consecutive-successes': { default: '3' },
    deadline: {},
    headers: {},
    'prometheus-url': {},
    'prometheus-token': {},
    'prometheus-username': {},
    'prometheus-password': {},
    metrics: {},
    interval: {},
    count: {},
    duration: {},
    'failure-limit': { default: '0' },
    'inconclusive-limit': { default: '2' },
    'consecutive-error-limit': { default: '2' },
    'consecutive-success-limit': { default: '0' },
    'min-samples': {},
    'effect-size': { default: '1.5' },
    confidence: { default: '0.99' },
    'compare-baseline': { default: 'true' },
    'inconclusive-is': { default: 'fail' },
    'fail-on': { default: 'any' },
    'traffic-url': {},
    'traffic-rps': { default: '0' },
    'report-file': {},
    'cloudwatch-alarms': {},
    'aws-region': {},
};
const health_gate_inputs_OUTPUTS = (/* unused pure expression or super */ null && (['verdict', 'score', 'report', 'report-file']));
const DEFAULT_COUNT = 10;
/** min-samples when not given: this, or every measurement when count is smaller (a default never conflicts with a valid count). */
const DEFAULT_MIN_SAMPLES = 5;
/**
 * The min-samples the analysis uses: the explicit value, which may not exceed count (an input
 * error naming min-samples), or the smaller of DEFAULT_MIN_SAMPLES and count.
 * `countSource` names where count came from, for the message (count, duration, or the default).
 */
function resolveMinSamples(explicit, count, countSource) {
    if (explicit === undefined)
        return Math.min(DEFAULT_MIN_SAMPLES, count);
    if (explicit > count)
        throw new errors_InputError('min-samples', `${explicit} is more than the ${count} measurements the analysis takes${countSource ? ` (${countSource})` : ` (default count ${DEFAULT_COUNT})`}`, `Lower min-samples to at most ${count}, or raise count/duration`);
    return explicit;
}
function parseStatusList(value) {
    const list = parseList(value);
    if (list.length === 0)
        throw new errors_InputError('expected-status', 'is empty', 'Give codes such as 200, 204 or a class such as 2xx');
    for (const s of list) {
        if (!/^[1-5](\d\d|xx)$/i.test(s))
            throw new errors_InputError('expected-status', `'${s}' is not a status code or class`, 'Give codes such as 200, 204 or a class such as 2xx');
    }
    return list.map((s) => s.toLowerCase());
}
function parseHeaders(value) {
    const headers = {};
    for (const [n, line] of parseLines(value).entries()) {
        const at = line.indexOf(':');
        const name = at > 0 ? line.slice(0, at).trim() : '';
        // Quote only the first word: the rest of a malformed line ("Authorization Bearer abc:d") may be the credential.
        const start = line
            .trim()
            .split(/[\s:=]/)[0]
            .slice(0, 40) || '(no name)';
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
            throw new errors_InputError('headers', `line ${n + 1} ('${start}…') is not a header line`, 'Write one "Name: value" per line');
        headers[name] = line.slice(at + 1).trim();
    }
    return headers;
}
/** Positive durations only: a zero or negative interval would spin or never end. */
function positiveDuration(name, value) {
    if (value.trim().startsWith('-'))
        throw new errors_InputError(name, `'${value}' is negative`, 'Give a positive duration such as 30s');
    const ms = parseDuration(name, value);
    if (ms <= 0)
        throw new errors_InputError(name, `'${value}' is not a positive duration`, 'Give a positive duration such as 30s');
    return ms;
}
/** Default deadline of the HTTP checks: 5 minutes, or room for twice the healthy rounds needed when they take longer. */
const DEFAULT_DEADLINE_MS = 300_000;
/** Default interval between measurements (raised to the longest CloudWatch period, lowered to duration). */
const DEFAULT_INTERVAL_MS = 30_000;
/**
 * deadline: explicit (it must leave room for consecutive-successes rounds, (n - 1) intervals,
 * or the checks could never pass), or the larger of 5 minutes and 2 x n x check-interval.
 */
function httpDeadline(raw, successes, intervalRaw) {
    const intervalMs = positiveDuration('check-interval', intervalRaw);
    const needed = (successes - 1) * intervalMs;
    if (raw === '')
        return Math.max(DEFAULT_DEADLINE_MS, 2 * successes * intervalMs);
    const deadlineMs = positiveDuration('deadline', raw);
    if (deadlineMs <= needed)
        throw new errors_InputError('deadline', `'${raw}' is too short for ${successes} healthy rounds ${formatDuration(intervalMs)} apart (they take ${formatDuration(needed)})`, `Raise deadline above ${formatDuration(needed)}, or lower consecutive-successes or check-interval`);
    return deadlineMs;
}
/**
 * interval: explicit, or 30 s raised to the longest CloudWatch period (a shorter interval would
 * re-read the same period) and lowered to duration when that is shorter (one measurement).
 */
function analysisInterval(raw, durationRaw, metrics) {
    if (raw !== '')
        return positiveDuration('interval', raw);
    const longestPeriodMs = Math.max(0, ...metrics.map((m) => (m.cloudwatch?.canary.periodS ?? 0) * 1000));
    const ms = Math.max(DEFAULT_INTERVAL_MS, longestPeriodMs);
    return durationRaw === '' ? ms : Math.min(ms, positiveDuration('duration', durationRaw));
}
/**
 * Raw input strings -> validated inputs; throws InputError naming the input and the fix.
 * `env` supplies the region when aws-region is empty: AWS_REGION / AWS_DEFAULT_REGION, as
 * aws-actions/configure-aws-credentials exports them.
 */
function health_gate_inputs_parseInputs(raw, env = process.env) {
    const get = (n) => rawValue(health_gate_inputs_INPUTS, raw, n);
    const secrets = [];
    const requestTimeoutMs = positiveDuration('request-timeout', get('request-timeout'));
    const urls = parseList(get('urls')).map((u) => parseHttpUrlWithoutCredentials('urls', u, 'Drop them from the URL and send them in headers (e.g. Authorization: Basic ...)').toString());
    const headers = parseHeaders(get('headers'));
    secrets.push(...Object.values(headers));
    const http = urls.length === 0
        ? undefined
        : {
            urls,
            expectedStatus: parseStatusList(get('expected-status')),
            bodyMatch: parseBodyMatch(get('body-match')),
            requestTimeoutMs,
            intervalMs: positiveDuration('check-interval', get('check-interval')),
            consecutiveSuccesses: parseInteger('consecutive-successes', get('consecutive-successes'), { min: 1, max: 1000 }),
            deadlineMs: httpDeadline(get('deadline'), parseInteger('consecutive-successes', get('consecutive-successes'), { min: 1, max: 1000 }), get('check-interval')),
            headers,
        };
    const metrics = parseMetrics(get('metrics'));
    const compareBaseline = parseBoolean('compare-baseline', get('compare-baseline'));
    const promUrl = get('prometheus-url');
    const alarms = parseAlarmSelectors(get('cloudwatch-alarms'));
    const promMetrics = metrics.filter((m) => m.cloudwatch === undefined);
    const cwMetrics = metrics.filter((m) => m.cloudwatch !== undefined);
    if (promMetrics.length > 0 && promUrl === '')
        throw new errors_InputError('prometheus-url', `is needed to evaluate metric '${promMetrics[0].name}' (a query:)`, 'Set prometheus-url to the Prometheus base URL');
    if (promUrl !== '' && promMetrics.length === 0)
        throw new errors_InputError('metrics', 'has no Prometheus metric (query:) but prometheus-url is set', 'List the metrics to analyse, or drop prometheus-url');
    if (!http && metrics.length === 0 && alarms.length === 0)
        throw new errors_InputError('urls', 'is empty, and so are metrics and cloudwatch-alarms: there is nothing to check', 'Give health URLs in urls, metrics to analyse in metrics, CloudWatch alarms in cloudwatch-alarms, or several');
    const usesCloudWatch = cwMetrics.length > 0 || alarms.length > 0;
    const region = parseAwsRegion('aws-region', get('aws-region'), 'Give the region of the alarms and metrics, such as eu-west-1') ??
        (usesCloudWatch
            ? parseAwsRegion('aws-region', env.AWS_REGION || env.AWS_DEFAULT_REGION || '', 'AWS_REGION holds no region code: set aws-region')
            : undefined);
    if (usesCloudWatch && region === undefined)
        throw new errors_InputError('aws-region', `is needed to read CloudWatch (${alarms.length > 0 ? 'cloudwatch-alarms' : `metric '${cwMetrics[0].name}'`}) and AWS_REGION is not set`, 'Set aws-region to the region of the alarms and metrics, such as eu-west-1 (or configure AWS credentials with a region first)');
    let analysis;
    if (metrics.length > 0 || alarms.length > 0) {
        const token = get('prometheus-token');
        const username = get('prometheus-username');
        const password = get('prometheus-password');
        secrets.push(token, password);
        if (token && (username || password))
            throw new errors_InputError('prometheus-token', 'and prometheus-username/-password are both set', 'Use a bearer token or basic auth, not both');
        if (Boolean(username) !== Boolean(password))
            throw new errors_InputError(username ? 'prometheus-password' : 'prometheus-username', 'is missing', 'Basic auth needs both prometheus-username and prometheus-password');
        const auth = token ? { kind: 'bearer', token } : username ? { kind: 'basic', username, password } : { kind: 'none' };
        const countRaw = get('count');
        const durationRaw = get('duration');
        const intervalMs = analysisInterval(get('interval'), durationRaw, metrics);
        if (countRaw && durationRaw)
            throw new errors_InputError('count', 'and duration are both set', 'Give either count (measurements) or duration, not both');
        let count = DEFAULT_COUNT;
        if (countRaw)
            count = parseInteger('count', countRaw, { min: 1, max: 10_000 });
        if (durationRaw) {
            count = Math.floor(positiveDuration('duration', durationRaw) / intervalMs);
            if (count < 1)
                throw new errors_InputError('duration', `'${durationRaw}' is shorter than one interval`, 'Give a duration of at least one interval');
        }
        const minSamplesRaw = get('min-samples');
        const explicitMinSamples = minSamplesRaw === '' ? undefined : parseInteger('min-samples', minSamplesRaw, { min: 1 });
        analysis = {
            prometheusUrl: promMetrics.length > 0
                ? parseHttpUrlWithoutCredentials('prometheus-url', promUrl, 'Drop them from the URL and use prometheus-username and prometheus-password')
                    .toString()
                    .replace(/\/+$/, '')
                : undefined,
            auth,
            metrics,
            alarms,
            awsRegion: usesCloudWatch ? region : undefined,
            intervalMs,
            count,
            queryTimeoutMs: requestTimeoutMs,
            failureLimit: parseInteger('failure-limit', get('failure-limit'), { min: 0 }),
            inconclusiveLimit: parseInteger('inconclusive-limit', get('inconclusive-limit'), { min: 0 }),
            consecutiveErrorLimit: parseInteger('consecutive-error-limit', get('consecutive-error-limit'), { min: 0 }),
            consecutiveSuccessLimit: parseInteger('consecutive-success-limit', get('consecutive-success-limit'), { min: 0 }),
            minSamples: resolveMinSamples(explicitMinSamples, count, countRaw ? 'count' : durationRaw ? 'duration' : undefined),
            explicitMinSamples,
            effectSize: parseNumber('effect-size', get('effect-size'), { min: 1 }),
            confidence: parseNumber('confidence', get('confidence'), { min: 0.5, max: 0.999999 }),
            compareBaseline,
        };
    }
    const rps = parseNumber('traffic-rps', get('traffic-rps'), { min: 0, max: 1000 });
    const trafficUrl = get('traffic-url');
    if (rps > 0 && trafficUrl === '')
        throw new errors_InputError('traffic-url', 'is needed when traffic-rps is above 0', 'Set traffic-url to the canary URL to exercise');
    if (rps > 0 && !analysis)
        throw new errors_InputError('traffic-rps', 'only makes sense during a metrics analysis', 'Add metrics, or set traffic-rps to 0');
    const traffic = rps > 0 ? { url: parseHttpUrlWithoutCredentials('traffic-url', trafficUrl, 'Give a URL without credentials').toString(), rps } : undefined;
    return {
        http,
        analysis,
        inconclusiveIs: parseEnum('inconclusive-is', get('inconclusive-is'), ['fail', 'pass']),
        failOn: parseEnum('fail-on', get('fail-on'), ['any', 'none']),
        traffic,
        reportFile: get('report-file') || undefined,
        secrets: secrets.filter((s) => s !== ''),
    };
}

;// CONCATENATED MODULE: ./src/health-gate/prometheus.ts
/**
 * Instant queries against Prometheus' HTTP API. Every way of not getting a usable number has
 * its own name, so the report can say why and the analysis never mistakes it for a pass:
 * no data (empty vector, NaN, ±Inf, stale sample) is a property of the metric; an error
 * (unreachable, timeout, HTTP error, execution error) is a property of Prometheus. A 400
 * means the PromQL itself is wrong: that is a configuration error and ends the gate.
 */


/** The query can never work as written (PromQL syntax, unknown function, refused credentials). */
class prometheus_PrometheusConfigError extends errors_ServiceError {
    constructor(problem, hint) {
        super('Prometheus', problem, hint);
    }
}
function headersFor(auth, reporter) {
    if (auth.kind === 'bearer')
        return { authorization: bearerAuthorization(reporter, auth.token) };
    if (auth.kind === 'basic')
        return { authorization: basicAuthorization(reporter, auth.username, auth.password) };
    return {};
}
/** The credentials of `auth`, for scrubbing what Prometheus (or a proxy before it) answers. */
function secretsOf(auth) {
    if (auth.kind === 'bearer')
        return [auth.token];
    if (auth.kind === 'basic')
        return [auth.password, `${auth.username}:${auth.password}`];
    return [];
}
/** Prometheus writes sample values as strings: "1.5", "NaN", "+Inf", "-Inf". */
function sampleOutcome(pair, now, staleAfterMs) {
    if (!Array.isArray(pair) || pair.length !== 2)
        return { kind: 'error', reason: 'bad-response', detail: `unexpected sample ${JSON.stringify(pair)}` };
    const timestampMs = Number(pair[0]) * 1000;
    const raw = String(pair[1]);
    // Number('+Inf') is NaN, so infinities are read by name.
    const value = /^[+-]?Inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
    if (Number.isNaN(value))
        return { kind: 'no-data', reason: 'nan', detail: 'the query returned NaN (often 0/0: no requests in the window)' };
    if (!Number.isFinite(value))
        return { kind: 'no-data', reason: 'infinite', detail: `the query returned ${raw} (a division by zero)` };
    if (now - timestampMs > staleAfterMs) {
        return {
            kind: 'no-data',
            reason: 'stale',
            detail: `the newest sample is ${Math.round((now - timestampMs) / 1000)} s old (limit ${Math.round(staleAfterMs / 1000)} s)`,
        };
    }
    return { kind: 'value', value, timestampMs };
}
class prometheus_PrometheusClient {
    opts;
    fetch;
    clock;
    headers;
    secrets;
    constructor(opts) {
        this.opts = opts;
        this.fetch = opts.fetch ?? ((url, init) => fetch(url, init));
        this.clock = opts.clock ?? Date.now;
        this.headers = headersFor(opts.auth, opts.reporter);
        this.secrets = secretsOf(opts.auth);
    }
    /** At most `max` characters of a body Prometheus (or a proxy) answered, credentials removed. */
    quote(text, max = 200) {
        return scrubServiceText(text, this.secrets).slice(0, max);
    }
    /** One instant query at "now"; throws PrometheusConfigError only for errors no retry can fix. */
    async query(promql, metricName) {
        const now = this.clock();
        const url = `${this.opts.url}/api/v1/query?${new URLSearchParams({ query: promql, time: (now / 1000).toFixed(3) })}`;
        let res;
        let text;
        try {
            res = await this.fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.opts.timeoutMs) });
            text = await res.text();
        }
        catch (e) {
            const err = e;
            if (err.name === 'TimeoutError' || err.name === 'AbortError')
                return { kind: 'error', reason: 'timeout', detail: `no answer from ${this.opts.url} within ${this.opts.timeoutMs} ms` };
            const cause = err.cause?.code ?? err.cause?.message ?? err.message;
            return { kind: 'error', reason: 'unreachable', detail: `cannot reach ${this.opts.url} (${cause})` };
        }
        let body;
        try {
            body = JSON.parse(text);
        }
        catch {
            body = undefined;
        }
        if (res.status === 400) {
            throw new prometheus_PrometheusConfigError(`the query of metric '${metricName}' is invalid: ${this.quote(body?.error ?? text)}`, `Fix the PromQL of '${metricName}' in the metrics input (try it in the Prometheus UI)`);
        }
        if (res.status === 401 || res.status === 403) {
            throw new prometheus_PrometheusConfigError(`answered HTTP ${res.status} to the query of metric '${metricName}'`, 'Check prometheus-token or prometheus-username/-password');
        }
        if (res.status === 422)
            return { kind: 'error', reason: 'execution-error', detail: `Prometheus could not evaluate the query: ${this.quote(body?.error ?? text)}` };
        if (!res.ok)
            return { kind: 'error', reason: 'http-error', detail: `HTTP ${res.status}: ${this.quote(body?.error ?? text)}` };
        if (!body || body.status !== 'success' || !body.data)
            return { kind: 'error', reason: 'bad-response', detail: `not a Prometheus API answer: ${this.quote(text)}` };
        const { resultType, result } = body.data;
        if (resultType === 'scalar')
            return sampleOutcome(result, now, this.opts.staleAfterMs);
        if (resultType !== 'vector')
            return { kind: 'error', reason: 'bad-response', detail: `the query returned a ${resultType}; give an instant vector or scalar expression` };
        const series = Array.isArray(result) ? result : [];
        if (series.length === 0)
            return { kind: 'no-data', reason: 'empty-vector', detail: 'the query returned an empty vector (no matching series, or rate() before two scrapes exist)' };
        if (series.length > 1) {
            const labels = series
                .slice(0, 3)
                .map((s) => JSON.stringify(s.metric ?? {}))
                .join(', ');
            return {
                kind: 'error',
                reason: 'multiple-series',
                detail: `the query returned ${series.length} series (${labels}); aggregate it to one, e.g. with sum()`,
            };
        }
        return sampleOutcome(series[0].value, now, this.opts.staleAfterMs);
    }
}

;// CONCATENATED MODULE: ./src/health-gate/analysis/sequential.ts
/**
 * The per-look significance level of a repeated test on cumulative data (a Pocock-type
 * group-sequential boundary). The gate compares canary and baseline after every round from
 * min-samples to count, each time on everything gathered so far, so the statistics at
 * successive looks are strongly correlated (look n and look n+1 share n samples). Splitting
 * alpha evenly over the looks (Bonferroni) ignores that and wastes power; instead we find the
 * one z-boundary c such that a cumulative sum of independent standard normal increments,
 * watched at samples n_1 < ... < n_K, crosses c·sqrt(n) at some look with probability alpha
 * under "no difference", and test each look at 1 - Phi(c).
 * Computed by the recursive numerical integration of Armitage, McPherson and Rowe (1969) on a
 * grid; beyond MAX_EXACT_LOOKS it falls back to Bonferroni (valid, only more conservative).
 */

const MAX_EXACT_LOOKS = 120;
const STEP = 0.05; // grid step in units of one increment's standard deviation
const TAIL = 7; // standard deviations kept below the data's spread and around each increment
/** Grid cells [lo + i·STEP, lo + (i+1)·STEP) below `bound`, and the share of the last one that is below it. */
function cellsBelow(lo, bound) {
    const exact = Math.max((bound - lo) / STEP, 1e-9);
    const size = Math.ceil(exact);
    return { size, lastShare: exact - (size - 1) };
}
/** P(some look's cumulative z >= c) for looks at samples firstLook..lastLook (no difference). */
function crossingProbability(c, firstLook, lastLook) {
    const kernelHalf = Math.ceil(TAIL / STEP);
    // Probability that one N(0, 1) increment moves the sum by k grid cells.
    const kernel = Array.from({ length: 2 * kernelHalf + 1 }, (_, i) => normalCdf((i - kernelHalf + 0.5) * STEP) - normalCdf((i - kernelHalf - 0.5) * STEP));
    // Mass of the sum S at the first look per cell, cut at the boundary c·sqrt(n).
    const sd = Math.sqrt(firstLook);
    let lo = -TAIL * sd;
    let { size, lastShare } = cellsBelow(lo, c * sd);
    let mass = Array.from({ length: size }, (_, i) => normalCdf((lo + (i + (i === size - 1 ? lastShare : 1)) * STEP) / sd) - normalCdf((lo + i * STEP) / sd));
    for (let n = firstLook + 1; n <= lastLook; n++) {
        // One more sample: convolve with N(0, 1), keep the part still below c·sqrt(n).
        const nextLo = -TAIL * Math.sqrt(n);
        const shift = Math.round((lo - nextLo) / STEP); // old cell i sits at new cell i + shift
        ({ size, lastShare } = cellsBelow(nextLo, c * Math.sqrt(n)));
        const next = new Array(size).fill(0);
        for (let i = 0; i < mass.length; i++) {
            const m = mass[i];
            if (m < 1e-15)
                continue;
            const from = Math.max(0, i + shift - kernelHalf);
            const to = Math.min(size - 1, i + shift + kernelHalf);
            for (let j = from; j <= to; j++)
                next[j] += m * kernel[j - i - shift + kernelHalf];
        }
        next[size - 1] *= lastShare;
        mass = next;
        lo = nextLo;
    }
    const stayedBelow = mass.reduce((a, b) => a + b, 0);
    return Math.min(1, Math.max(0, 1 - stayedBelow));
}
const cache = new Map();
/**
 * The significance level for each of the looks at samples firstLook..lastLook so that the whole
 * analysis keeps its false-fail rate at `alpha`.
 */
function sequential_perLookAlpha(alpha, firstLook, lastLook) {
    const looks = lastLook - firstLook + 1;
    if (looks <= 1)
        return alpha;
    if (looks > MAX_EXACT_LOOKS)
        return alpha / looks;
    const key = `${alpha}:${firstLook}:${lastLook}`;
    const known = cache.get(key);
    if (known !== undefined)
        return known;
    // Bisection on c between the single-look and the Bonferroni boundaries.
    let low = zOf(alpha);
    let high = zOf(alpha / looks) + 0.01;
    for (let i = 0; i < 40 && high - low > 1e-5; i++) {
        const mid = (low + high) / 2;
        if (crossingProbability(mid, firstLook, lastLook) > alpha)
            low = mid;
        else
            high = mid;
    }
    const result = Math.max(alpha / looks, 1 - normalCdf(high));
    cache.set(key, result);
    return result;
}
/** The z with 1 - Phi(z) = p, by bisection (p in (0, 0.5)). */
function zOf(p) {
    let low = 0;
    let high = 40;
    for (let i = 0; i < 100; i++) {
        const mid = (low + high) / 2;
        if (1 - normalCdf(mid) > p)
            low = mid;
        else
            high = mid;
    }
    return high;
}

;// CONCATENATED MODULE: ./src/health-gate/analysis/measurement.ts


/** The value of one side: a plain query, or events/total for count metrics. */
function derive(query, total) {
    if (query.kind === 'error')
        return query;
    if (total?.kind === 'error')
        return total;
    if (query.kind === 'no-data')
        return query;
    if (!total)
        return { kind: 'value', value: query.value };
    if (total.kind === 'no-data')
        return total;
    if (total.value <= 0)
        return { kind: 'no-data', reason: 'no-traffic', detail: 'no requests in the window (total is 0)' };
    return { kind: 'value', value: query.value / total.value, events: query.value, total: total.value };
}
function readingOf(query, total) {
    return query?.kind === 'value' && total?.kind === 'value' ? { events: query.value, total: total.value } : undefined;
}
/** A counter that went down was restarted (a new pod): like Prometheus, count from 0 again. */
function increaseOf(now, before) {
    return now >= before ? now - before : now;
}
/** The raw counter values in one round's outcomes (sides without both values are left out). */
function measurement_counterReadings(outcomes) {
    return { canary: readingOf(outcomes.query, outcomes.total), baseline: readingOf(outcomes.baseline, outcomes.baselineTotal) };
}
/** Raw counters: the events and requests since the side's last reading (or the start reading), as a Derived value. */
function sinceLastReading(derived, side, history, start) {
    if (derived.kind !== 'value' || derived.events === undefined || derived.total === undefined)
        return derived;
    const previous = [...history].reverse().find((s) => s.readings?.[side])?.readings?.[side] ?? start?.[side];
    if (!previous)
        return { kind: 'no-data', reason: 'first-reading', detail: 'first counter reading: counts start from here' };
    const events = increaseOf(derived.events, previous.events);
    const total = increaseOf(derived.total, previous.total);
    if (total <= 0)
        return { kind: 'no-data', reason: 'no-traffic', detail: 'no requests since the last measurement (the counter did not move)' };
    return { kind: 'value', value: events / total, events, total };
}
function fmt(n) {
    return Number.isFinite(n) ? String(Number(n.toPrecision(4))) : String(n);
}
/** The significance level of each look: the looks run on cumulative data, at samples min-samples..count. */
function measurement_comparisonAlpha(settings) {
    return perLookAlpha(1 - settings.confidence, settings.minSamples, settings.minSamples + Math.max(1, settings.looks) - 1);
}
function compare(spec, history, current, settings) {
    const usable = [...history, current].filter((s) => s.value !== undefined && s.baselineValue !== undefined);
    if (usable.length < settings.minSamples)
        return undefined;
    const alpha = measurement_comparisonAlpha(settings);
    let result;
    let pooledSamples;
    if (spec.total !== undefined) {
        const pooled = disjointWindows(usable, spec.countWindowMs);
        if (pooled.length < usable.length)
            pooledSamples = pooled.length;
        const sum = (f) => pooled.reduce((a, s) => a + (f(s) ?? 0), 0);
        result = poissonRateTest(sum((s) => s.counts?.canaryEvents), sum((s) => s.counts?.canaryTotal), sum((s) => s.counts?.baselineEvents), sum((s) => s.counts?.baselineTotal), spec.direction);
    }
    else {
        result = mannWhitney(usable.map((s) => s.value), usable.map((s) => s.baselineValue), spec.direction);
    }
    const worse = result.pValue < alpha && effectIsWorse(result.effectSize, settings.effectSize, spec.direction);
    return { ...result, alpha, allowedEffect: settings.effectSize, worse, ...(pooledSamples !== undefined && { pooledSamples }) };
}
/**
 * The samples whose count windows do not overlap, from the first one forward (so the pool only
 * grows from look to look, as the sequential boundary assumes). increase(x[2m]) measured every
 * 30 s counts each request in four samples: summing them all would treat one error as four and
 * overstate the confidence. A 10% slack absorbs the jitter of the measurement times.
 */
function disjointWindows(samples, windowMs) {
    if (!windowMs)
        return [...samples];
    const kept = [];
    for (const s of samples) {
        if (kept.length === 0 || s.atMs - kept[kept.length - 1].atMs >= 0.9 * windowMs)
            kept.push(s);
    }
    return kept;
}
function missing(spec, side, o) {
    const reason = `no data (${side}: ${o.reason}): ${o.detail}`;
    // A first counter reading is a warm-up, not missing data: never a failure, whatever no-data says.
    if (o.reason === 'first-reading')
        return { status: 'inconclusive', reason, warmUp: true };
    // A CloudWatch period read again (interval shorter than the period) is no new measurement: not counted either.
    if (o.reason === 'same-period')
        return { status: 'inconclusive', reason, warmUp: true };
    return { status: spec.noData === 'fail' ? 'failed' : 'inconclusive', reason };
}
function measurement_measure(spec, outcomes, history, settings, atMs, 
/** Raw counters: the readings taken before the first measurement. */
startReadings) {
    const base = { index: history.length, atMs };
    let canary = derive(outcomes.query, outcomes.total);
    let baseline = spec.baseline !== undefined && outcomes.baseline ? derive(outcomes.baseline, outcomes.baselineTotal) : undefined;
    if (spec.cumulative) {
        const readings = measurement_counterReadings(outcomes);
        if (readings?.canary || readings?.baseline)
            base.readings = readings;
        canary = sinceLastReading(canary, 'canary', history, startReadings);
        if (baseline)
            baseline = sinceLastReading(baseline, 'baseline', history, startReadings);
    }
    if (canary.kind === 'error')
        return { ...base, status: 'error', reason: `canary query: ${canary.reason}: ${canary.detail}` };
    if (baseline?.kind === 'error')
        return { ...base, status: 'error', reason: `baseline query: ${baseline.reason}: ${baseline.detail}` };
    if (canary.kind === 'no-data')
        return { ...base, ...missing(spec, 'canary', canary) };
    const sample = { ...base, status: 'successful', reason: '', value: canary.value };
    if (canary.events !== undefined)
        sample.counts = { canaryEvents: canary.events, canaryTotal: canary.total };
    if (spec.max !== undefined && canary.value > spec.max)
        return { ...sample, status: 'failed', reason: `${fmt(canary.value)} is above max ${fmt(spec.max)}` };
    if (spec.min !== undefined && canary.value < spec.min)
        return { ...sample, status: 'failed', reason: `${fmt(canary.value)} is below min ${fmt(spec.min)}` };
    const within = `${fmt(canary.value)} within ${[spec.min !== undefined ? `min ${fmt(spec.min)}` : '', spec.max !== undefined ? `max ${fmt(spec.max)}` : ''].filter(Boolean).join(' and ')}`;
    if (!baseline)
        return { ...sample, reason: within };
    if (baseline.kind === 'no-data')
        return { ...sample, ...missing(spec, 'baseline', baseline) };
    sample.baselineValue = baseline.value;
    if (sample.counts && baseline.events !== undefined)
        Object.assign(sample.counts, { baselineEvents: baseline.events, baselineTotal: baseline.total });
    const comparison = compare(spec, history, sample, settings);
    if (!comparison)
        return { ...sample, reason: `${within}; comparison waits for ${settings.minSamples} samples` };
    sample.comparison = comparison;
    const stats = `${comparison.test} p=${comparison.pValue.toExponential(2)} (alpha ${comparison.alpha.toExponential(2)}), canary/baseline ${fmt(comparison.effectSize)}x (allowed ${fmt(comparison.allowedEffect)}x)${comparison.pooledSamples !== undefined ? `, counts of the ${comparison.pooledSamples} non-overlapping window(s)` : ''}`;
    if (comparison.worse)
        return { ...sample, status: 'failed', reason: `canary is significantly worse than baseline: ${stats}` };
    return { ...sample, reason: `${within}; not worse than baseline: ${stats}` };
}

;// CONCATENATED MODULE: ./src/health-gate/analysis/engine.ts



const ERROR_RETRY_MS = 5_000;
/** An error no retry can fix (bad PromQL, refused credentials, an alarm that does not exist): the gate ends in `error` at once. */
function isConfigurationError(e) {
    return e instanceof PrometheusConfigError || (e instanceof Error && e.configuration === true);
}
function noClient(what) {
    throw Object.assign(new Error(`no ${what} client was given to the analysis`), { configuration: true });
}
async function queryAll(spec, client) {
    const ask = (q) => (q === undefined ? Promise.resolve(undefined) : (client ?? noClient('Prometheus')).query(q, spec.name));
    const [query, total, baseline, baselineTotal] = await Promise.all([ask(spec.query), ask(spec.total), ask(spec.baseline), ask(spec.baselineTotal)]);
    return { query: query, total, baseline, baselineTotal };
}
/** One round of every metric: Prometheus queries in parallel, CloudWatch metrics in one batch. */
async function readMetrics(states, deps) {
    const cw = states.filter((s) => s.spec.cloudwatch !== undefined && !s.alarm).map((s) => s.spec);
    const [batch, prom] = await Promise.all([
        cw.length > 0 ? (deps.cloudwatch ?? noClient('CloudWatch')).readRound(cw) : Promise.resolve(new Map()),
        Promise.all(states.map((s) => (s.spec.cloudwatch !== undefined || s.alarm ? undefined : queryAll(s.spec, deps.client)))),
    ]);
    return states.map((s, i) => prom[i] ?? batch.get(s.spec.name));
}
async function engine_runAnalysis(settings, deps) {
    const states = settings.metrics.map((spec) => ({ spec, samples: [] }));
    const configError = (e, round) => {
        if (!isConfigurationError(e))
            throw e;
        return { decision: { verdict: 'error', rule: 'configuration-error', reason: e.message }, states, rounds: round, elapsedMs: deps.clock() - started };
    };
    const comparison = {
        minSamples: settings.minSamples,
        effectSize: settings.effectSize,
        confidence: settings.confidence,
        looks: settings.count - settings.minSamples + 1,
    };
    const started = deps.clock();
    if (deps.alarms) {
        try {
            for (const spec of await deps.alarms.resolve())
                states.push({ spec, samples: [], alarm: true });
        }
        catch (e) {
            return configError(e, 0);
        }
    }
    if (states.some((s) => s.spec.cumulative)) {
        // Raw counters give counts only as differences: read them once, an interval before the first
        // measurement, so that measurement already has its counts. A failed reading here only makes
        // that metric's first measurement a warm-up.
        const readStart = deps.clock();
        try {
            const first = await Promise.all(states.map((s) => (s.spec.cumulative ? queryAll(s.spec, deps.client) : undefined)));
            states.forEach((s, i) => {
                const outcomes = first[i];
                if (outcomes)
                    s.startReadings = counterReadings(outcomes);
            });
            // Alarms are judged at the start even so: a firing alarm fails the gate before the wait.
            const alarmStates = states.filter((s) => s.alarm);
            if (deps.alarms && alarmStates.length > 0) {
                const samples = await deps.alarms.read(alarmStates.map((s) => s.spec), alarmStates, readStart);
                if (samples.some((x) => x.status === 'failed')) {
                    alarmStates.forEach((s, i) => s.samples.push(samples[i]));
                    const decision = decide(states, settings, false);
                    return { decision, states, rounds: 0, elapsedMs: deps.clock() - started };
                }
            }
        }
        catch (e) {
            return configError(e, 0);
        }
        await deps.sleep(Math.max(0, readStart + settings.intervalMs - deps.clock()));
    }
    for (let round = 1;; round++) {
        const roundStart = deps.clock();
        const metricStates = states.filter((s) => !s.alarm);
        const alarmStates = states.filter((s) => s.alarm);
        let outcomes;
        let alarmSamples = [];
        try {
            [outcomes, alarmSamples] = await Promise.all([
                readMetrics(metricStates, deps),
                deps.alarms && alarmStates.length > 0
                    ? deps.alarms.read(alarmStates.map((s) => s.spec), alarmStates, roundStart)
                    : Promise.resolve([]),
            ]);
        }
        catch (e) {
            return configError(e, round);
        }
        const at = deps.clock();
        metricStates.forEach((s, i) => s.samples.push(measure(s.spec, outcomes[i], s.samples, comparison, at, s.startReadings)));
        alarmStates.forEach((s, i) => s.samples.push(alarmSamples[i]));
        deps.onRound?.(round, states);
        const decision = decide(states, settings, round >= settings.count);
        if (decision)
            return { decision, states, rounds: round, elapsedMs: deps.clock() - started };
        const errored = states.some((s) => s.samples[s.samples.length - 1].status === 'error');
        const delay = errored ? Math.min(settings.intervalMs, ERROR_RETRY_MS) : settings.intervalMs;
        await deps.sleep(Math.max(0, roundStart + delay - deps.clock()));
    }
}

;// CONCATENATED MODULE: ./src/health-gate/cloudwatch/calls.ts
/**
 * How a failed CloudWatch call is treated, and the retry inside the interval:
 * - throttling (Throttling, ThrottlingException, RequestLimitExceeded...), internal errors
 *   (InternalServiceFault, InternalFailure, any 5xx) and network failures are measurement
 *   errors: retried with exponential backoff while the interval leaves time, then reported as
 *   an `error` measurement (consecutive-error-limit and the end rules decide);
 * - refused credentials or permissions, and validation errors are configuration errors: the
 *   gate ends in `error` at once, naming the call and what to check.
 * Messages are scrubbed (scrubServiceText) before they are quoted.
 */


const calls_RETRYABLE = new Set([
    'Throttling',
    'ThrottlingException',
    'ThrottledException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'RequestThrottled',
    'RequestThrottledException',
    'InternalServiceFault',
    'InternalServiceError',
    'InternalFailure',
    'ServiceUnavailable',
    'TimeoutError',
    'RequestTimeout',
    'RequestTimeoutException',
]);
const CONFIGURATION = new Set([
    'AccessDenied',
    'AccessDeniedException',
    'UnauthorizedOperation',
    'UnrecognizedClientException',
    'InvalidClientTokenId',
    'InvalidSignatureException',
    'SignatureDoesNotMatch',
    'ExpiredToken',
    'ExpiredTokenException',
    'InvalidParameterValue',
    'InvalidParameterCombination',
    'MissingParameter',
    'ValidationError',
    'CredentialsProviderError',
]);
/** A CloudWatch answer no retry can fix: ends the gate with verdict error (rule configuration-error). */
class calls_CloudWatchConfigError extends errors_ServiceError {
    configuration = true;
    constructor(problem, hint) {
        super('CloudWatch', problem, hint);
    }
}
function errorText(e) {
    const err = e;
    return scrubServiceText(`${err.name ?? 'Error'}: ${err.message ?? String(e)}`).slice(0, 300);
}
/** 'retry' for throttling, internal and network errors; 'configuration' for credentials and validation; 'error' otherwise. */
function classify(e) {
    const err = e;
    if (CONFIGURATION.has(err.name) || CONFIGURATION.has(err.code ?? ''))
        return 'configuration';
    const status = err.$metadata?.httpStatusCode;
    if (calls_RETRYABLE.has(err.name) || (status !== undefined && status >= 500))
        return 'retry';
    // No HTTP answer at all (ECONNREFUSED, DNS, socket reset): the service could not be reached.
    if (status === undefined)
        return 'retry';
    return 'error';
}
/** The first backoff; doubled each retry. */
const FIRST_BACKOFF_MS = 200;
/**
 * Calls `call` until it answers, retrying retryable failures with exponential backoff while
 * the next attempt would still start before `deadlineMs` (epoch ms). Returns the answer, or
 * `{ failed }` with the last error text; throws CloudWatchConfigError for configuration errors.
 */
async function calls_withRetries(what, call, deadlineMs, deps) {
    for (let attempt = 0;; attempt++) {
        try {
            return await call();
        }
        catch (e) {
            const kind = classify(e);
            if (kind === 'configuration')
                throw new calls_CloudWatchConfigError(`${what} was refused: ${errorText(e)}`, 'Check aws-region, the job credentials (cloudwatch:DescribeAlarms / cloudwatch:GetMetricData permissions) and the metric definitions');
            const backoff = FIRST_BACKOFF_MS * 2 ** attempt;
            if (kind === 'error' || deps.clock() + backoff >= deadlineMs)
                return { failed: `${what} failed after ${attempt + 1} attempt(s): ${errorText(e)}` };
            await deps.sleep(backoff);
        }
    }
}
function calls_isFailed(r) {
    return typeof r === 'object' && r !== null && 'failed' in r && Object.keys(r).length === 1;
}

;// CONCATENATED MODULE: ./src/health-gate/cloudwatch/alarms.ts


/** DescribeAlarms' limit of names per call. */
const NAMES_PER_CALL = 100;
const MAX_PAGES = 100;
function reading(a, type) {
    const since = a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp;
    return { type, state: a.StateValue ?? 'UNKNOWN', reason: a.StateReason ?? '', ...(since && { since: new Date(since).toISOString() }) };
}
class alarms_DescribeAlarmsWatch {
    api;
    selectors;
    deps;
    /** DescribeAlarms calls made (pages included), for the benchmark. */
    calls = 0;
    /** What resolve() read, reused by the first read() at the same instant (the first measurement is at the start). */
    initial;
    constructor(api, selectors, deps) {
        this.api = api;
        this.selectors = selectors;
        this.deps = deps;
    }
    /** Every alarm the selectors match, by name; a string is the error of a failed call. */
    async describe(deadline) {
        const inputs = [];
        const names = this.selectors.flatMap((s) => (s.kind === 'name' ? [s.name] : []));
        for (let i = 0; i < names.length; i += NAMES_PER_CALL)
            inputs.push({ input: { AlarmNames: names.slice(i, i + NAMES_PER_CALL) } });
        for (const s of this.selectors)
            if (s.kind === 'prefix')
                inputs.push({ input: { AlarmNamePrefix: s.prefix }, prefix: s.prefix });
        const alarms = new Map();
        const byPrefix = new Map();
        for (const { input, prefix } of inputs) {
            let nextToken;
            let matched = 0;
            for (let page = 0; page < MAX_PAGES; page++) {
                const answer = await withRetries('DescribeAlarms', () => {
                    this.calls++;
                    return this.api.describeAlarms({
                        ...input,
                        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
                        MaxRecords: 100,
                        ...(nextToken && { NextToken: nextToken }),
                    });
                }, deadline, this.deps);
                if (isFailed(answer))
                    return answer.failed;
                const listed = [
                    ...(answer.MetricAlarms ?? []).map((a) => [a.AlarmName, reading(a, 'metric')]),
                    ...(answer.CompositeAlarms ?? []).map((a) => [a.AlarmName, reading(a, 'composite')]),
                ];
                for (const [name, r] of listed) {
                    if (!name)
                        continue;
                    alarms.set(name, r);
                    matched++;
                }
                nextToken = answer.NextToken;
                if (!nextToken)
                    break;
            }
            if (prefix !== undefined)
                byPrefix.set(prefix, matched);
        }
        return { alarms, byPrefix };
    }
    async resolve() {
        const atMs = this.deps.clock();
        const found = await this.describe(atMs + Math.max(1000, 0.8 * this.deps.intervalMs));
        if (typeof found === 'string')
            throw new CloudWatchConfigError(`cannot list the alarms of cloudwatch-alarms: ${found}`, 'Check aws-region, the network and the job credentials');
        const missing = this.selectors.filter((s) => (s.kind === 'name' ? !found.alarms.has(s.name) : (found.byPrefix.get(s.prefix) ?? 0) === 0));
        if (missing.length > 0) {
            const what = missing.map((s) => (s.kind === 'name' ? `'${s.name}'` : `none matches '${describeSelector(s)}'`)).join(', ');
            throw new CloudWatchConfigError(`cloudwatch-alarms: no such alarm in ${this.deps.region}: ${what}`, 'Check the alarm names (aws cloudwatch describe-alarms --alarm-names ...) and aws-region; an alarm that is not there cannot guard the deploy');
        }
        this.initial = { atMs: this.deps.clock(), alarms: found.alarms };
        return [...found.alarms.keys()].map((name) => ({
            name,
            query: `CloudWatch alarm ${name} (${found.alarms.get(name)?.type})`,
            critical: true,
            noData: 'inconclusive',
            direction: 'increase',
            cumulative: false,
        }));
    }
    async read(specs, history, atMs) {
        const reuse = this.initial && this.deps.clock() - this.initial.atMs < 1000 ? { alarms: this.initial.alarms } : undefined;
        this.initial = undefined;
        const found = reuse ?? (await this.describe(atMs + Math.max(1000, 0.8 * this.deps.intervalMs)));
        return specs.map((spec, i) => {
            const index = history[i]?.samples.length ?? 0;
            const base = { index, atMs };
            if (typeof found === 'string')
                return { ...base, status: 'error', reason: found };
            const a = found.alarms.get(spec.name);
            if (!a)
                return { ...base, status: 'error', reason: `alarm '${spec.name}' no longer exists (deleted during the analysis?)` };
            const since = a.since ? ` since ${a.since}` : '';
            const alarm = { alarm: a };
            if (a.state === 'OK')
                return { ...base, ...alarm, status: 'successful', reason: `OK${since}` };
            if (a.state === 'ALARM') {
                const atStart = index === 0 ? ' (already firing when the gate started)' : '';
                return { ...base, ...alarm, status: 'failed', reason: `alarm '${spec.name}' is in ALARM${since}${atStart}: ${a.reason}` };
            }
            if (a.state === 'INSUFFICIENT_DATA')
                return { ...base, ...alarm, status: 'inconclusive', reason: `no data: INSUFFICIENT_DATA${since}: ${a.reason}` };
            return { ...base, ...alarm, status: 'error', reason: `unknown alarm state ${a.state}` };
        });
    }
}

;// CONCATENATED MODULE: ./src/health-gate/cloudwatch/metric-data.ts

/** Periods read back from the aligned end: the newest complete one and the one before it. */
const LOOKBACK_PERIODS = 2;
/** GetMetricData's limit of queries per call. */
const MAX_QUERIES = 500;
const metric_data_MAX_PAGES = 50;
function metricStat(m, periodS) {
    return {
        Metric: { Namespace: m.namespace, MetricName: m.metric, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) },
        Period: periodS,
        Stat: m.stat,
        ...(m.unit !== undefined && { Unit: m.unit }),
    };
}
/** The GetMetricData queries of one side; the one returning data has Id `id`. Expression ids are prefixed with `id_`. */
function queriesFor(id, q) {
    if (q.kind === 'metric')
        return [{ Id: id, MetricStat: metricStat(q, q.periodS), ReturnData: true }];
    const rename = (name) => `${id}_${name}`;
    // Quoted strings (SEARCH('{AWS/ELB,...}', ...)) are kept as they are; ids outside them renamed.
    const expression = q.expression
        .split(/('[^']*'|"[^"]*")/)
        .map((part, i) => (i % 2 === 1 ? part : part.replace(/(?<![A-Za-z0-9_.])[a-z][a-zA-Z0-9_]*/g, (name) => (name in q.metrics ? rename(name) : name))))
        .join('');
    return [
        ...Object.entries(q.metrics).map(([name, m]) => ({ Id: rename(name), MetricStat: metricStat(m, q.periodS), ReturnData: false })),
        { Id: id, Expression: expression, Period: q.periodS, ReturnData: true },
    ];
}
class metric_data_GetMetricDataReader {
    api;
    deps;
    /** Per side id: the newest datapoint timestamp already measured, and the window end of the last read. */
    consumed = new Map();
    lastEnd = new Map();
    /** GetMetricData calls made (pages included), for the report and the benchmark. */
    calls = 0;
    constructor(api, deps) {
        this.api = api;
        this.deps = deps;
    }
    countCall() {
        this.calls++;
        return this.api;
    }
    async readRound(specs) {
        const sides = [];
        specs.forEach((spec, i) => {
            const cw = spec.cloudwatch;
            if (!cw)
                return;
            sides.push({ id: `m${i}c`, metric: spec.name, query: cw.canary });
            if (cw.baseline && spec.baseline !== undefined)
                sides.push({ id: `m${i}b`, metric: spec.name, query: cw.baseline });
        });
        const now = this.deps.clock();
        const deadline = now + Math.max(1000, 0.8 * this.deps.intervalMs);
        const outcomes = new Map();
        // One call per distinct window (every period alike in practice: one call).
        const byPeriod = new Map();
        for (const s of sides)
            byPeriod.set(s.query.periodS, [...(byPeriod.get(s.query.periodS) ?? []), s]);
        for (const [periodS, group] of byPeriod) {
            const periodMs = periodS * 1000;
            const end = Math.floor(now / periodMs) * periodMs;
            const start = end - LOOKBACK_PERIODS * periodMs;
            const series = await this.fetch(group, start, end, deadline);
            for (const side of group) {
                if (typeof series === 'string') {
                    outcomes.set(side.id, { kind: 'error', reason: 'http-error', detail: series });
                    continue;
                }
                outcomes.set(side.id, this.outcome(side, series.get(side.id), end, periodS));
            }
        }
        const result = new Map();
        specs.forEach((spec, i) => {
            if (!spec.cloudwatch)
                return;
            const query = outcomes.get(`m${i}c`);
            const baseline = outcomes.get(`m${i}b`);
            result.set(spec.name, { query, ...(baseline && { baseline }) });
        });
        return result;
    }
    outcome(side, s, end, periodS) {
        if (!s)
            return { kind: 'error', reason: 'bad-response', detail: `GetMetricData returned no result for ${side.id}` };
        if (s.status === 'InternalError')
            return { kind: 'error', reason: 'execution-error', detail: `CloudWatch could not compute the query: ${s.messages.join('; ') || 'InternalError'}` };
        if (s.status === 'Forbidden')
            throw new CloudWatchConfigError(`GetMetricData was forbidden for metric '${side.metric}': ${s.messages.join('; ')}`, 'Check the cloudwatch:GetMetricData permission of the job role');
        const sameWindow = this.lastEnd.get(side.id) === end;
        this.lastEnd.set(side.id, end);
        const last = this.consumed.get(side.id) ?? -Infinity;
        let newest = -1;
        for (let i = 0; i < s.timestamps.length; i++) {
            if (s.timestamps[i] > last && (newest < 0 || s.timestamps[i] > s.timestamps[newest]))
                newest = i;
        }
        if (newest < 0) {
            if (sameWindow)
                return {
                    kind: 'no-data',
                    reason: 'same-period',
                    detail: `re-read the same ${periodS} s period (interval shorter than the period): its datapoint was already counted`,
                };
            return {
                kind: 'no-data',
                reason: 'no-datapoint',
                detail: `no new datapoint in the last ${LOOKBACK_PERIODS} periods of ${periodS} s up to ${new Date(end).toISOString()} (a period without datapoint is no data, not zero)`,
            };
        }
        const timestampMs = s.timestamps[newest];
        const value = s.values[newest];
        this.consumed.set(side.id, timestampMs);
        if (!Number.isFinite(value))
            return { kind: 'no-data', reason: 'nan', detail: `the datapoint at ${new Date(timestampMs).toISOString()} is ${value}` };
        return { kind: 'value', value, timestampMs };
    }
    /** All pages of one GetMetricData call per chunk of queries; a string is the error of a failed call. */
    async fetch(group, start, end, deadline) {
        const all = group.flatMap((s) => queriesFor(s.id, s.query));
        const series = new Map();
        for (let from = 0; from < all.length; from += MAX_QUERIES) {
            const queries = all.slice(from, from + MAX_QUERIES);
            let nextToken;
            for (let page = 0; page < metric_data_MAX_PAGES; page++) {
                const answer = await withRetries('GetMetricData', () => this.countCall().getMetricData({
                    MetricDataQueries: queries,
                    StartTime: new Date(start),
                    EndTime: new Date(end),
                    ScanBy: 'TimestampDescending',
                    ...(nextToken !== undefined && { NextToken: nextToken }),
                }), deadline, this.deps);
                if (isFailed(answer))
                    return answer.failed;
                for (const r of answer.MetricDataResults ?? [])
                    merge(series, r);
                nextToken = answer.NextToken;
                if (!nextToken)
                    break;
            }
        }
        return series;
    }
}
function merge(series, r) {
    if (!r.Id)
        return;
    const s = series.get(r.Id) ?? { timestamps: [], values: [], messages: [] };
    (r.Timestamps ?? []).forEach((t, i) => {
        s.timestamps.push(new Date(t).getTime());
        s.values.push(Number(r.Values?.[i]));
    });
    // PartialData means more pages follow (NextToken); the last page's status stands.
    s.status = r.StatusCode;
    for (const m of r.Messages ?? [])
        if (m.Value)
            s.messages.push(`${m.Code ?? ''} ${m.Value}`.trim());
    series.set(r.Id, s);
}

;// CONCATENATED MODULE: ./src/health-gate/cloudwatch/sources.ts



async function sources_cloudWatchSources(a, deps) {
    const region = a.awsRegion;
    const api = deps.api ?? (await sdkCloudWatch(region));
    const callDeps = { clock: deps.clock, sleep: deps.sleep, intervalMs: a.intervalMs };
    return {
        ...(a.metrics.some((m) => m.cloudwatch) && { metrics: new GetMetricDataReader(api, callDeps) }),
        ...(a.alarms.length > 0 && { alarms: new DescribeAlarmsWatch(api, a.alarms, { ...callDeps, region }) }),
    };
}

;// CONCATENATED MODULE: ./src/health-gate/http-checks.ts
/**
 * HTTP health checks: every round requests every URL (each with its own timeout); a round
 * succeeds when every URL answered an expected status with a matching body. The checks pass
 * after `consecutive-successes` good rounds in a row and fail when the deadline leaves no
 * room for them. A hanging URL is cut at request-timeout and reported as such.
 */


/** Whether an HTTP status matches one of the expected codes ("200") or classes ("2xx"), as parsed from expected-status. */
function statusExpected(expected, status) {
    const code = String(status);
    return expected.some((e) => e === code || (e.endsWith('xx') && e[0] === code[0] && code.length === 3));
}
async function checkUrl(url, s, fetchFn, clock) {
    const start = clock();
    try {
        const res = await fetchFn(url, { headers: s.headers, signal: AbortSignal.timeout(s.requestTimeoutMs), redirect: 'manual' });
        const body = await res.text();
        const ms = clock() - start;
        if (!statusExpected(s.expectedStatus, res.status))
            return { url, ok: false, status: res.status, ms, reason: `status ${res.status}, expected ${s.expectedStatus.join(' or ')}` };
        const mismatch = s.bodyMatch ? bodyMismatch(s.bodyMatch, body) : undefined;
        // the mismatch quotes the body, which may echo the request's headers
        return mismatch
            ? { url, ok: false, status: res.status, ms, reason: scrubServiceText(mismatch, Object.values(s.headers)) }
            : { url, ok: true, status: res.status, ms };
    }
    catch (e) {
        const err = e;
        const ms = clock() - start;
        if (err.name === 'TimeoutError' || err.name === 'AbortError')
            return { url, ok: false, ms, reason: `timed out after ${s.requestTimeoutMs} ms (request-timeout)` };
        return { url, ok: false, ms, reason: `request failed: ${err.cause?.code ?? err.cause?.message ?? err.message}` };
    }
}
async function http_checks_runHttpChecks(s, deps) {
    const fetchFn = deps.fetch ?? ((u, i) => fetch(u, i));
    const deadline = deps.clock() + s.deadlineMs;
    const rounds = [];
    let streak = 0;
    for (;;) {
        const atMs = deps.clock();
        const results = await Promise.all(s.urls.map((u) => checkUrl(u, s, fetchFn, deps.clock)));
        const ok = results.every((r) => r.ok);
        rounds.push({ atMs, ok, results });
        streak = ok ? streak + 1 : 0;
        deps.log?.(`health round ${rounds.length}: ${results.map((r) => `${r.url} ${r.ok ? `ok (${r.status}, ${Math.round(r.ms)} ms)` : r.reason}`).join('; ')}`);
        if (streak >= s.consecutiveSuccesses) {
            return { passed: true, rounds, reason: `${s.urls.length} URL(s) healthy ${streak} time(s) in a row` };
        }
        const next = atMs + s.intervalMs;
        if (next >= deadline) {
            const lastBad = [...rounds]
                .reverse()
                .flatMap((r) => r.results)
                .find((r) => !r.ok);
            const why = lastBad ? `; last failure: ${lastBad.url} ${lastBad.reason}` : '';
            return {
                passed: false,
                rounds,
                reason: `health checks did not reach ${s.consecutiveSuccesses} consecutive successes within the ${Math.round(s.deadlineMs / 1000)} s deadline${why}`,
            };
        }
        await deps.sleep(Math.max(0, next - deps.clock()));
    }
}

;// CONCATENATED MODULE: ./src/health-gate/notes.ts
/**
 * What the log says before the analysis starts, about settings that change how it can judge:
 * the first look at which a comparison can fail, overlapping count windows, raw counters, and
 * CloudWatch periods longer or shorter than the interval.
 */


function notes_analysisNotes(a) {
    const notes = [];
    if (a.metrics.some((m) => m.baseline !== undefined && m.total === undefined)) {
        const alpha = comparisonAlpha({ ...a, looks: a.count - a.minSamples + 1 });
        const needed = minSamplesToReject(alpha);
        const note = `Mann-Whitney comparisons test at alpha ${alpha.toExponential(2)} per look and can first fail with ${needed} samples`;
        if (needed > a.count)
            notes.push({ level: 'warning', text: `${note}, more than count ${a.count}: raise count or lower confidence, or the comparison can never fail` });
        else
            notes.push({ level: 'info', text: note });
    }
    for (const m of a.metrics) {
        if (m.cumulative)
            notes.push({ level: 'info', text: `'${m.name}': raw counters, read once more an interval before the first measurement; counts are their differences` });
        if (m.countWindowMs !== undefined && m.countWindowMs > a.intervalMs) {
            notes.push({
                level: 'info',
                text: `'${m.name}': its ${m.countWindowMs} ms count window is longer than the ${a.intervalMs} ms interval, so windows overlap; the rate test pools only non-overlapping ones (use a window equal to interval to use every sample)`,
            });
        }
        const periodS = m.cloudwatch?.canary.periodS;
        if (periodS !== undefined && periodS * 1000 > a.intervalMs) {
            notes.push({
                level: 'warning',
                text: `'${m.name}': interval ${a.intervalMs / 1000} s is shorter than the CloudWatch period ${periodS} s, so measurements re-read the same period; each datapoint is counted once (a re-read period is no new data). Set interval to ${periodS}s or more`,
            });
        }
        // Each measurement judges the newest period only: the ones in between are never read.
        if (periodS !== undefined && periodS * 1000 < a.intervalMs && a.count > 1) {
            notes.push({
                level: 'warning',
                text: `'${m.name}': interval ${a.intervalMs / 1000} s is longer than the CloudWatch period ${periodS} s, so each measurement reads only the newest period and the periods between measurements are never judged. Set period to ${Math.ceil(a.intervalMs / 60_000) * 60} (or interval to ${periodS}s)`,
            });
        }
    }
    return notes;
}

;// CONCATENATED MODULE: ./src/health-gate/summary.ts
/** The job summary: the verdict in one line, then a table per phase and a chart per metric. */



const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️', error: '🛑' };
function num(n) {
    return n === undefined ? '' : Number.isFinite(n) ? String(Number(n.toPrecision(4))) : String(n);
}
function threshold(m) {
    return [m.thresholds.min !== undefined ? `≥ ${m.thresholds.min}` : '', m.thresholds.max !== undefined ? `≤ ${m.thresholds.max}` : '']
        .filter(Boolean)
        .join(' and ');
}
function statistic(m) {
    const s = m.statistics;
    if (m.baselineNotRun)
        return NOT_COMPARED;
    if (!m.queries.baseline)
        return 'no baseline';
    if (!s)
        return 'not enough samples';
    return `${s.test}: ${num(s.effectSize)}x baseline, p=${s.pValue.toExponential(1)} (α ${s.alpha.toExponential(1)})${s.worse ? ' — worse' : ''}`;
}
function metricStatus(m, report) {
    if (report.metric === m.name)
        return `${report.verdict} (${report.rule})`;
    const c = m.counts;
    return `${c.successful} ok, ${c.failed} failed, ${c.inconclusive} inconclusive, ${c.error} error`;
}
function metricDetails(m) {
    const samples = m.samples;
    const rows = samples.map((s) => [s.index + 1, num(s.value), num(s.baselineValue), s.status, s.reason]);
    const labels = samples.map((s) => String(s.index + 1));
    const series = [{ name: 'canary', values: samples.map((s) => s.value ?? NaN) }];
    if (m.queries.baseline)
        series.push({ name: 'baseline', values: samples.map((s) => s.baselineValue ?? NaN) });
    // A threshold far above the data would flatten the lines that matter: draw it only when near.
    const top = Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
    const near = (t) => t !== undefined && Math.abs(t) <= 3 * top;
    if (near(m.thresholds.max))
        series.push({ name: `max ${m.thresholds.max}`, values: samples.map(() => m.thresholds.max) });
    if (near(m.thresholds.min) && m.thresholds.min !== 0)
        series.push({ name: `min ${m.thresholds.min}`, values: samples.map(() => m.thresholds.min) });
    // Mermaid cannot draw gaps and a missing value drawn at 0 would look like a perfect sample:
    // samples without data are left out of the chart (their numbers are missing on the x axis).
    const missing = labels.filter((_, i) => series.some((line) => !Number.isFinite(line.values[i])));
    const unit = unitOfQuery(m.queries.query, { total: m.queries.total !== undefined });
    const drawn = lineChart(`${m.name}`, labels, series, `${m.name} (${unit})`, { missing: 'skip' });
    const note = missing.length > 0 ? `_Not drawn, no data: sample${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (see the table)._\n\n` : '';
    const chart = drawn ? drawn + note : '';
    return details(`${m.name}: ${samples.length} samples`, chart + table(['#', 'canary', 'baseline', 'status', 'reason'], rows));
}
/** The alarm's last state (the one that decided, if it fired), with its counts over the analysis. */
function alarmRow(m) {
    const samples = m.samples;
    const lastRead = [...samples].reverse().find((s) => s.alarm);
    const last = samples[samples.length - 1];
    const c = m.counts;
    const state = lastRead?.alarm?.state ?? (last ? `${last.status}` : 'not read');
    const reason = last?.status === 'error' ? last.reason : (lastRead?.alarm?.reason ?? '');
    return [
        `${m.name}${lastRead?.alarm?.type === 'composite' ? ' (composite)' : ''}`,
        `${state === 'ALARM' ? '🔴' : state === 'OK' ? '🟢' : '⚪'} ${state}`,
        reason,
        lastRead?.alarm?.since ?? '',
        `${c.successful} OK, ${c.failed} ALARM, ${c.inconclusive} INSUFFICIENT_DATA, ${c.error} error`,
    ];
}
function summary_renderSummary(report) {
    let md = heading(`${ICON[report.verdict]} Health gate: ${report.verdict}`);
    md += `**${report.verdict}** by rule \`${report.rule}\`: ${report.reason.replace(/\|/g, '\\|')}  \nScore ${report.score}/100.\n\n`;
    if (report.http) {
        md += heading('Health checks', 3);
        const last = report.http.rounds[report.http.rounds.length - 1];
        md += table(['url', 'last status', 'last time', 'result', 'good rounds'], (last?.results ?? []).map((r) => [
            r.url,
            r.status ?? '—',
            formatMs(r.ms),
            r.ok ? 'ok' : r.reason,
            `${report.http?.rounds.filter((x) => x.results.find((y) => y.url === r.url)?.ok).length}/${report.http?.rounds.length}`,
        ]));
    }
    if (report.analysis) {
        const a = report.analysis;
        const alarms = a.metrics.filter((m) => m.source === 'alarm');
        const metrics = a.metrics.filter((m) => m.source !== 'alarm');
        if (alarms.length > 0) {
            md += heading('CloudWatch alarms', 3);
            md += table(['alarm', 'state', 'reason', 'since', 'measurements'], alarms.map(alarmRow));
        }
        if (metrics.length > 0 || (a.notJudged ?? []).length > 0)
            md += heading('Metrics', 3);
        if (metrics.length > 0 || (a.notJudged ?? []).length > 0)
            md += table(['metric', 'query', 'samples', 'last value', 'threshold', 'vs baseline', 'status'], metrics
                .map((m) => {
                const samples = m.samples;
                const lastValue = [...samples].reverse().find((s) => s.value !== undefined)?.value;
                return [
                    `${m.name}${m.critical ? ' (critical)' : ''}`,
                    m.queries.query,
                    samples.length,
                    num(lastValue),
                    threshold(m),
                    statistic(m),
                    metricStatus(m, report),
                ];
            })
                .concat((a.notJudged ?? []).map((m) => [m.name, m.query, 0, '', '', NOT_COMPARED, `not judged: ${m.reason}`])));
        if (a.settings.compareBaseline === false)
            md += `_compare-baseline: false: baseline queries were not run; each metric was judged by its max/min alone._\n\n`;
        md += metrics.map(metricDetails).join('');
        md += `_${a.rounds} round(s) in ${formatMs(a.elapsedMs)}; interval ${formatMs(a.settings.intervalMs)}, count ${a.settings.count}, min-samples ${a.settings.minSamples}, failure-limit ${a.settings.failureLimit}, inconclusive-limit ${a.settings.inconclusiveLimit}, consecutive-error-limit ${a.settings.consecutiveErrorLimit}, effect-size ${a.settings.effectSize}, confidence ${a.settings.confidence}._\n\n`;
    }
    if (report.traffic)
        md += `_Synthetic traffic: ${report.traffic.sent} requests to ${report.traffic.url} at ${report.traffic.rps}/s (${report.traffic.failed} failed)._\n\n`;
    return md;
}

;// CONCATENATED MODULE: ./src/health-gate/run.ts
/**
 * health-gate: HTTP checks first (a dead service needs no statistics), then the analysis of
 * Prometheus and CloudWatch metrics and CloudWatch alarms, with optional synthetic traffic; then
 * outputs, report file and summary. The step fails (one ::error:: line) on every verdict but
 * pass, unless inconclusive-is (only for a genuine lack of data) or fail-on say otherwise; a
 * configuration error (invalid PromQL, refused credentials, a missing alarm) always fails.
 */














/** JSON without losing Infinity/NaN (JSON.stringify would write null). */
function run_toJson(value, indent) {
    return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), indent);
}
/**
 * Runs the HTTP checks and the analysis the inputs describe and returns the decision and the
 * report; writes nothing (no output, file or summary) and never throws for a verdict, only for
 * an unexpected failure. Logs progress through the reporter.
 */
async function run_evaluateGate(inputs, deps, reporter) {
    for (const s of inputs.secrets)
        maskSecret(reporter, s);
    // a header value may be `Basic <base64>` written whole: its user:password is a secret too
    for (const v of Object.values(inputs.http?.headers ?? {}))
        maskHeaderValue(reporter, v);
    const startedMs = deps.clock();
    let decision;
    let http;
    let analysis;
    let traffic;
    if (inputs.http) {
        reporter.info(`Checking ${inputs.http.urls.length} URL(s) until ${inputs.http.consecutiveSuccesses} healthy rounds in a row`);
        http = await runHttpChecks(inputs.http, { fetch: deps.fetch, clock: deps.clock, sleep: deps.sleep, log: (l) => reporter.info(l) });
        if (!http.passed)
            decision = { verdict: 'fail', rule: 'http-checks-failed', reason: http.reason };
    }
    // compare-baseline: false runs the metrics without their baseline queries (plan.judged).
    const plan = inputs.analysis && planMetrics(inputs.analysis.metrics, inputs.analysis.compareBaseline);
    const a = inputs.analysis && plan && { ...inputs.analysis, metrics: plan.judged };
    if (!decision && a && plan && !a.compareBaseline) {
        reporter.info(`compare-baseline is false: baseline queries are not run; ${a.metrics.length} metric(s) judged by max/min only`);
        for (const m of plan.notJudged)
            reporter.warning(`'${m.name}' is not judged: ${m.reason}`);
        if (a.metrics.length === 0 && a.alarms.length === 0) {
            decision = noMetricJudged(plan.notJudged);
            analysis = { decision, states: [], rounds: 0, elapsedMs: 0 };
        }
    }
    if (!decision && a) {
        const client = a.prometheusUrl
            ? new PrometheusClient({
                url: a.prometheusUrl,
                auth: a.auth,
                timeoutMs: a.queryTimeoutMs,
                staleAfterMs: 2 * a.intervalMs,
                fetch: deps.fetch,
                clock: deps.clock,
                reporter,
            })
            : undefined;
        const where = [a.prometheusUrl, a.awsRegion && `CloudWatch in ${a.awsRegion}`].filter(Boolean).join(' and ');
        reporter.info(`Analysing ${a.metrics.length} metric(s)${a.alarms.length > 0 ? ` and ${a.alarms.length} alarm selector(s)` : ''} every ${a.intervalMs} ms, ${a.count} measurement(s) at most, against ${where}`);
        for (const note of analysisNotes(a))
            reporter[note.level](note.text);
        const cw = a.awsRegion ? await cloudWatchSources(a, { api: deps.cloudWatch, clock: deps.clock, sleep: deps.sleep }) : undefined;
        const load = inputs.traffic
            ? startTraffic({
                url: inputs.traffic.url,
                rps: inputs.traffic.rps,
                timeoutMs: a.queryTimeoutMs,
                maxMs: a.count * a.intervalMs + 60_000,
                fetch: deps.fetch,
            })
            : undefined;
        try {
            analysis = await runAnalysis(a, {
                client,
                cloudwatch: cw?.metrics,
                alarms: cw?.alarms,
                clock: deps.clock,
                sleep: deps.sleep,
                onRound: (round, states) => reporter.info(`round ${round}: ${states.map((s) => `${s.spec.name} ${s.samples[s.samples.length - 1].status} (${s.samples[s.samples.length - 1].reason})`).join('; ')}`),
            });
        }
        finally {
            traffic = await load?.stop();
        }
        decision = analysis.decision;
    }
    decision ??= { verdict: 'pass', rule: 'http-checks-passed', reason: http?.reason ?? 'nothing to check' };
    const score = analysis ? scoreOf(analysis.states) : http?.passed ? 100 : 0;
    const report = buildReport(inputs, decision, score, { startedMs, finishedMs: deps.clock() }, http, analysis, traffic, plan?.notJudged);
    return { decision, score, report, analysis };
}
/**
 * What the decision means for the step: pass, pass with a warning (inconclusive-is: pass for a
 * genuine lack of data; fail-on: none), or fail with one error. Only the `inconclusive` verdict
 * (no data: no traffic, empty results, INSUFFICIENT_DATA) can be excused by inconclusive-is;
 * a measured failure or an error never is.
 */
function run_stepOutcome(inputs, decision) {
    if (decision.verdict === 'pass')
        return { passes: true };
    if (decision.rule === 'configuration-error')
        return { passes: false, error: new ServiceError('health-gate', `configuration error: ${decision.reason}`) };
    // inconclusive-is: pass excuses missing data, not a gate that had nothing to judge.
    if (decision.verdict === 'inconclusive' && inputs.inconclusiveIs === 'pass' && decision.rule !== 'no-metric-judged')
        return { passes: true, warning: `health-gate is inconclusive but inconclusive-is: pass lets the step succeed: ${decision.reason}` };
    if (inputs.failOn === 'none')
        return { passes: true, warning: `health-gate verdict ${decision.verdict} (fail-on: none, so the step succeeds): ${decision.reason}` };
    return { passes: false, error: new ServiceError('health-gate', `verdict ${decision.verdict} (rule ${decision.rule}): ${decision.reason}`) };
}
async function run(inputs, deps, reporter) {
    const { decision, score, report } = await run_evaluateGate(inputs, deps, reporter);
    const json = run_toJson(report);
    const reportFile = path.resolve(inputs.reportFile ?? path.join(deps.tempDir, 'health-gate-report.json'));
    // quoted service text is scrubbed where it is read; redact is the last guard for the file
    writeFileSync(reportFile, reporter.redact(run_toJson(report, 2)) + '\n');
    reporter.setOutput('verdict', decision.verdict);
    reporter.setOutput('score', String(score));
    reporter.setOutput('report', json);
    reporter.setOutput('report-file', reportFile);
    await reporter.summary(renderSummary(report));
    reporter.info(`Verdict: ${decision.verdict} (rule ${decision.rule}): ${decision.reason}`);
    const outcome = run_stepOutcome(inputs, decision);
    if (outcome.warning)
        reporter.warning(outcome.warning);
    if (outcome.error)
        throw outcome.error;
}

;// CONCATENATED MODULE: ./src/health-gate/library.ts
/**
 * health-gate as a library: the deliberate surface other actions (actions/rollout) use to judge
 * a step with health-gate's own parser and analysis, in-process (no subprocess, no re-parsing).
 *
 *   const gate = parseHealthGateInputs(raw);              // health-gate's inputs, same errors
 *   const step = withStepOverrides(gate, { count: 3, metrics: ['errors'], compareBaseline: false });
 *   const r = await runHealthGateAnalysis(step, { clock, sleep, reporter });
 *   if (!r.passes) ... r.verdict, r.rule, r.reason; r.metrics[i].samples for a chart; r.reportJson
 *
 * Stability: the signatures below change only additively (new optional fields).
 */




/** health-gate's input specs (name -> default), as in actions/health-gate/action.yml. */
const HEALTH_GATE_INPUTS = health_gate_inputs_INPUTS;
/**
 * health-gate's parser: raw input strings keyed by health-gate's input names (missing = empty)
 * -> validated inputs. Throws InputError naming the health-gate input and the fix; makes no
 * remote call.
 */
function parseHealthGateInputs(raw, 
/** Where AWS_REGION / AWS_DEFAULT_REGION are read when aws-region is empty (default process.env). */
env = process.env) {
    return health_gate_inputs_parseInputs(raw, env);
}
/**
 * The inputs with a step's overrides applied, validated like the inputs themselves: throws
 * InputError for a count below 1, an unknown metric name, an explicit min-samples above the
 * step's count, or a count or metrics given to a gate without metrics/alarms. compareBaseline
 * alone on such a gate (HTTP checks only) changes nothing: there is no baseline to compare, so
 * a step list written for metrics (production.yml's defaults) also fits a gate of URLs. Call it
 * while validating a rollout's steps, before anything is changed.
 */
function withStepOverrides(inputs, overrides) {
    const { count, metrics, compareBaseline, httpChecks } = overrides;
    const out = { ...inputs, http: httpChecks === false ? undefined : inputs.http };
    if (count === undefined && metrics === undefined && compareBaseline === undefined)
        return out;
    const a = inputs.analysis;
    if (!a) {
        if (count === undefined && metrics === undefined)
            return out;
        throw new errors_InputError('metrics', 'is empty, so a step cannot override count or metrics', 'Give health-gate metrics or cloudwatch-alarms');
    }
    if (count !== undefined && (!Number.isInteger(count) || count < 1))
        throw new errors_InputError('count', `${count} is not a whole number of measurements of at least 1`, 'Give each step a count of 1 or more');
    let selected = a.metrics;
    if (metrics !== undefined) {
        const known = new Set(a.metrics.map((m) => m.name));
        const unknown = metrics.filter((n) => !known.has(n));
        if (unknown.length > 0)
            throw new errors_InputError('metrics', `names no metric called ${unknown.map((n) => `'${n}'`).join(', ')}`, `Use names from the metrics input: ${[...known].join(', ')}`);
        selected = a.metrics.filter((m) => metrics.includes(m.name));
        if (selected.length === 0 && a.alarms.length === 0)
            throw new errors_InputError('metrics', 'selects no metric for this step', 'Name at least one metric');
    }
    const stepCount = count ?? a.count;
    out.analysis = {
        ...a,
        metrics: selected,
        count: stepCount,
        minSamples: resolveMinSamples(a.explicitMinSamples, stepCount, count !== undefined ? 'the step count' : undefined),
        compareBaseline: compareBaseline ?? a.compareBaseline,
    };
    return out;
}
/**
 * Runs one health-gate evaluation (HTTP checks, then metrics and alarms) with the step's
 * overrides, exactly as the action judges, and returns the structured result. Writes no
 * output, file or summary. Throws InputError for invalid overrides (see withStepOverrides);
 * a verdict, even error, is returned, never thrown.
 */
async function library_runHealthGateAnalysis(inputs, overrides, deps) {
    const step = withStepOverrides(inputs, overrides);
    const { decision, score, report, analysis } = await evaluateGate(step, deps, deps.reporter);
    const outcome = stepOutcome(step, decision);
    const metrics = (analysis?.states ?? []).map(({ spec, samples, alarm }) => ({
        name: spec.name,
        source: alarm ? 'alarm' : spec.cloudwatch ? 'cloudwatch' : 'prometheus',
        critical: spec.critical,
        ...(spec.max !== undefined && { max: spec.max }),
        ...(spec.min !== undefined && { min: spec.min }),
        samples: samples.map((s) => ({ index: s.index, atMs: s.atMs, status: s.status, reason: s.reason, value: s.value, baselineValue: s.baselineValue })),
    }));
    return {
        verdict: decision.verdict,
        rule: decision.rule,
        reason: decision.reason,
        ...(decision.metric !== undefined && { metric: decision.metric }),
        score,
        passes: outcome.passes,
        ...(outcome.error && { failure: outcome.error.message }),
        ...(outcome.warning && { warning: outcome.warning }),
        metrics,
        report,
        reportJson: toJson(report),
        summaryMarkdown: renderSummary(report),
    };
}

;// CONCATENATED MODULE: ./src/rollout/steps.ts
/**
 * The `steps` input: a YAML list in Argo Rollouts' vocabulary
 * (https://argoproj.github.io/argo-rollouts/features/canary/):
 *   - setWeight: 10                      canary traffic, percent (0-100, strictly increasing)
 *   - pause: {duration: 2m}              wait (a pause without a duration waits for a person in
 *                                        Argo; an action cannot, so it is refused)
 *   - analysis: {count: 5, metrics: [error-rate], compareBaseline: false}
 *   - preview / promote                  blue/green switch points (promote may also end a canary)
 * Inline YAML or the path of a file holding it. Validated before anything is deployed; every
 * error names the step (1-based) and the key.
 */





const steps_INPUT = 'steps';
const steps_KEYS = ['setWeight', 'pause', 'analysis', 'preview', 'promote'];
const ANALYSIS_KEYS = ['count', 'metrics', 'compareBaseline'];
function steps_fail(problem, fix) {
    throw new errors_InputError(steps_INPUT, problem, fix);
}
/** Inline YAML, or a path (relative to the workspace) to a file holding it. */
function readStepsText(value, workspace) {
    const v = value.trim();
    if (v === '')
        steps_fail('is empty', 'List the steps, e.g. "- setWeight: 10" / "- analysis: {count: 5}" / "- setWeight: 100"');
    const looksInline = v.includes('\n') || v.startsWith('-') || v.startsWith('[');
    if (looksInline)
        return v;
    const file = external_node_path_.resolve(workspace, v);
    if (!(0,external_node_fs_.existsSync)(file))
        steps_fail(`'${v}' is neither a YAML list of steps nor an existing file`, 'Give the steps inline ("- setWeight: 10" ...) or a path relative to the workspace');
    return (0,external_node_fs_.readFileSync)(file, 'utf8');
}
function scalarOf(node) {
    return (0,dist/* isScalar */.jn)(node) ? node.value : node;
}
function readStep(item, n, where) {
    const at = `step ${n}${where(item)}`;
    if ((0,dist/* isScalar */.jn)(item) && typeof item.value === 'string') {
        if (item.value === 'preview' || item.value === 'promote')
            return { kind: item.value, index: n };
        steps_fail(`${at} is '${item.value}', not a step`, `Write a step as a one-key map: ${steps_KEYS.join(', ')}`);
    }
    if (!(0,dist/* isMap */.jh)(item) || item.items.length !== 1) {
        const keys = (0,dist/* isMap */.jh)(item) ? item.items.map((p) => String(scalarOf(p.key))).join(', ') : '';
        steps_fail(`${at} ${keys ? `has ${item && (0,dist/* isMap */.jh)(item) ? item.items.length : 0} keys (${keys})` : 'is not a one-key map'}`, `Give each step exactly one of ${steps_KEYS.join(', ')}`);
    }
    const pair = item.items[0];
    const key = String(scalarOf(pair.key));
    const value = pair.value;
    switch (key) {
        case 'setWeight': {
            const w = scalarOf(value);
            if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100)
                steps_fail(`${at}: setWeight is ${JSON.stringify(w)}, not a whole percentage 0-100`, 'Write e.g. setWeight: 10');
            return { kind: 'setWeight', index: n, weight: w };
        }
        case 'pause': {
            const body = (0,dist/* isMap */.jh)(value) ? value : undefined;
            const other = body?.items.map((p) => String(scalarOf(p.key))).find((k) => k !== 'duration');
            if (other)
                steps_fail(`${at}: pause has unknown key '${other}'`, 'A pause takes only duration, e.g. pause: {duration: 2m}');
            const d = body ? scalarOf(body.get('duration', true)) : undefined;
            if (d === undefined || d === null)
                steps_fail(`${at}: pause has no duration (in Argo Rollouts that waits for a person; a workflow step cannot)`, 'Give pause: {duration: 2m}, or put an approval job before the rollout');
            const ms = typeof d === 'number' ? d * 1000 : parseDuration(steps_INPUT, String(d));
            if (!(ms > 0))
                steps_fail(`${at}: pause duration ${JSON.stringify(d)} is not positive`, 'Give pause: {duration: 30s}');
            return { kind: 'pause', index: n, durationMs: ms };
        }
        case 'analysis': {
            const v = scalarOf(value);
            if (v !== null && v !== undefined && !(0,dist/* isMap */.jh)(value))
                steps_fail(`${at}: analysis is ${JSON.stringify(v)}, not a map`, 'Write analysis: {} or analysis: {count: 5, metrics: [error-rate]}');
            const overrides = {};
            for (const p of (0,dist/* isMap */.jh)(value) ? value.items : []) {
                const k = String(scalarOf(p.key));
                const pv = p.value;
                if (k === 'count') {
                    const c = scalarOf(pv);
                    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 10_000)
                        steps_fail(`${at}: analysis count is ${JSON.stringify(c)}, not a whole number 1-10000`, 'Write e.g. count: 5');
                    overrides.count = c;
                }
                else if (k === 'metrics') {
                    if (!(0,dist/* isSeq */.oP)(pv) || pv.items.some((m) => typeof scalarOf(m) !== 'string'))
                        steps_fail(`${at}: analysis metrics is not a list of metric names`, 'Write e.g. metrics: [error-rate, p99-latency]');
                    overrides.metrics = pv.items.map((m) => String(scalarOf(m)));
                }
                else if (k === 'compareBaseline') {
                    const b = scalarOf(pv);
                    if (typeof b !== 'boolean')
                        steps_fail(`${at}: analysis compareBaseline is ${JSON.stringify(b)}, not true or false`, 'Write compareBaseline: false');
                    overrides.compareBaseline = b;
                }
                else {
                    steps_fail(`${at}: analysis has unknown key '${k}'`, `An analysis step takes ${ANALYSIS_KEYS.join(', ')}; other settings come from the analysis inputs`);
                }
            }
            return { kind: 'analysis', index: n, overrides };
        }
        case 'preview':
        case 'promote': {
            const v = scalarOf(value);
            if (v !== null && v !== undefined && !((0,dist/* isMap */.jh)(value) && value.items.length === 0))
                steps_fail(`${at}: ${key} takes no settings`, `Write - ${key}`);
            return { kind: key, index: n };
        }
        default:
            steps_fail(`${at}: unknown key '${key}'`, `Use one of ${steps_KEYS.join(', ')} (Argo Rollouts' names, case-sensitive)`);
    }
}
/** Parses the list; shape only (see validateSteps for the rules between steps). */
function parseSteps(text) {
    const lines = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const pos = e.linePos?.[0];
        steps_fail(`is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}: ${e.message.split('\n')[0]}`, 'Write a YAML list, one step per item');
    }
    const where = (node) => {
        const range = node?.range;
        return range ? ` (line ${lines.linePos(range[0]).line})` : '';
    };
    if (!(0,dist/* isSeq */.oP)(doc.contents))
        steps_fail('is not a YAML list', 'Write one step per item: "- setWeight: 10"');
    const steps = doc.contents.items.map((item, i) => readStep(item, i + 1, where));
    if (steps.length === 0)
        steps_fail('is an empty list', 'Give at least one step');
    return steps;
}
/** The rules between steps, for the strategy the deploy inputs chose. */
function validateSteps(steps, kind, offer) {
    let lastWeight = -1;
    let seenPreview = false;
    let seenDeploy = false;
    const names = new Set(offer?.metrics.map((m) => m.name) ?? []);
    steps.forEach((s, i) => {
        const at = `step ${s.index}`;
        const isLast = i === steps.length - 1;
        if (s.kind === 'setWeight') {
            if (kind === 'blue-green')
                steps_fail(`${at}: setWeight does not apply to blue-green, which switches all traffic at once`, 'Use preview, analysis and promote, or strategy: canary');
            if (s.weight <= lastWeight)
                steps_fail(`${at}: setWeight ${s.weight} is not above the previous weight ${lastWeight}`, 'Weights must strictly increase, e.g. 10, 50, 100');
            lastWeight = s.weight;
            seenDeploy = true;
        }
        else if (s.kind === 'preview') {
            if (kind === 'canary')
                steps_fail(`${at}: preview applies to blue-green only`, 'Use setWeight steps for a canary, or strategy: blue-green');
            if (seenPreview)
                steps_fail(`${at}: a second preview`, 'Give one preview (the new colour before the switch)');
            if (seenDeploy)
                steps_fail(`${at}: preview after promote`, 'Put preview before promote');
            seenPreview = true;
        }
        else if (s.kind === 'promote') {
            if (kind === 'canary' && !isLast)
                steps_fail(`${at}: promote must be the last step of a canary`, 'Move promote to the end, or remove it (setWeight: 100 ends the canary too)');
            if (kind === 'blue-green' && seenDeploy)
                steps_fail(`${at}: a second promote`, 'Give promote once');
            seenDeploy = true;
        }
        else if (s.kind === 'analysis') {
            if (kind === 'canary' && !seenDeploy)
                steps_fail(`${at}: analysis before the first setWeight has no canary to judge`, 'Put a setWeight step first');
            if (kind === 'blue-green' && !seenDeploy && !seenPreview)
                steps_fail(`${at}: analysis before preview or promote has no new version to judge`, 'Put preview (or promote) first');
            checkAnalysis(s.overrides, at, offer, names);
        }
    });
    if (kind === 'canary') {
        const promoted = steps[steps.length - 1].kind === 'promote';
        if (lastWeight < 0 && !promoted)
            steps_fail('has no setWeight step', 'A canary needs at least one setWeight, e.g. 10, then 100');
        if (lastWeight !== 100 && !promoted)
            steps_fail(`ends at weight ${lastWeight}, not 100`, 'End with setWeight: 100, or with an explicit promote step');
    }
    else if (!steps.some((s) => s.kind === 'promote')) {
        steps_fail('has no promote step', 'A blue/green rollout needs promote (the switch of all traffic to the new colour)');
    }
}
function checkAnalysis(o, at, offer, names) {
    if (!offer)
        steps_fail(`${at}: analysis, but no analysis inputs are set`, 'Set metrics (with prometheus-url) or urls, the checks an analysis step runs');
    for (const m of o.metrics ?? []) {
        if (!names.has(m))
            steps_fail(`${at}: analysis names metric '${m}', which the metrics input does not define`, `Use one of: ${[...names].join(', ') || '(none: set the metrics input)'}`);
    }
    const chosen = offer.metrics.filter((m) => o.metrics === undefined || o.metrics.includes(m.name));
    const compareBaseline = o.compareBaseline ?? offer.compareBaseline;
    const judged = compareBaseline ? chosen : chosen.filter((m) => m.absolute);
    if (judged.length === 0 && !offer.otherChecks) {
        const why = chosen.length > 0 ? 'with compareBaseline false its metrics have no max or min' : 'it names no metric and no urls or alarms are set';
        steps_fail(`${at}: analysis has nothing to judge (${why})`, 'Name metrics with a max/min, set urls, or remove the step');
    }
}
/** One line per step, for logs and the summary's timeline. */
function steps_describeStep(s) {
    switch (s.kind) {
        case 'setWeight':
            return `setWeight ${s.weight}`;
        case 'pause':
            return `pause ${Math.round(s.durationMs / 1000)}s`;
        case 'analysis': {
            const o = s.overrides;
            const parts = [
                o.count !== undefined && `count ${o.count}`,
                o.metrics && `metrics ${o.metrics.join(', ')}`,
                o.compareBaseline === false && 'max/min only',
            ].filter(Boolean);
            return `analysis${parts.length ? ` (${parts.join('; ')})` : ''}`;
        }
        default:
            return s.kind;
    }
}

;// CONCATENATED MODULE: ./src/rollout/inputs.ts
/**
 * Inputs of rollout: `target`, `steps`, and the deploy and analysis inputs under the names
 * (and with the parsers) of the actions that own them: helm-deploy's for target helm,
 * ecs-deploy's for target ecs, health-gate's for the analysis. No copies: the specs below are
 * built from theirs, and the contract test checks that action.yml repeats their descriptions
 * and defaults. `wait` means a boolean to helm-deploy and a duration to ecs-deploy: it has no
 * default here, so each parser applies its own.
 */






/** helm-deploy inputs a rollout sets itself: the action, the weight (from steps), rollback's revision, dry-run. */
const HELM_INPUTS_NOT_TAKEN = ['action', 'canary-weight', 'revision', 'dry-run'];
/** ecs-deploy inputs a rollout sets itself: the action, the follow-up ids, and what the steps decide (percentages, bake, pauses). */
const ECS_INPUTS_NOT_TAKEN = [
    'action',
    'decision',
    'service-deployment-arn',
    'hook-id',
    'codedeploy-deployment-id',
    'canary-percent',
    'canary-bake-time',
    'linear-step-percent',
    'linear-step-bake-time',
    'pause-at',
    'wait-at-ready',
];
/** Shared inputs whose default differs on purpose (the contract test allows exactly these). */
const OWN_DEFAULTS = { strategy: 'canary', wait: undefined };
/** Shared inputs described in rollout's own words (a rollout has no rolling strategy; one report for all steps; wait and aws-region serve two owners). */
const OWN_DESCRIPTIONS = (/* unused pure expression or super */ null && (['strategy', 'report-file', 'aws-region', 'wait']));
/** The actions whose inputs rollout takes under their names (and parses with their parsers). */
const INPUT_OWNERS = (/* unused pure expression or super */ null && (['helm-deploy', 'ecs-deploy', 'health-gate']));
/** Inputs of an owner that rollout does not take (set by the rollout itself). */
const NOT_TAKEN = { 'helm-deploy': HELM_INPUTS_NOT_TAKEN, 'ecs-deploy': ECS_INPUTS_NOT_TAKEN, 'health-gate': [] };
const notRequired = (s) => ({ ...(s.default !== undefined && { default: s.default }) });
/** An owner's specs as rollout declares them: required only for that target (its parser still refuses them empty there). */
function taken(specs, notTaken) {
    return Object.fromEntries(Object.entries(specs)
        .filter(([n]) => !notTaken.includes(n))
        .map(([n, s]) => [n, n in OWN_DEFAULTS ? (OWN_DEFAULTS[n] === undefined ? {} : { default: OWN_DEFAULTS[n] }) : notRequired(s)]));
}
const HELM_TAKEN = taken(inputs_INPUTS, HELM_INPUTS_NOT_TAKEN);
const ECS_TAKEN = taken(INPUTS, ECS_INPUTS_NOT_TAKEN);
const rollout_inputs_INPUTS = {
    target: { default: 'helm' },
    steps: { required: true },
    ...HELM_TAKEN,
    ...ECS_TAKEN,
    ...HEALTH_GATE_INPUTS,
};
const rollout_inputs_OUTPUTS = (/* unused pure expression or super */ null && (['result', 'reached-weight', 'analysis-report', 'revision', 'task-definition-arn']));
const TARGETS = ['helm', 'ecs'];
function pick(raw, names) {
    return Object.fromEntries(names.map((n) => [n, raw[n]]));
}
/** The analysis' offer to the steps: metric names, what else judges, the settings steps override. */
function analysisOffer(gate) {
    return {
        metrics: (gate.analysis?.metrics ?? []).map((m) => ({ name: m.name, absolute: m.max !== undefined || m.min !== undefined })),
        otherChecks: gate.http !== undefined || (gate.analysis?.alarms.length ?? 0) > 0,
        compareBaseline: gate.analysis?.compareBaseline ?? true,
    };
}
/** health-gate's own checks of each step's overrides (min-samples against the step's count...), naming the step. */
function checkWithGate(steps, gate) {
    for (const s of steps) {
        if (s.kind !== 'analysis')
            continue;
        try {
            withStepOverrides(gate, s.overrides);
        }
        catch (e) {
            if (!(e instanceof errors_InputError))
                throw e;
            throw new errors_InputError('steps', `step ${s.index}: analysis: ${e.input} ${e.problem}`, e.fix);
        }
    }
}
/**
 * The ECS LINEAR step percent that `weights` (setWeight values in order) describe: equal
 * increments of the first weight up to 100 (20, 40, 60, 80, 100 -> 20; 30, 60, 90, 100 -> 30,
 * as ECS shifts the rest in its last step), at least three weights; undefined otherwise.
 * ECS linearConfiguration.stepPercent takes 3.0-100.0.
 */
function ecsLinearStepPercent(weights) {
    const step = weights[0];
    if (weights.length < 3 || step < 3 || weights[weights.length - 1] !== 100)
        return undefined;
    const below = weights.slice(0, -1);
    if (!below.every((w, i) => w === step * (i + 1)))
        return undefined;
    return 100 - below[below.length - 1] <= step ? step : undefined;
}
/** The setWeight of `sw` that breaks both ECS shapes, with what ECS would do instead. */
function oddWeight(sw) {
    const first = sw[0];
    if (!first)
        return undefined;
    if (first.weight < 1 || first.weight > 99)
        return { step: first, why: 'the first ECS traffic shift is 1-99 % (3-99 % for linear steps)' };
    const last = sw[sw.length - 1];
    if (last.weight !== 100)
        return { step: last, why: 'ECS ends with all production traffic on the new revision: the last setWeight is 100' };
    if (sw.length > 2 && first.weight < 3)
        return { step: sw[1], why: `ECS linear steps are 3-100 % (stepPercent), not ${first.weight}` };
    const step = first.weight;
    for (let i = 1; i < sw.length; i++) {
        const prev = sw[i - 1].weight;
        // ECS's next shift: one more step, or all the rest when at most one step remains
        const next = step * (i + 1) >= 100 || (i === sw.length - 1 && 100 - prev <= step) ? 100 : step * (i + 1);
        if (sw[i].weight === next)
            continue;
        const why = i > 1
            ? `ECS linear steps of ${step} % go on with setWeight ${next}`
            : next === 100
                ? `after setWeight ${prev} ECS shifts all the rest: setWeight 100`
                : `after setWeight ${prev} ECS shifts either all the rest (canary: 100) or one more equal increment (linear: ${next})`;
        return { step: sw[i], why };
    }
    return undefined;
}
/**
 * How ECS moves a canary's traffic, from the setWeight values: one canary percent and then all
 * traffic (setWeight P, 100: strategy CANARY, canaryPercent P) or equal increments (setWeight S,
 * 2S, ..., 100: strategy LINEAR, stepPercent S, 3-100). A PAUSE hook at PRE_PRODUCTION_TRAFFIC_SHIFT
 * holds ECS before each of its shifts (ecs-deployer.ts). Any other list is refused, naming the
 * setWeight step that breaks it.
 */
function ecsTraffic(steps) {
    const sw = steps.filter((s) => s.kind === 'setWeight');
    const weights = sw.map((s) => s.weight);
    const promote = steps.find((s) => s.kind === 'promote');
    if (promote)
        throw new errors_InputError('steps', `step ${promote.index}: promote ends a helm canary, but an ECS canary ends when ECS has shifted all production traffic`, 'Write setWeight: 100 (then its analysis) instead of promote for target ecs');
    if (weights.length === 2 && weights[0] >= 1 && weights[0] <= 99 && weights[1] === 100)
        return { strategy: 'canary', canaryPercent: weights[0] };
    const linear = ecsLinearStepPercent(weights);
    if (linear !== undefined)
        return { strategy: 'linear', stepPercent: linear };
    const fix = 'Give setWeight P (1-99), its analysis steps, then setWeight 100 (an ECS canary), or equal increments S, 2S, ... then 100 with S at least 3 (an ECS linear deployment, e.g. 20, 40, 60, 80, 100), each followed by its analysis steps';
    const odd = oddWeight(sw);
    if (!odd)
        throw new errors_InputError('steps', 'target ecs needs setWeight steps (ECS moves production traffic by percent)', fix);
    throw new errors_InputError('steps', `step ${odd.step.index}: setWeight ${odd.step.weight} in setWeight ${weights.join(', ')}: ${odd.why}`, fix);
}
function rollout_inputs_parseInputs(raw, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()) {
    const get = (n) => rawValue(rollout_inputs_INPUTS, raw, n);
    const target = parseEnum('target', get('target'), TARGETS);
    const stepsText = readStepsText(get('steps'), workspace);
    const strategy = get('strategy');
    if (strategy === 'linear')
        throw new errors_InputError('strategy', 'linear is written as its steps here: an ECS linear deployment is strategy canary with equal setWeight increments', 'Use strategy: canary with steps setWeight 20, 40, 60, 80, 100 (each with its analysis); target ecs runs them as ECS LINEAR with stepPercent 20');
    if (strategy !== 'canary' && strategy !== 'blue-green')
        throw new errors_InputError('strategy', `${strategy} has no traffic steps to roll out`, 'Use strategy: canary or blue-green (helm-deploy or ecs-deploy for a rolling update)');
    const kind = strategy;
    let deploy;
    if (target === 'helm') {
        const helmRaw = pick(raw, Object.keys(HELM_TAKEN));
        deploy = { target, helm: inputs_parseInputs({ ...helmRaw, strategy, action: 'deploy' }, workspace) };
    }
    const steps = parseSteps(stepsText);
    const gateNames = Object.keys(HEALTH_GATE_INPUTS);
    const gateRaw = pick(raw, gateNames);
    const gateGiven = gateNames.some((n) => (gateRaw[n] ?? '').trim() !== '' && gateRaw[n]?.trim() !== HEALTH_GATE_INPUTS[n].default);
    const analysed = steps.some((s) => s.kind === 'analysis');
    // health-gate's parser refuses a gate with nothing to check: only ask it when the steps need one
    const gate = analysed || gateGiven ? parseHealthGateInputs(gateRaw) : undefined;
    validateSteps(steps, kind, gate && analysisOffer(gate));
    if (gate)
        checkWithGate(steps, gate);
    deploy ??= { target: 'ecs', ecs: parseEcsInputs(raw, strategy, steps) };
    return { deploy, kind, gate, steps, reportFile: gate?.reportFile };
}
/**
 * ecs-deploy's inputs for target ecs, parsed by its parser, with what the steps decide: a service
 * behind CodeDeploy deploys blue/green held at Ready; a canary is an ECS canary or linear
 * deployment (ecsTraffic) whose bake times are 0, as its PAUSE hooks hold each step.
 */
function parseEcsInputs(raw, strategy, steps) {
    const ecsRaw = pick(raw, Object.keys(ECS_TAKEN));
    // a service behind CodeDeploy: blue/green through CodeDeploy, held at Ready for the analysis
    const codedeploy = (raw['codedeploy-application'] ?? '').trim() !== '';
    if (codedeploy && strategy !== 'blue-green')
        throw new errors_InputError('codedeploy-application', `is set, but CodeDeploy deploys ECS blue/green only (strategy is ${strategy})`, 'Set strategy: blue-green, or remove codedeploy-application');
    if (codedeploy)
        return parseInputs({ ...ecsRaw, strategy: 'codedeploy', action: 'deploy', 'wait-at-ready': 'true' });
    if (strategy === 'blue-green')
        return parseInputs({ ...ecsRaw, strategy, action: 'deploy' });
    const traffic = ecsTraffic(steps);
    const decided = traffic.strategy === 'canary'
        ? { 'canary-percent': String(traffic.canaryPercent), 'canary-bake-time': '0' }
        : { 'linear-step-percent': String(traffic.stepPercent), 'linear-step-bake-time': '0' };
    return parseInputs({ ...ecsRaw, ...decided, strategy: traffic.strategy, action: 'deploy' });
}

;// CONCATENATED MODULE: ./src/rollout/new-task-definition.ts


/**
 * DescribeServices, then RegisterTaskDefinition of the new revision. Returns the service as
 * described and the new task definition's ARN. Throws ServiceError (Amazon ECS) when a
 * container named in the images or environment is not in the task definition, and what
 * describeService / registerTaskDefinition throw.
 */
async function registerNewTaskDefinition(ctx, inputs) {
    const service = await describeService(ctx);
    const base = inputs.taskDefinition ?? (await describeTaskDefinition(ctx, service.taskDefinition ?? ''));
    const applied = applyImagesAndEnvironment(base, inputs.images, inputs.environment);
    if (applied.missing.length)
        throw new errors_ServiceError('Amazon ECS', `the task definition has no container ${applied.missing.join(', ')}`, 'Check images');
    const registered = await registerTaskDefinition(ctx, toRegisterInput(applied.taskDefinition).input);
    return { service, arn: registered.arn };
}

;// CONCATENATED MODULE: ./src/rollout/codedeploy-deployer.ts
/**
 * The CodeDeploy Deployer: an ECS blue/green deployment by AWS CodeDeploy (services with the
 * CODE_DEPLOY deployment controller), through ecs-deploy's library. preview creates the
 * deployment and waits until CodeDeploy holds the replacement task set at Ready (test listener
 * serving it; the deployment group must "specify when to reroute traffic"); promote answers
 * ContinueDeployment (READY_WAIT): production traffic reroutes; finish waits for Succeeded; abort
 * stops the deployment with auto-rollback (StopDeployment) and waits until CodeDeploy reports it
 * rolled back. The deployment id is handed to `remember` as soon as CreateDeployment returns (the
 * rollout saves it in GITHUB_STATE before waiting), so the post step of a killed run stops that
 * deployment with rollback from the saved state (abort reads `state.codeDeployDeploymentId`).
 */



function codeDeployDeployer(ctx, cd, inputs, remember = () => undefined) {
    const group = inputs.codedeploy;
    if (!group)
        throw new errors_ServiceError('AWS CodeDeploy', 'no deployment group given');
    let id;
    let taskDefinitionArn;
    let ended = false;
    const wait = { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs };
    async function startAndHoldAtReady() {
        const facts = await deploymentGroupFacts(cd, group.application, group.deploymentGroup);
        if (!facts.holdsAtReady)
            throw new errors_ServiceError('AWS CodeDeploy', `deployment group '${group.deploymentGroup}' does not hold the replacement task set at Ready, so there is no moment to analyse before traffic moves`, 'Set its deployment ready option to "Specify when to reroute traffic"');
        const { service, arn: registeredArn } = await registerNewTaskDefinition(ctx, inputs);
        taskDefinitionArn = registeredArn;
        const lb = service.loadBalancers?.[0];
        const appspec = buildAppSpec(registeredArn, group.appspecFile, lb ? { containerName: lb.containerName, containerPort: lb.containerPort } : undefined);
        id = await startCodeDeployDeployment(cd, {
            application: group.application,
            deploymentGroup: group.deploymentGroup,
            appspec,
            description: `shipline rollout ${registeredArn}`,
        });
        remember(id);
        ctx.reporter.info(`CodeDeploy deployment ${id} of ${registeredArn}`);
        const o = await waitForCodeDeploy(cd, id, { ...wait, stopAtReady: true });
        if (o.result !== 'paused') {
            ended = true;
            throw new errors_ServiceError('AWS CodeDeploy', `deployment ${id} ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''} before Ready`);
        }
    }
    return {
        kind: 'blue-green',
        setWeight: () => Promise.reject(new errors_ServiceError('AWS CodeDeploy', 'CodeDeploy blue/green has no traffic weights', 'Use preview and promote steps')),
        preview: startAndHoldAtReady,
        async switchTraffic() {
            if (!id)
                await startAndHoldAtReady();
            await continueCodeDeploy(cd, id, 'continue');
            ctx.reporter.info(`CodeDeploy ${id}: ContinueDeployment (READY_WAIT), production traffic rerouted to the replacement task set`);
        },
        async finish() {
            const o = await waitForCodeDeploy(cd, id ?? '', { ...wait, stopAtReady: false });
            ended = true;
            if (o.result !== 'succeeded')
                throw new errors_ServiceError('AWS CodeDeploy', `deployment ${id} ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''}`);
            // Succeeded counts only when ECS runs it: the PRIMARY task set is the new task definition, all tasks up.
            const problem = primaryTaskSetProblem(await describeService(ctx), { taskDefinitionArn, deploymentId: id ?? '' });
            if (problem)
                throw new errors_ServiceError('Amazon ECS', `deployment ${id}: ${problem}`, "Check the service's task sets in the ECS console");
            return { taskDefinitionArn };
        },
        async abort(state) {
            const restored = !id && state.codeDeployDeploymentId !== undefined;
            if (restored)
                id = state.codeDeployDeploymentId;
            if (!id) {
                if (!state.previewed && !state.switched)
                    return; // CreateDeployment never returned: nothing to stop
                throw new errors_ServiceError('AWS CodeDeploy', 'the deployment id was not saved, so it cannot be stopped', 'Stop it in the CodeDeploy console with rollback');
            }
            if (ended)
                return;
            if (restored) {
                // a restarted run: the deployment may have ended while nobody watched
                const status = (await cd.codedeploy.getDeployment({ deploymentId: id })).deploymentInfo?.status;
                if (status === 'Failed' || status === 'Stopped') {
                    ended = true;
                    ctx.reporter.info(`abort: CodeDeploy ${id} already ${status}; nothing to stop`);
                    return;
                }
                if (status === 'Succeeded')
                    throw new errors_ServiceError('AWS CodeDeploy', `deployment ${id} already Succeeded: production serves the new task definition although the rollout did not finish`, 'Redeploy the previous task definition if it must not serve');
            }
            await continueCodeDeploy(cd, id, 'rollback');
            const o = await waitForCodeDeploy(cd, id, { ...wait, stopAtReady: false });
            ended = true;
            if (o.result !== 'rolled-back' && o.result !== 'failed')
                throw new errors_ServiceError('AWS CodeDeploy', `StopDeployment with auto-rollback, but deployment ${id} ended ${o.result}`);
            ctx.reporter.info(`abort: CodeDeploy ${id} stopped with auto-rollback (${o.result}${o.rollbackReason ? `: ${o.rollbackReason}` : ''})`);
        },
    };
}

;// CONCATENATED MODULE: ./src/rollout/ecs-deployer.ts



const PRE = 'PRE_PRODUCTION_TRAFFIC_SHIFT';
const POST = 'POST_PRODUCTION_TRAFFIC_SHIFT';
function ecsDeployer(ctx, inputs, plan, remember = () => undefined) {
    let arn;
    let hookId;
    const answered = [];
    let taskDefinitionArn;
    const wait = { waitMs: inputs.waitMs, pollIntervalMs: inputs.pollIntervalMs };
    const log = (l) => ctx.reporter.info(l);
    // rollout's parser sets canary or linear (with their percent and bake time 0) from the steps
    const strategy = plan.kind === 'blue-green' ? 'blue-green' : inputs.strategy === 'linear' ? 'linear' : 'canary';
    /** The deployment's bake time (both revisions run after the last shift): the end waits for it on top of `wait`. */
    let bakeMs = 0;
    /** Registers the new task definition and starts the service deployment with PAUSE hooks at `stages`. */
    async function start(stages) {
        const { service, arn: registeredArn } = await registerNewTaskDefinition(ctx, inputs);
        taskDefinitionArn = registeredArn;
        const { configuration } = buildDeploymentConfiguration(service.deploymentConfiguration, strategy, { ...inputs.native, pauseAt: 'none' });
        bakeMs = (configuration.bakeTimeInMinutes ?? 0) * 60_000;
        configuration.lifecycleHooks = [
            ...(configuration.lifecycleHooks ?? []),
            { targetType: 'PAUSE', lifecycleStages: stages, timeoutConfiguration: { timeoutInMinutes: plan.hookTimeoutMinutes, action: 'ROLLBACK' } },
        ];
        const started = await startDeployment(ctx, { taskDefinitionArn: registeredArn, deploymentConfiguration: configuration });
        arn = started.serviceDeploymentArn;
        if (arn)
            remember(arn);
        log(`ECS ${strategy} service deployment ${arn} of ${registeredArn} (PAUSE hooks at ${stages.join(', ')}, each rolled back by ECS after ${plan.hookTimeoutMinutes} min unanswered)`);
    }
    /** Waits for the next PAUSE hook; anything but paused (rolled back, failed, timed out) is an error. */
    async function untilPaused(what) {
        const o = await waitForPauseOrEnd(ctx, arn ?? '', { ...wait, taskDefinitionArn, answeredHookIds: answered });
        if (o.result !== 'paused' || !o.hookId)
            throw new errors_ServiceError('Amazon ECS', `${what}: the service deployment ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''} instead of pausing`);
        hookId = o.hookId;
        const weight = o.timeline.at(-1)?.productionWeight ?? 0;
        log(`ECS paused at ${o.pausedStage} with ${weight} % of production traffic on the new revision (hook ${o.hookId})`);
        return { stage: o.pausedStage, weight };
    }
    async function answer(decision) {
        await continueDeployment(ctx, { serviceDeploymentArn: arn ?? '', hookId: hookId ?? '' }, decision);
        answered.push(hookId ?? '');
        hookId = undefined;
    }
    /** Canary and linear: lets ECS make its next production traffic shift and checks where it paused. */
    async function shiftTo(weight) {
        await answer('continue');
        const at = await untilPaused(`waiting for ${weight} % of production traffic`);
        const stage = weight >= 100 ? POST : PRE;
        if (at.stage !== stage || at.weight !== weight)
            throw new errors_ServiceError('Amazon ECS', `setWeight ${weight} expected a pause at ${stage} with ${weight} % of production traffic, but ECS paused at ${at.stage ?? 'no stage'} with ${at.weight} %`, "Check that no one changed the service's deployment configuration during the rollout");
        return at.weight;
    }
    /**
     * Whether ECS rolled the deployment back by itself (an alarm, the circuit breaker, a hook's
     * timeout) or is doing so (`sd`: the deployment as just described): then the abort waits for
     * that to end instead of stopping a deployment that no longer runs (StopServiceDeployment
     * would fail on it).
     */
    async function rolledBackByEcs(deploymentArn, sd) {
        if (!sd.status?.startsWith('ROLLBACK_') || sd.status === 'ROLLBACK_FAILED')
            return false;
        const o = sd.status === 'ROLLBACK_SUCCESSFUL' ? undefined : await waitForPauseOrEnd(ctx, deploymentArn, { ...wait, stopAtPause: false });
        if (o && o.result !== 'rolled-back')
            throw new errors_ServiceError('Amazon ECS', `ECS was rolling ${deploymentArn} back, but it ended ${o.result}`);
        log(`abort: ECS had already rolled ${deploymentArn} back by itself (${sd.statusReason ?? 'no reason given'})`);
        return true;
    }
    return {
        kind: plan.kind,
        async setWeight(weight) {
            if (!arn) {
                if (weight >= 100)
                    throw new errors_ServiceError('Amazon ECS', `an ECS ${strategy} deployment starts below 100 %`, 'Give a setWeight below 100 first');
                await start([PRE, POST]);
                const first = await untilPaused('waiting for the pause before the first production traffic shift');
                if (first.stage !== PRE || first.weight !== 0)
                    throw new errors_ServiceError('Amazon ECS', `expected the first pause at ${PRE} with 0 % of production traffic, but ECS paused at ${first.stage} with ${first.weight} %`);
            }
            if (!hookId)
                throw new errors_ServiceError('Amazon ECS', `setWeight ${weight}: the service deployment is not paused, so it cannot be moved a step`);
            return { weight: await shiftTo(weight) };
        },
        async preview() {
            await start(['POST_TEST_TRAFFIC_SHIFT', POST]);
            await untilPaused('waiting for test traffic on the new revision');
        },
        async switchTraffic() {
            if (!arn) {
                await start(['POST_TEST_TRAFFIC_SHIFT', POST]);
                await untilPaused('waiting for test traffic on the new revision');
            }
            await answer('continue');
            await untilPaused('waiting for production traffic on the new revision');
        },
        async finish() {
            if (hookId)
                await answer('continue');
            // the bake time is ECS's own deliberate wait, not a slow deployment: it does not eat into `wait`
            const o = await waitForPauseOrEnd(ctx, arn ?? '', {
                ...wait,
                waitMs: wait.waitMs + bakeMs,
                taskDefinitionArn,
                stopAtPause: false,
                answeredHookIds: answered,
            });
            if (o.result !== 'succeeded')
                throw new errors_ServiceError('Amazon ECS', `the service deployment ended ${o.result}${o.rollbackReason ? ` (${o.rollbackReason})` : ''}`);
            return { taskDefinitionArn };
        },
        async abort(state) {
            if (arn && hookId) {
                const hook = hookId;
                try {
                    await answer('rollback');
                }
                catch (e) {
                    // The hook no longer awaits an answer: it timed out (ECS then rolled back by itself), or
                    // someone else answered it CONTINUE (the console) and ECS moved on to its next pause.
                    const o = await waitForPauseOrEnd(ctx, arn, { ...wait, answeredHookIds: [...answered, hook] });
                    if (o.result === 'rolled-back') {
                        log(`abort: ECS had already rolled ${arn} back (hook ${hook} no longer awaited an answer)`);
                        return;
                    }
                    if (o.result !== 'paused' || !o.hookId)
                        throw e;
                    log(`abort: hook ${hook} was answered elsewhere; ECS paused again at ${o.pausedStage ?? 'no stage'} (hook ${o.hookId})`);
                    hookId = o.hookId;
                    await answer('rollback');
                }
                const o = await waitForPauseOrEnd(ctx, arn, { ...wait, stopAtPause: false });
                if (o.result !== 'rolled-back')
                    throw new errors_ServiceError('Amazon ECS', `ROLLBACK answered, but the deployment ended ${o.result}`);
                log(`abort: PAUSE hook answered ROLLBACK; ECS rolled ${arn} back`);
                return;
            }
            // after a restart (post step) the ARN comes from the saved state: only this rollout's own
            // deployment is stopped, never one someone else started on the same service
            const own = arn ?? state.ecsServiceDeploymentArn;
            if (!own) {
                log('abort: this rollout started no ECS service deployment (none recorded); nothing to stop');
                return;
            }
            const sd = await describeServiceDeployment(ctx, own);
            if (await rolledBackByEcs(own, sd))
                return;
            if (sd.status === 'SUCCESSFUL')
                throw new errors_ServiceError('Amazon ECS', `${own} had already completed (SUCCESSFUL): the new task definition serves all traffic, so there is nothing in flight to stop`, 'Roll back with ecs-deploy action: rollback if the new version must go');
            const o = await rollback(ctx, own, wait);
            if (o.result !== 'rolled-back')
                throw new errors_ServiceError('Amazon ECS', `stopping ${own} with rollback ended ${o.result}`);
            log(`abort: ${own} stopped with rollback; ECS rolled it back`);
        },
    };
}

;// CONCATENATED MODULE: ./src/rollout/gate-analysis.ts
/**
 * The Analysis the rollout injects: health-gate's library (src/health-gate/library.ts), one
 * in-process evaluation per analysis step with the step's overrides (count, a subset of the
 * metrics, compareBaseline). Its log lines are forwarded with the step's number; the verdict
 * policy (inconclusive-is, fail-on) is the step machine's.
 */

/** Canary and baseline per metric from health-gate's outcome (alarms have no baseline). */
function seriesOf(outcome) {
    return outcome.metrics.map((m) => ({
        metric: m.name,
        samples: m.samples.map((s) => ({ atMs: s.atMs, canary: s.value, baseline: s.baselineValue })),
    }));
}
/** A reporter that prefixes log lines with the step and passes credentials and masking through. */
function stepReporter(outer, prefix) {
    return {
        info: (m) => outer.info(`${prefix}${m}`),
        warning: (m) => outer.warning(`${prefix}${m}`),
        debug: (m) => outer.debug(`${prefix}${m}`),
        setSecret: (v) => outer.setSecret(v),
        setOutput: () => undefined,
        summary: async () => undefined,
        redact: (text) => outer.redact(text),
    };
}
function gate_analysis_gateAnalysis(gate, deps, reporter) {
    return {
        async run(overrides, { step }) {
            const o = await runHealthGateAnalysis(gate, overrides, { ...deps, reporter: stepReporter(reporter, `  [analysis, step ${step}] `) });
            return { verdict: o.verdict, rule: o.rule, reason: o.reason, series: seriesOf(o), report: o.report };
        },
    };
}

;// CONCATENATED MODULE: ./src/rollout/helm-deployer.ts
function helmDeployer(release, kind, log) {
    let firstInstall;
    return {
        kind,
        async setWeight(weight) {
            const r = await release.canaryAt(weight);
            if (r.firstInstall)
                firstInstall = { revision: r.revision };
            return { weight: r.weight, firstInstall: r.firstInstall };
        },
        preview: () => release.preview(),
        switchTraffic: () => release.switchToNew(),
        async finish() {
            if (kind === 'canary') {
                // a first install has no canary to promote: the new version already is stable
                const r = firstInstall ?? (await release.promoteCanary());
                return { revision: r.revision === undefined ? undefined : String(r.revision) };
            }
            const r = await release.retireOld();
            return { revision: r.revision === undefined ? undefined : String(r.revision) };
        },
        async abort(state) {
            if (kind === 'canary') {
                await release.abortCanary();
                log(`abort: canary removed, all traffic on stable (the canary had reached ${state.weight} %)`);
            }
            else {
                log(`abort: ${await release.switchBack()}`);
            }
        },
    };
}

;// CONCATENATED MODULE: ./src/rollout/machine.ts

/** Whether the rollout may go on after this verdict. */
function accepts(v, policy) {
    if (v.verdict === 'pass')
        return true;
    if (v.rule === 'configuration-error')
        return false;
    if (policy.failOn === 'none')
        return true;
    return v.verdict === 'inconclusive' && policy.inconclusiveIs === 'pass' && v.rule !== 'no-metric-judged';
}
class Stop extends Error {
    problem;
    constructor(problem) {
        super(problem);
        this.problem = problem;
    }
}
async function machine_runRollout(steps, deps) {
    const { deployer, analysis, clock, log } = deps;
    const state = { v: 1, kind: deployer.kind, phase: 'progressing', step: 0, weight: 0, previewed: false, switched: false };
    const save = (patch) => {
        Object.assign(state, patch);
        deps.state.save({ ...state });
    };
    const timeline = [];
    const analyses = [];
    let reached = 0;
    let firstInstall = false;
    const runStep = async (s, entry) => {
        switch (s.kind) {
            case 'setWeight': {
                save({ step: s.index, weight: Math.max(state.weight, s.weight) }); // before traffic moves
                const r = await deployer.setWeight(s.weight);
                reached = Math.max(reached, r.weight);
                entry.weight = r.weight;
                if (r.weight !== s.weight)
                    entry.reason = `asked ${s.weight} %, set ${r.weight} %`;
                if (r.firstInstall)
                    firstInstall = true;
                return;
            }
            case 'preview':
                save({ step: s.index, previewed: true });
                await deployer.preview();
                return;
            case 'promote':
                if (deployer.kind === 'blue-green') {
                    save({ step: s.index, previewed: true, switched: true, weight: 100 });
                    await deployer.switchTraffic();
                }
                else {
                    save({ step: s.index, weight: 100 });
                }
                reached = 100;
                entry.weight = 100;
                return;
            case 'pause':
                await deps.sleep(s.durationMs);
                return;
            case 'analysis': {
                let v;
                try {
                    v = await analysis.run(s.overrides, { step: s.index, weight: reached });
                }
                catch (e) {
                    v = { verdict: 'error', rule: 'analysis-error', reason: e.message, series: [], report: { error: e.message } };
                }
                const ok = accepts(v, deps.policy);
                analyses.push({ step: s.index, weight: reached, startedMs: entry.startedMs, verdict: v, accepted: ok });
                Object.assign(entry, { verdict: v.verdict, rule: v.rule, reason: v.reason });
                log(`step ${s.index}: analysis at ${reached} %: ${v.verdict} (rule ${v.rule}): ${v.reason}`);
                if (!ok)
                    throw new Stop(`step ${s.index}: analysis at ${reached} % is ${v.verdict} (rule ${v.rule}): ${v.reason}`);
                if (v.verdict !== 'pass')
                    log(`step ${s.index}: ${v.verdict} accepted (${deps.policy.failOn === 'none' ? 'fail-on: none' : 'inconclusive-is: pass'})`);
            }
        }
    };
    let problem;
    for (const s of steps) {
        const entry = { step: s.index, what: describeStep(s), weight: reached, startedMs: clock(), durationMs: 0, status: 'done' };
        timeline.push(entry);
        if (firstInstall) {
            entry.status = 'skipped';
            entry.reason = 'first install: nothing to compare with';
            continue;
        }
        log(`step ${s.index}: ${entry.what}`);
        try {
            await runStep(s, entry);
        }
        catch (e) {
            entry.status = 'failed';
            problem = e instanceof Stop ? e.problem : `step ${s.index} (${entry.what}) failed: ${e.message}`;
            entry.reason ??= e instanceof Stop ? undefined : e.message;
        }
        finally {
            entry.durationMs = clock() - entry.startedMs;
        }
        if (problem)
            break;
    }
    if (!problem) {
        const entry = { step: steps.length + 1, what: 'finish', weight: 100, startedMs: clock(), durationMs: 0, status: 'done' };
        timeline.push(entry);
        try {
            save({ phase: 'promoting', step: entry.step });
            const ids = await deployer.finish();
            entry.durationMs = clock() - entry.startedMs;
            save({ phase: 'promoted' });
            log(`promoted${ids.revision ? ` (revision ${ids.revision})` : ''}${ids.taskDefinitionArn ? ` (${ids.taskDefinitionArn})` : ''}`);
            return { result: 'promoted', reachedWeight: 100, timeline, analyses, ...ids };
        }
        catch (e) {
            entry.durationMs = clock() - entry.startedMs;
            entry.status = 'failed';
            entry.reason = e.message;
            problem = `finishing the rollout failed: ${e.message}`;
        }
    }
    const abort = { step: timeline.length + 1, what: 'abort', weight: 0, startedMs: clock(), durationMs: 0, status: 'done' };
    timeline.push(abort);
    log(`aborting: ${problem}`);
    try {
        save({ phase: 'aborting' });
        await deployer.abort({ ...state });
        save({ phase: 'aborted' });
        abort.durationMs = clock() - abort.startedMs;
        abort.status = 'aborted';
        return { result: 'aborted', reachedWeight: reached, timeline, analyses, problem };
    }
    catch (e) {
        abort.durationMs = clock() - abort.startedMs;
        abort.status = 'failed';
        abort.reason = e.message;
        return { result: 'failed', reachedWeight: reached, timeline, analyses, problem: `${problem}; the abort failed too: ${e.message}` };
    }
}

;// CONCATENATED MODULE: ./src/rollout/summary.ts
/**
 * The rollout's job summary: the result in one line, one timeline of every step (weight, start,
 * duration, verdict, the rule that fired) and one chart per metric of canary vs baseline over
 * every analysis, the x labels marking where the weight changed.
 */


const summary_ICON = { promoted: '✅', aborted: '↩️', failed: '🛑' };
function summary_num(n) {
    return n === undefined ? '' : String(Number(n.toPrecision(4)));
}
/** The metric's unit, from its query in the first health-gate report that has it. */
function unitOf(outcome, metric) {
    for (const a of outcome.analyses) {
        const report = a.verdict.report;
        const m = report?.analysis?.metrics?.find((x) => x.name === metric);
        if (m?.queries)
            return unitOfQuery(m.queries.query, { total: m.queries.total !== undefined });
    }
    return unitOfQuery(undefined);
}
/** One x position per measurement, over all analyses; the first of each weight is labelled with it. */
function rolloutChart(outcome, metric) {
    const labels = [];
    const canary = [];
    const baseline = [];
    let anyBaseline = false;
    let lastWeight = -1;
    for (const a of outcome.analyses) {
        const s = a.verdict.series.find((x) => x.metric === metric);
        if (!s)
            continue;
        s.samples.forEach((p, i) => {
            labels.push(a.weight !== lastWeight && i === 0 ? `${a.weight}% #1` : `#${i + 1}`);
            if (i === 0)
                lastWeight = a.weight;
            canary.push(p.canary ?? NaN);
            baseline.push(p.baseline ?? NaN);
            anyBaseline ||= p.baseline !== undefined;
        });
    }
    // Where stable had no traffic (compareBaseline false) there is no baseline value: the line
    // follows the canary there, so those measurements still show instead of being skipped.
    const series = anyBaseline
        ? [
            { name: 'canary', values: canary },
            { name: 'baseline', values: baseline.map((b, i) => (Number.isFinite(b) ? b : canary[i])) },
        ]
        : [{ name: 'canary', values: canary }];
    return lineChart(`${metric} over the rollout`, labels, series, `${metric} (${unitOf(outcome, metric)})`, { missing: 'skip' });
}
function rollout_summary_renderSummary(outcome, description) {
    let md = heading(`${summary_ICON[outcome.result]} Rollout ${outcome.result}: ${description}`);
    md += `Reached **${outcome.reachedWeight} %**${outcome.revision ? `; revision ${outcome.revision}` : ''}${outcome.taskDefinitionArn ? `; ${outcome.taskDefinitionArn}` : ''}.`;
    md += outcome.problem ? `  \n${outcome.problem.replace(/\|/g, '\\|')}\n\n` : '\n\n';
    md += heading('Timeline', 3);
    const t0 = outcome.timeline[0]?.startedMs ?? 0;
    md += table(['#', 'step', 'weight', 'start', 'duration', 'verdict', 'rule', 'note'], outcome.timeline.map((e) => [
        e.step,
        e.what,
        `${e.weight} %`,
        `+${formatMs(e.startedMs - t0)} (${new Date(e.startedMs).toISOString().slice(11, 19)}Z)`,
        formatMs(e.durationMs),
        e.verdict ?? (e.status === 'done' ? '' : e.status),
        e.rule ?? '',
        e.reason ?? '',
    ]));
    const metrics = [...new Set(outcome.analyses.flatMap((a) => a.verdict.series.map((s) => s.metric)))];
    if (metrics.length > 0) {
        md += heading('Canary vs baseline', 3);
        md += `_x axis: every measurement of every analysis step; "10% #1" marks the first measurement after the weight changed to 10 %. Where stable had no traffic (compareBaseline false) the baseline line follows the canary._\n\n`;
        for (const m of metrics)
            md += rolloutChart(outcome, m) || `_${m}: fewer than two measurements with data, no chart._\n\n`;
        md += table(['step', 'weight', 'metric', 'canary (last)', 'baseline (last)', 'samples'], outcome.analyses.flatMap((a) => a.verdict.series.map((s) => {
            const last = [...s.samples].reverse().find((p) => p.canary !== undefined);
            return [a.step, `${a.weight} %`, s.metric, summary_num(last?.canary), summary_num(last?.baseline), s.samples.length];
        })));
    }
    return md;
}

;// CONCATENATED MODULE: ./src/rollout/run.ts
/**
 * rollout: open the target's deployer, run the steps through the step machine with
 * health-gate's analysis, then report (outputs, report file, summary). The step fails unless
 * the rollout was promoted; an aborted rollout has put all traffic back on stable first.
 */










/**
 * Wraps a StateStore so a deployer can add what only it learns mid-step (the CodeDeploy
 * deployment id) to the state the machine saves: `remember` re-saves the last state at once,
 * before the deployer waits, and every later save keeps it.
 */
function trackDeployerState(store) {
    let last;
    let extra = {};
    return {
        store: {
            save(s) {
                last = { ...s, ...extra };
                store.save(last);
            },
        },
        remember(patch) {
            extra = { ...extra, ...patch };
            if (last) {
                last = { ...last, ...extra };
                store.save(last);
            }
        },
    };
}
/** Added to the PAUSE hooks' timeout: an analysis may run past its estimate (slow queries, retries). */
const HOOK_TIMEOUT_MARGIN_MINUTES = 10;
/**
 * The ECS PAUSE hooks' timeout, in whole minutes (timeoutConfiguration.timeoutInMinutes, 1-20160):
 * the longest time ECS is held at one pause, i.e. the longest run of steps between two traffic
 * moves (setWeight, preview, promote) or after the last one, each pause at its duration and each
 * analysis at its longest (HTTP checks' deadline, then count x (interval + query timeout)), plus
 * one poll interval, plus HOOK_TIMEOUT_MARGIN_MINUTES. ECS rolls back a hook still unanswered then
 * (action ROLLBACK): what happens when the runner dies between two steps.
 */
function pauseHookTimeoutMinutes(inputs) {
    const a = inputs.gate?.analysis;
    let longest = 0;
    let ms = 0;
    for (const s of inputs.steps) {
        if (s.kind === 'setWeight' || s.kind === 'preview' || s.kind === 'promote')
            ms = 0;
        else if (s.kind === 'pause')
            ms += s.durationMs;
        else
            ms += (inputs.gate?.http?.deadlineMs ?? 0) + (a ? (s.overrides.count ?? a.count) * (a.intervalMs + a.queryTimeoutMs) : 0);
        longest = Math.max(longest, ms);
    }
    const poll = inputs.deploy.target === 'ecs' ? inputs.deploy.ecs.pollIntervalMs : 0;
    return Math.min(20_160, Math.ceil((longest + poll) / 60_000) + HOOK_TIMEOUT_MARGIN_MINUTES);
}
async function openDeployer(inputs, deps, reporter) {
    if (inputs.deploy.target === 'ecs') {
        const e = inputs.deploy.ecs;
        const ctx = { ecs: await deps.loadEcs(e.awsRegion), clock: deps.ecsClock, reporter, cluster: e.cluster, service: e.service };
        const tracked = trackDeployerState(deps.state);
        const deployer = e.codedeploy
            ? codeDeployDeployer(ctx, { codedeploy: await deps.loadCodeDeploy(e.awsRegion), clock: deps.ecsClock, reporter }, e, (id) => tracked.remember({ codeDeployDeploymentId: id }))
            : ecsDeployer(ctx, e, { kind: inputs.kind, hookTimeoutMinutes: pauseHookTimeoutMinutes(inputs) }, (arn) => tracked.remember({ ecsServiceDeploymentArn: arn }));
        return {
            deployer,
            state: tracked.store,
            describe: `ECS ${e.strategy === 'linear' ? 'linear' : inputs.kind} of service ${e.service} in cluster ${e.cluster}, ${e.images.map((i) => `${i.container}=${i.image}`).join(', ')}`,
            close: () => undefined,
        };
    }
    const h = inputs.deploy.helm;
    const release = await openHelmRollout(h, deps.helm, reporter);
    return {
        deployer: helmDeployer(release, inputs.kind, (l) => reporter.info(l)),
        describe: `helm ${inputs.kind} of ${h.release} in ${h.namespace}${inputs.kind === 'canary' ? ` (traffic-router ${h.trafficRouter})` : ''}, ${h.image?.repository}@${h.image?.digest}`,
        close: () => release.close(),
    };
}
/** The analysis-report output: every analysis step's verdict, rule and health-gate report. */
function analysisReport(outcome) {
    return JSON.stringify(outcome.analyses.map((a) => ({
        step: a.step,
        weight: a.weight,
        startedAt: new Date(a.startedMs).toISOString(),
        verdict: a.verdict.verdict,
        rule: a.verdict.rule,
        reason: a.verdict.reason,
        accepted: a.accepted,
        report: a.verdict.report,
    })));
}
const noAnalysis = {
    run: () => Promise.reject(new Error('no analysis inputs (validated before the rollout: unreachable)')),
};
async function run_run(inputs, deps, reporter) {
    for (const s of inputs.gate?.secrets ?? [])
        reporter.setSecret(s);
    const opened = await openDeployer(inputs, deps, reporter);
    let outcome;
    try {
        reporter.info(`Rollout: ${opened.describe}; ${inputs.steps.length} step(s)`);
        outcome = await runRollout(inputs.steps, {
            deployer: opened.deployer,
            analysis: inputs.gate ? gateAnalysis(inputs.gate, deps.gate, reporter) : noAnalysis,
            state: opened.state ?? deps.state,
            policy: { inconclusiveIs: inputs.gate?.inconclusiveIs ?? 'fail', failOn: inputs.gate?.failOn ?? 'any' },
            clock: deps.gate.clock,
            sleep: deps.gate.sleep,
            log: (l) => reporter.info(l),
        });
    }
    finally {
        opened.close();
    }
    const report = analysisReport(outcome);
    reporter.setOutput('result', outcome.result);
    reporter.setOutput('reached-weight', String(outcome.reachedWeight));
    reporter.setOutput('analysis-report', report);
    reporter.setOutput('revision', outcome.revision ?? '');
    reporter.setOutput('task-definition-arn', outcome.taskDefinitionArn ?? '');
    if (inputs.reportFile)
        writeFileSync(path.resolve(inputs.reportFile), JSON.stringify(JSON.parse(report), null, 2) + '\n');
    await reporter.summary(renderSummary(outcome, opened.describe));
    if (outcome.result === 'promoted')
        return;
    if (outcome.result === 'aborted')
        throw new ServiceError('rollout', `aborted, all traffic back on stable: ${outcome.problem}`);
    throw new ServiceError('rollout', `FAILED: ${outcome.problem}`, 'Check the release by hand: traffic may still reach the new version');
}

;// CONCATENATED MODULE: ./src/rollout/post.ts
/** The `post:` step: aborts a rollout main did not finish (see cancel.ts). */










async function post() {
    try {
        const state = readState(getState(STATE_KEY));
        await abortLeftover(state, async () => {
            const inputs = rollout_inputs_parseInputs(readRawInputs(Object.keys(rollout_inputs_INPUTS)));
            const deps = {
                helm: { exec: exec, toolCache: actionsToolCache, describeEks: eksDescriber(), env: process.env },
                loadEcs: loadEcsApi,
                loadCodeDeploy: loadCodeDeployApi,
                ecsClock: systemClock,
                gate: { clock: Date.now, sleep: sleep },
                state: { save: () => undefined },
            };
            return openDeployer(inputs, deps, coreReporter);
        }, (s) => saveState(STATE_KEY, JSON.stringify(s)), coreReporter);
    }
    catch (err) {
        if (err instanceof Error && err.stack)
            debug(err.stack);
        setFailed(`rollout post step could not abort: ${errorLine(err)}`);
    }
}
void post();

