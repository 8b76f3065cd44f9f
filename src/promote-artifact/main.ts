import { ECRClient } from '@aws-sdk/client-ecr';
import { actionMain } from '../toolkit/action-main';
import { createRegistryClient } from '../toolkit/registry/client';
import { createEcrCredentialProvider, isEcrHost } from '../toolkit/registry/ecr';
import { ecrRetagger } from './ecr';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

void actionMain(Object.keys(INPUTS), parseInputs, async (inputs, reporter) => {
  // One ECR client per region, made only when an ECR host is involved (AWS credentials come from the environment).
  const ecrClients = new Map<string, ECRClient>();
  const clientFor = (hostRegion: string): ECRClient => {
    const region = inputs.awsRegion ?? hostRegion;
    let c = ecrClients.get(region);
    if (!c) ecrClients.set(region, (c = new ECRClient({ region })));
    return c;
  };
  const client = createRegistryClient({
    reporter,
    insecureRegistries: inputs.insecureRegistries,
    ecr: createEcrCredentialProvider({ clientFor, reporter }),
    concurrency: inputs.concurrency,
  });
  try {
    await run(inputs, { client, isEcrHost: (h) => isEcrHost(h) !== undefined, ecrRetag: ecrRetagger(clientFor) }, reporter);
  } finally {
    client.close();
  }
});
