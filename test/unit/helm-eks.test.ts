/** EKS access: DescribeCluster (mocked AWS SDK) becomes a private kubeconfig whose user runs `aws eks get-token`. */
import { statSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { openCluster } from '../../src/helm-deploy/cluster-access';
import { eksDescriber } from '../../src/helm-deploy/eks';
import { testTempDir } from '../helpers/temp';

const eks = mockClient(EKSClient);
afterEach(() => eks.reset());

it('writes a 0600 kubeconfig from DescribeCluster and removes it on close', async () => {
  eks
    .on(DescribeClusterCommand, { name: 'prod' })
    .resolves({ cluster: { endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: 'Q0EtREFUQQ==' }, status: 'ACTIVE' } });
  const runnerTemp = testTempDir('runner-temp-');
  const session = await openCluster(
    { kind: 'eks', clusterName: 'prod', region: 'eu-west-1' },
    'shop',
    { RUNNER_TEMP: runnerTemp },
    eksDescriber(),
    new MemoryReporter(),
  );
  const file = session.env.KUBECONFIG!;
  expect(path.dirname(path.dirname(file))).toBe(runnerTemp); // under the injected RUNNER_TEMP
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const kc = parse(readFileSync(file, 'utf8'));
  expect(kc.clusters[0].cluster).toEqual({ server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', 'certificate-authority-data': 'Q0EtREFUQQ==' });
  expect(kc.users[0].user.exec).toMatchObject({
    command: 'aws',
    args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod', '--output', 'json'],
  });
  expect(kc.contexts[0].context.namespace).toBe('shop');
  expect(kc['current-context']).toBe(kc.contexts[0].name);
  session.close();
  expect(existsSync(file)).toBe(false);
});

it('explains an AWS failure as a ServiceError naming what to check', async () => {
  eks.on(DescribeClusterCommand).rejects(Object.assign(new Error('No cluster found for name: prod.'), { name: 'ResourceNotFoundException' }));
  await expect(eksDescriber()('prod', 'eu-west-1')).rejects.toThrow(
    /AWS EKS: DescribeCluster prod in eu-west-1 failed: ResourceNotFoundException.*eks:DescribeCluster/,
  );
});

it('refuses a cluster that has no endpoint yet (fail closed)', async () => {
  eks.on(DescribeClusterCommand).resolves({ cluster: { status: 'CREATING' } });
  await expect(eksDescriber()('prod', 'eu-west-1')).rejects.toThrow('status CREATING');
});
