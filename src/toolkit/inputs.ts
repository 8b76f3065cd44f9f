/**
 * Small typed parsers from the runner's raw input strings to values, each throwing an
 * InputError that names the input and the accepted values (in the style of Azure/k8s-deploy).
 * Nothing here touches @actions/core, so parsers run the same inside and outside GitHub.
 */
import { InputError } from './errors';
import { withoutUserinfo } from './secrets';

/** What action.yml says of one input; the contract test compares it with action.yml. */
export interface InputSpec {
  readonly required?: boolean;
  /** The default exactly as action.yml writes it (the runner passes it as a string). */
  readonly default?: string;
}
export type InputSpecs = Readonly<Record<string, InputSpec>>;

/** Raw strings keyed by input name, as the runner passes them (missing = empty). */
export type RawInputs<S extends InputSpecs> = { readonly [K in keyof S]?: string };

/** Reads one raw value, applying the declared default, trimming, and enforcing `required`. */
export function rawValue<S extends InputSpecs>(specs: S, raw: RawInputs<S>, name: keyof S & string): string {
  const spec = specs[name];
  const given = raw[name];
  const value = (given === undefined || given.trim() === '' ? (spec.default ?? '') : given).trim();
  if (spec.required && value === '') throw new InputError(name, 'is required but was empty', `Set '${name}' in the step's 'with:'`);
  return value;
}

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0', '']);

export function parseBoolean(name: string, value: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, `'${value}' is not a boolean`, 'Use true or false');
}

export function parseEnum<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value.toLowerCase() || a === value);
  if (found === undefined) throw new InputError(name, `'${value}' is not one of ${allowed.join(', ')}`, `Use one of: ${allowed.join(', ')}`);
  return found;
}

/** Items separated by newlines or commas; blanks and `#` comment lines dropped. */
export function parseList(value: string): string[] {
  return value
    .split(/\r?\n|,/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

/** Lines only (for values that may contain commas, such as `set` or build args). */
export function parseLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

export function parseInteger(name: string, value: string, opts: { min?: number; max?: number } = {}): number {
  if (!/^-?\d+$/.test(value)) throw new InputError(name, `'${value}' is not a whole number`, 'Give a whole number such as 3');
  const n = Number(value);
  checkRange(name, n, opts);
  return n;
}

export function parseNumber(name: string, value: string, opts: { min?: number; max?: number } = {}): number {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n)) throw new InputError(name, `'${value}' is not a number`, 'Give a number such as 0.5');
  checkRange(name, n, opts);
  return n;
}

function checkRange(name: string, n: number, { min, max }: { min?: number; max?: number }): void {
  if (min !== undefined && n < min) throw new InputError(name, `${n} is below the minimum ${min}`, `Give a value of at least ${min}`);
  if (max !== undefined && n > max) throw new InputError(name, `${n} is above the maximum ${max}`, `Give a value of at most ${max}`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as Helm and Prometheus write them: `90s`, `5m`, `1h30m`, `250ms`; a bare number is seconds. */
export function parseDuration(name: string, value: string): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
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
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function parseHttpUrl(name: string, value: string): URL {
  // a rejected URL is quoted without any user:password@ it holds
  const shown = withoutUserinfo(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
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
export function parseHttpUrlWithoutCredentials(name: string, value: string, fix = 'Use a mirror reachable without credentials in the URL'): URL {
  const url = parseHttpUrl(name, value);
  if (url.username !== '' || url.password !== '') {
    throw new InputError(name, 'contains credentials (user:password@)', fix);
  }
  return url;
}

const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** An AWS region code such as eu-west-1; empty gives undefined. `fix` says what else may be done. */
export function parseAwsRegion(name: string, value: string, fix = 'Give a region code such as eu-west-1'): string | undefined {
  if (!value) return undefined;
  if (!AWS_REGION.test(value)) throw new InputError(name, `'${value}' is not an AWS region`, fix);
  return value;
}
