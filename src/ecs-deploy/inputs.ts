/**
 * Inputs of ecs-deploy: which service, which task definition and images, which deployment
 * strategy, how long to wait. Everything the inputs alone decide is refused here, before any
 * AWS call (the test double records calls, and the bad-input tests assert there were none).
 */
import * as path from 'node:path';
import { InputError } from '../toolkit/errors';
import {
  parseAwsRegion,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseLines,
  parseList,
  parseNumber,
  rawValue,
  type InputSpecs,
  type RawInputs,
} from '../toolkit/inputs';
import { parseReference } from '../toolkit/registry/reference';
import { applyImagesAndEnvironment, missingContainersError, readTaskDefinitionFile, type TaskDefinitionJson } from './task-definition';

export const INPUTS = {
  action: { default: 'deploy' },
  cluster: { default: 'default' },
  service: { required: true },
  'aws-region': {},
  'task-definition': {},
  images: {},
  'require-digest': { default: 'true' },
  environment: {},
  strategy: {},
  'bake-time': {},
  'canary-percent': {},
  'canary-bake-time': {},
  'linear-step-percent': {},
  'linear-step-bake-time': {},
  alarms: {},
  'pause-at': { default: 'none' },
  'codedeploy-application': {},
  'codedeploy-deployment-group': {},
  'codedeploy-appspec': {},
  'wait-at-ready': { default: 'false' },
  'pre-deploy-command': {},
  'pre-deploy-container': {},
  wait: { default: '30m' },
  'poll-interval': { default: '15s' },
  'on-timeout': { default: 'fail' },
  decision: {},
  'service-deployment-arn': {},
  'hook-id': {},
  'codedeploy-deployment-id': {},
} as const satisfies InputSpecs;

export const OUTPUTS = [
  'status',
  'task-definition-arn',
  'previous-task-definition-arn',
  'service-deployment-arn',
  'hook-id',
  'codedeploy-deployment-id',
  'rollback-reason',
  'triggered-alarms',
  'running-count',
] as const;

export const ACTIONS = ['deploy', 'continue', 'rollback'] as const;
export type EcsAction = (typeof ACTIONS)[number];
export const STRATEGIES = ['rolling', 'blue-green', 'canary', 'linear', 'codedeploy'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** pause-at values; each is the ECS lifecycle stage of the same name (PAUSE hook there). */
export const PAUSE_STAGES = ['none', 'post-scale-up', 'post-test-traffic-shift', 'pre-production-traffic-shift', 'post-production-traffic-shift'] as const;
export type PauseAt = (typeof PAUSE_STAGES)[number];
export type Decision = 'continue' | 'rollback';

/** One `container=image` pair of `images`. */
export interface ImageAssignment {
  container: string;
  image: string;
}
/** One `container: KEY=VALUE` line of `environment`. */
export interface EnvironmentAssignment {
  container: string;
  name: string;
  value: string;
}

/** ECS native deployment settings (DeploymentConfiguration); undefined = leave the service's. */
export interface NativeSettings {
  bakeTimeMinutes?: number;
  canaryPercent?: number;
  canaryBakeTimeMinutes?: number;
  linearStepPercent?: number;
  linearStepBakeTimeMinutes?: number;
  alarms: string[];
  pauseAt: PauseAt;
}

export interface CodeDeploySettings {
  application: string;
  deploymentGroup: string;
  /** A file path; undefined = generated from the service's load balancer container and port. */
  appspecFile?: string;
  waitAtReady: boolean;
}

export interface EcsDeployInputs {
  action: EcsAction;
  cluster: string;
  service: string;
  awsRegion?: string;
  /** The file's task definition (already checked against `images`), or undefined = the service's. */
  taskDefinition?: TaskDefinitionJson;
  taskDefinitionFile?: string;
  images: ImageAssignment[];
  environment: EnvironmentAssignment[];
  /** undefined = whatever the service is configured for. */
  strategy?: Strategy;
  native: NativeSettings;
  codedeploy?: CodeDeploySettings;
  preDeploy?: { command: string[]; container: string };
  waitMs: number;
  pollIntervalMs: number;
  onTimeout: 'fail' | 'rollback';
  decision?: Decision;
  serviceDeploymentArn?: string;
  hookId?: string;
  codedeployDeploymentId?: string;
}

export function parseInputs(raw: RawInputs<typeof INPUTS>): EcsDeployInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const action = parseEnum('action', get('action'), ACTIONS);
  const cluster = get('cluster');
  const service = get('service');
  const awsRegion = parseAwsRegion('aws-region', get('aws-region'), "Give a region such as eu-west-1, or leave it empty to use the job's AWS_REGION");
  // The SDK would only say "Region is missing" at the first call; say which input fixes it now.
  if (!awsRegion && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
    throw new InputError(
      'aws-region',
      'is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set',
      'Set aws-region, or the aws-region of aws-actions/configure-aws-credentials',
    );
  }
  const strategy = get('strategy') === '' ? undefined : parseEnum('strategy', get('strategy'), STRATEGIES);
  const requireDigest = parseBoolean('require-digest', get('require-digest'));
  const images = parseImages(get('images'), requireDigest);
  const environment = parseEnvironment(get('environment'));
  const native = parseNative(get, strategy);
  const codedeploy = parseCodeDeploy(get, strategy, action);
  const waitMs = parseDuration('wait', get('wait'));
  if (waitMs <= 0) throw new InputError('wait', 'must be longer than 0', 'Give a duration such as 30m or 1h30m');
  // The default never conflicts with an explicit wait: it shrinks to the wait; only an explicit value is checked.
  const pollExplicit = (raw['poll-interval'] ?? '').trim() !== '';
  const pollIntervalMs = pollExplicit
    ? parseDuration('poll-interval', get('poll-interval'))
    : Math.min(parseDuration('poll-interval', get('poll-interval')), waitMs);
  if (pollExplicit && pollIntervalMs < 100)
    throw new InputError('poll-interval', `'${get('poll-interval')}' is shorter than 100ms`, 'Give a duration such as 15s');
  if (pollIntervalMs > waitMs)
    throw new InputError('poll-interval', `'${get('poll-interval')}' is longer than wait '${get('wait')}'`, 'Poll at least once within the wait');
  const onTimeout = parseEnum('on-timeout', get('on-timeout'), ['fail', 'rollback'] as const);

  let taskDefinition: TaskDefinitionJson | undefined;
  const file = get('task-definition');
  if (file) {
    taskDefinition = readTaskDefinitionFile('task-definition', path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file));
    const { missing } = applyImagesAndEnvironment(taskDefinition, images, []);
    if (missing.length) throw missingContainersError('images', missing, taskDefinition, `'${file}'`);
    const envMissing = applyImagesAndEnvironment(taskDefinition, [], environment).missing;
    if (envMissing.length) throw missingContainersError('environment', envMissing, taskDefinition, `'${file}'`);
  }
  const preDeploy = parsePreDeploy(get('pre-deploy-command'), get('pre-deploy-container'), images, taskDefinition, file);

  const decisionRaw = get('decision');
  const decision = decisionRaw === '' ? undefined : parseEnum('decision', decisionRaw, ['continue', 'rollback'] as const);
  const serviceDeploymentArn = get('service-deployment-arn') || undefined;
  const hookId = get('hook-id') || undefined;
  const codedeployDeploymentId = get('codedeploy-deployment-id') || undefined;
  if (serviceDeploymentArn && !/^arn:aws[\w-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/.+/.test(serviceDeploymentArn)) {
    throw new InputError(
      'service-deployment-arn',
      `'${serviceDeploymentArn}' is not a service deployment ARN`,
      'Pass the service-deployment-arn output of the deploy step',
    );
  }
  if (action === 'continue') {
    if (!decision)
      throw new InputError(
        'decision',
        'is required with action: continue',
        'Set decision: continue or decision: rollback (for example from a health-gate verdict)',
      );
    if (strategy === 'codedeploy' || (codedeployDeploymentId && strategy === undefined)) {
      if (!codedeployDeploymentId) {
        throw new InputError(
          'codedeploy-deployment-id',
          'is required with action: continue and strategy: codedeploy',
          'Pass the codedeploy-deployment-id output of the paused deploy step',
        );
      }
    } else {
      for (const [name, value] of [
        ['service-deployment-arn', serviceDeploymentArn],
        ['hook-id', hookId],
      ] as const) {
        if (!value) throw new InputError(name, 'is required with action: continue', `Pass the ${name} output of the deploy step that ended with status paused`);
      }
    }
  } else if (decision) {
    throw new InputError('decision', `only applies to action: continue (action is ${action})`, 'Remove decision, or set action: continue');
  }
  if (action === 'rollback' && strategy === 'codedeploy' && !codedeployDeploymentId) {
    throw new InputError(
      'codedeploy-deployment-id',
      'is required to roll back a CodeDeploy deployment',
      'Pass the codedeploy-deployment-id of the deployment in flight; to return to an older revision, deploy its task definition',
    );
  }
  if (action === 'deploy' && images.length === 0 && !taskDefinition && environment.length === 0) {
    throw new InputError(
      'images',
      'is empty and no task-definition file was given, so there is nothing new to deploy',
      'Set images: <container>=<registry>/<repo>@sha256:<digest>, or a task-definition file',
    );
  }
  return {
    action,
    cluster,
    service,
    awsRegion,
    taskDefinition,
    taskDefinitionFile: file || undefined,
    images,
    environment,
    strategy,
    native,
    codedeploy,
    preDeploy,
    waitMs,
    pollIntervalMs,
    onTimeout,
    decision,
    serviceDeploymentArn,
    hookId,
    codedeployDeploymentId,
  };
}

function parseImages(value: string, requireDigest: boolean): ImageAssignment[] {
  const seen = new Set<string>();
  return parseList(value).map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new InputError(
        'images',
        `'${item}' is not container=image`,
        'Write each as <container>=<registry>/<repo>@sha256:<digest>, one per line or comma separated',
      );
    const container = item.slice(0, eq).trim();
    const image = item.slice(eq + 1).trim();
    const ref = parseReference(image, 'images');
    if (requireDigest && !ref.digest) {
      throw new InputError(
        'images',
        `'${image}' for container '${container}' names a tag, not a digest, and require-digest is true`,
        `Deploy exactly what was tested: ${ref.registry}/${ref.repository}@sha256:<digest> (the build or promote step's digest output), or set require-digest: false`,
      );
    }
    if (seen.has(container)) throw new InputError('images', `container '${container}' is listed twice`, 'Give each container one image');
    seen.add(container);
    return { container, image };
  });
}

function parseEnvironment(value: string): EnvironmentAssignment[] {
  return parseLines(value).map((line) => {
    const m = /^([^:=\s]+)\s*:\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new InputError('environment', `'${line}' is not 'container: KEY=VALUE'`, 'Write one line per variable, e.g. app: LOG_LEVEL=info');
    return { container: m[1], name: m[2], value: m[3] };
  });
}

/** Whole minutes 0-1440: a bare number is minutes; a Go duration must be whole minutes. */
function parseBakeMinutes(name: string, value: string): number | undefined {
  if (value === '') return undefined;
  const minutes = /^\d+$/.test(value) ? Number(value) : parseDuration(name, value) / 60_000;
  if (!Number.isInteger(minutes)) throw new InputError(name, `'${value}' is not a whole number of minutes`, 'ECS bakes in whole minutes: give e.g. 5 or 5m');
  if (minutes < 0 || minutes > 1440) throw new InputError(name, `'${value}' is outside 0-1440 minutes`, 'Give a bake time from 0 to 1440 minutes (24h)');
  return minutes;
}

/** A percentage in [min, 100] in steps of 0.1, as ECS accepts it. */
function parsePercent(name: string, value: string, min: number): number | undefined {
  if (value === '') return undefined;
  const n = parseNumber(name, value.replace(/%$/, ''));
  if (n < min || n > 100) throw new InputError(name, `${value} is outside ${min}-100`, `Give a percentage from ${min} to 100`);
  if (Math.abs(n * 10 - Math.round(n * 10)) > 1e-9) throw new InputError(name, `${value} is not a multiple of 0.1`, 'ECS takes percentages in steps of 0.1');
  return n;
}

function parseNative(get: (n: keyof typeof INPUTS) => string, strategy: Strategy | undefined): NativeSettings {
  const native: NativeSettings = {
    bakeTimeMinutes: parseBakeMinutes('bake-time', get('bake-time')),
    canaryPercent: parsePercent('canary-percent', get('canary-percent'), 0.1),
    canaryBakeTimeMinutes: parseBakeMinutes('canary-bake-time', get('canary-bake-time')),
    linearStepPercent: parsePercent('linear-step-percent', get('linear-step-percent'), 3),
    linearStepBakeTimeMinutes: parseBakeMinutes('linear-step-bake-time', get('linear-step-bake-time')),
    alarms: parseList(get('alarms')),
    pauseAt: parseEnum('pause-at', get('pause-at'), PAUSE_STAGES),
  };
  // A setting for another strategy is a mistake the user would not see otherwise.
  const only = (name: string, given: unknown, wanted: Strategy) => {
    if (given !== undefined && strategy !== undefined && strategy !== wanted) {
      throw new InputError(name, `applies to strategy: ${wanted}, but strategy is ${strategy}`, `Remove ${name}, or set strategy: ${wanted}`);
    }
  };
  only('canary-percent', native.canaryPercent, 'canary');
  only('canary-bake-time', native.canaryBakeTimeMinutes, 'canary');
  only('linear-step-percent', native.linearStepPercent, 'linear');
  only('linear-step-bake-time', native.linearStepBakeTimeMinutes, 'linear');
  // ECS bakes only blue/green, canary and linear deployments: with rolling it would be dropped.
  if (strategy === 'rolling' && native.bakeTimeMinutes !== undefined) {
    throw new InputError(
      'bake-time',
      'applies to strategy: blue-green, canary or linear, but strategy is rolling',
      'Remove bake-time, or set strategy: blue-green, canary or linear',
    );
  }
  if (native.pauseAt !== 'none' && (strategy === 'rolling' || strategy === 'codedeploy')) {
    throw new InputError(
      'pause-at',
      `'${native.pauseAt}' needs an ECS blue-green, canary or linear deployment (lifecycle hooks), but strategy is ${strategy}`,
      strategy === 'codedeploy'
        ? 'Use wait-at-ready: true to stop a CodeDeploy deployment when test traffic reaches the new task set'
        : 'Set strategy: blue-green, canary or linear, or pause-at: none',
    );
  }
  if (strategy === 'codedeploy' && (native.bakeTimeMinutes !== undefined || native.alarms.length)) {
    throw new InputError(
      native.alarms.length ? 'alarms' : 'bake-time',
      'is set in the CodeDeploy deployment group, not by this action, when strategy is codedeploy',
      'Configure alarms and termination wait in the deployment group, or choose an ECS native strategy',
    );
  }
  return native;
}

function parseCodeDeploy(get: (n: keyof typeof INPUTS) => string, strategy: Strategy | undefined, action: EcsAction): CodeDeploySettings | undefined {
  const application = get('codedeploy-application');
  const deploymentGroup = get('codedeploy-deployment-group');
  const appspecFile = get('codedeploy-appspec') || undefined;
  const waitAtReady = parseBoolean('wait-at-ready', get('wait-at-ready'));
  if (strategy !== 'codedeploy') {
    for (const [name, v] of [
      ['codedeploy-application', application],
      ['codedeploy-deployment-group', deploymentGroup],
      ['codedeploy-appspec', appspecFile],
    ] as const) {
      if (v && strategy !== undefined)
        throw new InputError(name, `applies to strategy: codedeploy, but strategy is ${strategy}`, `Remove ${name}, or set strategy: codedeploy`);
    }
    if (waitAtReady && strategy !== undefined)
      throw new InputError('wait-at-ready', `applies to strategy: codedeploy, but strategy is ${strategy}`, 'For ECS native deployments use pause-at');
    if (!application && !deploymentGroup) return undefined;
  }
  // continue and rollback name the deployment by id: the application and group are not needed.
  if (action !== 'deploy' && !application && !deploymentGroup) return undefined;
  for (const [name, v] of [
    ['codedeploy-application', application],
    ['codedeploy-deployment-group', deploymentGroup],
  ] as const) {
    if (!v)
      throw new InputError(
        name,
        'is required for a CodeDeploy deployment',
        `Set ${name} to the CodeDeploy ${name === 'codedeploy-application' ? 'application' : 'deployment group'} of the service`,
      );
  }
  return { application, deploymentGroup, appspecFile, waitAtReady };
}

function parsePreDeploy(
  commandText: string,
  containerText: string,
  images: readonly ImageAssignment[],
  td: TaskDefinitionJson | undefined,
  file: string,
): { command: string[]; container: string } | undefined {
  if (commandText === '') {
    if (containerText)
      throw new InputError('pre-deploy-container', 'is set but pre-deploy-command is empty', 'Set pre-deploy-command, or remove pre-deploy-container');
    return undefined;
  }
  let command: unknown;
  try {
    command = JSON.parse(commandText);
  } catch {
    command = undefined;
  }
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string')) {
    throw new InputError(
      'pre-deploy-command',
      `'${commandText}' is not a JSON array of strings`,
      'Write it as the task definition\'s command, e.g. ["bin/rails", "db:migrate"]',
    );
  }
  const container = containerText || images[0]?.container;
  if (!container) throw new InputError('pre-deploy-container', 'is empty and images names no container', 'Name the container whose command runs the migration');
  if (td && !(td.containerDefinitions ?? []).some((c) => c.name === container)) {
    throw missingContainersError('pre-deploy-container', [container], td, `'${file}'`);
  }
  return { command: command as string[], container };
}
