/**
 * health-gate's committed bundle with CloudWatch inputs, run as the runner does: against moto
 * in real time (a high-resolution metric with 1 s periods, fed while the step runs), and with
 * bad inputs against a server that only counts requests (no AWS call may happen).
 * moto does not evaluate alarms by itself, so the test sets alarm states with SetAlarmState.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { putErrorsAlarm } from '../helpers/cloudwatch-alarm';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { MOTO_REGION, startMoto, type TestMoto } from '../helpers/moto';

let moto: TestMoto;
let cw: CloudWatchClient;
let counter: Server;
let requests = 0;
const results: StepResult[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  cw = new CloudWatchClient({ region: MOTO_REGION });
  counter = createServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  cw?.destroy();
  await moto?.stop();
  await new Promise((r) => counter?.close(r));
  process.env = savedEnv;
  for (const r of results) rmSync(r.tempDir, { recursive: true, force: true });
});

async function step(inputs: Record<string, string>, env: Record<string, string>): Promise<StepResult> {
  const r = await runAction('health-gate', inputs, { env });
  results.push(r);
  return r;
}

const STAT = '{namespace: Shop, metric: Errors, dimensions: {Version: canary}, stat: Sum, period: 1}';

describe('bad CloudWatch input: one ::error::, exit 1, no AWS call', () => {
  it.each([
    [{ metrics: '- name: e\n  cloudwatch: {metric: Errors, stat: Sum}\n  max: 1\n', 'aws-region': MOTO_REGION }, "'metrics'", 'namespace'],
    [{ metrics: '- name: e\n  cloudwatch: {namespace: Shop, metric: Errors}\n  max: 1\n', 'aws-region': MOTO_REGION }, "'metrics'", 'stat'],
    [{ metrics: '- name: e\n  cloudwatch: {namespace: Shop, stat: Sum}\n  max: 1\n', 'aws-region': MOTO_REGION }, "'metrics'", "'metric' is missing"],
    [
      { metrics: '- name: e\n  cloudwatch: {namespace: Shop, metric: Errors, stat: Sum, period: 90}\n  max: 1\n', 'aws-region': MOTO_REGION },
      "'metrics'",
      'multiple of 60',
    ],
    [
      {
        metrics: '- name: e\n  cloudwatch: {expression: "e / r", metrics: {e: {namespace: Shop, metric: Errors, stat: Sum}}, period: 60}\n  max: 1\n',
        'aws-region': MOTO_REGION,
      },
      "'metrics'",
      "id 'r'",
    ],
    [{ 'cloudwatch-alarms': 'shop-5xx' }, "'aws-region'", 'is needed to read CloudWatch'],
  ])('%j', async (inputs, input, problem) => {
    const before = requests;
    const url = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
    const r = await step(inputs, { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    expectCleanFailure(r, input, problem);
    expect(requests).toBe(before);
    expect(r.outputs.verdict).toBeUndefined();
  });
});

it('passes a healthy canary read live from moto, and fails at once on an alarm already firing', async () => {
  await putErrorsAlarm(cw, 'shop-5xx', 'OK', 'Threshold Crossed: no datapoint above 10');
  // Feed the canary's metric every 200 ms with the current time, as a service would.
  const feed = setInterval(() => {
    void cw
      .send(
        new PutMetricDataCommand({
          Namespace: 'Shop',
          MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'Version', Value: 'canary' }], Value: 0, Timestamp: new Date(), StorageResolution: 1 }],
        }),
      )
      .catch(() => undefined);
  }, 200);
  try {
    await new Promise((r) => setTimeout(r, 2_500));
    const env = { ...moto.env };
    const healthy = await step(
      { 'aws-region': MOTO_REGION, 'cloudwatch-alarms': 'shop-5xx', metrics: `- name: errors\n  cloudwatch: ${STAT}\n  max: 5\n`, interval: '1s', count: '3' },
      env,
    );
    expect(healthy.exitCode).toBe(0);
    expect(healthy.outputs.verdict).toBe('pass');
    expect(healthy.summary).toContain('| shop-5xx | 🟢 OK | Threshold Crossed: no datapoint above 10 |');
    expect(healthy.summary).toContain('title "errors — canary orange"');

    await cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'shop-5xx',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0).',
      }),
    );
    const firing = await step({ 'aws-region': MOTO_REGION, 'cloudwatch-alarms': 'shop-5xx', interval: '30s', count: '10' }, env);
    expectCleanFailure(firing, "alarm 'shop-5xx' is in ALARM", 'already firing when the gate started', 'Threshold Crossed: 1 datapoint [42.0]');
    expect(firing.outputs.verdict).toBe('fail');
  } finally {
    clearInterval(feed);
  }
});

it('loads the CloudWatch SDK chunk only when a CloudWatch input is used', async () => {
  // A module resolve hook (Node's module.registerHooks, through --import) lists every file of
  // the bundle that loads: index.js always, the SDK's chunk only on the CloudWatch path.
  const dir = mkdtempSync(path.join(tmpdir(), 'gate-loads-'));
  try {
    const hook = path.join(dir, 'log-loads.mjs');
    writeFileSync(
      hook,
      [
        "import { registerHooks } from 'node:module';",
        'registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context);',
        "  if (r.url.includes('/dist/health-gate/')) process.stderr.write(`loaded ${r.url.split('/').pop()}\\n`); return r; } });",
      ].join('\n'),
    );
    const loaded = (r: StepResult) => [...r.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]);
    const url = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
    const prometheusOnly = await step(
      { 'prometheus-url': url, metrics: '- name: e\n  query: up\n  max: 1\n', count: '1' },
      { NODE_OPTIONS: `--import=${hook}` },
    );
    expect(prometheusOnly.outputs.verdict).toBe('error');
    expect(loaded(prometheusOnly)).toEqual(['index.js']);
    const cloudWatch = await step({ 'cloudwatch-alarms': 'x', 'aws-region': MOTO_REGION, count: '1' }, { ...moto.env, NODE_OPTIONS: `--import=${hook}` });
    expect(cloudWatch.outputs.verdict).toBe('error'); // moto has no alarm x: a configuration error, after loading the SDK
    expect(loaded(cloudWatch)).toEqual(['index.js', expect.stringMatching(/^\d+\.index\.js$/)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
