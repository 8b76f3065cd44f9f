import { ServiceError } from '../../src/toolkit/errors';
import { buildPlan, choosePath, formatPlan } from '../../src/promote-artifact/plan';
import { MemoryRegistryDouble } from '../doubles/memory-registry';

const notEcr = () => false;
const src = { registry: 'dev.example.com', repository: 'team/app' };

describe('choosePath', () => {
  it.each([
    [{ registry: 'dev.example.com', repository: 'team/app' }, false, 'retag'],
    [{ registry: 'dev.example.com', repository: 'prod/app' }, false, 'mount'],
    [{ registry: 'prod.example.com', repository: 'team/app' }, false, 'copy'],
    [{ registry: 'prod.example.com', repository: 'team/app' }, true, 'noop'],
    [{ registry: 'dev.example.com', repository: 'team/app' }, true, 'noop'],
  ] as const)('%p (holds digest: %p) -> %s', (dest, holds, path) => {
    expect(choosePath(src, dest, holds, notEcr)).toBe(path);
  });

  it('uses the ECR API for a retag inside one ECR repository, and mounts between ECR repositories', () => {
    const ecr = { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'app' };
    const isEcr = (h: string) => h.endsWith('.amazonaws.com');
    expect(choosePath(ecr, ecr, false, isEcr)).toBe('ecr-retag');
    expect(choosePath(ecr, { ...ecr, repository: 'prod/app' }, false, isEcr)).toBe('mount');
  });
});

describe('buildPlan', () => {
  function world() {
    const reg = new MemoryRegistryDouble();
    const config = reg.seedBlob(src, '{}');
    const m = reg.seedManifest(src, { schemaVersion: 2, config, layers: [] }, 'application/vnd.oci.image.manifest.v1+json', 'rc');
    const other = reg.seedManifest(
      src,
      { schemaVersion: 2, config, layers: [], annotations: { v: '0' } },
      'application/vnd.oci.image.manifest.v1+json',
      'prod',
    );
    reg.seedManifest(
      { registry: 'prod.example.com', repository: 'app' },
      { schemaVersion: 2, config: reg.seedBlob({ registry: 'prod.example.com', repository: 'app' }, '{}'), layers: [] },
      'application/vnd.oci.image.manifest.v1+json',
      'rc',
    );
    return { reg, digest: m.digest, other: other.digest };
  }
  const destinations = [
    { registry: 'dev.example.com', repository: 'team/app', tag: 'prod' },
    { registry: 'dev.example.com', repository: 'prod/app', tag: 'rc' },
    { registry: 'prod.example.com', repository: 'app', tag: 'rc' },
    { registry: 'eu.example.com', repository: 'app', tag: undefined },
  ];

  it('decides every path from one HEAD per destination and writes nothing', async () => {
    const { reg, digest, other } = world();
    const plan = await buildPlan(reg, src, digest, 'application/vnd.oci.image.manifest.v1+json', destinations, { immutableTags: false, isEcrHost: notEcr });
    expect(plan.destinations.map((d) => [d.path, d.previousDigest])).toEqual([
      ['retag', other],
      ['mount', undefined],
      ['noop', undefined],
      ['copy', undefined],
    ]);
    expect(reg.calls.map((c) => `${c.verb} ${c.repo} ${c.reference}`)).toEqual([
      'headManifest dev.example.com/team/app prod',
      'headManifest dev.example.com/prod/app rc',
      'headManifest prod.example.com/app rc',
      `headManifest eu.example.com/app ${digest}`,
    ]);
    expect(formatPlan(plan)).toContain(`retag  dev.example.com/team/app:prod  - same repository`);
    expect(formatPlan(plan)).toContain(`(tag moves from ${other})`);
  });

  it('stops before any write when an immutable tag holds another digest, naming both', async () => {
    const { reg, digest, other } = world();
    const p = buildPlan(reg, src, digest, 'x', destinations, { immutableTags: true, isEcrHost: notEcr });
    await expect(p).rejects.toThrow(ServiceError);
    await expect(p).rejects.toThrow(new RegExp(`${other}.*${digest}`));
    expect(reg.writes()).toEqual([]);
  });
});
