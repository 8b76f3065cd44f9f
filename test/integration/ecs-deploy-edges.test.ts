/**
 * ecs-deploy's committed bundle at the edges: ECS answering part of what success needs, dead
 * endpoints, missing credentials, waits shorter than a poll, and bad inputs beyond the common
 * ones. Run against the ECS / CodeDeploy test double (no moto: no migration logs here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expectCleanFailure, runAction, type StepResult } from '../harness/run-action';
import { AwsError, startEcsDouble, type EcsDouble } from '../doubles/ecs';
import { freePort } from '../helpers/registry';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/web@${DIGEST}`;
let double: EcsDouble;
let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'shipline-ecs-edges-'));
});
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});
afterEach(async () => {
  await double?.stop();
});

async function withDouble(): Promise<EcsDouble> {
  double = await startEcsDouble({ scenario: 'healthy', stageMs: 150, minuteMs: 10 });
  double.seedService({});
  return double;
}

function deploy(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepResult> {
  return runAction(
    'ecs-deploy',
    { service: 'web', 'poll-interval': '100ms', wait: '30s', ...inputs },
    { cwd: workspace, env: { ...double.env, ...env }, timeoutMs: 60_000 },
  );
}

describe('success needs ECS to confirm the service runs the new task definition', () => {
  it('DescribeServices refused after the deployment: failed, exit 1, never succeeded', async () => {
    await withDouble();
    double.refuseWhen((c) =>
      c.operation === 'DescribeServices' && double.callsOf('UpdateService').length > 0
        ? new AwsError('AccessDeniedException', 'User is not authorized to perform: ecs:DescribeServices')
        : undefined,
    );
    const r = await deploy({ images: `app=${IMAGE}` });
    expect(r.outputs.status).not.toBe('succeeded');
    expectCleanFailure(r, 'Amazon ECS', 'could not confirm which task definition the service runs');
    expect(r.outputs.status).toBe('failed');
  });
  it('CodeDeploy Succeeded but DescribeServices refused afterwards: failed, exit 1, never succeeded', async () => {
    double = await startEcsDouble({ scenario: 'healthy', stageMs: 150, minuteMs: 10 });
    double.seedService({ controller: 'CODE_DEPLOY' });
    double.seedDeploymentGroup({ application: 'web-app', deploymentGroup: 'web-dg', cluster: 'default', service: 'web', holdAtReady: false, alarms: [] });
    double.refuseWhen((c) =>
      c.operation === 'DescribeServices' && double.callsOf('CreateDeployment').length > 0
        ? new AwsError('AccessDeniedException', 'User is not authorized to perform: ecs:DescribeServices')
        : undefined,
    );
    const r = await deploy({ images: `app=${IMAGE}`, strategy: 'codedeploy', 'codedeploy-application': 'web-app', 'codedeploy-deployment-group': 'web-dg' });
    expect(r.outputs.status).not.toBe('succeeded');
    expectCleanFailure(r, 'AWS CodeDeploy', 'could not confirm');
    expect(r.outputs.status).toBe('failed');
  });
});

describe('ECS that cannot be reached or asked: fail closed', () => {
  it('AWS_ENDPOINT_URL_ECS on a dead port: failed, exit 1', async () => {
    await withDouble();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await deploy({ images: `app=${IMAGE}` }, { AWS_ENDPOINT_URL_ECS: dead });
    expectCleanFailure(r, 'Amazon ECS');
    expect(r.outputs.status).toBe('failed');
  });

  it('no credentials: failed, exit 1, nothing sent', async () => {
    await withDouble();
    const r = await deploy(
      { images: `app=${IMAGE}` },
      {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: 'shipline-none',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      },
    );
    expectCleanFailure(r, 'Amazon ECS');
    expect(r.outputs.status).toBe('failed');
    expect(double.calls).toEqual([]);
  });

  it('an explicit wait shorter than the default poll interval is honoured, not refused', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, wait: '3s', 'poll-interval': '' });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.status).toBe('succeeded');
  });

  it('an explicit poll-interval longer than the wait is still an input error', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, wait: '300ms', 'poll-interval': '20s' });
    expectCleanFailure(r, "Input 'poll-interval'", 'longer than wait');
    expect(double.calls).toEqual([]);
  });

  it('continue with a hook id the deployment does not have: failed, exit 1', async () => {
    await withDouble();
    const paused = await deploy({ images: `app=${IMAGE}`, strategy: 'blue-green', 'pause-at': 'post-test-traffic-shift' });
    expect(paused.outputs.status).toBe('paused');
    const r = await deploy({
      action: 'continue',
      decision: 'continue',
      'service-deployment-arn': paused.outputs['service-deployment-arn'],
      'hook-id': 'ffffffffffffffffffffffff',
    });
    expectCleanFailure(r, 'ContinueServiceDeployment');
    expect(r.outputs.status).not.toBe('succeeded');
  });
});

describe('more bad input: one ::error::, exit 1, no AWS call', () => {
  beforeEach(async () => {
    await withDouble();
  });
  it.each([
    [{ images: `app=${IMAGE}`, strategy: 'canary', 'canary-percent': '100.5' }, 'canary-percent'],
    [{ images: `app=${IMAGE}`, strategy: 'linear', 'linear-step-percent': '101' }, 'linear-step-percent'],
    [{ images: `app=${IMAGE}`, strategy: 'blue-green', 'bake-time': '-1' }, 'bake-time'],
    [{ images: `app=${IMAGE}`, strategy: 'canary', 'canary-bake-time': '1441' }, 'canary-bake-time'],
    [{ images: `app=${IMAGE}`, strategy: 'linear', 'linear-step-bake-time': '5000' }, 'linear-step-bake-time'],
    [{ images: `app=${IMAGE}`, 'pre-deploy-command': '["bin/rails", 1]' }, 'pre-deploy-command'],
    [{ images: `app=${IMAGE}`, 'pre-deploy-command': '[]' }, 'pre-deploy-command'],
    [{ images: `app=${IMAGE}`, strategy: 'codedeploy', 'codedeploy-application': 'web' }, 'codedeploy-deployment-group'],
    [
      { action: 'continue', decision: 'continue', 'service-deployment-arn': 'arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/abc' },
      'hook-id',
    ],
    [{ images: 'app=web' }, 'images'],
    [{ images: `app=${IMAGE}\napp=${IMAGE}` }, 'images'],
    [{ images: `app=${IMAGE}`, wait: '0s' }, 'wait'],
    [{ images: `app=${IMAGE}`, 'poll-interval': '0s' }, 'poll-interval'],
    [{ images: `app=${IMAGE}`, 'on-timeout': 'ignore' }, 'on-timeout'],
    [{ images: `app=${IMAGE}`, environment: 'app MODE=b' }, 'environment'],
    [{ images: 'app=123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:abc' }, 'images'],
    [{ images: `=${IMAGE}` }, 'images'],
    [{ images: 'app=' }, 'images'],
    [{ images: '' }, 'images'],
    [{ images: `app=${IMAGE}`, 'require-digest': 'maybe' }, 'require-digest'],
  ])('%p names %s', async (inputs, name) => {
    const r = await deploy(inputs);
    expectCleanFailure(r, `Input '${name}'`);
    expect(double.calls).toEqual([]);
  });
});

describe('probes', () => {
  it('a throttling storm on every read for 2 s while waiting still ends succeeded', async () => {
    await withDouble();
    let until = 0;
    double.refuseWhen((c) => {
      if (double.callsOf('UpdateService').length === 0 || !/^Describe|^List/.test(c.operation)) return undefined;
      until ||= Date.now() + 2000;
      return Date.now() < until ? new AwsError('ThrottlingException', 'Rate exceeded') : undefined;
    });
    const r = await deploy({ images: `app=${IMAGE}`, 'poll-interval': '200ms' });
    expect(r.errors).toEqual([]);
    expect(r.outputs.status).toBe('succeeded');
  });

  it('a tag-only image with require-digest: false deploys that tag', async () => {
    await withDouble();
    const r = await deploy({ images: 'app=123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3', 'require-digest': 'false' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.status).toBe('succeeded');
  });

  it('tag plus digest is accepted', async () => {
    await withDouble();
    const r = await deploy({ images: `app=123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.2.3@${DIGEST}` });
    expect(r.exitCode).toBe(0);
  });
});

describe('settings for a strategy the service does not use', () => {
  it('canary-percent with strategy empty on a rolling service: input error naming it, nothing written', async () => {
    await withDouble();
    const r = await deploy({ images: `app=${IMAGE}`, 'canary-percent': '10' });
    expectCleanFailure(r, "Input 'canary-percent'", 'rolling');
    expect(double.calls.filter((c) => !/^(Describe|List|Get)/.test(c.operation))).toEqual([]);
  });
});
