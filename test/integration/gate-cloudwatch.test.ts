/**
 * health-gate's CloudWatch alarms and metrics against moto 5.2.1, a real HTTP CloudWatch
 * emulator, through the real SDK client (@aws-sdk/client-cloudwatch, reaching moto through
 * AWS_ENDPOINT_URL as it would reach AWS). In-process with a fake clock anchored an hour ago,
 * so a 60 s period costs no waiting: datapoints are put with the timestamps of those periods.
 *
 * moto does not evaluate alarms by itself (no metric is compared with the threshold), so these
 * tests set every alarm state with SetAlarmState, as CloudWatch would after evaluating.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type MetricDatum,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { parseInputs } from '../../src/health-gate/inputs';
import { run } from '../../src/health-gate/run';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { MOTO_REGION, startMoto, type TestMoto } from '../helpers/moto';

let moto: TestMoto;
let cw: CloudWatchClient;
const savedEnv = { ...process.env };
const dirs: string[] = [];
/** The start of a period an hour ago: every period of a test lies in the past, as CloudWatch requires. */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const LB = 'app/shop/1a2b';
const TG = { canary: 'targetgroup/shop-canary/3c4d', stable: 'targetgroup/shop-stable/5e6f' };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  cw = new CloudWatchClient({ region: MOTO_REGION });
});
afterAll(async () => {
  cw?.destroy();
  await moto?.stop();
  process.env = savedEnv;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => moto.reset());

/** The 5XX count of a target group in the period that round `round` (1-based) reads: the one before the round's. */
async function put5xx(group: keyof typeof TG, perRound: (round: number) => number | undefined, rounds: number): Promise<void> {
  const data: MetricDatum[] = [];
  for (let r = 1; r <= rounds; r++) {
    const v = perRound(r);
    if (v === undefined) continue;
    data.push({
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [
        { Name: 'LoadBalancer', Value: LB },
        { Name: 'TargetGroup', Value: TG[group] },
      ],
      Timestamp: new Date(T0 + (r - 2) * 60_000 + 5_000),
      Value: v,
      Unit: 'Count',
    });
  }
  if (data.length > 0) await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: data }));
}

async function alarm(name: string, state: StateValue, reason: string): Promise<void> {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}

const side = (group: keyof typeof TG) =>
  `{namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {LoadBalancer: ${LB}, TargetGroup: ${group === 'canary' ? TG.canary : TG.stable}}, stat: Sum, period: 60}`;
const TARGET_5XX = `- name: target-5xx\n  cloudwatch: ${side('canary')}\n  baseline: ${side('stable')}\n  max: 1000\n`;

/** Runs the gate in-process with a fake clock starting 1 s into period T0; `onSleep` runs before each wait ends (round n+1 follows sleep n). */
async function gate(raw: Record<string, string>, onSleep?: (n: number) => Promise<void>) {
  let now = T0 + 1_000;
  let sleeps = 0;
  const tempDir = mkdtempSync(path.join(tmpdir(), 'gate-cw-'));
  dirs.push(tempDir);
  const reporter = new MemoryReporter();
  const deps = {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
      if (ms >= 1_000) await onSleep?.(++sleeps);
    },
    tempDir,
  };
  const err = await run(parseInputs({ 'aws-region': MOTO_REGION, interval: '60s', ...raw }), deps, reporter).catch((e: unknown) => e as Error);
  return { reporter, err, report: JSON.parse(reporter.outputs.report), rounds: sleeps + 1 };
}

it('passes a healthy canary: alarms OK, 5XX like the baseline; summary has the alarm table and the chart', async () => {
  await alarm('shop-prod-5xx', 'OK', 'Threshold Crossed: 1 datapoint [2.0] was not greater than the threshold (10.0).');
  await put5xx('canary', (r) => 3 + (r % 3), 6);
  await put5xx('stable', (r) => 3 + ((r + 1) % 3), 6);
  const { reporter, err, report } = await gate({ 'cloudwatch-alarms': 'shop-prod-5xx', metrics: TARGET_5XX, count: '6', 'min-samples': '5' });
  expect(err).toBeUndefined();
  expect(reporter.outputs.verdict).toBe('pass');
  expect(report).toMatchObject({ rule: 'count-complete', analysis: { awsRegion: MOTO_REGION } });
  const target = report.analysis.metrics.find((m: { name: string }) => m.name === 'target-5xx');
  expect(target.source).toBe('cloudwatch');
  expect(target.cloudwatch).toMatchObject({
    canary: { kind: 'metric', namespace: 'AWS/ApplicationELB', stat: 'Sum', periodS: 60 },
    baseline: { dimensions: { TargetGroup: TG.stable } },
  });
  expect(target.samples.map((s: { value: number }) => s.value)).toEqual([4, 5, 3, 4, 5, 3]);
  expect(target.samples.map((s: { baselineValue: number }) => s.baselineValue)).toEqual([5, 3, 4, 5, 3, 4]);
  const md = reporter.summaryMarkdown;
  expect(md).toContain('### CloudWatch alarms');
  expect(md).toMatch(/\| shop-prod-5xx \| 🟢 OK \| Threshold Crossed: 1 datapoint \[2\.0\] was not greater than the threshold \(10\.0\)\. \| \d{4}-\d\d-\d\dT/);
  expect(md).toContain('title "target-5xx — canary orange, baseline blue"');
  expect(md).toContain('line [4, 5, 3, 4, 5, 3]');
});

it('fails within one interval when an alarm goes to ALARM mid-analysis, naming it, its reason and since when', async () => {
  await alarm('shop-prod-latency', 'OK', 'ok');
  const { reporter, err, report, rounds } = await gate({ 'cloudwatch-alarms': 'prefix:shop-prod-', count: '10' }, async (n) => {
    if (n === 3)
      await cw.send(new SetAlarmStateCommand({ AlarmName: 'shop-prod-latency', StateValue: 'ALARM', StateReason: 'Threshold Crossed: p99 1.9 s > 1 s' }));
  });
  expect(reporter.outputs.verdict).toBe('fail');
  expect(rounds).toBe(4); // set during the 3rd wait, seen by the 4th measurement
  expect(report).toMatchObject({ rule: 'critical-breach', metric: 'shop-prod-latency' });
  expect(report.reason).toMatch(/alarm 'shop-prod-latency' is in ALARM since \d{4}-\d\d-\d\dT[^ ]+: Threshold Crossed: p99 1\.9 s > 1 s/);
  expect(err?.message).toContain('verdict fail (rule critical-breach)');
  expect(reporter.summaryMarkdown).toContain('| shop-prod-latency | 🔴 ALARM | Threshold Crossed: p99 1.9 s &gt; 1 s |');
});

it('is inconclusive and fails the step when an alarm stays INSUFFICIENT_DATA throughout', async () => {
  await alarm('shop-prod-errors', 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.');
  const { reporter, err, report } = await gate({ 'cloudwatch-alarms': 'shop-prod-errors', count: '3', 'inconclusive-limit': '5' });
  expect(reporter.outputs.verdict).toBe('inconclusive');
  expect(report.rule).toBe('not-enough-samples');
  expect(err?.message).toContain('verdict inconclusive');
  expect(reporter.summaryMarkdown).toContain('⚪ INSUFFICIENT_DATA');
});

// Composite alarms: moto 5.2.1 cannot create them (no PutCompositeAlarm), so they are covered
// by test/unit/gate-cloudwatch.test.ts with a double answering DescribeAlarms' documented shape.
it('fails at once, before any wait, when an alarm is already firing at the start', async () => {
  await alarm('shop-prod-5xx', 'OK', 'ok');
  await alarm('shop-prod-any', 'ALARM', 'Threshold Crossed: 3 datapoints were greater than the threshold (10.0).');
  const { reporter, report, rounds } = await gate({ 'cloudwatch-alarms': 'prefix:shop-prod-', count: '10' });
  expect(rounds).toBe(1);
  expect(reporter.outputs.verdict).toBe('fail');
  expect(report.reason).toContain("alarm 'shop-prod-any' is in ALARM");
  expect(report.reason).toContain('already firing when the gate started');
  expect(reporter.summaryMarkdown).toContain('| shop-prod-any | 🔴 ALARM |');
});

it('ends in a configuration error naming a missing alarm, and a prefix matching none', async () => {
  await alarm('shop-prod-5xx', 'OK', 'ok');
  const { reporter, err, report } = await gate({ 'cloudwatch-alarms': 'shop-prod-5xx, shop-prod-typo\nprefix:nothing-', count: '3' });
  expect(reporter.outputs.verdict).toBe('error');
  expect(report.rule).toBe('configuration-error');
  expect(err?.message).toContain(`no such alarm in ${MOTO_REGION}: 'shop-prod-typo', none matches 'prefix:nothing-'`);
});

it('fails a canary whose 5XX count is 5x the baseline', async () => {
  await put5xx('canary', (r) => 50 + (r % 4), 10);
  await put5xx('stable', (r) => 10 + (r % 3), 10);
  const { reporter, report } = await gate({ metrics: TARGET_5XX, count: '10', 'min-samples': '5' });
  expect(reporter.outputs.verdict).toBe('fail');
  expect(report.reason).toContain('canary is significantly worse than baseline');
  expect(report.analysis.metrics[0].statistics).toMatchObject({ test: 'mann-whitney', worse: true });
});

it('counts periods without datapoints as no data, never as zero', async () => {
  await put5xx('canary', (r) => (r % 2 === 0 ? undefined : 2), 6);
  const metric = `- name: canary-5xx\n  cloudwatch: ${side('canary')}\n  max: 1\n`;
  const { reporter, report } = await gate({ metrics: metric, count: '6', 'inconclusive-limit': '5', 'failure-limit': '5' });
  const samples = report.analysis.metrics[0].samples as { status: string; reason: string; value?: number }[];
  expect(samples.map((s) => s.status)).toEqual(['failed', 'inconclusive', 'failed', 'inconclusive', 'failed', 'inconclusive']);
  expect(samples[1].reason).toContain('no data (canary: no-datapoint)');
  expect(samples[1].value).toBeUndefined();
  expect(report.rule).toBe('failed-measurements');
  expect(reporter.outputs.verdict).toBe('fail');
});

it('reads an expression over ids (one GetMetricData call per measurement)', async () => {
  await put5xx('canary', () => 0.5, 4);
  const metric = `- name: ratio\n  cloudwatch: {expression: "e", metrics: {e: {namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {LoadBalancer: ${LB}, TargetGroup: ${TG.canary}}, stat: Sum}}, period: 60}\n  max: 1\n`;
  const { reporter, report } = await gate({ metrics: metric, count: '4', 'min-samples': '4' });
  expect(reporter.outputs.verdict).toBe('pass');
  expect(report.analysis.metrics[0].samples.map((s: { value: number }) => s.value)).toEqual([0.5, 0.5, 0.5, 0.5]);
});
