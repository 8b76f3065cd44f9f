/** static-site-deploy's parser: every input a user can get wrong is named, with the fix. */
import { INPUTS, parseInputs } from '../../src/static-site-deploy/inputs';
import { parseCacheControl } from '../../src/static-site-deploy/cache-control';
import { inputError } from '../helpers/input-error';

// The job's region, as configure-aws-credentials exports it (aws-region may then stay empty).
const savedRegion = process.env.AWS_REGION;
beforeAll(() => {
  process.env.AWS_REGION = 'eu-west-1';
});
afterAll(() => {
  if (savedRegion === undefined) delete process.env.AWS_REGION;
  else process.env.AWS_REGION = savedRegion;
});

const base = { 'source-dir': 'dist', bucket: 'example-site' };

it('applies the defaults action.yml declares', () => {
  const i = parseInputs(base);
  expect(i).toMatchObject({
    prefix: '',
    delete: false,
    keepPrevious: 2,
    invalidate: { kind: 'none' },
    waitForInvalidation: true,
    invalidationTimeoutMs: 600_000,
    concurrency: 10,
    dryRun: false,
  });
  expect(parseInputs({ ...base, 'distribution-id': 'E2QWRUHAPOMQZL' }).invalidate).toEqual({ kind: 'changed' });
  expect(INPUTS.invalidate.default).toBe('changed');
});

it.each([
  ['My_Bucket', 'is not a valid S3 bucket name'],
  ['s3://example-site', 'is not a valid S3 bucket name'],
  ['ab', 'is not a valid S3 bucket name'],
  ['a..b', 'contains two adjacent dots'],
  ['192.168.1.1', 'is formatted as an IP address'],
  ['xn--site', 'uses a prefix or suffix S3 reserves'],
  ['site-s3alias', 'uses a prefix or suffix S3 reserves'],
])('refuses bucket %s', (bucket, problem) => {
  const e = inputError(() => parseInputs({ ...base, bucket }));
  expect(e.input).toBe('bucket');
  expect(e.problem).toContain(problem);
});

it('accepts bucket names with dots and hyphens', () => {
  expect(parseInputs({ ...base, bucket: 'www.example-site.com' }).bucket).toBe('www.example-site.com');
});

it.each(['e2qwruhapomqzl', 'arn:aws:cloudfront::1:distribution/E2QWRUHAPOMQZL', 'd111111abcdef8.cloudfront.net', 'E12'])('refuses distribution id %s', (id) => {
  expect(inputError(() => parseInputs({ ...base, 'distribution-id': id })).input).toBe('distribution-id');
});

it('normalises the prefix and refuses dot segments', () => {
  expect(parseInputs({ ...base, prefix: '/site/v2/' }).prefix).toBe('site/v2/');
  expect(inputError(() => parseInputs({ ...base, prefix: 'site/../x' })).input).toBe('prefix');
});

it('reads cache-control rules, first match wins, and refuses ones that do not parse', () => {
  const rules = parseInputs({ ...base, 'cache-control': '*.html: no-cache\nassets/**: Public, Max-Age=600' }).cacheRules;
  expect(rules.map((r) => [r.glob, r.value])).toEqual([
    ['*.html', 'no-cache'],
    ['assets/**', 'public, max-age=600'],
  ]);
  expect(rules[0].test('docs/a/index.html')).toBe(true);
  expect(rules[1].test('assets/js/app.js')).toBe(true);
  expect(rules[1].test('other/assets/app.js')).toBe(false);
  for (const bad of [
    '*.js: max-age=forever',
    '*.js: maxage=60',
    'no-cache',
    '*.js: public, private',
    '*.js: no-store, max-age=5',
    '*.js: immutable=1',
    '{a,b: no-cache',
  ]) {
    expect(inputError(() => parseInputs({ ...base, 'cache-control': bad })).input).toBe('cache-control');
  }
});

it('normalises Cache-Control values (RFC 9111 directive names, delta-seconds)', () => {
  expect(parseCacheControl('x', 'public,max-age=31536000 , immutable')).toBe('public, max-age=31536000, immutable');
  expect(parseCacheControl('x', 'no-cache, stale-while-revalidate=30')).toBe('no-cache, stale-while-revalidate=30');
});

it('reads invalidate as a mode or CloudFront paths with * only at the end', () => {
  const withDist = { ...base, 'distribution-id': 'E2QWRUHAPOMQZL' };
  expect(parseInputs({ ...withDist, invalidate: 'all' }).invalidate).toEqual({ kind: 'all' });
  expect(parseInputs({ ...withDist, invalidate: 'none' }).invalidate).toEqual({ kind: 'none' });
  expect(parseInputs({ ...withDist, invalidate: '/index.html, /docs/*' }).invalidate).toEqual({ kind: 'paths', paths: ['/index.html', '/docs/*'] });
  expect(inputError(() => parseInputs({ ...withDist, invalidate: '/docs/*/index.html' })).input).toBe('invalidate');
  expect(inputError(() => parseInputs({ ...withDist, invalidate: 'index.html' })).input).toBe('invalidate');
  expect(inputError(() => parseInputs({ ...base, invalidate: 'all' })).problem).toContain('no distribution-id');
  // The runner passes action.yml's default: changed without a distribution is no invalidation, not an error.
  expect(parseInputs({ ...base, invalidate: 'changed' }).invalidate).toEqual({ kind: 'none' });
});

it('reads content-type overrides and refuses what is not a media type', () => {
  const [o] = parseInputs({ ...base, 'content-types': '*.wasm: application/wasm' }).contentTypes;
  expect([o.glob, o.value, o.test('pkg/app.wasm')]).toEqual(['*.wasm', 'application/wasm', true]);
  expect(inputError(() => parseInputs({ ...base, 'content-types': '*.wasm wasm' })).input).toBe('content-types');
});

it.each([
  ['keep-previous', '-1'],
  ['concurrency', '0'],
  ['invalidation-timeout', 'soon'],
  ['invalidation-timeout', '0s'],
  ['delete', 'maybe'],
  ['aws-region', 'Europe'],
])('refuses %s: %s', (name, value) => {
  expect(inputError(() => parseInputs({ ...base, [name]: value })).input).toBe(name);
});

it.each(['10', '10s', '29s'])('refuses invalidation-timeout %s, under the 30s minimum above the 20 s poll delay', (value) => {
  const e = inputError(() => parseInputs({ ...base, 'invalidation-timeout': value }));
  expect(e.input).toBe('invalidation-timeout');
  expect(e.message).toContain(`'${value}' is under the minimum of 30s`);
  expect(e.message).toContain('Give at least 30s');
});

it('accepts invalidation-timeout from 30s (a bare number is seconds)', () => {
  expect(parseInputs({ ...base, 'invalidation-timeout': '30' }).invalidationTimeoutMs).toBe(30_000);
  expect(parseInputs({ ...base, 'invalidation-timeout': '10m' }).invalidationTimeoutMs).toBe(600_000);
});

it('splits immutable globs on newlines and commas, but not on the commas of {a,b}', () => {
  const globs = parseInputs({ ...base, immutable: 'static/{js,css}/**, fonts/*\nmedia/**' }).immutable;
  expect(globs.map((g) => g.glob)).toEqual(['static/{js,css}/**', 'fonts/*', 'media/**']);
  expect(globs[0].test('static/css/a.css')).toBe(true);
});
