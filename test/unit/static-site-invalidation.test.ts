/** CloudFront paths for a deploy, and their batching under CloudFront's in-progress limits. */
import { batchPaths, callerReference, invalidationPaths, urlPath } from '../../src/static-site-deploy/invalidation';

it('invalidates the changed files, with the directory URLs of a changed index.html', () => {
  expect(invalidationPaths({ kind: 'changed' }, ['site/index.html', 'site/docs/index.html', 'site/robots.txt'], 'site/', 30)).toEqual([
    '/site',
    '/site/',
    '/site/docs',
    '/site/docs/',
    '/site/docs/index.html',
    '/site/index.html',
    '/site/robots.txt',
  ]);
  expect(invalidationPaths({ kind: 'changed' }, ['index.html'], '', 30)).toEqual(['/', '/index.html']);
  expect(invalidationPaths({ kind: 'changed' }, [], '', 30)).toEqual([]);
});

it('collapses to one wildcard under the prefix above the threshold', () => {
  const many = Array.from({ length: 31 }, (_, i) => `site/page-${i}.txt`);
  expect(invalidationPaths({ kind: 'changed' }, many, 'site/', 30)).toEqual(['/site/*']);
  expect(invalidationPaths({ kind: 'changed' }, many.slice(0, 30), 'site/', 30)).toHaveLength(30);
  expect(invalidationPaths({ kind: 'all' }, [], '', 30)).toEqual(['/*']);
  expect(invalidationPaths({ kind: 'none' }, many, '', 30)).toEqual([]);
  expect(invalidationPaths({ kind: 'paths', paths: ['/a', '/a', '/b/*'] }, [], '', 30)).toEqual(['/a', '/b/*']);
});

it('percent-encodes only what CloudFront wants encoded in each path segment', () => {
  expect(urlPath('docs/über uns/a+b.html')).toBe('/docs/%C3%BCber%20uns/a+b.html');
});

it('batches at most 3,000 paths and 15 wildcards per CreateInvalidation', () => {
  const files = Array.from({ length: 6500 }, (_, i) => `/f${i}`);
  expect(batchPaths(files).map((b) => b.length)).toEqual([3000, 3000, 500]);
  const wild = Array.from({ length: 40 }, (_, i) => `/d${i}/*`);
  expect(batchPaths(wild).map((b) => b.length)).toEqual([15, 15, 10]);
  expect(batchPaths([])).toEqual([]);
});

it('makes one caller reference per run and batch: a re-run repeats it, other paths change it', () => {
  const a = callerReference('4242', 'E2QWRUHAPOMQZL', ['/index.html']);
  expect(a).toMatch(/^shipline-4242-[0-9a-f]{32}$/);
  expect(callerReference('4242', 'E2QWRUHAPOMQZL', ['/index.html'])).toBe(a);
  expect(callerReference('4242', 'E2QWRUHAPOMQZL', ['/about.html'])).not.toBe(a);
  expect(callerReference('4243', 'E2QWRUHAPOMQZL', ['/index.html'])).not.toBe(a);
  expect(callerReference('x'.repeat(200), 'E', ['/']).length).toBeLessThanOrEqual(128);
});
