/**
 * The two CloudWatch API calls health-gate makes, as an injectable interface: DescribeAlarms
 * and GetMetricData (shapes of the CloudWatch API reference, SDK v3 command input/output).
 * The real client is loaded with a dynamic import only when a CloudWatch input is used, so a
 * Prometheus-only gate never pays for the SDK. No endpoint is set: the SDK reads
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_CLOUDWATCH itself.
 */
import type {
  DescribeAlarmsCommandInput,
  DescribeAlarmsCommandOutput,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';

export type DescribeAlarmsInput = DescribeAlarmsCommandInput;
export type DescribeAlarmsOutput = Pick<DescribeAlarmsCommandOutput, 'MetricAlarms' | 'CompositeAlarms' | 'NextToken'>;
export type GetMetricDataInput = GetMetricDataCommandInput;
export type GetMetricDataOutput = Pick<GetMetricDataCommandOutput, 'MetricDataResults' | 'NextToken' | 'Messages'>;

export interface CloudWatchApi {
  describeAlarms(input: DescribeAlarmsInput): Promise<DescribeAlarmsOutput>;
  getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput>;
}

/**
 * The SDK's CloudWatch client for `region`, with the SDK's own retries off (maxAttempts 1):
 * health-gate retries throttling and internal errors itself, bounded by the interval.
 */
export async function sdkCloudWatch(region: string): Promise<CloudWatchApi> {
  const sdk = await import('@aws-sdk/client-cloudwatch');
  const client = new sdk.CloudWatchClient({ region, maxAttempts: 1 });
  return {
    describeAlarms: (input) => client.send(new sdk.DescribeAlarmsCommand(input)),
    getMetricData: (input) => client.send(new sdk.GetMetricDataCommand(input)),
  };
}
