/** ECR's same-repository path: BatchGetImage + PutImage through aws-sdk-client-mock, no registry traffic. */
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { isEcrHost } from '../../src/toolkit/registry/ecr';
import { MEDIA_TYPES } from '../../src/toolkit/registry/types';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { ecrRetagger } from '../../src/promote-artifact/ecr';
import { parseInputs } from '../../src/promote-artifact/inputs';
import { run } from '../../src/promote-artifact/run';
import { MemoryRegistryDouble } from '../doubles/memory-registry';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const REPO = { registry: HOST, repository: 'team/app' };
const ecr = mockClient(ECRClient);
beforeEach(() => ecr.reset());

function world() {
  const reg = new MemoryRegistryDouble();
  const config = reg.seedBlob(REPO, '{}');
  const image = reg.seedManifest(REPO, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [] }, MEDIA_TYPES.ociManifest, 'rc');
  return { reg, image };
}

async function promote(reg: MemoryRegistryDouble, destinations: string, extra: Record<string, string> = {}) {
  const regions: string[] = [];
  const retag = ecrRetagger((region) => {
    regions.push(region);
    return new ECRClient({ region });
  });
  const inputs = parseInputs({ source: `${HOST}/team/app:rc`, 'require-digest': 'false', destinations, ...extra });
  const result = await run(inputs, { client: reg, isEcrHost: (h) => isEcrHost(h) !== undefined, ecrRetag: retag }, new MemoryReporter());
  return { ...result, regions };
}

it('retags inside one ECR repository with BatchGetImage + PutImage, keeping the manifest media type', async () => {
  const { reg, image } = world();
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: '{"m":1}', imageManifestMediaType: MEDIA_TYPES.ociManifest }] });
  // ECR stores the tag: the registry API then serves it (the action reads the tag back there)
  ecr.on(PutImageCommand).callsFake(() => (reg.setTag(REPO, 'prod', image.digest), {}));
  const r = await promote(reg, `${HOST}/team/app:prod`);
  expect(r.plan.destinations[0].path).toBe('ecr-retag');
  expect(ecr.commandCalls(BatchGetImageCommand)[0].args[0].input).toMatchObject({
    registryId: '123456789012',
    repositoryName: 'team/app',
    imageIds: [{ imageDigest: image.digest }],
  });
  expect(ecr.commandCalls(PutImageCommand)[0].args[0].input).toEqual({
    registryId: '123456789012',
    repositoryName: 'team/app',
    imageManifest: '{"m":1}',
    imageManifestMediaType: MEDIA_TYPES.ociManifest,
    imageTag: 'prod',
    imageDigest: image.digest,
  });
  expect(r.regions).toEqual(['eu-west-1']);
  expect(reg.writes()).toEqual([]);
  expect(r.outputs.promoted).toBe(`["${HOST}/team/app:prod"]`);
});

it('an immutable ECR tag holding the digest is success; holding another is an error naming both', async () => {
  const { reg, image } = world();
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: '{}', imageManifestMediaType: MEDIA_TYPES.ociManifest }] });
  ecr.on(PutImageCommand).rejects(Object.assign(new Error('tag exists'), { name: 'ImageTagAlreadyExistsException' }));
  ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: image.digest }] });
  const same = await promote(reg, `${HOST}/team/app:prod`);
  expect(same.outputs.promoted).toBe('[]');

  const other = `sha256:${'f'.repeat(64)}`;
  ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: other }] });
  await expect(promote(reg, `${HOST}/team/app:prod`)).rejects.toThrow(new RegExp(`${other}.*${image.digest}`));
});

it('an ECR retag whose tag holds another digest when read back fails, naming both', async () => {
  const { reg, image } = world();
  const other = reg.seedManifest(
    REPO,
    { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: reg.seedBlob(REPO, '{"o":1}'), layers: [] },
    MEDIA_TYPES.ociManifest,
  ).digest;
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: '{"m":1}', imageManifestMediaType: MEDIA_TYPES.ociManifest }] });
  ecr.on(PutImageCommand).callsFake(() => (reg.setTag(REPO, 'prod', other), {})); // another promotion won
  await expect(promote(reg, `${HOST}/team/app:prod`)).rejects.toThrow(new RegExp(`after writing ${image.digest}, the tag holds ${other}`));
});
