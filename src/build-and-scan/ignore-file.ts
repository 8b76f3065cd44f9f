/**
 * The ignore file: a YAML list of accepted findings, each with a reason and an expiry date.
 *
 *   - id: CVE-2019-18276        # required
 *     reason: bash is not run   # required
 *     expires: 2026-12-31       # required, YYYY-MM-DD; from that day on the entry no longer applies
 *     package: bash             # optional: only this package
 *
 * Mistakes are input errors that name the line, so they are fixed before anything is built.
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import { InputError } from '../toolkit/errors';

export interface IgnoreEntry {
  id: string;
  reason: string;
  /** YYYY-MM-DD; the entry stops applying at the start of this day (UTC). */
  expires: string;
  package?: string;
  /** 1-based line of the entry in the file, for reports. */
  line: number;
}

const KEYS = new Set(['id', 'reason', 'expires', 'package']);

export function parseIgnoreFile(text: string, fileName: string): IgnoreEntry[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, version: '1.2' });
  const fail = (line: number, problem: string): never => {
    throw new InputError(
      'ignore-file',
      `${fileName} line ${line}: ${problem}`,
      'Write a YAML list of entries with id, reason, expires: YYYY-MM-DD and optional package',
    );
  };
  const lineOf = (node: Node | null | undefined, fallback = 1) => (node?.range ? lines.linePos(node.range[0]).line : fallback);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    fail(e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line, e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
  }
  if (doc.contents === null) return []; // an empty file ignores nothing
  if (!isSeq(doc.contents)) fail(lineOf(doc.contents), 'the file must be a YAML list (each entry starting with "- id:")');
  const seq = doc.contents as unknown as { items: Node[] };
  return seq.items.map((item) => {
    const line = lineOf(item);
    if (!isMap(item)) return fail(line, 'an entry must be a mapping with id, reason and expires');
    const entry: Record<string, string> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyLine = lineOf(pair.key as Node, line);
      if (!KEYS.has(key)) fail(keyLine, `unknown key '${key}' (allowed: ${[...KEYS].join(', ')})`);
      const value = isScalar(pair.value) ? pair.value.value : undefined;
      if (typeof value !== 'string' && typeof value !== 'number') fail(keyLine, `'${key}' must be a plain value`);
      entry[key] = String(value).trim();
    }
    for (const k of ['id', 'reason', 'expires']) if (!entry[k]) fail(line, `entry has no '${k}'`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.expires) || Number.isNaN(Date.parse(`${entry.expires}T00:00:00Z`))) {
      fail(line, `expires '${entry.expires}' is not a date in YYYY-MM-DD form`);
    }
    if (new Date(`${entry.expires}T00:00:00Z`).toISOString().slice(0, 10) !== entry.expires) fail(line, `expires '${entry.expires}' is not a real date`);
    return { id: entry.id, reason: entry.reason, expires: entry.expires, package: entry.package || undefined, line };
  });
}

/** True once the expiry day has begun (UTC). */
export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  return now.getTime() >= Date.parse(`${entry.expires}T00:00:00Z`);
}
