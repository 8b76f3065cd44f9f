/**
 * GitHub REST API double for the pull-request calls (API version 2022-11-28): list, create and
 * update pulls, answered in the shape of the REST reference's examples (`pulls/list`,
 * `pulls/create` 201, the 422 "A pull request already exists" validation error, 401 "Bad
 * credentials"). It checks the head branch exists in the real bare repository, as GitHub does,
 * and records every call with its Authorization header.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  url: string;
  authorization: string;
  body?: Record<string, unknown>;
}

export interface GitHubApiDouble {
  url: string;
  calls: RecordedCall[];
  pulls: Record<string, unknown>[];
  stop: () => Promise<void>;
}

const DOCS = 'https://docs.github.com/rest/pulls/pulls';

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

/** `headSha(ref)` reads the branch from the real repository (undefined: no such branch). */
export async function startGitHubApiDouble(o: {
  owner: string;
  repo: string;
  token: string;
  webUrl: string;
  headSha: (ref: string) => string | undefined;
}): Promise<GitHubApiDouble> {
  const calls: RecordedCall[] = [];
  const pulls: Record<string, unknown>[] = [];
  const fullName = `${o.owner}/${o.repo}`;
  const user = { login: 'shipline-bot', id: 1, node_id: 'MDQ6VXNlcjE=', type: 'Bot', site_admin: false };
  const repoObj = {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name: o.repo,
    full_name: fullName,
    owner: user,
    private: true,
    html_url: `${o.webUrl}/${fullName}`,
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      calls.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization ?? '', body });
      const send = (status: number, data: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28' }).end(JSON.stringify(data));
      if (req.headers.authorization !== `Bearer ${o.token}`)
        return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      const u = new URL(req.url ?? '/', 'http://x');
      const prefix = `/repos/${o.owner}/${o.repo}/pulls`;
      if (req.method === 'GET' && u.pathname === prefix) {
        const q = u.searchParams;
        const list = pulls.filter(
          (p) =>
            (q.get('state') ?? 'open') === p.state &&
            (!q.get('base') || (p.base as { ref: string }).ref === q.get('base')) &&
            (!q.get('head') || (p.head as { label: string }).label === q.get('head')),
        );
        const per = Number(q.get('per_page') ?? 30);
        const page = Number(q.get('page') ?? 1);
        return send(200, list.slice((page - 1) * per, page * per));
      }
      if (req.method === 'POST' && u.pathname === prefix) {
        const { title, head, base } = (body ?? {}) as Record<string, string>;
        const sha = o.headSha(head);
        if (!sha)
          return send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
            documentation_url: `${DOCS}#create-a-pull-request`,
            status: '422',
          });
        if (pulls.some((p) => p.state === 'open' && (p.head as { ref: string }).ref === head)) {
          return send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${o.owner}:${head}.` }],
            documentation_url: `${DOCS}#create-a-pull-request`,
            status: '422',
          });
        }
        const number = pulls.length + 1;
        const now = new Date().toISOString();
        const pull = {
          url: `${u.origin}${prefix}/${number}`,
          id: 1000 + number,
          node_id: `MDExOlB1bGxSZXF1ZXN0${number}`,
          html_url: `${o.webUrl}/${fullName}/pull/${number}`,
          diff_url: `${o.webUrl}/${fullName}/pull/${number}.diff`,
          patch_url: `${o.webUrl}/${fullName}/pull/${number}.patch`,
          number,
          state: 'open',
          locked: false,
          title,
          user,
          body: (body as Record<string, string>).body ?? null,
          labels: [],
          created_at: now,
          updated_at: now,
          closed_at: null,
          merged_at: null,
          merge_commit_sha: null,
          draft: false,
          head: { label: `${o.owner}:${head}`, ref: head, sha, user, repo: repoObj },
          base: { label: `${o.owner}:${base}`, ref: base, sha: o.headSha(base) ?? '', user, repo: repoObj },
          author_association: 'CONTRIBUTOR',
          merged: false,
          mergeable: null,
          comments: 0,
          commits: 1,
          additions: 1,
          deletions: 1,
          changed_files: 1,
        };
        pulls.push(pull);
        return send(201, pull);
      }
      const one = new RegExp(`^${prefix}/(\\d+)$`).exec(u.pathname);
      if (req.method === 'PATCH' && one) {
        const pull = pulls.find((p) => p.number === Number(one[1]));
        if (!pull) return send(404, { message: 'Not Found', documentation_url: `${DOCS}#update-a-pull-request`, status: '404' });
        Object.assign(pull, { title: body?.title ?? pull.title, body: body?.body ?? pull.body, updated_at: new Date().toISOString() });
        (pull.head as { sha: string }).sha = o.headSha((pull.head as { ref: string }).ref) ?? '';
        return send(200, pull);
      }
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, pulls, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
