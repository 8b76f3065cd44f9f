/**
 * The CodeDeploy deployer's abort from a saved state (the post step of a killed main) and the
 * state wrapper that saves the CodeDeploy deployment id before the wait at Ready. A fake
 * CodeDeploy API answers GetDeployment with the statuses CodeDeploy reports (API reference,
 * DeploymentInfo.status); the integration test runs the same path against the ECS/CodeDeploy double.
 */
import type { CodeDeployApi, EcsApi, EcsDeployInputs } from '../../src/ecs-deploy/library';
import { codeDeployDeployer } from '../../src/rollout/codedeploy-deployer';
import type { RolloutState } from '../../src/rollout/machine';
import { trackDeployerState } from '../../src/rollout/run';
import { MemoryReporter } from '../../src/toolkit/reporter';

const ID = 'd-ABCDEF123';
const saved: RolloutState = {
  v: 1,
  kind: 'blue-green',
  phase: 'progressing',
  step: 2,
  weight: 0,
  previewed: true,
  switched: false,
  codeDeployDeploymentId: ID,
};

function deployer(statuses: string[]) {
  const calls: { op: string; input: unknown }[] = [];
  let i = 0;
  const codedeploy = {
    getDeployment: (input: unknown) => {
      calls.push({ op: 'GetDeployment', input });
      const status = statuses[Math.min(i++, statuses.length - 1)];
      return Promise.resolve({
        deploymentInfo: { status, ...(status === 'Stopped' && { rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'rolled back' } }) },
      });
    },
    stopDeployment: (input: unknown) => {
      calls.push({ op: 'StopDeployment', input });
      return Promise.resolve({ status: 'Pending' });
    },
  } as unknown as CodeDeployApi;
  const clock = { now: () => 0, sleep: () => Promise.resolve() };
  const reporter = new MemoryReporter();
  const inputs = { codedeploy: { application: 'web-app', deploymentGroup: 'web-dg' }, waitMs: 60_000, pollIntervalMs: 1 } as unknown as EcsDeployInputs;
  const d = codeDeployDeployer({ ecs: {} as EcsApi, clock, reporter, cluster: 'default', service: 'web' }, { codedeploy, clock, reporter }, inputs);
  return { d, calls, reporter };
}

describe('CodeDeploy abort from the saved state (post step)', () => {
  it('stops the saved deployment with auto-rollback and waits until CodeDeploy reports it Stopped and rolled back', async () => {
    const { d, calls, reporter } = deployer(['Ready', 'InProgress', 'Stopped']);
    await d.abort(saved);
    expect(calls.map((c) => c.op)).toEqual(['GetDeployment', 'StopDeployment', 'GetDeployment', 'GetDeployment']);
    expect(calls[1].input).toEqual({ deploymentId: ID, autoRollbackEnabled: true });
    expect(reporter.lines.join('\n')).toContain(`abort: CodeDeploy ${ID} stopped with auto-rollback (rolled-back: rolled back)`);
  });

  it('does not stop a deployment that already failed or was stopped', async () => {
    const { d, calls } = deployer(['Stopped']);
    await d.abort(saved);
    expect(calls.map((c) => c.op)).toEqual(['GetDeployment']);
  });

  it('fails closed when the deployment already Succeeded: production serves the new version', async () => {
    const { d, calls } = deployer(['Succeeded']);
    await expect(d.abort(saved)).rejects.toThrow(`deployment ${ID} already Succeeded`);
    expect(calls.map((c) => c.op)).toEqual(['GetDeployment']);
  });

  it('fails when a preview started but no deployment id was saved (it may exist: stop it by hand)', async () => {
    const { d, calls } = deployer(['Ready']);
    await expect(d.abort({ ...saved, codeDeployDeploymentId: undefined })).rejects.toThrow('the deployment id was not saved');
    expect(calls).toEqual([]);
  });
});

describe('trackDeployerState', () => {
  it('re-saves the last state with the deployment id at once, and keeps it in every later save', () => {
    const writes: RolloutState[] = [];
    const t = trackDeployerState({ save: (s) => writes.push(s) });
    const { codeDeployDeploymentId: _, ...bare } = saved;
    t.store.save(bare);
    t.remember({ codeDeployDeploymentId: ID });
    t.store.save({ ...bare, phase: 'aborting' });
    expect(writes.map((w) => [w.phase, w.codeDeployDeploymentId])).toEqual([
      ['progressing', undefined],
      ['progressing', ID],
      ['aborting', ID],
    ]);
  });
});
