/**
 * CloudWatch parts moto cannot exercise, with the CloudWatch API double: the cloudwatch: block's
 * bad inputs, expression ids, composite alarms and pagination, PartialData, throttling retried
 * inside the interval, refused calls, and an interval shorter than the period.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetMetricDataReader, queriesFor } from '../../src/health-gate/cloudwatch/metric-data';
import { parseCloudWatchQuery } from '../../src/health-gate/cloudwatch/metric-spec';
import { parseInputs } from '../../src/health-gate/inputs';
import { parseMetrics } from '../../src/health-gate/metrics-spec';
import { run } from '../../src/health-gate/run';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { CloudWatchApiDouble, awsError } from '../doubles/cloudwatch-api';
import { inputError } from '../helpers/input-error';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const STAT = '{namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {TargetGroup: tg/c}, stat: Sum, period: 60}';
const metric = (cw: string, extra = '') => `- name: m\n  cloudwatch: ${cw}\n  max: 1\n${extra}`;

describe('bad input: one InputError naming the input, before any AWS call', () => {
  it.each([
    ['{metric: X, stat: Sum}', "cloudwatch 'namespace' is missing"],
    ['{namespace: AWS/ELB, stat: Sum}', "cloudwatch 'metric' is missing"],
    ['{namespace: AWS/ELB, metric: X}', "cloudwatch 'stat' is missing"],
    ['{namespace: AWS/ELB, metric: X, stat: Median}', "stat 'Median' is not a CloudWatch statistic"],
    ['{namespace: AWS/ELB, metric: X, stat: Sum, period: 90}', 'period 90 is not a multiple of 60, as standard-resolution metrics need'],
    ['{expression: "100 * e / r", metrics: {e: {namespace: N, metric: E, stat: Sum}}, period: 60}', "uses id 'r', which is not defined under metrics:"],
    ['{expression: "e", metrics: {E1: {namespace: N, metric: E, stat: Sum}}}', "id 'E1' must start with a lowercase letter"],
    ['{namespace: AWS/ELB, metric: X, stat: Sum, peroid: 60}', "unknown cloudwatch key 'peroid'"],
  ])('%s', (cw, message) => {
    const e = inputError(() => parseInputs({ metrics: metric(cw), 'aws-region': 'eu-west-1' }));
    expect(e.input).toBe('metrics');
    expect(e.message).toContain(message);
  });
  it('needs a region with a cloudwatch: metric or cloudwatch-alarms: aws-region, else AWS_REGION / AWS_DEFAULT_REGION', () => {
    expect(inputError(() => parseInputs({ metrics: metric(STAT) }, {})).message).toContain(
      "Input 'aws-region': is needed to read CloudWatch (metric 'm') and AWS_REGION is not set",
    );
    expect(inputError(() => parseInputs({ 'cloudwatch-alarms': 'a' }, {})).input).toBe('aws-region');
    expect(parseInputs({ 'cloudwatch-alarms': 'a' }, { AWS_REGION: 'eu-central-1' }).analysis?.awsRegion).toBe('eu-central-1');
    expect(parseInputs({ 'cloudwatch-alarms': 'a' }, { AWS_DEFAULT_REGION: 'us-west-2' }).analysis?.awsRegion).toBe('us-west-2');
    expect(parseInputs({ 'cloudwatch-alarms': 'a', 'aws-region': 'eu-west-1' }, { AWS_REGION: 'eu-central-1' }).analysis?.awsRegion).toBe('eu-west-1');
    expect(inputError(() => parseInputs({ 'cloudwatch-alarms': 'a' }, { AWS_REGION: 'mars' })).message).toContain("'mars' is not an AWS region");
  });
  it('refuses an empty prefix, and Prometheus keys on a CloudWatch metric', () => {
    expect(inputError(() => parseInputs({ 'cloudwatch-alarms': 'prefix:', 'aws-region': 'eu-west-1' })).message).toContain('empty prefix');
    expect(inputError(() => parseMetrics(metric(STAT, '  total: x\n'))).message).toContain('total is for Prometheus metrics');
  });
  it('accepts high-resolution periods and keeps quoted strings out of the id check', () => {
    expect(parseCloudWatchQuery('m', 'cloudwatch', { namespace: 'N', metric: 'X', stat: 'p99', period: 10 })).toMatchObject({ periodS: 10, stat: 'p99' });
    const q = parseCloudWatchQuery('m', 'cloudwatch', {
      expression: "FILL(e, 0) + SUM(SEARCH('{AWS/ELB} errors', 'Sum', 60))",
      metrics: { e: { namespace: 'N', metric: 'E', stat: 'Sum' } },
    });
    expect(q.kind).toBe('expression');
  });
});

it('renames expression ids per side and keeps quoted strings as they are', () => {
  const q = parseCloudWatchQuery('m', 'cloudwatch', {
    expression: "100 * e / r + 0 * SUM(SEARCH('e r', 'Sum', 60))",
    metrics: { e: { namespace: 'N', metric: 'E', stat: 'Sum' }, r: { namespace: 'N', metric: 'R', stat: 'Sum' } },
    period: 60,
  });
  const queries = queriesFor('m0c', q);
  expect(queries.map((x) => x.Id)).toEqual(['m0c_e', 'm0c_r', 'm0c']);
  expect(queries[2]).toMatchObject({ Expression: "100 * m0c_e / m0c_r + 0 * SUM(SEARCH('e r', 'Sum', 60))", ReturnData: true, Period: 60 });
  expect(queries[0]).toMatchObject({ ReturnData: false, MetricStat: { Metric: { Namespace: 'N', MetricName: 'E' }, Period: 60, Stat: 'Sum' } });
});

function clock(start = Date.UTC(2026, 0, 1, 12, 0, 1)) {
  let now = start;
  const sleeps: number[] = [];
  return { clock: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)), sleeps };
}

describe('GetMetricData', () => {
  const specs = parseMetrics(`- name: m\n  cloudwatch: ${STAT}\n  max: 10\n`);

  it('reads the window aligned to the period and follows NextToken while results are PartialData', async () => {
    const t = clock();
    const api = new CloudWatchApiDouble({
      getMetricData: (_input, n) =>
        n === 1
          ? {
              MetricDataResults: [{ Id: 'm0c', Timestamps: [new Date(Date.UTC(2026, 0, 1, 11, 59))], Values: [7], StatusCode: 'PartialData' }],
              NextToken: 'page-2',
            }
          : { MetricDataResults: [{ Id: 'm0c', Timestamps: [new Date(Date.UTC(2026, 0, 1, 11, 58))], Values: [3], StatusCode: 'Complete' }] },
    });
    const reader = new GetMetricDataReader(api, { ...t, intervalMs: 60_000 });
    const out = await reader.readRound(specs);
    expect(api.dataCalls).toHaveLength(2);
    expect(api.dataCalls[0]).toMatchObject({ StartTime: new Date(Date.UTC(2026, 0, 1, 11, 58)), EndTime: new Date(Date.UTC(2026, 0, 1, 12, 0)) });
    expect(api.dataCalls[1].NextToken).toBe('page-2');
    expect(out.get('m')?.query).toMatchObject({ kind: 'value', value: 7 });
  });

  it('retries throttling with backoff inside the interval, then reports a measurement error', async () => {
    const t = clock();
    const throttled = new CloudWatchApiDouble({ getMetricData: () => awsError('ThrottlingException', 400, 'Rate exceeded') });
    const reader = new GetMetricDataReader(throttled, { ...t, intervalMs: 5_000 });
    const out = await reader.readRound(specs);
    expect(out.get('m')?.query).toMatchObject({ kind: 'error' });
    expect((out.get('m')?.query as { detail: string }).detail).toContain('GetMetricData failed after 5 attempt(s): ThrottlingException: Rate exceeded');
    expect(t.sleeps).toEqual([200, 400, 800, 1600]); // 200+400+800+1600 = 3 s; the next 3.2 s would pass 80 % of the 5 s interval
    expect(reader.calls).toBe(5);

    const recovering = new CloudWatchApiDouble({
      getMetricData: (_i, n) =>
        n < 3
          ? awsError('InternalServiceFault', 500, 'internal')
          : { MetricDataResults: [{ Id: 'm0c', Timestamps: [new Date(Date.UTC(2026, 0, 1, 11, 59))], Values: [1] }] },
    });
    const ok = await new GetMetricDataReader(recovering, { ...clock(), intervalMs: 60_000 }).readRound(specs);
    expect(ok.get('m')?.query).toMatchObject({ kind: 'value', value: 1 });
  });

  it('ends the gate in a configuration error when CloudWatch refuses the credentials', async () => {
    const reporter = new MemoryReporter();
    const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-cw-unit-'));
    dirs.push(tempDir);
    const api = new CloudWatchApiDouble({
      getMetricData: () =>
        awsError('AccessDeniedException', 400, 'User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: cloudwatch:GetMetricData'),
    });
    const err = await run(
      parseInputs({ metrics: metric(STAT), 'aws-region': 'eu-west-1', count: '3' }),
      { ...clock(), cloudWatch: api, tempDir },
      reporter,
    ).catch((e: Error) => e);
    expect(reporter.outputs.verdict).toBe('error');
    expect(err?.message).toContain('configuration error: CloudWatch: GetMetricData was refused: AccessDeniedException');
    expect(api.dataCalls).toHaveLength(1);
  });

  it('warns when interval is shorter than the period and counts each datapoint once', async () => {
    const reporter = new MemoryReporter();
    const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-cw-unit-'));
    dirs.push(tempDir);
    const t = clock(Date.UTC(2026, 0, 1, 12, 0, 1));
    // Every period has a datapoint at its start.
    const api = new CloudWatchApiDouble({
      getMetricData: (input) => {
        const end = (input.EndTime as Date).getTime();
        return { MetricDataResults: [{ Id: 'm0c', Timestamps: [new Date(end - 60_000), new Date(end - 120_000)], Values: [0.5, 0.5] }] };
      },
    });
    await run(
      parseInputs({ metrics: metric(STAT), 'aws-region': 'eu-west-1', interval: '20s', count: '6', 'min-samples': '2' }),
      { ...t, cloudWatch: api, tempDir },
      reporter,
    );
    expect(reporter.log).toContain(
      "::warning::'m': interval 20 s is shorter than the CloudWatch period 60 s, so measurements re-read the same period; each datapoint is counted once",
    );
    const samples = JSON.parse(reporter.outputs.report).analysis.metrics[0].samples as { status: string; reason: string; warmUp?: boolean }[];
    // Rounds at 12:00:01, :21, :41 read the period 11:59; 12:01:01 reads 12:00; ...
    expect(samples.map((s) => (s.warmUp ? 'again' : s.status))).toEqual(['successful', 'again', 'again', 'successful', 'again', 'again']);
    expect(samples[1].reason).toContain('same-period');
    expect(reporter.outputs.verdict).toBe('pass');
  });
});

describe('DescribeAlarms', () => {
  const alarm = (name: string, state: string, reason = '') => ({
    AlarmName: name,
    StateValue: state as 'OK',
    StateReason: reason,
    StateTransitionedTimestamp: new Date('2026-01-01T11:55:00Z'),
  });

  it('follows NextToken, includes composite alarms, and fails naming a composite alarm in ALARM', async () => {
    const reporter = new MemoryReporter();
    const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-cw-unit-'));
    dirs.push(tempDir);
    const api = new CloudWatchApiDouble({
      describeAlarms: (input, n) => {
        if (!input.NextToken) return { MetricAlarms: [alarm('shop-5xx', 'OK')], NextToken: 't2' };
        return { CompositeAlarms: [alarm('shop-any', n > 4 ? 'ALARM' : 'OK', 'shop-5xx, shop-p99 in ALARM')] };
      },
    });
    const err = await run(
      parseInputs({ 'cloudwatch-alarms': 'prefix:shop-', 'aws-region': 'eu-west-1', count: '5' }),
      { ...clock(), cloudWatch: api, tempDir },
      reporter,
    ).catch((e: Error) => e);
    expect(api.describeCalls.slice(0, 2)).toEqual([
      { AlarmNamePrefix: 'shop-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 },
      { AlarmNamePrefix: 'shop-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100, NextToken: 't2' },
    ]);
    expect(reporter.outputs.verdict).toBe('fail');
    expect(err?.message).toContain("alarm 'shop-any' is in ALARM since 2026-01-01T11:55:00.000Z: shop-5xx, shop-p99 in ALARM");
    expect(reporter.summaryMarkdown).toContain('| shop-any (composite) | 🔴 ALARM | shop-5xx, shop-p99 in ALARM | 2026-01-01T11:55:00.000Z |');
  });

  it('asks for names in chunks of 100', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `a${i}`);
    const api = new CloudWatchApiDouble({ describeAlarms: (input) => ({ MetricAlarms: (input.AlarmNames ?? []).map((n) => alarm(n, 'OK')) }) });
    const reporter = new MemoryReporter();
    const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-cw-unit-'));
    dirs.push(tempDir);
    await run(parseInputs({ 'cloudwatch-alarms': names.join(','), 'aws-region': 'eu-west-1', count: '1' }), { ...clock(), cloudWatch: api, tempDir }, reporter);
    // The first measurement, at the start, reuses the read that named the alarms.
    expect(api.describeCalls.map((c) => c.AlarmNames?.length)).toEqual([100, 50]);
    expect(reporter.outputs.verdict).toBe('pass');
  });
});

it('fails on an alarm already firing before the raw-counter start reading waits an interval', async () => {
  const reporter = new MemoryReporter();
  const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-cw-unit-'));
  dirs.push(tempDir);
  const t = clock();
  const api = new CloudWatchApiDouble({
    describeAlarms: () => ({
      MetricAlarms: [
        { AlarmName: 'shop-5xx', StateValue: 'ALARM', StateReason: 'Threshold Crossed', StateTransitionedTimestamp: new Date('2026-01-01T11:00:00Z') },
      ],
    }),
  });
  const prometheus = async (url: string) =>
    new Response(
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: [Number(new URL(url).searchParams.get('time')), '5'] }] },
      }),
    );
  const counters = '- name: e\n  query: sum(errors_total)\n  total: sum(requests_total)\n  counters: true\n  max: 0.5\n';
  const err = await run(
    parseInputs({ 'prometheus-url': 'http://prom:9090', metrics: counters, 'cloudwatch-alarms': 'shop-5xx', 'aws-region': 'eu-west-1', count: '5' }),
    { ...t, fetch: prometheus, cloudWatch: api, tempDir },
    reporter,
  ).catch((e: Error) => e);
  expect(t.sleeps).toEqual([]);
  expect(reporter.outputs.verdict).toBe('fail');
  expect(err?.message).toContain("alarm 'shop-5xx' is in ALARM since 2026-01-01T11:00:00.000Z (already firing when the gate started): Threshold Crossed");
});
