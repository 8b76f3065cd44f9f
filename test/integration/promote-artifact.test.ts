/**
 * promote-artifact's committed bundle, run as the runner runs it, against real docker-registry
 * instances (distribution 2.8) on loopback. Images are pushed by skopeo (an independent
 * writer) and results read back with plain fetch and skopeo (independent readers). Fault
 * proxies in front of the registries count requests and inject 429 / 500 / resets.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MEDIA_TYPES } from '../../src/toolkit/registry/types';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { basicAuthEntry, startBasicAuthRegistry, writeDockerConfig } from '../helpers/htpasswd';
import { attachReferrer, pushTestImage, type PushedImage } from '../helpers/images';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry';
import { testTempDir } from '../helpers/temp';

const PASSWORD = 's3cret-Promote-pw';
let dev: TestRegistry; // source registry
let prod: TestRegistry; // another registry
let locked: TestRegistry; // Basic auth
let devProxy: FaultProxy;
let prodProxy: FaultProxy;
let single: PushedImage;
let multi: PushedImage;
let signature: { digest: string };
const emptyDockerConfig = testTempDir('promote-no-auth-');
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [dev, prod, locked] = await Promise.all([startRegistry(), startRegistry(), startBasicAuthRegistry({ ci: PASSWORD })]);
  [devProxy, prodProxy] = await Promise.all([startFaultProxy(dev.url), startFaultProxy(prod.url)]);
  stops.push(dev.stop, prod.stop, locked.stop, devProxy.stop, prodProxy.stop);
  single = await pushTestImage(dev.host, 'team/app', 'rc', { layerSizes: [400_000, 150_000] });
  multi = await pushTestImage(dev.host, 'team/multi', 'rc', { layerSizes: [300_000, 100_000], platforms: ['linux/amd64', 'linux/arm64'] });
  signature = await attachReferrer(dev.host, 'team/multi', { digest: multi.digest, mediaType: multi.mediaType, size: multi.manifestBytes.length });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

function promote(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepResult> {
  return runAction('promote-artifact', inputs, { env: { DOCKER_CONFIG: emptyDockerConfig, ...env } });
}

/** The digest of the bytes a plain reader gets for a manifest; null when absent. */
async function digestAt(host: string, repository: string, ref: string, auth?: string): Promise<string | null> {
  const headers: Record<string, string> = { accept: [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest].join(', ') };
  if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const r = await fetch(`http://${host}/v2/${repository}/manifests/${ref}`, { headers });
  if (r.status !== 200) return null;
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await r.arrayBuffer()))
    .digest('hex')}`;
}

async function catalog(reg: TestRegistry, auth?: string): Promise<Record<string, string[]>> {
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
  const repos = ((await (await fetch(`${reg.url}/v2/_catalog`, { headers })).json()) as { repositories: string[] }).repositories;
  const out: Record<string, string[]> = {};
  for (const r of repos) out[r] = ((await (await fetch(`${reg.url}/v2/${r}/tags/list`, { headers })).json()) as { tags: string[] | null }).tags ?? [];
  return out;
}

/** Requests the proxy saw since `from`, as `METHOD path-kind`, for counting blob traffic. */
function seen(proxy: FaultProxy, from: number) {
  const rs = proxy.requests.slice(from);
  return {
    all: rs,
    blobBodies: rs.filter(
      (r) => (r.method === 'GET' && /\/blobs\/sha256:/.test(r.path)) || r.method === 'PATCH' || (r.method === 'PUT' && /\/blobs\/uploads\//.test(r.path)),
    ),
    writes: rs.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
  };
}

/** The log as the runner shows it: `::add-mask::` commands are consumed by the runner, never displayed. */
const shown = (r: StepResult) =>
  r.log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

const maskCommands = (r: StepResult) => r.log.split('\n').filter((l) => l.startsWith('::add-mask::'));

const src = (repo: string, digest: string) => `${devProxy.host}/${repo}@${digest}`;

it('retags inside one repository: a manifest PUT under the new tag, no blob traffic', async () => {
  const from = devProxy.requests.length;
  const r = await promote({ source: src('team/app', single.digest), destinations: `${devProxy.host}/team/app:staging` });
  expect(r.exitCode).toBe(0);
  expect(r.outputs.digest).toBe(single.digest);
  expect(r.outputs['bytes-copied']).toBe('0');
  expect(JSON.parse(r.outputs.plan)).toEqual([{ destination: `${devProxy.host}/team/app:staging`, path: 'retag' }]);
  const traffic = seen(devProxy, from);
  expect(traffic.blobBodies).toEqual([]);
  // GET the source manifest (needed for its bytes) and, at the same time, HEAD the destination tag (idempotence); then PUT
  // the tag and HEAD it back (another writer may have moved it); no auth on this registry, and same-repository signature
  // tags are shared.
  const methods = traffic.all.map((q) => q.method);
  expect([...methods.slice(0, 2)].sort()).toEqual(['GET', 'HEAD']);
  expect(methods.slice(2)).toEqual(['PUT', 'HEAD']);
  expect(Number(r.outputs.requests)).toBe(traffic.all.length);
  expect(await digestAt(dev.host, 'team/app', 'staging')).toBe(single.digest);
  expect(r.summary).toContain(`| ${devProxy.host}/team/app:staging | retag | written |`);
});

it('mounts across repositories of one registry: 0 blob bytes, byte-exact', async () => {
  const from = devProxy.requests.length;
  const r = await promote({ source: src('team/app', single.digest), destinations: `${devProxy.host}/release/app:1.0` });
  expect(r.exitCode).toBe(0);
  expect(r.outputs['bytes-copied']).toBe('0');
  const traffic = seen(devProxy, from);
  expect(traffic.blobBodies).toEqual([]);
  expect(traffic.writes.filter((q) => /mount=/.test(q.path))).toHaveLength(single.blobs.length);
  expect(await digestAt(dev.host, 'release/app', '1.0')).toBe(single.digest);
  expect(JSON.parse(r.outputs.promoted)).toEqual([`${devProxy.host}/release/app:1.0`]);
});

it('copies a multi-platform index with its signature to another registry byte-exact, through 429, 500 and resets', async () => {
  prodProxy.addRule({ method: 'HEAD', path: /\/manifests\//, times: 1, fault: { kind: 'status', status: 429, retryAfter: '1' } });
  prodProxy.addRule({ method: 'PUT', path: /\/manifests\/sha256:/, times: 1, fault: { kind: 'status', status: 500 } });
  devProxy.addRule({ method: 'GET', path: /\/blobs\/sha256:/, times: 1, fault: { kind: 'reset-response', afterBytes: 50_000 } });
  prodProxy.addRule({ path: /\/blobs\/uploads\/.+/, times: 1, fault: { kind: 'reset-request', afterBytes: 40_000 } });
  const r = await promote({ source: src('team/multi', multi.digest), destinations: `${prodProxy.host}/app:1.0` });
  expect(r.exitCode).toBe(0);
  expect(r.outputs.digest).toBe(multi.digest);
  // An independent reader sees the same bytes: the index, each platform manifest, the signature and its tag-scheme index.
  const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${prod.host}/app:1.0`]);
  expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(multi.digest);
  for (const c of multi.children) expect(await digestAt(prod.host, 'app', c.digest)).toBe(c.digest);
  expect(await digestAt(prod.host, 'app', signature.digest)).toBe(signature.digest);
  const tagIndex = multi.digest.replace(':', '-');
  expect(await digestAt(prod.host, 'app', tagIndex)).toBe(await digestAt(dev.host, 'team/multi', tagIndex));
  // Every blob crossed once, plus the signature's small blobs, plus what the one reset upload had sent before it restarted.
  const imageBytes = multi.blobs.reduce((n, b) => n + b.size, 0);
  const largest = Math.max(...multi.blobs.map((b) => b.size));
  expect(Number(r.outputs['bytes-copied'])).toBeGreaterThanOrEqual(imageBytes);
  expect(Number(r.outputs['bytes-copied'])).toBeLessThan(imageBytes + largest + 10_000);
  expect(prodProxy.requests.some((q) => q.status === 429)).toBe(true);
  expect(prodProxy.requests.some((q) => q.fault === 'reset-request')).toBe(true);
  expect(devProxy.requests.some((q) => q.fault === 'reset-response')).toBe(true);
  expect(r.summary).toContain(`| ${prodProxy.host}/app:1.0 | copy | written |`);
  expect(r.summary).toContain('| 1 |'); // one referrer manifest written
});

it('is idempotent: run again, nothing is written and nothing is listed as promoted', async () => {
  const fromDev = devProxy.requests.length;
  const fromProd = prodProxy.requests.length;
  const r = await promote({ source: src('team/multi', multi.digest), destinations: `${prodProxy.host}/app:1.0, ${devProxy.host}/team/multi:again-by-tag` });
  expect(r.exitCode).toBe(0);
  expect(seen(prodProxy, fromProd).writes).toEqual([]);
  expect(JSON.parse(r.outputs.promoted)).toEqual([`${devProxy.host}/team/multi:again-by-tag`]);
  const second = await promote({
    source: src('team/multi', multi.digest),
    destinations: `${prodProxy.host}/app:1.0, ${devProxy.host}/team/multi:again-by-tag`,
  });
  expect(second.exitCode).toBe(0);
  expect(JSON.parse(second.outputs.promoted)).toEqual([]);
  expect(second.outputs['bytes-copied']).toBe('0');
  expect(seen(devProxy, fromDev).writes.filter((q) => q.method === 'PUT')).toHaveLength(1); // the first run's retag only
});

it('resolves a tag-only source once and logs the digest', async () => {
  const r = await promote({ source: `${devProxy.host}/team/app:rc`, 'require-digest': 'false', destinations: `${prodProxy.host}/app:rc-copy` });
  expect(r.exitCode).toBe(0);
  expect(r.log).toContain(`Resolved ${devProxy.host}/team/app:rc to ${single.digest} once`);
  expect(await digestAt(prod.host, 'app', 'rc-copy')).toBe(single.digest);
});

it('leaves nothing tagged when a write keeps failing, and the next run completes the promotion', async () => {
  const flaky = await startFaultProxy(prod.url);
  stops.push(flaky.stop);
  // Every attempt (5 with the default retry policy) of the index PUT answers 500.
  flaky.addRule({ method: 'PUT', path: new RegExp(`/manifests/${multi.digest}`), times: 5, fault: { kind: 'status', status: 500 } });
  const r = await promote({ source: src('team/multi', multi.digest), destinations: `${flaky.host}/half/app:1.0` });
  expectCleanFailure(r, flaky.host, '500');
  expect(await digestAt(prod.host, 'half/app', '1.0')).toBeNull();
  expect(r.summary).toContain('Promotion failed');
  const again = await promote({ source: src('team/multi', multi.digest), destinations: `${flaky.host}/half/app:1.0` });
  expect(again.exitCode).toBe(0);
  expect(await digestAt(prod.host, 'half/app', '1.0')).toBe(multi.digest);
  expect(JSON.parse(again.outputs.promoted)).toEqual([`${flaky.host}/half/app:1.0`]);
});

it('dry-run prints the plan, sets the plan output and writes nothing', async () => {
  const before = await catalog(prod);
  const from = prodProxy.requests.length;
  const r = await promote({
    source: src('team/app', single.digest),
    destinations: `${prodProxy.host}/dry/app:1.0, ${devProxy.host}/team/app:dry`,
    'dry-run': 'true',
  });
  expect(r.exitCode).toBe(0);
  expect(JSON.parse(r.outputs.plan)).toEqual([
    { destination: `${prodProxy.host}/dry/app:1.0`, path: 'copy' },
    { destination: `${devProxy.host}/team/app:dry`, path: 'retag' },
  ]);
  expect(r.outputs.promoted).toBe('[]');
  expect(seen(prodProxy, from).writes).toEqual([]);
  expect(await catalog(prod)).toEqual(before);
  expect(await digestAt(dev.host, 'team/app', 'dry')).toBeNull();
  expect(r.summary).toContain('dry run, nothing written');
});

describe('Basic auth from config.json', () => {
  it('copies into a registry with credentials from DOCKER_CONFIG and never prints the password', async () => {
    const config = writeDockerConfig({ auths: { [locked.host]: basicAuthEntry('ci', PASSWORD) } });
    const r = await promote({ source: src('team/app', single.digest), destinations: `${locked.host}/app:1.0` }, { DOCKER_CONFIG: config.dir });
    config.remove();
    expect(r.exitCode).toBe(0);
    expect(await digestAt(locked.host, 'app', '1.0', `ci:${PASSWORD}`)).toBe(single.digest);
    expect(r.log).toContain(`::add-mask::${PASSWORD}`);
    expect(maskCommands(r)).toEqual([...new Set(maskCommands(r))]); // each secret registered once, not once per request
    expect(shown(r)).not.toContain(PASSWORD);
    expect(shown(r)).not.toContain(Buffer.from(`ci:${PASSWORD}`).toString('base64'));
  });

  it('fails cleanly on a config.json that is not JSON, without quoting the password next to the mistake', async () => {
    const config = writeDockerConfig({});
    writeFileSync(path.join(config.dir, 'config.json'), `{"auths":{"${locked.host}":{"username":"ci","password":${PASSWORD}}}}`);
    const r = await promote({ source: src('team/app', single.digest), destinations: `${locked.host}/broken:1.0` }, { DOCKER_CONFIG: config.dir });
    config.remove();
    expectCleanFailure(r, 'not valid JSON');
    for (const text of [r.log, r.summary]) expect(text).not.toContain(PASSWORD.slice(0, 8));
  });

  it('fails cleanly on wrong credentials, naming the registry, and writes nothing', async () => {
    const before = await catalog(locked, `ci:${PASSWORD}`);
    const config = writeDockerConfig({ auths: { [locked.host]: basicAuthEntry('ci', 'wrong-password-123') } });
    const r = await promote({ source: src('team/app', single.digest), destinations: `${locked.host}/other:1.0` }, { DOCKER_CONFIG: config.dir });
    config.remove();
    expectCleanFailure(r, locked.host);
    expect(shown(r)).not.toContain('wrong-password-123');
    expect(await catalog(locked, `ci:${PASSWORD}`)).toEqual(before);
  });
});

it('mounts through a Bearer-token registry (Docker Hub / GHCR style) with push+pull on the target and pull on the source repository', async () => {
  const bearer = await startFaultProxy(dev.url, { bearer: { users: { robot: PASSWORD } } });
  stops.push(bearer.stop);
  const config = writeDockerConfig({ auths: { [bearer.host]: basicAuthEntry('robot', PASSWORD) } });
  const r = await promote({ source: `${bearer.host}/team/app@${single.digest}`, destinations: `${bearer.host}/bearer/app:1.0` }, { DOCKER_CONFIG: config.dir });
  config.remove();
  expect(r.exitCode).toBe(0);
  expect(r.outputs['bytes-copied']).toBe('0');
  expect(await digestAt(dev.host, 'bearer/app', '1.0')).toBe(single.digest);
  expect(bearer.tokenRequests.every((t) => t.grant === 'basic')).toBe(true);
  expect(bearer.tokenRequests.flatMap((t) => t.scopes)).toEqual(expect.arrayContaining(['repository:bearer/app:pull,push', 'repository:team/app:pull']));
  const tokens = bearer.requests.map((q) => /^Bearer (.+)$/.exec(q.authorization ?? '')?.[1]).filter((t): t is string => Boolean(t));
  expect(tokens.length).toBeGreaterThan(0);
  for (const t of new Set(tokens)) expect(shown(r)).not.toContain(t);
  expect(shown(r)).not.toContain(PASSWORD);
  expect(maskCommands(r)).toEqual([...new Set(maskCommands(r))]);
  // Requests that need the same scope at once share one token request.
  const scopeSets = bearer.tokenRequests.map((t) => t.scopes.join(' '));
  expect(scopeSets).toEqual([...new Set(scopeSets)]);
});

describe('bad input: one ::error:: line naming the input, exit 1, nothing written', () => {
  const digest = () => single.digest;
  it.each<[string, () => Record<string, string>, string]>([
    ['malformed source', () => ({ source: `${'127.0.0.1:1'}/Team/App@${digest()}`, destinations: 'x.io/a:1' }), "Input 'source'"],
    ['short digest', () => ({ source: `${devProxy.host}/team/app@sha256:abc123`, destinations: `${prodProxy.host}/app:bad` }), "Input 'source'"],
    ['wrong algorithm', () => ({ source: `${devProxy.host}/team/app@md5:${'a'.repeat(32)}`, destinations: `${prodProxy.host}/app:bad` }), "Input 'source'"],
    ['tag-only source', () => ({ source: `${devProxy.host}/team/app:rc`, destinations: `${prodProxy.host}/app:bad` }), "Input 'source'"],
    ['empty destinations', () => ({ source: src('team/app', digest()), destinations: ' , ' }), "Input 'destinations'"],
    ['destination equal to source', () => ({ source: src('team/app', digest()), destinations: src('team/app', digest()) }), "Input 'destinations'"],
    [
      'malformed destination',
      () => ({ source: src('team/app', digest()), destinations: `${prodProxy.host}/app:ok\nhttps://${prodProxy.host}/app:1` }),
      "Input 'destinations'",
    ],
    [
      'https insecure host',
      () => ({ source: src('team/app', digest()), destinations: `${prodProxy.host}/app:bad`, 'insecure-registries': 'https://registry.internal' }),
      "Input 'insecure-registries'",
    ],
  ])('%s', async (_name, inputs, mention) => {
    const before = await catalog(prod);
    const fromProd = prodProxy.requests.length;
    const fromDev = devProxy.requests.length;
    const r = await promote(inputs());
    expectCleanFailure(r, mention);
    expect(prodProxy.requests.length).toBe(fromProd); // not even a read
    expect(devProxy.requests.length).toBe(fromDev);
    expect(await catalog(prod)).toEqual(before);
  });

  it('an unreachable registry is a clean service error', async () => {
    const port = await freePort();
    const r = await promote({ source: src('team/app', single.digest), destinations: `127.0.0.1:${port}/app:1` });
    expectCleanFailure(r, `127.0.0.1:${port}`);
    // `.invalid` never resolves (RFC 2606): an unknown registry name is named as such.
    const unknown = await promote({ source: `registry.invalid/team/app@${single.digest}`, destinations: `${prodProxy.host}/app:unknown` });
    expectCleanFailure(unknown, 'registry.invalid', 'not found');
  });

  it('an immutable destination tag holding another digest names both digests and moves nothing', async () => {
    const r = await promote({ source: src('team/multi', multi.digest), destinations: `${prodProxy.host}/app:rc-copy`, 'immutable-tags': 'true' });
    expectCleanFailure(r, single.digest, multi.digest);
    expect(await digestAt(prod.host, 'app', 'rc-copy')).toBe(single.digest);
    expect(r.summary).toContain('Promotion failed before anything was written');
    expect(r.summary).toContain(`already points at ${single.digest}`);
  });
});
