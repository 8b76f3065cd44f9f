/**
 * Flux image-automation setters: a field marked with a trailing comment
 * `# {"$imagepolicy": "<namespace>:<policy>"}` takes the whole reference, `...:name` the
 * repository, `...:digest` the digest (Flux's markers, as ImageUpdateAutomation writes them).
 * Shipline promotes digests, so a full setter gets `repository@sha256:...`; a `:tag` setter
 * cannot hold a digest and is refused rather than given one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { visit, type Document, type Scalar } from 'yaml';
import { InputError } from '../toolkit/errors';
import { applyEdits, lineTail, replaceScalar, type TextEdit } from './yaml-text';

const MARKER = /^\s*#.*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}/;

export interface SetterResult {
  text: string;
  before: string;
  setters: number;
}

/** Writes the image into every setter of `policy` (`namespace:name`) in the parsed documents of `source`. */
export function applySetters(source: string, docs: Document[], file: string, policy: string, image: string, digest: string): SetterResult {
  const edits: TextEdit[] = [];
  const befores: string[] = [];
  for (const doc of docs) {
    visit(doc, {
      Scalar(key, node: Scalar) {
        if (key === 'key' || !node.range) return;
        const m = MARKER.exec(lineTail(source, node));
        if (!m) return;
        const [ns, name, kind = ''] = m[1].split(':');
        if (`${ns}:${name}` !== policy) return;
        const line = source.slice(0, node.range[0]).split('\n').length;
        const value = kind === '' ? `${image}@${digest}` : kind === 'name' ? image : kind === 'digest' ? digest : undefined;
        if (value === undefined) {
          throw new InputError(
            'image-policy',
            `${file}:${line} has a '${m[1]}' setter, which takes a tag, not a digest`,
            `Mark the field with "${policy}" (repository@digest) or "${policy}:digest", or use format kustomize / helm-values`,
          );
        }
        befores.push(String(node.value));
        if (String(node.value) !== value) edits.push(replaceScalar(source, node, value));
      },
    });
  }
  if (befores.length === 0) {
    throw new InputError(
      'image-policy',
      `${file} has no {"$imagepolicy": "${policy}"} setter`,
      'Check image-policy (namespace:name) and the marker comments in the file',
    );
  }
  return { text: applyEdits(source, edits), before: befores.join(' '), setters: befores.length };
}

/** In a directory, the one YAML file holding setters of `policy` (Flux scans the whole path; Shipline edits one file). */
export function findSetterFile(root: string, dir: string, policy: string): string {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel))) {
      if (name === '.git') continue;
      const r = path.posix.join(rel, name);
      const full = path.join(root, r);
      if (statSync(full).isDirectory()) walk(r);
      else if (/\.ya?ml$/.test(name) && readFileSync(full, 'utf8').includes(`"${policy}`)) found.push(r);
    }
  };
  walk(dir);
  if (found.length === 1) return found[0];
  if (found.length === 0)
    throw new InputError('image-policy', `no YAML file under ${dir} has a {"$imagepolicy": "${policy}"} setter`, 'Check image-policy and path');
  throw new InputError('path', `${found.length} files under ${dir} have ${policy} setters (${found.slice(0, 5).join(', ')})`, 'Point path at one of them');
}
