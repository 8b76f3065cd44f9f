import { actionMain } from '../toolkit/action-main';
import { actionsToolCache } from '../toolkit/tool-cache';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) => run(inputs, actionsToolCache, reporter));
