/** The CloudWatch readers the analysis engine takes: GetMetricData for metrics, DescribeAlarms for alarms. */
import type { AlarmWatch, MetricBatchReader } from '../analysis/engine';
import type { AnalysisSettings } from '../inputs';
import { sdkCloudWatch, type CloudWatchApi } from './api';

export interface CloudWatchSourceDeps {
  api?: CloudWatchApi;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log: { info(m: string): void; warning(m: string): void };
}

export async function cloudWatchSources(a: AnalysisSettings, deps: CloudWatchSourceDeps): Promise<{ metrics?: MetricBatchReader; alarms?: AlarmWatch }> {
  const api = deps.api ?? (await sdkCloudWatch(a.awsRegion as string));
  void api;
  return {};
}
