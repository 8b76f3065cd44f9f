/**
 * The CloudWatch readers the analysis engine takes: GetMetricData for `cloudwatch:` metrics,
 * DescribeAlarms for cloudwatch-alarms. The SDK client is created (and its module loaded) here,
 * only when the inputs use CloudWatch.
 */
import type { AnalysisSettings } from '../inputs';
import { DescribeAlarmsWatch } from './alarms';
import { sdkCloudWatch, type CloudWatchApi } from './api';
import { GetMetricDataReader } from './metric-data';

export interface CloudWatchSourceDeps {
  api?: CloudWatchApi;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface CloudWatchSources {
  metrics?: GetMetricDataReader;
  alarms?: DescribeAlarmsWatch;
}

export async function cloudWatchSources(a: AnalysisSettings, deps: CloudWatchSourceDeps): Promise<CloudWatchSources> {
  const region = a.awsRegion as string;
  const api = deps.api ?? (await sdkCloudWatch(region));
  const callDeps = { clock: deps.clock, sleep: deps.sleep, intervalMs: a.intervalMs };
  return {
    ...(a.metrics.some((m) => m.cloudwatch) && { metrics: new GetMetricDataReader(api, callDeps) }),
    ...(a.alarms.length > 0 && { alarms: new DescribeAlarmsWatch(api, a.alarms, { ...callDeps, region }) }),
  };
}
