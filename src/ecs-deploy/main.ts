import { actionMain } from '../toolkit/action-main';
import { loadCodeDeployApi, loadEcsApi, loadLogsApi, systemClock, type CodeDeployApi, type EcsApi } from './aws';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, async (inputs, reporter) => {
  // Each SDK client is imported on first use only: a bad input never loads one.
  let ecs: Promise<EcsApi> | undefined;
  let codedeploy: Promise<CodeDeployApi> | undefined;
  await run(
    inputs,
    {
      ecs: () => (ecs ??= loadEcsApi(inputs.awsRegion)),
      codedeploy: () => (codedeploy ??= loadCodeDeployApi(inputs.awsRegion)),
      logs: (region) => loadLogsApi(region ?? inputs.awsRegion),
      clock: systemClock,
    },
    reporter,
  );
});
