/**
 * Edits YAML text in place, by the source ranges the `yaml` Document API gives each node, so
 * every byte outside the edited scalar (comments, key order, quoting, indentation, blank lines)
 * stays as it was. Re-serialising the Document would re-flow long lines and re-indent lists;
 * splicing does not. Offsets are UTF-16 indexes into the source string (what `yaml` reports).
 */
import { parse, Scalar, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits (any order). */
export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  let out = source;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

const lineStart = (s: string, at: number) => s.lastIndexOf('\n', at - 1) + 1;
/** The end of the line holding `at`: before its `\n`, or before the `\r\n` of a CRLF file. */
const lineEnd = (s: string, at: number) => {
  const n = s.indexOf('\n', at);
  if (n < 0) return s.length;
  // `at` may be the `\n` itself (a node's range ends after its line break): its `\r` still belongs to the break.
  return n > 0 && s[n - 1] === '\r' ? n - 1 : n;
};
/** The file's own line break, so inserted lines match it. */
const eol = (s: string) => (s.includes('\r\n') ? '\r\n' : '\n');
const rangeOf = (node: Node): [number, number, number] => {
  if (!node.range) throw new Error('YAML node without a source range');
  return node.range;
};

/** True when `value` reads back as the same string written plain (no quotes needed). */
function plainSafe(value: string): boolean {
  if (!/^[A-Za-z0-9_./@+-][A-Za-z0-9_./:@+=-]*$/.test(value) || value.includes(': ') || value.endsWith(':')) return false;
  try {
    return parse(value) === value;
  } catch {
    return false;
  }
}

/** The text of a scalar holding `value`, in the quoting style of `like` where that style can hold it. */
export function scalarText(value: string, like?: Scalar['type']): string {
  if (like === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (like === Scalar.QUOTE_DOUBLE || !plainSafe(value)) return JSON.stringify(value);
  return value;
}

/** Replaces one scalar's text (its quotes included) by `value`, keeping its quoting style. */
export function replaceScalar(source: string, node: Scalar, value: string): TextEdit {
  const [start, end] = rangeOf(node);
  // A block scalar (| or >) becomes one line: its header and body are replaced together.
  const block = node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL;
  const text = scalarText(value, block ? undefined : node.type);
  // An empty value (`digest:` with nothing after it) has an empty range right after the colon:
  // without a space, `digest:sha256:...` would read back as one plain scalar.
  const gap = start === end && start > 0 && !/\s/.test(source[start - 1]) ? ' ' : '';
  return { start, end: block ? Math.max(start, end - 1) : end, text: gap + text };
}

/** Where a new pair goes in a block map, and the indentation of its keys. */
function blockInsertPoint(source: string, map: YAMLMap): { at: number; indent: string } {
  const first = map.items[0] as Pair<Node, Node | null>;
  const keyStart = rangeOf(first.key)[0];
  const indent = ' '.repeat(keyStart - lineStart(source, keyStart));
  const last = map.items[map.items.length - 1] as Pair<Node, Node | null>;
  const lastEnd = last.value ? rangeOf(last.value)[1] : rangeOf(last.key)[1];
  return { at: lineEnd(source, Math.max(keyStart, lastEnd - 1)), indent };
}

/** Adds `key: value` pairs after the last pair of a map (block or flow). */
export function insertPairs(source: string, map: YAMLMap, entries: readonly (readonly [string, string])[]): TextEdit {
  const texts = entries.map(([k, v]) => `${scalarText(k)}: ${scalarText(v)}`);
  if (map.flow || map.items.length === 0) {
    const [start, end] = rangeOf(map);
    if (map.items.length === 0) {
      const close = source.lastIndexOf('}', end);
      if (close < start) throw new Error('an empty block map has no place for a key');
      return { start: start + 1, end: close, text: texts.join(', ') };
    }
    const last = map.items[map.items.length - 1] as Pair<Node, Node | null>;
    const after = last.value ? rangeOf(last.value)[1] : rangeOf(last.key)[1];
    return { start: after, end: after, text: texts.map((t) => `, ${t}`).join('') };
  }
  const { at, indent } = blockInsertPoint(source, map);
  return { start: at, end: at, text: texts.map((t) => `${eol(source)}${indent}${t}`).join('') };
}

/** Removes one pair (key, value and its line) from a map, leaving the other pairs as they were. */
export function removePair(source: string, map: YAMLMap, pair: Pair): TextEdit {
  const at = map.items.indexOf(pair);
  const key = pair.key as Node;
  const valueEnd = pair.value ? rangeOf(pair.value as Node)[1] : rangeOf(key)[1];
  const next = map.items[at + 1] as Pair<Node> | undefined;
  if (map.flow) {
    const prev = map.items[at - 1] as Pair<Node, Node | null> | undefined;
    if (prev) return { start: prev.value ? rangeOf(prev.value)[1] : rangeOf(prev.key)[1], end: valueEnd, text: '' };
    return { start: rangeOf(key)[0], end: next ? rangeOf(next.key)[0] : valueEnd, text: '' };
  }
  const start = lineStart(source, rangeOf(key)[0]);
  // `- newTag: v1` opens a list item: the next key moves up onto the dash line instead.
  if (source.slice(start, rangeOf(key)[0]).trim() !== '') {
    return next ? { start: rangeOf(key)[0], end: rangeOf(next.key)[0], text: '' } : { start: rangeOf(key)[0], end: valueEnd, text: '{}' };
  }
  const end = lineEnd(source, Math.max(rangeOf(key)[0], valueEnd - 1));
  const lf = source.indexOf('\n', end);
  return { start, end: lf < 0 ? source.length : lf + 1, text: '' };
}

/** Appends a map item (`- k: v` lines) to a block or flow sequence. */
export function appendMapItem(source: string, seq: YAMLSeq, item: Record<string, string>): TextEdit {
  const pairs = Object.entries(item).map(([k, v]) => `${scalarText(k)}: ${scalarText(v)}`);
  const [start, end] = rangeOf(seq);
  if (seq.flow) {
    const close = source.lastIndexOf(']', end);
    const flowItem = `{${pairs.join(', ')}}`;
    if (seq.items.length === 0) return { start: start + 1, end: close, text: flowItem };
    return { start: rangeOf(seq.items[seq.items.length - 1] as Node)[1], end: rangeOf(seq.items[seq.items.length - 1] as Node)[1], text: `, ${flowItem}` };
  }
  const firstStart = rangeOf(seq.items[0] as Node)[0];
  const dash = source.lastIndexOf('-', firstStart);
  const dashIndent = ' '.repeat(dash - lineStart(source, dash));
  const keyIndent = ' '.repeat(firstStart - lineStart(source, firstStart));
  const last = seq.items[seq.items.length - 1] as Node;
  const at = lineEnd(source, Math.max(firstStart, rangeOf(last)[1] - 1));
  return { start: at, end: at, text: `${eol(source)}${dashIndent}- ${pairs.join(`${eol(source)}${keyIndent}`)}` };
}

/** Appends a top-level `key:` holding a block list with one map item, at the end of the document. */
export function appendTopLevelList(source: string, key: string, item: Record<string, string>): TextEdit {
  const pairs = Object.entries(item).map(([k, v]) => `${scalarText(k)}: ${scalarText(v)}`);
  const nl = eol(source);
  const lead = source === '' || source.endsWith('\n') ? '' : nl;
  const text = `${lead}${key}:${nl}- ${pairs.join(`${nl}  `)}${nl}`;
  return { start: source.length, end: source.length, text };
}

/** The text after a scalar up to the end of its line (where a `# comment` marker sits). */
export function lineTail(source: string, node: Node): string {
  const end = rangeOf(node)[1];
  return source.slice(end, lineEnd(source, end));
}
