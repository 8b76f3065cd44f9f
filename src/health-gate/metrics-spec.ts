/**
 * The `metrics` input: a YAML list of metrics, each a PromQL query with its condition. Parsed
 * with the `yaml` package so a syntax error can say the line and column; unknown keys are
 * refused (a typo such as `maxx` must not silently drop the condition).
 */
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../toolkit/errors';
import { describeCloudWatchQuery, parseCloudWatchQuery } from './cloudwatch/metric-spec';
import type { CloudWatchMetric } from './cloudwatch/types';

export type NoDataPolicy = 'fail' | 'inconclusive';

/** Which change of a metric is worse: an increase (it has max), a decrease (min) or either (both). */
export type Direction = 'increase' | 'decrease' | 'either';

export interface MetricSpec {
  name: string;
  /** PromQL for the canary (or the service) value; for a CloudWatch metric, its query as one line of text (for the report). */
  query: string;
  /** Set for a `cloudwatch:` metric: read with GetMetricData instead of Prometheus (query/baseline then only describe it). */
  cloudwatch?: CloudWatchMetric;
  max?: number;
  min?: number;
  /** PromQL for the stable version: turns on the canary-vs-baseline comparison. */
  baseline?: string;
  /** PromQL for the requests behind `query` (a count): the value becomes query/total and counts are compared as Poisson rates. */
  total?: string;
  /** PromQL for the requests behind `baseline`. */
  baselineTotal?: string;
  critical: boolean;
  noData: NoDataPolicy;
  /** Which change is worse: from max (increase), min (decrease) or both (either). */
  direction: Direction;
  /**
   * Count metrics only: the longest range selector in their queries (the `[30s]` of
   * increase(...[30s])), in ms. Windows longer than the interval overlap, so the rate test pools
   * only samples whose windows do not (each request counted once). Undefined when none is found.
   */
  countWindowMs?: number;
  /**
   * `counters: true`: the count queries read raw counters (sum(http_requests_total{...})) and the
   * gate takes the difference between measurements itself, so every request counts exactly once,
   * with none of increase()'s extrapolation or overlap.
   */
  cumulative: boolean;
}

const PROMQL_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** The longest range selector ([5m], [1m30s], or the range of a subquery [5m:1m]) in PromQL, in ms. */
export function longestRangeMs(...queries: (string | undefined)[]): number | undefined {
  let longest: number | undefined;
  for (const q of queries) {
    for (const m of (q ?? '').matchAll(/\[\s*((?:\d+(?:ms|[smhdwy]))+)\s*(?::[^\]]*)?\]/g)) {
      let ms = 0;
      for (const part of m[1].matchAll(/(\d+)(ms|[smhdwy])/g)) ms += Number(part[1]) * PROMQL_UNIT_MS[part[2]];
      longest = Math.max(longest ?? 0, ms);
    }
  }
  return longest;
}

const KEYS = ['name', 'query', 'cloudwatch', 'max', 'min', 'baseline', 'total', 'baseline-total', 'counters', 'critical', 'no-data'] as const;
const INPUT = 'metrics';

function fail(problem: string, fix: string): never {
  throw new InputError(INPUT, problem, fix);
}

function readNumber(where: string, key: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) fail(`${where}: '${key}' is ${JSON.stringify(v)}, not a number`, `Give a number such as ${key}: 0.05`);
  return n;
}

function readString(where: string, key: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(`${where}: '${key}' must be a non-empty string`, `Write ${key}: <PromQL>`);
  return v.trim();
}

/** Which change is worse, from the conditions given. */
function directionOf(max: number | undefined, min: number | undefined): Direction {
  return max !== undefined && min !== undefined ? 'either' : max !== undefined ? 'increase' : 'decrease';
}

function policies(where: string, obj: Record<string, unknown>): { critical: boolean; noData: NoDataPolicy } {
  let critical = false;
  if (obj.critical !== undefined) {
    if (typeof obj.critical !== 'boolean') fail(`${where}: critical must be true or false`, 'Write critical: true');
    critical = obj.critical;
  }
  let noData: NoDataPolicy = 'inconclusive';
  if (obj['no-data'] !== undefined) {
    if (obj['no-data'] !== 'fail' && obj['no-data'] !== 'inconclusive')
      fail(`${where}: no-data is ${JSON.stringify(obj['no-data'])}`, 'Use no-data: fail or no-data: inconclusive');
    noData = obj['no-data'];
  }
  return { critical, noData };
}

/** A metric with cloudwatch: (and optionally baseline: in the same form), read with GetMetricData. */
function cloudWatchMetric(name: string, where: string, obj: Record<string, unknown>, max: number | undefined, min: number | undefined): MetricSpec {
  if (obj.query !== undefined) fail(`${where} has both query and cloudwatch`, 'Give query: (PromQL) or cloudwatch: (CloudWatch), not both');
  for (const key of ['total', 'baseline-total', 'counters']) {
    if (obj[key] !== undefined)
      fail(
        `${where}: ${key} is for Prometheus metrics`,
        'For a CloudWatch ratio use an expression, e.g. expression: "100 * e / r" with metrics: {e: ..., r: ...}',
      );
  }
  const canary = parseCloudWatchQuery(name, 'cloudwatch', obj.cloudwatch);
  const baseline = obj.baseline === undefined || obj.baseline === null ? undefined : parseCloudWatchQuery(name, 'baseline', obj.baseline);
  if (baseline && baseline.periodS !== canary.periodS)
    fail(
      `${where}: baseline period ${baseline.periodS} differs from the cloudwatch period ${canary.periodS}`,
      'Give canary and baseline the same period, so their datapoints cover the same windows',
    );
  return {
    name,
    query: describeCloudWatchQuery(canary),
    ...(baseline && { baseline: describeCloudWatchQuery(baseline) }),
    cloudwatch: { canary, ...(baseline && { baseline }) },
    max,
    min,
    ...policies(where, obj),
    direction: directionOf(max, min),
    cumulative: false,
  };
}

export function parseMetrics(text: string): MetricSpec[] {
  if (text.trim() === '') return [];
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lines.linePos(e.pos[0]);
    fail(
      `is not valid YAML at line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}`,
      'Write a YAML list of metrics, each with name, query and max or min',
    );
  }
  if (!isSeq(doc.contents)) fail('must be a YAML list of metrics', 'Start each metric with "- name: ..."');
  const seen = new Set<string>();
  return doc.contents.items.map((item, i) => {
    const line = item && typeof item === 'object' && 'range' in item && item.range ? lines.linePos(item.range[0]).line : undefined;
    let where = `metric ${i + 1}${line ? ` (line ${line})` : ''}`;
    if (!isMap(item)) fail(`${where} is not a mapping`, 'Give name, query and max or min for each metric');
    const obj = item.toJSON() as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!(KEYS as readonly string[]).includes(key)) fail(`${where}: unknown key '${key}'`, `Use only: ${KEYS.join(', ')}`);
    }
    const name = readString(where, 'name', obj.name) ?? fail(`${where} has no name`, 'Give each metric a name');
    where = `metric '${name}'`;
    if (seen.has(name)) fail(`${where} is declared twice`, 'Give each metric a unique name');
    seen.add(name);
    const max = readNumber(where, 'max', obj.max);
    const min = readNumber(where, 'min', obj.min);
    if (max === undefined && min === undefined) fail(`${where} has no condition`, 'Give max: and/or min: (the value the metric must stay within)');
    if (max !== undefined && min !== undefined && min > max) fail(`${where}: min ${min} is above max ${max}`, 'Make min <= max');
    if (obj.cloudwatch !== undefined) return cloudWatchMetric(name, where, obj, max, min);
    const query = readString(where, 'query', obj.query) ?? fail(`${where} has no query`, 'Give the PromQL in query: (or a CloudWatch query in cloudwatch:)');
    if (typeof obj.baseline === 'object' && obj.baseline !== null)
      fail(
        `${where}: baseline is a CloudWatch query but the metric reads Prometheus (query:)`,
        'Give baseline as PromQL, or use cloudwatch: for the canary too',
      );
    const baseline = readString(where, 'baseline', obj.baseline);
    const total = readString(where, 'total', obj.total);
    const baselineTotal = readString(where, 'baseline-total', obj['baseline-total']);
    if (baselineTotal !== undefined && (total === undefined || baseline === undefined)) {
      fail(`${where}: baseline-total needs both total and baseline`, 'Give total (canary requests) and baseline (stable errors) too');
    }
    if (baseline !== undefined && total !== undefined && baselineTotal === undefined) {
      fail(`${where}: with total and baseline the stable requests are needed`, "Give baseline-total (PromQL for the stable version's requests)");
    }
    const { critical, noData } = policies(where, obj);
    const direction = directionOf(max, min);
    let cumulative = false;
    if (obj.counters !== undefined) {
      if (typeof obj.counters !== 'boolean') fail(`${where}: counters must be true or false`, 'Write counters: true');
      cumulative = obj.counters;
    }
    const countWindowMs = total !== undefined ? longestRangeMs(query, total, baseline, baselineTotal) : undefined;
    if (cumulative && total === undefined) fail(`${where}: counters needs total`, 'Give total (the requests counter) too, or drop counters');
    if (cumulative && countWindowMs !== undefined) {
      fail(
        `${where}: counters is true but a query has a range selector`,
        'With counters: true give raw counters such as sum(http_requests_total{...}), without increase()[...]',
      );
    }
    return {
      name,
      query,
      max,
      min,
      baseline,
      total,
      baselineTotal,
      critical,
      noData,
      direction,
      cumulative,
      ...(countWindowMs !== undefined && { countWindowMs }),
    };
  });
}
