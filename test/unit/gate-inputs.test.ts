/** Parsing of health-gate inputs: every bad value is one InputError naming the input and the fix. */
import { InputError } from '../../src/toolkit/errors';
import { inputError } from '../helpers/input-error';
import { bodyMismatch, parseBodyMatch } from '../../src/health-gate/body-match';
import { statusExpected } from '../../src/health-gate/http-checks';
import { parseInputs } from '../../src/health-gate/inputs';
import { parseMetrics } from '../../src/health-gate/metrics-spec';

const METRICS = `
- name: error-rate
  query: sum(rate(errors{track="canary"}[1m]))
  baseline: sum(rate(errors{track="stable"}[1m]))
  max: 0.05
  critical: true
- name: p99
  query: histogram_quantile(0.99, sum by (le) (rate(latency_bucket[1m])))
  min: 0
  max: 0.5
  no-data: fail
`;

describe('parseMetrics', () => {
  it('reads metrics with their conditions, defaults and the worse direction', () => {
    const [a, b] = parseMetrics(METRICS);
    expect(a).toMatchObject({
      name: 'error-rate',
      max: 0.05,
      critical: true,
      noData: 'inconclusive',
      direction: 'increase',
      baseline: 'sum(rate(errors{track="stable"}[1m]))',
    });
    expect(b).toMatchObject({ name: 'p99', min: 0, max: 0.5, critical: false, noData: 'fail', direction: 'either' });
  });

  it('finds the count window of count metrics (for overlapping increase() windows)', () => {
    const yaml = (q: string) => `- name: e\n  query: ${q}\n  total: sum(increase(req[30s]))\n  max: 1\n`;
    expect(parseMetrics(yaml('sum(increase(err[1m30s]))'))[0].countWindowMs).toBe(90_000);
    expect(parseMetrics(yaml('max_over_time(sum(increase(err[1m]))[5m:30s])'))[0].countWindowMs).toBe(300_000);
    expect(parseMetrics('- name: p\n  query: sum(rate(x[5m]))\n  max: 1\n')[0].countWindowMs).toBeUndefined();
  });

  it('reads raw counters with counters: true, and refuses it with a range or without total', () => {
    const yaml = (q: string, extra = '  counters: true\n') =>
      `- name: e\n  query: ${q}\n  total: sum(req_total)\n  baseline: sum(s_err_total)\n  baseline-total: sum(s_req_total)\n  max: 1\n${extra}`;
    expect(parseMetrics(yaml('sum(err_total)'))[0]).toMatchObject({ cumulative: true });
    expect(parseMetrics(yaml('sum(err_total)', ''))[0]).toMatchObject({ cumulative: false });
    expect(inputError(() => parseMetrics(yaml('sum(increase(err_total[30s]))'))).message).toContain(
      "metric 'e': counters is true but a query has a range selector",
    );
    expect(inputError(() => parseMetrics('- name: p\n  query: up\n  max: 1\n  counters: true\n')).message).toContain('counters needs total');
    expect(inputError(() => parseMetrics(yaml('sum(err_total)', '  counters: yes please\n'))).message).toContain('counters must be true or false');
  });

  it('says where malformed YAML is', () => {
    const e = inputError(() => parseMetrics('- name: a\n  query: up\n  max: [1, 2\n'));
    expect(e.input).toBe('metrics');
    expect(e.message).toMatch(/line \d+, column \d+/);
  });

  it.each([
    ['- name: a\n  query: up\n  maxx: 1\n', "unknown key 'maxx'"],
    ['- name: a\n  query: up\n', 'has no condition'],
    ['- name: a\n  query: up\n  max: lots\n', 'not a number'],
    ['- name: a\n  max: 1\n', 'has no query'],
    ['- name: a\n  query: up\n  max: 1\n  no-data: pass\n', 'no-data'],
    ['- name: a\n  query: up\n  max: 1\n  critical: yes please\n', 'critical must be true or false'],
    ['- name: a\n  query: up\n  max: 1\n- name: a\n  query: up\n  max: 2\n', 'declared twice'],
    ['name: a\nquery: up\n', 'must be a YAML list'],
    ['- name: a\n  query: up\n  max: 1\n  total: t\n  baseline: b\n', 'baseline-total'],
  ])('refuses %p', (yaml, problem) => {
    const e = inputError(() => parseMetrics(yaml));
    expect(e.input).toBe('metrics');
    expect(e.message).toContain(problem);
  });
});

describe('parseInputs', () => {
  const base = { 'prometheus-url': 'http://127.0.0.1:9090/', metrics: METRICS };

  it('applies the defaults', () => {
    const i = parseInputs(base);
    expect(i.analysis).toMatchObject({
      prometheusUrl: 'http://127.0.0.1:9090',
      intervalMs: 30_000,
      count: 10,
      failureLimit: 0,
      inconclusiveLimit: 2,
      consecutiveErrorLimit: 2,
      minSamples: 5,
      effectSize: 1.5,
      confidence: 0.99,
      queryTimeoutMs: 5000,
      auth: { kind: 'none' },
    });
    expect(i).toMatchObject({ inconclusiveIs: 'fail', failOn: 'any', http: undefined, traffic: undefined });
  });

  it('turns a duration into a count of intervals', () => {
    expect(parseInputs({ ...base, interval: '10s', duration: '2m' }).analysis?.count).toBe(12);
  });

  it('collects every credential as a secret', () => {
    const i = parseInputs({
      ...base,
      'prometheus-username': 'u',
      'prometheus-password': 'p4ss',
      urls: 'http://x/healthz',
      headers: 'Authorization: Bearer s3cret\nX-Env: prod',
    });
    expect(i.analysis?.auth).toEqual({ kind: 'basic', username: 'u', password: 'p4ss' });
    expect(i.secrets).toEqual(expect.arrayContaining(['p4ss', 'Bearer s3cret', 'prod']));
    expect(i.http?.headers).toEqual({ Authorization: 'Bearer s3cret', 'X-Env': 'prod' });
  });

  it.each([
    [{ interval: '-5s' }, 'interval', 'negative'],
    [{ interval: '0s' }, 'interval', 'not a positive duration'],
    [{ interval: 'soon' }, 'interval', 'not a duration'],
    [{ 'request-timeout': '5 minutes' }, 'request-timeout', 'not a duration'],
    [{ 'prometheus-url': 'ftp://prom' }, 'prometheus-url', 'not an http(s) URL'],
    [{ urls: 'file:///etc/passwd' }, 'urls', 'not an http(s) URL'],
    [{ count: '5', duration: '1m' }, 'count', 'both set'],
    [{ count: '3', 'min-samples': '4' }, 'min-samples', 'more than'],
    [{ 'inconclusive-is': 'maybe' }, 'inconclusive-is', 'not one of'],
    [{ 'fail-on': 'sometimes' }, 'fail-on', 'not one of'],
    [{ 'traffic-rps': '5' }, 'traffic-url', 'is needed'],
    [{ 'prometheus-token': 't', 'prometheus-username': 'u', 'prometheus-password': 'p' }, 'prometheus-token', 'both set'],
    [{ 'prometheus-username': 'u' }, 'prometheus-password', 'missing'],
    [{ confidence: '2' }, 'confidence', 'above the maximum'],
    [{ 'effect-size': '0.5' }, 'effect-size', 'below the minimum'],
    [{ 'prometheus-url': '' }, 'prometheus-url', 'needed'],
    [{ urls: 'http://x', 'expected-status': '2x' }, 'expected-status', 'not a status code'],
    [{ urls: 'http://x', headers: 'no colon here' }, 'headers', 'not a header line'],
    [{ urls: 'http://x', 'body-match': '$.status == ok' }, 'body-match', 'not a JSON value'],
  ])('refuses %p naming %s', (over, input, problem) => {
    const e = inputError(() => parseInputs({ ...base, ...over }));
    expect(e.input).toBe(input);
    expect(e.message).toContain(problem);
  });

  it('refuses a malformed header line without repeating its value', () => {
    for (const headers of ['Authorization Bearer tok3n-abc:def', 'X-Key=tok3n-abc', 'Authorization tok3n-abc']) {
      const e = inputError(() => parseInputs({ ...base, urls: 'http://x', headers }));
      expect(e.input).toBe('headers');
      expect(e.message).toContain('not a header line');
      expect(e.message).not.toContain('tok3n');
    }
  });

  it('refuses URLs with credentials in them without repeating the password', () => {
    for (const [over, input] of [
      [{ 'prometheus-url': 'https://admin:hunter2@prom.example.com' }, 'prometheus-url'],
      [{ urls: 'https://admin:hunter2@svc/healthz' }, 'urls'],
      [{ 'traffic-rps': '1', 'traffic-url': 'http://admin:hunter2@svc/' }, 'traffic-url'],
    ] as const) {
      const e = inputError(() => parseInputs({ ...base, ...over }));
      expect(e.input).toBe(input);
      expect(e.message).toContain('contains credentials');
      expect(e.message).not.toContain('hunter2');
    }
  });

  it('needs something to check', () => {
    expect(inputError(() => parseInputs({})).input).toBe('urls');
  });
});

describe('status and body matching', () => {
  it('matches codes and classes', () => {
    expect(statusExpected(['200', '204'], 204)).toBe(true);
    expect(statusExpected(['2xx'], 299)).toBe(true);
    expect(statusExpected(['2xx'], 301)).toBe(false);
  });

  it('evaluates JSON path conditions and regexes', () => {
    const eq = parseBodyMatch('$.status == "ok"')!;
    expect(bodyMismatch(eq, '{"status":"ok"}')).toBeUndefined();
    expect(bodyMismatch(eq, '{"status":"degraded"}')).toContain('"degraded"');
    expect(bodyMismatch(eq, 'not json')).toContain('not JSON');
    const nested = parseBodyMatch('$.checks[1]["db"].up == true')!;
    expect(bodyMismatch(nested, '{"checks":[{},{"db":{"up":true}}]}')).toBeUndefined();
    expect(bodyMismatch(nested, '{"checks":[{}]}')).toContain('missing');
    const present = parseBodyMatch('$.ready')!;
    expect(bodyMismatch(present, '{"ready":false}')).toBeDefined();
    const ne = parseBodyMatch('$.version != null')!;
    expect(bodyMismatch(ne, '{}')).toBeDefined();
    expect(bodyMismatch(ne, '{"version":"1.2"}')).toBeUndefined();
    const rx = parseBodyMatch('/^OK$/im')!;
    expect(bodyMismatch(rx, 'ok')).toBeUndefined();
    expect(bodyMismatch(rx, 'fail')).toBeDefined();
    expect(() => parseBodyMatch('/[/')).toThrow(InputError);
    expect(() => parseBodyMatch('status')).toThrow(/does not start with \$/);
  });
});
