import { inputError } from '../helpers/input-error';
import { digestOf, digestProblem, digestOfStream, VerifyingStream, DigestMismatchError } from '../../src/toolkit/registry/digest';
import { formatReference, manifestReference, parseReference, repositoryOf } from '../../src/toolkit/registry/reference';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const HEX = 'a'.repeat(64);

const problemOf = (value: string) => inputError(() => parseReference(value, 'source'));

describe('parseReference', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['index.docker.io/team/app:v1', { registry: 'docker.io', repository: 'team/app', tag: 'v1' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b/c:t', { registry: 'localhost:5000', repository: 'a/b/c', tag: 't' }],
    ['127.0.0.1:5000/app@sha256:' + HEX, { registry: '127.0.0.1:5000', repository: 'app', digest: 'sha256:' + HEX }],
    ['ghcr.io/o/app:1.0@sha256:' + HEX, { registry: 'ghcr.io', repository: 'o/app', tag: '1.0', digest: 'sha256:' + HEX }],
    ['[::1]:5000/app:x', { registry: '[::1]:5000', repository: 'app', tag: 'x' }],
    ['r.io/my_app__x/a-b--c.d:Tag_1.0-rc', { registry: 'r.io', repository: 'my_app__x/a-b--c.d', tag: 'Tag_1.0-rc' }],
    ['r.io/app@sha512:' + 'b'.repeat(128), { registry: 'r.io', repository: 'app', digest: 'sha512:' + 'b'.repeat(128) }],
  ])('%s', (text, expected) => {
    expect(parseReference(text, 'source')).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['r.io/app@sha256:abc', 'a sha256 digest has 64 hex digits'],
    ['r.io/app@sha256:' + 'a'.repeat(65), 'has 65'],
    ['r.io/app@md5:' + 'a'.repeat(32), "algorithm 'md5' is not supported"],
    ['r.io/app@sha256:' + 'A'.repeat(64), 'lowercase hexadecimal'],
    ['r.io/App:1', "must be lowercase, 'r.io/App:1' has 'App'"],
    ['r.io/app:-bad', 'not a valid tag'],
    ['r.io/app:' + 'x'.repeat(129), 'not a valid tag'],
    ['r.io/a..b', 'not a valid repository path component'],
    ['https://r.io/app', 'URL scheme'],
    ['r.io/app name', 'whitespace'],
    ['r.io//app', 'not a valid repository path component'],
  ])('rejects %s', (text, mention) => {
    const err = problemOf(text);
    expect(err.input).toBe('source');
    expect(err.message).toContain(mention);
    expect(err.fix).toBeTruthy();
  });

  it('formats back to the canonical text and picks what to ask the registry for', () => {
    const ref = parseReference('nginx:1.27', 'x');
    expect(formatReference(ref)).toBe('docker.io/library/nginx:1.27');
    expect(manifestReference(ref)).toBe('1.27');
    expect(manifestReference(parseReference('r.io/a', 'x'))).toBe('latest');
    const pinned = parseReference(`r.io/a:1@sha256:${HEX}`, 'x');
    expect(manifestReference(pinned)).toBe(`sha256:${HEX}`);
    expect(formatReference(pinned)).toBe(`r.io/a:1@sha256:${HEX}`);
    expect(repositoryOf(pinned)).toEqual({ registry: 'r.io', repository: 'a' });
  });
});

describe('digests', () => {
  it('hashes bytes and streams alike', async () => {
    const bytes = Buffer.from('hello');
    const d = digestOf(bytes);
    expect(d).toBe('sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(await digestOfStream(Readable.from([Buffer.from('hel'), Buffer.from('lo')]))).toEqual({ digest: d, size: 5 });
    expect(digestProblem(d)).toBeUndefined();
    expect(digestProblem('sha256:12')).toContain('64 hex digits');
  });

  it('a verifying stream fails on wrong content and on a short body', async () => {
    const good = digestOf('hello');
    const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
    await expect(pipeline(Readable.from([Buffer.from('hello')]), new VerifyingStream(good, 5, 'blob'), sink())).resolves.toBeUndefined();
    await expect(pipeline(Readable.from([Buffer.from('hellO')]), new VerifyingStream(good, 5, 'blob'), sink())).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(pipeline(Readable.from([Buffer.from('hell')]), new VerifyingStream(good, 5, 'blob'), sink())).rejects.toThrow('ended after 4 of 5 bytes');
  });
});
