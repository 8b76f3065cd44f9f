/**
 * promote-artifact's reads before the first write go out together (issue 9 §6): the source
 * manifest, each destination's look, the cosign signature-tag HEADs and the source's referrers.
 * What must hold with them in flight at once: the source's own failure is the error reported,
 * nothing is written before the plan, and the source's referrers are asked once for all
 * destinations.
 */
import { MEDIA_TYPES, type RegistryClient } from '../../src/toolkit/registry/types';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { parseInputs } from '../../src/promote-artifact/inputs';
import { run } from '../../src/promote-artifact/run';
import { MemoryRegistryDouble } from '../doubles/memory-registry';

const DEV = { registry: 'dev.example.com', repository: 'team/app' };
const notEcr = () => false;

function seed(reg: MemoryRegistryDouble) {
  const config = reg.seedBlob(DEV, '{"os":"linux"}');
  const layer = reg.seedBlob(DEV, 'layer '.repeat(50));
  return reg.seedManifest(DEV, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }, MEDIA_TYPES.ociManifest, 'rc');
}

/** The double, with the source manifest GET held until `release()` (as if the source registry were slow). */
function slowSource(reg: MemoryRegistryDouble) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const client = new Proxy(reg, {
    get(target, name) {
      if (name === 'getManifest') {
        return async (...args: Parameters<RegistryClient['getManifest']>) => {
          if (args[0].repository === DEV.repository) await gate;
          return target.getManifest(...args);
        };
      }
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, release };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

it('with a source pinned by digest, looks at destinations, signature tags and referrers while the source manifest is on its way', async () => {
  const reg = new MemoryRegistryDouble();
  const image = seed(reg);
  const { client, release } = slowSource(reg);
  const inputs = parseInputs({ source: `dev.example.com/team/app@${image.digest}`, destinations: 'prod.example.com/app:1.0\ndev.example.com/team/app:prod' });
  const done = run(inputs, { client, isEcrHost: notEcr }, new MemoryReporter());
  await turns(5);
  const hex = image.digest.replace(':', '-');
  expect(reg.calls.map((c) => `${c.verb} ${c.repo} ${c.reference}`).sort()).toEqual(
    [
      'headManifest prod.example.com/app 1.0',
      'headManifest dev.example.com/team/app prod',
      `headManifest dev.example.com/team/app ${hex}.sig`,
      `headManifest dev.example.com/team/app ${hex}.att`,
      `headManifest dev.example.com/team/app ${hex}.sbom`,
      `referrers dev.example.com/team/app ${image.digest}`,
    ].sort(),
  );
  expect(reg.writes()).toEqual([]);
  release();
  const r = await done;
  expect(r.plan.destinations.map((d) => d.path)).toEqual(['copy', 'retag']);
  expect(JSON.parse(r.outputs.promoted)).toEqual(['prod.example.com/app:1.0', 'dev.example.com/team/app:prod']);
  // The source's referrers were asked once, while planning, not again by the destination.
  expect(reg.calls.filter((c) => c.verb === 'referrers' && c.repo === 'dev.example.com/team/app')).toHaveLength(1);
  // Each destination's row counts its look: one HEAD.
  expect(r.plan.destinations.map((d) => d.lookupRequests)).toEqual([1, 1]);
});

it('with a source given by tag, looks at the destinations at once; what needs the digest waits for the manifest', async () => {
  const reg = new MemoryRegistryDouble();
  const image = seed(reg);
  const { client, release } = slowSource(reg);
  const inputs = parseInputs({
    source: 'dev.example.com/team/app:rc',
    'require-digest': 'false',
    destinations: 'prod.example.com/app:1.0\neu.example.com/app',
  });
  const done = run(inputs, { client, isEcrHost: notEcr }, new MemoryReporter());
  await turns(5);
  expect(reg.calls.map((c) => `${c.verb} ${c.repo} ${c.reference}`).sort()).toEqual([
    'headManifest eu.example.com/app rc',
    'headManifest prod.example.com/app 1.0',
  ]);
  release();
  const r = await done;
  expect(reg.calls.some((c) => c.verb === 'headManifest' && c.reference === `${image.digest.replace(':', '-')}.sig`)).toBe(true);
  expect(reg.calls.some((c) => c.verb === 'referrers' && c.reference === image.digest)).toBe(true);
  expect(r.outcomes.map((o) => o.written)).toEqual([true, true]);
});

it('reports the source failure, not what the destination looks met meanwhile, and writes nothing', async () => {
  const reg = new MemoryRegistryDouble();
  seed(reg);
  const failing = new Proxy(reg, {
    get(target, name) {
      if (name === 'headManifest') return async () => Promise.reject(new Error('destination refused the look'));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source: 'dev.example.com/team/app:missing', 'require-digest': 'false', destinations: 'prod.example.com/app:1.0' });
  await expect(run(inputs, { client: failing, isEcrHost: notEcr }, reporter)).rejects.toThrow('MANIFEST_UNKNOWN');
  expect(reporter.summaryMarkdown).toContain('Promotion failed before anything was written');
  expect(reg.writes()).toEqual([]);
});
