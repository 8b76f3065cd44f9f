/** The landing loop's rules, over a scripted git: retry only lost races, re-read the new head each time, stop at the bound, never commit a no-op. */
import type { EditOutcome } from '../../src/gitops-promote/edit';
import type { Git } from '../../src/gitops-promote/git';
import { land, raceDelay, type LandOptions } from '../../src/gitops-promote/land';
import { ServiceError } from '../../src/toolkit/errors';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

type PushAnswer = 'ok' | 'race' | 'refused';

function scriptedGit(dir: string, heads: string[], pushes: PushAnswer[]) {
  const log: string[] = [];
  let fetched = 0;
  let pushed = 0;
  const git = {
    dir,
    resetTo: async (commit: string) => {
      log.push(`reset ${commit}`);
      writeFileSync(path.join(dir, 'values.yaml'), `digest: ${commit === 'h-done' ? 'new' : 'old'}\n`);
    },
    commit: async () => {
      log.push('commit');
      return `c${log.filter((l) => l === 'commit').length}`;
    },
    push: async () => {
      const a = pushes[pushed++] ?? 'ok';
      log.push(`push ${a}`);
      if (a === 'ok') return { ok: true as const };
      return { ok: false as const, rejected: a === 'race', error: new ServiceError('git push', a) };
    },
  } as unknown as Git;
  const refetch = async () => {
    const h = heads[fetched++];
    log.push(`fetch ${h}`);
    return h;
  };
  return { git, refetch, log };
}

const apply = (t: string): EditOutcome => ({ original: t, text: 'digest: new\n', changed: t !== 'digest: new\n', before: t.trim(), after: 'new', notes: [] });

describe('land', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'shipline-land-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const options = (s: ReturnType<typeof scriptedGit>): LandOptions => ({
    git: s.git,
    branch: 'main',
    start: 'h0',
    refetch: s.refetch,
    file: 'values.yaml',
    apply,
    verify: async () => undefined,
    message: () => 'm',
    author: { name: 'a', email: 'a@example.com' },
    attempts: 3,
    dryRun: false,
    sleep: async () => undefined,
    reporter: { info: () => undefined },
    random: () => 0.5,
  });

  it('after a lost race, fetches, re-applies on the new head and pushes again', async () => {
    const s = scriptedGit(dir, ['h1'], ['race', 'ok']);
    const r = await land(options(s));
    expect([r.commit, r.attempts, r.changed]).toEqual(['c2', 2, true]);
    expect(s.log).toEqual(['reset h0', 'commit', 'push race', 'fetch h1', 'reset h1', 'commit', 'push ok']);
  });

  it('stops without a commit when the new head already holds the change', async () => {
    const s = scriptedGit(dir, ['h-done'], ['race']);
    const r = await land(options(s));
    expect([r.commit, r.changed, r.attempts]).toEqual(['h-done', false, 1]);
    expect(s.log.filter((l) => l === 'commit')).toHaveLength(1);
  });

  it('does not retry a refused push, and gives up after push-attempts races', async () => {
    const refused = scriptedGit(dir, [], ['refused']);
    await expect(land(options(refused))).rejects.toThrow('git push: refused');
    expect(refused.log).toEqual(['reset h0', 'commit', 'push refused']);
    const busy = scriptedGit(dir, ['h1', 'h2', 'h3'], ['race', 'race', 'race']);
    await expect(land(options(busy))).rejects.toThrow('rejected 3 times: main kept moving');
    expect(busy.log.filter((l) => l.startsWith('push'))).toHaveLength(3);
  });

  it('waits a full-jitter delay: uniform up to 300 ms doubling per attempt, capped at 5 s', () => {
    expect([1, 2, 3, 5, 10].map((n) => raceDelay(n, () => 1))).toEqual([300, 600, 1200, 4800, 5000]);
    expect(raceDelay(4, () => 0)).toBe(0);
  });
});
