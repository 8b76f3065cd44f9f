/**
 * Lands one edit on a branch without ever forcing: build on the branch head, commit, push; when
 * the push is rejected because the branch moved (another promotion landed first), fetch the new
 * head, apply the edit again to the file as it is now, and push again after a jittered backoff,
 * at most `attempts` times. Re-applying (rather than rebasing our commit) means a concurrent
 * change to the same file is read, not overwritten, and a head that already holds the digest
 * ends the loop with no commit.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError, ServiceError } from '../toolkit/errors';
import type { Sleep } from '../toolkit/retry';
import type { Reporter } from '../toolkit/reporter';
import type { EditOutcome } from './edit';
import type { Git, Identity } from './git';

export interface LandOptions {
  git: Git;
  /** Branch pushed to. */
  branch: string;
  /** Commit the first attempt builds on. */
  start: string;
  /** Fetches the branch's head after a rejected push (undefined: the branch does not exist). */
  refetch: () => Promise<string | undefined>;
  /** The file to edit, relative to the work tree. */
  file: string;
  apply: (text: string) => EditOutcome;
  /** Throws when the edited tree is wrong (kustomize render, re-parse). */
  verify: (edit: EditOutcome) => Promise<void>;
  message: (edit: EditOutcome) => string;
  author: Identity;
  attempts: number;
  dryRun: boolean;
  sleep: Sleep;
  reporter: Pick<Reporter, 'info'>;
  random?: () => number;
}

export interface Landed {
  /** The commit that holds the change: ours, or the head that already held it. Empty in dry-run. */
  commit: string;
  changed: boolean;
  edit: EditOutcome;
  /** Pushes made, the successful one included. */
  attempts: number;
  /** Edited text of the file (what was committed, or would be in dry-run). */
  text: string;
}

/**
 * "Full jitter" (a uniform wait in [0, min(cap, base * 2^(n-1))]): writers that lost the same
 * race spread over the whole window instead of coming back together, so most of the next
 * round's pushes meet a branch nobody else is pushing to. A rejection means another push
 * landed, so the loop always makes progress.
 */
export function raceDelay(n: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (n - 1)));
}
const BASE_DELAY_MS = 300;
const MAX_DELAY_MS = 5000;

/** Reads the manifest at `file` in the work tree; a missing file is the user's `path`. */
export function readManifest(dir: string, file: string, branch: string): string {
  const full = path.join(dir, file);
  if (!existsSync(full) || !statSync(full).isFile()) {
    throw new InputError(
      'path',
      `${file} does not exist on branch ${branch} of the manifests repository`,
      'Check path (relative to the repository root) and branch',
    );
  }
  return readFileSync(full, 'utf8');
}

export async function land(o: LandOptions): Promise<Landed> {
  let head = o.start;
  for (let n = 1; ; n++) {
    await o.git.resetTo(head);
    const before = readManifest(o.git.dir, o.file, o.branch);
    const edit = o.apply(before);
    if (!edit.changed) return { commit: head, changed: false, edit, attempts: n - 1, text: before };
    writeFileSync(path.join(o.git.dir, o.file), edit.text);
    await o.verify(edit);
    if (o.dryRun) return { commit: '', changed: true, edit, attempts: 0, text: edit.text };
    const commit = await o.git.commit([o.file], o.message(edit), o.author);
    const pushed = await o.git.push(o.branch);
    if (pushed.ok) return { commit, changed: true, edit, attempts: n, text: edit.text };
    if (!pushed.rejected) throw pushed.error;
    if (n >= o.attempts) {
      throw new ServiceError(
        'git push',
        `rejected ${n} times: ${o.branch} kept moving under other pushes`,
        'Raise push-attempts, or serialise promotions to this branch with a concurrency group',
      );
    }
    const wait = raceDelay(n, o.random);
    o.reporter.info(
      `Push to ${o.branch} rejected (the branch moved); fetching its new head and applying the edit again in ${wait} ms (attempt ${n + 1} of ${o.attempts})`,
    );
    await o.sleep(wait);
    const next = await o.refetch();
    if (!next) throw new ServiceError('git fetch', `${o.branch} vanished after a rejected push`, 'Check whether the branch is being deleted');
    head = next;
  }
}
