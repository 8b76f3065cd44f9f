/**
 * Instant queries against Prometheus' HTTP API. Every way of not getting a usable number has
 * its own name, so the report can say why and the analysis never mistakes it for a pass:
 * no data (empty vector, NaN, ±Inf, stale sample) is a property of the metric; an error
 * (unreachable, timeout, HTTP error, execution error) is a property of Prometheus. A 400
 * means the PromQL itself is wrong: that is a configuration error and ends the gate.
 */
import { ServiceError } from '../toolkit/errors';
import type { Fetch } from '../toolkit/fetch';
import type { Reporter } from '../toolkit/reporter';
import { basicAuthorization, bearerAuthorization, scrubServiceText } from '../toolkit/secrets';

export type { Fetch } from '../toolkit/fetch';

/** How queries authenticate: nothing, a bearer token, or basic auth (prometheus-token / -username / -password). */
export type PrometheusAuth = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

/**
 * `first-reading`: a raw counter read for the first time, so there is no difference yet (a warm-up, always inconclusive).
 * `no-datapoint` / `same-period`: CloudWatch (cloudwatch/metric-data.ts): no new datapoint, or the same period re-read (not counted).
 */
export type NoDataReason = 'empty-vector' | 'nan' | 'infinite' | 'stale' | 'no-traffic' | 'first-reading' | 'no-datapoint' | 'same-period';
export type QueryErrorReason = 'unreachable' | 'timeout' | 'http-error' | 'execution-error' | 'bad-response' | 'multiple-series';

export type QueryOutcome =
  | { kind: 'value'; value: number; timestampMs: number }
  | { kind: 'no-data'; reason: NoDataReason; detail: string }
  | { kind: 'error'; reason: QueryErrorReason; detail: string };

/** The query can never work as written (PromQL syntax, unknown function, refused credentials). */
export class PrometheusConfigError extends ServiceError {
  constructor(problem: string, hint: string) {
    super('Prometheus', problem, hint);
  }
}

export interface PrometheusOptions {
  url: string;
  auth: PrometheusAuth;
  timeoutMs: number;
  /** A sample older than this (by its timestamp) is stale. */
  staleAfterMs: number;
  fetch?: Fetch;
  clock?: () => number;
  /** Registers the Authorization header (and every form of the credential) as a secret when it is built. */
  reporter: Pick<Reporter, 'setSecret'>;
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

function headersFor(auth: PrometheusAuth, reporter: Pick<Reporter, 'setSecret'>): Record<string, string> {
  if (auth.kind === 'bearer') return { authorization: bearerAuthorization(reporter, auth.token) };
  if (auth.kind === 'basic') return { authorization: basicAuthorization(reporter, auth.username, auth.password) };
  return {};
}

/** The credentials of `auth`, for scrubbing what Prometheus (or a proxy before it) answers. */
function secretsOf(auth: PrometheusAuth): string[] {
  if (auth.kind === 'bearer') return [auth.token];
  if (auth.kind === 'basic') return [auth.password, `${auth.username}:${auth.password}`];
  return [];
}

/** Prometheus writes sample values as strings: "1.5", "NaN", "+Inf", "-Inf". */
function sampleOutcome(pair: unknown, now: number, staleAfterMs: number): QueryOutcome {
  if (!Array.isArray(pair) || pair.length !== 2) return { kind: 'error', reason: 'bad-response', detail: `unexpected sample ${JSON.stringify(pair)}` };
  const timestampMs = Number(pair[0]) * 1000;
  const raw = String(pair[1]);
  // Number('+Inf') is NaN, so infinities are read by name.
  const value = /^[+-]?Inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
  if (Number.isNaN(value)) return { kind: 'no-data', reason: 'nan', detail: 'the query returned NaN (often 0/0: no requests in the window)' };
  if (!Number.isFinite(value)) return { kind: 'no-data', reason: 'infinite', detail: `the query returned ${raw} (a division by zero)` };
  if (now - timestampMs > staleAfterMs) {
    return {
      kind: 'no-data',
      reason: 'stale',
      detail: `the newest sample is ${Math.round((now - timestampMs) / 1000)} s old (limit ${Math.round(staleAfterMs / 1000)} s)`,
    };
  }
  return { kind: 'value', value, timestampMs };
}

export class PrometheusClient {
  private readonly fetch: Fetch;
  private readonly clock: () => number;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];

  constructor(private readonly opts: PrometheusOptions) {
    this.fetch = opts.fetch ?? ((url, init) => fetch(url, init));
    this.clock = opts.clock ?? Date.now;
    this.headers = headersFor(opts.auth, opts.reporter);
    this.secrets = secretsOf(opts.auth);
  }

  /** At most `max` characters of a body Prometheus (or a proxy) answered, credentials removed. */
  private quote(text: string, max = 200): string {
    return scrubServiceText(text, this.secrets).slice(0, max);
  }

  /** One instant query at "now"; throws PrometheusConfigError only for errors no retry can fix. */
  async query(promql: string, metricName: string): Promise<QueryOutcome> {
    const now = this.clock();
    const url = `${this.opts.url}/api/v1/query?${new URLSearchParams({ query: promql, time: (now / 1000).toFixed(3) })}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError')
        return { kind: 'error', reason: 'timeout', detail: `no answer from ${this.opts.url} within ${this.opts.timeoutMs} ms` };
      const cause = err.cause?.code ?? err.cause?.message ?? err.message;
      return { kind: 'error', reason: 'unreachable', detail: `cannot reach ${this.opts.url} (${cause})` };
    }
    let body: ApiBody | undefined;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      body = undefined;
    }
    if (res.status === 400) {
      throw new PrometheusConfigError(
        `the query of metric '${metricName}' is invalid: ${this.quote(body?.error ?? text)}`,
        `Fix the PromQL of '${metricName}' in the metrics input (try it in the Prometheus UI)`,
      );
    }
    if (res.status === 401 || res.status === 403) {
      throw new PrometheusConfigError(
        `answered HTTP ${res.status} to the query of metric '${metricName}'`,
        'Check prometheus-token or prometheus-username/-password',
      );
    }
    if (res.status === 422)
      return { kind: 'error', reason: 'execution-error', detail: `Prometheus could not evaluate the query: ${this.quote(body?.error ?? text)}` };
    if (!res.ok) return { kind: 'error', reason: 'http-error', detail: `HTTP ${res.status}: ${this.quote(body?.error ?? text)}` };
    if (!body || body.status !== 'success' || !body.data)
      return { kind: 'error', reason: 'bad-response', detail: `not a Prometheus API answer: ${this.quote(text)}` };

    const { resultType, result } = body.data;
    if (resultType === 'scalar') return sampleOutcome(result, now, this.opts.staleAfterMs);
    if (resultType !== 'vector')
      return { kind: 'error', reason: 'bad-response', detail: `the query returned a ${resultType}; give an instant vector or scalar expression` };
    const series = Array.isArray(result) ? (result as { metric?: Record<string, string>; value?: unknown }[]) : [];
    if (series.length === 0)
      return { kind: 'no-data', reason: 'empty-vector', detail: 'the query returned an empty vector (no matching series, or rate() before two scrapes exist)' };
    if (series.length > 1) {
      const labels = series
        .slice(0, 3)
        .map((s) => JSON.stringify(s.metric ?? {}))
        .join(', ');
      return {
        kind: 'error',
        reason: 'multiple-series',
        detail: `the query returned ${series.length} series (${labels}); aggregate it to one, e.g. with sum()`,
      };
    }
    return sampleOutcome(series[0].value, now, this.opts.staleAfterMs);
  }
}
