import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inputError } from '../helpers/input-error';
import { parseInputs } from '../../src/ecs-deploy/inputs';
import { buildDeploymentConfiguration } from '../../src/ecs-deploy/deployment-config';
import { applyImagesAndEnvironment, parseTaskDefinitionText, toRegisterInput } from '../../src/ecs-deploy/task-definition';

const IMAGE = `registry.example.com/team/web@sha256:${'c'.repeat(64)}`;
const errorOf = (raw: Record<string, string>) => inputError(() => parseInputs(raw));
let dir: string;
const savedRegion = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
beforeEach(() => {
  process.env.AWS_REGION = 'eu-west-1';
});
afterEach(() => {
  for (const [k, v] of Object.entries(savedRegion)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shipline-ecs-inputs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reads a deploy with action.yml defaults', () => {
  const i = parseInputs({ service: 'web', images: `app=${IMAGE}, worker=${IMAGE}` });
  expect(i).toMatchObject({
    action: 'deploy',
    cluster: 'default',
    service: 'web',
    strategy: undefined,
    images: [
      { container: 'app', image: IMAGE },
      { container: 'worker', image: IMAGE },
    ],
    native: { alarms: [], pauseAt: 'none' },
    waitMs: 30 * 60_000,
    pollIntervalMs: 15_000,
    onTimeout: 'fail',
  });
});

it('keeps a long wait exactly (no hidden cap) and reads native settings', () => {
  const i = parseInputs({
    service: 'web',
    images: `app=${IMAGE}`,
    wait: '3h15m',
    strategy: 'canary',
    'canary-percent': '12.5',
    'canary-bake-time': '15m',
    'bake-time': '30',
    alarms: 'a\nb',
    'pause-at': 'post-test-traffic-shift',
  });
  expect(i.waitMs).toBe(3 * 3_600_000 + 15 * 60_000);
  expect(i.native).toEqual({
    bakeTimeMinutes: 30,
    canaryPercent: 12.5,
    canaryBakeTimeMinutes: 15,
    linearStepPercent: undefined,
    linearStepBakeTimeMinutes: undefined,
    alarms: ['a', 'b'],
    pauseAt: 'post-test-traffic-shift',
  });
});

it('parses environment lines and the pre-deploy command', () => {
  const i = parseInputs({
    service: 'web',
    images: `app=${IMAGE}`,
    environment: 'app: URL=postgres://db/x?a=1,b=2',
    'pre-deploy-command': '["bin/rails", "db:migrate"]',
  });
  expect(i.environment).toEqual([{ container: 'app', name: 'URL', value: 'postgres://db/x?a=1,b=2' }]);
  expect(i.preDeploy).toEqual({ command: ['bin/rails', 'db:migrate'], container: 'app' });
});

it.each([
  [{ service: 'web', images: `app=${IMAGE}`, strategy: 'recreate' }, 'strategy', 'not one of'],
  [{ service: 'web', images: 'app=registry.example.com/web:1.2' }, 'images', 'require-digest'],
  [{ service: 'web', images: `${IMAGE}` }, 'images', 'container=image'],
  [{ service: 'web', images: `app=${IMAGE}\napp=${IMAGE}` }, 'images', 'listed twice'],
  [{ service: 'web', images: `app=${IMAGE}`, 'canary-percent': '101', strategy: 'canary' }, 'canary-percent', 'outside 0.1-100'],
  [{ service: 'web', images: `app=${IMAGE}`, 'canary-percent': '5.55', strategy: 'canary' }, 'canary-percent', 'multiple of 0.1'],
  [{ service: 'web', images: `app=${IMAGE}`, 'canary-percent': '5', strategy: 'linear' }, 'canary-percent', 'applies to strategy: canary'],
  [
    { service: 'web', images: `app=${IMAGE}`, 'canary-percent': '5', strategy: 'rolling' },
    'canary-percent',
    'applies to strategy: canary, but strategy is rolling',
  ],
  [{ service: 'web', images: `app=${IMAGE}`, 'linear-step-percent': '10', strategy: 'rolling' }, 'linear-step-percent', 'but strategy is rolling'],
  [
    { service: 'web', images: `app=${IMAGE}`, 'bake-time': '5m', strategy: 'rolling' },
    'bake-time',
    'applies to strategy: blue-green, canary or linear, but strategy is rolling',
  ],
  [{ service: 'web', images: `app=${IMAGE}`, 'linear-step-percent': '2.9', strategy: 'linear' }, 'linear-step-percent', 'outside 3-100'],
  [{ service: 'web', images: `app=${IMAGE}`, 'linear-step-bake-time': '90s', strategy: 'linear' }, 'linear-step-bake-time', 'whole number of minutes'],
  [{ service: 'web', images: `app=${IMAGE}`, 'bake-time': '25h' }, 'bake-time', 'outside 0-1440'],
  [{ service: 'web', images: `app=${IMAGE}`, strategy: 'rolling', 'pause-at': 'post-scale-up' }, 'pause-at', 'strategy is rolling'],
  [{ service: 'web', images: `app=${IMAGE}`, 'pause-at': 'halfway' }, 'pause-at', 'not one of'],
  [{ service: 'web', images: `app=${IMAGE}`, strategy: 'codedeploy', 'codedeploy-application': 'a' }, 'codedeploy-deployment-group', 'required'],
  [{ service: 'web', images: `app=${IMAGE}`, strategy: 'canary', 'wait-at-ready': 'true' }, 'wait-at-ready', 'codedeploy'],
  [{ service: 'web', images: `app=${IMAGE}`, 'pre-deploy-command': '["a", 1]' }, 'pre-deploy-command', 'JSON array of strings'],
  [{ service: 'web', images: `app=${IMAGE}`, wait: 'forever' }, 'wait', 'not a duration'],
  [{ service: 'web', images: `app=${IMAGE}`, wait: '10s', 'poll-interval': '1m' }, 'poll-interval', 'longer than wait'],
  [{ service: 'web', images: `app=${IMAGE}`, 'on-timeout': 'ignore' }, 'on-timeout', 'not one of'],
  [
    { service: 'web', action: 'continue', decision: 'continue', 'service-deployment-arn': 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/c/web/x' },
    'hook-id',
    'required',
  ],
  [
    { service: 'web', action: 'continue', 'hook-id': 'h', 'service-deployment-arn': 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/c/web/x' },
    'decision',
    'required',
  ],
  [
    { service: 'web', action: 'continue', decision: 'continue', strategy: 'codedeploy', 'codedeploy-application': 'a', 'codedeploy-deployment-group': 'g' },
    'codedeploy-deployment-id',
    'required',
  ],
  [{ service: 'web', action: 'continue', decision: 'go', 'hook-id': 'h' }, 'decision', 'not one of'],
  [{ service: 'web', action: 'rollback', strategy: 'codedeploy' }, 'codedeploy-deployment-id', 'required'],
  [{ service: 'web', action: 'deploy', decision: 'continue', images: `app=${IMAGE}` }, 'decision', 'only applies'],
  [{ service: 'web', 'service-deployment-arn': 'ecs-svc/123', action: 'rollback' }, 'service-deployment-arn', 'not a service deployment ARN'],
  [{ service: 'web' }, 'images', 'nothing new to deploy'],
  [{ service: '' }, 'service', 'required'],
])('refuses %p naming %s', (raw, input, says) => {
  const e = errorOf(raw);
  expect(e.input).toBe(input);
  expect(e.message).toContain(says);
});

it('points at the line and column of a JSON error in the task definition file', () => {
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, '{\n  "family": "web",\n  "containerDefinitions": [}\n');
  const e = errorOf({ service: 'web', images: `app=${IMAGE}`, 'task-definition': file });
  expect(e.input).toBe('task-definition');
  expect(e.message).toMatch(/line 3 column 28/);
});

it('checks images and the pre-deploy container against the file before anything else', () => {
  const file = path.join(dir, 'td.json');
  writeFileSync(file, JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'app', image: 'x' }] }));
  expect(errorOf({ service: 'web', images: `api=${IMAGE}`, 'task-definition': file }).message).toContain("'api'");
  expect(errorOf({ service: 'web', images: `app=${IMAGE}`, 'task-definition': file, environment: 'worker: A=1' }).input).toBe('environment');
  expect(
    errorOf({ service: 'web', images: `app=${IMAGE}`, 'task-definition': file, 'pre-deploy-command': '["x"]', 'pre-deploy-container': 'migrate' }).input,
  ).toBe('pre-deploy-container');
});

it('drops describe-only keys and nulls, and says which', () => {
  const td = parseTaskDefinitionText(
    'task-definition',
    'f',
    JSON.stringify({ family: 'web', revision: 3, status: 'ACTIVE', enableFaultInjection: null, containerDefinitions: [{ name: 'app' }] }),
  );
  expect(toRegisterInput(td)).toEqual({
    input: { family: 'web', containerDefinitions: [{ name: 'app' }] },
    dropped: ['revision', 'status', 'enableFaultInjection (null)'],
  });
  const applied = applyImagesAndEnvironment(td, [{ container: 'app', image: IMAGE }], [{ container: 'app', name: 'A', value: '1' }]);
  expect(applied.taskDefinition.containerDefinitions).toEqual([{ name: 'app', image: IMAGE, environment: [{ name: 'A', value: '1' }] }]);
  expect(td.containerDefinitions).toEqual([{ name: 'app' }]);
});

describe('deployment configuration', () => {
  const native = { alarms: [], pauseAt: 'none' as const };
  it('writes the strategy and a PAUSE hook over the service configuration and lists the changes', () => {
    const { configuration, changes } = buildDeploymentConfiguration(
      { strategy: 'ROLLING', maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
      'linear',
      { ...native, linearStepPercent: 20, linearStepBakeTimeMinutes: 2, alarms: ['web-5xx'], pauseAt: 'pre-production-traffic-shift' },
    );
    expect(configuration).toEqual({
      strategy: 'LINEAR',
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 2 },
      alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRE_PRODUCTION_TRAFFIC_SHIFT'] }],
    });
    expect(changes[0]).toBe('strategy ROLLING -> LINEAR');
    expect(changes).toContain('PAUSE lifecycle hook none -> PRE_PRODUCTION_TRAFFIC_SHIFT');
  });
  it('removes a PAUSE hook an earlier paused run left, keeps Lambda hooks', () => {
    const lambda = {
      targetType: 'AWS_LAMBDA' as const,
      hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:check',
      lifecycleStages: ['POST_SCALE_UP' as const],
    };
    const { configuration, changes } = buildDeploymentConfiguration(
      { strategy: 'BLUE_GREEN', lifecycleHooks: [lambda, { targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }] },
      'blue-green',
      native,
    );
    expect(configuration.lifecycleHooks).toEqual([lambda]);
    expect(changes).toEqual(['PAUSE lifecycle hook POST_SCALE_UP -> none']);
  });
});

it('finds the first JSON error wherever it is', () => {
  const { jsonErrorAt } = jest.requireActual<typeof import('../../src/ecs-deploy/json-position')>('../../src/ecs-deploy/json-position');
  expect(jsonErrorAt('{"a": [1, 2, {"b": true}], "c": null}')).toBeUndefined();
  expect(jsonErrorAt('{"a": 1,}')).toMatchObject({ line: 1, column: 9 });
  expect(jsonErrorAt('{\n  "a": tru\n}')).toMatchObject({ line: 2, column: 11 });
  expect(jsonErrorAt('{"a": "x"} extra')).toMatchObject({ line: 1, column: 12 });
  expect(jsonErrorAt('{"a": "unterminated')).toMatchObject({ line: 1, column: 20 });
});

it('continues a CodeDeploy deployment named by id alone', () => {
  const i = parseInputs({ service: 'web', action: 'continue', decision: 'rollback', 'codedeploy-deployment-id': 'd-ABCDEFGHI' });
  expect(i).toMatchObject({ action: 'continue', decision: 'rollback', codedeployDeploymentId: 'd-ABCDEFGHI', codedeploy: undefined });
});

it('asks for aws-region when the job set no region, before the SDK would fail on its first call', () => {
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
  const e = errorOf({ service: 'web', images: `app=${IMAGE}` });
  expect(e.input).toBe('aws-region');
  expect(parseInputs({ service: 'web', images: `app=${IMAGE}`, 'aws-region': 'eu-central-1' }).awsRegion).toBe('eu-central-1');
});
