/**
 * The registry side of run(): a client for the image's registry (credentials from Docker's
 * config.json, or from ECR's GetAuthorizationToken for ECR hosts) and, for ECR, creating the
 * repository on request. The region in the ECR host name wins over aws-region (as in
 * promote-artifact): ECR tokens and repositories belong to one region.
 * main.ts loads this lazily: most of the bundle is the AWS SDK.
 */
import type { ECRClient } from '@aws-sdk/client-ecr';
import { ServiceError } from '../toolkit/errors';
import { createRegistryClient } from '../toolkit/registry/client';
import { createEcrCredentialProvider, ecrClientPool, ensureRepository, isEcrHost } from '../toolkit/registry/ecr';
import type { RunDeps } from './run';

export function registryDeps(
  ecrFor: (region: string) => ECRClient = ecrClientPool(),
  env: NodeJS.ProcessEnv = process.env,
): Pick<RunDeps, 'openRegistry' | 'ensureRepository'> {
  return {
    openRegistry: async (inputs, reporter) =>
      createRegistryClient({
        reporter,
        env,
        insecureRegistries: inputs.insecureRegistries,
        ecr: isEcrHost(inputs.repository.registry)
          ? createEcrCredentialProvider({ clientFor: (region) => ecrFor(region || inputs.awsRegion || ''), reporter })
          : undefined,
      }),
    ensureRepository: async (inputs, reporter) => {
      const ecr = isEcrHost(inputs.repository.registry);
      if (!ecr) {
        reporter.warning(`create-repository applies to Amazon ECR only; ${inputs.repository.registry} is not ECR, so nothing was created`);
        return;
      }
      const region = ecr.region || inputs.awsRegion;
      if (!region) throw new ServiceError('Amazon ECR', 'no region for CreateRepository', 'Set aws-region');
      const created = await ensureRepository(ecrFor(region), inputs.repository.repository, ecr.accountId);
      reporter.info(
        created
          ? `Created ECR repository ${inputs.repository.repository} (scan on push, immutable tags)`
          : `ECR repository ${inputs.repository.repository} already exists`,
      );
    },
  };
}
