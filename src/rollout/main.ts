import { actionMain } from '../toolkit/action-main';
import { core } from '../toolkit/actions-core';
import { exec } from '../toolkit/exec';
import { sleep } from '../toolkit/retry';
import { actionsToolCache } from '../toolkit/tool-cache';
import { loadCodeDeployApi, loadEcsApi, systemClock } from '../ecs-deploy/library';
import { eksDescriber } from '../helm-deploy/library';
import { STATE_KEY } from './cancel';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) =>
  run(
    inputs,
    {
      helm: { exec, toolCache: actionsToolCache, describeEks: eksDescriber(), env: process.env },
      loadEcs: loadEcsApi,
      loadCodeDeploy: loadCodeDeployApi,
      ecsClock: systemClock,
      gate: { clock: Date.now, sleep },
      state: { save: (s) => core.saveState(STATE_KEY, JSON.stringify(s)) },
    },
    reporter,
  ),
);
