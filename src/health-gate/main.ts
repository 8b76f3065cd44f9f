import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { actionMain } from '../toolkit/action-main';
import { sleep } from '../toolkit/retry';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) => {
  const tempDir = process.env.RUNNER_TEMP || tmpdir();
  mkdirSync(tempDir, { recursive: true });
  return run(inputs, { clock: Date.now, sleep, tempDir }, reporter);
});
