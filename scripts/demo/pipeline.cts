/**
 * `npm run demo`: the pipeline's steps on this machine, through the real bundled actions as the
 * runner runs them. Starts two throwaway registries (dev+staging, prod), a stable and a canary
 * sample service and a Prometheus scraping both; builds the sample image with buildah; promotes
 * the digest dev -> staging -> prod; plans the staging Helm deploy (dry-run, no cluster); gates
 * staging; then runs production's rollout step (the rollout action) against the helm double and the
 * ECS double: a healthy canary promoted and a bad canary aborted at 10 %, judged by the real Prometheus.
 * CommonJS (.cts) because the test harness it reuses relies on __dirname.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { startRegistry } from '../../test/helpers/registry';
import { startPrometheus } from '../../test/helpers/prometheus';
import { startSampleService } from '../../test/helpers/sample-service';
import { Cleanup } from './cleanup.cjs';
import { banner, loud, showRecap } from './report.cjs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEcsDouble } from '../../test/doubles/ecs';
import {
  StepFailed,
  approvalBrief,
  buildAndScan,
  bundled,
  healthGate,
  planDeploy,
  promote,
  rolloutEcs,
  rolloutHelm,
  sampleWorkspace,
  seedStable,
  type ActionName,
} from './steps.cjs';

const onPath = (tool: string) => {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

async function main(cleanup: Cleanup): Promise<string[]> {
  const skipped: string[] = [];
  const need = (action: ActionName) => {
    if (bundled(action)) return true;
    loud(`${action} is not built (no actions/${action}/action.yml or dist bundle): its steps are SKIPPED`);
    skipped.push(action);
    return false;
  };

  banner('Starting throwaway services');
  const dev = await startRegistry();
  cleanup.add('registry (dev, staging)', () => dev.stop());
  const prod = await startRegistry();
  cleanup.add('registry (prod)', () => prod.stop());
  const stable = await startSampleService({ errorRate: 0.01 });
  cleanup.add('stable service', () => stable.close());
  const canary = await startSampleService({ errorRate: 0.01 });
  cleanup.add('canary service', () => canary.close());
  const traffic = [stable.drive(40), canary.drive(40)];
  cleanup.add('traffic', () => Promise.all(traffic.map((t) => t.stop())));
  const prometheus = await startPrometheus({ stable: stable.host, canary: canary.host });
  cleanup.add('prometheus', () => prometheus.stop());
  console.log(
    `registry dev+staging ${dev.url}\nregistry prod        ${prod.url}\nstable service       ${stable.url}\ncanary service       ${canary.url}\nprometheus           ${prometheus.url}`,
  );

  const devImage = `${dev.host}/dev/shop`;
  let imageRef = '';
  let digest = '';
  let vulnerabilities = '';
  let stagingVerdict = '';
  if (need('build-and-scan')) {
    banner('CI: build-and-scan');
    const workspace = sampleWorkspace();
    cleanup.add('sample workspace', () => rmSync(workspace, { recursive: true, force: true }));
    ({ imageRef, digest, vulnerabilities } = await buildAndScan(workspace, devImage, onPath('trivy')));
  }
  if (imageRef && need('promote-artifact')) {
    banner('Promote dev -> staging (same registry: cross-repository mount, no blob bytes)');
    await promote('promote to staging', imageRef, `${dev.host}/staging/shop:demo`);
  }
  if (need('helm-deploy')) {
    banner('Staging: helm-deploy plan (dry-run, no cluster)');
    await planDeploy('deploy to staging', {
      action: 'deploy',
      strategy: 'rolling',
      namespace: 'staging',
      image: imageRef ? `${dev.host}/staging/shop@${digest}` : `${dev.host}/staging/shop@sha256:${'0'.repeat(64)}`,
    });
  }
  if (need('health-gate')) {
    banner('Health gate: healthy canary vs stable (real Prometheus)');
    stagingVerdict = (await healthGate('gate a healthy canary', { prometheusUrl: prometheus.url, canaryUrl: canary.url }, 'pass')).outputs.verdict;
  }
  if (imageRef) {
    banner('Approval brief: what the reviewer sees before approving');
    await approvalBrief([{ name: 'shop', image: `${dev.host}/staging/shop`, digest }], vulnerabilities, stagingVerdict);
  }
  if (imageRef && need('promote-artifact')) {
    banner('Approved -> promote staging -> prod (another registry: streamed copy)');
    await promote('promote to prod', `${dev.host}/staging/shop@${digest}`, `${prod.host}/prod/shop:demo`);
  }
  const prodImage = imageRef ? `${prod.host}/prod/shop@${digest}` : `${prod.host}/prod/shop@sha256:${'0'.repeat(64)}`;
  const stableImage = `${prod.host}/prod/shop@sha256:${'1'.repeat(64)}`;
  if (need('rollout') && need('helm-deploy')) {
    const helmState = () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'shipline-demo-helm-'));
      cleanup.add('helm double state', () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    };
    banner('Production rollout (helm double): healthy canary 10 -> 50 -> 100 %, judged by the real Prometheus, promoted');
    const good = helmState();
    await seedStable(good, stableImage);
    await rolloutHelm('rollout a healthy canary (helm)', good, prodImage, prometheus.url, 'promoted');
    banner('Production rollout (helm double): a bad canary (30 % errors) is aborted at 10 %');
    canary.set({ errorRate: 0.3 });
    const bad = helmState();
    await seedStable(bad, stableImage);
    await rolloutHelm('rollout a bad canary (helm)', bad, prodImage, prometheus.url, 'aborted');
    canary.set({ errorRate: 0.01 });
  }
  if (need('rollout')) {
    // the ECS API double: one loopback server speaking AWS JSON 1.1, reached by the real SDK; an ECS "minute" lasts 5 s (PAUSE hook timeouts)
    const ecsImage = imageRef ? `${prod.host}/prod/shop@${digest}` : `${prod.host}/prod/shop@sha256:${'0'.repeat(64)}`;
    for (const [title, rate, expect] of [
      ['healthy canary 10 % then all traffic, promoted', 0.01, 'promoted'],
      ['a bad canary is aborted at 10 % (its PAUSE hook answered ROLLBACK)', 0.3, 'aborted'],
    ] as const) {
      banner(`Production rollout (ECS double): ${title}`);
      const ecs = await startEcsDouble({ stageMs: 60, minuteMs: 5000 });
      cleanup.add('ECS double', () => ecs.stop());
      ecs.seedService({});
      canary.set({ errorRate: rate });
      // the metric's rate() looks 3 s back: let the previous case's errors leave the window
      await new Promise((r) => setTimeout(r, 4000));
      await rolloutEcs(`rollout a ${expect === 'promoted' ? 'healthy' : 'bad'} canary (ecs)`, ecs.env, ecsImage, prometheus.url, expect);
      console.log(`ECS service web now runs ${ecs.ecs.services.get('default/web')?.taskDefinition}`);
    }
  }
  return [...new Set(skipped)];
}

const cleanup = new Cleanup();
cleanup.onSignals();
const started = Date.now();
main(cleanup)
  .then(async (skipped) => {
    await cleanup.run();
    showRecap();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (skipped.length > 0) {
      loud(`demo INCOMPLETE after ${seconds} s: not built yet: ${skipped.join(', ')}`);
      process.exit(1);
    }
    console.log(`\ndemo finished in ${seconds} s: every step ran through the bundled actions.`);
  })
  .catch(async (e: unknown) => {
    await cleanup.run();
    showRecap();
    loud(`demo FAILED: ${e instanceof StepFailed ? e.message : ((e as Error).stack ?? String(e))}`);
    process.exit(1);
  });
