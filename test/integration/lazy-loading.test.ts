/**
 * What each committed bundle loads, run as the runner runs it: the AWS SDK (an ncc chunk of
 * its own) is loaded only on the path that talks to AWS, and still works there (ECR's path:
 * test/unit/promote-aws.test.ts; an ECR host's registry API cannot be reached from here). The SDK is
 * most of promote-artifact's and helm-deploy's code; loading it on every run made their
 * start-up 1.9x that of a bundle of @actions/core alone (`npm run bench:startup`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT, expectCleanFailure, runAction } from '../harness/run-action';
import { pushTestImage, type PushedImage } from '../helpers/images';
import { moduleLog, type ModuleLog } from '../helpers/module-log';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A bundle file holds AWS SDK code (the SDK's own package names are in its module source). */
const holdsSdk = (file: string) => /@aws-sdk\/(client-[a-z-]+|core)/.test(readFileSync(file, 'utf8'));
const bundleFiles = (loaded: string[]) => loaded.filter((f) => f.startsWith(path.join(ROOT, 'dist') + path.sep)).map((f) => path.relative(ROOT, f));

let registry: TestRegistry;
let image: PushedImage;
let log: ModuleLog;
const noAuth = mkdtempSync(path.join(tmpdir(), 'shipline-lazy-no-auth-'));
const stepDirs: string[] = [];
/** runAction, keeping the step's temp dir for removal. */
async function step(...args: Parameters<typeof runAction>) {
  const r = await runAction(...args);
  stepDirs.push(r.tempDir);
  return r;
}
/** AWS as seen from a job with credentials but an endpoint nobody listens on: every call fails fast. */
let offlineAws: Record<string, string>;

beforeAll(async () => {
  registry = await startRegistry();
  image = await pushTestImage(registry.host, 'lazy/app', 'rc', { layerSizes: [20_000] });
  offlineAws = {
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}`,
    AWS_MAX_ATTEMPTS: '1',
    DOCKER_CONFIG: noAuth,
  };
});
beforeEach(() => (log = moduleLog()));
afterEach(() => log.remove());
afterAll(async () => {
  await registry.stop();
  for (const dir of [noAuth, ...stepDirs]) rmSync(dir, { recursive: true, force: true });
});

it('the SDK is a chunk of its own in every bundle that uses it, never in index.js', () => {
  const withSdk = new Set<string>();
  for (const action of readdirSync(path.join(ROOT, 'dist'))) {
    const dir = path.join(ROOT, 'dist', action);
    expect({ action, sdkInIndex: holdsSdk(path.join(dir, 'index.js')) }).toEqual({ action, sdkInIndex: false });
    if (readdirSync(dir).some((f) => f !== 'index.js' && f.endsWith('.js') && holdsSdk(path.join(dir, f)))) withSdk.add(action);
  }
  expect([...withSdk]).toEqual(
    expect.arrayContaining(['build-and-scan', 'ecs-deploy', 'health-gate', 'helm-deploy', 'promote-artifact', 'static-site-deploy']),
  );
});

it('promote-artifact between registries that are not ECR never loads the SDK', async () => {
  const r = await step(
    'promote-artifact',
    { source: `${registry.host}/lazy/app@${image.digest}`, destinations: `${registry.host}/lazy/app:staging` },
    { env: { ...log.env, DOCKER_CONFIG: noAuth } },
  );
  expect(r.exitCode).toBe(0);
  expect(JSON.parse(r.outputs.promoted)).toEqual([`${registry.host}/lazy/app:staging`]);
  const loaded = bundleFiles(log.loaded());
  expect(loaded[0]).toBe('dist/promote-artifact/index.js');
  expect(loaded.filter((f) => holdsSdk(path.join(ROOT, f)))).toEqual([]);
});

it('helm-deploy loads the SDK only for an EKS cluster, and calls DescribeCluster there', async () => {
  const chart = path.join(ROOT, 'charts', 'app');
  const bad = await step(
    'helm-deploy',
    { release: 'shop', chart, image: `registry.example.com/team/app@sha256:${'a'.repeat(64)}`, 'cluster-name': 'prod' },
    { env: log.env },
  );
  expectCleanFailure(bad, 'aws-region');
  expect(bundleFiles(log.loaded())).toEqual(['dist/helm-deploy/index.js']);
  log.remove();
  log = moduleLog();
  const eks = await step(
    'helm-deploy',
    {
      release: 'shop',
      chart,
      image: `registry.example.com/team/app@sha256:${'a'.repeat(64)}`,
      'cluster-name': 'prod',
      'aws-region': 'eu-west-1',
      'helm-version': 'path',
    },
    { env: { ...log.env, ...offlineAws } },
  );
  expectCleanFailure(eks, 'AWS EKS', 'DescribeCluster prod in eu-west-1');
  expect(bundleFiles(log.loaded()).filter((f) => holdsSdk(path.join(ROOT, f)))).toHaveLength(1);
});
