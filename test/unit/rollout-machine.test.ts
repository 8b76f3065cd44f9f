/**
 * The step machine with a fake deployer (which records every traffic change and where traffic
 * is) and a fake analysis (which answers a scripted verdict per analysis step): every
 * transition, an abort at each step, inconclusive handling, and a cancel (killed process) at
 * each step followed by the post step's abort from the saved state.
 */
import { abortLeftover, readState } from '../../src/rollout/cancel';
import { accepts, runRollout, type Deployer, type Policy, type RolloutState, type StepVerdict, type Verdict } from '../../src/rollout/machine';
import { parseSteps, validateSteps, type RolloutKind, type Step } from '../../src/rollout/steps';
import { MemoryReporter } from '../../src/toolkit/reporter';

const CANARY = `
- setWeight: 10
- analysis: {count: 5}
- setWeight: 50
- pause: {duration: 2m}
- analysis: {metrics: [error-rate]}
- setWeight: 100
- analysis: {count: 5, compareBaseline: false}
`;
const BLUE_GREEN = `
- preview
- analysis: {}
- promote
- analysis: {count: 5}
`;
const OFFER = { metrics: [{ name: 'error-rate', absolute: true }], otherChecks: false, compareBaseline: true };

function steps(text: string, kind: RolloutKind): Step[] {
  const s = parseSteps(text);
  validateSteps(s, kind, OFFER);
  return s;
}

/** Where traffic is, as a person looking at the cluster would see it. */
interface World {
  canaryWeight: number;
  live: 'old' | 'new';
  previewed: boolean;
  promoted: boolean;
  calls: string[];
}

class Killed extends Error {}

function fakeDeployer(kind: RolloutKind, world: World, opts: { failOn?: string; killOn?: string; abortFails?: boolean } = {}): Deployer {
  const act = (what: string, change: () => void) => {
    if (opts.killOn === what) throw new Killed(what); // the process dies before the change lands
    world.calls.push(what);
    if (opts.failOn === what) throw new Error(`${what} failed: helm upgrade timed out`);
    change();
  };
  return {
    kind,
    setWeight: async (w) => {
      act(`setWeight ${w}`, () => (world.canaryWeight = w));
      return { weight: w };
    },
    preview: async () => act('preview', () => (world.previewed = true)),
    switchTraffic: async () => act('switch', () => (world.live = 'new')),
    finish: async () => {
      act('finish', () => {
        world.promoted = true;
        world.canaryWeight = 0;
        world.live = 'new';
      });
      return { revision: '7' };
    },
    abort: async (state) => {
      world.calls.push(`abort from ${state.phase} at ${state.weight}`);
      if (opts.abortFails) throw new Error('helm uninstall failed');
      world.canaryWeight = 0;
      world.live = 'old';
    },
  };
}

const verdict = (
  v: Verdict,
  rule = v === 'pass' ? 'count-complete' : v === 'fail' ? 'failure-limit' : v === 'error' ? 'consecutive-error-limit' : 'not-enough-samples',
): StepVerdict => ({
  verdict: v,
  rule,
  reason: `scripted ${v}`,
  series: [{ metric: 'error-rate', samples: [{ atMs: 1, canary: 0.01, baseline: 0.01 }] }],
  report: { verdict: v },
});

function rig(
  kind: RolloutKind,
  verdicts: StepVerdict[],
  opts: Parameters<typeof fakeDeployer>[2] = {},
  policy: Policy = { inconclusiveIs: 'fail', failOn: 'any' },
) {
  const world: World = { canaryWeight: 0, live: 'old', previewed: false, promoted: false, calls: [] };
  const saved: RolloutState[] = [];
  let clock = 1_000_000;
  const analysed: { step: number; weight: number; count?: number; metrics?: string[]; compareBaseline?: boolean }[] = [];
  const deps = {
    deployer: fakeDeployer(kind, world, opts),
    analysis: {
      run: async (o: { count?: number; metrics?: string[]; compareBaseline?: boolean }, c: { step: number; weight: number }) => {
        analysed.push({ ...c, ...o });
        clock += 5_000;
        const v = verdicts.shift();
        if (!v) throw new Error('no scripted verdict left');
        return v;
      },
    },
    state: { save: (s: RolloutState) => saved.push(s) },
    policy,
    clock: () => clock,
    sleep: async (ms: number) => void (clock += ms),
    log: () => undefined,
  };
  return { world, saved, analysed, deps };
}

describe('canary: every transition to promoted', () => {
  it('moves traffic 10 -> 50 -> 100, judges after each step with its overrides, then promotes', async () => {
    const r = rig('canary', [verdict('pass'), verdict('pass'), verdict('pass')]);
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    expect(out).toMatchObject({ result: 'promoted', reachedWeight: 100, revision: '7' });
    expect(r.world.calls).toEqual(['setWeight 10', 'setWeight 50', 'setWeight 100', 'finish']);
    expect(r.world).toMatchObject({ promoted: true, canaryWeight: 0 });
    expect(r.analysed).toEqual([
      { step: 2, weight: 10, count: 5 },
      { step: 5, weight: 50, metrics: ['error-rate'] },
      { step: 7, weight: 100, count: 5, compareBaseline: false },
    ]);
    expect(out.timeline.map((e) => [e.what, e.weight, e.verdict ?? '', e.status])).toEqual([
      ['setWeight 10', 10, '', 'done'],
      ['analysis (count 5)', 10, 'pass', 'done'],
      ['setWeight 50', 50, '', 'done'],
      ['pause 120s', 50, '', 'done'],
      ['analysis (metrics error-rate)', 50, 'pass', 'done'],
      ['setWeight 100', 100, '', 'done'],
      ['analysis (count 5; max/min only)', 100, 'pass', 'done'],
      ['finish', 100, '', 'done'],
    ]);
    expect(out.timeline[3].durationMs).toBe(120_000); // the pause really waited
    expect(r.saved.map((s) => [s.phase, s.weight])).toEqual([
      ['progressing', 10],
      ['progressing', 50],
      ['progressing', 100],
      ['promoting', 100],
      ['promoted', 100],
    ]);
  });

  it('promotes from below 100 with an explicit final promote', async () => {
    const r = rig('canary', [verdict('pass')]);
    const out = await runRollout(steps('- setWeight: 20\n- analysis: {}\n- promote', 'canary'), r.deps);
    expect(out.result).toBe('promoted');
    expect(r.world.calls).toEqual(['setWeight 20', 'finish']);
  });
});

describe('canary: an abort at each step', () => {
  const analysisSteps = [2, 5, 7];
  it.each(analysisSteps.map((s, i) => [s, i]))('analysis at step %i fails: abort, traffic on stable, no later step runs', async (step, i) => {
    const verdicts = [...Array(i).fill(verdict('pass')), verdict('fail')];
    const r = rig('canary', verdicts);
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    const weight = [10, 50, 100][i];
    expect(out).toMatchObject({ result: 'aborted', reachedWeight: weight });
    expect(out.problem).toContain(`step ${step}: analysis at ${weight} % is fail (rule failure-limit)`);
    expect(r.world).toMatchObject({ canaryWeight: 0, promoted: false });
    expect(r.world.calls[r.world.calls.length - 1]).toBe(`abort from aborting at ${weight}`);
    expect(r.world.calls).not.toContain('finish');
    expect(out.timeline.slice(-2).map((e) => [e.step, e.status])).toEqual([
      [step, 'failed'],
      [out.timeline.length, 'aborted'],
    ]);
    expect(r.saved[r.saved.length - 1].phase).toBe('aborted');
  });

  it.each(['setWeight 10', 'setWeight 50', 'setWeight 100', 'finish'])('a deploy error at %s aborts too', async (failOn) => {
    const r = rig('canary', [verdict('pass'), verdict('pass'), verdict('pass')], { failOn });
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    expect(out.result).toBe('aborted');
    expect(out.problem).toContain('helm upgrade timed out');
    expect(r.world.canaryWeight).toBe(0);
  });

  it('an error verdict aborts; an abort that fails makes the result failed', async () => {
    const r = rig('canary', [verdict('error')], { abortFails: true });
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    expect(out.result).toBe('failed');
    expect(out.problem).toMatch(/is error .*the abort failed too: helm uninstall failed/);
    expect(r.saved[r.saved.length - 1].phase).toBe('aborting'); // post will try again
  });

  it('an analysis that throws is an error verdict, and aborts', async () => {
    const r = rig('canary', []);
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    expect(out.result).toBe('aborted');
    expect(out.analyses[0].verdict).toMatchObject({ verdict: 'error', rule: 'analysis-error', reason: 'no scripted verdict left' });
  });
});

describe('inconclusive handling', () => {
  it('aborts on inconclusive by default (inconclusive-is: fail)', async () => {
    const r = rig('canary', [verdict('inconclusive')]);
    expect((await runRollout(steps(CANARY, 'canary'), r.deps)).result).toBe('aborted');
  });
  it('goes on with inconclusive-is: pass, recording the verdict as accepted', async () => {
    const r = rig('canary', [verdict('inconclusive'), verdict('pass'), verdict('pass')], {}, { inconclusiveIs: 'pass', failOn: 'any' });
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    expect(out.result).toBe('promoted');
    expect(out.analyses[0]).toMatchObject({ accepted: true, verdict: { verdict: 'inconclusive' } });
  });
  it('never accepts an analysis that judged nothing, nor a configuration error', () => {
    const lenient: Policy = { inconclusiveIs: 'pass', failOn: 'any' };
    expect(accepts(verdict('inconclusive', 'no-metric-judged'), lenient)).toBe(false);
    expect(accepts(verdict('error', 'configuration-error'), { inconclusiveIs: 'pass', failOn: 'none' })).toBe(false);
    expect(accepts(verdict('fail'), lenient)).toBe(false);
    expect(accepts(verdict('fail'), { inconclusiveIs: 'fail', failOn: 'none' })).toBe(true);
  });
});

describe('blue/green: preview, analysis, promote', () => {
  it('previews, switches, judges after the switch, then retires the old colour', async () => {
    const r = rig('blue-green', [verdict('pass'), verdict('pass')]);
    const out = await runRollout(steps(BLUE_GREEN, 'blue-green'), r.deps);
    expect(out).toMatchObject({ result: 'promoted', reachedWeight: 100 });
    expect(r.world.calls).toEqual(['preview', 'switch', 'finish']);
    expect(r.analysed.map((a) => a.weight)).toEqual([0, 100]);
  });
  it('a failed preview analysis aborts before any user traffic moved', async () => {
    const r = rig('blue-green', [verdict('fail')]);
    const out = await runRollout(steps(BLUE_GREEN, 'blue-green'), r.deps);
    expect(out).toMatchObject({ result: 'aborted', reachedWeight: 0 });
    expect(r.world.calls).toEqual(['preview', 'abort from aborting at 0']);
  });
  it('a failed analysis after the switch switches back', async () => {
    const r = rig('blue-green', [verdict('pass'), verdict('fail')]);
    const out = await runRollout(steps(BLUE_GREEN, 'blue-green'), r.deps);
    expect(out.result).toBe('aborted');
    expect(r.world.live).toBe('old');
    expect(r.saved.find((s) => s.phase === 'aborting')).toMatchObject({ switched: true, weight: 100 });
  });
});

describe('cancel at each step: killed mid-rollout, then the post step', () => {
  const canaryChanges = ['setWeight 10', 'setWeight 50', 'setWeight 100', 'finish'];
  it.each(canaryChanges)('canary killed at %s: post aborts from the saved state, traffic back on stable', async (killOn) => {
    const r = rig('canary', [verdict('pass'), verdict('pass'), verdict('pass')], { killOn });
    await expect(runRollout(steps(CANARY, 'canary'), r.deps)).resolves.toMatchObject({ result: 'aborted' }); // in-process the machine still aborts…
    // …but a killed process does not: replay post on the state saved just before the kill
    const lastBeforeKill = r.saved[r.saved.findIndex((s) => s.phase === 'aborting') - 1];
    const state = readState(JSON.stringify(lastBeforeKill));
    expect(state?.phase).toBe(killOn === 'finish' ? 'promoting' : 'progressing');
    const world: World = { canaryWeight: 50, live: 'old', previewed: false, promoted: false, calls: [] };
    const postSaved: RolloutState[] = [];
    const reporter = new MemoryReporter();
    const did = await abortLeftover(
      state,
      async () => ({ deployer: fakeDeployer('canary', world), close: () => undefined }),
      (s) => postSaved.push(s),
      reporter,
    );
    expect(did).toBe('aborted');
    expect(world.canaryWeight).toBe(0);
    expect(world.calls).toEqual([`abort from ${state?.phase} at ${state?.weight}`]);
    expect(postSaved.map((s) => s.phase)).toEqual(['aborting', 'aborted']);
    expect(reporter.summaryMarkdown).toContain('Rollout aborted by its post step');
  });

  it.each(['preview', 'switch', 'finish'])('blue/green killed at %s: post aborts with what was reached', async (killOn) => {
    const r = rig('blue-green', [verdict('pass'), verdict('pass')], { killOn });
    await runRollout(steps(BLUE_GREEN, 'blue-green'), r.deps);
    const state = r.saved[r.saved.findIndex((s) => s.phase === 'aborting') - 1];
    expect(state.switched).toBe(killOn !== 'preview');
    const world: World = { canaryWeight: 0, live: 'new', previewed: true, promoted: false, calls: [] };
    await abortLeftover(
      state,
      async () => ({ deployer: fakeDeployer('blue-green', world), close: () => undefined }),
      () => undefined,
      new MemoryReporter(),
    );
    expect(world.live).toBe('old');
  });

  it('does nothing when main ended (promoted or aborted) or never saved a state', async () => {
    const open = jest.fn();
    for (const phase of ['promoted', 'aborted'] as const) {
      const state: RolloutState = { v: 1, kind: 'canary', phase, step: 3, weight: 50, previewed: false, switched: false };
      expect(await abortLeftover(state, open, () => undefined, new MemoryReporter())).toBe('finished');
    }
    expect(await abortLeftover(undefined, open, () => undefined, new MemoryReporter())).toBe('nothing-deployed');
    expect(open).not.toHaveBeenCalled();
  });

  it('retries an abort that main started but did not finish', async () => {
    const state: RolloutState = { v: 1, kind: 'canary', phase: 'aborting', step: 5, weight: 50, previewed: false, switched: false };
    const world: World = { canaryWeight: 50, live: 'old', previewed: false, promoted: false, calls: [] };
    await abortLeftover(
      state,
      async () => ({ deployer: fakeDeployer('canary', world), close: () => undefined }),
      () => undefined,
      new MemoryReporter(),
    );
    expect(world.canaryWeight).toBe(0);
  });
});

describe('first install', () => {
  it('skips the remaining steps when there was no stable version to compare with', async () => {
    const r = rig('canary', []);
    r.deps.deployer = { ...r.deps.deployer, setWeight: async () => ({ weight: 100, firstInstall: true }) };
    const out = await runRollout(steps(CANARY, 'canary'), r.deps);
    expect(out.result).toBe('promoted');
    expect(out.timeline.filter((e) => e.status === 'skipped')).toHaveLength(6);
    expect(r.analysed).toEqual([]);
  });
});
