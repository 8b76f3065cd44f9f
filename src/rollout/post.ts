/** The `post:` step: aborts a rollout main did not finish (see cancel.ts). */
import { coreReporter, core, readRawInputs } from '../toolkit/actions-core';
import { errorLine } from '../toolkit/errors';
import { exec } from '../toolkit/exec';
import { sleep } from '../toolkit/retry';
import { actionsToolCache } from '../toolkit/tool-cache';
import { loadCodeDeployApi, loadEcsApi, systemClock } from '../ecs-deploy/library';
import { eksDescriber } from '../helm-deploy/library';
import { abortLeftover, readState, STATE_KEY } from './cancel';
import { INPUTS, parseInputs } from './inputs';
import { openDeployer } from './run';

async function post(): Promise<void> {
  try {
    const state = readState(core.getState(STATE_KEY));
    await abortLeftover(
      state,
      async () => {
        const inputs = parseInputs(readRawInputs(Object.keys(INPUTS)));
        const deps = {
          helm: { exec, toolCache: actionsToolCache, describeEks: eksDescriber(), env: process.env },
          loadEcs: loadEcsApi,
          loadCodeDeploy: loadCodeDeployApi,
          ecsClock: systemClock,
          gate: { clock: Date.now, sleep },
          state: { save: () => undefined },
        };
        return openDeployer(inputs, deps, coreReporter);
      },
      (s) => core.saveState(STATE_KEY, JSON.stringify(s)),
      coreReporter,
    );
  } catch (err) {
    if (err instanceof Error && err.stack) core.debug(err.stack);
    core.setFailed(`rollout post step could not abort: ${errorLine(err)}`);
  }
}

void post();
