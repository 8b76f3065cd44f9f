/**
 * gitops-promote's edits leave every byte outside the changed scalar as it was: each case
 * states the whole expected file as the original with one substitution (a diff of one line).
 */
import { editManifest, type ImageEdit } from '../../src/gitops-promote/edit';
import { parseYamlPath } from '../../src/gitops-promote/yaml-path';
import { InputError } from '../../src/toolkit/errors';

const D = `sha256:${'ab'.repeat(32)}`;
const OLD = `sha256:${'01'.repeat(32)}`;
const IMAGE = 'registry.example.com/shop/web';
const kustomize = (over: Partial<ImageEdit> = {}): ImageEdit => ({
  format: 'kustomize',
  image: IMAGE,
  digest: D,
  entryName: 'web',
  valuePath: [],
  value: 'digest',
  createEntry: false,
  ...over,
});
const helm = (p: string, over: Partial<ImageEdit> = {}): ImageEdit => ({
  ...kustomize(),
  format: 'helm-values',
  entryName: '',
  valuePath: parseYamlPath('yaml-path', p),
  ...over,
});

/** The lines that differ between two texts of equal line count (fails if the count changed). */
function changed(a: string, b: string): [string, string][] {
  const [x, y] = [a.split('\n'), b.split('\n')];
  expect(y.length).toBe(x.length);
  return x.flatMap((l, i) => (l === y[i] ? [] : [[l, y[i]] as [string, string]]));
}

describe('kustomize images entry', () => {
  const file = [
    '# prod overlay',
    'resources:',
    '  - ../../base  # base',
    'images:',
    '  - name: web # the front end',
    "    newName: 'registry.example.com/old/web'",
    '    digest: ' + OLD + '   # promoted',
    '  - name: api',
    '    newTag: "2.0"',
    '',
  ].join('\n');

  it('replaces newName and digest in place, keeping quotes and comments', () => {
    const r = editManifest(file, 'k.yaml', kustomize());
    expect(r.text).toBe(file.replace("'registry.example.com/old/web'", `'${IMAGE}'`).replace(OLD, D));
    expect(changed(file, r.text)).toHaveLength(2);
    expect([r.changed, r.before, r.after]).toEqual([true, `registry.example.com/old/web@${OLD}`, `${IMAGE}@${D}`]);
  });

  it('is a no-op when the entry already holds the repository and digest', () => {
    const once = editManifest(file, 'k.yaml', kustomize()).text;
    const twice = editManifest(once, 'k.yaml', kustomize());
    expect([twice.changed, twice.text]).toEqual([false, once]);
  });

  it('turns newTag into digest on the same line and adds newName after the last key', () => {
    const r = editManifest(file, 'k.yaml', kustomize({ entryName: 'api', image: 'registry.example.com/shop/api' }));
    expect(r.text).toBe(file.replace('    newTag: "2.0"\n', `    digest: "${D}"\n    newName: registry.example.com/shop/api\n`));
    expect(r.notes).toEqual(['newTag 2.0 replaced by the digest']);
  });

  it('edits flow-style entries inside the braces', () => {
    const flow = 'images: [{name: web, newTag: v1}]\n';
    expect(editManifest(flow, 'k.yaml', kustomize({ entryName: 'web', image: 'web' })).text).toBe(`images: [{name: web, digest: ${D}}]\n`);
  });

  it('adds a missing entry only with create-entry, in the list style of the file', () => {
    expect(() => editManifest(file, 'k.yaml', kustomize({ entryName: 'worker' }))).toThrow(InputError);
    const r = editManifest(file, 'k.yaml', kustomize({ entryName: 'worker', createEntry: true }));
    expect(r.text).toBe(file.replace('    newTag: "2.0"\n', `    newTag: "2.0"\n  - name: worker\n    newName: ${IMAGE}\n    digest: ${D}\n`));
    const none = editManifest('resources:\n- a.yaml\n', 'k.yaml', kustomize({ createEntry: true }));
    expect(none.text).toBe(`resources:\n- a.yaml\nimages:\n- name: web\n  newName: ${IMAGE}\n  digest: ${D}\n`);
  });

  it('keeps CRLF line endings, inserted lines included', () => {
    const crlf = 'images:\r\n  - name: web\r\n    newTag: v1 # x\r\nreplicas: []\r\n';
    const r = editManifest(crlf, 'k.yaml', kustomize());
    expect(r.text).toBe(`images:\r\n  - name: web\r\n    digest: ${D} # x\r\n    newName: ${IMAGE}\r\nreplicas: []\r\n`);
  });
});

describe('helm values and YAML paths', () => {
  const values = ['image:', '  repository: old/web   # mirror', `  digest: '${OLD}'`, '  tag: ""', 'podAnnotations: {a: b}', ''].join('\n');

  it('writes the digest with the quotes it had, and the repository when asked', () => {
    const r = editManifest(values, 'v.yaml', helm('image.digest', { repositoryPath: parseYamlPath('repository-path', 'image.repository') }));
    expect(r.text).toBe(values.replace('old/web', IMAGE).replace(OLD, D));
    expect(r.before).toBe(`old/web ${OLD}`);
  });

  it('puts a digest into an empty tag string when that is the path', () => {
    expect(editManifest(values, 'v.yaml', helm('image.tag')).text).toBe(values.replace('tag: ""', `tag: "${D}"`));
  });

  it('names the missing key, and creates only a last key inside an existing map', () => {
    expect(() => editManifest(values, 'v.yaml', helm('image.sha'))).toThrow("no key 'sha' under 'image'");
    expect(() => editManifest(values, 'v.yaml', helm('global.image.digest', { createEntry: true }))).toThrow("no key 'global' at the top level");
    expect(editManifest(values, 'v.yaml', helm('image.sha', { createEntry: true })).text).toBe(values.replace('  tag: ""\n', `  tag: ""\n  sha: ${D}\n`));
  });

  it('refuses a path that names a map, and reports not-YAML with line and column', () => {
    expect(() => editManifest(values, 'v.yaml', helm('image'))).toThrow("'image' is a map, not a value");
    expect(() => editManifest('a: 1\nb: [2\n', 'v.yaml', helm('a'))).toThrow(/v\.yaml is not valid YAML at line \d+, column \d+/);
    expect(() => editManifest('just text\n', 'v.yaml', helm('a'))).toThrow('v.yaml is not a YAML mapping');
  });

  it('selects a container by name in the second document of a manifest, leaving the first untouched', () => {
    const manifest = [
      'kind: Service',
      'metadata: {name: web}',
      '---',
      'kind: Deployment',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: sidecar',
      '          image: envoy:1.30',
      '        - name: web',
      '          image: registry.example.com/shop/web:1.0  # pinned by CI',
      '',
    ].join('\n');
    const r = editManifest(manifest, 'm.yaml', { ...helm('spec.template.spec.containers[name=web].image'), format: 'yaml-path', value: 'reference' });
    expect(changed(manifest, r.text)).toEqual([
      ['          image: registry.example.com/shop/web:1.0  # pinned by CI', `          image: ${IMAGE}@${D}  # pinned by CI`],
    ]);
    expect(r.before).toBe('registry.example.com/shop/web:1.0');
  });

  it('replaces a block scalar by a one-line value', () => {
    const r = editManifest('image:\n  digest: |\n    old\nnext: 1\n', 'v.yaml', helm('image.digest'));
    expect(r.text).toBe(`image:\n  digest: ${D}\nnext: 1\n`);
  });
});

describe('yaml paths', () => {
  it('parses keys, indexes, selectors and quoted keys, and refuses malformed ones', () => {
    expect(parseYamlPath('p', 'a."b.c"[2][name=x].d')).toEqual([
      { key: 'a' },
      { key: 'b.c' },
      { index: 2 },
      { match: { key: 'name', value: 'x' } },
      { key: 'd' },
    ]);
    expect(() => parseYamlPath('yaml-path', 'a..b')).toThrow("Input 'yaml-path'");
    expect(() => parseYamlPath('yaml-path', 'a[x')).toThrow('unclosed [');
  });
});

describe('Flux image-automation setters', () => {
  const flux = (over: Partial<ImageEdit> = {}): ImageEdit => ({ ...kustomize(), format: 'flux-setters', entryName: '', policy: 'flux-system:web', ...over });
  const deployment = [
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: ghcr.io/acme/web:1.0 # {"$imagepolicy": "flux-system:web"}',
    '        - name: other',
    '          image: ghcr.io/acme/other:2.0 # {"$imagepolicy": "flux-system:other"}',
    '      initContainers:',
    '        - name: migrate',
    '          image: "ghcr.io/acme/web" # {"$imagepolicy": "flux-system:web:name"}',
    'metadata:',
    '  annotations:',
    '    shipline/digest: old # {"$imagepolicy": "flux-system:web:digest"}',
    '',
  ].join('\n');

  it('writes reference, name and digest setters of the policy only, markers kept', () => {
    const r = editManifest(deployment, 'd.yaml', flux());
    expect(changed(deployment, r.text)).toEqual([
      ['          image: ghcr.io/acme/web:1.0 # {"$imagepolicy": "flux-system:web"}', `          image: ${IMAGE}@${D} # {"$imagepolicy": "flux-system:web"}`],
      [
        '          image: "ghcr.io/acme/web" # {"$imagepolicy": "flux-system:web:name"}',
        `          image: "${IMAGE}" # {"$imagepolicy": "flux-system:web:name"}`,
      ],
      ['    shipline/digest: old # {"$imagepolicy": "flux-system:web:digest"}', `    shipline/digest: ${D} # {"$imagepolicy": "flux-system:web:digest"}`],
    ]);
    expect(r.notes).toEqual(['3 setters of flux-system:web']);
    expect(editManifest(r.text, 'd.yaml', flux()).changed).toBe(false);
  });

  it('refuses a :tag setter and a file without setters of the policy', () => {
    expect(() => editManifest('newTag: v1 # {"$imagepolicy": "flux-system:web:tag"}\n', 'k.yaml', flux())).toThrow(
      "k.yaml:1 has a 'flux-system:web:tag' setter, which takes a tag",
    );
    expect(() => editManifest(deployment, 'd.yaml', flux({ policy: 'apps:web' }))).toThrow('d.yaml has no {"$imagepolicy": "apps:web"} setter');
  });
});
