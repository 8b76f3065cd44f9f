/**
 * Signatures stored by tag, the way cosign stores them by default (no OCI 1.1 referrers): a
 * manifest tagged `sha256-<hex>.sig` (signatures), `.att` (attestations) or `.sbom` (SBOMs)
 * beside the image in its repository. Nothing in them names the image as `subject`, so neither
 * the referrers API nor the `sha256-<hex>` tag-schema index lists them: they are found by name,
 * one HEAD each, for the image and for each manifest of an index (`cosign sign --recursive`).
 * At a destination in another repository each is written like an image (blobs, manifest by
 * digest, verified), then tagged and read back; same-repository destinations share the tags.
 */
import { errorLine, ServiceError } from '../toolkit/errors';
import { mapLimit } from '../toolkit/pool';
import { formatReference, sameRepository } from '../toolkit/registry/reference';
import type { ManifestBlob, RegistryClient, RepositoryRef } from '../toolkit/registry/types';
import type { Reporter } from '../toolkit/reporter';
import type { BlobMode } from './blobs';
import { loadImage } from './image-graph';
import { writeTree } from './manifests';
import { putTagVerified } from './tag-write';

/** cosign's tag suffixes: `cosign sign`, `cosign attest`, `cosign attach sbom`. */
export const SIGNATURE_SUFFIXES = ['sig', 'att', 'sbom'] as const;

/** `sha256:<hex>` + `sig` -> `sha256-<hex>.sig` (cosign's ociremote.SignatureTag and friends). */
export function signatureTag(digest: string, suffix: string): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** A signature tag found at the source: its name and the digest of the manifest it holds. */
export interface SignatureTag {
  tag: string;
  digest: string;
}

export interface SignatureLookup {
  found: SignatureTag[];
  /** Tags the source registry could not be asked about (its error): reported, never taken as absent. */
  unknown: { tag: string; error: string }[];
}

/** One HEAD per (digest, suffix) at the source; digests are the image's and its index children's. */
export async function findSignatureTags(
  client: RegistryClient,
  source: RepositoryRef,
  digests: readonly string[],
  concurrency: number,
): Promise<SignatureLookup> {
  const tags = digests.flatMap((d) => SIGNATURE_SUFFIXES.map((s) => signatureTag(d, s)));
  const looked = await mapLimit(tags, concurrency, async (tag) => {
    try {
      return { tag, digest: (await client.headManifest(source, tag))?.digest };
    } catch (err) {
      return { tag, error: errorLine(err) };
    }
  });
  return {
    found: looked.flatMap((l) => (l.digest ? [{ tag: l.tag, digest: l.digest }] : [])),
    unknown: looked.flatMap((l) => (l.error ? [{ tag: l.tag, error: l.error }] : [])),
  };
}

/**
 * What became of one signature tag at one destination: `written` (copied, tagged, read back),
 * `already there` (the tag holds the same digest, or a cosign manifest holding every source
 * signature layer and more), `shared` (same repository), `not checked` (the destination could
 * not be asked: a warning, never a claim of success).
 */
export type SignatureTagResult = 'written' | 'already there' | 'shared' | 'not checked';

export interface SignatureTagOutcome extends SignatureTag {
  result: SignatureTagResult;
  note?: string;
}

export async function syncSignatureTags(
  client: RegistryClient,
  from: RepositoryRef,
  to: RepositoryRef,
  tags: readonly SignatureTag[],
  mode: BlobMode,
  concurrency: number,
  reporter: Reporter,
): Promise<SignatureTagOutcome[]> {
  const out: SignatureTagOutcome[] = [];
  for (const t of tags) {
    if (sameRepository(from, to)) {
      out.push({ ...t, result: 'shared', note: 'same repository: the tag is already beside the image' });
      continue;
    }
    let held: string | undefined;
    try {
      held = (await client.headManifest(to, t.tag))?.digest;
    } catch (err) {
      const note = `could not be checked at ${formatReference({ ...to, tag: t.tag })}: ${errorLine(err)}`;
      reporter.warning(`Signature tag ${t.tag} ${note}; it may not have travelled with the image`);
      out.push({ ...t, result: 'not checked', note });
      continue;
    }
    if (held === t.digest) {
      out.push({ ...t, result: 'already there' });
      continue;
    }
    const manifest = await client.getManifest(from, t.digest);
    if (held !== undefined) {
      // cosign appends signatures to the tag's manifest: one holding all of ours (and more) is fine
      if (holdsAllLayers(await client.getManifest(to, held), manifest)) {
        out.push({ ...t, result: 'already there', note: `the destination's ${held} holds every source signature layer and more` });
        continue;
      }
      throw new ServiceError(
        formatReference({ ...to, tag: t.tag }),
        `the signature tag holds ${held}, which lacks signatures of the source's ${t.digest}; it was not overwritten`,
        `Merge them with cosign (cosign copy), or delete the destination tag if replacing it is intended`,
      );
    }
    await writeTree(client, from, to, await loadImage(client, from, manifest, concurrency), mode, concurrency);
    await putTagVerified(client, to, t.tag, manifest.bytes, manifest.descriptor.mediaType, t.digest);
    out.push({ ...t, result: 'written' });
  }
  return out;
}

/**
 * One key per layer descriptor: digest plus annotations. cosign's payload (the layer blob) is the
 * same for every signature of one image; the signature itself is the layer's
 * `dev.cosignproject.cosign/signature` annotation (and certificate/bundle), so the digest alone
 * cannot tell two signatures apart.
 */
function layerKeys(m: ManifestBlob): string[] {
  try {
    const json = JSON.parse(m.bytes.toString('utf8')) as { layers?: { digest?: string; annotations?: Record<string, string> }[] };
    return (json.layers ?? []).map((l) => {
      const annotations = Object.entries(l.annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return JSON.stringify([l.digest ?? '', annotations]);
    });
  } catch {
    return [];
  }
}

function holdsAllLayers(destination: ManifestBlob, source: ManifestBlob): boolean {
  const have = new Set(layerKeys(destination));
  const want = layerKeys(source);
  return want.length > 0 && want.every((d) => have.has(d));
}
