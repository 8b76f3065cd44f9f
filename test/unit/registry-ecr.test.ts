import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageAlreadyExistsException,
  ImageTagAlreadyExistsException,
  PutImageCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ServiceError } from '../../src/toolkit/errors';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { createEcrCredentialProvider, ecrRetag, ensureRepository, isEcrHost } from '../../src/toolkit/registry/ecr';

const ecrMock = mockClient(ECRClient);
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}';
const meta = { $metadata: {}, message: 'x' };

beforeEach(() => ecrMock.reset());

describe('isEcrHost', () => {
  it.each([
    [HOST, { accountId: '123456789012', region: 'eu-west-1' }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { accountId: '123456789012', region: 'us-gov-west-1' }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { accountId: '123456789012', region: 'cn-north-1' }],
  ])('%s', (host, expected) => expect(isEcrHost(host)).toEqual(expected));

  it.each(['ghcr.io', '12345.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.io', 'public.ecr.aws'])('not %s', (host) =>
    expect(isEcrHost(host)).toBeUndefined(),
  );
});

describe('ECR credentials', () => {
  const token = Buffer.from('AWS:ecr-password-xyz').toString('base64');

  it('decodes GetAuthorizationToken, masks it, and caches it until it nearly expires', async () => {
    let now = Date.parse('2026-11-23T00:00:00Z');
    ecrMock.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: token, expiresAt: new Date(now + 12 * 3600_000), proxyEndpoint: `https://${HOST}` }],
    });
    const reporter = new MemoryReporter();
    const regions: string[] = [];
    const provider = createEcrCredentialProvider({
      clientFor: (region) => {
        regions.push(region);
        return new ECRClient({ region });
      },
      reporter,
      now: () => now,
    });
    expect(await provider.credentials(HOST)).toMatchObject({ username: 'AWS', password: 'ecr-password-xyz' });
    expect(await provider.credentials(HOST)).toMatchObject({ password: 'ecr-password-xyz' });
    expect(ecrMock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
    expect(ecrMock.commandCalls(GetAuthorizationTokenCommand)[0].args[0].input).toEqual({ registryIds: ['123456789012'] });
    expect(regions).toEqual(['eu-west-1']);
    expect(reporter.secrets).toEqual(expect.arrayContaining([token, 'ecr-password-xyz']));
    now += 12 * 3600_000 - 60_000; // within the renewal margin
    await provider.credentials(HOST);
    expect(ecrMock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(2);
  });

  it('turns an AWS failure into a ServiceError with a hint about credentials', async () => {
    ecrMock.on(GetAuthorizationTokenCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const provider = createEcrCredentialProvider({ clientFor: (region) => new ECRClient({ region }), reporter: new MemoryReporter() });
    const err = await provider.credentials(HOST).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toMatch(/GetAuthorizationToken.*AccessDeniedException.*AWS credentials/);
  });
});

describe('ecrRetag', () => {
  const ecr = () => new ECRClient({ region: 'eu-west-1' });
  const found = () =>
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [{ imageManifest: MANIFEST, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', imageId: { imageDigest: DIGEST } }],
    });

  it('puts the same manifest under the new tag, media type included', async () => {
    found();
    ecrMock.on(PutImageCommand).resolves({});
    expect(await ecrRetag(ecr(), { repositoryName: 'team/app', sourceDigest: DIGEST, tag: 'prod' })).toBe('tagged');
    expect(ecrMock.commandCalls(BatchGetImageCommand)[0].args[0].input).toMatchObject({ repositoryName: 'team/app', imageIds: [{ imageDigest: DIGEST }] });
    expect(ecrMock.commandCalls(PutImageCommand)[0].args[0].input).toEqual({
      repositoryName: 'team/app',
      imageManifest: MANIFEST,
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      imageTag: 'prod',
      imageDigest: DIGEST,
    });
  });

  it('treats ImageAlreadyExists as success', async () => {
    found();
    ecrMock.on(PutImageCommand).rejects(new ImageAlreadyExistsException(meta));
    expect(await ecrRetag(ecr(), { repositoryName: 'team/app', sourceDigest: DIGEST, tag: 'prod' })).toBe('already-tagged');
  });

  it('an immutable tag holding the same digest is success, another digest an error naming both', async () => {
    found();
    ecrMock.on(PutImageCommand).rejects(new ImageTagAlreadyExistsException(meta));
    ecrMock
      .on(DescribeImagesCommand)
      .resolvesOnce({ imageDetails: [{ imageDigest: DIGEST }] })
      .resolves({ imageDetails: [{ imageDigest: OTHER }] });
    expect(await ecrRetag(ecr(), { repositoryName: 'team/app', sourceDigest: DIGEST, tag: 'prod' })).toBe('already-tagged');
    const err = await ecrRetag(ecr(), { repositoryName: 'team/app', sourceDigest: DIGEST, tag: 'prod' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toContain(OTHER);
    expect((err as Error).message).toContain(DIGEST);
    expect((err as Error).message).toContain("tag 'prod'");
  });

  it('fails clearly when the source digest is not in the repository', async () => {
    ecrMock.on(BatchGetImageCommand).resolves({ images: [], failures: [{ failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }] });
    await expect(ecrRetag(ecr(), { repositoryName: 'team/app', sourceDigest: DIGEST, tag: 'prod' })).rejects.toThrow(/Requested image not found/);
    expect(ecrMock.commandCalls(PutImageCommand)).toHaveLength(0);
  });
});

describe('ensureRepository', () => {
  const ecr = () => new ECRClient({ region: 'eu-west-1' });

  it('leaves an existing repository alone', async () => {
    ecrMock.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'team/app' }] });
    expect(await ensureRepository(ecr(), 'team/app')).toBe(false);
    expect(ecrMock.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
  });

  it('creates a missing one with scan-on-push and immutable tags', async () => {
    ecrMock.on(DescribeRepositoriesCommand).rejects(new RepositoryNotFoundException(meta));
    ecrMock.on(CreateRepositoryCommand).resolves({});
    expect(await ensureRepository(ecr(), 'team/new')).toBe(true);
    expect(ecrMock.commandCalls(CreateRepositoryCommand)[0].args[0].input).toEqual({
      repositoryName: 'team/new',
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: 'IMMUTABLE',
    });
  });

  it('reports other failures as ServiceError', async () => {
    ecrMock.on(DescribeRepositoriesCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(ensureRepository(ecr(), 'team/app')).rejects.toThrow(/DescribeRepositories team\/app failed: ThrottlingException/);
  });
});
