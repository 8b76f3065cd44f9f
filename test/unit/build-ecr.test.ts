/** create-repository on Amazon ECR, with a mocked ECR API (the ECR login itself is the registry client's, tested there). */
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryReporter } from '../../src/toolkit/reporter';
import type { BuildInputs } from '../../src/build-and-scan/inputs';
import { registryDeps } from '../../src/build-and-scan/registry-deps';

const ecr = mockClient(ECRClient);
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const inputs = (registry: string, over: Partial<BuildInputs> = {}) =>
  ({ repository: { registry, repository: 'team/app' }, insecureRegistries: [], ...over }) as unknown as BuildInputs;

beforeEach(() => ecr.reset());

it('creates a missing ECR repository with scan on push and immutable tags, in the host region', async () => {
  ecr.on(DescribeRepositoriesCommand).rejects(new RepositoryNotFoundException({ message: 'not found', $metadata: {} }));
  ecr.on(CreateRepositoryCommand).resolves({});
  const regions: string[] = [];
  const deps = registryDeps((region) => {
    regions.push(region);
    return new ECRClient({ region });
  });
  const reporter = new MemoryReporter();
  await deps.ensureRepository(inputs(HOST), reporter);
  expect(regions).toEqual(['eu-west-1']);
  expect(ecr.commandCalls(CreateRepositoryCommand)[0].args[0].input).toEqual({
    registryId: '123456789012',
    repositoryName: 'team/app',
    imageScanningConfiguration: { scanOnPush: true },
    imageTagMutability: 'IMMUTABLE',
  });
  expect(reporter.log).toContain('Created ECR repository team/app (scan on push, immutable tags)');
});

it('asks the region in the host name, not aws-region, which may be the job default for another region', async () => {
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'team/app' }] });
  const regions: string[] = [];
  const deps = registryDeps((region) => {
    regions.push(region);
    return new ECRClient({ region });
  });
  await deps.ensureRepository(inputs(HOST, { awsRegion: 'us-east-1' }), new MemoryReporter());
  expect(regions).toEqual(['eu-west-1']);
});

it('leaves an existing repository alone', async () => {
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'team/app' }] });
  const reporter = new MemoryReporter();
  await registryDeps(() => new ECRClient({ region: 'eu-west-1' })).ensureRepository(inputs(HOST), reporter);
  expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
  expect(reporter.log).toContain('already exists');
});

it('says that create-repository does nothing on a registry that is not ECR', async () => {
  const reporter = new MemoryReporter();
  await registryDeps(() => new ECRClient({ region: 'eu-west-1' })).ensureRepository(inputs('ghcr.io'), reporter);
  expect(ecr.calls()).toHaveLength(0);
  expect(reporter.log).toMatch(/::warning::create-repository applies to Amazon ECR only/);
});
