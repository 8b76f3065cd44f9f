/** Inputs of helm-deploy: a pure parser from the runner's strings to one validated object. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../toolkit/errors';
import {
  parseAwsRegion,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseHttpUrlWithoutCredentials,
  parseInteger,
  parseLines,
  parseList,
  rawValue,
  type InputSpecs,
  type RawInputs,
} from '../toolkit/inputs';
import { formatRepository, parseReference } from '../toolkit/registry/reference';
import { parseToolSha256, parseToolVersion, TOOLS } from '../toolkit/tools';

export const INPUTS = {
  action: { default: 'deploy' },
  strategy: { default: 'rolling' },
  release: { required: true },
  namespace: { default: 'default' },
  'create-namespace': { default: 'false' },
  chart: {},
  'chart-version': {},
  'values-files': {},
  set: {},
  image: {},
  'image-repository-key': { default: 'image.repository' },
  'image-digest-key': { default: 'image.digest' },
  timeout: { default: '5m' },
  wait: { default: 'true' },
  'rollback-on-failure': {},
  'recover-pending': { default: 'false' },
  revision: {},
  'canary-weight': { default: '10' },
  'traffic-router': { default: 'nginx' },
  'helm-version': { default: TOOLS.helm.version },
  'helm-mirror': {},
  'helm-sha256': {},
  kubeconfig: {},
  'cluster-name': {},
  'aws-region': {},
  'dry-run': { default: 'false' },
} as const satisfies InputSpecs;

export const OUTPUTS = ['revision', 'previous-revision', 'status', 'strategy', 'canary-weight', 'active-color', 'release-url'] as const;

export const ACTIONS = ['deploy', 'rollback', 'promote', 'abort'] as const;
export const STRATEGIES = ['rolling', 'canary', 'blue-green'] as const;
export const ROUTERS = ['nginx', 'alb', 'replicas'] as const;
export type DeployAction = (typeof ACTIONS)[number];
export type Strategy = (typeof STRATEGIES)[number];
export type TrafficRouter = (typeof ROUTERS)[number];

/** One `set` line; `secret` when the key looks like it holds a credential (masked everywhere). */
export interface SetValue {
  key: string;
  value: string;
  secret: boolean;
}

export interface PinnedImage {
  repository: string;
  digest: string;
  /** The tag the user wrote beside the digest, if any (used for tag-style charts). */
  tag?: string;
}

export type ClusterAccess =
  { kind: 'ambient' } | { kind: 'kubeconfig'; content: string; secrets: string[] } | { kind: 'eks'; clusterName: string; region: string };

export interface HelmDeployInputs {
  action: DeployAction;
  strategy: Strategy;
  release: string;
  namespace: string;
  createNamespace: boolean;
  chart?: string;
  chartVersion?: string;
  valuesFiles: string[];
  set: SetValue[];
  image?: PinnedImage;
  imageRepositoryKey: string;
  imageDigestKey: string;
  timeoutMs: number;
  wait: boolean;
  rollbackOnFailure: boolean;
  recoverPending: boolean;
  revision?: number;
  canaryWeight: number;
  trafficRouter: TrafficRouter;
  /** A release version without the v, or 'path' for the helm already on PATH. */
  helmVersion: string;
  /** Download base for the helm archive (get.helm.sh layout); undefined means get.helm.sh. */
  helmMirror?: string;
  /** Pinned archive SHA-256; undefined means the published checksum file is checked. */
  helmSha256?: string;
  cluster: ClusterAccess;
  dryRun: boolean;
}

/** Helm's rule: a DNS-1123 subdomain of at most 53 characters (it stores releases in Secrets). */
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VALUE_KEY = /^[A-Za-z0-9_-]+(\[\d+\])*(\.[A-Za-z0-9_-]+(\[\d+\])*)*$/;
const SECRET_KEY = /pass(word)?|secret|token|credential|private|api[-_]?key|access[-_]?key|auth|\bkey$|cert|dsn|connection[-_]?string|webhook|jwt|signing/i;
/** camelCase and dashed key names: sshKey, encryptionKey, license-key (case-sensitive: not "monkey"). */
const NAMED_KEY = /(?:[a-z0-9]Key|[-_](?:key|KEY))$/;

/**
 * Values under secret-looking keys that cannot be credentials (auth.enabled=true, tls.port=443):
 * masking them would hide every "true" or "443" in the whole log.
 */
const NOT_A_CREDENTIAL = /^(|true|false|yes|no|on|off|null|~|\d{1,5})$/i;

export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key) || NAMED_KEY.test(key);
}

/** The suffix each strategy adds to the release name, so the longest name still fits 53. */
export function releaseSuffixes(strategy: Strategy): string[] {
  if (strategy === 'canary') return ['-canary'];
  if (strategy === 'blue-green') return ['-green', '-blue'];
  return [];
}

/**
 * wait and rollback-on-failure: Helm's --atomic (--rollback-on-failure) always waits, so its
 * default follows wait (a default never overrides an explicit wait: false), and asking for both
 * rollback-on-failure: true and wait: false is an input error rather than a silent wait.
 */
export function waitAndRollback(waitRaw: string, rollbackRaw: string): { wait: boolean; rollbackOnFailure: boolean } {
  const wait = parseBoolean('wait', waitRaw);
  if (rollbackRaw === '') return { wait, rollbackOnFailure: wait };
  const rollbackOnFailure = parseBoolean('rollback-on-failure', rollbackRaw);
  if (rollbackOnFailure && !wait)
    throw new InputError(
      'rollback-on-failure',
      'is true but wait is false, and Helm waits for the pods anyway to roll back on failure',
      'Set wait: true (or leave it), or set rollback-on-failure: false to deploy without waiting',
    );
  return { wait, rollbackOnFailure };
}

export function parseReleaseName(name: string, strategy: Strategy): string {
  const longest = Math.max(0, ...releaseSuffixes(strategy).map((s) => s.length));
  const limit = 53 - longest;
  if (!DNS1123.test(name)) {
    throw new InputError(
      'release',
      `'${name}' is not a valid release name`,
      'Use lowercase letters, digits, - and . (DNS-1123), starting and ending with a letter or digit',
    );
  }
  if (name.length > limit) {
    const why = longest ? ` (the ${strategy} strategy adds '${releaseSuffixes(strategy)[0]}')` : '';
    throw new InputError(
      'release',
      `'${name}' is ${name.length} characters, over Helm's limit of ${limit}${why}`,
      `Shorten it to ${limit} characters or fewer`,
    );
  }
  return name;
}

export function parseSetLines(text: string): SetValue[] {
  return parseLines(text).map((line, n) => {
    const at = line.indexOf('=');
    const key = at < 0 ? line : line.slice(0, at).trim();
    if (at < 0 || !VALUE_KEY.test(key)) {
      // name the line by its key-like start only: the rest may be a secret
      const start = key.split(/[\s:=]/)[0].slice(0, 40);
      throw new InputError(
        'set',
        `line ${n + 1} ('${start}…') is not key=value`,
        'Write one key=value per line, e.g. ingress.host=app.example.com or env[0].name=X',
      );
    }
    const value = line.slice(at + 1);
    const secret = looksSecret(key) && !NOT_A_CREDENTIAL.test(value);
    // helm --set splits at unescaped commas: a secret holding one would be cut, the rest
    // set as another key or quoted in helm's "key ... has no value" error, unmasked.
    if (secret && hasBareComma(value)) {
      throw new InputError(
        'set',
        `line ${n + 1} (${key}) holds a comma, where helm --set would cut the secret in two`,
        'Escape it as \\, (helm --set syntax) or pass the value in a values file',
      );
    }
    return { key, value, secret };
  });
}

/** A comma helm's --set parser would split at: not escaped with \, not inside a leading {list}. */
function hasBareComma(value: string): boolean {
  let i = 0;
  if (value.startsWith('{')) {
    for (i = 1; i < value.length && value[i] !== '}'; i++) if (value[i] === '\\') i++;
    i++;
  }
  for (; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === ',') return true;
  }
  return false;
}

export function parseDigestImage(value: string): PinnedImage {
  const fix = 'Pin the image by digest: registry.example.com/team/app@sha256:<64 hex digits> (the digest promote-artifact outputs)';
  if (!/@sha256:/.test(value)) throw new InputError('image', `'${value}' has no digest; a tag can move, so deploys are pinned by digest`, fix);
  const ref = parseReference(value, 'image');
  if (!ref.digest || !/^sha256:[a-f0-9]{64}$/.test(ref.digest)) throw new InputError('image', `'${value}' does not carry a sha256 digest`, fix);
  return { repository: formatRepository(ref), digest: ref.digest, tag: ref.tag };
}

function parseValueKey(name: 'image-repository-key' | 'image-digest-key', value: string): string {
  if (!VALUE_KEY.test(value)) throw new InputError(name, `'${value}' is not a values key`, 'Write a dotted key such as image.repository');
  return value;
}

/** The kubeconfig must be YAML describing clusters; its credentials are collected for masking. */
export function parseKubeconfig(content: string): { content: string; secrets: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch {
    throw new InputError('kubeconfig', 'is not YAML', 'Pass the kubeconfig file content (e.g. from a secret), not a path or a base64 string');
  }
  const config = doc as { clusters?: unknown; users?: { user?: unknown }[] } | null;
  if (!config || typeof config !== 'object' || !Array.isArray(config.clusters)) {
    throw new InputError(
      'kubeconfig',
      'is YAML but not a kubeconfig (no clusters list)',
      'Pass the content of a kubeconfig file with clusters, users and contexts',
    );
  }
  // every credential-like string under users[].user (token, client-key-data, auth-provider id-token, exec env values…)
  const secrets: string[] = [];
  const collect = (node: unknown, key = ''): void => {
    if (typeof node === 'string') {
      if (node && /token|password|secret|key-data|certificate-data|value/i.test(key)) secrets.push(node);
    } else if (Array.isArray(node)) node.forEach((n) => collect(n, key));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) collect(v, k);
  };
  for (const u of config.users ?? []) collect(u?.user);
  return { content, secrets };
}

function parseCluster(get: (n: keyof typeof INPUTS) => string): ClusterAccess {
  const kubeconfig = get('kubeconfig');
  const clusterName = get('cluster-name');
  const region = get('aws-region');
  if (kubeconfig && clusterName)
    throw new InputError('kubeconfig', 'and cluster-name are both set', 'Give either a kubeconfig or an EKS cluster-name with aws-region');
  if (kubeconfig) return { kind: 'kubeconfig', ...parseKubeconfig(kubeconfig) };
  if (clusterName) {
    if (!/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(clusterName))
      throw new InputError('cluster-name', `'${clusterName}' is not an EKS cluster name`, 'Use the name shown by aws eks list-clusters');
    const eksRegion = parseAwsRegion('aws-region', region);
    if (!eksRegion) throw new InputError('aws-region', 'is required with cluster-name', 'Set the cluster region, e.g. eu-west-1');
    return { kind: 'eks', clusterName, region: eksRegion };
  }
  if (region) throw new InputError('aws-region', 'is set without cluster-name', 'Set cluster-name too, or drop aws-region');
  return { kind: 'ambient' };
}

/** Local charts must exist; `repo/chart` and `oci://` charts are fetched by Helm. */
function parseChart(chart: string, workspace: string): string {
  if (chart.startsWith('oci://')) {
    if (!/^oci:\/\/[^\s/]+\/\S+$/.test(chart))
      throw new InputError('chart', `'${chart}' is not an OCI chart reference`, 'Write it like oci://registry.example.com/charts/app');
    return chart;
  }
  const local = path.resolve(workspace, chart);
  const looksLocal = /^(\.{1,2}\/|\/)/.test(chart) || existsSync(local) || chart.endsWith('.tgz');
  if (looksLocal) {
    if (!existsSync(local))
      throw new InputError('chart', `'${chart}' does not exist`, 'Give a chart directory with Chart.yaml, a .tgz, repo/chart or oci:// reference');
    if (!chart.endsWith('.tgz') && !existsSync(path.join(local, 'Chart.yaml'))) {
      throw new InputError('chart', `'${chart}' has no Chart.yaml`, 'Point at the chart directory (the one holding Chart.yaml)');
    }
    return chart;
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(chart))
    throw new InputError('chart', `'${chart}' is neither a local chart nor repo/chart`, 'Give a chart directory, repo/chart (after helm repo add) or oci://…');
  return chart;
}

export function parseInputs(raw: RawInputs<typeof INPUTS>, workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()): HelmDeployInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const action = parseEnum('action', get('action'), ACTIONS);
  const strategy = parseEnum('strategy', get('strategy'), STRATEGIES);
  if (strategy === 'rolling' && (action === 'promote' || action === 'abort')) {
    throw new InputError(
      'action',
      `${action} applies to the canary and blue-green strategies, not rolling`,
      'Use action: deploy or rollback with strategy: rolling',
    );
  }
  const release = parseReleaseName(get('release'), strategy);
  const namespace = get('namespace');
  if (!NAMESPACE.test(namespace) || namespace.length > 63)
    throw new InputError('namespace', `'${namespace}' is not a namespace name`, 'Use lowercase letters, digits and -, at most 63 characters');

  // A chart is needed whenever a release is upgraded: deploys, canary promotion, blue/green switches.
  const needsChart = action === 'deploy' || (action === 'promote' && strategy === 'canary') || (strategy === 'blue-green' && action !== 'promote');
  const chartText = get('chart');
  if (needsChart && !chartText)
    throw new InputError('chart', `is required for ${action} with the ${strategy} strategy`, 'Set chart to a chart directory, repo/chart or oci:// reference');
  const chart = chartText ? parseChart(chartText, workspace) : undefined;

  const imageText = get('image');
  if (action === 'deploy' && !imageText)
    throw new InputError('image', 'is required for deploy', 'Give the image pinned by digest: registry.example.com/team/app@sha256:…');
  const image = imageText ? parseDigestImage(imageText) : undefined;

  const valuesFiles = parseList(get('values-files'));
  for (const f of valuesFiles) {
    if (!existsSync(path.resolve(workspace, f))) throw new InputError('values-files', `'${f}' does not exist`, 'Give paths relative to the workspace');
  }

  const revisionText = get('revision');
  const revision = revisionText ? parseInteger('revision', revisionText, { min: 1 }) : undefined;
  if (revision !== undefined && strategy === 'blue-green')
    throw new InputError('revision', 'does not apply to blue-green, which switches back to the other colour', 'Remove revision');
  if (revision !== undefined && action !== 'rollback')
    throw new InputError('revision', `is only used by action: rollback, not ${action}`, 'Remove revision, or set action: rollback');

  const helmVersion = parseToolVersion('helm', get('helm-version'), { allowPath: true });
  const mirror = get('helm-mirror');
  const helmMirror = mirror ? parseHttpUrlWithoutCredentials('helm-mirror', mirror).toString() : undefined;
  const helmSha256 = parseToolSha256('helm', get('helm-sha256'));
  // with helm-version path nothing is downloaded: a pin or mirror would be silently ignored
  if (helmVersion === 'path' && helmSha256)
    throw new InputError(
      'helm-sha256',
      "is set but helm-version is 'path', so no archive is downloaded to check",
      'Give the helm-version the checksum belongs to, or remove helm-sha256',
    );
  if (helmVersion === 'path' && helmMirror)
    throw new InputError(
      'helm-mirror',
      "is set but helm-version is 'path', so nothing is downloaded",
      'Give a helm-version to install from the mirror, or remove helm-mirror',
    );

  const timeoutMs = parseDuration('timeout', get('timeout'));
  if (timeoutMs < 1000) throw new InputError('timeout', 'is under one second', 'Give Helm time to wait for the rollout, e.g. 5m');

  return {
    action,
    strategy,
    release,
    namespace,
    createNamespace: parseBoolean('create-namespace', get('create-namespace')),
    chart,
    chartVersion: get('chart-version') || undefined,
    valuesFiles,
    set: parseSetLines(get('set')),
    image,
    imageRepositoryKey: parseValueKey('image-repository-key', get('image-repository-key')),
    imageDigestKey: parseValueKey('image-digest-key', get('image-digest-key')),
    timeoutMs,
    ...waitAndRollback(get('wait'), get('rollback-on-failure')),
    recoverPending: parseBoolean('recover-pending', get('recover-pending')),
    revision,
    canaryWeight: parseInteger('canary-weight', get('canary-weight'), { min: 0, max: 100 }),
    trafficRouter: parseEnum('traffic-router', get('traffic-router'), ROUTERS),
    helmVersion,
    helmMirror,
    helmSha256,
    cluster: parseCluster(get),
    dryRun: parseBoolean('dry-run', get('dry-run')),
  };
}
