/** The Prometheus client names every way of not getting a number; a 400 is a configuration error. */
import { PrometheusClient, PrometheusConfigError, type Fetch } from '../../src/health-gate/prometheus';
import { MemoryReporter } from '../../src/toolkit/reporter';

const NOW = 1_700_000_000_000;

function answering(status: number, body: unknown, seen: { url?: string; headers?: Record<string, string> } = {}): Fetch {
  return async (url, init) => {
    seen.url = url;
    seen.headers = init.headers as Record<string, string>;
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  };
}

const vector = (...values: [number, string][]) => ({
  status: 'success',
  data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: v })) },
});

function client(fetch: Fetch, over: Partial<ConstructorParameters<typeof PrometheusClient>[0]> = {}) {
  return new PrometheusClient({
    url: 'http://prom:9090',
    auth: { kind: 'none' },
    timeoutMs: 200,
    staleAfterMs: 60_000,
    fetch,
    clock: () => NOW,
    reporter: new MemoryReporter(),
    ...over,
  });
}

it('returns the value of a one-series vector, asking at the clock time', async () => {
  const seen: { url?: string } = {};
  const r = await client(answering(200, vector([NOW / 1000, '0.25']), seen)).query('sum(up)', 'm');
  expect(r).toEqual({ kind: 'value', value: 0.25, timestampMs: NOW });
  expect(seen.url).toBe(`http://prom:9090/api/v1/query?query=sum%28up%29&time=${(NOW / 1000).toFixed(3)}`);
});

it('reads scalars', async () => {
  const r = await client(answering(200, { status: 'success', data: { resultType: 'scalar', result: [NOW / 1000, '3'] } })).query('scalar(up)', 'm');
  expect(r).toMatchObject({ kind: 'value', value: 3 });
});

it.each([
  ['an empty vector', vector(), 'empty-vector'],
  ['NaN', vector([NOW / 1000, 'NaN']), 'nan'],
  ['+Inf', vector([NOW / 1000, '+Inf']), 'infinite'],
  ['a stale sample', vector([NOW / 1000 - 120, '1']), 'stale'],
])('names %s as no data', async (_what, body, reason) => {
  const r = await client(answering(200, body)).query('q', 'm');
  expect(r).toMatchObject({ kind: 'no-data', reason });
});

it.each([
  ['HTTP 503', answering(503, { status: 'error', errorType: 'unavailable', error: 'overloaded' }), 'http-error', 'overloaded'],
  ['HTTP 422', answering(422, { status: 'error', errorType: 'execution', error: 'many-to-many matching' }), 'execution-error', 'many-to-many'],
  ['a non-API answer', answering(200, '<html>proxy</html>'), 'bad-response', 'not a Prometheus API answer'],
  ['several series', answering(200, vector([NOW / 1000, '1'], [NOW / 1000, '2'])), 'multiple-series', 'sum()'],
  [
    'a refused connection',
    (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as Fetch,
    'unreachable',
    'ECONNREFUSED',
  ],
])('names %s as an error', async (_what, fetch, reason, detail) => {
  const r = await client(fetch).query('q', 'm');
  expect(r).toMatchObject({ kind: 'error', reason });
  expect((r as { detail: string }).detail).toContain(detail);
});

it('times out a hanging Prometheus at the request timeout', async () => {
  const hanging: Fetch = (_url, init) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
  const r = await client(hanging, { timeoutMs: 50 }).query('q', 'm');
  expect(r).toMatchObject({ kind: 'error', reason: 'timeout' });
});

it('turns a 400 into a configuration error naming the metric', async () => {
  const bad = answering(400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected end of input' });
  const err = await client(bad)
    .query('sum(', 'error-rate')
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PrometheusConfigError);
  expect((err as Error).message).toContain("the query of metric 'error-rate' is invalid: 1:5: parse error");
});

it('sends bearer and basic credentials', async () => {
  const seen: { headers?: Record<string, string> } = {};
  await client(answering(200, vector([NOW / 1000, '1']), seen), { auth: { kind: 'bearer', token: 'tok' } }).query('q', 'm');
  expect(seen.headers).toEqual({ authorization: 'Bearer tok' });
  await client(answering(200, vector([NOW / 1000, '1']), seen), { auth: { kind: 'basic', username: 'u', password: 'p' } }).query('q', 'm');
  expect(seen.headers).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
  const refused = await client(answering(401, 'unauthorized'))
    .query('q', 'm')
    .catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(PrometheusConfigError);
});

describe('credentials in what Prometheus (or a proxy before it) answers', () => {
  const auth = { kind: 'basic' as const, username: 'grafana', password: 'pr0m-s3cret!' };
  const header = `Basic ${Buffer.from('grafana:pr0m-s3cret!').toString('base64')}`;
  const echo = (status: number) =>
    answering(
      status,
      `{"status":"error","errorType":"bad_data","error":"request was GET /api/v1/query\\nAuthorization: ${header}\\nuser grafana:pr0m-s3cret! pw pr0m-s3cret%21"}`,
    );
  const leaks = (text: string) => ['pr0m-s3cret', Buffer.from('grafana:pr0m-s3cret!').toString('base64').slice(0, 12)].filter((f) => text.includes(f));

  it('masks the Basic header when it is built', async () => {
    const reporter = new MemoryReporter();
    client(answering(200, vector([NOW / 1000, '1'])), { auth, reporter });
    expect(reporter.secrets).toEqual(expect.arrayContaining([header, 'pr0m-s3cret!', 'grafana:pr0m-s3cret!', 'pr0m-s3cret%21']));
  });

  it.each([422, 500, 503])('quotes a %i body without any form of the credential', async (status) => {
    const outcome = await client(echo(status), { auth }).query('q', 'm');
    expect(outcome.kind).toBe('error');
    expect(leaks(outcome.kind === 'error' ? outcome.detail : '')).toEqual([]);
  });

  it('quotes a 400 body without any form of the credential', async () => {
    const err = await client(echo(400), { auth })
      .query('q', 'm')
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(PrometheusConfigError);
    expect(leaks((err as Error).message)).toEqual([]);
    expect((err as Error).message).toContain('request was GET /api/v1/query');
  });
});
