import { inputError } from '../helpers/input-error';
import { parseInputs } from '../../src/promote-artifact/inputs';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const SRC = `registry.example.com/team/app@${DIGEST}`;

const errorOf = (raw: Record<string, string>) => inputError(() => parseInputs(raw));

it('turns the raw strings into a typed object, with action.yml defaults', () => {
  const inputs = parseInputs({
    source: `registry.example.com/team/app:rc@${DIGEST}`,
    destinations: 'registry.example.com/team/app:prod\nprod.example.com/app, registry.example.com/other',
  });
  expect(inputs).toEqual({
    source: { registry: 'registry.example.com', repository: 'team/app', tag: 'rc', digest: DIGEST },
    destinations: [
      { registry: 'registry.example.com', repository: 'team/app', tag: 'prod' },
      { registry: 'prod.example.com', repository: 'app', tag: 'rc' },
      { registry: 'registry.example.com', repository: 'other', tag: 'rc' },
    ],
    insecureRegistries: [],
    awsRegion: undefined,
    concurrency: 6,
    referrers: true,
    immutableTags: false,
    dryRun: false,
  });
});

it('pushes by digest only when neither the source nor the destination names a tag', () => {
  expect(parseInputs({ source: SRC, destinations: 'other.example.com/app' }).destinations).toEqual([
    { registry: 'other.example.com', repository: 'app', tag: undefined },
  ]);
});

it('accepts a tag-only source when require-digest is false', () => {
  const inputs = parseInputs({ source: '127.0.0.1:5000/app:rc', destinations: '127.0.0.1:5000/app:prod', 'require-digest': 'false' });
  expect(inputs.source).toEqual({ registry: '127.0.0.1:5000', repository: 'app', tag: 'rc' });
});

it('normalises insecure registries and reads the other options', () => {
  const inputs = parseInputs({
    source: SRC,
    destinations: 'b.example.com/app:1',
    'insecure-registries': 'registry.internal:5000, http://mirror.lan/',
    'aws-region': 'eu-west-1',
    concurrency: '8',
    referrers: 'false',
    'immutable-tags': 'true',
    'dry-run': 'true',
  });
  expect(inputs).toMatchObject({
    insecureRegistries: ['registry.internal:5000', 'mirror.lan'],
    awsRegion: 'eu-west-1',
    concurrency: 8,
    referrers: false,
    immutableTags: true,
    dryRun: true,
  });
});

it.each([
  [{ source: '', destinations: 'a.io/x:1' }, 'source', 'required'],
  [{ source: 'Registry.example.com/Team/App:1', destinations: 'a.io/x:1' }, 'source', 'lowercase'],
  [{ source: 'registry.example.com/team/app@sha256:abc', destinations: 'a.io/x:1' }, 'source', '64 hex digits'],
  [{ source: `registry.example.com/team/app@md5:${'a'.repeat(32)}`, destinations: 'a.io/x:1' }, 'source', 'not supported'],
  [{ source: 'registry.example.com/team/app:rc', destinations: 'a.io/x:1' }, 'source', 'require-digest'],
  [{ source: SRC, destinations: '' }, 'destinations', 'required'],
  [{ source: SRC, destinations: ' , \n# only a comment' }, 'destinations', 'names no destination'],
  [{ source: SRC, destinations: 'https://a.io/x:1' }, 'destinations', 'URL scheme'],
  [{ source: SRC, destinations: SRC }, 'destinations', 'the source itself'],
  [{ source: `registry.example.com/team/app:rc@${DIGEST}`, destinations: 'registry.example.com/team/app' }, 'destinations', 'the source itself'],
  [{ source: SRC, destinations: 'a.io/x:1\na.io/x:1' }, 'destinations', 'listed twice'],
  [{ source: SRC, destinations: `a.io/x@sha256:${'b'.repeat(64)}` }, 'destinations', `but the source is ${DIGEST}`],
  [{ source: SRC, destinations: 'a.io/x:1', 'insecure-registries': 'https://a.io' }, 'insecure-registries', 'plain-HTTP'],
  [{ source: SRC, destinations: 'a.io/x:1', 'insecure-registries': 'a.io/path' }, 'insecure-registries', 'not a host'],
  [{ source: SRC, destinations: 'a.io/x:1', 'aws-region': 'Ireland' }, 'aws-region', 'not an AWS region'],
  [{ source: SRC, destinations: 'a.io/x:1', concurrency: '0' }, 'concurrency', 'minimum'],
  [{ source: SRC, destinations: 'a.io/x:1', 'dry-run': 'maybe' }, 'dry-run', 'boolean'],
])('refuses %p naming the input', (raw, input, says) => {
  const e = errorOf(raw);
  expect(e.input).toBe(input);
  expect(e.message).toContain(says);
  expect(e.fix).toBeTruthy();
});
