/**
 * What each file of a build is: its upload phase (content-hashed assets, then the rest, then the
 * entry points that reference them), and the Content-Type, Content-Encoding and Cache-Control
 * it is served with.
 */
import * as mime from 'mime-types';
import { IMMUTABLE, NO_CACHE, REVALIDATE, type CacheRule } from './cache-control';

/** Upload order: every `hashed` object is stored before any `other`, and those before any `entry`. */
export type Phase = 'hashed' | 'other' | 'entry';
export const PHASES: readonly Phase[] = ['hashed', 'other', 'entry'];

/** Where a file's Cache-Control came from: a rule of the cache-control input, or a built-in default. */
export interface Headers {
  contentType: string;
  contentEncoding?: string;
  cacheControl: string;
  /** `cache-control: <glob>`, `content-hashed`, `immutable: <glob>`, `entry point` or `other`. */
  rule: string;
}

const HEX = /^[0-9a-f]{6,}$/i;
const BASE32 = /^[A-Z2-7]{6,}$/;
const BASE64URL = /^[A-Za-z0-9_-]{8,}$/;

/**
 * True when the file name carries a content hash: a segment of 6+ hex or base32 characters, or
 * 8+ base64url characters, set off by `.` or `-` (webpack `app.3f9a1c.js`, esbuild
 * `chunk-5HQX2K.js`, Vite `index-BfE3sXyZ.js`). Words are not hashes: a segment counts only with
 * a digit, or (base64url) with both upper- and lower-case letters, so `service-worker.js` and
 * `app.bundle.js` stay unhashed. Heuristic by design; the immutable input adds globs.
 */
export function isContentHashed(key: string): boolean {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const stem = base.slice(0, base.lastIndexOf('.') > 0 ? base.lastIndexOf('.') : base.length);
  const candidates = new Set<string>();
  for (const [i, part] of stem.split('.').entries()) {
    if (i > 0) candidates.add(part);
    const pieces = part.split('-');
    for (let j = 1; j < pieces.length; j++) {
      candidates.add(pieces[j]);
      candidates.add(pieces.slice(j).join('-'));
    }
  }
  for (const c of candidates) {
    const digit = /\d/.test(c);
    if (HEX.test(c) && digit && /[a-f]/i.test(c)) return true;
    if (BASE32.test(c) && digit) return true;
    if (BASE64URL.test(c) && (digit || (/[a-z]/.test(c) && /[A-Z]/.test(c)))) return true;
  }
  return false;
}

const ENTRY_NAMES = new Set(['service-worker.js', 'sw.js', 'manifest.webmanifest', 'manifest.json', 'site.webmanifest', 'asset-manifest.json']);

/** HTML pages, service workers and web app manifests: what a browser loads by a fixed name first. */
export function isEntryPoint(key: string): boolean {
  const base = key.slice(key.lastIndexOf('/') + 1).toLowerCase();
  return /\.html?$/.test(base) || base.endsWith('.webmanifest') || ENTRY_NAMES.has(base);
}

const ENCODINGS: Record<string, string> = { '.br': 'br', '.gz': 'gzip' };

/**
 * `app.js.br` beside `app.js` in the same build is a pre-compressed variant: stored under its own
 * key with `Content-Encoding: br` and the Content-Type of `app.js`. A `.gz` with no uncompressed
 * sibling (a real archive download) is left as application/gzip.
 */
export function compressedVariant(key: string, allKeys: ReadonlySet<string>): { underlying: string; encoding: string } | undefined {
  const ext = key.slice(key.lastIndexOf('.'));
  const encoding = ENCODINGS[ext];
  const underlying = key.slice(0, -ext.length);
  return encoding && allKeys.has(underlying) ? { underlying, encoding } : undefined;
}

/** Content-Type from the mime-types database (mime-db), `; charset=utf-8` for text; unknown: application/octet-stream. */
export function contentTypeOf(key: string, overrides: readonly { test: (k: string) => boolean; value: string }[]): string {
  const override = overrides.find((o) => o.test(key));
  if (override) return override.value;
  return mime.contentType(key.slice(key.lastIndexOf('/') + 1)) || 'application/octet-stream';
}

export interface ClassifyOptions {
  cacheRules: readonly CacheRule[];
  immutable: readonly { glob: string; test: (k: string) => boolean }[];
  contentTypes: readonly { test: (k: string) => boolean; value: string }[];
}

/** Phase and headers of one key; a pre-compressed variant is classified as the file it encodes. */
export function classify(key: string, allKeys: ReadonlySet<string>, opts: ClassifyOptions): { phase: Phase; headers: Headers } {
  const variant = compressedVariant(key, allKeys);
  const like = variant?.underlying ?? key;
  const immutableGlob = opts.immutable.find((i) => i.test(key) || i.test(like));
  const phase: Phase = immutableGlob || isContentHashed(like) ? 'hashed' : isEntryPoint(like) ? 'entry' : 'other';
  const rule = opts.cacheRules.find((r) => r.test(key) || r.test(like));
  const [cacheControl, ruleName] = rule
    ? [rule.value, `cache-control: ${rule.glob}`]
    : phase === 'hashed'
      ? [IMMUTABLE, immutableGlob ? `immutable: ${immutableGlob.glob}` : 'content-hashed']
      : phase === 'entry'
        ? [NO_CACHE, 'entry point']
        : [REVALIDATE, 'other'];
  const headers: Headers = { contentType: contentTypeOf(like, opts.contentTypes), cacheControl, rule: ruleName };
  if (variant) headers.contentEncoding = variant.encoding;
  return { phase, headers };
}
