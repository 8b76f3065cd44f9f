/**
 * Inputs of rollout: `target`, `steps`, and the deploy and analysis inputs under the names
 * (and with the parsers) of the actions that own them: helm-deploy's for target helm,
 * ecs-deploy's for target ecs, health-gate's for the analysis. No copies: the specs below are
 * built from theirs, and the contract test checks that action.yml repeats their descriptions
 * and defaults. `wait` means a boolean to helm-deploy and a duration to ecs-deploy: it has no
 * default here, so each parser applies its own.
 */
import {
  HEALTH_GATE_INPUTS as GATE_INPUTS,
  parseHealthGateInputs as parseGateInputs,
  withStepOverrides,
  type HealthGateInputs as GateInputs,
} from '../health-gate/library';
import { INPUTS as ECS_DEPLOY_INPUTS, parseInputs as parseEcsDeployInputs, type EcsDeployInputs } from '../ecs-deploy/library';
import { HELM_DEPLOY_INPUTS, parseHelmDeployInputs, type HelmDeployInputs } from '../helm-deploy/library';
import { InputError } from '../toolkit/errors';
import { parseEnum, rawValue, type InputSpec, type InputSpecs, type RawInputs } from '../toolkit/inputs';
import { parseSteps, readStepsText, validateSteps, type AnalysisOffer, type RolloutKind, type Step } from './steps';

/** helm-deploy inputs a rollout sets itself: the action, the weight (from steps), rollback's revision, dry-run. */
export const HELM_INPUTS_NOT_TAKEN = ['action', 'canary-weight', 'revision', 'dry-run'] as const;
/** ecs-deploy inputs a rollout sets itself: the action, the follow-up ids, and what the steps decide (percentages, bake, pauses). */
export const ECS_INPUTS_NOT_TAKEN = [
  'action',
  'decision',
  'service-deployment-arn',
  'hook-id',
  'codedeploy-deployment-id',
  'canary-percent',
  'canary-bake-time',
  'linear-step-percent',
  'linear-step-bake-time',
  'pause-at',
  'wait-at-ready',
] as const;
/** Shared inputs whose default differs on purpose (the contract test allows exactly these). */
export const OWN_DEFAULTS: Record<string, string | undefined> = { strategy: 'canary', wait: undefined };
/** Shared inputs described in rollout's own words (a rollout has no rolling strategy; one report for all steps; wait and aws-region serve two owners). */
export const OWN_DESCRIPTIONS = ['strategy', 'report-file', 'aws-region', 'wait'] as const;
/** The actions whose inputs rollout takes under their names (and parses with their parsers). */
export const INPUT_OWNERS = ['helm-deploy', 'ecs-deploy', 'health-gate'] as const;
/** Inputs of an owner that rollout does not take (set by the rollout itself). */
export const NOT_TAKEN: Record<string, readonly string[]> = { 'helm-deploy': HELM_INPUTS_NOT_TAKEN, 'ecs-deploy': ECS_INPUTS_NOT_TAKEN, 'health-gate': [] };

type HelmName = Exclude<keyof typeof HELM_DEPLOY_INPUTS, (typeof HELM_INPUTS_NOT_TAKEN)[number]>;
type EcsName = Exclude<keyof typeof ECS_DEPLOY_INPUTS, (typeof ECS_INPUTS_NOT_TAKEN)[number]>;
type GateName = keyof typeof GATE_INPUTS;

const notRequired = (s: InputSpec): InputSpec => ({ ...(s.default !== undefined && { default: s.default }) });

/** An owner's specs as rollout declares them: required only for that target (its parser still refuses them empty there). */
function taken(specs: InputSpecs, notTaken: readonly string[]): Record<string, InputSpec> {
  return Object.fromEntries(
    Object.entries(specs)
      .filter(([n]) => !notTaken.includes(n))
      .map(([n, s]) => [n, n in OWN_DEFAULTS ? (OWN_DEFAULTS[n] === undefined ? {} : { default: OWN_DEFAULTS[n] }) : notRequired(s)]),
  );
}
const HELM_TAKEN = taken(HELM_DEPLOY_INPUTS, HELM_INPUTS_NOT_TAKEN) as Record<HelmName, InputSpec>;
const ECS_TAKEN = taken(ECS_DEPLOY_INPUTS, ECS_INPUTS_NOT_TAKEN) as Record<EcsName, InputSpec>;

export const INPUTS = {
  target: { default: 'helm' },
  steps: { required: true },
  ...HELM_TAKEN,
  ...ECS_TAKEN,
  ...(GATE_INPUTS as Record<GateName, InputSpec>),
} as const satisfies InputSpecs;

export const OUTPUTS = ['result', 'reached-weight', 'analysis-report', 'revision', 'task-definition-arn'] as const;

export const TARGETS = ['helm', 'ecs'] as const;
export type Target = (typeof TARGETS)[number];

export type DeployInputs = { target: 'helm'; helm: HelmDeployInputs } | { target: 'ecs'; ecs: EcsDeployInputs };

export interface RolloutInputs {
  deploy: DeployInputs;
  kind: RolloutKind;
  /** Undefined when no step analyses and no analysis input is set. */
  gate?: GateInputs;
  steps: Step[];
  reportFile?: string;
}

function pick<N extends string>(raw: Record<string, string | undefined>, names: readonly N[]): Record<N, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, raw[n]])) as Record<N, string | undefined>;
}

/** The analysis' offer to the steps: metric names, what else judges, the settings steps override. */
export function analysisOffer(gate: GateInputs): AnalysisOffer {
  return {
    metrics: (gate.analysis?.metrics ?? []).map((m) => ({ name: m.name, absolute: m.max !== undefined || m.min !== undefined })),
    otherChecks: gate.http !== undefined || (gate.analysis?.alarms.length ?? 0) > 0,
    compareBaseline: gate.analysis?.compareBaseline ?? true,
  };
}

/** health-gate's own checks of each step's overrides (min-samples against the step's count...), naming the step. */
function checkWithGate(steps: readonly Step[], gate: GateInputs): void {
  for (const s of steps) {
    if (s.kind !== 'analysis') continue;
    try {
      withStepOverrides(gate, s.overrides);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError('steps', `step ${s.index}: analysis: ${e.input} ${e.problem}`, e.fix);
    }
  }
}

/**
 * The ECS LINEAR step percent that `weights` (setWeight values in order) describe: equal
 * increments of the first weight up to 100 (20, 40, 60, 80, 100 -> 20; 30, 60, 90, 100 -> 30,
 * as ECS shifts the rest in its last step), at least three weights; undefined otherwise.
 * ECS linearConfiguration.stepPercent takes 3.0-100.0.
 */
export function ecsLinearStepPercent(weights: readonly number[]): number | undefined {
  const step = weights[0];
  if (weights.length < 3 || step < 3 || weights[weights.length - 1] !== 100) return undefined;
  const below = weights.slice(0, -1);
  if (!below.every((w, i) => w === step * (i + 1))) return undefined;
  return 100 - below[below.length - 1] <= step ? step : undefined;
}

/** How ECS moves production traffic for a canary's setWeight list (see ecsTraffic). */
export type EcsTraffic = { strategy: 'canary'; canaryPercent: number } | { strategy: 'linear'; stepPercent: number };

type SetWeightStep = Extract<Step, { kind: 'setWeight' }>;

/** The setWeight of `sw` that breaks both ECS shapes, with what ECS would do instead. */
function oddWeight(sw: readonly SetWeightStep[]): { step: SetWeightStep; why: string } | undefined {
  const first = sw[0];
  if (!first) return undefined;
  if (first.weight < 1 || first.weight > 99) return { step: first, why: 'the first ECS traffic shift is 1-99 % (3-99 % for linear steps)' };
  const last = sw[sw.length - 1];
  if (last.weight !== 100) return { step: last, why: 'ECS ends with all production traffic on the new revision: the last setWeight is 100' };
  if (sw.length > 2 && first.weight < 3) return { step: sw[1], why: `ECS linear steps are 3-100 % (stepPercent), not ${first.weight}` };
  const step = first.weight;
  for (let i = 1; i < sw.length; i++) {
    const prev = sw[i - 1].weight;
    // ECS's next shift: one more step, or all the rest when at most one step remains
    const next = step * (i + 1) >= 100 || (i === sw.length - 1 && 100 - prev <= step) ? 100 : step * (i + 1);
    if (sw[i].weight === next) continue;
    const why =
      i > 1
        ? `ECS linear steps of ${step} % go on with setWeight ${next}`
        : next === 100
          ? `after setWeight ${prev} ECS shifts all the rest: setWeight 100`
          : `after setWeight ${prev} ECS shifts either all the rest (canary: 100) or one more equal increment (linear: ${next})`;
    return { step: sw[i], why };
  }
  return undefined;
}

/**
 * How ECS moves a canary's traffic, from the setWeight values: one canary percent and then all
 * traffic (setWeight P, 100: strategy CANARY, canaryPercent P) or equal increments (setWeight S,
 * 2S, ..., 100: strategy LINEAR, stepPercent S, 3-100). A PAUSE hook at PRE_PRODUCTION_TRAFFIC_SHIFT
 * holds ECS before each of its shifts (ecs-deployer.ts). Any other list is refused, naming the
 * setWeight step that breaks it.
 */
export function ecsTraffic(steps: readonly Step[]): EcsTraffic {
  const sw = steps.filter((s): s is SetWeightStep => s.kind === 'setWeight');
  const weights = sw.map((s) => s.weight);
  const promote = steps.find((s) => s.kind === 'promote');
  if (promote)
    throw new InputError(
      'steps',
      `step ${promote.index}: promote ends a helm canary, but an ECS canary ends when ECS has shifted all production traffic`,
      'Write setWeight: 100 (then its analysis) instead of promote for target ecs',
    );
  if (weights.length === 2 && weights[0] >= 1 && weights[0] <= 99 && weights[1] === 100) return { strategy: 'canary', canaryPercent: weights[0] };
  const linear = ecsLinearStepPercent(weights);
  if (linear !== undefined) return { strategy: 'linear', stepPercent: linear };
  const fix =
    'Give setWeight P (1-99), its analysis steps, then setWeight 100 (an ECS canary), or equal increments S, 2S, ... then 100 with S at least 3 (an ECS linear deployment, e.g. 20, 40, 60, 80, 100), each followed by its analysis steps';
  const odd = oddWeight(sw);
  if (!odd) throw new InputError('steps', 'target ecs needs setWeight steps (ECS moves production traffic by percent)', fix);
  throw new InputError('steps', `step ${odd.step.index}: setWeight ${odd.step.weight} in setWeight ${weights.join(', ')}: ${odd.why}`, fix);
}

export function parseInputs(raw: RawInputs<typeof INPUTS>, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): RolloutInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const target = parseEnum('target', get('target'), TARGETS);
  const stepsText = readStepsText(get('steps'), workspace);

  const strategy = get('strategy');
  if (strategy === 'linear')
    throw new InputError(
      'strategy',
      'linear is written as its steps here: an ECS linear deployment is strategy canary with equal setWeight increments',
      'Use strategy: canary with steps setWeight 20, 40, 60, 80, 100 (each with its analysis); target ecs runs them as ECS LINEAR with stepPercent 20',
    );
  if (strategy !== 'canary' && strategy !== 'blue-green')
    throw new InputError(
      'strategy',
      `${strategy} has no traffic steps to roll out`,
      'Use strategy: canary or blue-green (helm-deploy or ecs-deploy for a rolling update)',
    );
  const kind: RolloutKind = strategy;
  let deploy: DeployInputs | undefined;
  if (target === 'helm') {
    const helmRaw = pick(raw as Record<string, string | undefined>, Object.keys(HELM_TAKEN) as HelmName[]);
    deploy = { target, helm: parseHelmDeployInputs({ ...helmRaw, strategy, action: 'deploy' }, workspace) };
  }

  const steps = parseSteps(stepsText);
  const gateNames = Object.keys(GATE_INPUTS) as GateName[];
  const gateRaw = pick(raw as Record<string, string | undefined>, gateNames);
  const gateGiven = gateNames.some((n) => (gateRaw[n] ?? '').trim() !== '' && gateRaw[n]?.trim() !== (GATE_INPUTS[n] as InputSpec).default);
  const analysed = steps.some((s) => s.kind === 'analysis');
  // health-gate's parser refuses a gate with nothing to check: only ask it when the steps need one
  const gate = analysed || gateGiven ? parseGateInputs(gateRaw) : undefined;
  validateSteps(steps, kind, gate && analysisOffer(gate));
  if (gate) checkWithGate(steps, gate);
  deploy ??= { target: 'ecs', ecs: parseEcsInputs(raw, strategy, steps) };
  return { deploy, kind, gate, steps, reportFile: gate?.reportFile };
}

/**
 * ecs-deploy's inputs for target ecs, parsed by its parser, with what the steps decide: a service
 * behind CodeDeploy deploys blue/green held at Ready; a canary is an ECS canary or linear
 * deployment (ecsTraffic) whose bake times are 0, as its PAUSE hooks hold each step.
 */
function parseEcsInputs(raw: RawInputs<typeof INPUTS>, strategy: RolloutKind, steps: readonly Step[]): EcsDeployInputs {
  const ecsRaw = pick(raw as Record<string, string | undefined>, Object.keys(ECS_TAKEN) as EcsName[]);
  // a service behind CodeDeploy: blue/green through CodeDeploy, held at Ready for the analysis
  const codedeploy = (raw['codedeploy-application'] ?? '').trim() !== '';
  if (codedeploy && strategy !== 'blue-green')
    throw new InputError(
      'codedeploy-application',
      `is set, but CodeDeploy deploys ECS blue/green only (strategy is ${strategy})`,
      'Set strategy: blue-green, or remove codedeploy-application',
    );
  if (codedeploy) return parseEcsDeployInputs({ ...ecsRaw, strategy: 'codedeploy', action: 'deploy', 'wait-at-ready': 'true' });
  if (strategy === 'blue-green') return parseEcsDeployInputs({ ...ecsRaw, strategy, action: 'deploy' });
  const traffic = ecsTraffic(steps);
  const decided =
    traffic.strategy === 'canary'
      ? { 'canary-percent': String(traffic.canaryPercent), 'canary-bake-time': '0' }
      : { 'linear-step-percent': String(traffic.stepPercent), 'linear-step-bake-time': '0' };
  return parseEcsDeployInputs({ ...ecsRaw, ...decided, strategy: traffic.strategy, action: 'deploy' });
}
