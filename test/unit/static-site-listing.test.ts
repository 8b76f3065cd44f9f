/**
 * The segmented listing returns exactly what a plain ListObjectsV2 listing returns, whatever the
 * bucket holds, and takes no more requests than it when the bucket holds what the deploy expects.
 */
import { compareKeys, listSegmented } from '../../src/static-site-deploy/listing';
import { ListObjectsDouble } from '../doubles/list-objects-double';

const MANIFEST = '.shipline/deploys.json';
const build = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `assets/chunk-${from + i}.${(from + i).toString(16).padStart(8, '0')}.js`);

/** Lists `bucket` both ways; returns the segmented result's keys and both request counts. */
async function both(bucket: string[], expected: string[], options: { pageSize?: number; concurrency?: number } = {}) {
  const double = new ListObjectsDouble(bucket, options);
  const plain = await double.sequential();
  const seen: string[] = [];
  const found = await listSegmented(double.page, expected, options.concurrency ?? 10, (keys) => seen.push(...keys));
  expect([...found.entries()].sort(([a], [b]) => compareKeys(a, b))).toEqual([...plain.found.entries()]);
  expect(seen.sort(compareKeys)).toEqual([...plain.found.keys()]);
  return { keys: [...found.keys()], segmented: double.requests.length, plain: plain.requests, double };
}

describe('listSegmented', () => {
  it('a bucket holding the build and its manifest: the same requests as a plain listing (3 for 2,001 objects), the last two at once', async () => {
    const keys = [MANIFEST, ...build(2000)];
    const r = await both(keys, keys);
    expect(r.keys).toHaveLength(2001);
    expect({ segmented: r.segmented, plain: r.plain }).toEqual({ segmented: 3, plain: 3 });
    expect(r.double.requests.map((q) => q.inFlight)).toEqual([1, 1, 2]);
  });

  it("the benchmark's re-deploy (8 assets renamed): the stored build is listed in 3 requests, as by a plain listing", async () => {
    const stored = [MANIFEST, ...build(2000)];
    const next = [MANIFEST, ...build(8, 5000), ...build(1992, 8)];
    const r = await both(stored, next);
    expect({ segmented: r.segmented, plain: r.plain }).toEqual({ segmented: 3, plain: 3 });
  });

  it('an empty bucket is one request', async () => {
    const r = await both([], [MANIFEST, ...build(5000)]);
    expect({ keys: r.keys, segmented: r.segmented, plain: r.plain }).toEqual({ keys: [], segmented: 1, plain: 1 });
  });

  it('a bucket of at most one page is one request, whatever is expected', async () => {
    expect((await both(build(1000), [])).segmented).toBe(1);
    expect((await both(build(300), build(4000))).segmented).toBe(1);
  });

  it('keys the build does not have (stale builds, other files) anywhere in the key space are all found', async () => {
    const stale = build(700, 100_000).concat(['!first', '-also-early', '0.txt', 'zzz/last', 'assets/chunk-1.', 'assets/chunk-1999.zz']);
    const r = await both([MANIFEST, ...build(2000), ...stale], [MANIFEST, ...build(2000)]);
    expect(r.keys).toHaveLength(2001 + stale.length);
    // Most of them sort into the first page, which is cut where it ends: the segments after it fit a page each.
    expect({ segmented: r.segmented, plain: r.plain }).toEqual({ segmented: 3, plain: 3 });
  });

  it('keys the build expects but the bucket lacks: a segment may come back nearly empty', async () => {
    const expected = [MANIFEST, ...build(3000)];
    const r = await both(
      expected.filter((_, i) => i % 3 !== 0),
      expected,
    );
    expect(r.keys).toHaveLength(2000);
    expect({ segmented: r.segmented, plain: r.plain }).toEqual({ segmented: 3, plain: 2 });
  });

  it('a bucket that sorts wholly before or after the expected keys', async () => {
    const early = Array.from({ length: 2500 }, (_, i) => `!old/${String(i).padStart(5, '0')}`);
    // Segment 0 holds all 1,500 keys after the first page (2 pages); the 2 segments cut for the build find nothing.
    expect(await both(early, build(2500))).toMatchObject({ segmented: 5, plain: 3 });
    expect(
      await both(
        build(2500, 90_000).map((k) => `zz/${k}`),
        build(2500),
      ),
    ).toMatchObject({ segmented: 3, plain: 3 });
  });

  it("orders keys as S3 does (UTF-8 bytes), where JavaScript's UTF-16 order differs", async () => {
    // U+FF5E sorts before U+1F600 in UTF-8 and after it in UTF-16 code units.
    expect(compareKeys('\uff5e', '\u{1f600}')).toBeLessThan(0);
    const odd = Array.from({ length: 1500 }, (_, i) => (i % 2 ? `p/\uff5e${i}` : `p/\u{1f600}${i}`));
    await both(odd, odd.slice(0, 1200));
  });

  it('servers with smaller pages: segments go on by token until they reach the next one', async () => {
    const keys = [MANIFEST, ...build(120)];
    const r = await both([...keys, ...build(40, 500)], keys, { pageSize: 7 });
    expect(r.keys).toHaveLength(161);
  });

  it('random buckets against random builds give the plain listing', async () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 12; round++) {
      const universe = build(6000).concat(Array.from({ length: 400 }, (_, i) => `${String.fromCharCode(33 + (i % 90))}/${i}`));
      const bucket = universe.filter(() => random() < 0.5);
      const expected = universe.filter(() => random() < 0.4);
      const r = await both(bucket, expected, { pageSize: random() < 0.3 ? 97 : 1000 });
      // At worst one more request per segment than a plain listing, where a segment's range holds keys it did not expect.
      expect(r.segmented).toBeLessThanOrEqual(r.plain + Math.ceil(expected.length / 1000));
    }
  });

  it('at most `concurrency` segments at once', async () => {
    const keys = build(9000);
    const r = await both(keys, keys, { concurrency: 3 });
    expect(Math.max(...r.double.requests.map((q) => q.inFlight))).toBe(3);
    expect(r.segmented).toBe(r.plain);
  });

  it('a failed page fails the listing', async () => {
    const double = new ListObjectsDouble(build(3000), {
      fail: (n) => (n === 3 ? Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }) : undefined),
    });
    await expect(listSegmented(double.page, build(3000), 10)).rejects.toThrow('Access Denied');
  });
});
