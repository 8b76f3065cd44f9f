/**
 * A CloudWatch metric of the `metrics` input (`cloudwatch:` instead of `query:`): one
 * GetMetricData query, a metric statistic or a metric math expression over metrics named by id.
 * Shapes follow the GetMetricData API (MetricDataQuery / MetricStat); periods are in seconds.
 */

/** One metric and statistic (MetricStat): namespace, metric name, dimensions, statistic (Sum, Average, p99, ...). */
export interface CloudWatchMetricStat {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  stat: string;
  unit?: string;
}

export type CloudWatchQuery =
  | ({ kind: 'metric'; periodS: number } & CloudWatchMetricStat)
  | {
      kind: 'expression';
      /** Metric math over the ids below, e.g. "100 * e / r". */
      expression: string;
      metrics: Record<string, CloudWatchMetricStat>;
      periodS: number;
    };

/** The CloudWatch side of a metric: the canary query and, with baseline:, the stable one (same form). */
export interface CloudWatchMetric {
  canary: CloudWatchQuery;
  baseline?: CloudWatchQuery;
}
