import { actionMain } from '../toolkit/action-main';
import { createRegistryClient } from '../toolkit/registry/client';
import { isEcrHost } from '../toolkit/registry/ecr-host';
import { maskOnce } from '../toolkit/registry/mask-once';
import { lazyEcr } from './aws';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, async (inputs, reporter) => {
  // One masking reporter for ECR and the client: ECR's token is also the Basic header, masked once.
  const masking = maskOnce(reporter);
  // The AWS SDK loads only if an ECR host is involved (AWS credentials come from the environment).
  const ecr = lazyEcr(inputs.awsRegion, masking);
  const client = createRegistryClient({
    reporter: masking,
    insecureRegistries: inputs.insecureRegistries,
    ecr: ecr.credentials,
    concurrency: inputs.concurrency,
  });
  try {
    await run(inputs, { client, isEcrHost: (h) => isEcrHost(h) !== undefined, ecrRetag: ecr.retag }, reporter);
  } finally {
    client.close();
  }
});
