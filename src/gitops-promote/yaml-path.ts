/**
 * Dotted YAML paths as users write them for Helm values and manifests: `image.digest`,
 * `spec.template.spec.containers[0].image`, `containers[name=app].image` (the list item whose
 * `name` is `app`, as kyaml and yq select), `"a.b".c` (a key holding a dot). Resolution walks a
 * `yaml` Document and names the first key that is missing.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { InputError } from '../toolkit/errors';

export type PathSegment = { key: string } | { index: number } | { match: { key: string; value: string } };

/** Parses `a.b[0].c[name=x]`; throws an InputError on `input` for malformed text. */
export function parseYamlPath(input: string, text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const bad = (why: string) =>
    new InputError(
      input,
      `'${text}' is not a YAML path (${why})`,
      'Write dotted keys with optional list indexes, e.g. image.digest or spec.containers[0].image',
    );
  let i = 0;
  const expectKey = () => {
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw bad('unclosed quote');
      segments.push({ key: text.slice(i + 1, end) });
      i = end + 1;
      return;
    }
    const m = /^[^.[\]"]+/.exec(text.slice(i));
    if (!m) throw bad(`empty key at character ${i + 1}`);
    segments.push({ key: m[0].trim() });
    i += m[0].length;
  };
  if (text.trim() === '') throw bad('empty');
  expectKey();
  while (i < text.length) {
    if (text[i] === '.') {
      i++;
      expectKey();
    } else if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw bad('unclosed [');
      const inner = text.slice(i + 1, end).trim();
      const eq = /^([^=]+)=(.*)$/.exec(inner);
      if (/^\d+$/.test(inner)) segments.push({ index: Number(inner) });
      else if (eq) segments.push({ match: { key: eq[1].trim(), value: eq[2].trim().replace(/^(["'])(.*)\1$/, '$2') } });
      else throw bad(`'[${inner}]' is neither an index nor key=value`);
      i = end + 1;
    } else throw bad(`unexpected '${text[i]}' at character ${i + 1}`);
  }
  return segments;
}

export function formatYamlPath(segments: readonly PathSegment[]): string {
  return segments
    .map((s, n) => {
      if ('index' in s) return `[${s.index}]`;
      if ('match' in s) return `[${s.match.key}=${s.match.value}]`;
      const key = /[.[\]]/.test(s.key) ? `"${s.key}"` : s.key;
      return n === 0 ? key : `.${key}`;
    })
    .join('');
}

export interface Resolved {
  /** Concrete keys and indexes for Document.getIn, as far as they resolved. */
  keys: (string | number)[];
  /** The node at the full path, when every segment resolved. */
  node?: Node;
  /** The first segment that did not resolve (its index in the segments), when one did not. */
  missingAt?: number;
  /** The node of the last segment that did resolve (the parent of missingAt). */
  parent?: Node;
  /** The path up to segment `at` (exclusive) is an alias (`*name`) of the node anchored `&name`. */
  alias?: { at: number; source: string };
}

/** Walks the document; stops at the first segment that does not resolve. */
export function resolveYamlPath(doc: Document, segments: readonly PathSegment[]): Resolved {
  let node: Node | null | undefined = doc.contents as Node | null;
  const keys: (string | number)[] = [];
  for (let n = 0; n < segments.length; n++) {
    const s = segments[n];
    let next: Node | undefined;
    let key: string | number | undefined;
    if ('key' in s && isMap(node)) {
      const pair: Pair | undefined = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === s.key);
      if (pair) [key, next] = [s.key, (pair.value ?? undefined) as Node | undefined];
      if (pair && !next) return { keys, missingAt: n, parent: node };
    } else if ('index' in s && isSeq(node)) {
      if (s.index < node.items.length) [key, next] = [s.index, node.items[s.index] as Node];
    } else if ('match' in s && isSeq(node)) {
      const at = node.items.findIndex((item) => isMap(item) && String(item.get(s.match.key)) === s.match.value);
      if (at >= 0) [key, next] = [at, node.items[at] as Node];
    }
    if (key === undefined || next === undefined) return { keys, missingAt: n, parent: node ?? undefined };
    keys.push(key);
    // An alias is not the node: editing through it would change every other use of the anchor.
    if (isAlias(next)) return { keys, alias: { at: n + 1, source: next.source } };
    node = next;
  }
  return { keys, node: node ?? undefined };
}

/** `image.digest: no key 'digest' under 'image'`: what a user needs to find the gap. */
export function describeMissing(segments: readonly PathSegment[], at: number): string {
  const s = segments[at];
  const where = at === 0 ? 'at the top level' : `under '${formatYamlPath(segments.slice(0, at))}'`;
  if ('key' in s) return `no key '${s.key}' ${where}`;
  if ('index' in s) return `no list item [${s.index}] ${where}`;
  return `no list item with ${s.match.key}=${s.match.value} ${where}`;
}
