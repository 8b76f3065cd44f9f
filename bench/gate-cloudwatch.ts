/**
 * Part 3 of `npm run bench:gate`: the gate on CloudWatch, against moto (real HTTP, the real SDK
 * client), with a fake clock anchored an hour ago so 60 s periods cost no waiting.
 * Seeded ALB-like 5XX counts (HTTPCode_Target_5XX_Count, Sum per 60 s period) for a canary and
 * a stable target group, put with the periods' timestamps; the gate reads them with one
 * GetMetricData per measurement at the action's defaults (count 10, min-samples 5, effect-size
 * 1.5, confidence 0.99, interval = period = 60 s). Zero-error periods are published as 0, as
 * FILL(m, 0) gives on CloudWatch. Peer: the per-sample rule of Argo Rollouts / Flagger
 * CloudWatch templates, "canary > 1.5x baseline" with failure-limit 0, on the same data.
 * Also counted: CloudWatch API calls per measurement, with and without cloudwatch-alarms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { sdkCloudWatch, type CloudWatchApi } from '../src/health-gate/cloudwatch/api';
import { parseInputs } from '../src/health-gate/inputs';
import { run } from '../src/health-gate/run';
import { MemoryReporter } from '../src/toolkit/reporter';
import { MOTO_REGION, startMoto } from '../test/helpers/moto';

const TRIALS = Number(process.env.GATE_BENCH_CW_TRIALS ?? 40);
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const COUNT = 10;

type Rnd = () => number;
type Table = (headers: string[], rows: string[][]) => void;

function poisson(lambda: number, rnd: Rnd): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
}

/** Counts every call the gate makes through the API. */
function counting(api: CloudWatchApi): CloudWatchApi & { describe: number; data: number } {
  const c = {
    describe: 0,
    data: 0,
    describeAlarms: (i: Parameters<CloudWatchApi['describeAlarms']>[0]) => (c.describe++, api.describeAlarms(i)),
    getMetricData: (i: Parameters<CloudWatchApi['getMetricData']>[0]) => (c.data++, api.getMetricData(i)),
  };
  return c;
}

const side = (tg: string) =>
  `{namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: {LoadBalancer: app/bench/1, TargetGroup: ${tg}}, stat: Sum, period: 60}`;

export async function cloudWatchPart(printTable: Table, mulberry32: (seed: number) => Rnd): Promise<void> {
  const moto = await startMoto();
  const saved = { ...process.env };
  Object.assign(process.env, moto.env);
  const cw = new CloudWatchClient({ region: MOTO_REGION });
  const api = await sdkCloudWatch(MOTO_REGION);
  const tempDir = mkdtempSync(path.join(tmpdir(), 'bench-gate-cw-'));
  try {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'bench-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1000,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'bench-5xx', StateValue: 'OK', StateReason: 'bench' }));
    const rows: string[][] = [];
    const calls: string[][] = [];
    for (const [label, factor, alarms] of [
      ['5XX 1% of 300 req/period, A/A', 1, ''],
      ['5XX 1% of 300 req/period, 5x', 5, ''],
      ['5XX 1% of 300 req/period, 5x, with cloudwatch-alarms', 5, 'bench-5xx'],
    ] as const) {
      let failed = 0;
      let peerFailed = 0;
      const intervals: number[] = [];
      const peerIntervals: number[] = [];
      let rounds = 0;
      const counted = counting(api);
      for (let t = 0; t < TRIALS; t++) {
        const rnd = mulberry32(7_919 * (factor * 10 + (alarms ? 1 : 0)) + t);
        const canaryTg = `targetgroup/canary-${factor}-${alarms ? 'a' : 'n'}-${t}`;
        const stableTg = `targetgroup/stable-${factor}-${alarms ? 'a' : 'n'}-${t}`;
        const data: MetricDatum[] = [];
        const perPeriod: { c: number; b: number }[] = [];
        for (let r = 1; r <= COUNT; r++) {
          const c = poisson(3 * factor, rnd);
          const b = poisson(3, rnd);
          perPeriod.push({ c, b });
          const at = new Date(T0 + (r - 2) * 60_000 + 5_000);
          for (const [tg, v] of [
            [canaryTg, c],
            [stableTg, b],
          ] as const) {
            data.push({
              MetricName: 'HTTPCode_Target_5XX_Count',
              Dimensions: [
                { Name: 'LoadBalancer', Value: 'app/bench/1' },
                { Name: 'TargetGroup', Value: tg },
              ],
              Timestamp: at,
              Value: v,
              Unit: 'Count',
            });
          }
        }
        await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: data }));
        let now = T0 + 1_000;
        const inputs = parseInputs({
          'aws-region': MOTO_REGION,
          metrics: `- name: target-5xx\n  cloudwatch: ${side(canaryTg)}\n  baseline: ${side(stableTg)}\n  max: 1000\n`,
          ...(alarms && { 'cloudwatch-alarms': alarms }),
          count: String(COUNT),
        });
        const reporter = new MemoryReporter();
        await run(inputs, { clock: () => now, sleep: async (ms) => void (now += ms), tempDir, cloudWatch: counted }, reporter).catch(() => undefined);
        const report = JSON.parse(reporter.outputs.report) as { verdict: string; analysis: { rounds: number } };
        rounds += report.analysis.rounds;
        if (report.verdict === 'fail') {
          failed++;
          intervals.push(report.analysis.rounds);
        }
        const peerAt = perPeriod.findIndex((p) => p.c > 1.5 * p.b);
        if (peerAt >= 0) {
          peerFailed++;
          peerIntervals.push(peerAt + 1);
        }
      }
      const pct = (n: number) => `${((100 * n) / TRIALS).toFixed(1)}%`;
      const med = (xs: number[]) => (xs.length === 0 ? '-' : String([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]));
      const mean = (xs: number[]) => (xs.length === 0 ? '-' : (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2));
      rows.push([
        label,
        factor === 1 ? 'false fail' : 'detection',
        pct(failed),
        pct(peerFailed),
        `${med(intervals)} / ${mean(intervals)}`,
        `${med(peerIntervals)} / ${mean(peerIntervals)}`,
      ]);
      calls.push([label, String(rounds), (counted.data / rounds).toFixed(2), (counted.describe / rounds).toFixed(2)]);
    }
    console.log(`\nPart 3: CloudWatch (moto 5.2.1, real SDK), ${TRIALS} analyses per row at the defaults, interval = period = 60 s (fake clock)\n`);
    printTable(['scenario', 'measures', 'gate', 'peer', 'gate intervals to fail (median / mean)', 'peer intervals (median / mean)'], rows);
    console.log('');
    // DescribeAlarms includes the one call that names the alarms at the start.
    printTable(['scenario', 'measurements', 'GetMetricData calls / measurement', 'DescribeAlarms calls / measurement'], calls);
  } finally {
    cw.destroy();
    process.env = saved;
    await moto.stop();
    rmSync(tempDir, { recursive: true, force: true });
  }
}
