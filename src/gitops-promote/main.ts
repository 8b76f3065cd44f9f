import { actionMain } from '../toolkit/action-main';
import { exec } from '../toolkit/exec';
import { sleep } from '../toolkit/retry';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(
  Object.keys(INPUTS),
  (raw) => parseInputs(raw, process.env),
  async (inputs, reporter) => {
    await run(inputs, { exec, fetch: (url, init) => fetch(url, init), sleep, now: Date.now, env: process.env }, reporter);
  },
);
