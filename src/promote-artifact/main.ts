import { actionMain } from '../toolkit/action-main';
import { createRegistryClient } from '../toolkit/registry/client';
import { createEcrCredentialProvider, ecrClientPool, isEcrHost } from '../toolkit/registry/ecr';
import { maskOnce } from '../toolkit/registry/mask-once';
import { ecrRetagger } from './ecr';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, async (inputs, reporter) => {
  // One ECR client per region, made only when an ECR host is involved (AWS credentials come from the environment).
  // The region in the host name wins: a token from one region does not open another region's registry.
  const ecrClient = ecrClientPool();
  const clientFor = (hostRegion: string) => ecrClient(hostRegion || inputs.awsRegion || '');
  // One masking reporter for ECR and the client: ECR's token is also the Basic header, masked once.
  const masking = maskOnce(reporter);
  const client = createRegistryClient({
    reporter: masking,
    insecureRegistries: inputs.insecureRegistries,
    ecr: createEcrCredentialProvider({ clientFor, reporter: masking }),
    concurrency: inputs.concurrency,
  });
  try {
    await run(inputs, { client, isEcrHost: (h) => isEcrHost(h) !== undefined, ecrRetag: ecrRetagger(clientFor) }, reporter);
  } finally {
    client.close();
  }
});
