#!/usr/bin/env node
// Bundles every action with @vercel/ncc into dist/<name>/index.js (ESM, with the
// package.json ncc writes beside it). `node scripts/build.mjs promote-artifact` builds one.
// ncc runs transpile-only: `npm run typecheck` checks src, test and bench together (CI runs it
// before the build), so type-checking each bundle again only cost time. Bundles build in
// parallel, one per core.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, existsSync, renameSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const all = readdirSync(join(root, 'src'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'src', d.name, 'main.ts')))
  .map((d) => d.name)
  .sort();
const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : all;
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

for (const name of names) {
  if (!all.includes(name)) {
    console.error(`No src/${name}/main.ts; actions are: ${all.join(', ')}`);
    process.exit(1);
  }
}

const scratch = new Set();
/** An interrupted build leaves no half-written dist/.<name>.next behind. */
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const path of scratch) rmSync(path, { recursive: true, force: true });
    process.exit(130);
  });
}

/** `ncc build entry -o out -t -q [...extra]`; resolves to its exit status. */
function nccBuild(entry, out, extra) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ncc, 'build', entry, '-o', out, '-t', '-q', ...extra], { cwd: root, stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Builds one action beside its old bundle and swaps only on success, so a failed build never leaves an action without its bundle. */
async function build(name) {
  const out = join(root, 'dist', name);
  const next = join(root, 'dist', `.${name}.next`);
  const stats = join(root, 'dist', `.${name}.stats.json`);
  scratch.add(next).add(stats);
  rmSync(next, { recursive: true, force: true });
  // An action with a `post:` step (src/<name>/post.ts) gets a second bundle, dist/<name>/post/index.js.
  const [main, post] = await Promise.all([
    nccBuild(join('src', name, 'main.ts'), next, ['--stats-out', stats]),
    existsSync(join(root, 'src', name, 'post.ts')) ? nccBuild(join('src', name, 'post.ts'), join(next, 'post'), ['--license', 'licenses.txt']) : 0,
  ]);
  if (main !== 0 || post !== 0) {
    rmSync(next, { recursive: true, force: true });
    rmSync(stats, { force: true });
    return main || post;
  }
  writeFileSync(join(next, 'licenses.txt'), licenses(JSON.parse(readFileSync(stats, 'utf8'))));
  rmSync(stats, { force: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(next, out);
  scratch.delete(next);
  scratch.delete(stats);
  console.log(`built dist/${name}/index.js`);
  return 0;
}

const queue = [...names];
let failed = 0;
await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) failed ||= await build(name);
  }),
);
if (failed) process.exit(failed);

/**
 * licenses.txt for every package in any chunk of the bundle (ncc's --license lists only one
 * chunk's, and the AWS SDK and @actions/tool-cache live in chunks loaded on demand), in ncc's
 * format: name, license, license text, blank line.
 */
function licenses(stats) {
  const packages = new Set();
  const walk = (modules) => {
    for (const m of modules ?? []) {
      const found = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m.name ?? '');
      if (found) packages.add(found[1]);
      walk(m.modules);
    }
  };
  walk(stats.modules);
  return [...packages]
    .sort()
    .map((pkg) => {
      const dir = join(root, 'node_modules', pkg);
      const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
      const text = file ? readFileSync(join(dir, file), 'utf8').trim() : '';
      return `${pkg}\n${typeof meta.license === 'string' ? meta.license : (meta.license?.type ?? 'UNKNOWN')}\n${text}\n`;
    })
    .join('\n');
}
