/** helm-deploy's parser: every bad input is one InputError naming the input and the fix. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../helpers/input-error';
import { parseInputs, parseKubeconfig, parseSetLines } from '../../src/helm-deploy/inputs';
import { testTempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '..', '..');
const DIGEST = `sha256:${'c'.repeat(64)}`;
const base = { release: 'web', chart: 'charts/app', image: `ghcr.io/team/app@${DIGEST}`, 'helm-version': 'path' };
const parse = (over: Record<string, string>) => parseInputs({ ...base, ...over }, ROOT);

it('reads a deploy with defaults into a typed object', () => {
  const i = parse({ set: 'replicaCount=3\ndb.password=p4ss\n# comment', 'values-files': 'charts/app/values.yaml', timeout: '90s' });
  expect(i).toMatchObject({
    action: 'deploy',
    strategy: 'rolling',
    release: 'web',
    namespace: 'default',
    image: { repository: 'ghcr.io/team/app', digest: DIGEST },
    imageRepositoryKey: 'image.repository',
    imageDigestKey: 'image.digest',
    timeoutMs: 90_000,
    wait: true,
    rollbackOnFailure: true,
    recoverPending: false,
    canaryWeight: 10,
    trafficRouter: 'nginx',
    helmVersion: 'path',
    cluster: { kind: 'ambient' },
    dryRun: false,
    valuesFiles: ['charts/app/values.yaml'],
  });
  expect(i.set).toEqual([
    { key: 'replicaCount', value: '3', secret: false },
    { key: 'db.password', value: 'p4ss', secret: true },
  ]);
});

it.each([
  ['release', { release: 'Web_App' }, 'DNS-1123'],
  ['release', { release: 'web-' }, 'not a valid release name'],
  ['release', { release: 'a'.repeat(54) }, "over Helm's limit of 53"],
  ['release', { release: 'a'.repeat(47), strategy: 'canary' }, 'limit of 46'],
  ['release', { release: 'a'.repeat(48), strategy: 'blue-green' }, 'limit of 47'],
  ['image', { image: 'ghcr.io/team/app:1.2.3' }, 'has no digest'],
  ['image', { image: '' }, 'required for deploy'],
  ['chart', { chart: '' }, 'required for deploy'],
  ['chart', { chart: './nowhere' }, 'does not exist'],
  ['chart', { chart: 'test' }, 'has no Chart.yaml'],
  ['set', { set: 'replicaCount 3' }, 'not key=value'],
  ['set', { set: '=3' }, 'not key=value'],
  ['strategy', { strategy: 'recreate' }, 'rolling, canary, blue-green'],
  ['action', { action: 'destroy' }, 'deploy, rollback, promote, abort'],
  ['action', { action: 'promote' }, 'not rolling'],
  ['kubeconfig', { kubeconfig: '{not: yaml: [' }, 'is not YAML'],
  ['kubeconfig', { kubeconfig: 'just a string' }, 'not a kubeconfig'],
  ['aws-region', { 'cluster-name': 'prod' }, 'required with cluster-name'],
  ['canary-weight', { 'canary-weight': '150' }, 'maximum 100'],
  ['traffic-router', { 'traffic-router': 'istio' }, 'nginx, alb, replicas'],
  ['timeout', { timeout: 'soon' }, 'not a duration'],
  ['revision', { revision: '3' }, 'only used by action: rollback'],
  ['helm-version', { 'helm-version': 'latest' }, 'not a version'],
  ['helm-mirror', { 'helm-version': '3.19.0', 'helm-mirror': 'ftp://mirror.example.com' }, 'not an http(s) URL'],
  ['helm-mirror', { 'helm-version': '3.19.0', 'helm-mirror': 'not a url' }, 'not a URL'],
  ['helm-mirror', { 'helm-mirror': 'https://mirror.example.com/helm' }, "helm-version is 'path'"],
  ['helm-sha256', { 'helm-version': '3.19.0', 'helm-sha256': 'abc' }, 'not a SHA-256'],
  ['helm-sha256', { 'helm-sha256': 'a'.repeat(64) }, "helm-version is 'path'"],
  ['values-files', { 'values-files': 'nope.yaml' }, 'does not exist'],
  ['namespace', { namespace: 'Prod' }, 'not a namespace'],
])('refuses bad %s', (input, over, problem) => {
  const e = inputError(() => parse(over));
  expect(e.input).toBe(input);
  expect(e.message).toContain(problem);
});

it('takes a helm mirror and a pinned checksum for an installed helm, and leaves both unset by default', () => {
  const pinned = parse({ 'helm-version': 'v3.18.4', 'helm-mirror': 'https://mirror.example.com/helm/', 'helm-sha256': 'AB'.repeat(32) });
  expect(pinned).toMatchObject({ helmVersion: '3.18.4', helmMirror: 'https://mirror.example.com/helm/', helmSha256: 'ab'.repeat(32) });
  const plain = parse({ 'helm-version': '3.19.0' });
  expect([plain.helmMirror, plain.helmSha256]).toEqual([undefined, undefined]);
});

it('refuses a helm-mirror with credentials in it without repeating them', () => {
  const e = inputError(() => parse({ 'helm-version': '3.19.0', 'helm-mirror': 'https://ci:mirr0r-pw@mirror.example.com/helm' }));
  expect(e.input).toBe('helm-mirror');
  expect(e.message).toContain('credentials');
  expect(e.message).not.toMatch(/mirr0r-pw|ci:/);
});

it('never echoes a malformed set line value (it may be a secret)', () => {
  const e = inputError(() => parseSetLines('db.password: hunter2'));
  expect(e.message).not.toContain('hunter2');
});

it('treats keys that name credentials as secret, and ordinary keys not', () => {
  const secret = (key: string) => parseSetLines(`${key}=v`)[0].secret;
  for (const k of ['db.password', 'sshKey', 'encryption-key', 'sentry.dsn', 'db.connectionString', 'slack.webhookUrl', 'jwt.secret', 'tls.key', 'apiKey'])
    expect([k, secret(k)]).toEqual([k, true]);
  for (const k of ['replicaCount', 'ingress.host', 'monkey', 'image.pullPolicy', 'keyboard.layout']) expect([k, secret(k)]).toEqual([k, false]);
});

it('does not mask values under secret-looking keys that cannot be credentials (they would hide every "true" in the log)', () => {
  const flags = parseSetLines('auth.enabled=true\ntls.port=443\nauth.token=\napi.key=0123456789\ndb.password=false-alarm');
  expect(flags.map((s) => [s.key, s.secret])).toEqual([
    ['auth.enabled', false],
    ['tls.port', false],
    ['auth.token', false],
    ['api.key', true],
    ['db.password', true],
  ]);
});

it('refuses a secret value with a bare comma (helm --set would cut it) without echoing it', () => {
  const e = inputError(() => parseSetLines('feature=on\ndb.password=hunt,er2-tail'));
  expect(e.input).toBe('set');
  expect(e.message).toContain('line 2 (db.password) holds a comma');
  expect(e.message).not.toMatch(/hunt|er2/);
  expect(inputError(() => parseSetLines('db.password=a{b,c}')).message).toContain('holds a comma'); // braces mid-value are no list
  // escaped commas, lists, and commas in keys that do not look secret stay helm's business
  expect(parseSetLines('db.password=hunt\\,er2\napi.tokens={a,b}\nhosts=a,b=c').map((s) => [s.key, s.value, s.secret])).toEqual([
    ['db.password', 'hunt\\,er2', true],
    ['api.tokens', '{a,b}', true],
    ['hosts', 'a,b=c', false],
  ]);
});

it('takes a tag-style digest key and tag@digest images', () => {
  const i = parse({ image: `ghcr.io/team/app:1.2.3@${DIGEST}`, 'image-digest-key': 'image.tag' });
  expect(i.image).toEqual({ repository: 'ghcr.io/team/app', digest: DIGEST, tag: '1.2.3' });
  expect(i.imageDigestKey).toBe('image.tag');
});

it('does not need image or chart for rollback, nor chart for canary abort', () => {
  expect(parse({ action: 'rollback', image: '', chart: '', revision: '2' })).toMatchObject({ action: 'rollback', revision: 2 });
  expect(parse({ strategy: 'canary', action: 'abort', image: '', chart: '' }).chart).toBeUndefined();
});

it('collects kubeconfig credentials for masking', () => {
  const kc = [
    'apiVersion: v1',
    'clusters: [{name: c, cluster: {server: "https://k"}}]',
    'users:',
    '- name: u',
    '  user: {token: tkn, client-key-data: a2V5}',
    '- name: oidc',
    '  user: {auth-provider: {config: {id-token: idt, refresh-token: rft, client-id: public}}}',
    '- name: exec',
    '  user: {exec: {command: get-token, env: [{name: API_KEY, value: envsecret}]}}',
  ].join('\n');
  expect(parseKubeconfig(kc).secrets).toEqual(['tkn', 'a2V5', 'idt', 'rft', 'envsecret']);
  expect(parse({ kubeconfig: kc }).cluster).toMatchObject({ kind: 'kubeconfig', secrets: ['tkn', 'a2V5', 'idt', 'rft', 'envsecret'] });
});

it('reads EKS access and local .tgz charts', () => {
  const dir = testTempDir('chart-');
  writeFileSync(path.join(dir, 'app-0.1.0.tgz'), '');
  const i = parseInputs({ ...base, chart: 'app-0.1.0.tgz', 'cluster-name': 'prod', 'aws-region': 'eu-west-1' }, dir);
  expect(i.cluster).toEqual({ kind: 'eks', clusterName: 'prod', region: 'eu-west-1' });
  expect(i.chart).toBe('app-0.1.0.tgz');
  expect(parse({ chart: 'oci://registry.example.com/charts/app', 'chart-version': '1.2.0' }).chart).toBe('oci://registry.example.com/charts/app');
  expect(parse({ chart: 'bitnami/nginx' }).chart).toBe('bitnami/nginx');
});
