/** Inputs of health-gate: HTTP checks, Prometheus analysis settings, traffic and reporting. */
import { InputError } from '../toolkit/errors';
import {
  parseBoolean,
  parseDuration,
  formatDuration,
  parseEnum,
  parseHttpUrlWithoutCredentials,
  parseInteger,
  parseLines,
  parseList,
  parseNumber,
  parseAwsRegion,
  rawValue,
  type InputSpecs,
  type RawInputs,
} from '../toolkit/inputs';
import { parseBodyMatch, type BodyMatch } from './body-match';
import { parseAlarmSelectors, type AlarmSelector } from './cloudwatch/alarm-selectors';
import { parseMetrics, type MetricSpec } from './metrics-spec';
import type { PrometheusAuth } from './prometheus';

export const INPUTS = {
  urls: {},
  'expected-status': { default: '200' },
  'body-match': {},
  'request-timeout': { default: '5s' },
  'check-interval': { default: '5s' },
  'consecutive-successes': { default: '3' },
  deadline: {},
  headers: {},
  'prometheus-url': {},
  'prometheus-token': {},
  'prometheus-username': {},
  'prometheus-password': {},
  metrics: {},
  interval: {},
  count: {},
  duration: {},
  'failure-limit': { default: '0' },
  'inconclusive-limit': { default: '2' },
  'consecutive-error-limit': { default: '2' },
  'consecutive-success-limit': { default: '0' },
  'min-samples': {},
  'effect-size': { default: '1.5' },
  confidence: { default: '0.99' },
  'compare-baseline': { default: 'true' },
  'inconclusive-is': { default: 'fail' },
  'fail-on': { default: 'any' },
  'traffic-url': {},
  'traffic-rps': { default: '0' },
  'report-file': {},
  'cloudwatch-alarms': {},
  'aws-region': {},
} as const satisfies InputSpecs;

export const OUTPUTS = ['verdict', 'score', 'report', 'report-file'] as const;

export interface HttpCheckSettings {
  urls: string[];
  expectedStatus: string[];
  bodyMatch?: BodyMatch;
  requestTimeoutMs: number;
  intervalMs: number;
  consecutiveSuccesses: number;
  deadlineMs: number;
  headers: Record<string, string>;
}

export interface AnalysisSettings {
  /** Set when a metric reads Prometheus (has `query:`). */
  prometheusUrl?: string;
  auth: PrometheusAuth;
  /** Prometheus (`query:`) and CloudWatch (`cloudwatch:`) metrics, in the order given. */
  metrics: MetricSpec[];
  /** cloudwatch-alarms: each alarm is judged every measurement as a critical metric. */
  alarms: AlarmSelector[];
  /** aws-region: set when a CloudWatch input (alarms or a cloudwatch: metric) is used. */
  awsRegion?: string;
  intervalMs: number;
  /** Measurements to take (a duration input is turned into a count of intervals). */
  count: number;
  queryTimeoutMs: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  consecutiveSuccessLimit: number;
  /** The min-samples in force: explicit, or the smaller of 5 and count. */
  minSamples: number;
  /** min-samples as the user gave it (undefined: the default), so a per-step count can recompute the default. */
  explicitMinSamples?: number;
  effectSize: number;
  confidence: number;
  /** false: baseline queries are not run and metrics are judged by max/min only (stable gets no traffic). */
  compareBaseline: boolean;
}

export interface GateInputs {
  http?: HttpCheckSettings;
  analysis?: AnalysisSettings;
  inconclusiveIs: 'fail' | 'pass';
  failOn: 'any' | 'none';
  traffic?: { url: string; rps: number };
  reportFile?: string;
  /** Every credential given, so `run` registers them as secrets before anything is logged. */
  secrets: string[];
}

const DEFAULT_COUNT = 10;
/** min-samples when not given: this, or every measurement when count is smaller (a default never conflicts with a valid count). */
export const DEFAULT_MIN_SAMPLES = 5;

/**
 * The min-samples the analysis uses: the explicit value, which may not exceed count (an input
 * error naming min-samples), or the smaller of DEFAULT_MIN_SAMPLES and count.
 * `countSource` names where count came from, for the message (count, duration, or the default).
 */
export function resolveMinSamples(explicit: number | undefined, count: number, countSource?: string): number {
  if (explicit === undefined) return Math.min(DEFAULT_MIN_SAMPLES, count);
  if (explicit > count)
    throw new InputError(
      'min-samples',
      `${explicit} is more than the ${count} measurements the analysis takes${countSource ? ` (${countSource})` : ` (default count ${DEFAULT_COUNT})`}`,
      `Lower min-samples to at most ${count}, or raise count/duration`,
    );
  return explicit;
}

export function parseStatusList(value: string): string[] {
  const list = parseList(value);
  if (list.length === 0) throw new InputError('expected-status', 'is empty', 'Give codes such as 200, 204 or a class such as 2xx');
  for (const s of list) {
    if (!/^[1-5](\d\d|xx)$/i.test(s))
      throw new InputError('expected-status', `'${s}' is not a status code or class`, 'Give codes such as 200, 204 or a class such as 2xx');
  }
  return list.map((s) => s.toLowerCase());
}

function parseHeaders(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [n, line] of parseLines(value).entries()) {
    const at = line.indexOf(':');
    const name = at > 0 ? line.slice(0, at).trim() : '';
    // Quote only the first word: the rest of a malformed line ("Authorization Bearer abc:d") may be the credential.
    const start =
      line
        .trim()
        .split(/[\s:=]/)[0]
        .slice(0, 40) || '(no name)';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new InputError('headers', `line ${n + 1} ('${start}…') is not a header line`, 'Write one "Name: value" per line');
    headers[name] = line.slice(at + 1).trim();
  }
  return headers;
}

/** Positive durations only: a zero or negative interval would spin or never end. */
function positiveDuration(name: string, value: string): number {
  if (value.trim().startsWith('-')) throw new InputError(name, `'${value}' is negative`, 'Give a positive duration such as 30s');
  const ms = parseDuration(name, value);
  if (ms <= 0) throw new InputError(name, `'${value}' is not a positive duration`, 'Give a positive duration such as 30s');
  return ms;
}

/** Default deadline of the HTTP checks: 5 minutes, or room for twice the healthy rounds needed when they take longer. */
export const DEFAULT_DEADLINE_MS = 300_000;
/** Default interval between measurements (raised to the longest CloudWatch period, lowered to duration). */
export const DEFAULT_INTERVAL_MS = 30_000;

/**
 * deadline: explicit (it must leave room for consecutive-successes rounds, (n - 1) intervals,
 * or the checks could never pass), or the larger of 5 minutes and 2 x n x check-interval.
 */
function httpDeadline(raw: string, successes: number, intervalRaw: string): number {
  const intervalMs = positiveDuration('check-interval', intervalRaw);
  const needed = (successes - 1) * intervalMs;
  if (raw === '') return Math.max(DEFAULT_DEADLINE_MS, 2 * successes * intervalMs);
  const deadlineMs = positiveDuration('deadline', raw);
  if (deadlineMs <= needed)
    throw new InputError(
      'deadline',
      `'${raw}' is too short for ${successes} healthy rounds ${formatDuration(intervalMs)} apart (they take ${formatDuration(needed)})`,
      `Raise deadline above ${formatDuration(needed)}, or lower consecutive-successes or check-interval`,
    );
  return deadlineMs;
}

/**
 * interval: explicit, or 30 s raised to the longest CloudWatch period (a shorter interval would
 * re-read the same period) and lowered to duration when that is shorter (one measurement).
 */
function analysisInterval(raw: string, durationRaw: string, metrics: readonly MetricSpec[]): number {
  if (raw !== '') return positiveDuration('interval', raw);
  const longestPeriodMs = Math.max(0, ...metrics.map((m) => (m.cloudwatch?.canary.periodS ?? 0) * 1000));
  const ms = Math.max(DEFAULT_INTERVAL_MS, longestPeriodMs);
  return durationRaw === '' ? ms : Math.min(ms, positiveDuration('duration', durationRaw));
}

/**
 * Raw input strings -> validated inputs; throws InputError naming the input and the fix.
 * `env` supplies the region when aws-region is empty: AWS_REGION / AWS_DEFAULT_REGION, as
 * aws-actions/configure-aws-credentials exports them.
 */
export function parseInputs(raw: RawInputs<typeof INPUTS>, env: Readonly<Record<string, string | undefined>> = process.env): GateInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const secrets: string[] = [];

  const requestTimeoutMs = positiveDuration('request-timeout', get('request-timeout'));
  const urls = parseList(get('urls')).map((u) =>
    parseHttpUrlWithoutCredentials('urls', u, 'Drop them from the URL and send them in headers (e.g. Authorization: Basic ...)').toString(),
  );
  const headers = parseHeaders(get('headers'));
  secrets.push(...Object.values(headers));
  const http: HttpCheckSettings | undefined =
    urls.length === 0
      ? undefined
      : {
          urls,
          expectedStatus: parseStatusList(get('expected-status')),
          bodyMatch: parseBodyMatch(get('body-match')),
          requestTimeoutMs,
          intervalMs: positiveDuration('check-interval', get('check-interval')),
          consecutiveSuccesses: parseInteger('consecutive-successes', get('consecutive-successes'), { min: 1, max: 1000 }),
          deadlineMs: httpDeadline(
            get('deadline'),
            parseInteger('consecutive-successes', get('consecutive-successes'), { min: 1, max: 1000 }),
            get('check-interval'),
          ),
          headers,
        };

  const metrics = parseMetrics(get('metrics'));
  const compareBaseline = parseBoolean('compare-baseline', get('compare-baseline'));
  const promUrl = get('prometheus-url');
  const alarms = parseAlarmSelectors(get('cloudwatch-alarms'));
  const promMetrics = metrics.filter((m) => m.cloudwatch === undefined);
  const cwMetrics = metrics.filter((m) => m.cloudwatch !== undefined);
  if (promMetrics.length > 0 && promUrl === '')
    throw new InputError('prometheus-url', `is needed to evaluate metric '${promMetrics[0].name}' (a query:)`, 'Set prometheus-url to the Prometheus base URL');
  if (promUrl !== '' && promMetrics.length === 0)
    throw new InputError('metrics', 'has no Prometheus metric (query:) but prometheus-url is set', 'List the metrics to analyse, or drop prometheus-url');
  if (!http && metrics.length === 0 && alarms.length === 0)
    throw new InputError(
      'urls',
      'is empty, and so are metrics and cloudwatch-alarms: there is nothing to check',
      'Give health URLs in urls, metrics to analyse in metrics, CloudWatch alarms in cloudwatch-alarms, or several',
    );
  const usesCloudWatch = cwMetrics.length > 0 || alarms.length > 0;
  const region =
    parseAwsRegion('aws-region', get('aws-region'), 'Give the region of the alarms and metrics, such as eu-west-1') ??
    (usesCloudWatch
      ? parseAwsRegion('aws-region', env.AWS_REGION || env.AWS_DEFAULT_REGION || '', 'AWS_REGION holds no region code: set aws-region')
      : undefined);
  if (usesCloudWatch && region === undefined)
    throw new InputError(
      'aws-region',
      `is needed to read CloudWatch (${alarms.length > 0 ? 'cloudwatch-alarms' : `metric '${cwMetrics[0].name}'`}) and AWS_REGION is not set`,
      'Set aws-region to the region of the alarms and metrics, such as eu-west-1 (or configure AWS credentials with a region first)',
    );

  let analysis: AnalysisSettings | undefined;
  if (metrics.length > 0 || alarms.length > 0) {
    const token = get('prometheus-token');
    const username = get('prometheus-username');
    const password = get('prometheus-password');
    secrets.push(token, password);
    if (token && (username || password))
      throw new InputError('prometheus-token', 'and prometheus-username/-password are both set', 'Use a bearer token or basic auth, not both');
    if (Boolean(username) !== Boolean(password))
      throw new InputError(
        username ? 'prometheus-password' : 'prometheus-username',
        'is missing',
        'Basic auth needs both prometheus-username and prometheus-password',
      );
    const auth: PrometheusAuth = token ? { kind: 'bearer', token } : username ? { kind: 'basic', username, password } : { kind: 'none' };
    const countRaw = get('count');
    const durationRaw = get('duration');
    const intervalMs = analysisInterval(get('interval'), durationRaw, metrics);
    if (countRaw && durationRaw) throw new InputError('count', 'and duration are both set', 'Give either count (measurements) or duration, not both');
    let count = DEFAULT_COUNT;
    if (countRaw) count = parseInteger('count', countRaw, { min: 1, max: 10_000 });
    if (durationRaw) {
      count = Math.floor(positiveDuration('duration', durationRaw) / intervalMs);
      if (count < 1) throw new InputError('duration', `'${durationRaw}' is shorter than one interval`, 'Give a duration of at least one interval');
    }
    const minSamplesRaw = get('min-samples');
    const explicitMinSamples = minSamplesRaw === '' ? undefined : parseInteger('min-samples', minSamplesRaw, { min: 1 });
    analysis = {
      prometheusUrl:
        promMetrics.length > 0
          ? parseHttpUrlWithoutCredentials('prometheus-url', promUrl, 'Drop them from the URL and use prometheus-username and prometheus-password')
              .toString()
              .replace(/\/+$/, '')
          : undefined,
      auth,
      metrics,
      alarms,
      awsRegion: usesCloudWatch ? region : undefined,
      intervalMs,
      count,
      queryTimeoutMs: requestTimeoutMs,
      failureLimit: parseInteger('failure-limit', get('failure-limit'), { min: 0 }),
      inconclusiveLimit: parseInteger('inconclusive-limit', get('inconclusive-limit'), { min: 0 }),
      consecutiveErrorLimit: parseInteger('consecutive-error-limit', get('consecutive-error-limit'), { min: 0 }),
      consecutiveSuccessLimit: parseInteger('consecutive-success-limit', get('consecutive-success-limit'), { min: 0 }),
      minSamples: resolveMinSamples(explicitMinSamples, count, countRaw ? 'count' : durationRaw ? 'duration' : undefined),
      explicitMinSamples,
      effectSize: parseNumber('effect-size', get('effect-size'), { min: 1 }),
      confidence: parseNumber('confidence', get('confidence'), { min: 0.5, max: 0.999999 }),
      compareBaseline,
    };
  }

  const rps = parseNumber('traffic-rps', get('traffic-rps'), { min: 0, max: 1000 });
  const trafficUrl = get('traffic-url');
  if (rps > 0 && trafficUrl === '')
    throw new InputError('traffic-url', 'is needed when traffic-rps is above 0', 'Set traffic-url to the canary URL to exercise');
  if (rps > 0 && !analysis) throw new InputError('traffic-rps', 'only makes sense during a metrics analysis', 'Add metrics, or set traffic-rps to 0');
  const traffic = rps > 0 ? { url: parseHttpUrlWithoutCredentials('traffic-url', trafficUrl, 'Give a URL without credentials').toString(), rps } : undefined;

  return {
    http,
    analysis,
    inconclusiveIs: parseEnum('inconclusive-is', get('inconclusive-is'), ['fail', 'pass'] as const),
    failOn: parseEnum('fail-on', get('fail-on'), ['any', 'none'] as const),
    traffic,
    reportFile: get('report-file') || undefined,
    secrets: secrets.filter((s) => s !== ''),
  };
}
