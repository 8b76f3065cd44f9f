/** The root setup action, run from its bundle against a local mirror serving real tarballs. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { runAction, expectCleanFailure } from '../harness/run-action';
import { serveFiles, type StaticServer } from '../helpers/static-server';
import { testTempDir } from '../helpers/temp';

const VERSION = '3.19.0';
const ARCHIVE = `helm-v${VERSION}-linux-amd64.tar.gz`;
let server: StaticServer;
let archive: Buffer;
let sha: string;

beforeAll(async () => {
  const dir = testTempDir('helm-tar-');
  mkdirSync(path.join(dir, 'linux-amd64'));
  writeFileSync(path.join(dir, 'linux-amd64', 'helm'), '#!/bin/sh\necho "v3.19.0+gtest"\n');
  chmodSync(path.join(dir, 'linux-amd64', 'helm'), 0o755);
  execFileSync('tar', ['-czf', path.join(dir, ARCHIVE), '-C', dir, 'linux-amd64']);
  archive = readFileSync(path.join(dir, ARCHIVE));
  sha = createHash('sha256').update(archive).digest('hex');
  server = await serveFiles({
    [`/${ARCHIVE}`]: archive,
    [`/${ARCHIVE}.sha256sum`]: `${sha}  ${ARCHIVE}\n`,
    [`/bad/${ARCHIVE}`]: archive,
    [`/bad/${ARCHIVE}.sha256sum`]: `${'0'.repeat(64)}  ${ARCHIVE}\n`,
  });
});
afterAll(() => server.close());

it('installs helm from the mirror after checking the published checksum, and reuses the cache', async () => {
  const toolCache = testTempDir('tc-');
  const env = { RUNNER_TOOL_CACHE: toolCache };
  const first = await runAction('setup', { tools: 'helm', mirror: server.url }, { env });
  expect(first.exitCode).toBe(0);
  const dir = first.outputs['helm-path'];
  expect(dir).toBe(path.join(toolCache, 'helm', VERSION, 'x64'));
  expect(first.addedPath).toEqual([dir]);
  expect(execFileSync(path.join(dir, 'helm')).toString()).toBe('v3.19.0+gtest\n');
  expect(first.log).toContain(`sha256 ${sha} verified`);
  expect(first.summary).toContain(`| helm | ${VERSION} |`);
  const served = server.requests.length;

  const second = await runAction('setup', { tools: 'helm', mirror: server.url }, { env });
  expect(second.exitCode).toBe(0);
  expect(second.outputs['helm-path']).toBe(dir);
  expect(second.log).toContain('found in the tool cache');
  expect(server.requests.length).toBe(served); // nothing downloaded again
});

it('refuses an archive whose checksum does not match and adds nothing to PATH', async () => {
  const toolCache = testTempDir('tc-');
  const r = await runAction('setup', { tools: 'helm', mirror: `${server.url}/bad` }, { env: { RUNNER_TOOL_CACHE: toolCache } });
  expectCleanFailure(r, 'checksum mismatch', sha);
  expect(r.addedPath).toEqual([]);
  expect(r.outputs['helm-path']).toBeUndefined();
  expect(existsSync(path.join(toolCache, 'helm'))).toBe(false);
});

it('accepts a pinned checksum without fetching the checksum file, and refuses a wrong pin', async () => {
  const toolCache = testTempDir('tc-');
  const before = server.requests.length;
  const ok = await runAction('setup', { tools: 'helm', mirror: `${server.url}/bad`, 'helm-sha256': sha }, { env: { RUNNER_TOOL_CACHE: toolCache } });
  expect(ok.exitCode).toBe(0);
  expect(server.requests.slice(before)).toEqual([`/bad/${ARCHIVE}`]);
  const wrong = await runAction(
    'setup',
    { tools: 'helm', mirror: server.url, 'helm-sha256': 'f'.repeat(64) },
    { env: { RUNNER_TOOL_CACHE: testTempDir('tc-') } },
  );
  expectCleanFailure(wrong, 'checksum mismatch');
  expect(wrong.addedPath).toEqual([]);
});

it.each([
  [{ tools: 'kubectl' }, "Input 'tools'"],
  [{ 'helm-version': 'latest' }, "Input 'helm-version'"],
  [{ mirror: 'ftp://mirror' }, "Input 'mirror'"],
  [{ 'helm-sha256': 'abc' }, "Input 'helm-sha256'"],
])('rejects bad input %p before downloading anything', async (inputs, message) => {
  const before = server.requests.length;
  const r = await runAction('setup', { mirror: server.url, ...inputs });
  expectCleanFailure(r, message);
  expect(server.requests.length).toBe(before);
});
