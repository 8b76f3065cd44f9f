/**
 * static-site-deploy's committed bundle against moto 5.2.1's S3 and CloudFront over real HTTP,
 * with the real AWS SDK, through a recording proxy (every request the action makes, in the order
 * it started and finished; it also mends moto's `COMPLETED` invalidation status to the API's `Completed`). Deploys three builds in turn and checks the bucket after each.
 * moto completes invalidations at once, so the waiter's slow path and TooManyInvalidationsInProgress
 * are covered in test/unit/static-site-cloudfront.test.ts with aws-sdk-client-mock.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { CloudFrontClient, ListInvalidationsCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { HeadObjectCommand, ListObjectsV2Command, S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import type { TestMoto } from '../helpers/moto';
import type { ProxiedRequest, RecordingProxy } from '../helpers/recording-proxy';
import { startStaticSiteWorld, writeBuildDir, type StaticSiteWorld } from '../helpers/static-site';

let world: StaticSiteWorld;
let moto: TestMoto;
let proxy: RecordingProxy;
let s3: S3Client;
let cloudfront: CloudFrontClient;
let distributionId: string;
const temp = mkdtempSync(path.join(tmpdir(), 'static-site-'));
const BUCKET = 'shipline-site';
const MiB = 1024 * 1024;

/** A Vite-like build: hashed assets (a 9 MiB one goes multipart), pre-compressed variants, pages, entry points. */
function writeBuild(name: string, files: Record<string, string | Buffer>): string {
  return writeBuildDir(path.join(temp, name), files);
}
const big = Buffer.alloc(9 * MiB, 7);
const build1 = {
  'index.html': '<script src="/site/assets/index-3f9a1c7e.js"></script>',
  'about/index.html': '<h1>about</h1>',
  'assets/index-3f9a1c7e.js': 'console.log(1)',
  'assets/index-3f9a1c7e.js.br': Buffer.from([0x1b, 0x0d, 0x00, 0xf8]),
  'assets/style.5HQX2K.css': 'body{}',
  'assets/video.3f9a1c7e.mp4': big,
  'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  'robots.txt': 'User-agent: *',
  'service-worker.js': 'self.addEventListener("fetch", () => {})',
  'manifest.webmanifest': '{"name":"app"}',
  'downloads/data.tar.gz': Buffer.from([0x1f, 0x8b]),
};

const env = () => ({ ...moto.env, AWS_ENDPOINT_URL: proxy.url });
/** The harness leaves each step's runner files in a temp dir: removed in afterAll. */
const stepDirs: string[] = [];
const step = async (inputs: Record<string, string>): Promise<StepResult> => {
  const r = await runAction('static-site-deploy', inputs, { env: env() });
  stepDirs.push(r.tempDir);
  return r;
};
const deploy = (inputs: Record<string, string>) =>
  step({ bucket: BUCKET, prefix: 'site/', 'distribution-id': distributionId, 'cache-control': 'robots.txt: public, max-age=60', ...inputs });

async function objects(): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}
const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
const puts = (reqs: ProxiedRequest[]) => reqs.filter((r) => r.method === 'PUT' && !r.url.includes('.shipline'));
const keyOf = (r: ProxiedRequest) => decodeURIComponent(new URL(r.url, 'http://x').pathname.replace(`/${BUCKET}/site/`, ''));

beforeAll(async () => {
  world = await startStaticSiteWorld(BUCKET, 'test');
  ({ moto, proxy, s3, cloudfront, distributionId } = world);
}, 60_000);

afterAll(async () => {
  await world?.close();
  rmSync(temp, { recursive: true, force: true });
  for (const d of stepDirs) rmSync(d, { recursive: true, force: true });
});

describe('first deploy, then an unchanged re-deploy', () => {
  let first: StepResult;
  let firstRequests: ProxiedRequest[];
  beforeAll(async () => {
    proxy.clear();
    first = await deploy({ 'source-dir': writeBuild('b1', build1) });
    firstRequests = [...proxy.requests];
  });

  it('uploads every file, with outputs that count them', () => {
    expect(first.exitCode).toBe(0);
    const bytes = Object.values(build1).reduce((n, b) => n + Buffer.byteLength(b), 0);
    expect(first.outputs).toMatchObject({ uploaded: '11', skipped: '0', deleted: '0', bytes: String(bytes), 'invalidation-id': '' });
    expect(first.outputs.url).toMatch(/^https:\/\/[a-z0-9]+\.cloudfront\.net\/site\/$/);
  });

  it('stores the build and the deploy manifest under the prefix', async () => {
    expect(await objects()).toEqual([...Object.keys(build1).map((k) => `site/${k}`), 'site/.shipline/deploys.json'].sort());
    const manifest = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'site/.shipline/deploys.json' }))).Body!.transformToString());
    expect(manifest.format).toBe('shipline.static-site-deploy/v1');
    expect(manifest.builds).toHaveLength(1);
    expect(Object.keys(manifest.builds[0].objects).sort()).toEqual(Object.keys(build1).sort());
  });

  it('gives each object its Content-Type, Cache-Control and Content-Encoding', async () => {
    const want: Record<string, [string, string, string | undefined]> = {
      'index.html': ['text/html; charset=utf-8', 'no-cache', undefined],
      'about/index.html': ['text/html; charset=utf-8', 'no-cache', undefined],
      'assets/index-3f9a1c7e.js': ['text/javascript; charset=utf-8', 'public, max-age=31536000, immutable', undefined],
      'assets/index-3f9a1c7e.js.br': ['text/javascript; charset=utf-8', 'public, max-age=31536000, immutable', 'br'],
      'assets/style.5HQX2K.css': ['text/css; charset=utf-8', 'public, max-age=31536000, immutable', undefined],
      'assets/video.3f9a1c7e.mp4': ['video/mp4', 'public, max-age=31536000, immutable', undefined],
      'logo.png': ['image/png', 'public, max-age=0, must-revalidate', undefined],
      'robots.txt': ['text/plain; charset=utf-8', 'public, max-age=60', undefined],
      'service-worker.js': ['text/javascript; charset=utf-8', 'no-cache', undefined],
      'manifest.webmanifest': ['application/manifest+json; charset=utf-8', 'no-cache', undefined],
      'downloads/data.tar.gz': ['application/gzip', 'public, max-age=0, must-revalidate', undefined],
    };
    for (const [key, [type, cache, encoding]] of Object.entries(want)) {
      const h = await head(`site/${key}`);
      expect({ key, type: h.ContentType, cache: h.CacheControl, encoding: h.ContentEncoding }).toEqual({ key, type, cache, encoding });
    }
  });

  it('uploads the 9 MiB file in 8 MiB parts (multipart ETag) and the rest in one PUT', async () => {
    const parts = [
      createHash('md5')
        .update(big.subarray(0, 8 * MiB))
        .digest(),
      createHash('md5')
        .update(big.subarray(8 * MiB))
        .digest(),
    ];
    expect((await head('site/assets/video.3f9a1c7e.mp4')).ETag).toBe(`"${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-2"`);
    expect(firstRequests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='))).toHaveLength(2);
  });

  it('stores every content-hashed asset before any other file, and those before any entry point', () => {
    const phase = (key: string) => (/3f9a1c7e|5HQX2K/.test(key) ? 0 : /\.html$|service-worker|webmanifest/.test(key) ? 2 : 1);
    const writes = puts(firstRequests).map((r) => ({ key: keyOf(r), phase: phase(keyOf(r)), start: r.startSeq, end: r.endSeq! }));
    expect(new Set(writes.map((w) => w.key)).size).toBe(11);
    for (const a of writes)
      for (const b of writes)
        if (a.phase < b.phase) expect({ a: a.key, b: b.key, answeredFirst: a.end < b.start }).toEqual({ a: a.key, b: b.key, answeredFirst: true });
  });

  it('writes a summary with the cache rule of each group of files', () => {
    expect(first.summary).toContain('Static site deployed: s3://shipline-site/site/');
    expect(first.summary).toContain('No invalidation: no file CloudFront may have cached was replaced.');
    expect(first.summary).toMatch(/\| 1 content-hashed \| content-hashed \| `public, max-age=31536000, immutable` \| 4 \| 4 \|/);
    expect(first.summary).toMatch(/\| 3 entry points \(HTML, service worker, manifests\) \| entry point \| `no-cache` \| 4 \| 4 \|/);
    expect(first.summary).toMatch(/\| 2 other files \| cache-control: robots\.txt \| `public, max-age=60` \| 1 \| 1 \|/);
  });

  it('re-deploying the same build uploads nothing and writes nothing', async () => {
    proxy.clear();
    const again = await deploy({ 'source-dir': path.join(temp, 'b1') });
    expect(again.exitCode).toBe(0);
    expect(again.outputs).toMatchObject({ uploaded: '0', skipped: '11', deleted: '0', bytes: '0', 'invalidation-id': '' });
    expect(proxy.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('later builds: invalidation, delete with keep-previous', () => {
  const build2 = {
    ...build1,
    'index.html': '<script src="/site/assets/index-9b8c7d6e.js"></script>',
    'assets/index-9b8c7d6e.js': 'console.log(2)',
    'robots.txt': 'User-agent: *\nDisallow:',
  };
  delete (build2 as Record<string, unknown>)['assets/index-3f9a1c7e.js'];
  delete (build2 as Record<string, unknown>)['assets/index-3f9a1c7e.js.br'];
  const build3 = { ...build2, 'index.html': '<script src="/site/assets/index-1a2b3c4d.js"></script>', 'assets/index-1a2b3c4d.js': 'console.log(3)' };
  delete (build3 as Record<string, unknown>)['assets/index-9b8c7d6e.js'];

  it('build 2 uploads the changed files, invalidates the changed unhashed paths and keeps build 1 assets', async () => {
    proxy.clear();
    const r = await deploy({ 'source-dir': writeBuild('b2', build2), delete: 'true', 'keep-previous': '1' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ uploaded: '3', skipped: '7', deleted: '0' });
    expect(r.outputs['invalidation-id']).toMatch(/^[A-Z0-9]+$/);
    const inv = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: r.outputs['invalidation-id'] }));
    expect([...(inv.Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort()).toEqual(['/site', '/site/', '/site/index.html', '/site/robots.txt']);
    expect(await objects()).toContain('site/assets/index-3f9a1c7e.js');
    expect(r.summary).toContain('Kept for the previous 1 build(s) (2)');
    expect(r.summary).toMatch(/\| [A-Z0-9]+ \| Completed \| \/site \/site\/ \/site\/index\.html \/site\/robots\.txt \|/);
    // The invalidation is asked for only after the last upload was answered.
    const created = proxy.requests.find((q) => q.method === 'POST' && q.url.includes('/invalidation'))!;
    expect(Math.max(...puts(proxy.requests).map((q) => q.endSeq!))).toBeLessThan(created.startSeq);
  });

  it('build 3 deletes build 1 assets (outside keep-previous: 1), keeps build 2 ones, after the invalidation', async () => {
    proxy.clear();
    const r = await deploy({ 'source-dir': writeBuild('b3', build3), delete: 'true', 'keep-previous': '1' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ uploaded: '2', deleted: '2' });
    const keys = await objects();
    expect(keys).not.toContain('site/assets/index-3f9a1c7e.js');
    expect(keys).not.toContain('site/assets/index-3f9a1c7e.js.br');
    expect(keys).toContain('site/assets/index-9b8c7d6e.js');
    expect(keys).toContain('site/assets/index-1a2b3c4d.js');
    const created = proxy.requests.find((q) => q.method === 'POST' && q.url.includes('/invalidation'))!;
    const deleted = proxy.requests.find((q) => q.method === 'POST' && q.url.includes('?delete'))!;
    expect(created.endSeq!).toBeLessThan(deleted.startSeq);
  });

  // CloudFront answers a repeated CallerReference with the invalidation it already made; moto
  // makes a new one, so what is checked here is that a re-run of the run sends the same reference.
  it('a re-run of the same workflow run sends the same caller reference for the same paths', async () => {
    const before = (await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }))).InvalidationList?.Quantity ?? 0;
    const r = await deploy({ 'source-dir': path.join(temp, 'b3'), invalidate: '/site/index.html, /site/docs/*' });
    const again = await deploy({ 'source-dir': path.join(temp, 'b3'), invalidate: '/site/index.html, /site/docs/*' });
    expect(r.exitCode + again.exitCode).toBe(0);
    const batch = async (id: string) =>
      (await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }))).Invalidation!.InvalidationBatch!;
    const [a, b] = [await batch(r.outputs['invalidation-id']), await batch(again.outputs['invalidation-id'])];
    expect(a.CallerReference).toMatch(/^shipline-42-[0-9a-f]{32}$/);
    expect(b.CallerReference).toBe(a.CallerReference);
    expect(a.Paths?.Items).toEqual(['/site/index.html', '/site/docs/*']);
    expect((await cloudfront.send(new ListInvalidationsCommand({ DistributionId: distributionId }))).InvalidationList?.Quantity).toBe(before + 2);
  });

  it('a changed cache rule re-uploads the files it covers, though their bytes are unchanged', async () => {
    const r = await deploy({ 'source-dir': path.join(temp, 'b3'), 'cache-control': 'robots.txt: public, max-age=60\n*.png: public, max-age=600' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ uploaded: '1', skipped: String(Object.keys(build3).length - 1) });
    expect((await head('site/logo.png')).CacheControl).toBe('public, max-age=600');
  });

  it('a refused upload fails the step: later phases, manifest, invalidation and deletes never happen', async () => {
    const manifestBefore = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'site/.shipline/deploys.json' }))).Body!.transformToString();
    proxy.clear();
    proxy.answer = (q) =>
      q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/site/index.html`)
        ? {
            status: 403,
            body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>',
          }
        : undefined;
    try {
      const r = await deploy({
        'source-dir': writeBuild('b5', { ...build3, 'index.html': 'v5', 'assets/index-5e5e5e5e.js': 'console.log(5)' }),
        delete: 'true',
        'keep-previous': '0',
        'cache-control': 'robots.txt: public, max-age=60\n*.png: public, max-age=600',
      });
      expectCleanFailure(r, 'PutObject s3://shipline-site/site/index.html failed (HTTP 403): AccessDenied');
      expect(r.outputs).toMatchObject({ uploaded: '1', deleted: '0', 'invalidation-id': '' });
      expect(r.summary).toContain('Static site deploy failed');
      expect(proxy.requests.filter((q) => q.method === 'POST').map((q) => q.url)).toEqual([]);
      expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'site/.shipline/deploys.json' }))).Body!.transformToString()).toBe(
        manifestBefore,
      );
      expect(await objects()).toContain('site/assets/index-9b8c7d6e.js'); // nothing deleted, though keep-previous is 0
    } finally {
      proxy.answer = undefined;
    }
  });

  it('dry-run reads the bucket and writes nothing', async () => {
    proxy.clear();
    const r = await deploy({
      'source-dir': writeBuild('b4', { ...build3, 'index.html': 'new' }),
      'dry-run': 'true',
      delete: 'true',
      'cache-control': 'robots.txt: public, max-age=60\n*.png: public, max-age=600',
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ uploaded: '1' });
    expect(r.summary).toContain('dry run, nothing written');
    expect(proxy.requests.map((q) => q.method).filter((m) => m !== 'GET')).toEqual([]);
    expect((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'site/index.html' }))).ContentLength).toBe(Buffer.byteLength(build3['index.html']));
  });
});

it('deploys without a distribution with every action.yml default applied: no CloudFront call, the S3 URL', async () => {
  proxy.clear();
  const r = await step({ 'source-dir': path.join(temp, 'b1'), bucket: BUCKET, prefix: 'plain' });
  expect(r.exitCode).toBe(0);
  expect(r.outputs).toMatchObject({ uploaded: '11', 'invalidation-id': '', url: `https://${BUCKET}.s3.amazonaws.com/plain/` });
  expect(proxy.requests.filter((q) => q.url.startsWith('/2020-05-31/'))).toEqual([]);
  expect((await objects()).filter((k) => k.startsWith('plain/'))).toHaveLength(12);
});

describe('bad input: one ::error::, exit 1, no request reaches AWS', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['a missing source directory', { 'source-dir': '/nonexistent/dist' }, 'source-dir'],
    ['an empty source directory', { 'source-dir': 'EMPTY' }, 'source-dir'],
    ['an invalid bucket name', { bucket: 'My_Bucket' }, 'bucket'],
    ['a cache-control rule that does not parse', { 'cache-control': '*.js: max-age=forever' }, 'cache-control'],
    ['a malformed distribution id', { 'distribution-id': 'arn:aws:cloudfront::123:distribution/E1' }, 'distribution-id'],
    ['an invalidation-timeout under the 30s minimum (a bare 10 is 10 s)', { 'invalidation-timeout': '10' }, 'invalidation-timeout'],
  ];
  it.each(cases)('%s', async (_title, over, input) => {
    const empty = path.join(temp, 'empty');
    mkdirSync(empty, { recursive: true });
    proxy.clear();
    const before = await objects();
    const inputs = { 'source-dir': path.join(temp, 'b1'), ...over };
    if (inputs['source-dir'] === 'EMPTY') inputs['source-dir'] = empty;
    const r = await deploy(inputs);
    expectCleanFailure(r, `Input '${input}'`);
    expect(proxy.requests).toEqual([]);
    expect(await objects()).toEqual(before);
  });
});
