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

/**
 * An ECS native canary has one canary percent, then all traffic: setWeight P (below 100), then
 * 100. Equal increments (an ECS LINEAR deployment) are refused: a PAUSE lifecycle hook may stop
 * at PRE_/POST_PRODUCTION_TRAFFIC_SHIFT only (ECS developer guide, "Pause hooks for Amazon ECS
 * service deployments"), not at each production traffic shift of a linear deployment, so ECS
 * would move on after its step bake time whatever the analysis says.
 */
function checkEcsCanary(steps: readonly Step[]): void {
  const setWeights = steps.filter((s): s is Extract<Step, { kind: 'setWeight' }> => s.kind === 'setWeight');
  const weights = setWeights.map((s) => s.weight);
  const linear = ecsLinearStepPercent(weights);
  if (linear !== undefined)
    throw new InputError(
      'steps',
      `step ${setWeights[1].index}: setWeight ${weights[1]} makes setWeight ${weights.join(', ')} an ECS linear deployment (linear-step-percent ${linear}), but ECS cannot pause at each linear step (PAUSE lifecycle hooks stop only before or after the whole production traffic shift), so no analysis could hold it`,
      'target ecs supports setWeight P (1-99), its analysis steps, then setWeight 100 (an ECS native canary), or strategy blue-green with preview, analysis, promote; use target helm to analyse at each of several weights',
    );
  if (weights.length !== 2 || weights[0] >= 100 || weights[1] !== 100 || weights[0] <= 0)
    throw new InputError(
      'steps',
      `target ecs takes setWeight ${weights.join(', ') || '(none)'}, but an ECS native canary has one canary percent and then all traffic`,
      'Give setWeight P (1-99), its analysis steps, then setWeight 100',
    );
}

export function parseInputs(raw: RawInputs<typeof INPUTS>, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): RolloutInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const target = parseEnum('target', get('target'), TARGETS);
  const stepsText = readStepsText(get('steps'), workspace);

  const strategy = get('strategy');
  if (strategy !== 'canary' && strategy !== 'blue-green')
    throw new InputError(
      'strategy',
      `${strategy} has no traffic steps to roll out`,
      'Use strategy: canary or blue-green (helm-deploy or ecs-deploy for a rolling update)',
    );
  const kind: RolloutKind = strategy;
  let deploy: DeployInputs;
  if (target === 'helm') {
    const helmRaw = pick(raw as Record<string, string | undefined>, Object.keys(HELM_TAKEN) as HelmName[]);
    deploy = { target, helm: parseHelmDeployInputs({ ...helmRaw, strategy, action: 'deploy' }, workspace) };
  } else {
    const ecsRaw = pick(raw as Record<string, string | undefined>, Object.keys(ECS_TAKEN) as EcsName[]);
    // a service behind CodeDeploy: blue/green through CodeDeploy, held at Ready for the analysis
    const codedeploy = (raw['codedeploy-application'] ?? '').trim() !== '';
    if (codedeploy && strategy !== 'blue-green')
      throw new InputError(
        'codedeploy-application',
        `is set, but CodeDeploy deploys ECS blue/green only (strategy is ${strategy})`,
        'Set strategy: blue-green, or remove codedeploy-application',
      );
    deploy = {
      target,
      ecs: parseEcsDeployInputs({
        ...ecsRaw,
        strategy: codedeploy ? 'codedeploy' : strategy,
        action: 'deploy',
        ...(codedeploy && { 'wait-at-ready': 'true' }),
      }),
    };
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
  if (target === 'ecs' && kind === 'canary') checkEcsCanary(steps);
  return { deploy, kind, gate, steps, reportFile: gate?.reportFile };
}
