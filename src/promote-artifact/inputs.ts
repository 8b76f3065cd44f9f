/**
 * Inputs of promote-artifact: one source image, the destinations it goes to, and how.
 * Everything a user can get wrong is refused here, before any registry is touched.
 */
import { InputError } from '../toolkit/errors';
import { parseAwsRegion, parseBoolean, parseInteger, parseList, rawValue, type InputSpecs, type RawInputs } from '../toolkit/inputs';
import { parseInsecureRegistries } from '../toolkit/registry/insecure-registries';
import { formatReference, parseReference, sameRepository } from '../toolkit/registry/reference';
import type { ImageReference } from '../toolkit/registry/types';

export const INPUTS = {
  source: { required: true },
  destinations: { required: true },
  'require-digest': { default: 'true' },
  'insecure-registries': {},
  'aws-region': {},
  // 6 at once, as skopeo (containers/image) copies layers: with 4, the 5th layer of a typical image waited for a free slot.
  concurrency: { default: '6' },
  referrers: { default: 'true' },
  'immutable-tags': { default: 'false' },
  'dry-run': { default: 'false' },
} as const satisfies InputSpecs;

export const OUTPUTS = ['digest', 'promoted', 'bytes-copied', 'requests', 'plan'] as const;

/** A place to promote to: a repository and the tag written there last (none = by digest only). */
export interface Destination {
  registry: string;
  repository: string;
  tag?: string;
}

export interface PromoteInputs {
  /** Pinned by digest, or (when require-digest is false) a tag resolved once by `run`. */
  source: ImageReference;
  destinations: Destination[];
  insecureRegistries: string[];
  awsRegion?: string;
  concurrency: number;
  referrers: boolean;
  immutableTags: boolean;
  dryRun: boolean;
}

export function parseInputs(raw: RawInputs<typeof INPUTS>): PromoteInputs {
  const get = (n: keyof typeof INPUTS) => rawValue(INPUTS, raw, n);
  const requireDigest = parseBoolean('require-digest', get('require-digest'));
  const source = parseReference(get('source'), 'source');
  if (requireDigest && !source.digest) {
    throw new InputError(
      'source',
      `'${get('source')}' names a tag, not a digest, and require-digest is true`,
      `Pin the tested image: ${source.registry}/${source.repository}@sha256:<digest> (the build step's digest output), or set require-digest: false`,
    );
  }
  const awsRegion = parseAwsRegion(
    'aws-region',
    get('aws-region'),
    'Give a region such as eu-west-1, or leave it empty to use the region in the ECR host name',
  );
  return {
    source,
    destinations: parseDestinations(get('destinations'), source),
    insecureRegistries: parseInsecureRegistries('insecure-registries', get('insecure-registries')),
    awsRegion,
    concurrency: parseInteger('concurrency', get('concurrency'), { min: 1, max: 16 }),
    referrers: parseBoolean('referrers', get('referrers')),
    immutableTags: parseBoolean('immutable-tags', get('immutable-tags')),
    dryRun: parseBoolean('dry-run', get('dry-run')),
  };
}

/** Each destination gets the source tag when it names none; the promoted digest is the source's. */
function parseDestinations(value: string, source: ImageReference): Destination[] {
  const items = parseList(value);
  if (items.length === 0) {
    throw new InputError(
      'destinations',
      'names no destination',
      'List one or more image references, one per line or comma separated, e.g. registry.example.com/team/app:staging',
    );
  }
  const seen = new Set<string>();
  return items.map((item) => {
    const ref = parseReference(item, 'destinations');
    if (ref.digest && ref.digest !== source.digest) {
      throw new InputError(
        'destinations',
        `'${item}' pins ${ref.digest}, ${source.digest ? `but the source is ${source.digest}` : 'but the source names no digest'}`,
        'Leave the digest out of destinations: the source digest is what gets promoted',
      );
    }
    const dest: Destination = { registry: ref.registry, repository: ref.repository, tag: ref.tag ?? source.tag };
    const text = formatReference(dest);
    if (sameRepository(dest, source) && (dest.tag === undefined || dest.tag === source.tag)) {
      throw new InputError('destinations', `'${item}' is the source itself`, 'Name another tag, repository or registry to promote to');
    }
    if (seen.has(text)) throw new InputError('destinations', `'${text}' is listed twice`, 'List each destination once');
    seen.add(text);
    return dest;
  });
}
