/** Every command line the action builds, asserted through a recording Exec (no programs run). */
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, statSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../../src/toolkit/errors';
import type { Exec, ExecResult } from '../../src/toolkit/exec';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { buildImage, type BuildRequest } from '../../src/build-and-scan/builders';
import type { BuildInputs, ScanInputs } from '../../src/build-and-scan/inputs';
import { runTrivy, ScannerError, failureReason, trivyEnv } from '../../src/build-and-scan/trivy';
import { scanAllPlatforms } from '../../src/build-and-scan/scan-layout';
import { testTempDir } from '../helpers/temp';

interface Call {
  command: string;
  args: readonly string[];
}

/** Records calls; `answer` decides each result and may write the files a real tool would. */
function recordingExec(answer: (c: Call, n: number) => Partial<ExecResult> = () => ({})): { exec: Exec; calls: Call[] } {
  const calls: Call[] = [];
  const exec: Exec = async (command, args) => {
    const call = { command, args };
    calls.push(call);
    return { command, args, exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answer(call, calls.length) };
  };
  return { exec, calls };
}

const DIGEST = `sha256:${'a'.repeat(64)}`;
const scan: ScanInputs = {
  scanner: 'trivy',
  trivyVersion: '0.67.2',
  dbAttempts: 3,
  threshold: 'HIGH',
  ignoreUnfixed: false,
  ignores: [],
  failOnScanError: true,
};

function request(over: Partial<BuildInputs> = {}): BuildRequest {
  const workDir = testTempDir('bas-unit-');
  const inputs: BuildInputs = {
    builder: 'buildah',
    workspace: '/ws',
    context: '/ws/app',
    file: '/ws/app/Dockerfile',
    image: 'ghcr.io/team/app',
    repository: { registry: 'ghcr.io', repository: 'team/app' },
    tags: ['v1', 'latest'],
    platforms: [],
    buildArgs: [{ key: 'VERSION', value: '1.2=3' }],
    secrets: [],
    labels: [],
    annotations: [],
    cacheFrom: [],
    cacheTo: [],
    push: true,
    scan,
    createRepository: false,
    insecureRegistries: [],
    ...over,
  };
  return {
    inputs,
    workDir,
    labels: [{ key: 'org.opencontainers.image.revision', value: 'abc' }],
    annotations: [{ key: 'org.opencontainers.image.source', value: 'https://github.com/o/r' }],
  };
}

/** Writes what `buildah push --digestfile F` / `buildx --metadata-file F` would. */
function writeDigest(c: Call): Partial<ExecResult> {
  const at = c.args.indexOf('--digestfile');
  if (at >= 0) writeFileSync(c.args[at + 1], DIGEST);
  const meta = c.args.indexOf('--metadata-file');
  if (meta >= 0) writeFileSync(c.args[meta + 1], JSON.stringify({ 'containerimage.digest': DIGEST }));
  return {};
}

describe('buildah', () => {
  it('builds with vfs + chroot to an OCI image, pushes it to a local OCI layout, then drops the local image', async () => {
    const req = request({ target: 'runtime', cacheFrom: ['ghcr.io/team/cache'] });
    const { exec, calls } = recordingExec(writeDigest);
    const r = await buildImage(exec, req, new MemoryReporter(), 'n0nce');
    const layout = path.join(req.workDir, 'oci-layout');
    const local = 'localhost/shipline-build-and-scan:n0nce';
    expect(calls).toEqual([
      {
        command: 'buildah',
        args: [
          '--storage-driver',
          'vfs',
          'bud',
          '--isolation',
          'chroot',
          '--format',
          'oci',
          '--file',
          '/ws/app/Dockerfile',
          '--tag',
          local,
          '--build-arg',
          'VERSION=1.2=3',
          '--target',
          'runtime',
          '--label',
          'org.opencontainers.image.revision=abc',
          '--annotation',
          'org.opencontainers.image.source=https://github.com/o/r',
          '--layers',
          '--cache-from',
          'ghcr.io/team/cache',
          '/ws/app',
        ],
      },
      { command: 'buildah', args: ['--storage-driver', 'vfs', 'push', '--digestfile', path.join(req.workDir, 'digest'), local, `oci:${layout}`] },
      { command: 'buildah', args: ['--storage-driver', 'vfs', 'rmi', local] },
    ]);
    expect(r).toEqual({ layoutDir: layout, reportedDigest: DIGEST });
  });

  it('builds several platforms into a manifest list and pushes all of them', async () => {
    const req = request({ platforms: ['linux/amd64', 'linux/arm64'] });
    const { exec, calls } = recordingExec(writeDigest);
    await buildImage(exec, req, new MemoryReporter(), 'n');
    expect(calls[0].args).toEqual(expect.arrayContaining(['--manifest', 'localhost/shipline-build-and-scan:n', '--platform', 'linux/amd64,linux/arm64']));
    expect(calls[0].args).not.toContain('--tag');
    expect(calls[1].args.slice(2, 5)).toEqual(['manifest', 'push', '--all']);
    expect(calls[2].args.slice(2)).toEqual(['manifest', 'rm', 'localhost/shipline-build-and-scan:n']);
  });

  it('fails with the builder named when buildah fails, and still removes the secret files', async () => {
    const req = request({ secrets: [{ key: 'token', value: 'hunter2' }] });
    let secretFile = '';
    const { exec } = recordingExec((c) => {
      const s = c.args[c.args.indexOf('--secret') + 1];
      secretFile = s.replace(/^id=token,src=/, '');
      expect(readFileSync(secretFile, 'utf8')).toBe('hunter2');
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      return { exitCode: 125, stderr: 'Error: building at STEP "RUN make": exit status 2' };
    });
    await expect(buildImage(exec, req, new MemoryReporter())).rejects.toThrow('buildah: exited with 125: Error: building at STEP "RUN make"');
    expect(existsSync(secretFile)).toBe(false);
  });
});

describe('docker buildx', () => {
  it('exports an OCI layout and a metadata file, secrets as files, one --tag per tag', async () => {
    const req = request({
      builder: 'docker',
      platforms: ['linux/amd64'],
      secrets: [{ key: 'npm', value: 's3cret' }],
      cacheFrom: ['type=gha'],
      cacheTo: ['type=gha,mode=max'],
    });
    const { exec, calls } = recordingExec(writeDigest);
    const r = await buildImage(exec, req, new MemoryReporter());
    const layout = path.join(req.workDir, 'oci-layout');
    expect(calls).toEqual([
      {
        command: 'docker',
        args: [
          'buildx',
          'build',
          '--file',
          '/ws/app/Dockerfile',
          '--tag',
          'ghcr.io/team/app:v1',
          '--tag',
          'ghcr.io/team/app:latest',
          '--platform',
          'linux/amd64',
          '--build-arg',
          'VERSION=1.2=3',
          '--secret',
          `id=npm,src=${path.join(req.workDir, 'secrets', '0')}`,
          '--label',
          'org.opencontainers.image.revision=abc',
          '--annotation',
          'org.opencontainers.image.source=https://github.com/o/r',
          '--cache-from',
          'type=gha',
          '--cache-to',
          'type=gha,mode=max',
          '--output',
          `type=oci,dest=${layout},tar=false`,
          '--metadata-file',
          path.join(req.workDir, 'buildx-metadata.json'),
          '/ws/app',
        ],
      },
    ]);
    expect(calls[0].args.join(' ')).not.toContain('s3cret');
    expect(r.reportedDigest).toBe(DIGEST);
  });

  it('refuses a metadata file without containerimage.digest (the digest could not be proven)', async () => {
    const { exec } = recordingExec((c) => {
      writeFileSync(c.args[c.args.indexOf('--metadata-file') + 1], '{"buildx.build.ref":"x"}');
      return {};
    });
    await expect(buildImage(exec, request({ builder: 'docker' }), new MemoryReporter())).rejects.toThrow('no containerimage.digest');
  });
});

describe('trivy', () => {
  /** What the trivy test double prints on stderr: Trivy 0.67's own log text (see the double's header). */
  const trivyLog = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(path.join(__dirname, '..', 'doubles', 'bin', 'trivy'), args, { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' }).stderr;
  const RATE_LIMITED = trivyLog(['image', '--input', '/l', '--format', 'json'], { TRIVY_DOUBLE_RATE_LIMIT: 'always' });
  const workDir = () => testTempDir('bas-trivy-');

  it('scans the layout to a JSON report with every severity, pinned against workspace config', async () => {
    const dir = workDir();
    const { exec, calls } = recordingExec();
    await runTrivy(
      exec,
      { bin: '/tc/trivy', version: '0.67.2' },
      '/w/oci-layout',
      '/w/report.json',
      { ...scan, trivyCacheDir: '/cache/trivy' },
      dir,
      new MemoryReporter(),
    );
    expect(calls).toEqual([
      {
        command: '/tc/trivy',
        args: [
          'image',
          '--input',
          '/w/oci-layout',
          '--format',
          'json',
          '--output',
          '/w/report.json',
          '--scanners',
          'vuln',
          '--severity',
          'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL',
          '--ignore-unfixed=false',
          '--exit-code',
          '0',
          '--ignorefile',
          path.join(dir, 'empty.trivyignore'),
          '--config',
          path.join(dir, 'empty-trivy.yaml'),
          '--cache-dir',
          '/cache/trivy',
        ],
      },
    ]);
  });

  it('retries a rate-limited database download, then succeeds', async () => {
    const { exec, calls } = recordingExec((_c, n) => (n < 3 ? { exitCode: 1, stderr: RATE_LIMITED } : {}));
    const waits: number[] = [];
    const reporter = new MemoryReporter();
    await runTrivy(exec, { bin: 'trivy', version: 'x' }, '/l', '/r', scan, workDir(), reporter, async (ms) => void waits.push(ms));
    expect(calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(reporter.log).toContain('TOOMANYREQUESTS: retry-after: 127.702µs, allowed: 44000/minute); retrying in');
  });

  it('gives up after the attempts with a scanner error naming the rate limit', async () => {
    const { exec, calls } = recordingExec(() => ({ exitCode: 1, stderr: RATE_LIMITED }));
    const p = runTrivy(exec, { bin: 'trivy', version: 'x' }, '/l', '/r', { ...scan, dbAttempts: 2 }, workDir(), new MemoryReporter(), async () => undefined);
    await expect(p).rejects.toBeInstanceOf(ScannerError);
    await expect(p).rejects.toThrow(
      'scanner error: the vulnerability database could not be downloaded (2 attempts): GET https://ghcr.io/v2/aquasecurity/trivy-db/manifests/2: TOOMANYREQUESTS',
    );
    expect(calls).toHaveLength(2);
  });

  it('does not retry other failures, and reports them as scanner errors', async () => {
    const stderr = trivyLog(['image', '--input', '/l', '--format', 'json']); // the layout is not there
    const { exec, calls } = recordingExec(() => ({ exitCode: 1, stderr }));
    const p = runTrivy(exec, { bin: 'trivy', version: 'x' }, '/l', '/r', scan, workDir(), new MemoryReporter(), async () => undefined);
    await expect(p).rejects.toThrow(
      new ServiceError('trivy', `scanner error: trivy exited with 1: ${failureReason(stderr)}`, 'The image was NOT judged (neither clean nor vulnerable)')
        .message,
    );
    await expect(p).rejects.toThrow('unable to open /l as an OCI Image: stat /l/index.json: no such file or directory');
    expect(calls).toHaveLength(1);
  });

  it('runs trivy without the TRIVY_* variables that would drop findings from the report', () => {
    const env = trivyEnv({
      PATH: '/bin',
      TRIVY_VEX: 'vex.json',
      TRIVY_IGNORE_POLICY: 'p.rego',
      TRIVY_PKG_TYPES: 'os',
      TRIVY_SKIP_DIRS: '/app',
      TRIVY_CACHE_DIR: '/c',
      TRIVY_USERNAME: 'u',
    });
    expect(env).toEqual({ PATH: '/bin', TRIVY_CACHE_DIR: '/c', TRIVY_USERNAME: 'u' });
  });

  it('picks the useful line out of Trivy logs', () => {
    // Both default DB repositories refused: ghcr.io's answer says what the limit is.
    expect(failureReason(RATE_LIMITED)).toBe(
      'GET https://ghcr.io/v2/aquasecurity/trivy-db/manifests/2: TOOMANYREQUESTS: retry-after: 127.702µs, allowed: 44000/minute',
    );
    const mirrorOnly = RATE_LIMITED.split('\n')
      .filter((l) => !l.includes('ghcr.io'))
      .join('\n');
    expect(failureReason(mirrorOnly)).toBe('GET https://mirror.gcr.io/v2/aquasec/trivy-db/manifests/2: unexpected status code 429 Too Many Requests');
    // A FATAL multi-error continues on the following "* ..." lines: all of it is the reason.
    expect(failureReason(trivyLog(['image', '--input', '/nope', '--format', 'json']))).toBe(
      'run error: image scan error: scan error: unable to initialize a scan service: unable to initialize the archive scan service: 2 errors occurred: ' +
        '* unable to open /nope as a Docker image: open /nope: no such file or directory * unable to open /nope as an OCI Image: stat /nope/index.json: no such file or directory',
    );
    expect(failureReason('')).toBe('(no output)');
  });
});

describe('scanning every platform of an index', () => {
  const layoutOf = (platforms: { os: string; architecture: string }[]) => ({
    dir: '/w/oci-layout',
    root: {
      descriptor: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:i', size: 1 },
      bytes: Buffer.alloc(0),
      blobs: [],
      children: platforms.map((platform, n) => ({
        descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${n}`, size: 1, platform },
        bytes: Buffer.alloc(0),
        blobs: [],
        children: [],
      })),
    },
  });

  it('runs trivy once per platform, skips attestation manifests, merges and deduplicates the findings', async () => {
    const dir = testTempDir('bas-multi-');
    const fixture = readFileSync(path.join(__dirname, '..', 'fixtures', 'trivy', 'debian-buster.json'), 'utf8');
    const { exec, calls } = recordingExec((c) => {
      writeFileSync(c.args[c.args.indexOf('--output') + 1], fixture);
      return {};
    });
    const layout = layoutOf([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
      { os: 'unknown', architecture: 'unknown' },
    ]);
    const r = await scanAllPlatforms(exec, { bin: 'trivy', version: 'x' }, layout, scan, dir, new MemoryReporter());
    // Each platform is scanned from its own one-image layout: no reliance on Trivy's platform pick.
    const inputs = calls.map((c) => c.args[c.args.indexOf('--input') + 1]);
    expect(inputs).toEqual([path.join(dir, 'scan-linux-amd64'), path.join(dir, 'scan-linux-arm64')]);
    expect(JSON.parse(readFileSync(path.join(inputs[1], 'index.json'), 'utf8')).manifests.map((m: { digest: string }) => m.digest)).toEqual(['sha256:1']);
    expect(readlinkSync(path.join(inputs[1], 'blobs'))).toBe('/w/oci-layout/blobs');
    expect(r.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(r.findings.map((f) => [f.id, f.target.split(']')[0] + ']'])).toEqual([
      ['CVE-2019-18276', '[linux/amd64, linux/arm64]'],
      ['CVE-2019-18224', '[linux/amd64, linux/arm64]'],
    ]);
    const merged = JSON.parse(readFileSync(r.reportFile, 'utf8'));
    expect(merged.SchemaVersion).toBe(2);
    expect(merged.Results).toHaveLength(2);
  });

  it('refuses an index with no platform to scan (fail closed)', async () => {
    const { exec } = recordingExec();
    await expect(
      scanAllPlatforms(
        exec,
        { bin: 'trivy', version: 'x' },
        layoutOf([{ os: 'unknown', architecture: 'unknown' }]),
        scan,
        testTempDir('bas-'),
        new MemoryReporter(),
      ),
    ).rejects.toThrow('names no platform to scan');
  });
});

describe('build output', () => {
  it.each(['buildah', 'docker'] as const)(
    '%s: what RUN steps print is logged between stop-commands markers, never run as a workflow command',
    async (builder) => {
      const req = request({ builder });
      const reporter = new MemoryReporter();
      const exec: Exec = async (command, args, options) => {
        options?.onLine?.('::set-output name=digest::sha256:evil', 'stdout');
        return { command, args, exitCode: 0, stdout: '', stderr: '', timedOut: false, ...writeDigest({ command, args }) };
      };
      await buildImage(exec, req, reporter);
      expectFenced(reporter.lines, '::set-output name=digest::sha256:evil');
    },
  );
});

describe('scanner output', () => {
  it('what trivy logs is shown between stop-commands markers, never run as a workflow command', async () => {
    const reporter = new MemoryReporter();
    const exec: Exec = async (command, args, options) => {
      options?.onLine?.('::set-output name=digest::sha256:evil', 'stderr');
      return { command, args, exitCode: 0, stdout: '', stderr: '', timedOut: false };
    };
    await runTrivy(exec, { bin: 'trivy', version: 'x' }, '/l', '/r', scan, testTempDir('bas-unit-'), reporter);
    expectFenced(reporter.lines, '::set-output name=digest::sha256:evil');
  });
});

/** `line` was logged between a ::stop-commands::<token> and the matching ::<token>:: (shown, never run). */
function expectFenced(lines: string[], line: string): void {
  const stop = lines.findIndex((l) => l.startsWith('::stop-commands::'));
  const token = lines[stop]?.slice('::stop-commands::'.length);
  expect(token).toMatch(/^[a-f0-9]{32}$/);
  expect(stop).toBeLessThan(lines.indexOf(line));
  expect(lines.indexOf(`::${token}::`)).toBeGreaterThan(lines.lastIndexOf(line));
}
