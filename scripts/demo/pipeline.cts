/**
 * `npm run demo`: the pipeline's steps on this machine, through the real bundled actions as the
 * runner runs them. Starts two throwaway registries (dev+staging, prod), a stable and a canary
 * sample service and a Prometheus scraping both; builds the sample image with buildah; promotes
 * the digest dev -> staging -> prod; plans the Helm steps (dry-run, no cluster); runs the health
 * gate's canary analysis for a healthy canary (pass) and a failing one (fail -> abort planned).
 * CommonJS (.cts) because the test harness it reuses relies on __dirname.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startRegistry } from '../../test/helpers/registry';
import { startPrometheus } from '../../test/helpers/prometheus';
import { startSampleService } from '../../test/helpers/sample-service';
import { Cleanup } from './cleanup.cjs';
import { banner, loud, showRecap } from './report.cjs';
import { StepFailed, approvalBrief, buildAndScan, bundled, healthGate, planDeploy, promote, sampleWorkspace, type ActionName } from './steps.cjs';

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
  if (need('helm-deploy')) {
    for (const weight of ['10', '50', '100']) {
      banner(`Production canary step: weight ${weight} % (dry-run plan)`);
      await planDeploy(`canary ${weight} %`, { action: 'deploy', strategy: 'canary', 'canary-weight': weight, namespace: 'production', image: prodImage });
    }
    banner('Production: promote the canary to stable (dry-run plan)');
    await planDeploy('promote canary', { action: 'promote', strategy: 'canary', namespace: 'production', image: prodImage });
  }
  if (need('health-gate')) {
    banner('What a bad canary looks like: 30 % errors -> the gate fails');
    canary.set({ errorRate: 0.3 });
    await healthGate('gate a failing canary', { prometheusUrl: prometheus.url, canaryUrl: canary.url }, 'fail');
    if (need('helm-deploy')) {
      banner('The workflow then aborts the canary (dry-run plan)');
      await planDeploy('abort canary', { action: 'abort', strategy: 'canary', namespace: 'production' });
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
