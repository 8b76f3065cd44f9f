/** cosign's tag-stored signatures through run(), against the in-memory registry double: found, order of writes, read-back, dry run. */
import { MEDIA_TYPES, type RepositoryRef } from '../../src/toolkit/registry/types';
import { MemoryReporter } from '../../src/toolkit/reporter';
import { parseInputs } from '../../src/promote-artifact/inputs';
import { run } from '../../src/promote-artifact/run';
import { signatureTag } from '../../src/promote-artifact/signature-tags';
import { MemoryRegistryDouble } from '../doubles/memory-registry';

const DEV = { registry: 'dev.example.com', repository: 'team/app' };
const PROD = { registry: 'prod.example.com', repository: 'app' };

function image(reg: MemoryRegistryDouble) {
  const config = reg.seedBlob(DEV, '{"os":"linux"}');
  const layer = reg.seedBlob(DEV, 'layer '.repeat(40));
  return reg.seedManifest(DEV, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }, MEDIA_TYPES.ociManifest, 'rc');
}

/** cosign's layout: simple-signing payload layer with the signature annotation, tagged sha256-<hex>.<suffix>. */
function cosign(reg: MemoryRegistryDouble, repo: RepositoryRef, subject: string, suffix: string) {
  const payload = reg.seedBlob(repo, JSON.stringify({ critical: { image: { 'docker-manifest-digest': subject } }, suffix }));
  const config = reg.seedBlob(repo, JSON.stringify({ rootfs: { type: 'layers', diff_ids: [payload.digest] } }));
  const layer = { ...payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ' } };
  return reg.seedManifest(
    repo,
    { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] },
    MEDIA_TYPES.ociManifest,
    signatureTag(subject, suffix),
  );
}

async function promote(reg: MemoryRegistryDouble, destinations: string, extra: Record<string, string> = {}) {
  const reporter = new MemoryReporter();
  const inputs = parseInputs({ source: 'dev.example.com/team/app:rc', 'require-digest': 'false', destinations, ...extra });
  return { ...(await run(inputs, { client: reg, isEcrHost: () => false }, reporter)), reporter };
}

it('names tags the way cosign does', () => {
  expect(signatureTag(`sha256:${'ab'.repeat(32)}`, 'sig')).toBe(`sha256-${'ab'.repeat(32)}.sig`);
});

it('looks each tag up once, writes the found ones after the image tag, and reads each back', async () => {
  const reg = new MemoryRegistryDouble();
  const img = image(reg);
  const sig = cosign(reg, DEV, img.digest, 'sig');
  const sbom = cosign(reg, DEV, img.digest, 'sbom');
  const r = await promote(reg, 'prod.example.com/app:1.0');
  const lookups = reg.calls.filter((c) => c.repo === 'dev.example.com/team/app' && c.verb === 'headManifest' && c.reference.includes('.'));
  expect(lookups.map((c) => c.reference).sort()).toEqual(['att', 'sbom', 'sig'].map((s) => signatureTag(img.digest, s)).sort());
  const prodCalls = reg.calls
    .filter((c) => c.repo === 'prod.example.com/app' && ['putManifest', 'headManifest'].includes(c.verb))
    .map((c) => `${c.verb} ${c.reference}`);
  const imageTag = prodCalls.indexOf('putManifest 1.0');
  expect(imageTag).toBeGreaterThan(-1);
  for (const t of ['sig', 'sbom'].map((s) => signatureTag(img.digest, s))) {
    expect(prodCalls.indexOf(`putManifest ${t}`)).toBeGreaterThan(imageTag);
    expect(prodCalls.indexOf(`headManifest ${t}`, prodCalls.indexOf(`putManifest ${t}`))).toBeGreaterThan(-1); // read back
  }
  expect(reg.tagsOf(PROD).get(signatureTag(img.digest, 'sig'))).toBe(sig.digest);
  expect(reg.tagsOf(PROD).get(signatureTag(img.digest, 'sbom'))).toBe(sbom.digest);
  expect(r.outcomes[0].signatureTags.map((t) => t.result)).toEqual(['written', 'written']);
  expect(r.reporter.summaryMarkdown).toContain(`| prod.example.com/app:1.0 | ${signatureTag(img.digest, 'sig')} | ${sig.digest} | written |`);
});

it('dry run: the plan lists the signature tags, and nothing is written', async () => {
  const reg = new MemoryRegistryDouble();
  const img = image(reg);
  const sig = cosign(reg, DEV, img.digest, 'sig');
  const r = await promote(reg, 'prod.example.com/app:1.0', { 'dry-run': 'true' });
  expect(reg.writes()).toEqual([]);
  expect(r.reporter.log).toContain(`signature tags (cosign) at the source: ${signatureTag(img.digest, 'sig')} (${sig.digest})`);
  expect(r.reporter.summaryMarkdown).toContain(`| ${signatureTag(img.digest, 'sig')} | ${sig.digest} | planned |`);
});

it('referrers: false leaves the signature tags alone, and looks none up', async () => {
  const reg = new MemoryRegistryDouble();
  const img = image(reg);
  cosign(reg, DEV, img.digest, 'sig');
  await promote(reg, 'prod.example.com/app:1.0', { referrers: 'false' });
  expect(reg.calls.filter((c) => c.reference.endsWith('.sig'))).toEqual([]);
  expect(reg.tagsOf(PROD).has(signatureTag(img.digest, 'sig'))).toBe(false);
});
