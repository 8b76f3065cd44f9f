/**
 * build-and-scan from its committed bundle: real buildah builds of a tiny FROM-scratch image,
 * pushed to a real docker-registry on loopback. Trivy and Docker are test doubles on PATH
 * (test/doubles/bin) replaying real Trivy reports from test/fixtures/trivy.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, runAction, expectCleanFailure, type StepResult } from '../harness/run-action';
import { basicAuthEntry, startBasicAuthRegistry, writeDockerConfig } from '../helpers/htpasswd';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { serveFiles, type StaticServer } from '../helpers/static-server';
import { testTempDir } from '../helpers/temp';

const DOUBLES = path.join(ROOT, 'test', 'doubles', 'bin');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'trivy');
const SHA = '0123456789abcdef0123456789abcdef01234567'; // the harness's GITHUB_SHA
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

/** A workspace with a FROM-scratch Dockerfile (no base image pull; there is no internet). */
function workspace(files: Record<string, string> = {}): string {
  const dir = testTempDir('bas-ws-');
  writeFileSync(path.join(dir, 'hello.txt'), `hello from ${dir}\n`);
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function step(
  inputs: Record<string, string>,
  opts: { report?: string; env?: Record<string, string>; ws?: string } = {},
): Promise<StepResult & { ws: string }> {
  const ws = opts.ws ?? workspace();
  const r = await runAction(
    'build-and-scan',
    { builder: 'buildah', 'trivy-version': 'path', ...inputs },
    {
      cwd: ws,
      path: [DOUBLES],
      env: { TRIVY_DOUBLE_REPORT: path.join(FIXTURES, opts.report ?? 'npm.json'), ...opts.env },
    },
  );
  return { ...r, ws };
}

async function registryDigest(repository: string, tag: string): Promise<string | null> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
  });
  return res.status === 200 ? res.headers.get('docker-content-digest') : null;
}

async function registryTags(repository: string): Promise<string[]> {
  const res = await fetch(`${registry.url}/v2/${repository}/tags/list`);
  if (res.status === 404) return [];
  return ((await res.json()) as { tags: string[] | null }).tags ?? [];
}

async function registryBlob(repository: string, digest: string): Promise<Buffer> {
  const res = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
  return Buffer.from(await res.arrayBuffer());
}

describe('a passing gate', () => {
  it('builds with buildah, scans the built layout, and pushes exactly the scanned digest under every tag', async () => {
    const argsFile = path.join(testTempDir('bas-args-'), 'trivy-args');
    const r = await step(
      { image: `${registry.host}/team/app`, tags: 'v1.2.3, stable' },
      { report: 'alpine-310.json', env: { TRIVY_DOUBLE_ARGS_FILE: argsFile } },
    );
    expect(r.exitCode).toBe(0);
    const digest = r.outputs.digest;
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await registryDigest('team/app', 'v1.2.3')).toBe(digest);
    expect(await registryDigest('team/app', 'stable')).toBe(digest);
    expect(r.outputs['image-ref']).toBe(`${registry.host}/team/app@${digest}`);
    expect(r.outputs.image).toBe(`${registry.host}/team/app`);
    expect(JSON.parse(r.outputs.tags)).toEqual(['v1.2.3', 'stable']);
    // alpine-310.json: 4 MEDIUM findings, under the default HIGH threshold.
    expect(r.outputs['scan-passed']).toBe('true');
    expect(JSON.parse(r.outputs.vulnerabilities)).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 4, LOW: 0, UNKNOWN: 0 });

    // Trivy scanned the local OCI layout, asked for JSON, before anything was pushed.
    const trivyArgs = readFileSync(argsFile, 'utf8').split('\n');
    expect(trivyArgs.slice(0, 2)).toEqual(['image', '--input']);
    expect(trivyArgs[2]).toMatch(/shipline-build-and-scan-.*\/oci-layout$/);
    expect(trivyArgs).toEqual(expect.arrayContaining(['--format', 'json', '--severity', 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL']));

    // The full report is kept as Trivy wrote it; the SARIF is the action's own.
    expect(readFileSync(r.outputs['report-file'])).toEqual(readFileSync(path.join(FIXTURES, 'alpine-310.json')));
    const sarif = JSON.parse(readFileSync(r.outputs['sarif-file'], 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((x: { level: string }) => x.level)).toEqual(['warning', 'warning', 'warning', 'warning']);

    // Labels from the GitHub context are in the pushed image config.
    const manifestRes = await fetch(`${registry.url}/v2/team/app/manifests/${digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = JSON.parse(await manifestRes.text()) as { config: { digest: string } };
    const config = JSON.parse((await registryBlob('team/app', manifest.config.digest)).toString('utf8'));
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/shipline-test/app',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.version': 'v1.2.3',
    });

    expect(r.summary).toContain(digest);
    expect(r.summary).toContain('| MEDIUM | 4 | no |');
    expect(r.summary).toContain('passed');
  });

  it('scans every platform of a multi-platform build and pushes the index', async () => {
    const argsFile = path.join(testTempDir('bas-args-'), 'trivy-args');
    const r = await step(
      { image: `${registry.host}/team/multi`, tags: 'multi', platforms: 'linux/amd64,linux/arm64' },
      { report: 'alpine-310.json', env: { TRIVY_DOUBLE_ARGS_FILE: argsFile } },
    );
    expect(r.exitCode).toBe(0);
    const runs = readFileSync(argsFile, 'utf8')
      .trim()
      .split('\n\n')
      .map((a) => a.split('\n'));
    expect(runs.map((a) => path.basename(a[a.indexOf('--input') + 1])).sort()).toEqual(['scan-linux-amd64', 'scan-linux-arm64']); // buildah's index order varies
    // The same findings in both platforms count once: one package to fix.
    expect(JSON.parse(r.outputs.vulnerabilities).MEDIUM).toBe(4);
    const merged = JSON.parse(readFileSync(r.outputs['report-file'], 'utf8'));
    expect(merged.Results.map((x: { Target: string }) => x.Target.split(' ')[0]).sort()).toEqual(['[linux/amd64]', '[linux/arm64]']);
    const res = await fetch(`${registry.url}/v2/team/multi/manifests/multi`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    expect(res.headers.get('docker-content-digest')).toBe(r.outputs.digest);
    const index = (await res.json()) as { manifests: { platform: { architecture: string } }[] };
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    expect(r.summary).toMatch(/each platform scanned: linux\/(amd64, linux\/arm64|arm64, linux\/amd64)/);
  });

  it('builds with docker buildx (test double), reads the digest from --metadata-file, and tags the commit SHA by default', async () => {
    const argsFile = path.join(testTempDir('bas-args-'), 'docker-args');
    const r = await step(
      { builder: 'docker', image: `${registry.host}/team/docker-built`, secrets: 'npm_token=s3cr3t-npm-value' },
      { env: { DOCKER_DOUBLE_ARGS_FILE: argsFile } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.log).toContain('::add-mask::s3cr3t-npm-value'); // masked before anything ran
    expect(r.log.replace('::add-mask::s3cr3t-npm-value', '')).not.toContain('s3cr3t-npm-value');
    expect(readFileSync(argsFile, 'utf8')).not.toContain('s3cr3t-npm-value'); // passed as a file, never on the command line
    expect(JSON.parse(r.outputs.tags)).toEqual([SHA]);
    expect(await registryDigest('team/docker-built', SHA)).toBe(r.outputs.digest);
    const dockerArgs = readFileSync(argsFile, 'utf8').split('\n');
    expect(dockerArgs.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(dockerArgs).toContain(`${registry.host}/team/docker-built:${SHA}`);
    expect(dockerArgs.find((a) => a.startsWith('type=oci,dest='))).toMatch(/,tar=false$/);
  });

  it('accepts findings listed in the ignore file until they expire, and reports expired entries', async () => {
    const ws = workspace({
      'security/ignore.yml': [
        '- id: CVE-2019-18224',
        '  package: libidn2-0',
        '  reason: not reachable in this image',
        '  expires: 2999-01-01',
        '- id: CVE-2019-18276',
        '  reason: accepted last year',
        '  expires: 2020-01-01',
        '',
      ].join('\n'),
    });
    const r = await step({ image: `${registry.host}/team/ignored`, tags: 'one', 'ignore-file': 'security/ignore.yml' }, { report: 'debian-buster.json', ws });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.outputs.vulnerabilities)).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    expect(r.log).toContain('the entry for CVE-2019-18276 expired on 2020-01-01 and no longer applies');
    expect(r.summary).toContain('Expired ignore entries');
    expect(r.summary).toContain('not reachable in this image');
    expect(await registryDigest('team/ignored', 'one')).toBe(r.outputs.digest);
  });

  it('with push: false builds and scans, gives the digest, and no image-ref or tags for an image that is not in the registry', async () => {
    const r = await step({ image: `${registry.host}/team/local-only`, tags: 'v9', push: 'false' }, { report: 'alpine-310.json' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.outputs['scan-passed']).toBe('true');
    expect(r.outputs['image-ref']).toBe('');
    expect(JSON.parse(r.outputs.tags)).toEqual([]);
    expect(await registryTags('team/local-only')).toEqual([]);
    expect(r.summary).toContain('not pushed (push: false)');
  });

  it('pushes with scanner: none but says loudly that the image was not scanned', async () => {
    const r = await step({ image: `${registry.host}/team/unscanned`, tags: 'demo', scanner: 'none' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs['scan-passed']).toBe('skipped');
    expect(r.log).toMatch(/::warning::.*NOT SCANNED/);
    expect(r.summary).toContain('NOT scanned');
    expect(await registryDigest('team/unscanned', 'demo')).toBe(r.outputs.digest);
  });
});

describe('a failing gate or a scanner error pushes nothing', () => {
  it('fails on a CRITICAL finding at the default HIGH threshold, keeps the reports, and pushes nothing', async () => {
    const r = await step({ image: `${registry.host}/team/vulnerable`, tags: 'bad' }, { report: 'debian-buster.json' });
    expectCleanFailure(r, 'vulnerability gate: failed on 1 CRITICAL finding at or above HIGH (CVE-2019-18224). Nothing was pushed');
    expect(await registryTags('team/vulnerable')).toEqual([]);
    expect(r.outputs['scan-passed']).toBe('false');
    expect(r.outputs['image-ref']).toBeUndefined();
    expect(JSON.parse(r.outputs.vulnerabilities)).toEqual({ CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    const sarif = JSON.parse(readFileSync(r.outputs['sarif-file'], 'utf8'));
    const levels = Object.fromEntries(sarif.runs[0].results.map((x: { ruleId: string; level: string }) => [x.ruleId, x.level]));
    expect(levels).toEqual({ 'CVE-2019-18224': 'error', 'CVE-2019-18276': 'note' });
    expect(r.summary).toContain('Failing findings (1)');
    expect(r.summary).toContain('| libidn2-0 | 2.0.5-1 | 2.0.5-1+deb10u1 |');
  });

  it('retries a rate-limited database download and then scans', async () => {
    const state = path.join(testTempDir('bas-state-'), 'count');
    const r = await step(
      { image: `${registry.host}/team/retried`, tags: 'ok', 'trivy-db-attempts': '2' },
      { env: { TRIVY_DOUBLE_RATE_LIMIT: '1', TRIVY_DOUBLE_STATE: state } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.log).toMatch(/::warning::Trivy could not download its vulnerability database .*TOOMANYREQUESTS/);
    expect(readFileSync(state, 'utf8').trim()).toBe('2');
    expect(r.outputs['scan-passed']).toBe('true');
  });

  it('reports a database download that keeps failing as a scanner error, not as vulnerable or clean', async () => {
    const r = await step({ image: `${registry.host}/team/rate-limited`, tags: 'x', 'trivy-db-attempts': '1' }, { env: { TRIVY_DOUBLE_RATE_LIMIT: 'always' } });
    expectCleanFailure(r, 'scanner error', 'vulnerability database could not be downloaded', 'TOOMANYREQUESTS');
    expect(r.errors[0]).not.toMatch(/gate failed/);
    expect(r.outputs['scan-passed']).toBe('error');
    expect(await registryTags('team/rate-limited')).toEqual([]);
    expect(r.summary).toContain('NOT judged');
  });

  it('with fail-on-scan-error: false pushes the unjudged image and says so', async () => {
    const r = await step(
      { image: `${registry.host}/team/unjudged`, tags: 'x', 'trivy-db-attempts': '1', 'fail-on-scan-error': 'false' },
      { env: { TRIVY_DOUBLE_RATE_LIMIT: 'always' } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.outputs['scan-passed']).toBe('error');
    expect(r.log).toMatch(/::warning::.*THIS IMAGE WAS NOT JUDGED/);
    expect(await registryDigest('team/unjudged', 'x')).toBe(r.outputs.digest);
  });

  it('refuses a report that is not Trivy JSON as a scanner error', async () => {
    const r = await step({ image: `${registry.host}/team/sarif-report`, tags: 'x' }, { report: 'alpine-310.sarif' });
    expectCleanFailure(r, 'not a Trivy JSON report', 'SARIF');
    expect(await registryTags('team/sarif-report')).toEqual([]);
  });

  it('fails when the digest buildx reports is not the one in the layout it wrote', async () => {
    const r = await step({ builder: 'docker', image: `${registry.host}/team/wrong-digest`, tags: 'x' }, { env: { DOCKER_DOUBLE_WRONG_DIGEST: '1' } });
    expectCleanFailure(r, 'reported digest sha256:0000', 'but the OCI layout it wrote holds');
    expect(await registryTags('team/wrong-digest')).toEqual([]);
  });

  it('explains that the default docker driver cannot export OCI images', async () => {
    const r = await step({ builder: 'docker', image: `${registry.host}/team/driver`, tags: 'x' }, { env: { DOCKER_DOUBLE_DRIVER: 'docker' } });
    expectCleanFailure(r, 'OCI exporter is not supported', 'setup-buildx-action');
    expect(await registryTags('team/driver')).toEqual([]);
  });
});

describe('bad input: one ::error::, exit 1, nothing built or pushed', () => {
  const cases: [string, Record<string, string>, Record<string, string>, string[]][] = [
    ['unknown builder', { builder: 'kaniko' }, {}, ["Input 'builder'", 'kaniko']],
    ['missing context', { context: 'nowhere' }, {}, ["Input 'context'", 'nowhere']],
    ['missing Dockerfile', { file: 'app/Dockerfile' }, {}, ["Input 'file'", 'app/Dockerfile']],
    ['invalid tag', { tags: 'ok, -bad' }, {}, ["Input 'tags'", '-bad']],
    ['invalid severity', { 'severity-threshold': 'SEVERE' }, {}, ["Input 'severity-threshold'", 'CRITICAL, HIGH, MEDIUM, LOW']],
    [
      'malformed ignore file',
      { 'ignore-file': 'ignore.yml' },
      { 'ignore.yml': '- id: CVE-1\n  reason: x\n  expires: 2030-01-01\n- id: CVE-2\n  reason: y\n  expires: next year\n' },
      ["Input 'ignore-file'", 'line 4', 'next year'],
    ],
    ['image with a tag', { image: 'REGISTRY/team/app:latest' }, {}, ["Input 'image'", 'tag']],
  ];
  it.each(cases)('%s', async (_name, inputs, files, mention) => {
    const argsFile = path.join(testTempDir('bas-args-'), 'docker-args');
    const repo = `team/bad-${_name.replace(/\W+/g, '-')}`;
    const r = await step(
      {
        image: `${registry.host}/${repo}`,
        builder: 'docker',
        ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.replace('REGISTRY', registry.host)])),
      },
      { ws: workspace(files), env: { DOCKER_DOUBLE_ARGS_FILE: argsFile } },
    );
    expectCleanFailure(r, ...mention);
    expect(existsSync(argsFile)).toBe(false); // the builder never ran
    expect(await registryTags(repo)).toEqual([]);
  });
});

describe('trivy from the tool cache, checksum-verified', () => {
  const VERSION = '0.67.2';
  const ARCHIVE = `trivy_${VERSION}_Linux-64bit.tar.gz`;
  let server: StaticServer;
  let sha: string;

  beforeAll(async () => {
    const dir = testTempDir('trivy-tar-');
    mkdirSync(path.join(dir, 'pkg'));
    copyFileSync(path.join(DOUBLES, 'trivy'), path.join(dir, 'pkg', 'trivy'));
    chmodSync(path.join(dir, 'pkg', 'trivy'), 0o755);
    execFileSync('tar', ['-czf', path.join(dir, ARCHIVE), '-C', path.join(dir, 'pkg'), 'trivy']);
    const archive = readFileSync(path.join(dir, ARCHIVE));
    sha = createHash('sha256').update(archive).digest('hex');
    server = await serveFiles({
      [`/v${VERSION}/${ARCHIVE}`]: archive,
      [`/v${VERSION}/trivy_${VERSION}_checksums.txt`]: `${'1'.repeat(64)}  trivy_${VERSION}_macOS-64bit.tar.gz\n${sha}  ${ARCHIVE}\n`,
      [`/bad/v${VERSION}/${ARCHIVE}`]: archive,
      [`/bad/v${VERSION}/trivy_${VERSION}_checksums.txt`]: `${'0'.repeat(64)}  ${ARCHIVE}\n`,
    });
  });
  afterAll(() => server.close());

  it('installs the pinned trivy after checking its published checksum, scans with it, and reuses the cache', async () => {
    const toolCache = testTempDir('tc-');
    // No doubles on PATH: the scan must run the trivy that was just installed.
    const run = () =>
      runAction(
        'build-and-scan',
        { builder: 'buildah', image: `${registry.host}/team/installed`, tags: 'x', 'trivy-version': VERSION, 'trivy-mirror': server.url },
        { cwd: workspace(), env: { RUNNER_TOOL_CACHE: toolCache, TRIVY_DOUBLE_REPORT: path.join(FIXTURES, 'npm.json') } },
      );
    const first = await run();
    expect(first.exitCode).toBe(0);
    expect(first.log).toContain(`sha256 ${sha} verified`);
    expect(first.addedPath).toEqual([path.join(toolCache, 'trivy', VERSION, 'x64')]);
    expect(JSON.parse(first.outputs.vulnerabilities)).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 0 });
    const served = server.requests.length;
    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.log).toContain('trivy 0.67.2 found in the tool cache');
    expect(server.requests.length).toBe(served);
  });

  it('refuses a download whose checksum does not match: nothing on PATH, nothing built or pushed, whatever fail-on-scan-error says', async () => {
    const toolCache = testTempDir('tc-');
    const r = await runAction(
      'build-and-scan',
      { builder: 'buildah', image: `${registry.host}/team/bad-checksum`, tags: 'x', 'trivy-mirror': `${server.url}/bad`, 'fail-on-scan-error': 'false' },
      { cwd: workspace(), env: { RUNNER_TOOL_CACHE: toolCache, TRIVY_DOUBLE_REPORT: path.join(FIXTURES, 'npm.json') } },
    );
    expectCleanFailure(r, 'trivy: could not be installed: checksum mismatch', sha, 'fail-on-scan-error does not apply');
    expect(r.outputs['scan-passed']).toBeUndefined();
    expect(r.addedPath).toEqual([]);
    expect(existsSync(path.join(toolCache, 'trivy'))).toBe(false);
    expect(await registryTags('team/bad-checksum')).toEqual([]);
  });
});

describe('a registry that needs credentials', () => {
  let secured: TestRegistry;
  const PASSWORD = 'pushy-p4ssw0rd';
  const authHeader = `Basic ${Buffer.from(`ci:${PASSWORD}`).toString('base64')}`;
  beforeAll(async () => {
    secured = await startBasicAuthRegistry({ ci: PASSWORD });
  });
  afterAll(() => secured.stop());

  it('pushes with the credentials in the Docker config (as docker/login-action writes them), never logging them', async () => {
    const config = writeDockerConfig({ auths: { [secured.host]: basicAuthEntry('ci', PASSWORD) } });
    const r = await step({ image: `${secured.host}/team/private`, tags: 'v1' }, { env: { DOCKER_CONFIG: config.dir } });
    config.remove();
    expect(r.exitCode).toBe(0);
    const head = await fetch(`${secured.url}/v2/team/private/manifests/v1`, {
      method: 'HEAD',
      headers: { authorization: authHeader, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(r.outputs.digest);
    expect(
      r.log
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(PASSWORD);
  });

  it('without credentials fails cleanly after the scan, says so in the summary, and pushes nothing', async () => {
    const empty = writeDockerConfig({ auths: {} });
    const r = await step({ image: `${secured.host}/team/refused`, tags: 'v1' }, { env: { DOCKER_CONFIG: empty.dir } });
    empty.remove();
    expectCleanFailure(r, secured.host);
    expect(r.outputs['scan-passed']).toBe('true');
    expect(r.summary).toContain('## build-and-scan: ❌ push failed (scan passed)');
    expect(r.summary).toContain('push FAILED');
    const tags = await fetch(`${secured.url}/v2/team/refused/tags/list`, { headers: { authorization: authHeader } });
    expect(tags.status).toBe(404);
  });
});
