import { actionMain } from '../toolkit/action-main';
import { exec } from '../toolkit/exec';
import { actionsToolCache } from '../toolkit/tool-cache';
import { eksDescriber } from './eks';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) =>
  run(inputs, { exec, toolCache: actionsToolCache, describeEks: eksDescriber(), env: process.env }, reporter),
);
