/**
 * The bucket listing through the real SDK client against moto 5.2.1: a prefix of more than two
 * pages is listed in segments (StartAfter) and gives exactly what a plain token-by-token
 * ListObjectsV2 listing gives, in as many requests, while keys outside the prefix stay out.
 */
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Store } from '../../src/static-site-deploy/s3';
import { mapLimit } from '../../src/toolkit/pool';
import { MOTO_REGION, startMoto, type TestMoto } from '../helpers/moto';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';

const BUCKET = 'listing-site';
const MANIFEST = 'site/.shipline/deploys.json';
let moto: TestMoto;
let proxy: RecordingProxy;
let s3: S3Client;
const savedEnv = { ...process.env };
const key = (i: number) => `site/assets/chunk-${i}.${(i * 7919).toString(16).padStart(6, '0')}.js`;
/** What is stored: the manifest, 2,100 files (0..2099) and a few keys beside the prefix. */
const stored = [MANIFEST, ...Array.from({ length: 2100 }, (_, i) => key(i)), 'sit', 'site', 'site-other/a.js', 'sitf/b.js'];

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.url);
  Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL: proxy.url });
  s3 = new S3Client({ region: MOTO_REGION, endpoint: moto.url, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await mapLimit(stored, 32, (Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key })));
}, 120_000);
afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  await moto?.stop();
  process.env = savedEnv;
});

/** A plain listing, token after token, straight to moto. */
async function plainListing(prefix: string): Promise<{ objects: Map<string, { etag: string; size: number }>; pages: number }> {
  const objects = new Map<string, { etag: string; size: number }>();
  let pages = 0;
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    pages++;
    for (const o of r.Contents ?? []) objects.set(o.Key!, { etag: o.ETag!, size: o.Size! });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return { objects, pages };
}

it('lists a 2,101-object prefix in 3 requests (two of them at once), as a plain listing would, the manifest seen on the first page', async () => {
  const store = await createS3Store(BUCKET, MOTO_REGION, 10);
  // The next build: 20 files renamed (2100..2119 instead of 0..19).
  const expected = [MANIFEST, ...Array.from({ length: 2100 }, (_, i) => key(i + 20))];
  const pages: string[][] = [];
  proxy.clear();
  const found = await store.list('site/', { expected, onPage: (keys) => pages.push([...keys]) });
  const plain = await plainListing('site/');
  expect(found).toEqual(plain.objects);
  expect(found.size).toBe(2101);
  const lists = proxy.requests.filter((q) => q.method === 'GET' && q.url.includes('list-type=2'));
  expect({ requests: lists.length, plain: plain.pages }).toEqual({ requests: 3, plain: 3 });
  expect(lists.filter((q) => q.url.includes('start-after='))).toHaveLength(1);
  expect(lists[2].startSeq).toBeLessThan(lists[1].endSeq!); // the segments run at once
  expect(lists.every((q) => q.url.includes('prefix=site%2F'))).toBe(true);
  expect(pages[0]).toContain(MANIFEST);
});

it('an empty prefix is one request, whatever the build expects', async () => {
  const store = await createS3Store(BUCKET, MOTO_REGION, 10);
  proxy.clear();
  const found = await store.list('nothing-here/', { expected: Array.from({ length: 3000 }, (_, i) => `nothing-here/${i}`) });
  expect(found.size).toBe(0);
  expect(proxy.requests).toHaveLength(1);
});
