/**
 * The pull-request calls of the GitHub REST API (2022-11-28): list open pulls of a base branch
 * (`GET /repos/{owner}/{repo}/pulls`), create (`POST .../pulls`) and update (`PATCH
 * .../pulls/{pull_number}`). Plain fetch: no Octokit in the bundle for three calls. A Shipline
 * pull request is recognised by a marker in its body naming the environment and image, so a
 * later promotion updates it instead of opening a second one.
 */
import { ServiceError } from '../toolkit/errors';
import type { Reporter } from '../toolkit/reporter';
import { bearerAuthorization, scrubServiceText } from '../toolkit/secrets';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** The fields of a pull request (GitHub's "pull request simple" schema) this action reads. */
export interface PullRequest {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body: string | null;
  head: { ref: string; sha: string; repo: { full_name: string } | null };
  base: { ref: string };
}

/** `<!-- shipline:gitops-promote environment=prod image=reg/app -->`: one open PR per pair. */
export function pullRequestMarker(environment: string, image: string): string {
  return `<!-- shipline:gitops-promote environment=${environment} image=${image} -->`;
}

export class GitHubPulls {
  private readonly auth: string;

  constructor(
    private readonly o: { apiUrl: string; owner: string; repo: string; token: string; fetch: Fetch; reporter: Pick<Reporter, 'setSecret' | 'debug'> },
  ) {
    this.auth = bearerAuthorization(o.reporter, o.token);
  }

  private async call<T>(method: string, route: string, body?: unknown): Promise<{ status: number; data: T }> {
    const url = `${this.o.apiUrl}/repos/${encodeURIComponent(this.o.owner)}/${encodeURIComponent(this.o.repo)}${route}`;
    this.o.reporter.debug(`GitHub API ${method} ${url}`);
    let res: Response;
    try {
      res = await this.o.fetch(url, {
        method,
        headers: {
          authorization: this.auth,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'shipline-gitops-promote',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'error',
      });
    } catch (e) {
      throw new ServiceError('GitHub API', `${method} ${route} failed: ${(e as Error).message}`, 'Check GITHUB_API_URL and the network');
    }
    const text = await res.text();
    if (res.status >= 300 && res.status !== 422) {
      throw new ServiceError(
        'GitHub API',
        `${method} ${route} answered ${res.status}: ${scrubServiceText(text.slice(0, 400), [this.o.token])}`,
        'The token needs pull-requests: write and contents: write on the manifests repository',
      );
    }
    return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Open pulls into `base` carrying `marker`, oldest first (up to 500 open pulls are read). */
  async findOpen(base: string, marker: string): Promise<PullRequest | undefined> {
    for (let page = 1; page <= 5; page++) {
      const q = new URLSearchParams({ state: 'open', base, sort: 'created', direction: 'asc', per_page: '100', page: String(page) });
      const { data } = await this.call<PullRequest[]>('GET', `/pulls?${q.toString()}`);
      const mine = data.find(
        (p) => (p.body ?? '').includes(marker) && p.head.repo?.full_name?.toLowerCase() === `${this.o.owner}/${this.o.repo}`.toLowerCase(),
      );
      if (mine) return mine;
      if (data.length < 100) return undefined;
    }
    return undefined;
  }

  /** Opens a pull request; when GitHub says one exists for the head already (422), returns that one. */
  async create(p: { title: string; body: string; head: string; base: string }): Promise<PullRequest> {
    const r = await this.call<PullRequest & { message?: string; errors?: { message?: string }[] }>('POST', '/pulls', { ...p, maintainer_can_modify: false });
    if (r.status === 422) {
      const q = new URLSearchParams({ state: 'open', head: `${this.o.owner}:${p.head}`, base: p.base });
      const { data } = await this.call<PullRequest[]>('GET', `/pulls?${q.toString()}`);
      if (data[0]) return data[0];
      const why = r.data.errors?.map((e) => e.message).join('; ') || r.data.message || 'validation failed';
      throw new ServiceError(
        'GitHub API',
        `POST /pulls answered 422: ${scrubServiceText(String(why), [this.o.token])}`,
        'Check that the branch exists and differs from the base',
      );
    }
    return r.data;
  }

  async update(number: number, p: { title: string; body: string }): Promise<PullRequest> {
    const r = await this.call<PullRequest>('PATCH', `/pulls/${number}`, p);
    if (r.status === 422) throw new ServiceError('GitHub API', `PATCH /pulls/${number} answered 422`, 'Check the pull request is still open');
    return r.data;
  }
}
