/**
 * Reads every CloudWatch metric of a round with one GetMetricData call (followed by NextToken
 * while results say PartialData; chunks of 500 queries, the API's limit). For each metric and
 * side (canary, baseline):
 * - the window is aligned to the period: it ends at the start of the current period (the last
 *   complete one ends there) and spans LOOKBACK_PERIODS periods, so a datapoint CloudWatch
 *   ingests a little late is still read;
 * - the value is the newest datapoint not read before: each datapoint counts once. A period
 *   without datapoint is no data, never zero (ALB publishes no HTTPCode_Target_5XX_Count for a
 *   period without 5XX: use FILL(m, 0) in an expression to mean zero);
 * - a measurement in the same period as the last one (interval shorter than the period)
 *   re-reads it: no new data, not counted against inconclusive-limit (reason same-period).
 * Throttling and internal errors are retried inside the interval (calls.ts), then every
 * CloudWatch metric of the round is an `error` measurement.
 */
import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricBatchReader } from '../analysis/engine';
import type { QueryOutcomes } from '../analysis/measurement';
import type { MetricSpec } from '../metrics-spec';
import type { QueryOutcome } from '../prometheus';
import type { CloudWatchApi } from './api';
import { CloudWatchConfigError, isFailed, withRetries, type CallDeps } from './calls';
import type { CloudWatchMetricStat, CloudWatchQuery } from './types';

/** Periods read back from the aligned end: the newest complete one and the one before it. */
export const LOOKBACK_PERIODS = 2;
/** GetMetricData's limit of queries per call. */
const MAX_QUERIES = 500;
const MAX_PAGES = 50;

function metricStat(m: CloudWatchMetricStat, periodS: number): MetricDataQuery['MetricStat'] {
  return {
    Metric: { Namespace: m.namespace, MetricName: m.metric, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) },
    Period: periodS,
    Stat: m.stat,
    ...(m.unit !== undefined && { Unit: m.unit as NonNullable<MetricDataQuery['MetricStat']>['Unit'] }),
  };
}

/** The GetMetricData queries of one side; the one returning data has Id `id`. Expression ids are prefixed with `id_`. */
export function queriesFor(id: string, q: CloudWatchQuery): MetricDataQuery[] {
  if (q.kind === 'metric') return [{ Id: id, MetricStat: metricStat(q, q.periodS), ReturnData: true }];
  const rename = (name: string) => `${id}_${name}`;
  // Quoted strings (SEARCH('{AWS/ELB,...}', ...)) are kept as they are; ids outside them renamed.
  const expression = q.expression
    .split(/('[^']*'|"[^"]*")/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(?<![A-Za-z0-9_.])[a-z][a-zA-Z0-9_]*/g, (name) => (name in q.metrics ? rename(name) : name))))
    .join('');
  return [
    ...Object.entries(q.metrics).map(([name, m]) => ({ Id: rename(name), MetricStat: metricStat(m, q.periodS), ReturnData: false })),
    { Id: id, Expression: expression, Period: q.periodS, ReturnData: true },
  ];
}

interface Side {
  id: string;
  metric: string;
  query: CloudWatchQuery;
}

interface Series {
  timestamps: number[];
  values: number[];
  status?: string;
  messages: string[];
}

export class GetMetricDataReader implements MetricBatchReader {
  /** Per side id: the newest datapoint timestamp already measured, and the window end of the last read. */
  private readonly consumed = new Map<string, number>();
  private readonly lastEnd = new Map<string, number>();
  /** GetMetricData calls made (pages included), for the report and the benchmark. */
  calls = 0;

  constructor(
    private readonly api: CloudWatchApi,
    private readonly deps: CallDeps & { intervalMs: number },
  ) {}

  private countCall(): CloudWatchApi {
    this.calls++;
    return this.api;
  }

  async readRound(specs: readonly MetricSpec[]): Promise<Map<string, QueryOutcomes>> {
    const sides: Side[] = [];
    specs.forEach((spec, i) => {
      const cw = spec.cloudwatch;
      if (!cw) return;
      sides.push({ id: `m${i}c`, metric: spec.name, query: cw.canary });
      if (cw.baseline && spec.baseline !== undefined) sides.push({ id: `m${i}b`, metric: spec.name, query: cw.baseline });
    });
    const now = this.deps.clock();
    const deadline = now + Math.max(1000, 0.8 * this.deps.intervalMs);
    const outcomes = new Map<string, QueryOutcome>();
    // One call per distinct window (every period alike in practice: one call).
    const byPeriod = new Map<number, Side[]>();
    for (const s of sides) byPeriod.set(s.query.periodS, [...(byPeriod.get(s.query.periodS) ?? []), s]);
    for (const [periodS, group] of byPeriod) {
      const periodMs = periodS * 1000;
      const end = Math.floor(now / periodMs) * periodMs;
      const start = end - LOOKBACK_PERIODS * periodMs;
      const series = await this.fetch(group, start, end, deadline);
      for (const side of group) {
        if (typeof series === 'string') {
          outcomes.set(side.id, { kind: 'error', reason: 'http-error', detail: series });
          continue;
        }
        outcomes.set(side.id, this.outcome(side, series.get(side.id), end, periodS));
      }
    }
    const result = new Map<string, QueryOutcomes>();
    specs.forEach((spec, i) => {
      if (!spec.cloudwatch) return;
      const query = outcomes.get(`m${i}c`) as QueryOutcome;
      const baseline = outcomes.get(`m${i}b`);
      result.set(spec.name, { query, ...(baseline && { baseline }) });
    });
    return result;
  }

  private outcome(side: Side, s: Series | undefined, end: number, periodS: number): QueryOutcome {
    if (!s) return { kind: 'error', reason: 'bad-response', detail: `GetMetricData returned no result for ${side.id}` };
    if (s.status === 'InternalError')
      return { kind: 'error', reason: 'execution-error', detail: `CloudWatch could not compute the query: ${s.messages.join('; ') || 'InternalError'}` };
    if (s.status === 'Forbidden')
      throw new CloudWatchConfigError(
        `GetMetricData was forbidden for metric '${side.metric}': ${s.messages.join('; ')}`,
        'Check the cloudwatch:GetMetricData permission of the job role',
      );
    const sameWindow = this.lastEnd.get(side.id) === end;
    this.lastEnd.set(side.id, end);
    const last = this.consumed.get(side.id) ?? -Infinity;
    let newest = -1;
    for (let i = 0; i < s.timestamps.length; i++) {
      if (s.timestamps[i] > last && (newest < 0 || s.timestamps[i] > s.timestamps[newest])) newest = i;
    }
    if (newest < 0) {
      if (sameWindow)
        return {
          kind: 'no-data',
          reason: 'same-period',
          detail: `re-read the same ${periodS} s period (interval shorter than the period): its datapoint was already counted`,
        };
      return {
        kind: 'no-data',
        reason: 'no-datapoint',
        detail: `no new datapoint in the last ${LOOKBACK_PERIODS} periods of ${periodS} s up to ${new Date(end).toISOString()} (a period without datapoint is no data, not zero)`,
      };
    }
    const timestampMs = s.timestamps[newest];
    const value = s.values[newest];
    this.consumed.set(side.id, timestampMs);
    if (!Number.isFinite(value)) return { kind: 'no-data', reason: 'nan', detail: `the datapoint at ${new Date(timestampMs).toISOString()} is ${value}` };
    return { kind: 'value', value, timestampMs };
  }

  /** All pages of one GetMetricData call per chunk of queries; a string is the error of a failed call. */
  private async fetch(group: readonly Side[], start: number, end: number, deadline: number): Promise<Map<string, Series> | string> {
    const all = group.flatMap((s) => queriesFor(s.id, s.query));
    const series = new Map<string, Series>();
    for (let from = 0; from < all.length; from += MAX_QUERIES) {
      const queries = all.slice(from, from + MAX_QUERIES);
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await withRetries(
          'GetMetricData',
          () =>
            this.countCall().getMetricData({
              MetricDataQueries: queries,
              StartTime: new Date(start),
              EndTime: new Date(end),
              ScanBy: 'TimestampDescending',
              ...(nextToken !== undefined && { NextToken: nextToken }),
            }),
          deadline,
          this.deps,
        );
        if (isFailed(answer)) return answer.failed;
        for (const r of answer.MetricDataResults ?? []) merge(series, r);
        nextToken = answer.NextToken;
        if (!nextToken) break;
      }
    }
    return series;
  }
}

function merge(series: Map<string, Series>, r: MetricDataResult): void {
  if (!r.Id) return;
  const s = series.get(r.Id) ?? { timestamps: [], values: [], messages: [] };
  (r.Timestamps ?? []).forEach((t, i) => {
    s.timestamps.push(new Date(t).getTime());
    s.values.push(Number(r.Values?.[i]));
  });
  // PartialData means more pages follow (NextToken); the last page's status stands.
  s.status = r.StatusCode;
  for (const m of r.Messages ?? []) if (m.Value) s.messages.push(`${m.Code ?? ''} ${m.Value}`.trim());
  series.set(r.Id, s);
}
