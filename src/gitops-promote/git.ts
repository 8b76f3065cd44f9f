/**
 * The real git, run with argument arrays through the toolkit's exec. The token travels only as
 * an `http.<origin>/.extraheader` set through git's GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n /
 * GIT_CONFIG_VALUE_n environment (git >= 2.31), the way actions/checkout sends it: never in a
 * URL, a command line, a log line or a file (.git/config is not written), and the header value
 * is masked (with every derived form) the moment it is built.
 */
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import { lastLines, type Exec, type ExecResult } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import { basicAuthorization, scrubServiceText } from '../toolkit/secrets';

export interface GitOptions {
  exec: Exec;
  /** The working tree (created by clone). */
  dir: string;
  /** The remote, without credentials: https://..., http://..., git://..., file://..., ssh. */
  url: string;
  token?: string;
  reporter: Pick<Reporter, 'setSecret' | 'debug'>;
  env?: NodeJS.ProcessEnv;
}

export interface Identity {
  name: string;
  email: string;
}

/** What a rejected push looks like, as git prints it for each of the ways a ref moves under us. */
const RACE = /\[rejected\]|\(fetch first\)|non-fast-forward|cannot lock ref|failed to update ref|stale info|incorrect old value|reference already exists/;

/** True when a failed push lost a race (retry on the new head); false for hooks, permissions, network. */
export function lostRace(stderr: string): boolean {
  // Words only: a bare 403 would also match inside the commit ids git prints.
  if (/hook declined|protected branch|permission to \S+ denied|access denied|returned error: 40[13]\b|authentication failed/i.test(stderr)) return false;
  return RACE.test(stderr);
}

export class Git {
  private readonly env: NodeJS.ProcessEnv;
  private readonly secrets: string[] = [];

  constructor(private readonly o: GitOptions) {
    const base = { ...(o.env ?? process.env) };
    // Never prompt: a missing or refused credential fails instead of hanging the job.
    const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', GCM_INTERACTIVE: 'never' };
    if (o.token && /^https?:/.test(o.url)) {
      const header = basicAuthorization(o.reporter, 'x-access-token', o.token);
      const value = `AUTHORIZATION: ${header}`;
      o.reporter.setSecret(value);
      this.secrets.push(o.token, header, value);
      // Append after any configuration the job already passes this way.
      const n = Number(base.GIT_CONFIG_COUNT ?? 0) || 0;
      env.GIT_CONFIG_COUNT = String(n + 1);
      env[`GIT_CONFIG_KEY_${n}`] = `http.${new URL(o.url).origin}/.extraheader`;
      env[`GIT_CONFIG_VALUE_${n}`] = value;
    }
    this.env = env;
  }

  get dir(): string {
    return this.o.dir;
  }

  private async raw(args: readonly string[], cwd: string | undefined = this.o.dir): Promise<ExecResult> {
    this.o.reporter.debug(`git ${args.join(' ')}`);
    return this.o.exec('git', args, { cwd, env: this.env, timeoutMs: 300_000 });
  }

  private async ok(args: readonly string[], cwd?: string): Promise<ExecResult> {
    const r = await this.raw(args, cwd);
    if (r.exitCode !== 0 || r.timedOut) throw this.failure(args, r);
    return r;
  }

  private failure(args: readonly string[], r: ExecResult): ServiceError {
    const said = scrubServiceText(lastLines(r.stderr.trim() || r.stdout, 4), this.secrets);
    return new ServiceError(
      `git ${args[0]}`,
      r.timedOut ? 'timed out' : `exited with ${r.exitCode}: ${said}`,
      'Check the repository URL, the branch and that the token may read and push to it',
    );
  }

  /** Shallow clone of one branch (`--depth 1 --single-branch --no-tags`) into `dir`. */
  async clone(branch: string): Promise<void> {
    await this.ok(
      ['clone', '--quiet', '--depth', '1', '--single-branch', '--no-tags', '--branch', branch, '--', this.o.url, this.o.dir],
      path.dirname(this.o.dir),
    );
  }

  /** Fetches one branch's head (shallow) and returns its commit, or undefined when the branch does not exist. */
  async fetchBranch(branch: string): Promise<string | undefined> {
    const r = await this.raw(['fetch', '--quiet', '--depth', '1', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
    if (r.exitCode !== 0) {
      if (/couldn't find remote ref|not our ref|no such ref/i.test(r.stderr)) return undefined;
      throw this.failure(['fetch'], r);
    }
    return this.revParse(`refs/remotes/origin/${branch}`);
  }

  /** Puts the work tree exactly at `commit` (a clean start for re-applying the edit). */
  async resetTo(commit: string): Promise<void> {
    // Only the one tracked file is ever written, so a hard reset is a clean start.
    await this.ok(['reset', '--quiet', '--hard', commit]);
  }

  async revParse(rev: string): Promise<string> {
    return (await this.ok(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).stdout.trim();
  }

  /** Commits exactly `files` with the given message and author (also the committer). Returns the commit. */
  async commit(files: readonly string[], message: string, author: Identity): Promise<string> {
    const id = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
    const r = await this.o.exec('git', ['commit', '--quiet', '--no-verify', '--file', '-', '--only', '--', ...files], {
      cwd: this.o.dir,
      env: { ...this.env, ...id },
      input: message,
    });
    if (r.exitCode !== 0) throw this.failure(['commit'], r);
    return this.revParse('HEAD');
  }

  /** Pushes HEAD to a branch, never forced. `rejected` when the branch moved meanwhile. */
  async push(branch: string): Promise<{ ok: true } | { ok: false; rejected: boolean; error: ServiceError }> {
    const args = ['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`];
    const r = await this.raw(args);
    if (r.exitCode === 0) return { ok: true };
    const text = `${r.stdout}\n${r.stderr}`;
    return { ok: false, rejected: lostRace(text), error: this.failure(args, { ...r, stderr: text }) };
  }

  /** True when `ancestor` is `descendant` or one of its ancestors (fetches `descendant` first). */
  async contains(descendant: string, ancestor: string, branch: string): Promise<boolean> {
    if (descendant === ancestor) return true;
    const have = await this.raw(['cat-file', '-e', `${descendant}^{commit}`]);
    if (have.exitCode !== 0) {
      // A fetch without --depth stops at commits we have (ours among them), so it brings exactly
      // the commits pushed after ours when Argo CD's revision descends from it.
      await this.raw(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
      if ((await this.raw(['cat-file', '-e', `${descendant}^{commit}`])).exitCode !== 0) return false;
    }
    return (await this.raw(['merge-base', '--is-ancestor', ancestor, descendant])).exitCode === 0;
  }
}
