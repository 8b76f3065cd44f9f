import { ECRClient } from '@aws-sdk/client-ecr';
import { actionMain } from '../toolkit/action-main';
import { exec } from '../toolkit/exec';
import { createRegistryClient } from '../toolkit/registry/client';
import { createEcrCredentialProvider, ensureRepository, isEcrHost } from '../toolkit/registry/ecr';
import { ServiceError } from '../toolkit/errors';
import { actionsToolCache } from '../toolkit/tool-cache';
import { INPUTS, parseInputs, type BuildInputs } from './inputs';
import { run } from './run';

const ecrClients = new Map<string, ECRClient>();
const ecrFor = (region: string) => ecrClients.get(region) ?? ecrClients.set(region, new ECRClient({ region })).get(region)!;
const regionOf = (inputs: BuildInputs) => inputs.awsRegion ?? isEcrHost(inputs.repository.registry)?.region;

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) =>
  run(
    inputs,
    {
      exec,
      toolCache: actionsToolCache,
      env: process.env,
      now: () => new Date(),
      openRegistry: async (i, r) =>
        createRegistryClient({
          reporter: r,
          insecureRegistries: i.insecureRegistries,
          ecr: isEcrHost(i.repository.registry) ? createEcrCredentialProvider({ clientFor: (region) => ecrFor(i.awsRegion ?? region), reporter: r }) : undefined,
        }),
      ensureRepository: async (i, r) => {
        const ecr = isEcrHost(i.repository.registry);
        if (!ecr) {
          r.warning(`create-repository applies to Amazon ECR only; ${i.repository.registry} creates repositories on first push`);
          return;
        }
        const region = regionOf(i);
        if (!region) throw new ServiceError('Amazon ECR', 'no region', 'Set aws-region');
        const created = await ensureRepository(ecrFor(region), i.repository.repository, ecr.accountId);
        r.info(created ? `Created ECR repository ${i.repository.repository} (scan on push, immutable tags)` : `ECR repository ${i.repository.repository} exists`);
      },
    },
    reporter,
  ),
);
