/**
 * Cache-Control values (RFC 9111 section 5.2, with RFC 8246 `immutable` and RFC 5861
 * `stale-while-revalidate` / `stale-if-error`) and the rules that pick one per file.
 */
import { InputError } from '../toolkit/errors';
import { globRegExp } from './glob';

/** Directives a response may carry, and whether each takes a number of seconds. */
const DIRECTIVES: Record<string, 'flag' | 'seconds'> = {
  public: 'flag',
  private: 'flag',
  'no-cache': 'flag',
  'no-store': 'flag',
  'no-transform': 'flag',
  'must-revalidate': 'flag',
  'proxy-revalidate': 'flag',
  'must-understand': 'flag',
  immutable: 'flag',
  'max-age': 'seconds',
  's-maxage': 'seconds',
  'stale-while-revalidate': 'seconds',
  'stale-if-error': 'seconds',
};

/**
 * Checks one Cache-Control header value and returns it normalised (`, ` separated, lower-case
 * directive names). Throws InputError naming `input` for an unknown directive, a missing or
 * non-numeric delta-seconds, or a contradiction (public with private, no-store with max-age...).
 */
export function parseCacheControl(input: string, value: string): string {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new InputError(input, `'${value}' has no Cache-Control directive`, 'Write a value such as: public, max-age=300');
  const seen = new Set<string>();
  const out = parts.map((p) => {
    const m = /^([A-Za-z-]+)(?:=(.*))?$/.exec(p);
    const name = m?.[1].toLowerCase() ?? '';
    const kind = DIRECTIVES[name];
    if (!m || !kind) {
      throw new InputError(input, `'${p}' is not a Cache-Control response directive`, `Use ${Object.keys(DIRECTIVES).join(', ')} (RFC 9111)`);
    }
    if (kind === 'seconds' && !/^\d{1,10}$/.test(m[2] ?? '')) {
      throw new InputError(input, `'${p}' needs a whole number of seconds`, `Write it like ${name}=300`);
    }
    if (kind === 'flag' && m[2] !== undefined) throw new InputError(input, `'${p}' takes no value`, `Write just ${name}`);
    if (seen.has(name)) throw new InputError(input, `'${value}' repeats ${name}`, 'Give each directive once');
    seen.add(name);
    return kind === 'seconds' ? `${name}=${Number(m[2])}` : name;
  });
  if (seen.has('public') && seen.has('private')) throw new InputError(input, `'${value}' is both public and private`, 'Keep one of them');
  if (seen.has('no-store') && (seen.has('max-age') || seen.has('immutable'))) {
    throw new InputError(input, `'${value}' combines no-store with max-age or immutable`, 'no-store forbids caching: drop one side');
  }
  return out.join(', ');
}

/** One `glob: value` rule from the cache-control input. */
export interface CacheRule {
  glob: string;
  value: string;
  test: (key: string) => boolean;
}

/**
 * Parses the cache-control input: one `<glob>: <Cache-Control value>` per line, first match wins,
 * globs relative to source-dir (see globRegExp). Throws InputError on a line that does not parse.
 */
export function parseCacheRules(input: string, lines: readonly string[]): CacheRule[] {
  return lines.map((line) => {
    const at = line.indexOf(':');
    if (at <= 0) throw new InputError(input, `'${line}' is not '<glob>: <Cache-Control value>'`, "Write rules like '*.html: no-cache', one per line");
    const glob = line.slice(0, at).trim();
    return { glob, value: parseCacheControl(input, line.slice(at + 1)), test: globTest(input, glob) };
  });
}

/** A predicate for one glob, InputError naming `input` when it does not compile. */
export function globTest(input: string, glob: string): (key: string) => boolean {
  try {
    const re = globRegExp(glob);
    return (key) => re.test(key);
  } catch (e) {
    throw new InputError(input, `'${glob}' is not a glob: ${(e as Error).message}`, 'Use *, **, ? and {a,b}, e.g. assets/**/*.js');
  }
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const NO_CACHE = 'no-cache';
/** Files neither content-hashed nor entry points may change under the same name: revalidate each time. */
export const REVALIDATE = 'public, max-age=0, must-revalidate';
