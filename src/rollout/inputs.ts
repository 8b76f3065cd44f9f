/**
 * Inputs of rollout: `target`, `steps`, and the deploy and analysis inputs under the names
 * (and with the parsers) of the actions that own them: helm-deploy's for target helm,
 * health-gate's for the analysis. No copies: the specs below are built from theirs, and the
 * contract test checks that action.yml repeats their descriptions and defaults.
 */
import {
  HEALTH_GATE_INPUTS as GATE_INPUTS,
  parseHealthGateInputs as parseGateInputs,
  withStepOverrides,
  type HealthGateInputs as GateInputs,
} from '../health-gate/library';
import { HELM_DEPLOY_INPUTS, parseHelmDeployInputs, type HelmDeployInputs } from '../helm-deploy/library';
import { InputError } from '../toolkit/errors';
import { parseEnum, rawValue, type InputSpec, type InputSpecs, type RawInputs } from '../toolkit/inputs';
import { parseSteps, readStepsText, validateSteps, type AnalysisOffer, type RolloutKind, type Step } from './steps';

/** helm-deploy inputs a rollout sets itself: the action, the weight (from steps), rollback's revision, dry-run. */
export const HELM_INPUTS_NOT_TAKEN = ['action', 'canary-weight', 'revision', 'dry-run'] as const;
/** Shared inputs whose default differs on purpose (the contract test allows exactly these). */
export const OWN_DEFAULTS = { strategy: 'canary' } as const;
/** Shared inputs described in rollout's own words (a rollout has no rolling strategy; one report for all steps). */
export const OWN_DESCRIPTIONS = ['strategy', 'report-file', 'aws-region'] as const;
/** The actions whose inputs rollout takes under their names (and parses with their parsers). */
export const INPUT_OWNERS = ['helm-deploy', 'health-gate'] as const;

type HelmName = Exclude<keyof typeof HELM_DEPLOY_INPUTS, (typeof HELM_INPUTS_NOT_TAKEN)[number]>;
type GateName = keyof typeof GATE_INPUTS;

const notRequired = (s: InputSpec): InputSpec => ({ ...(s.default !== undefined && { default: s.default }) });

const HELM_TAKEN = Object.fromEntries(
  Object.entries(HELM_DEPLOY_INPUTS)
    .filter(([n]) => !(HELM_INPUTS_NOT_TAKEN as readonly string[]).includes(n))
    // required by helm-deploy, but only for target helm: its parser still refuses them empty there
    .map(([n, s]) => [n, n in OWN_DEFAULTS ? { default: OWN_DEFAULTS[n as keyof typeof OWN_DEFAULTS] } : notRequired(s)]),
) as Record<HelmName, InputSpec>;

export const INPUTS = {
  target: { default: 'helm' },
  steps: { required: true },
  ...HELM_TAKEN,
  ...(GATE_INPUTS as Record<GateName, InputSpec>),
} as const satisfies InputSpecs;

export const OUTPUTS = ['result', 'reached-weight', 'analysis-report', 'revision', 'task-definition-arn'] as const;

export const TARGETS = ['helm', 'ecs'] as const;
export type Target = (typeof TARGETS)[number];

export type DeployInputs = { target: 'helm'; helm: HelmDeployInputs };

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

export function parseInputs(raw: RawInputs<typeof INPUTS>, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): RolloutInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const target = parseEnum('target', get('target'), TARGETS);
  const stepsText = readStepsText(get('steps'), workspace);

  if (target === 'ecs')
    throw new InputError('target', 'ecs needs the ecs-deploy action, which this build of Shipline does not include yet', 'Use target: helm');
  const helmRaw = pick(raw as Record<string, string | undefined>, Object.keys(HELM_TAKEN) as HelmName[]);
  const helm = parseHelmDeployInputs({ ...helmRaw, strategy: get('strategy'), action: 'deploy' }, workspace);
  if (helm.strategy === 'rolling')
    throw new InputError('strategy', 'rolling has no traffic steps to roll out', 'Use strategy: canary or blue-green (or helm-deploy for a rolling update)');
  const kind: RolloutKind = helm.strategy;

  const steps = parseSteps(stepsText);
  const gateNames = Object.keys(GATE_INPUTS) as GateName[];
  const gateRaw = pick(raw as Record<string, string | undefined>, gateNames);
  const gateGiven = gateNames.some((n) => (gateRaw[n] ?? '').trim() !== '' && gateRaw[n]?.trim() !== (GATE_INPUTS[n] as InputSpec).default);
  const analysed = steps.some((s) => s.kind === 'analysis');
  // health-gate's parser refuses a gate with nothing to check: only ask it when the steps need one
  const gate = analysed || gateGiven ? parseGateInputs(gateRaw) : undefined;
  validateSteps(steps, kind, gate && analysisOffer(gate));
  if (gate) checkWithGate(steps, gate);
  return { deploy: { target, helm }, kind, gate, steps, reportFile: gate?.reportFile };
}
