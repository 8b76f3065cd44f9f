/**
 * A CloudWatch metric alarm in moto with the state a test needs: moto does not evaluate alarms
 * by itself, so the state is set with SetAlarmState (CloudWatch API reference).
 */
import { PutMetricAlarmCommand, SetAlarmStateCommand, type CloudWatchClient, type StateValue } from '@aws-sdk/client-cloudwatch';

/** PutMetricAlarm `name` on Shop/Errors (Sum over 60 s, 1 evaluation period, > `threshold`), then SetAlarmState `state` with `reason`. */
export async function putErrorsAlarm(cw: CloudWatchClient, name: string, state: StateValue, reason: string, threshold = 10): Promise<void> {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'Shop',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}
