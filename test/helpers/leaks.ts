/**
 * Looks for credentials in everything a step leaves for people and later steps to read: its
 * log (stdout, stderr), job summary, outputs and the files it wrote. Each secret is looked for
 * in every form a client could build from it or a service could echo back, computed here on
 * its own (not with src/toolkit/secrets.ts, the code under test):
 *  - the value itself, JSON-escaped, percent-encoded (URI component, form, lower-case hex);
 *  - its base64 (standard and URL-safe) at each of the three byte alignments, so it is found
 *    inside a longer encoded string such as the base64 of `user:password` in a Basic header;
 *  - for a `{ username, password }` login, all of that for `username:password` too.
 * `::add-mask::` lines are left out of the log: the runner consumes them and never shows them.
 * The check is stricter than the runner: a form the runner would mask still counts, since the
 * action should not print it in the first place and files and outputs are not masked at all.
 *
 * Usage:
 *   const r = await runAction('health-gate', inputs);
 *   expectNoLeaks(r, { 'prometheus-password': { username: 'grafana', password: 'pw' } }, { files: [reportFile] });
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { StepResult } from '../harness/run-action';

/** A secret as given to an input: a plain value, or a login whose `user:password` pair is a form too. */
export type Secret = string | { username: string; password: string };

/** Where a form of a secret was found. */
export interface Leak {
  /** The key the secret was given under in expectNoLeaks/findLeaks. */
  secret: string;
  /** The form found, e.g. `base64(user:password) at offset 1`. */
  form: string;
  /** `stdout`, `stderr`, `summary`, `output <name>` or `file <path>`. */
  where: string;
  /** A few characters around the hit, the form itself replaced by «…». */
  context: string;
}

/** Text to search, named for the report. */
export interface Source {
  where: string;
  text: string;
}

/** Forms shorter than this are not searched (a 2-character base64 tail matches anything). */
const MIN_FORM = 6;

/** Every form of `value`, each with a name for the failure message. */
export function formsOf(value: string): { form: string; name: string }[] {
  const out = new Map<string, string>();
  const add = (form: string, name: string) => {
    if (form.length >= Math.min(MIN_FORM, value.length) && !out.has(form)) out.set(form, name);
  };
  add(value, 'raw');
  add(JSON.stringify(value).slice(1, -1), 'JSON-escaped');
  add(encodeURIComponent(value), 'URL-encoded');
  add(
    encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    'URL-encoded (lower-case)',
  );
  add(new URLSearchParams({ v: value }).toString().slice(2), 'form-encoded');
  const bytes = Buffer.from(value, 'utf8');
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    // only the characters that depend on the secret's bytes alone
    const inner = b64.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    add(inner, `base64 at offset ${k}`);
    add(inner.replace(/\+/g, '-').replace(/\//g, '_'), `base64url at offset ${k}`);
  }
  add(bytes.toString('base64'), 'base64');
  return [...out].map(([form, name]) => ({ form, name }));
}

/** The forms to look for, per secret key. */
function allForms(secrets: Record<string, Secret>): { secret: string; form: string; name: string }[] {
  return Object.entries(secrets).flatMap(([key, s]) => {
    if (typeof s === 'string') return formsOf(s).map((f) => ({ secret: key, ...f }));
    const pair = `${s.username}:${s.password}`;
    return [
      ...formsOf(s.password).map((f) => ({ secret: key, ...f })),
      ...formsOf(pair).map((f) => ({ secret: key, form: f.form, name: `${f.name} of user:password` })),
    ];
  });
}

/** Every regular file under `p` (or `p` itself), smaller than 4 MiB (tool binaries are skipped). */
function filesUnder(p: string): string[] {
  if (!existsSync(p)) return [];
  const st = statSync(p);
  if (st.isFile()) return st.size < 4 * 1024 * 1024 ? [p] : [];
  if (!st.isDirectory()) return [];
  return readdirSync(p).flatMap((name) => filesUnder(path.join(p, name)));
}

/**
 * What a step left to read: stdout and stderr without `::add-mask::` lines, the summary, each
 * output, and every file under the step's temp dir (GITHUB_OUTPUT/ENV/STATE, RUNNER_TEMP) and
 * under each path in `files` (files or directories the action wrote, e.g. its report file).
 */
export function stepSources(r: StepResult, files: string[] = []): Source[] {
  const log = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
  return [
    { where: 'stdout', text: log(r.stdout) },
    { where: 'stderr', text: log(r.stderr) },
    { where: 'summary', text: r.summary },
    ...Object.entries(r.outputs).map(([name, text]) => ({ where: `output ${name}`, text })),
    ...[r.tempDir, ...files].flatMap(filesUnder).map((f) => ({ where: `file ${f}`, text: readFileSync(f, 'latin1') })),
  ];
}

/** Every place a form of a secret appears in `sources`. */
export function findLeaks(sources: Source[], secrets: Record<string, Secret>): Leak[] {
  const forms = allForms(secrets);
  const leaks: Leak[] = [];
  for (const { where, text } of sources) {
    for (const { secret, form, name } of forms) {
      const at = text.indexOf(form);
      if (at < 0) continue;
      const context = `${text.slice(Math.max(0, at - 40), at)}«…»${text.slice(at + form.length, at + form.length + 40)}`.replace(/\n/g, '⏎');
      leaks.push({ secret, form: name, where, context });
    }
  }
  return leaks;
}

/**
 * Fails (with every hit listed) when any form of any secret appears in what the step left;
 * see stepSources for what is searched. Also fails when `secrets` is empty, so a test cannot
 * pass by searching for nothing.
 */
export function expectNoLeaks(r: StepResult, secrets: Record<string, Secret>, opts: { files?: string[] } = {}): void {
  if (Object.keys(secrets).length === 0) throw new Error('expectNoLeaks needs at least one secret to look for');
  const leaks = findLeaks(stepSources(r, opts.files), secrets);
  if (leaks.length > 0) {
    const lines = leaks.map((l) => `- ${l.secret} (${l.form}) in ${l.where}: ${l.context}`);
    throw new Error(`${leaks.length} leak(s) of a credential:\n${lines.join('\n')}`);
  }
}
