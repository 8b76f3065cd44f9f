/**
 * An image as a tree read from the source once: an index's child manifests, and each
 * manifest's config and layer blobs. Copy and mount paths write it bottom-up from here.
 */
import { ServiceError } from '../toolkit/errors';
import { formatRepository } from '../toolkit/registry/reference';
import { INDEX_MEDIA_TYPES, type Descriptor, type ManifestBlob, type RegistryClient, type RepositoryRef } from '../toolkit/registry/types';
import { mapLimit } from '../toolkit/pool';

export interface ImageNode {
  manifest: ManifestBlob;
  children: ImageNode[];
  /** Config and layers (image manifests) or nothing (indexes). */
  blobs: Descriptor[];
}

interface ManifestJson {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: (Descriptor & { urls?: string[] })[];
}

/** What a manifest points at: child manifests (index) or blobs (image); foreign layers are skipped, as registries do. */
export function manifestLinks(blob: ManifestBlob, where: string): { children: Descriptor[]; blobs: Descriptor[] } {
  let json: ManifestJson;
  try {
    json = JSON.parse(blob.bytes.toString('utf8')) as ManifestJson;
  } catch {
    throw new ServiceError(where, `manifest ${blob.descriptor.digest} is not JSON`, 'The source holds something other than an OCI or Docker image');
  }
  const mediaType = blob.descriptor.mediaType || json.mediaType || '';
  if (INDEX_MEDIA_TYPES.includes(mediaType) || (Array.isArray(json.manifests) && !json.config)) {
    return { children: json.manifests ?? [], blobs: [] };
  }
  if (!json.config)
    throw new ServiceError(
      where,
      `manifest ${blob.descriptor.digest} (${mediaType}) has no config`,
      'Only OCI and Docker schema 2 images and indexes can be promoted',
    );
  const layers = (json.layers ?? []).filter((l) => !(l.urls && l.urls.length > 0));
  return { children: [], blobs: [json.config, ...layers] };
}

/** Reads the whole tree under `root` from `repo` (children fetched by digest, verified by the client). */
export async function loadImage(client: RegistryClient, repo: RepositoryRef, root: ManifestBlob, concurrency: number, depth = 0): Promise<ImageNode> {
  const where = formatRepository(repo);
  if (depth > 3) throw new ServiceError(where, `index ${root.descriptor.digest} nests deeper than 3 levels`, 'Flatten the index');
  const links = manifestLinks(root, where);
  const children = await mapLimit(links.children, concurrency, async (d) =>
    loadImage(client, repo, await client.getManifest(repo, d.digest), concurrency, depth + 1),
  );
  return { manifest: root, children, blobs: links.blobs };
}
