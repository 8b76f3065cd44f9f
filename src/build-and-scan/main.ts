/**
 * Wiring. The registry client and the AWS SDK are loaded only when the step pushes: most of
 * the bundle is the SDK, and parsing, building and scanning need none of it.
 */
import { actionMain } from '../toolkit/action-main';
import { exec } from '../toolkit/exec';
import { actionsToolCache } from '../toolkit/tool-cache';
import { INPUTS, parseInputs } from './inputs';
import { run, type RunDeps } from './run';

let loaded: Promise<Pick<RunDeps, 'openRegistry' | 'ensureRepository'>> | undefined;
const registry = () => (loaded ??= import('./registry-deps').then(({ registryDeps }) => registryDeps()));

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) =>
  run(
    inputs,
    {
      exec,
      toolCache: actionsToolCache,
      env: process.env,
      now: () => new Date(),
      openRegistry: async (i, r) => (await registry()).openRegistry(i, r),
      ensureRepository: async (i, r) => (await registry()).ensureRepository(i, r),
    },
    reporter,
  ),
);
