import { actionMain } from '../toolkit/action-main';
import { sleep } from '../toolkit/retry';
import { runnerTemp } from '../toolkit/temp-files';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) => run(inputs, { clock: Date.now, sleep, tempDir: runnerTemp() }, reporter));
