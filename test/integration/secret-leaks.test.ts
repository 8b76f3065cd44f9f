/**
 * No credential in any form anywhere an action writes (issue 9 §5). Each action's committed
 * bundle gets secrets in every input (and config file) that takes one, services answer errors
 * that quote the request's credentials back, and test/helpers/leaks.ts greps stdout, stderr,
 * the summary, the outputs and the files written for every form of each secret.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure, ROOT, runAction, type StepResult } from '../harness/run-action';
import { startEchoProxy, type EchoProxy } from '../helpers/echo-proxy';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { Cluster, IMAGE_A, IMAGE_B } from '../helpers/helm-cluster';
import { basicAuthEntry, writeDockerConfig } from '../helpers/htpasswd';
import { pushTestImage, type PushedImage } from '../helpers/images';
import { expectNoLeaks } from '../helpers/leaks';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { testTempDir } from '../helpers/temp';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('health-gate', () => {
  // the issue's example: Basic auth to Prometheus, error bodies quoting the request headers
  const LOGIN = { username: 'grafana-reader', password: 'Pr0m-p@ss/word+9' };
  const BASIC = `Basic ${b64(`${LOGIN.username}:${LOGIN.password}`)}`;
  const TOKEN = 'prom-bearer-7f3e91c2aa';
  const CHECK_LOGIN = { username: 'ops', password: 'hc-pass-9911!' };
  const API_KEY = 'apikey-5501-zz-q';
  let prometheus: TestPrometheus;
  const proxies: EchoProxy[] = [];
  const runs: Record<string, Promise<StepResult & { reportFile: string }>> = {};
  let basicProxy: EchoProxy;
  let bearerProxy: EchoProxy;
  let checkProxy: EchoProxy;

  const gate = async (inputs: Record<string, string>) => {
    const reportFile = path.join(testTempDir('leak-report-'), 'gate.json');
    const r = await runAction('health-gate', { interval: '1s', 'request-timeout': '2s', 'report-file': reportFile, ...inputs });
    return { ...r, reportFile };
  };
  const metric = (name: string, query: string) => `- name: ${name}\n  query: ${query}\n  max: 0.05\n`;

  beforeAll(async () => {
    prometheus = await startPrometheus({});
    basicProxy = await startEchoProxy(prometheus.url, {
      authorization: BASIC,
      rules: [
        { match: /echo_400/, status: 400, format: 'prometheus-json' },
        { match: /echo_422/, status: 422, format: 'go-map' },
        { match: /echo_500/, status: 500, format: 'text' },
      ],
    });
    bearerProxy = await startEchoProxy(prometheus.url, { authorization: `Bearer ${TOKEN}`, rules: [{ match: /echo_500/, status: 500, format: 'text' }] });
    checkProxy = await startEchoProxy(prometheus.url, {
      authorization: `Basic ${b64(`${CHECK_LOGIN.username}:${CHECK_LOGIN.password}`)}`,
      rules: [{ match: /^\/healthz/, status: 200, format: 'prometheus-json' }],
    });
    proxies.push(basicProxy, bearerProxy, checkProxy);
    const basic = { 'prometheus-url': basicProxy.url, 'prometheus-username': LOGIN.username, 'prometheus-password': LOGIN.password };
    runs.basic400 = gate({ ...basic, count: '3', 'min-samples': '1', metrics: metric('errors', 'vector(0) + on() echo_400') });
    runs.basic422 = gate({ ...basic, count: '3', 'min-samples': '1', metrics: metric('errors', 'sum(echo_422)') });
    runs.basic500 = gate({ ...basic, count: '3', 'min-samples': '1', metrics: metric('errors', 'sum(echo_500)') });
    runs.basicPass = gate({ ...basic, count: '2', 'min-samples': '1', metrics: metric('errors', 'vector(0.01)') });
    runs.bearer500 = gate({
      'prometheus-url': bearerProxy.url,
      'prometheus-token': TOKEN,
      count: '3',
      'min-samples': '1',
      metrics: metric('errors', 'sum(echo_500)'),
    });
    runs.checks = gate({
      urls: `${checkProxy.url}/healthz`,
      headers: `Authorization: Basic ${b64(`${CHECK_LOGIN.username}:${CHECK_LOGIN.password}`)}\nX-Api-Key: ${API_KEY}`,
      'body-match': '$.error == "none"',
      'check-interval': '200ms',
      'consecutive-successes': '1',
      deadline: '1s',
    });
    await Promise.allSettled(Object.values(runs));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await prometheus?.stop();
  });

  it.each([
    ['400', 'basic400', 'is invalid'],
    ['422', 'basic422', 'verdict error'],
    ['500', 'basic500', 'verdict error'],
  ])('Prometheus answering %s with the request headers quoted: no form of the login anywhere', async (_status, key, mention) => {
    const r = await runs[key];
    expectCleanFailure(r, mention);
    // the proxy really got the header and quoted it back, so the test can fail
    expect(basicProxy.authorizations).toContain(BASIC);
    expect(basicProxy.echoed.some((b) => b.includes(BASIC.slice(6)))).toBe(true);
    expect(r.log).toContain(`::add-mask::${BASIC}`);
    expect(JSON.parse(r.outputs.report).verdict).toBe('error');
    expectNoLeaks(r, { 'prometheus-password': LOGIN }, { files: [r.reportFile] });
    // the quoted answer is still there for the reader, minus the credential
    expect(r.outputs.report).toMatch(/request was GET|bad request: headers|upstream rejected the request/);
  });

  it('passes through the proxy to the real Prometheus with the login, and writes no form of it', async () => {
    const r = await runs.basicPass;
    expect(r.exitCode).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expectNoLeaks(r, { 'prometheus-password': LOGIN }, { files: [r.reportFile] });
  });

  it('keeps a bearer token out of everything when Prometheus quotes it', async () => {
    const r = await runs.bearer500;
    expectCleanFailure(r, 'verdict error');
    expect(bearerProxy.echoed.some((b) => b.includes(TOKEN))).toBe(true);
    expectNoLeaks(r, { 'prometheus-token': TOKEN }, { files: [r.reportFile] });
  });

  it('keeps secret check headers (a Basic header written whole, an API key) out of everything when the body echoes them', async () => {
    const r = await runs.checks;
    expectCleanFailure(r, 'health checks did not reach');
    expect(checkProxy.echoed.some((b) => b.includes(API_KEY))).toBe(true);
    expect(r.errors[0]).toContain('$.error == "none" does not hold');
    expectNoLeaks(r, { 'headers (Authorization)': CHECK_LOGIN, 'headers (X-Api-Key)': API_KEY }, { files: [r.reportFile] });
  });
});

describe('promote-artifact', () => {
  // one destination per way a registry credential reaches the client: config.json `auth`,
  // an identity (refresh) token, a credential helper
  const PASSWORD = 'Reg-p@ss:w0rd/77';
  const REFRESH = 'refresh-tok-0b7c55aa91';
  const HELPER = { username: 'helper-user', password: 'helper-s3cret-4411' };
  const secrets = { 'config.json auth': { username: 'ci', password: PASSWORD }, identitytoken: REFRESH, 'credential helper': HELPER };
  let source: TestRegistry;
  let target: TestRegistry;
  let image: PushedImage;
  const proxies = {} as Record<'basic' | 'refresh' | 'helper', FaultProxy>;
  let dockerConfig: string;
  let helperEnv: Record<string, string>;

  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry(), startRegistry()]);
    image = await pushTestImage(source.host, 'team/app', 'rc', { layerSizes: [20_000] });
    proxies.basic = await startFaultProxy(target.url, { bearer: { users: { ci: PASSWORD } } });
    proxies.refresh = await startFaultProxy(target.url, { bearer: { users: {}, refreshTokens: [REFRESH] } });
    proxies.helper = await startFaultProxy(target.url, { bearer: { users: { [HELPER.username]: HELPER.password } } });
    const store = path.join(testTempDir('leak-cred-store-'), 'creds.json');
    writeFileSync(store, JSON.stringify({ [proxies.helper.host]: { Username: HELPER.username, Secret: HELPER.password } }));
    dockerConfig = writeDockerConfig({
      auths: { [proxies.basic.host]: basicAuthEntry('ci', PASSWORD), [proxies.refresh.host]: { identitytoken: REFRESH } },
      credHelpers: { [proxies.helper.host]: 'shipline-test' },
    }).dir;
    helperEnv = { SHIPLINE_TEST_CREDENTIALS: store, DOCKER_CONFIG: dockerConfig };
  });
  afterAll(async () => {
    await Promise.all(Object.values(proxies).map((p) => p.stop()));
    await Promise.all([source?.stop(), target?.stop()]);
  });

  const promote = (destinations: string) =>
    runAction(
      'promote-artifact',
      { source: `${source.host}/team/app@${image.digest}`, destinations },
      { env: helperEnv, path: [path.join(ROOT, 'test', 'doubles')] },
    );

  it('promotes with every kind of registry credential and writes no form of any', async () => {
    const r = await promote(`${proxies.basic.host}/a/app:v1, ${proxies.refresh.host}/b/app:v1, ${proxies.helper.host}/c/app:v1`);
    expect(r.exitCode).toBe(0);
    // each proxy really was asked with its credential
    expect(proxies.basic.tokenRequests.map((t) => t.grant)).toContain('basic');
    expect(proxies.refresh.tokenRequests.map((t) => t.grant)).toContain('refresh_token');
    expect(proxies.helper.tokenRequests.map((t) => t.grant)).toContain('basic');
    expectNoLeaks(r, secrets);
  });

  it.each([
    ['basic', `backend refused Authorization: Basic ${b64(`ci:${PASSWORD}`)} for ci:${PASSWORD}`],
    ['refresh', `token exchange failed: grant_type=refresh_token&refresh_token=${encodeURIComponent(REFRESH)} ({"refresh_token":"${REFRESH}"})`],
    ['helper', `login ${HELPER.username}:${HELPER.password} rejected (password=${encodeURIComponent(HELPER.password)})`],
  ] as const)('a registry error quoting the %s credential is quoted without it', async (kind, message) => {
    proxies[kind].addRule({
      method: 'PUT',
      path: /\/manifests\//,
      times: 20,
      fault: { kind: 'status', status: 500, body: JSON.stringify({ errors: [{ code: 'UNKNOWN', message }] }) },
    });
    const r = await promote(`${proxies[kind].host}/fail-${kind}/app:v1`);
    expectCleanFailure(r, '500');
    expectNoLeaks(r, secrets);
  });
});

describe('build-and-scan', () => {
  // build secrets (input) and the registry login (config.json), pushed through a token registry
  const BUILD_SECRETS = { npm_token: 'npm_Bu1ldS3cret-value', gh_pat: 'ghp_0123456789abcdefXYZ' };
  const PASSWORD = 'Push-p@ss:w0rd/88';
  const secrets = { ...BUILD_SECRETS, 'config.json auth': { username: 'ci', password: PASSWORD } };
  let target: TestRegistry;
  let proxy: FaultProxy;
  let dockerConfig: string;

  beforeAll(async () => {
    target = await startRegistry();
    proxy = await startFaultProxy(target.url, { bearer: { users: { ci: PASSWORD } } });
    dockerConfig = writeDockerConfig({ auths: { [proxy.host]: basicAuthEntry('ci', PASSWORD) } }).dir;
  });
  afterAll(async () => {
    await proxy?.stop();
    await target?.stop();
  });

  const build = (repository: string) => {
    const ws = testTempDir('leak-ws-');
    writeFileSync(path.join(ws, 'hello.txt'), 'hello\n');
    writeFileSync(path.join(ws, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    return runAction(
      'build-and-scan',
      {
        builder: 'docker',
        'trivy-version': 'path',
        image: `${proxy.host}/${repository}`,
        tags: 'v1',
        secrets: Object.entries(BUILD_SECRETS)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      },
      {
        cwd: ws,
        path: [path.join(ROOT, 'test', 'doubles', 'bin')],
        env: { TRIVY_DOUBLE_REPORT: path.join(ROOT, 'test', 'fixtures', 'trivy', 'npm.json'), DOCKER_CONFIG: dockerConfig },
      },
    );
  };

  it('builds with build secrets, pushes with the login, and writes no form of either (reports and SARIF included)', async () => {
    const r = await build('team/ok');
    expect(r.exitCode).toBe(0);
    expect(proxy.tokenRequests.map((t) => t.grant)).toContain('basic');
    expect(r.outputs['sarif-file']).toBeTruthy();
    expectNoLeaks(r, secrets, { files: [r.outputs['report-file'], r.outputs['sarif-file']] });
  });

  it('a push refused with a body quoting the login is reported without it', async () => {
    proxy.addRule({
      method: 'PUT',
      path: /\/manifests\//,
      times: 20,
      fault: {
        kind: 'status',
        status: 500,
        body: JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `refused Authorization: Basic ${b64(`ci:${PASSWORD}`)} (ci:${PASSWORD})` }] }),
      },
    });
    const r = await build('team/refused');
    expectCleanFailure(r, '500');
    expectNoLeaks(r, secrets);
  });
});

describe('helm-deploy', () => {
  // secret `set` values and every credential a kubeconfig input holds
  const DB_PASSWORD = 'db-P@ss/word,x9';
  const API_TOKEN = 'api-tok-55aa77bb99';
  const KUBE_TOKEN = 'kube-bearer-tok-31337abc';
  const KUBE_LOGIN = { username: 'admin', password: 'kube-p@ssw0rd-x' };
  const secrets = { 'set db.password': DB_PASSWORD, 'set api.token': API_TOKEN, 'kubeconfig token': KUBE_TOKEN, 'kubeconfig password': KUBE_LOGIN };
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: k',
    '  cluster: {server: "https://127.0.0.1:6443"}',
    'users:',
    '- name: u',
    `  user: {token: "${KUBE_TOKEN}", username: "${KUBE_LOGIN.username}", password: "${KUBE_LOGIN.password}"}`,
    'contexts: [{name: k, context: {cluster: k, user: u}}]',
    'current-context: k',
  ].join('\n');
  const set = `db.password=${DB_PASSWORD.replace(',', '\\,')}\napi.token=${API_TOKEN}\nreplicaCount=1`;

  it('deploys with secret values and a kubeconfig and writes no form of any', async () => {
    const c = new Cluster();
    const r = await c.deploy({ image: IMAGE_A, kubeconfig, set });
    expect(r.exitCode).toBe(0);
    expect((c.history('web')[0].values.db as { password?: string }).password).toBe(DB_PASSWORD); // helm got the value
    expectNoLeaks(r, secrets);
  });

  it('a failed upgrade (hook failure, rolled back) is reported without any of them', async () => {
    const c = new Cluster();
    expect((await c.deploy({ image: IMAGE_A, kubeconfig, set })).exitCode).toBe(0);
    c.fault('upgrade', 'web', 'hook');
    const r = await c.deploy({ image: IMAGE_B, kubeconfig, set });
    expect(r.exitCode).toBe(1);
    expectNoLeaks(r, secrets);
  });
});
