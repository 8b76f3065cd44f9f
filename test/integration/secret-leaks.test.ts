/**
 * No credential in any form anywhere an action writes (issue 9 §5). Each action's committed
 * bundle gets secrets in every input (and config file) that takes one, services answer errors
 * that quote the request's credentials back, and test/helpers/leaks.ts greps stdout, stderr,
 * the summary, the outputs and the files written for every form of each secret.
 */
import * as path from 'node:path';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { startEchoProxy, type EchoProxy } from '../helpers/echo-proxy';
import { expectNoLeaks, findLeaks, stepSources } from '../helpers/leaks';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
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

  it('the leak check itself finds the login in the proxy answer it is shown', () => {
    const sources = [{ where: 'echoed', text: basicProxy.echoed.join('\n') }];
    expect(findLeaks(sources, { login: LOGIN }).length).toBeGreaterThan(0);
    expect(
      stepSources({ stdout: `::add-mask::${LOGIN.password}\nok`, stderr: '', summary: '', outputs: {}, tempDir: '/nonexistent' } as StepResult)[0].text,
    ).toBe('ok');
  });
});
