/**
 * static-site-deploy's committed bundle against moto 5.2.1's S3 and CloudFront with the file names,
 * prefixes and sizes users' builds really have: spaces, unicode, `+`, `#`, `?`, nested directories,
 * empty files and a 0-byte `.gz`; a prefix given without its trailing slash beside another site
 * whose prefix starts with the same characters (`site` and `site2/`).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFrontClient, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { runAction, type StepResult } from '../harness/run-action';
import type { TestMoto } from '../helpers/moto';
import type { RecordingProxy } from '../helpers/recording-proxy';
import { startStaticSiteWorld, writeBuildDir, type StaticSiteWorld } from '../helpers/static-site';

let world: StaticSiteWorld;
let moto: TestMoto;
let proxy: RecordingProxy;
let s3: S3Client;
let cloudfront: CloudFrontClient;
let distributionId: string;
const temp = mkdtempSync(path.join(tmpdir(), 'static-site-edges-'));
const BUCKET = 'shipline-edges';
const stepDirs: string[] = [];

function writeBuild(name: string, files: Record<string, string | Buffer>): string {
  return writeBuildDir(path.join(temp, name), files);
}
const step = async (inputs: Record<string, string>): Promise<StepResult> => {
  const r = await runAction(
    'static-site-deploy',
    { bucket: BUCKET, 'distribution-id': distributionId, ...inputs },
    { env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url } },
  );
  stepDirs.push(r.tempDir);
  return r;
};
async function objects(): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}
const body = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();

const names = {
  'index.html': '<a href="my%20page.html">',
  'my page.html': 'spaces',
  'café/menü.html': 'unicode',
  'a+b.html': 'plus',
  'notes#1.txt': 'hash',
  'why?.txt': 'question',
  'a*b.txt': 'star',
  'k=v&x@y,$;:.txt': 'reserved',
  'deep/er/still/file.txt': 'nested',
  'empty.txt': '',
  'archive.gz': Buffer.alloc(0),
  'assets/app-3f9a1c7e.js': 'console.log(1)',
};

beforeAll(async () => {
  world = await startStaticSiteWorld(BUCKET, 'edges');
  ({ moto, proxy, s3, cloudfront, distributionId } = world);
}, 60_000);

afterAll(async () => {
  await world?.close();
  rmSync(temp, { recursive: true, force: true });
  for (const d of stepDirs) rmSync(d, { recursive: true, force: true });
});

describe('special file names under a prefix without its trailing slash, beside site2/', () => {
  let first: StepResult;
  beforeAll(async () => {
    const other = await step({ 'source-dir': writeBuild('other', { 'index.html': 'other site', 'x.txt': 'x' }), prefix: 'site2/' });
    expect(other.exitCode).toBe(0);
    first = await step({ 'source-dir': writeBuild('b1', names), prefix: 'site', delete: 'true', 'keep-previous': '0' });
  }, 60_000);

  it('stores every file under its exact key with its bytes', async () => {
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ uploaded: String(Object.keys(names).length), skipped: '0' });
    const keys = await objects();
    for (const k of Object.keys(names)) expect(keys).toContain(`site/${k}`);
    expect(await body('site/why?.txt')).toBe('question');
    expect(await body('site/empty.txt')).toBe('');
  });

  it('a re-deploy of the same build skips every file, empty ones included', async () => {
    const again = await step({ 'source-dir': path.join(temp, 'b1'), prefix: 'site', delete: 'true', 'keep-previous': '0' });
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ uploaded: '0', skipped: String(Object.keys(names).length), deleted: '0' });
  });

  it('delete with keep-previous 0 never touches site2/', async () => {
    const r = await step({ 'source-dir': writeBuild('b2', { 'index.html': 'v2' }), prefix: 'site', delete: 'true', 'keep-previous': '0' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.deleted).toBe(String(Object.keys(names).length - 1));
    expect((await objects()).filter((k) => k.startsWith('site2/'))).toEqual(['site2/.shipline/deploys.json', 'site2/index.html', 'site2/x.txt']);
    expect((await objects()).filter((k) => k.startsWith('site/'))).toEqual(['site/.shipline/deploys.json', 'site/index.html']);
  });

  it('invalidates changed special names as browsers request them: only non-ASCII, RFC 1738 unsafe characters, ? and * encoded (CloudFront: "Do not URL-encode any other characters")', async () => {
    await step({ 'source-dir': path.join(temp, 'b1'), prefix: 'site' });
    const changed = Object.fromEntries(Object.entries(names).map(([k, v]) => [k, k.startsWith('assets/') ? v : `${String(v)} v3`]));
    const r = await step({ 'source-dir': writeBuild('b3', changed), prefix: 'site', 'invalidate-max-paths': '100' });
    expect(r.exitCode).toBe(0);
    const inv = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: r.outputs['invalidation-id'] }));
    const paths = [...(inv.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort();
    expect(paths).toEqual(
      [
        '/site',
        '/site/',
        '/site/index.html',
        '/site/my%20page.html',
        '/site/caf%C3%A9/men%C3%BC.html',
        '/site/a+b.html',
        '/site/notes%231.txt',
        '/site/why%3F.txt',
        // CloudFront refuses a '*' anywhere but at the end: a literal one is encoded.
        '/site/a%2Ab.txt',
        '/site/k=v&x@y,$;:.txt',
        '/site/deep/er/still/file.txt',
        '/site/empty.txt',
        '/site/archive.gz',
      ].sort(),
    );
  });
});

it('an index.html whose hashed asset is refused never goes live', async () => {
  const before = await body('site/index.html');
  proxy.clear();
  proxy.answer = (q) =>
    q.method === 'PUT' && q.url.includes('/assets/app-9d9d9d9d.js')
      ? { status: 403, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' }
      : undefined;
  try {
    const r = await step({
      'source-dir': writeBuild('b4', { 'index.html': '<script src="assets/app-9d9d9d9d.js">', 'assets/app-9d9d9d9d.js': 'x', 'other.txt': 'o' }),
      prefix: 'site',
      concurrency: '1',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stdout.match(/::error::/g)).toHaveLength(1);
    expect(await body('site/index.html')).toBe(before);
    expect(proxy.requests.filter((q) => q.method === 'PUT').map((q) => decodeURIComponent(q.url.split('?')[0]))).toEqual([
      `/${BUCKET}/site/assets/app-9d9d9d9d.js`,
    ]);
  } finally {
    proxy.answer = undefined;
  }
});

describe('keep-previous and other inputs at and past their limits: one ::error::, exit 1, no request', () => {
  it.each([
    ['keep-previous', '-1'],
    ['keep-previous', '51'],
    ['keep-previous', '1.5'],
    ['keep-previous', 'all'],
    ['prefix', 'site/../etc'],
    ['invalidate', '/site/a*b'],
    ['invalidate', 'site/index.html'],
    // CloudFront refuses (InvalidArgument) a path with unencoded non-ASCII or unsafe characters: after the upload.
    ['invalidate', '/site/my page.html'],
    ['invalidate', '/site/café.html'],
    ['invalidate', '/site/{a}.html'],
    ['invalidate', '/site/notes#1.txt'],
    ['concurrency', '0'],
    ['aws-region', 'eu_west_1'],
  ])('%s: %s', async (input, value) => {
    proxy.clear();
    const r = await step({ 'source-dir': path.join(temp, 'b1'), prefix: 'site', [input]: value });
    expect(r.exitCode).toBe(1);
    expect(r.stdout.match(/::error::/g)).toHaveLength(1);
    expect(r.stdout).toContain(`Input '${input}'`);
    expect(proxy.requests).toEqual([]);
  });
  it('keep-previous 50 is accepted', async () => {
    const r = await step({ 'source-dir': path.join(temp, 'b1'), prefix: 'site', 'keep-previous': '50', delete: 'true' });
    expect(r.exitCode).toBe(0);
  });
});

it('follows a symlinked directory in the build as aws s3 sync does: its files are uploaded, never silently left out', async () => {
  const shared = writeBuild('shared', { 'fonts/inter-3f9a1c7e.woff2': 'font', 'logo.svg': '<svg/>' });
  const dir = writeBuild('b6', { 'index.html': '<link href="shared/fonts/inter-3f9a1c7e.woff2">' });
  symlinkSync(shared, path.join(dir, 'shared'));
  mkdirSync(path.join(dir, 'docs'));
  symlinkSync(shared, path.join(dir, 'docs', 'shared')); // the same directory under a second key
  symlinkSync(dir, path.join(shared, 'loop')); // a cycle is walked once
  const r = await step({ 'source-dir': dir, prefix: 'linked' });
  expect(r.exitCode).toBe(0);
  expect((await objects()).filter((k) => k.startsWith('linked/') && !k.includes('.shipline'))).toEqual([
    'linked/docs/shared/fonts/inter-3f9a1c7e.woff2',
    'linked/docs/shared/logo.svg',
    'linked/index.html',
    'linked/shared/fonts/inter-3f9a1c7e.woff2',
    'linked/shared/logo.svg',
  ]);
});

it('a symbolic link to nothing is a source-dir error before any request', async () => {
  const dir = writeBuild('dangling', { 'index.html': 'x' });
  symlinkSync(path.join(temp, 'nowhere.js'), path.join(dir, 'app.js'));
  proxy.clear();
  const r = await step({ 'source-dir': dir, prefix: 'dangling' });
  expect(r.exitCode).toBe(1);
  expect(r.stdout.match(/::error::/g)).toHaveLength(1);
  expect(r.stdout).toContain("Input 'source-dir': 'app.js' is a symbolic link to nothing");
  expect(proxy.requests).toEqual([]);
});

it('a deploy at the bucket root with delete never deletes another Shipline site deployed under a prefix', async () => {
  const before = (await objects()).filter((k) => k.startsWith('site2/'));
  expect(before).toContain('site2/.shipline/deploys.json');
  const r = await step({ 'source-dir': writeBuild('root', { 'index.html': 'root site' }), delete: 'true', 'keep-previous': '0' });
  expect(r.exitCode).toBe(0);
  expect((await objects()).filter((k) => k.startsWith('site2/'))).toEqual(before);
});

it('no aws-region and no AWS_REGION is an aws-region input error, not an S3 failure blaming the bucket', async () => {
  proxy.clear();
  const r = await runAction(
    'static-site-deploy',
    { 'source-dir': path.join(temp, 'b1'), bucket: BUCKET, prefix: 'site' },
    { env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url, AWS_REGION: '', AWS_DEFAULT_REGION: '' } },
  );
  stepDirs.push(r.tempDir);
  expect(r.exitCode).toBe(1);
  expect(r.stdout.match(/::error::/g)).toHaveLength(1);
  expect(r.stdout).toContain("::error::Input 'aws-region'");
  expect(proxy.requests).toEqual([]);
});
