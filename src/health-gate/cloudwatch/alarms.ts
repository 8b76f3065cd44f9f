/**
 * cloudwatch-alarms as critical metrics of the analysis. Each measurement reads DescribeAlarms
 * (names in chunks of 100, each prefix on its own, metric and composite alarms, every page):
 *   OK                -> successful
 *   ALARM             -> failed: the alarm is critical, so the gate fails at once, naming the
 *                        alarm, its StateReason and since when (the first measurement, at the
 *                        start, included: a deploy is never judged healthy against a firing alarm)
 *   INSUFFICIENT_DATA -> inconclusive: no data, never a pass
 * The alarms are named once, at the start: a name that does not exist, or a prefix matching
 * none, is a configuration error (never silently skipped).
 */
import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AlarmWatch } from '../analysis/engine';
import type { Sample } from '../analysis/measurement';
import type { MetricState } from '../analysis/rules';
import type { MetricSpec } from '../metrics-spec';
import type { CloudWatchApi, DescribeAlarmsInput } from './api';
import { describeSelector, type AlarmSelector } from './alarm-selectors';
import { CloudWatchConfigError, isFailed, withRetries, type CallDeps } from './calls';

/** What a sample of an alarm records (for the summary's alarm table). */
export interface AlarmReading {
  type: 'metric' | 'composite';
  state: string;
  reason: string;
  /** ISO time of the last state change. */
  since?: string;
}

/** DescribeAlarms' limit of names per call. */
const NAMES_PER_CALL = 100;
const MAX_PAGES = 100;

type Described = Map<string, AlarmReading>;

function reading(a: MetricAlarm | CompositeAlarm, type: AlarmReading['type']): AlarmReading {
  const since = a.StateTransitionedTimestamp ?? a.StateUpdatedTimestamp;
  return { type, state: a.StateValue ?? 'UNKNOWN', reason: a.StateReason ?? '', ...(since && { since: new Date(since).toISOString() }) };
}

export class DescribeAlarmsWatch implements AlarmWatch {
  /** DescribeAlarms calls made (pages included), for the benchmark. */
  calls = 0;
  /** What resolve() read, reused by the first read() at the same instant (the first measurement is at the start). */
  private initial?: { atMs: number; alarms: Described };

  constructor(
    private readonly api: CloudWatchApi,
    private readonly selectors: readonly AlarmSelector[],
    private readonly deps: CallDeps & { intervalMs: number; region: string },
  ) {}

  /** Every alarm the selectors match, by name; a string is the error of a failed call. */
  private async describe(deadline: number): Promise<{ alarms: Described; byPrefix: Map<string, number> } | string> {
    const inputs: { input: DescribeAlarmsInput; prefix?: string }[] = [];
    const names = this.selectors.flatMap((s) => (s.kind === 'name' ? [s.name] : []));
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) inputs.push({ input: { AlarmNames: names.slice(i, i + NAMES_PER_CALL) } });
    for (const s of this.selectors) if (s.kind === 'prefix') inputs.push({ input: { AlarmNamePrefix: s.prefix }, prefix: s.prefix });
    const alarms: Described = new Map();
    const byPrefix = new Map<string, number>();
    for (const { input, prefix } of inputs) {
      let nextToken: string | undefined;
      let matched = 0;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await withRetries(
          'DescribeAlarms',
          () => {
            this.calls++;
            return this.api.describeAlarms({
              ...input,
              AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
              MaxRecords: 100,
              ...(nextToken && { NextToken: nextToken }),
            });
          },
          deadline,
          this.deps,
        );
        if (isFailed(answer)) return answer.failed;
        const listed = [
          ...(answer.MetricAlarms ?? []).map((a) => [a.AlarmName, reading(a, 'metric')] as const),
          ...(answer.CompositeAlarms ?? []).map((a) => [a.AlarmName, reading(a, 'composite')] as const),
        ];
        for (const [name, r] of listed) {
          if (!name) continue;
          alarms.set(name, r);
          matched++;
        }
        nextToken = answer.NextToken;
        if (!nextToken) break;
      }
      if (prefix !== undefined) byPrefix.set(prefix, matched);
    }
    return { alarms, byPrefix };
  }

  async resolve(): Promise<MetricSpec[]> {
    const atMs = this.deps.clock();
    const found = await this.describe(atMs + Math.max(1000, 0.8 * this.deps.intervalMs));
    if (typeof found === 'string')
      throw new CloudWatchConfigError(`cannot list the alarms of cloudwatch-alarms: ${found}`, 'Check aws-region, the network and the job credentials');
    const missing = this.selectors.filter((s) => (s.kind === 'name' ? !found.alarms.has(s.name) : (found.byPrefix.get(s.prefix) ?? 0) === 0));
    if (missing.length > 0) {
      const what = missing.map((s) => (s.kind === 'name' ? `'${s.name}'` : `none matches '${describeSelector(s)}'`)).join(', ');
      throw new CloudWatchConfigError(
        `cloudwatch-alarms: no such alarm in ${this.deps.region}: ${what}`,
        'Check the alarm names (aws cloudwatch describe-alarms --alarm-names ...) and aws-region; an alarm that is not there cannot guard the deploy',
      );
    }
    this.initial = { atMs: this.deps.clock(), alarms: found.alarms };
    return [...found.alarms.keys()].map((name) => ({
      name,
      query: `CloudWatch alarm ${name} (${found.alarms.get(name)?.type})`,
      critical: true,
      noData: 'inconclusive',
      direction: 'increase',
      cumulative: false,
    }));
  }

  async read(specs: readonly MetricSpec[], history: readonly MetricState[], atMs: number): Promise<Sample[]> {
    const reuse = this.initial && this.deps.clock() - this.initial.atMs < 1000 ? { alarms: this.initial.alarms } : undefined;
    this.initial = undefined;
    const found = reuse ?? (await this.describe(atMs + Math.max(1000, 0.8 * this.deps.intervalMs)));
    return specs.map((spec, i) => {
      const index = history[i]?.samples.length ?? 0;
      const base = { index, atMs };
      if (typeof found === 'string') return { ...base, status: 'error', reason: found };
      const a = found.alarms.get(spec.name);
      if (!a) return { ...base, status: 'error', reason: `alarm '${spec.name}' no longer exists (deleted during the analysis?)` };
      const since = a.since ? ` since ${a.since}` : '';
      const alarm = { alarm: a };
      if (a.state === 'OK') return { ...base, ...alarm, status: 'successful', reason: `OK${since}` };
      if (a.state === 'ALARM') {
        const atStart = index === 0 ? ' (already firing when the gate started)' : '';
        return { ...base, ...alarm, status: 'failed', reason: `alarm '${spec.name}' is in ALARM${since}${atStart}: ${a.reason}` };
      }
      if (a.state === 'INSUFFICIENT_DATA') return { ...base, ...alarm, status: 'inconclusive', reason: `no data: INSUFFICIENT_DATA${since}: ${a.reason}` };
      return { ...base, ...alarm, status: 'error', reason: `unknown alarm state ${a.state}` };
    });
  }
}
