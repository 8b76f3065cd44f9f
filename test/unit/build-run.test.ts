/** run(): the order of things, with fakes for the builder, Trivy and the registry. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Exec } from '../../src/toolkit/exec';
import { MemoryReporter } from '../../src/toolkit/reporter';
import type { RegistryClient } from '../../src/toolkit/registry/types';
import type { ToolCache } from '../../src/toolkit/tools';
import type { BuildInputs } from '../../src/build-and-scan/inputs';
import { run, type RunDeps } from '../../src/build-and-scan/run';
import { testTempDir } from '../helpers/temp';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'trivy');
const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Writes a one-image OCI layout where `buildah push` would, and the digest file. */
function writeLayout(dest: string, digestFile: string): void {
  mkdirSync(path.join(dest, 'blobs', 'sha256'), { recursive: true });
  const put = (b: string) => {
    writeFileSync(path.join(dest, 'blobs', 'sha256', sha(b).slice(7)), b);
    return { digest: sha(b), size: Buffer.byteLength(b) };
  };
  const config = put('{"architecture":"amd64","os":"linux"}');
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [],
    }),
  );
  writeFileSync(
    path.join(dest, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }),
  );
  writeFileSync(digestFile, manifest.digest);
}

function setup(report: string, over: Partial<BuildInputs> = {}) {
  const events: string[] = [];
  const exec: Exec = async (command, args) => {
    events.push(`${command} ${args.find((a) => ['bud', 'push', 'rmi', 'image', '--version'].includes(a))}`);
    if (args.includes('push')) writeLayout(args[args.length - 1].replace(/^oci:/, ''), args[args.indexOf('--digestfile') + 1]);
    if (command === 'trivy' && args[0] === 'image') writeFileSync(args[args.indexOf('--output') + 1], readFileSync(path.resolve(FIXTURES, report)));
    return { command, args, exitCode: 0, stdout: '', stderr: '', timedOut: false };
  };
  const manifests = new Map<string, string>();
  const uploaded = new Map<string, number>();
  const registry: RegistryClient = {
    stats: { requests: 0, bytesUploaded: 0, bytesDownloaded: 0 },
    // Remembers uploads: the push verifies every blob with a HEAD after writing it.
    headBlob: async (_r, digest) => uploaded.get(digest),
    putBlob: async (_r, digest, size) => {
      uploaded.set(digest, size);
      events.push('registry putBlob');
    },
    putManifest: async (_r, ref, bytes) => {
      events.push(`registry putManifest ${ref}`);
      manifests.set(ref, sha(bytes.toString()));
      return sha(bytes.toString());
    },
    headManifest: async (_r, ref) => ({ digest: manifests.get(ref) ?? '', mediaType: 'x', size: 1 }),
    getManifest: () => Promise.reject(new Error('unused')),
    getBlob: () => Promise.reject(new Error('unused')),
    mountBlob: () => Promise.reject(new Error('unused')),
    referrers: () => Promise.reject(new Error('unused')),
    listTags: () => Promise.reject(new Error('unused')),
  };
  const reporter = new MemoryReporter();
  const origSecret = reporter.setSecret.bind(reporter);
  reporter.setSecret = (v) => {
    // a secret and its derived forms are one masking step
    if (events.at(-1) !== 'setSecret') events.push('setSecret');
    origSecret(v);
  };
  const deps: RunDeps = {
    exec,
    toolCache: {} as ToolCache,
    env: { RUNNER_TEMP: testTempDir('bas-run-'), GITHUB_WORKSPACE: '/ws', GITHUB_SHA: 'abc' },
    now: () => new Date('2026-06-15T00:00:00Z'),
    openRegistry: async () => {
      events.push('openRegistry');
      return registry;
    },
    ensureRepository: async () => void events.push('ensureRepository'),
    sleep: async () => undefined,
  };
  const inputs: BuildInputs = {
    builder: 'buildah',
    workspace: '/ws',
    context: '/ws',
    file: '/ws/Dockerfile',
    image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app',
    repository: { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'app' },
    tags: ['v1'],
    platforms: [],
    buildArgs: [],
    secrets: [{ key: 'token', value: 'hunter2' }],
    labels: [],
    annotations: [],
    cacheFrom: [],
    cacheTo: [],
    push: true,
    scan: { scanner: 'trivy', trivyVersion: 'path', dbAttempts: 1, threshold: 'HIGH', ignoreUnfixed: false, ignores: [], failOnScanError: true },
    createRepository: true,
    insecureRegistries: [],
    ...over,
  };
  return { events, deps, inputs, reporter };
}

it('masks secrets first, then resolves trivy, builds, scans, creates the ECR repository and pushes', async () => {
  const { events, deps, inputs, reporter } = setup('npm.json');
  await run(inputs, deps, reporter);
  expect(events).toEqual([
    'setSecret',
    'trivy --version', // trivy-version: path
    'buildah bud',
    'buildah push',
    'buildah rmi',
    'trivy image',
    'openRegistry',
    'ensureRepository',
    'registry putBlob',
    'registry putManifest v1',
  ]);
  expect(reporter.secrets).toEqual(expect.arrayContaining(['hunter2', Buffer.from('hunter2').toString('base64')]));
  expect(reporter.outputs['scan-passed']).toBe('true');
  expect(reporter.outputs['image-ref']).toBe(`${inputs.image}@${reporter.outputs.digest}`);
  expect(reporter.outputs.tags).toBe('["v1"]');
});

it('never opens the registry when the gate fails, but still writes outputs and the summary', async () => {
  const { events, deps, inputs, reporter } = setup('debian-buster.json');
  await expect(run(inputs, deps, reporter)).rejects.toThrow('vulnerability gate: failed on 1 CRITICAL finding');
  expect(events).not.toContain('openRegistry');
  expect(reporter.outputs['scan-passed']).toBe('false');
  expect(reporter.outputs['sarif-file']).toMatch(/trivy-results\.sarif$/);
  expect(reporter.summaryMarkdown).toContain('not pushed: gate failed');
});

it('with push: false builds and scans only: digest is set, but no image-ref or tags point at an image that was never pushed', async () => {
  const { events, deps, inputs, reporter } = setup('npm.json', { push: false });
  await run(inputs, deps, reporter);
  expect(events).not.toContain('openRegistry');
  expect(reporter.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  expect(reporter.outputs['image-ref']).toBe('');
  expect(reporter.outputs.tags).toBe('[]');
  expect(reporter.summaryMarkdown).toContain('not pushed (push: false)');
});

it('fits the SARIF file to GitHub code scanning limits and says so in the log and the summary', async () => {
  const fixture = JSON.parse(readFileSync(path.join(FIXTURES, 'debian-buster.json'), 'utf8'));
  const [low] = fixture.Results[0].Vulnerabilities;
  fixture.Results[0].Vulnerabilities = Array.from({ length: 5003 }, (_, i) => ({ ...low, VulnerabilityID: `CVE-2026-${10000 + i}` }));
  const report = path.join(testTempDir('bas-big-'), 'big.json');
  writeFileSync(report, JSON.stringify(fixture));
  const { deps, inputs, reporter } = setup(report);
  await run(inputs, deps, reporter);
  expect(JSON.parse(readFileSync(reporter.outputs['sarif-file'], 'utf8')).runs[0].results).toHaveLength(5000);
  expect(reporter.log).toContain(
    '::warning::The SARIF file holds 5000 of 5003 findings (GitHub code scanning keeps 5000 per run and refuses files over 10 MiB gzipped)',
  );
  expect(reporter.summaryMarkdown).toContain("SARIF: 5000 of 5003 findings (GitHub's upload limits), gating ones first");
});

it('warns when trivy-cache-dir lies inside the build context and no .dockerignore names it', async () => {
  const context = testTempDir('bas-ctx-');
  const scanWith = (trivyCacheDir: string) => ({
    scanner: 'trivy' as const,
    trivyVersion: 'path',
    dbAttempts: 1,
    threshold: 'HIGH' as const,
    ignoreUnfixed: false,
    ignores: [],
    failOnScanError: true,
    trivyCacheDir,
  });
  const warned = async (trivyCacheDir: string) => {
    const { deps, inputs, reporter } = setup('npm.json', { context, push: false });
    await run({ ...inputs, scan: scanWith(trivyCacheDir) }, deps, reporter);
    return reporter.log.includes('is inside the build context');
  };
  expect(await warned(path.join(context, '.trivy-cache'))).toBe(true);
  expect(await warned(path.join(tmpdir(), 'elsewhere-trivy-cache'))).toBe(false);
  writeFileSync(path.join(context, '.dockerignore'), 'node_modules\n/.trivy-cache/\n');
  expect(await warned(path.join(context, '.trivy-cache', 'db'))).toBe(false);
});

describe('a Trivy that cannot be installed or run fails the step before the build, even with fail-on-scan-error: false', () => {
  it('a failed download from the tool cache', async () => {
    const { events, deps, inputs, reporter } = setup('npm.json');
    deps.toolCache = {
      find: () => '',
      downloadTool: async (url) => {
        throw new Error(`Unexpected HTTP response: 404 for ${url}`);
      },
      extractTar: async () => '',
      cacheDir: async () => '',
      addPath: () => undefined,
    };
    const p = run({ ...inputs, scan: { ...inputs.scan, trivyVersion: '0.67.2', failOnScanError: false } }, deps, reporter);
    await expect(p).rejects.toThrow(/^trivy: could not be installed: download of \S+trivy_0\.67\.2_checksums\.txt failed: Unexpected HTTP response: 404/);
    await expect(p).rejects.toThrow('Nothing was built or pushed; fail-on-scan-error does not apply to a scanner that cannot be installed or verified');
    expect(events).not.toContain('buildah bud');
  });

  it('trivy-version: path with no trivy on PATH', async () => {
    const { events, deps, inputs, reporter } = setup('npm.json');
    const exec = deps.exec;
    deps.exec = async (command, args, opts) =>
      command === 'trivy' && args[0] === '--version' ? { command, args, exitCode: 127, stdout: '', stderr: '', timedOut: false } : exec(command, args, opts);
    const p = run({ ...inputs, scan: { ...inputs.scan, failOnScanError: false } }, deps, reporter);
    await expect(p).rejects.toThrow("trivy: trivy-version is 'path' but 'trivy --version' exited with 127");
    await expect(p).rejects.toThrow('fail-on-scan-error does not apply');
    expect(events).not.toContain('buildah bud');
    expect(reporter.outputs['scan-passed']).toBeUndefined();
  });
});
