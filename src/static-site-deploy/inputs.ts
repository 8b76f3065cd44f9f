/**
 * Inputs of static-site-deploy: a built frontend directory, the S3 bucket (and prefix) it is
 * served from, the CloudFront distribution in front, and how files are cached and invalidated.
 * Everything a user can get wrong in the text is refused here, before any AWS call.
 */
import { InputError } from '../toolkit/errors';
import { MIN_INVALIDATION_TIMEOUT_MS } from './cloudfront';
import { parseAwsRegion, parseBoolean, parseDuration, parseInteger, parseLines, parseList, rawValue, type InputSpecs, type RawInputs } from '../toolkit/inputs';
import { globTest, parseCacheRules, type CacheRule } from './cache-control';

export const INPUTS = {
  'source-dir': { required: true },
  bucket: { required: true },
  prefix: { default: '' },
  'distribution-id': { default: '' },
  'aws-region': { default: '' },
  'cache-control': { default: '' },
  immutable: { default: '' },
  'content-types': { default: '' },
  delete: { default: 'false' },
  'keep-previous': { default: '2' },
  invalidate: { default: 'changed' },
  'invalidate-max-paths': { default: '30' },
  'wait-for-invalidation': { default: 'true' },
  'invalidation-timeout': { default: '10m' },
  concurrency: { default: '10' },
  'dry-run': { default: 'false' },
} as const satisfies InputSpecs;

export const OUTPUTS = ['uploaded', 'skipped', 'deleted', 'bytes', 'invalidation-id', 'url'] as const;

/** `changed`: the changed files that are not content-hashed; `paths`: exactly the listed paths. */
export type InvalidateMode = { kind: 'changed' } | { kind: 'all' } | { kind: 'none' } | { kind: 'paths'; paths: string[] };

export interface GlobValue {
  glob: string;
  test: (key: string) => boolean;
}

export interface StaticSiteInputs {
  sourceDir: string;
  bucket: string;
  /** '' or a key prefix ending in '/', e.g. `site/`. */
  prefix: string;
  distributionId?: string;
  awsRegion?: string;
  cacheRules: CacheRule[];
  immutable: GlobValue[];
  contentTypes: (GlobValue & { value: string })[];
  delete: boolean;
  keepPrevious: number;
  invalidate: InvalidateMode;
  invalidateMaxPaths: number;
  waitForInvalidation: boolean;
  invalidationTimeoutMs: number;
  concurrency: number;
  dryRun: boolean;
}

/** `env` supplies the region when aws-region is empty (AWS_REGION / AWS_DEFAULT_REGION, as configure-aws-credentials exports them). */
export function parseInputs(raw: RawInputs<typeof INPUTS>, env: Readonly<Record<string, string | undefined>> = process.env): StaticSiteInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const distributionId = parseDistributionId(get('distribution-id'));
  const invalidate = parseInvalidate(get('invalidate'));
  // The default (changed) simply means nothing without a distribution; explicit paths or all do.
  if ((invalidate.kind === 'all' || invalidate.kind === 'paths') && !distributionId) {
    throw new InputError('invalidate', `is '${get('invalidate')}' but no distribution-id is set`, 'Set distribution-id, or set invalidate: none');
  }
  const timeout = parseDuration('invalidation-timeout', get('invalidation-timeout'));
  // A bare number is seconds; under the poll delay the wait could never poll twice.
  if (timeout < MIN_INVALIDATION_TIMEOUT_MS) {
    const min = `${MIN_INVALIDATION_TIMEOUT_MS / 1000}s`;
    throw new InputError('invalidation-timeout', `'${get('invalidation-timeout')}' is under the minimum of ${min}`, `Give at least ${min}, e.g. 10m`);
  }
  const inputs: StaticSiteInputs = {
    sourceDir: get('source-dir'),
    bucket: parseBucket(get('bucket')),
    prefix: parsePrefix(get('prefix')),
    distributionId,
    awsRegion: parseAwsRegion('aws-region', get('aws-region'), 'Give the bucket region such as eu-west-1, or leave it empty to use AWS_REGION'),
    cacheRules: parseCacheRules('cache-control', parseLines(get('cache-control'))),
    immutable: splitGlobs(get('immutable')).map((glob) => ({ glob, test: globTest('immutable', glob) })),
    contentTypes: parseLines(get('content-types')).map(parseContentTypeRule),
    delete: parseBoolean('delete', get('delete')),
    keepPrevious: parseInteger('keep-previous', get('keep-previous'), { min: 0, max: 50 }),
    invalidate: distributionId ? invalidate : { kind: 'none' },
    invalidateMaxPaths: parseInteger('invalidate-max-paths', get('invalidate-max-paths'), { min: 1, max: 3000 }),
    waitForInvalidation: parseBoolean('wait-for-invalidation', get('wait-for-invalidation')),
    invalidationTimeoutMs: timeout,
    concurrency: parseInteger('concurrency', get('concurrency'), { min: 1, max: 64 }),
    dryRun: parseBoolean('dry-run', get('dry-run')),
  };
  // Without a region the SDK fails at the first call, with a message that blames the bucket.
  if (!inputs.awsRegion && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    throw new InputError(
      'aws-region',
      'is empty and AWS_REGION is not set',
      'Set aws-region to the bucket region such as eu-west-1 (or configure AWS credentials with a region first)',
    );
  }
  return inputs;
}

/**
 * S3 general purpose bucket naming rules: 3-63 characters of a-z, 0-9, `.` and `-`, starting and
 * ending with a letter or digit, no `..`, not an IP address, none of the reserved prefixes/suffixes.
 */
export function parseBucket(value: string): string {
  const fix = 'Give the bucket name only (3-63 characters: a-z, 0-9, dots and hyphens), not an ARN or s3:// URL';
  const problem = !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)
    ? 'is not a valid S3 bucket name'
    : value.includes('..')
      ? 'contains two adjacent dots'
      : /^\d+\.\d+\.\d+\.\d+$/.test(value)
        ? 'is formatted as an IP address'
        : /^(xn--|sthree-|amzn-s3-demo-)/.test(value) || /(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(value)
          ? 'uses a prefix or suffix S3 reserves'
          : undefined;
  if (problem) throw new InputError('bucket', `'${value}' ${problem}`, fix);
  return value;
}

/** A key prefix: no leading slash, no `.`/`..` segments; '' for the bucket root, else ends in '/'. */
export function parsePrefix(value: string): string {
  const p = value.replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '') return '';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new InputError('prefix', `'${value}' has an empty, '.' or '..' segment`, 'Give a key prefix such as site/ or app/v2');
  }
  return `${p}/`;
}

/** CloudFront distribution ids: 13-14 upper-case letters and digits starting with a letter (E2QWRUHAPOMQZL). */
export function parseDistributionId(value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^[A-Z][A-Z0-9]{12,13}$/.test(value)) {
    throw new InputError(
      'distribution-id',
      `'${value}' is not a CloudFront distribution id`,
      'Give the id such as E2QWRUHAPOMQZL (not the ARN or the domain name)',
    );
  }
  return value;
}

/** `changed` (default), `all` (/*), `none`, or CloudFront paths, one per line or comma separated. */
export function parseInvalidate(value: string): InvalidateMode {
  const v = value.toLowerCase();
  if (v === 'changed' || v === 'all' || v === 'none') return { kind: v };
  if (v === 'false') return { kind: 'none' };
  const paths = parseList(value);
  for (const p of paths) {
    if (!p.startsWith('/') || p.slice(0, -1).includes('*')) {
      throw new InputError(
        'invalidate',
        `'${p}' is not a CloudFront invalidation path`,
        "Start each path with '/' and put a '*' only at the end (e.g. /index.html, /docs/*), or use changed, all or none",
      );
    }
    // CloudFront refuses unencoded non-ASCII and RFC 1738 unsafe characters (InvalidArgument), after the upload.
    if (/[^\x21-\x7e]|[<>"{}|\\^`[\]#]|%(?![0-9A-Fa-f]{2})/.test(p)) {
      const encoded = p.replace(/[^\x21-\x7e]+|[<>"{}|\\^`[\]#]|%(?![0-9A-Fa-f]{2})/g, (c) =>
        encodeURIComponent(c).replace(/[[\]]/g, (b) => `%${b.charCodeAt(0).toString(16).toUpperCase()}`),
      );
      throw new InputError('invalidate', `'${p}' has characters CloudFront needs percent-encoded`, `Write it as ${encoded}`);
    }
  }
  return { kind: 'paths', paths };
}

/** Globs one per line or comma separated, where a comma inside `{a,b}` belongs to the glob. */
export function splitGlobs(value: string): string[] {
  return parseLines(value).flatMap((line) => {
    const out: string[] = [];
    let depth = 0;
    let current = '';
    for (const c of line) {
      if (c === ',' && depth === 0) {
        out.push(current);
        current = '';
        continue;
      }
      if (c === '{') depth++;
      if (c === '}' && depth > 0) depth--;
      current += c;
    }
    out.push(current);
    return out.map((g) => g.trim()).filter((g) => g !== '');
  });
}

function parseContentTypeRule(line: string): GlobValue & { value: string } {
  const at = line.indexOf(':');
  const glob = line.slice(0, at).trim();
  const value = line.slice(at + 1).trim();
  if (at <= 0 || !/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"]*"|[\w.+-]+))*$/.test(value)) {
    throw new InputError('content-types', `'${line}' is not '<glob>: <media type>'`, "Write overrides like '*.wasm: application/wasm', one per line");
  }
  return { glob, value, test: globTest('content-types', glob) };
}
