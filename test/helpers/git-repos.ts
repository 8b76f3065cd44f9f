/**
 * Real git for the gitops tests: bare repositories on disk (file://), served by `git daemon` on
 * loopback (git://, receive-pack enabled), or by `git http-backend` behind a small Node HTTP
 * server that asks for a Basic credential (smart HTTP, the protocol GitHub speaks), recording
 * every request's path and Authorization header.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from './registry';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
};

export function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ManifestsRepo {
  /** Directory holding `<name>.git` (the daemon's and http server's base path). */
  root: string;
  bare: string;
  fileUrl: string;
  /** The file at `file` on `branch` as the bare repository holds it now. */
  show(file: string, branch?: string): string;
  /** `git log --format=%H %P %s` of the branch, newest first. */
  log(branch?: string): { sha: string; parents: string[]; subject: string }[];
  branches(): string[];
  /** Commits `files` on `branch` from outside (another writer). Returns the new head. */
  commitFiles(files: Record<string, string>, message: string, branch?: string): string;
  head(branch?: string): string;
  cleanup(): void;
}

/** A bare repository `<root>/<owner>/<name>.git` whose `main` holds `files` in one commit. */
export function createManifestsRepo(files: Record<string, string>, name = 'acme/manifests'): ManifestsRepo {
  const root = mkdtempSync(path.join(tmpdir(), 'shipline-gitops-remote-'));
  const bare = path.join(root, `${name}.git`);
  mkdirSync(bare, { recursive: true });
  git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  git(['config', 'receive.denyNonFastForwards', 'true'], bare); // as hosted branch protection: a force push would fail
  git(['config', 'http.receivepack', 'true'], bare);
  const repo: ManifestsRepo = {
    root,
    bare,
    fileUrl: `file://${bare}`,
    show: (file, branch = 'main') => git(['show', `${branch}:${file}`], bare),
    log: (branch = 'main') =>
      git(['log', '--format=%H %P|%s', branch], bare)
        .trim()
        .split('\n')
        .map((l) => {
          const [ids, subject] = l.split('|');
          const [sha, ...parents] = ids.trim().split(' ');
          return { sha, parents, subject };
        }),
    branches: () => git(['for-each-ref', '--format=%(refname:short)', 'refs/heads'], bare).trim().split('\n').filter(Boolean),
    head: (branch = 'main') => git(['rev-parse', branch], bare).trim(),
    commitFiles: (more, message, branch = 'main') => {
      const work = mkdtempSync(path.join(tmpdir(), 'shipline-gitops-writer-'));
      try {
        git(['clone', '--quiet', '--branch', branch, repo.fileUrl, work]);
        for (const [f, text] of Object.entries(more)) {
          mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
          writeFileSync(path.join(work, f), text);
        }
        git(['add', '-A'], work);
        git(['commit', '--quiet', '-m', message], work);
        git(['push', '--quiet', 'origin', `HEAD:${branch}`], work);
        return git(['rev-parse', 'HEAD'], work).trim();
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  const work = mkdtempSync(path.join(tmpdir(), 'shipline-gitops-seed-'));
  try {
    git(['init', '--quiet', '--initial-branch=main', work]);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
      writeFileSync(path.join(work, f), text);
    }
    git(['add', '-A'], work);
    git(['commit', '--quiet', '-m', 'seed manifests'], work);
    git(['push', '--quiet', bare, 'HEAD:main'], work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return repo;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface GitDaemon {
  url: (name: string) => string;
  stop: () => Promise<void>;
}

/** `git daemon --export-all --enable=receive-pack --base-path=<root>` on a free loopback port. */
export async function startGitDaemon(root: string): Promise<GitDaemon> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', '--enable=receive-pack', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root],
    {
      stdio: 'ignore',
    },
  );
  await waitForPort(port);
  return {
    url: (name) => `git://127.0.0.1:${port}/${name}.git`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface GitHttpServer {
  url: (name: string) => string;
  /** Every request: method, path with query, Authorization header (or ''). */
  requests: { method: string; url: string; authorization: string }[];
  stop: () => Promise<void>;
}

/** Smart HTTP through `git http-backend`; only `expected` (an Authorization header value) gets in. */
export async function startGitHttp(root: string, expected: string): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization });
    if (authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="manifests"' }).end('unauthorized');
      return;
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (sent) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const [k, ...v] = line.split(':');
        if (k.toLowerCase() === 'status') status = Number(v.join(':').trim().split(' ')[0]);
        else headers[k] = v.join(':').trim();
      }
      res.writeHead(status, headers);
      sent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    requests,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
