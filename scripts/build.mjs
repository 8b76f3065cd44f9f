#!/usr/bin/env node
// Bundles every action with @vercel/ncc into dist/<name>/index.js (ESM, with the
// package.json ncc writes beside it). `node scripts/build.mjs promote-artifact` builds one.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, existsSync, renameSync, readFileSync, writeFileSync } from 'node:fs';
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
  // Build beside the old bundle and swap only on success, so a failed build never leaves an
  // action without its bundle.
  const out = join(root, 'dist', name);
  const next = join(root, 'dist', `.${name}.next`);
  rmSync(next, { recursive: true, force: true });
  const stats = join(root, 'dist', `.${name}.stats.json`);
  const r = spawnSync(process.execPath, [ncc, 'build', join('src', name, 'main.ts'), '-o', next, '--stats-out', stats, '-q'], {
    cwd: root,
    stdio: 'inherit',
  });
  // An action with a `post:` step (src/<name>/post.ts) gets a second bundle, dist/<name>/post/index.js.
  const post = existsSync(join(root, 'src', name, 'post.ts'))
    ? spawnSync(process.execPath, [ncc, 'build', join('src', name, 'post.ts'), '-o', join(next, 'post'), '--license', 'licenses.txt', '-q'], {
        cwd: root,
        stdio: 'inherit',
      })
    : { status: 0 };
  if (r.status !== 0 || post.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    rmSync(stats, { force: true });
    process.exit(r.status || post.status || 1);
  }
  writeFileSync(join(next, 'licenses.txt'), licenses(JSON.parse(readFileSync(stats, 'utf8'))));
  rmSync(stats, { force: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(next, out);
  console.log(`built dist/${name}/index.js`);
}

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
