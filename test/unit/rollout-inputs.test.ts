/** rollout's inputs: the steps list (shape and rules between steps) and the deploy/analysis inputs parsed by their owners' parsers. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ecsLinearStepPercent, parseInputs } from '../../src/rollout/inputs';
import { parseSteps, validateSteps } from '../../src/rollout/steps';
import { inputError } from '../helpers/input-error';

const ROOT = path.resolve(__dirname, '..', '..');
const IMAGE = `registry.example.com/team/app@sha256:${'a'.repeat(64)}`;
const METRICS = `
- name: error-rate
  query: sum(rate(errors{track="canary"}[1m]))
  baseline: sum(rate(errors{track="stable"}[1m]))
  max: 0.05
- name: p99-latency
  query: histogram_quantile(0.99, rate(lat_bucket{track="canary"}[1m]))
  baseline: histogram_quantile(0.99, rate(lat_bucket{track="stable"}[1m]))
  max: 0.5
`;
const base = {
  release: 'shop',
  chart: 'charts/app',
  image: IMAGE,
  'prometheus-url': 'http://prometheus:9090',
  metrics: METRICS,
  steps: '- setWeight: 10\n- analysis: {count: 5}\n- setWeight: 100',
};
const parse = (over: Record<string, string>) => parseInputs({ ...base, ...over }, ROOT);
const problem = (over: Record<string, string>) => {
  const e = inputError(() => parse(over));
  return `${e.input}: ${e.problem}`;
};

describe('rollout inputs', () => {
  it("parses the deploy inputs with helm-deploy's parser and the analysis inputs with health-gate's", () => {
    const i = parse({ 'traffic-router': 'alb', interval: '10s' });
    expect(i.deploy).toMatchObject({ target: 'helm' });
    expect(i.deploy.target === 'helm' && i.deploy.helm).toMatchObject({
      action: 'deploy',
      strategy: 'canary',
      release: 'shop',
      trafficRouter: 'alb',
      image: { digest: `sha256:${'a'.repeat(64)}` },
    });
    expect(i.gate?.analysis).toMatchObject({ intervalMs: 10_000, count: 10 });
    expect(i.steps.map((s) => s.kind)).toEqual(['setWeight', 'analysis', 'setWeight']);
  });

  it('reads steps from a file relative to the workspace', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rollout-steps-'));
    try {
      writeFileSync(path.join(dir, 'steps.yaml'), '- setWeight: 25\n- setWeight: 100\n');
      mkdirChart(dir);
      const i = parseInputs({ ...base, chart: path.join(ROOT, 'charts/app'), steps: 'steps.yaml', metrics: '', 'prometheus-url': '' }, dir);
      expect(i.steps).toEqual([
        { kind: 'setWeight', index: 1, weight: 25 },
        { kind: 'setWeight', index: 2, weight: 100 },
      ]);
      expect(i.gate).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['- setWeight: 10\n- setWeight: 10\n- setWeight: 100', 'steps: step 2: setWeight 10 is not above the previous weight 10'],
    ['- setWeight: 50\n- setWeight: 20\n- setWeight: 100', 'steps: step 2: setWeight 20 is not above the previous weight 50'],
    ['- setWeight: 10\n- setWeight: 150', 'steps: step 2 (line 2): setWeight is 150, not a whole percentage 0-100'],
    ['- setWeight: 10\n- analysis: {}', 'steps: ends at weight 10, not 100'],
    ['- setWeight: 10\n- setweight: 100', "steps: step 2 (line 2): unknown key 'setweight'"],
    ['- setWeight: 10\n- analysis: {count: 5, interval: 1m}\n- setWeight: 100', "steps: step 2 (line 2): analysis has unknown key 'interval'"],
    [
      '- setWeight: 10\n- analysis: {metrics: [error-rates]}\n- setWeight: 100',
      "steps: step 2: analysis names metric 'error-rates', which the metrics input does not define",
    ],
    [
      '- setWeight: 10\n- analysis: {metrics: []}\n- setWeight: 100',
      'steps: step 2: analysis has nothing to judge (it names no metric and no urls or alarms are set)',
    ],
    ['- setWeight: 10\n- pause: {}\n- setWeight: 100', 'steps: step 2 (line 2): pause has no duration'],
    ['- setWeight: 10\n- pause: {duration: soon}\n- setWeight: 100', "steps: 'soon' is not a duration"],
    ['- analysis: {}\n- setWeight: 100', 'steps: step 1: analysis before the first setWeight has no canary to judge'],
    ['- setWeight: 10\n- promote\n- setWeight: 100', 'steps: step 2: promote must be the last step of a canary'],
    ['- preview', 'steps: step 1: preview applies to blue-green only'],
    ['- {setWeight: 10, pause: {duration: 1m}}', 'steps: step 1 (line 1) has 2 keys (setWeight, pause)'],
    ['setWeight: 10\nanalysis: {}', 'steps: is not a YAML list'],
    ['- setWeight: [10', 'steps: is not valid YAML'],
    ['no-such-file.yaml', "steps: 'no-such-file.yaml' is neither a YAML list of steps nor an existing file"],
  ])('refuses %j before anything is deployed', (steps, expected) => {
    expect(problem({ steps })).toContain(expected);
  });

  it("checks each analysis step's overrides with health-gate's own rules, naming the step", () => {
    const steps = '- setWeight: 10\n- analysis: {count: 3}\n- setWeight: 100';
    expect(problem({ 'min-samples': '5', steps })).toMatch(/^steps: step 2: analysis: min-samples 5 is more than/);
    expect(parse({ steps }).steps[1]).toEqual({ kind: 'analysis', index: 2, overrides: { count: 3 } }); // default min-samples follows the count
  });

  it('refuses an analysis step with nothing to judge: no metrics and no urls', () => {
    expect(problem({ metrics: '', 'prometheus-url': '' })).toBe('urls: is empty, and so are metrics and cloudwatch-alarms: there is nothing to check');
  });

  it('takes compareBaseline: false on a gate of URLs only (nothing to compare), but not a count or metrics there', () => {
    const urlsOnly = { metrics: '', 'prometheus-url': '', urls: 'http://shop/health' };
    const steps = '- setWeight: 10\n- analysis: {}\n- setWeight: 100\n- analysis: {compareBaseline: false}';
    expect(parse({ ...urlsOnly, steps }).steps.map((s) => s.kind)).toEqual(['setWeight', 'analysis', 'setWeight', 'analysis']);
    expect(problem({ ...urlsOnly, steps: '- setWeight: 10\n- analysis: {count: 3}\n- setWeight: 100' })).toBe(
      'steps: step 2: analysis: metrics is empty, so a step cannot override count or metrics',
    );
  });

  it("refuses a missing required deploy input by helm-deploy's own words", () => {
    expect(problem({ release: '' })).toBe('release: is required but was empty');
    expect(problem({ image: '' })).toBe('image: is required for deploy');
    expect(problem({ image: 'registry.example.com/team/app:1.0' })).toContain("image: 'registry.example.com/team/app:1.0' has no digest");
  });

  it('says how to write an ECS linear rollout when strategy is linear, and names the promote step ECS does not take', () => {
    expect(problem({ strategy: 'linear' })).toBe(
      'strategy: linear is written as its steps here: an ECS linear deployment is strategy canary with equal setWeight increments',
    );
    const ecs = { target: 'ecs', service: 'web', images: `app=${IMAGE}`, 'aws-region': 'us-east-1' };
    expect(problem({ ...ecs, steps: '- setWeight: 10\n- analysis: {}\n- promote' })).toBe(
      'steps: step 3: promote ends a helm canary, but an ECS canary ends when ECS has shifted all production traffic',
    );
  });

  it('refuses rolling, and an unknown target', () => {
    expect(problem({ strategy: 'rolling' })).toBe('strategy: rolling has no traffic steps to roll out');
    expect(problem({ target: 'lambda' })).toBe("target: 'lambda' is not one of helm, ecs");
  });

  it('blue/green takes preview, analysis, promote and refuses weights', () => {
    const bg = parse({ strategy: 'blue-green', steps: '- preview\n- analysis: {}\n- promote\n- analysis: {count: 5}' });
    expect(bg.kind).toBe('blue-green');
    expect(problem({ strategy: 'blue-green', steps: '- setWeight: 10\n- promote' })).toContain('step 1: setWeight does not apply to blue-green');
    expect(problem({ strategy: 'blue-green', steps: '- preview\n- analysis: {}' })).toBe('steps: has no promote step');
  });
});

describe('target ecs: linear step lists', () => {
  const ecs = { target: 'ecs', service: 'web', images: `app=${IMAGE}`, 'aws-region': 'us-east-1', release: '', chart: '', image: '' };
  const linear = [20, 40, 60, 80, 100].map((w) => `- setWeight: ${w}\n- analysis: {}`).join('\n');

  it('maps equal weight increments to the ECS LINEAR step percent, and nothing else', () => {
    expect(ecsLinearStepPercent([20, 40, 60, 80, 100])).toBe(20);
    expect(ecsLinearStepPercent([25, 50, 75, 100])).toBe(25);
    expect(ecsLinearStepPercent([30, 60, 90, 100])).toBe(30); // ECS shifts the last 10 % in its last step
    expect(ecsLinearStepPercent([10, 100])).toBeUndefined(); // the ECS canary
    expect(ecsLinearStepPercent([10, 50, 100])).toBeUndefined();
    expect(ecsLinearStepPercent([20, 40, 100])).toBeUndefined(); // 60 % in one step is not linear
    expect(ecsLinearStepPercent([2, 4, 100])).toBeUndefined(); // below ECS's 3 % minimum step
  });

  it('takes a linear step list for ECS: strategy linear, stepPercent 20, step bake time 0 (each step is held by a PAUSE hook)', () => {
    const i = parse({ ...ecs, steps: linear });
    expect(i.kind).toBe('canary');
    expect(i.deploy.target === 'ecs' && i.deploy.ecs).toMatchObject({
      strategy: 'linear',
      native: { linearStepPercent: 20, linearStepBakeTimeMinutes: 0, pauseAt: 'none' },
    });
    const thirty = parse({ ...ecs, steps: '- setWeight: 30\n- setWeight: 60\n- setWeight: 90\n- setWeight: 100' });
    expect(thirty.deploy.target === 'ecs' && thirty.deploy.ecs.native.linearStepPercent).toBe(30);
  });

  it('takes the ECS canary (setWeight P, analyses, setWeight 100): strategy canary, canaryPercent P, canary bake time 0', () => {
    const i = parse({ ...ecs, steps: '- setWeight: 20\n- analysis: {}\n- setWeight: 100' });
    expect(i.deploy.target === 'ecs' && i.deploy.ecs).toMatchObject({ strategy: 'canary', native: { canaryPercent: 20, canaryBakeTimeMinutes: 0 } });
  });

  it('refuses weight lists that are neither one canary percent nor equal increments, naming the step that breaks them', () => {
    const e = inputError(() => parse({ ...ecs, steps: '- setWeight: 10\n- analysis: {}\n- setWeight: 50\n- setWeight: 100' }));
    expect(e.input).toBe('steps');
    expect(e.problem).toBe(
      'step 3: setWeight 50 in setWeight 10, 50, 100: after setWeight 10 ECS shifts either all the rest (canary: 100) or one more equal increment (linear: 20)',
    );
    expect(e.fix).toContain('equal increments S, 2S, ... then 100 with S at least 3');
    expect(problem({ ...ecs, steps: '- setWeight: 20\n- setWeight: 40\n- setWeight: 100' })).toBe(
      'steps: step 3: setWeight 100 in setWeight 20, 40, 100: ECS linear steps of 20 % go on with setWeight 60',
    );
    expect(problem({ ...ecs, steps: '- setWeight: 20\n- setWeight: 40\n- setWeight: 70\n- setWeight: 100' })).toBe(
      'steps: step 3: setWeight 70 in setWeight 20, 40, 70, 100: ECS linear steps of 20 % go on with setWeight 60',
    );
    expect(problem({ ...ecs, steps: '- setWeight: 60\n- setWeight: 90\n- setWeight: 100' })).toBe(
      'steps: step 2: setWeight 90 in setWeight 60, 90, 100: after setWeight 60 ECS shifts all the rest: setWeight 100',
    );
    expect(problem({ ...ecs, steps: '- setWeight: 2\n- setWeight: 4\n- setWeight: 100' })).toBe(
      'steps: step 2: setWeight 4 in setWeight 2, 4, 100: ECS linear steps are 3-100 % (stepPercent), not 2',
    );
    expect(problem({ ...ecs, steps: '- setWeight: 0\n- setWeight: 100' })).toBe(
      'steps: step 1: setWeight 0 in setWeight 0, 100: the first ECS traffic shift is 1-99 % (3-99 % for linear steps)',
    );
    expect(problem({ ...ecs, steps: '- setWeight: 40\n- setWeight: 80\n- promote' })).toBe(
      'steps: step 3: promote ends a helm canary, but an ECS canary ends when ECS has shifted all production traffic',
    );
  });

  it('refuses the weights before any ECS input is parsed: the step error comes first', () => {
    expect(problem({ ...ecs, service: '', steps: '- setWeight: 10\n- setWeight: 50\n- setWeight: 100' })).toMatch(/^steps: step 2: setWeight 50/);
  });
});

describe('steps shapes', () => {
  it("reads Argo Rollouts' forms: bare preview/promote, pause in seconds or a duration", () => {
    const s = parseSteps('- preview\n- pause: {duration: 30}\n- pause: {duration: 1m30s}\n- analysis:\n- promote: {}');
    expect(s).toEqual([
      { kind: 'preview', index: 1 },
      { kind: 'pause', index: 2, durationMs: 30_000 },
      { kind: 'pause', index: 3, durationMs: 90_000 },
      { kind: 'analysis', index: 4, overrides: {} },
      { kind: 'promote', index: 5 },
    ]);
    expect(() => validateSteps(s, 'blue-green', { metrics: [], otherChecks: true, compareBaseline: true })).not.toThrow();
  });
});

function mkdirChart(_dir: string): void {
  // the chart is given as an absolute path: nothing to create
}
