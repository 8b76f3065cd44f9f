/** Which upload phase, Content-Type, Content-Encoding and Cache-Control each file of a build gets. */
import { classify, isContentHashed, isEntryPoint } from '../../src/static-site-deploy/classify';
import { parseCacheRules } from '../../src/static-site-deploy/cache-control';
import { globRegExp } from '../../src/static-site-deploy/glob';

it.each([
  'assets/app.3f9a1c.js',
  'static/js/main.8e2f1c4b.chunk.js',
  'chunk-5HQX2K.js',
  'chunk-5HQX2K7A.js',
  'assets/index-BfE3sXyZ.js',
  'assets/index-B-fE3s_Z.css',
  'media/logo.a1b2c3d4e5f6a7b8.svg',
])('%s carries a content hash', (key) => expect(isContentHashed(key)).toBe(true));

it.each([
  'index.html',
  'service-worker.js',
  'app.bundle.js',
  'assets/vendor-react.js',
  'favicon.ico',
  'robots.txt',
  'chunk-vendors.js',
  'fonts/roboto-regular.woff2',
  'es2015.js',
])('%s does not', (key) => expect(isContentHashed(key)).toBe(false));

it('knows the entry points a browser loads by a fixed name', () => {
  expect(['index.html', 'docs/page.htm', 'service-worker.js', 'sw.js', 'manifest.webmanifest', 'site.webmanifest'].every(isEntryPoint)).toBe(true);
  expect(['robots.txt', 'app.js'].some(isEntryPoint)).toBe(false);
});

const opts = { cacheRules: [], immutable: [], contentTypes: [] };
const keys = new Set([
  'app.3f9a1c.js',
  'app.3f9a1c.js.br',
  'app.3f9a1c.js.gz',
  'data.tar.gz',
  'index.html',
  'index.html.br',
  'logo.png',
  'font.woff2',
  'app.wasm',
]);

it('gives pre-compressed variants the encoding and the underlying Content-Type; archives stay archives', () => {
  expect(classify('app.3f9a1c.js.br', keys, opts)).toEqual({
    phase: 'hashed',
    headers: {
      contentType: 'text/javascript; charset=utf-8',
      contentEncoding: 'br',
      cacheControl: 'public, max-age=31536000, immutable',
      rule: 'content-hashed',
    },
  });
  expect(classify('app.3f9a1c.js.gz', keys, opts).headers.contentEncoding).toBe('gzip');
  expect(classify('index.html.br', keys, opts)).toMatchObject({
    phase: 'entry',
    headers: { contentType: 'text/html; charset=utf-8', contentEncoding: 'br', cacheControl: 'no-cache' },
  });
  expect(classify('data.tar.gz', keys, opts).headers).toEqual({
    contentType: 'application/gzip',
    cacheControl: 'public, max-age=0, must-revalidate',
    rule: 'other',
  });
});

it('takes Content-Type from mime-db, overrides first', () => {
  expect(classify('font.woff2', keys, opts).headers.contentType).toBe('font/woff2');
  expect(classify('logo.png', keys, opts).headers.contentType).toBe('image/png');
  expect(classify('app.wasm', keys, opts).headers.contentType).toBe('application/wasm');
  expect(classify('LICENSE', keys, opts).headers.contentType).toBe('application/octet-stream');
  const over = { ...opts, contentTypes: [{ test: (k: string) => k.endsWith('.png'), value: 'image/x-test' }] };
  expect(classify('logo.png', keys, over).headers.contentType).toBe('image/x-test');
});

it('applies the first matching cache-control rule before the defaults, and immutable globs', () => {
  const cacheRules = parseCacheRules('cache-control', ['index.html: no-store', '*.png: public, max-age=600']);
  expect(classify('index.html', keys, { ...opts, cacheRules }).headers).toMatchObject({ cacheControl: 'no-store', rule: 'cache-control: index.html' });
  expect(classify('logo.png', keys, { ...opts, cacheRules }).headers.cacheControl).toBe('public, max-age=600');
  const immutable = [{ glob: '*.png', test: (k: string) => k.endsWith('.png') }];
  expect(classify('logo.png', keys, { ...opts, immutable })).toMatchObject({
    phase: 'hashed',
    headers: { rule: 'immutable: *.png', cacheControl: 'public, max-age=31536000, immutable' },
  });
});

it('matches globs as .gitignore users expect', () => {
  expect(globRegExp('*.html').test('a/b/c.html')).toBe(true);
  expect(globRegExp('assets/*.js').test('assets/x/y.js')).toBe(false);
  expect(globRegExp('assets/**/*.js').test('assets/x/y.js')).toBe(true);
  expect(globRegExp('assets/**/*.js').test('assets/y.js')).toBe(true);
  expect(globRegExp('*.{png,jpg}').test('img/a.jpg')).toBe(true);
  expect(globRegExp('a?.txt').test('ab.txt')).toBe(true);
  expect(globRegExp('a.txt').test('abtxt')).toBe(false);
  expect(() => globRegExp('{a,b')).toThrow("unclosed '{'");
});
