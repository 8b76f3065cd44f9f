/**
 * EKS access: DescribeCluster gives the endpoint and CA; the kubeconfig's user runs
 * `aws eks get-token`, so the job's own AWS credentials (e.g. from OIDC) sign every call
 * and no token is ever written to disk.
 */
import type { EKSClient } from '@aws-sdk/client-eks';
import { stringify } from 'yaml';
import { ServiceError } from '../toolkit/errors';

export interface EksCluster {
  endpoint: string;
  certificateAuthority: string;
}

/** Injected so tests hand in a client built with aws-sdk-client-mock. */
export type EksDescriber = (clusterName: string, region: string) => Promise<EksCluster>;

/**
 * DescribeCluster through `makeClient(region)` (default a new EKSClient). The SDK is imported
 * here, on the EKS path only, so helm-deploy's start-up never loads it (ncc makes it a chunk).
 */
export function eksDescriber(makeClient?: (region: string) => Pick<EKSClient, 'send'>): EksDescriber {
  return async (clusterName, region) => {
    const sdk = await import('@aws-sdk/client-eks');
    const client = makeClient ? makeClient(region) : new sdk.EKSClient({ region });
    let cluster;
    try {
      ({ cluster } = await client.send(new sdk.DescribeClusterCommand({ name: clusterName })));
    } catch (e) {
      const name = (e as { name?: string }).name ?? 'Error';
      throw new ServiceError(
        'AWS EKS',
        `DescribeCluster ${clusterName} in ${region} failed: ${name}: ${(e as Error).message}`,
        'Check the cluster name, the region and that the job has AWS credentials allowed eks:DescribeCluster',
      );
    }
    const endpoint = cluster?.endpoint;
    const certificateAuthority = cluster?.certificateAuthority?.data;
    if (!endpoint || !certificateAuthority) {
      throw new ServiceError(
        'AWS EKS',
        `cluster ${clusterName} has no endpoint or CA yet (status ${cluster?.status ?? 'unknown'})`,
        'Wait until the cluster is ACTIVE',
      );
    }
    return { endpoint, certificateAuthority };
  };
}

export function eksKubeconfig(clusterName: string, region: string, cluster: EksCluster, namespace: string): string {
  const name = `eks-${region}-${clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: cluster.endpoint, 'certificate-authority-data': cluster.certificateAuthority } }],
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'aws',
            args: ['--region', region, 'eks', 'get-token', '--cluster-name', clusterName, '--output', 'json'],
            interactiveMode: 'Never',
          },
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name, namespace } }],
    'current-context': name,
  });
}
