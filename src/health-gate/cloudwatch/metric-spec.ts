/**
 * The `cloudwatch:` (and its `baseline:`) block of a metric in the `metrics` input, validated
 * against GetMetricData's rules before any AWS call: a metric stat needs namespace, metric and
 * stat; a period is 1, 5, 10 or 30 s (high resolution) or a multiple of 60 s (standard); an
 * expression may only use the ids defined under `metrics:` (ids start with a lowercase letter).
 */
import { InputError } from '../../toolkit/errors';
import type { CloudWatchMetricStat, CloudWatchQuery } from './types';

const INPUT = 'metrics';
const STAT_KEYS = ['namespace', 'metric', 'dimensions', 'stat', 'unit'] as const;
const QUERY_KEYS = [...STAT_KEYS, 'period', 'expression', 'metrics'] as const;
/** GetMetricData's Id rule. */
const ID = /^[a-z][a-zA-Z0-9_]*$/;
/** CloudWatch statistics: the five basic ones and the extended forms (p99, p99.9, tm90, TM(10%:90%), IQM, ...). */
const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|IQM|p(\d{1,2}(\.\d+)?|100)|(tm|wm|tc|ts|pr)\d{1,2}(\.\d+)?|(TM|WM|TC|TS|PR)\([^)]*\))$/;
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 30];
const DEFAULT_PERIOD_S = 60;

function fail(problem: string, fix: string): never {
  throw new InputError(INPUT, problem, fix);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(where: string, key: string, v: unknown, example: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(`${where}: cloudwatch '${key}' is missing`, `Give ${key}: ${example}`);
  return v.trim();
}

function readStat(where: string, o: Record<string, unknown>): CloudWatchMetricStat {
  const namespace = text(where, 'namespace', o.namespace, 'AWS/ApplicationELB');
  const metric = text(where, 'metric', o.metric, 'HTTPCode_Target_5XX_Count');
  const stat = text(where, 'stat', o.stat, 'Sum (or Average, Maximum, p99, ...)');
  if (!STAT.test(stat))
    fail(`${where}: cloudwatch stat '${stat}' is not a CloudWatch statistic`, 'Use Sum, Average, Minimum, Maximum, SampleCount, or a percentile such as p99');
  const dimensions: Record<string, string> = {};
  if (o.dimensions !== undefined && o.dimensions !== null) {
    if (!isObject(o.dimensions))
      fail(`${where}: cloudwatch dimensions must be a map`, 'Write dimensions: {LoadBalancer: app/shop/1a2b, TargetGroup: targetgroup/shop/3c4d}');
    for (const [k, v] of Object.entries(o.dimensions)) {
      if (typeof v !== 'string' && typeof v !== 'number') fail(`${where}: cloudwatch dimension '${k}' must be a string`, 'Give each dimension a value');
      dimensions[k] = String(v);
    }
    if (Object.keys(dimensions).length > 30) fail(`${where}: more than 30 cloudwatch dimensions`, 'CloudWatch allows at most 30 dimensions per metric');
  }
  const unit = o.unit === undefined ? undefined : text(where, 'unit', o.unit, 'Count');
  return { namespace, metric, dimensions, stat, ...(unit !== undefined && { unit }) };
}

function readPeriod(where: string, v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_PERIOD_S;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/s$/, '')) : NaN;
  if (!Number.isInteger(n) || n <= 0) fail(`${where}: cloudwatch period ${JSON.stringify(v)} is not a whole number of seconds`, 'Give period: 60 (seconds)');
  if (!HIGH_RESOLUTION_PERIODS.includes(n) && n % 60 !== 0)
    fail(
      `${where}: cloudwatch period ${n} is not a multiple of 60, as standard-resolution metrics need (high-resolution ones may also use 1, 5, 10 or 30)`,
      `Use period: ${Math.max(60, Math.round(n / 60) * 60)}`,
    );
  return n;
}

/** The ids an expression refers to: lowercase-initial identifiers outside quoted strings (functions are upper case). */
export function expressionIds(expression: string): string[] {
  const bare = expression.replace(/'[^']*'|"[^"]*"/g, ' ');
  return [...new Set([...bare.matchAll(/(?<![A-Za-z0-9_.])[a-z][a-zA-Z0-9_]*/g)].map((m) => m[0]))];
}

/** One `cloudwatch:` or CloudWatch `baseline:` block -> a GetMetricData query. `side` names it in messages. */
export function parseCloudWatchQuery(metricName: string, side: 'cloudwatch' | 'baseline', v: unknown): CloudWatchQuery {
  const where = `metric '${metricName}' ${side}`;
  if (!isObject(v))
    fail(
      `${where} must be a map such as {namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {...}, stat: Sum, period: 60}`,
      'Write the CloudWatch query as a YAML map',
    );
  for (const key of Object.keys(v)) {
    if (!(QUERY_KEYS as readonly string[]).includes(key)) fail(`${where}: unknown cloudwatch key '${key}'`, `Use only: ${QUERY_KEYS.join(', ')}`);
  }
  const periodS = readPeriod(where, v.period);
  if (v.expression === undefined) {
    if (v.metrics !== undefined)
      fail(`${where}: metrics: is only used with expression:`, 'Give expression: (metric math over the ids in metrics:), or drop metrics:');
    return { kind: 'metric', periodS, ...readStat(where, v) };
  }
  const expression = text(where, 'expression', v.expression, '"100 * e / r"');
  for (const key of STAT_KEYS) {
    if (v[key] !== undefined)
      fail(
        `${where}: '${key}' belongs inside metrics: when expression: is used`,
        'Define each metric under metrics: {id: {namespace, metric, dimensions, stat}}',
      );
  }
  if (!isObject(v.metrics) || Object.keys(v.metrics).length === 0)
    fail(`${where}: expression needs metrics:`, 'Define the ids it uses: metrics: {e: {namespace: ..., metric: ..., stat: Sum}, r: {...}}');
  const metrics: Record<string, CloudWatchMetricStat> = {};
  for (const [id, m] of Object.entries(v.metrics)) {
    if (!ID.test(id)) fail(`${where}: id '${id}' must start with a lowercase letter and hold only letters, digits and _`, 'Rename it, e.g. e or errors_5xx');
    if (!isObject(m)) fail(`${where}: metrics.${id} must be a map`, 'Write {namespace: ..., metric: ..., dimensions: {...}, stat: Sum}');
    for (const key of Object.keys(m)) {
      if (!(STAT_KEYS as readonly string[]).includes(key)) fail(`${where}: unknown key '${key}' in metrics.${id}`, `Use only: ${STAT_KEYS.join(', ')}`);
    }
    metrics[id] = readStat(`${where} metrics.${id}`, m);
  }
  const undefinedIds = expressionIds(expression).filter((id) => !(id in metrics));
  if (undefinedIds.length > 0)
    fail(
      `${where}: expression "${expression}" uses id '${undefinedIds[0]}', which is not defined under metrics:`,
      `Define ${undefinedIds[0]} under metrics:, or use one of: ${Object.keys(metrics).join(', ')}`,
    );
  return { kind: 'expression', expression, metrics, periodS };
}

function statText(m: CloudWatchMetricStat): string {
  const dims = Object.entries(m.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${m.namespace} ${m.metric}${dims ? `{${dims}}` : ''} ${m.stat}`;
}

/** One line describing the query, for the report and the summary. */
export function describeCloudWatchQuery(q: CloudWatchQuery): string {
  if (q.kind === 'metric') return `${statText(q)} per ${q.periodS}s`;
  const ids = Object.entries(q.metrics)
    .map(([id, m]) => `${id} = ${statText(m)}`)
    .join('; ');
  return `${q.expression} per ${q.periodS}s (${ids})`;
}
