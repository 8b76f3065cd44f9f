/**
 * gitops-promote: clone the manifests branch (shallow, one branch), point the image at the
 * digest, verify, and land it by push (race-safe, see land.ts) or by one pull request per
 * environment and image; then, when asked, wait for the Argo CD application to be Synced and
 * Healthy at that commit. Outputs and the summary are written on failure too.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { errorLine, InputError, ServiceError } from '../toolkit/errors';
import type { Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import type { Sleep } from '../toolkit/retry';
import { makeTempDir } from '../toolkit/temp-files';
import { waitForApplication, type ArgoCdState } from './argocd';
import { editManifest, type EditOutcome, type ImageEdit } from './edit';
import { Git, type Identity } from './git';
import { GitHubPulls, pullRequestMarker, type Fetch, type PullRequest } from './github';
import { MESSAGE_BODY, type GitopsInputs } from './inputs';
import { land, type Landed } from './land';
import { changedLines, gitopsSummary } from './summary';
import { renderTemplate, type TemplateValues } from './template';
import { findSetterFile } from './flux-setters';
import { expectedValues, verifyKustomize, verifySetters, verifyValues } from './verify';

export interface GitopsDeps {
  exec: Exec;
  fetch: Fetch;
  sleep: Sleep;
  now: () => number;
  env: NodeJS.ProcessEnv;
  /** Argo CD poll interval (ms); by default timeout / 30, between 0.5 s and 5 s. */
  argoIntervalMs?: number;
  random?: () => number;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The file to edit, relative to the work tree: a kustomize directory resolves to its kustomization file. */
function manifestFile(dir: string, inputs: GitopsInputs): string {
  const full = path.join(dir, inputs.path);
  if (inputs.format === 'kustomize' && existsSync(full) && statSync(full).isDirectory()) {
    const found = KUSTOMIZATION_FILES.find((f) => existsSync(path.join(full, f)));
    if (!found)
      throw new InputError(
        'path',
        `${inputs.path} holds no kustomization.yaml on branch ${inputs.branch}`,
        'Point path at the overlay directory of the environment',
      );
    return path.posix.join(inputs.path, found);
  }
  if (inputs.format === 'flux-setters' && existsSync(full) && statSync(full).isDirectory()) return findSetterFile(dir, inputs.path, inputs.policy ?? '');
  return inputs.path;
}

function parseAuthor(text: string): Identity {
  const m = /^(.+?) <(.+)>$/.exec(text.trim());
  return { name: m?.[1] ?? text, email: m?.[2] ?? '' };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'image';

export async function run(inputs: GitopsInputs, deps: GitopsDeps, reporter: Reporter): Promise<Record<string, string>> {
  const tmp = makeTempDir('shipline-gitops-', deps.env);
  const git = new Git({ exec: deps.exec, dir: path.join(tmp, 'repo'), url: inputs.repository.url, token: inputs.token, reporter, env: deps.env });
  const env = deps.env;
  const edit: ImageEdit = { ...inputs };
  const base: TemplateValues = {
    environment: inputs.environment,
    image: inputs.image,
    digest: inputs.digest,
    'short-digest': inputs.digest.slice('sha256:'.length, 'sha256:'.length + 12),
    previous: '',
    path: inputs.path,
    actor: env.GITHUB_ACTOR ?? '',
    sha: env.GITHUB_SHA ?? '',
    'run-url': `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY ?? ''}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
    'source-repository': env.GITHUB_REPOSITORY ?? '',
  };
  const values = (e?: EditOutcome): TemplateValues => ({ ...base, previous: e?.before ?? '' });
  const author = parseAuthor(renderTemplate(inputs.commitAuthor, values()));
  const github = inputs.repository.github;
  const commitLink = (sha: string) => (github?.webUrl ? `[${sha.slice(0, 12)}](${github.webUrl}/commit/${sha})` : sha.slice(0, 12));

  const outputs: Record<string, string> = {
    'commit-sha': '',
    'pull-request-url': '',
    changed: 'false',
    'sync-status': '',
    'health-status': '',
    'previous-image': '',
  };
  const facts = {
    environment: inputs.environment,
    repository: inputs.repository.display,
    branch: inputs.branch,
    file: inputs.path,
    before: '?',
    after:
      inputs.format === 'kustomize' || inputs.format === 'flux-setters' || inputs.value === 'reference' ? `${inputs.image}@${inputs.digest}` : inputs.digest,
    result: 'nothing landed',
    attempts: 0,
    notes: [] as string[],
    diff: '',
    argocd: undefined as { application: string; sync: string; health: string } | undefined,
  };
  const report = async (error?: string) => {
    for (const [k, v] of Object.entries(outputs)) reporter.setOutput(k, v);
    await reporter.summary(gitopsSummary({ ...facts, error }));
  };

  try {
    reporter.info(`Cloning ${inputs.repository.display} (${inputs.branch}, depth 1)`);
    await git.clone(inputs.branch);
    const start = await git.revParse('HEAD');
    const file = manifestFile(git.dir, inputs);
    facts.file = file;
    const verify = async (e: EditOutcome) => {
      if (!inputs.verify) return;
      if (inputs.format === 'kustomize') await verifyKustomize(deps.exec, path.join(git.dir, path.posix.dirname(file)), inputs.image, inputs.digest);
      else if (inputs.format === 'flux-setters') verifySetters(e.text, file, edit);
      else verifyValues(e.text, file, expectedValues(edit));
      reporter.info(
        `Verified ${file}: ${inputs.format === 'kustomize' ? `kubectl kustomize renders ${inputs.image}@${inputs.digest}` : 'the path reads the new value'}`,
      );
    };
    // A one-line template is the title; the body then says what changed and where it came from.
    const template = inputs.commitMessage.includes('\n') ? inputs.commitMessage : `${inputs.commitMessage}\n\n${MESSAGE_BODY}`;
    const message = (e: EditOutcome) => renderTemplate(template, values(e));
    const common = {
      git,
      file,
      apply: (t: string) => editManifest(t, file, edit),
      verify,
      message,
      author,
      attempts: inputs.pushAttempts,
      dryRun: inputs.dryRun,
      sleep: deps.sleep,
      reporter,
      random: deps.random,
    };

    let landed: Landed;
    let pull: PullRequest | undefined;
    if (inputs.mode === 'push' || inputs.dryRun) {
      landed = await land({ ...common, branch: inputs.branch, start, refetch: () => git.fetchBranch(inputs.branch) });
    } else {
      // A base that already holds the digest needs no pull request.
      const onBase = await land({ ...common, dryRun: true, branch: inputs.branch, start, refetch: async () => start });
      if (!onBase.changed) landed = onBase;
      else {
        const pulls = new GitHubPulls({ apiUrl: github!.apiUrl, owner: github!.owner, repo: github!.name, token: inputs.token, fetch: deps.fetch, reporter });
        const marker = pullRequestMarker(inputs.environment, inputs.image);
        const open = await pulls.findOpen(inputs.branch, marker);
        const head = open?.head.ref ?? `shipline/${slug(inputs.environment)}/${slug(inputs.image.split('/').pop() ?? '')}-${base['short-digest']}`;
        const headStart = open ? await git.fetchBranch(head) : start;
        if (!headStart)
          throw new ServiceError(
            'git fetch',
            `the branch ${head} of open pull request #${open!.number} is gone`,
            'Close that pull request; the next run opens a new one',
          );
        landed = await land({ ...common, branch: head, start: headStart, refetch: () => git.fetchBranch(head) });
        const [title, ...rest] = message(landed.edit).split('\n');
        const body = `${rest.join('\n').trim()}\n\n${marker}\n`;
        if (open) {
          pull = landed.changed ? await pulls.update(open.number, { title, body }) : open;
          facts.notes.push(`updated open pull request #${open.number} instead of opening another`);
        } else pull = await pulls.create({ title, body, head, base: inputs.branch });
      }
    }
    facts.before = landed.edit.before;
    facts.after = landed.edit.after;
    facts.notes.push(...landed.edit.notes);
    facts.attempts = landed.attempts;
    facts.diff = landed.changed ? changedLines(landed.edit.original, landed.edit.text) : '';
    outputs['previous-image'] = landed.edit.before;
    outputs.changed = String(landed.changed);
    outputs['commit-sha'] = landed.commit;
    if (pull) outputs['pull-request-url'] = pull.html_url;
    if (inputs.dryRun) facts.result = 'dry-run: verified, nothing pushed';
    else if (pull)
      facts.result = `Pull request [#${pull.number}](${pull.html_url}) (${landed.changed ? commitLink(landed.commit) : 'already holds the digest'})`;
    else if (landed.changed) facts.result = `Committed ${commitLink(landed.commit)} to ${inputs.branch}`;
    else facts.result = `No change: ${inputs.branch} at ${commitLink(landed.commit)} already holds the digest`;
    reporter.info(`${facts.result.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')}`);

    if (inputs.argocd && !inputs.dryRun) {
      const argo = inputs.argocd;
      facts.argocd = { application: argo.application, sync: '', health: '' };
      if (pull) {
        facts.argocd = { application: argo.application, sync: 'not waited (pull request not merged)', health: '' };
      } else {
        const seen = (s: ArgoCdState) => {
          outputs['sync-status'] = s.sync;
          outputs['health-status'] = s.health;
          facts.argocd = { application: argo.application, sync: `${s.sync} at ${s.revision.slice(0, 12) || '(none)'}`, health: s.health };
        };
        await waitForApplication(argo, landed.commit, {
          fetch: deps.fetch,
          reporter,
          contains: (rev) => git.contains(rev, landed.commit, inputs.branch),
          sleep: deps.sleep,
          now: deps.now,
          // About 30 reads per timeout, between 0.5 s and 5 s apart.
          intervalMs: deps.argoIntervalMs ?? Math.min(5000, Math.max(500, Math.round(argo.timeoutMs / 30))),
          onState: seen,
        });
        reporter.info(`Argo CD ${argo.application}: Synced and Healthy at ${outputs['commit-sha'].slice(0, 12)}`);
      }
    }
    await report();
    return outputs;
  } catch (err) {
    await report(errorLine(err));
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
