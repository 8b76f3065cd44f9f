/**
 * Cancel safety: the post step (`post-if: always()`) reads the state main saved before each
 * traffic change and aborts a rollout that did not reach its end (a cancelled workflow, a
 * killed process), so a cancelled run never leaves a canary at 50 %.
 */
import type { Reporter } from '../toolkit/reporter';
import { heading, table } from '../toolkit/summary';
import type { Deployer, RolloutState } from './machine';

export const STATE_KEY = 'rollout';

/** The saved state, or undefined when main never saved one (nothing was deployed). */
export function readState(text: string | undefined): RolloutState | undefined {
  if (!text) return undefined;
  const s = JSON.parse(text) as RolloutState;
  if (s.v !== 1) throw new Error(`unknown rollout state version ${String(s.v)}`);
  return s;
}

/** Whether the state is unfinished business: something may serve the new version. */
export function needsAbort(state: RolloutState | undefined): boolean {
  return state !== undefined && (state.phase === 'progressing' || state.phase === 'promoting' || state.phase === 'aborting');
}

/**
 * Aborts from the saved state; opens the deployer only when needed. Returns what it did.
 * Throws when the abort fails (the post step then fails: traffic may still reach the new version).
 */
export async function abortLeftover(
  state: RolloutState | undefined,
  open: () => Promise<{ deployer: Deployer; close(): void }>,
  save: (s: RolloutState) => void,
  reporter: Reporter,
): Promise<'nothing-deployed' | 'finished' | 'aborted'> {
  if (!state) {
    reporter.info('rollout post: no saved state, so the rollout deployed nothing; nothing to undo');
    return 'nothing-deployed';
  }
  if (!needsAbort(state)) {
    reporter.info(`rollout post: the rollout ended (${state.phase}); nothing to undo`);
    return 'finished';
  }
  reporter.warning(
    `rollout post: the rollout did not finish (${state.phase}; its last traffic change was step ${state.step}, weight ${state.weight} %): aborting it`,
  );
  const opened = await open();
  try {
    save({ ...state, phase: 'aborting' });
    await opened.deployer.abort(state);
    save({ ...state, phase: 'aborted' });
  } finally {
    opened.close();
  }
  await reporter.summary(
    heading('↩️ Rollout aborted by its post step', 2) +
      'The rollout did not reach its end (cancelled or killed), so its post step put all traffic back on stable.\n\n' +
      (state.codeDeployDeploymentId
        ? table(
            ['last traffic change (step)', 'phase', 'weight reached', 'CodeDeploy deployment'],
            [[state.step, state.phase, `${state.weight} %`, `${state.codeDeployDeploymentId} stopped with auto-rollback`]],
          )
        : table(['last traffic change (step)', 'phase', 'weight reached'], [[state.step, state.phase, `${state.weight} %`]])),
  );
  return 'aborted';
}
