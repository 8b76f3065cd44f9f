/**
 * The two builders, each writing the image to a local OCI layout directory and telling the
 * digest it produced: `docker buildx build --output type=oci` (digest from --metadata-file)
 * and `buildah bud` + `buildah push oci:` (digest from --digestfile). Command lines are built
 * by pure functions so unit tests can assert them; programs run through the injected Exec.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import { execOk, lastLines, type Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import { writePrivateFile } from '../toolkit/temp-files';
import { withWorkflowCommandsStopped } from '../toolkit/untrusted-output';
import type { BuildInputs, KeyValue } from './inputs';

export interface BuildRequest {
  inputs: BuildInputs;
  /** Final labels and annotations (GitHub context merged with the user's). */
  labels: KeyValue[];
  annotations: KeyValue[];
  /** A fresh directory this build may write in. */
  workDir: string;
}

export interface BuildResult {
  /** OCI image layout directory holding exactly the built image. */
  layoutDir: string;
  /** The manifest (or index) digest the builder reported. */
  reportedDigest: string;
}

export interface Command {
  command: string;
  args: string[];
}

interface Paths {
  layoutDir: string;
  digestFile: string;
  /** Build secret id -> file holding the value (never on a command line). */
  secretFiles: { id: string; file: string }[];
  localName: string;
}

const BUILDAH = ['--storage-driver', 'vfs'];

const pairs = (flag: string, kv: readonly KeyValue[]) => kv.flatMap(({ key, value }) => [flag, `${key}=${value}`]);
const repeat = (flag: string, values: readonly string[]) => values.flatMap((v) => [flag, v]);

/** Flags `buildah bud` and `docker buildx build` spell alike. */
function sharedBuildFlags(req: BuildRequest, p: Paths): string[] {
  const i = req.inputs;
  return [
    ...(i.platforms.length ? ['--platform', i.platforms.join(',')] : []),
    ...pairs('--build-arg', i.buildArgs),
    ...p.secretFiles.flatMap((s) => ['--secret', `id=${s.id},src=${s.file}`]),
    ...(i.target ? ['--target', i.target] : []),
    ...pairs('--label', req.labels),
    ...pairs('--annotation', req.annotations),
  ];
}

export function buildahCommands(req: BuildRequest, p: Paths): { build: Command; push: Command; cleanup: Command } {
  const i = req.inputs;
  const multi = i.platforms.length > 1;
  const args = [
    ...BUILDAH,
    'bud',
    '--isolation',
    'chroot',
    '--format',
    'oci',
    '--file',
    i.file,
    ...(multi ? ['--manifest', p.localName] : ['--tag', p.localName]),
    ...sharedBuildFlags(req, p),
    ...(i.cacheFrom.length || i.cacheTo.length ? ['--layers'] : []),
    ...repeat('--cache-from', i.cacheFrom),
    ...repeat('--cache-to', i.cacheTo),
    i.context,
  ];
  const dest = `oci:${p.layoutDir}`;
  return {
    build: { command: 'buildah', args },
    push: multi
      ? { command: 'buildah', args: [...BUILDAH, 'manifest', 'push', '--all', '--digestfile', p.digestFile, p.localName, dest] }
      : { command: 'buildah', args: [...BUILDAH, 'push', '--digestfile', p.digestFile, p.localName, dest] },
    cleanup: multi ? { command: 'buildah', args: [...BUILDAH, 'manifest', 'rm', p.localName] } : { command: 'buildah', args: [...BUILDAH, 'rmi', p.localName] },
  };
}

export function dockerCommand(req: BuildRequest, p: Paths): Command {
  const i = req.inputs;
  return {
    command: 'docker',
    args: [
      'buildx',
      'build',
      '--file',
      i.file,
      ...i.tags.flatMap((t) => ['--tag', `${i.image}:${t}`]),
      ...sharedBuildFlags(req, p),
      ...repeat('--cache-from', i.cacheFrom),
      ...repeat('--cache-to', i.cacheTo),
      '--output',
      `type=oci,dest=${p.layoutDir},tar=false`,
      '--metadata-file',
      p.digestFile,
      i.context,
    ],
  };
}

export function buildPaths(req: BuildRequest, nonce = randomBytes(6).toString('hex')): Paths {
  return {
    layoutDir: path.join(req.workDir, 'oci-layout'),
    digestFile: path.join(req.workDir, req.inputs.builder === 'docker' ? 'buildx-metadata.json' : 'digest'),
    secretFiles: req.inputs.secrets.map((s, n) => ({ id: s.key, file: path.join(req.workDir, 'secrets', `${n}`) })),
    localName: `localhost/shipline-build-and-scan:${nonce}`,
  };
}

export async function buildImage(exec: Exec, req: BuildRequest, reporter: Reporter, nonce?: string): Promise<BuildResult> {
  const p = buildPaths(req, nonce);
  const log = (line: string) => reporter.info(line);
  try {
    writeSecretFiles(req.inputs.secrets, p); // inside the try: a half-written set is removed too
    if (req.inputs.builder === 'buildah') {
      const c = buildahCommands(req, p);
      reporter.info(`Building with buildah: ${req.inputs.file}`);
      // RUN steps print what they like: none of it may act as a workflow command
      await withWorkflowCommandsStopped(reporter, async () => {
        await execOk(exec, c.build.command, c.build.args, { onLine: log });
        try {
          await execOk(exec, c.push.command, c.push.args, { onLine: log });
        } finally {
          await exec(c.cleanup.command, c.cleanup.args).catch(() => undefined); // local store only; the layout is what counts
        }
      });
      return { layoutDir: p.layoutDir, reportedDigest: (await readReport(p.digestFile, 'buildah --digestfile')).trim() };
    }
    const c = dockerCommand(req, p);
    reporter.info(`Building with docker buildx: ${req.inputs.file}`);
    const r = await withWorkflowCommandsStopped(reporter, () => exec(c.command, c.args, { onLine: log }));
    if (r.exitCode !== 0) {
      const hint = /not supported for the docker driver/i.test(r.stderr)
        ? 'The default docker driver cannot export OCI images: run docker/setup-buildx-action first (docker-container driver) or use builder: buildah'
        : 'See the build log above';
      throw new ServiceError('docker buildx', `build failed (exit ${r.exitCode}): ${lastLines(r.stderr || r.stdout)}`, hint);
    }
    const meta = JSON.parse(await readReport(p.digestFile, 'buildx --metadata-file')) as Record<string, unknown>;
    const digest = meta['containerimage.digest'];
    if (typeof digest !== 'string' || !digest)
      throw new ServiceError('docker buildx', 'the metadata file has no containerimage.digest', 'Upgrade buildx; the digest cannot be proven without it');
    return { layoutDir: p.layoutDir, reportedDigest: digest };
  } finally {
    rmSync(path.join(req.workDir, 'secrets'), { recursive: true, force: true });
  }
}

function writeSecretFiles(secrets: readonly KeyValue[], p: Paths): void {
  if (secrets.length === 0) return;
  mkdirSync(path.dirname(p.secretFiles[0].file), { recursive: true, mode: 0o700 });
  secrets.forEach((s, n) => writePrivateFile(p.secretFiles[n].file, s.value));
}

async function readReport(file: string, what: string): Promise<string> {
  if (!existsSync(file))
    throw new ServiceError(
      'builder',
      `${what} was not written (${file})`,
      'The builder did not report the digest it built; nothing can be proven, so nothing is pushed',
    );
  return readFile(file, 'utf8');
}
