/**
 * promote-artifact's ECR side, loaded on first use: ECR credentials (GetAuthorizationToken)
 * and ECR's native retag. The AWS SDK is most of the bundle, so it is imported (as its own
 * ncc chunk) only when a source or destination is an ECR host; promotions between other
 * registries never load it.
 */
import { lazy } from '../toolkit/lazy';
import type { EcrCredentialProvider } from '../toolkit/registry/ecr-host';
import type { Reporter } from '../toolkit/reporter';
import type { EcrRetag } from './engine';

export interface LazyEcr {
  /** Credentials for ECR hosts, for the registry client. */
  credentials: EcrCredentialProvider;
  /** Same-repository retag through BatchGetImage + PutImage. */
  retag: EcrRetag;
}

/**
 * One ECRClient per region, made on first use; the region in the host name wins over
 * `awsRegion` (a token from one region does not open another region's registry).
 */
export function lazyEcr(awsRegion: string | undefined, reporter: Reporter): LazyEcr {
  const load = lazy(async () => {
    const [{ createEcrCredentialProvider, ecrClientPool }, { ecrRetagger }] = await Promise.all([import('../toolkit/registry/ecr'), import('./ecr')]);
    const pool = ecrClientPool();
    const clientFor = (hostRegion: string) => pool(hostRegion || awsRegion || '');
    return { provider: createEcrCredentialProvider({ clientFor, reporter }), retag: ecrRetagger(clientFor) };
  });
  return {
    credentials: { credentials: async (host) => (await load()).provider.credentials(host) },
    retag: async (repo, tag, digest) => (await load()).retag(repo, tag, digest),
  };
}
