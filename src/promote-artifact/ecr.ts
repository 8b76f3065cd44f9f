/** Wires ECR's native retag into the engine: one ECRClient per region, the account from the host. */
import type { ECRClient } from '@aws-sdk/client-ecr';
import { ServiceError } from '../toolkit/errors';
import { ecrRetag, isEcrHost } from '../toolkit/registry/ecr';
import type { EcrRetag } from './engine';

export function ecrRetagger(clientFor: (region: string) => ECRClient): EcrRetag {
  return async (repo, tag, digest) => {
    const host = isEcrHost(repo.registry);
    if (!host) throw new ServiceError(`registry ${repo.registry}`, 'is not an Amazon ECR host');
    const result = await ecrRetag(clientFor(host.region), { repositoryName: repo.repository, registryId: host.accountId, sourceDigest: digest, tag });
    return result === 'tagged';
  };
}
