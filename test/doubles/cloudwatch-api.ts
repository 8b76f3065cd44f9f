/**
 * A CloudWatch API double (DescribeAlarms, GetMetricData) for what moto 5.2.1 cannot do:
 * composite alarms, pagination (NextToken), PartialData, throttling and refused calls. Answers
 * in the shapes of the CloudWatch API reference (MetricAlarms / CompositeAlarms with
 * StateValue, StateReason, StateTransitionedTimestamp; MetricDataResults with Id, Timestamps,
 * Values, StatusCode), and errors as the SDK raises them (name, $metadata.httpStatusCode).
 */
import type { CloudWatchApi, DescribeAlarmsInput, DescribeAlarmsOutput, GetMetricDataInput, GetMetricDataOutput } from '../../src/health-gate/cloudwatch/api';

export function awsError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

export class CloudWatchApiDouble implements CloudWatchApi {
  readonly describeCalls: DescribeAlarmsInput[] = [];
  readonly dataCalls: GetMetricDataInput[] = [];

  constructor(
    private readonly answers: {
      describeAlarms?: (input: DescribeAlarmsInput, n: number) => DescribeAlarmsOutput | Error;
      getMetricData?: (input: GetMetricDataInput, n: number) => GetMetricDataOutput | Error;
    },
  ) {}

  async describeAlarms(input: DescribeAlarmsInput): Promise<DescribeAlarmsOutput> {
    this.describeCalls.push(input);
    const a = (this.answers.describeAlarms ?? (() => ({ MetricAlarms: [], CompositeAlarms: [] })))(input, this.describeCalls.length);
    if (a instanceof Error) throw a;
    return a;
  }

  async getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput> {
    this.dataCalls.push(input);
    const a = (this.answers.getMetricData ?? (() => ({ MetricDataResults: [] })))(input, this.dataCalls.length);
    if (a instanceof Error) throw a;
    return a;
  }
}
