/**
 * promote-artifact's lazily loaded ECR side (src/promote-artifact/aws.ts), through
 * aws-sdk-client-mock: the clients it makes on first use answer ECR's API calls, per region.
 */
import { BatchGetImageCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { lazyEcr } from '../../src/promote-artifact/aws';
import { MEDIA_TYPES } from '../../src/toolkit/registry/types';
import { MemoryReporter } from '../../src/toolkit/reporter';

const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());
const DIGEST = `sha256:${'a'.repeat(64)}`;

it('asks ECR for a token in the region of the host, not aws-region, and masks the password', async () => {
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [{ authorizationToken: Buffer.from('AWS:ecr-pass-123').toString('base64'), expiresAt: new Date(Date.now() + 3600_000) }],
  });
  const reporter = new MemoryReporter();
  const lazy = lazyEcr('us-east-1', reporter);
  const creds = await lazy.credentials.credentials('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  expect(creds).toMatchObject({ username: 'AWS', password: 'ecr-pass-123' });
  const call = ecr.commandCalls(GetAuthorizationTokenCommand)[0];
  expect(call.args[0].input).toEqual({ registryIds: ['123456789012'] });
  expect(await (call.thisValue as ECRClient).config.region()).toBe('eu-west-1');
  expect(reporter.secrets).toContain('ecr-pass-123');
});

it('retags through BatchGetImage + PutImage, sharing one client per region with the credentials', async () => {
  ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: Buffer.from('AWS:pw').toString('base64') }] });
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: '{"m":1}', imageManifestMediaType: MEDIA_TYPES.ociManifest }] });
  ecr.on(PutImageCommand).resolves({});
  const lazy = lazyEcr(undefined, new MemoryReporter());
  const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  await lazy.credentials.credentials(host);
  await expect(lazy.retag({ registry: host, repository: 'team/app' }, 'prod', DIGEST)).resolves.toBe(true);
  expect(ecr.commandCalls(PutImageCommand)[0].args[0].input).toMatchObject({ repositoryName: 'team/app', imageTag: 'prod', imageDigest: DIGEST });
  const clients = new Set(ecr.calls().map((c) => c.thisValue));
  expect(clients.size).toBe(1);
});
