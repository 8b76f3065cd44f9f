/**
 * Concurrent promotions into one manifests repository served by `git daemon` (receive-pack, the
 * bare repository refusing non-fast-forward updates as a protected branch does): two bundle
 * processes, then twenty promotions in one process through the real git. All land, no commit
 * is lost, history stays linear, and a writer touching the same file in between is kept.
 */
import { rmSync } from 'node:fs';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { exec, type Exec } from '../../src/toolkit/exec';
import { parseInputs } from '../../src/gitops-promote/inputs';
import { run } from '../../src/gitops-promote/run';
import { runAction } from '../harness/run-action';
import { createManifestsRepo, startGitDaemon, type GitDaemon, type ManifestsRepo } from '../helpers/git-repos';

const SERVICES = Array.from({ length: 20 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
const OLD = `sha256:${'0'.repeat(64)}`;
const digestFor = (i: number, round: string) => `sha256:${round}${String(i).padStart(2, '0')}`.padEnd(71, 'e');
const values = (svc: string) => `# ${svc} in prod\nimage:\n  repository: registry.example.com/shop/${svc}  # mirrored\n  digest: ${OLD}\n`;
const file = (svc: string) => `envs/prod/${svc}/values.yaml`;

let repo: ManifestsRepo;
let daemon: GitDaemon;
beforeAll(async () => {
  repo = createManifestsRepo(Object.fromEntries(SERVICES.map((s) => [file(s), values(s)])));
  daemon = await startGitDaemon(repo.root);
});
afterAll(async () => {
  await daemon?.stop();
  repo?.cleanup();
});

/** Each commit's only parent is the next one down: linear, nothing dropped. */
function expectLinear(since: string, landed: number): void {
  const log = repo.log();
  const at = log.findIndex((c) => c.sha === since);
  expect(at).toBe(landed);
  for (let i = 0; i < at; i++) expect(log[i].parents).toEqual([log[i + 1].sha]);
}

const inputsFor = (svc: string, d: string) =>
  parseInputs(
    {
      repository: daemon.url('acme/manifests'),
      format: 'helm-values',
      path: file(svc),
      image: `registry.example.com/shop/${svc}`,
      digest: d,
      environment: 'prod',
    },
    { GITHUB_SERVER_URL: 'https://github.com' },
  );

it('two bundle processes promoting different services at once both land', async () => {
  const start = repo.head();
  const results = await Promise.all(
    [0, 1].map((i) =>
      runAction('gitops-promote', {
        repository: daemon.url('acme/manifests'),
        format: 'helm-values',
        path: file(SERVICES[i]),
        image: `registry.example.com/shop/${SERVICES[i]}`,
        digest: digestFor(i, 'a'),
      }),
    ),
  );
  for (const r of results) rmSync(r.tempDir, { recursive: true, force: true });
  for (const r of results) expect([r.exitCode, r.errors]).toEqual([0, []]);
  for (const i of [0, 1]) expect(repo.show(file(SERVICES[i]))).toBe(values(SERVICES[i]).replace(OLD, digestFor(i, 'a')));
  expectLinear(start, 2);
  const shas = repo.log().map((c) => c.sha);
  for (const r of results) expect(shas).toContain(r.outputs['commit-sha']);
});

it('twenty concurrent promotions of different services all land, each re-applied on the head it lost to', async () => {
  const start = repo.head();
  const reporters = SERVICES.map(() => new MemoryReporter());
  const deps = {
    exec,
    fetch,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    now: Date.now,
    env: { ...process.env, RUNNER_TEMP: undefined },
  };
  const outputs = await Promise.all(SERVICES.map((svc, i) => run(inputsFor(svc, digestFor(i, 'b')), deps, reporters[i])));
  SERVICES.forEach((svc, i) => expect(repo.show(file(svc))).toBe(values(svc).replace(OLD, digestFor(i, 'b'))));
  expectLinear(start, 20);
  const shas = new Set(repo.log().map((c) => c.sha));
  for (const o of outputs) expect(shas.has(o['commit-sha'])).toBe(true);
  expect(outputs.every((o) => o.changed === 'true')).toBe(true);
  // Some lost a race and said so; the bound (push-attempts 20) was never reached.
  expect(reporters.some((r) => r.log.includes('rejected (the branch moved)'))).toBe(true);
});

it('a writer changing the same file between our clone and our push is kept: the edit is applied to its version', async () => {
  const svc = SERVICES[0];
  let pushes = 0;
  const racing: Exec = async (command, args, options) => {
    if (command === 'git' && args[0] === 'push' && pushes++ === 0) {
      repo.commitFiles({ [file(svc)]: repo.show(file(svc)).replace('  # mirrored', '  # mirrored\n  pullPolicy: Always') }, 'someone else');
    }
    return exec(command, args, options);
  };
  const reporter = new MemoryReporter();
  const out = await run(inputsFor(svc, digestFor(0, 'c')), { exec: racing, fetch, sleep: async () => undefined, now: Date.now, env: process.env }, reporter);
  expect(out.changed).toBe('true');
  expect(repo.show(file(svc))).toBe(
    `# ${svc} in prod\nimage:\n  repository: registry.example.com/shop/${svc}  # mirrored\n  pullPolicy: Always\n  digest: ${digestFor(0, 'c')}\n`,
  );
  const [ours, theirs] = repo.log();
  expect([ours.sha, ours.parents, theirs.subject]).toEqual([out['commit-sha'], [theirs.sha], 'someone else']);
  expect(reporter.log).toContain('attempt 2 of 20');
  expect(reporter.summaryMarkdown).toContain('| Push attempts | 2');
});
