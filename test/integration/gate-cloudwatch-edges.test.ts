/**
 * health-gate's committed bundle against moto's CloudWatch with a prefix matching 150 alarms
 * (two DescribeAlarms pages of 100): the one alarm in ALARM on the second page fails the gate.
 * moto does not evaluate alarms by itself, so the test sets the states with SetAlarmState.
 */
import { rmSync } from 'node:fs';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { putErrorsAlarm } from '../helpers/cloudwatch-alarm';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { MOTO_REGION, startMoto, type TestMoto } from '../helpers/moto';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';

let moto: TestMoto;
let proxy: RecordingProxy;
let cw: CloudWatchClient;
const results: StepResult[] = [];

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.url);
  cw = new CloudWatchClient({ region: MOTO_REGION, endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  for (let i = 0; i < 150; i++) {
    const AlarmName = `shop-prod-${String(i).padStart(3, '0')}`;
    await putErrorsAlarm(cw, AlarmName, 'OK', 'fine');
  }
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'shop-prod-145', StateValue: 'ALARM', StateReason: 'Threshold Crossed: 42 > 10' }));
}, 120_000);
afterAll(async () => {
  cw?.destroy();
  await proxy?.close();
  await moto?.stop();
  for (const r of results) rmSync(r.tempDir, { recursive: true, force: true });
});

it('a prefix matching 150 alarms reads every page and fails on the one in ALARM on the second', async () => {
  const r = await runAction(
    'health-gate',
    { 'aws-region': MOTO_REGION, 'cloudwatch-alarms': 'prefix:shop-prod-', interval: '1s', count: '3' },
    { env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url } },
  );
  results.push(r);
  expectCleanFailure(r, "alarm 'shop-prod-145' is in ALARM", 'Threshold Crossed: 42 > 10');
  expect(r.outputs.verdict).toBe('fail');
  const report = JSON.parse(r.outputs.report) as { metrics?: { name: string }[] };
  expect(JSON.stringify(report)).toContain('shop-prod-149');
});

it('warns when the interval is longer than the CloudWatch period: the periods between measurements are never read', async () => {
  const r = await runAction(
    'health-gate',
    {
      'aws-region': MOTO_REGION,
      metrics: '- name: errors\n  cloudwatch: {namespace: Shop, metric: Errors, stat: Sum, period: 1}\n  max: 5\n',
      interval: '3s',
      count: '2',
    },
    { env: { ...moto.env, AWS_ENDPOINT_URL: proxy.url } },
  );
  results.push(r);
  expect(r.stdout).toMatch(/::warning::'errors': interval 3 s is longer than the CloudWatch period 1 s/);
});
