/**
 * The one change gitops-promote makes to a manifests repository: point an image at a digest, in
 * a kustomization's `images:` entry (kustomize ImageTagTransformer fields name / newName /
 * newTag / digest), or at a dotted path of a Helm values file or any YAML manifest. Every edit
 * is spliced into the original text (see yaml-text.ts), one step at a time, re-parsing between
 * steps, so nothing but the changed scalars moves.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { InputError } from '../toolkit/errors';
import { applySetters } from './flux-setters';
import { describeMissing, formatYamlPath, resolveYamlPath, type PathSegment } from './yaml-path';
import { appendMapItem, appendTopLevelList, applyEdits, insertPairs, removePair, replaceScalar, type TextEdit } from './yaml-text';

export type ManifestFormat = 'kustomize' | 'helm-values' | 'yaml-path' | 'flux-setters';

/** What to write where. `image` is a repository (registry/path/name) without tag or digest. */
export interface ImageEdit {
  format: ManifestFormat;
  image: string;
  /** `sha256:<64 hex>`. */
  digest: string;
  /** kustomize: the `name` of the images entry (the image as the manifests write it). */
  entryName: string;
  /** helm-values / yaml-path: the scalar that takes the new value. */
  valuePath: PathSegment[];
  /** helm-values / yaml-path: where the repository is written too (e.g. image.repository), if anywhere. */
  repositoryPath?: PathSegment[];
  /** helm-values / yaml-path: `digest` writes sha256:..., `reference` writes image@sha256:.... */
  value: 'digest' | 'reference';
  /** flux-setters: the ImagePolicy `namespace:name` whose `$imagepolicy` markers take the image. */
  policy?: string;
  /** Add the kustomize entry, or the last key of a path whose parent map exists, when missing. */
  createEntry: boolean;
}

export interface EditOutcome {
  /** The file as it was read. */
  original: string;
  text: string;
  changed: boolean;
  /** The image as the file held it before (for the summary), `(none)` for a new entry. */
  before: string;
  after: string;
  notes: string[];
}

/** Parses every document of the file; a syntax error names the file, line and column. */
export function parseYamlFile(source: string, file: string): Document[] {
  const docs = parseAllDocuments(source);
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      throw new InputError(
        'path',
        `${file} is not valid YAML${where}: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
        'Point path at a YAML file, or fix the file in the manifests repository',
      );
    }
  }
  return list;
}

/** Applies one text edit chosen from a fresh parse of `text`; undefined leaves the text as is. */
function step(text: string, file: string, choose: (doc: Document) => TextEdit | undefined): string {
  const edit = choose(parseYamlFile(text, file)[0]);
  return edit ? applyEdits(text, [edit]) : text;
}

export function editManifest(source: string, file: string, edit: ImageEdit): EditOutcome {
  const docs = parseYamlFile(source, file);
  if (docs.length === 0 || !isMap(docs[0].contents)) {
    throw new InputError(
      'path',
      `${file} is not a YAML mapping`,
      edit.format === 'kustomize' ? 'Point path at a kustomization.yaml or its directory' : 'Point path at a values file or manifest',
    );
  }
  const out =
    edit.format === 'kustomize'
      ? editKustomization(source, file, edit)
      : edit.format === 'flux-setters'
        ? editSetters(source, docs, file, edit)
        : editPath(source, file, edit);
  return { ...out, original: source };
}

const scalarValue = (map: YAMLMap, key: string): Scalar | undefined => {
  const node = map.get(key, true);
  return isScalar(node) ? node : undefined;
};
const pairOf = (map: YAMLMap, key: string): Pair | undefined => map.items.find((p) => isScalar(p.key) && p.key.value === key);

function findEntry(doc: Document, name: string): YAMLMap | undefined {
  const images = (doc.contents as YAMLMap).get('images', true);
  if (!isSeq(images)) return undefined;
  return images.items.find((i): i is YAMLMap => isMap(i) && String(i.get('name')) === name);
}

function editKustomization(source: string, file: string, edit: ImageEdit): Omit<EditOutcome, 'original'> {
  const first = parseYamlFile(source, file)[0];
  const after = `${edit.image}@${edit.digest}`;
  const notes: string[] = [];
  const entry = findEntry(first, edit.entryName);
  if (!entry) {
    if (!edit.createEntry) {
      throw new InputError(
        'image',
        `${file} has no images entry with name '${edit.entryName}'`,
        "Set image-name to the entry's name (the image as the manifests write it), add the entry, or set create-entry: true",
      );
    }
    const item: Record<string, string> = { name: edit.entryName, ...(edit.entryName === edit.image ? {} : { newName: edit.image }), digest: edit.digest };
    const images = (first.contents as YAMLMap).get('images', true);
    if (images !== undefined && images !== null && !isSeq(images)) throw new InputError('path', `${file}: images is not a list`, 'Fix the kustomization');
    const text = applyEdits(source, [isSeq(images) ? appendMapItem(source, images, item) : appendTopLevelList(source, 'images', item)]);
    notes.push(`added images entry '${edit.entryName}'`);
    return { text, changed: true, before: '(none)', after, notes };
  }
  const oldName = String(entry.get('newName') ?? entry.get('name'));
  const oldTag = entry.get('newTag');
  const oldDigest = entry.get('digest');
  const before = `${oldName}${oldTag !== undefined ? `:${String(oldTag)}` : ''}${oldDigest !== undefined ? `@${String(oldDigest)}` : ''}`;
  let text = source;
  // The digest: replace it, or turn `newTag: v1` into `digest: sha256:...` on the same line.
  text = step(text, file, (doc) => {
    const e = findEntry(doc, edit.entryName)!;
    const digest = scalarValue(e, 'digest');
    if (digest) return String(digest.value) === edit.digest ? undefined : replaceScalar(text, digest, edit.digest);
    const tag = pairOf(e, 'newTag');
    if (tag && isScalar(tag.key) && isScalar(tag.value)) {
      const [keyEdit, valueEdit] = [replaceScalar(text, tag.key, 'digest'), replaceScalar(text, tag.value, edit.digest)];
      notes.push(`newTag ${String(tag.value.value)} replaced by the digest`);
      return { start: keyEdit.start, end: valueEdit.end, text: keyEdit.text + text.slice(keyEdit.end, valueEdit.start) + valueEdit.text };
    }
    return insertPairs(text, e, [['digest', edit.digest]]);
  });
  // kustomize renders name:tag@digest when both are set; the digest alone is what was promoted.
  text = step(text, file, (doc) => {
    const e = findEntry(doc, edit.entryName)!;
    const tag = pairOf(e, 'newTag');
    if (!tag) return undefined;
    notes.push(`newTag ${String(e.get('newTag'))} removed (kustomize would render name:tag@digest)`);
    return removePair(text, e, tag);
  });
  text = step(text, file, (doc) => {
    const e = findEntry(doc, edit.entryName)!;
    const newName = scalarValue(e, 'newName');
    if (newName) return String(newName.value) === edit.image ? undefined : replaceScalar(text, newName, edit.image);
    return edit.entryName === edit.image ? undefined : insertPairs(text, e, [['newName', edit.image]]);
  });
  return { text, changed: text !== source, before, after, notes };
}

/** Sets the scalar at `path` (the first document holding the path wins) to `value`. */
function setAtPath(
  text: string,
  file: string,
  path: readonly PathSegment[],
  value: string,
  createEntry: boolean,
  input: string,
): { text: string; before?: string } {
  const docs = parseYamlFile(text, file);
  let deepest: { doc: Document; at: number; parent?: unknown } | undefined;
  for (const doc of docs) {
    const r = resolveYamlPath(doc, path);
    if (r.alias) {
      const at = formatYamlPath(path.slice(0, r.alias.at));
      throw new InputError(
        input,
        `${file}: '${at}' is an alias (*${r.alias.source}) of the node anchored &${r.alias.source}, so ${formatYamlPath(path)} is not written there`,
        `Point ${input} at the anchored node itself (every *${r.alias.source} would change with it), or replace the alias in the file`,
      );
    }
    if (r.node) {
      if (!isScalar(r.node)) {
        throw new InputError(
          input,
          `${file}: '${formatYamlPath(path)}' is a ${isMap(r.node) ? 'map' : 'list'}, not a value`,
          `Name the key inside it, e.g. ${formatYamlPath(path)}.digest`,
        );
      }
      const current = r.node.value === null ? '' : String(r.node.value);
      const before = current === '' ? '(empty)' : current;
      if (current === value) return { text, before };
      return { text: applyEdits(text, [replaceScalar(text, r.node, value)]), before };
    }
    if (!deepest || r.missingAt! > deepest.at) deepest = { doc, at: r.missingAt!, parent: r.parent };
  }
  const missing = deepest!;
  const last = path[path.length - 1];
  if (createEntry && missing.at === path.length - 1 && 'key' in last && isMap(missing.parent) && (missing.parent.items.length > 0 || missing.parent.flow)) {
    return { text: applyEdits(text, [insertPairs(text, missing.parent, [[last.key, value]])]), before: undefined };
  }
  throw new InputError(
    input,
    `${file} has ${describeMissing(path, missing.at)} (path ${formatYamlPath(path)})`,
    createEntry
      ? 'Only the last key of a path is created, inside a map that exists'
      : 'Fix the path, add the key to the file, or set create-entry: true to add a missing last key',
  );
}

function editSetters(source: string, docs: Document[], file: string, edit: ImageEdit): Omit<EditOutcome, 'original'> {
  const r = applySetters(source, docs, file, edit.policy ?? '', edit.image, edit.digest);
  return {
    text: r.text,
    changed: r.text !== source,
    before: r.before,
    after: `${edit.image}@${edit.digest}`,
    notes: r.setters > 1 ? [`${r.setters} setters of ${edit.policy}`] : [],
  };
}

function editPath(source: string, file: string, edit: ImageEdit): Omit<EditOutcome, 'original'> {
  const value = edit.value === 'digest' ? edit.digest : `${edit.image}@${edit.digest}`;
  const notes: string[] = [];
  let text = source;
  const beforeParts: string[] = [];
  if (edit.repositoryPath) {
    const r = setAtPath(text, file, edit.repositoryPath, edit.image, edit.createEntry, 'repository-path');
    text = r.text;
    beforeParts.push(r.before ?? '(none)');
  }
  const r = setAtPath(text, file, edit.valuePath, value, edit.createEntry, 'yaml-path');
  text = r.text;
  beforeParts.push(r.before ?? '(none)');
  const before = edit.repositoryPath ? `${beforeParts[0]} ${beforeParts[1]}` : beforeParts[0];
  const after = edit.repositoryPath ? `${edit.image} ${value}` : value;
  return { text, changed: text !== source, before, after, notes };
}
