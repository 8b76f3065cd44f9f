/**
 * Runs programs with an argument array, never a shell string. Output is captured (and may
 * also be streamed to a log line callback); the caller decides what a non-zero exit means.
 */
import { ServiceError } from './errors';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Called for each line of stdout/stderr as it arrives (already secret-masked by the reporter). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  command: string;
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The injected runner; tests replace it to assert every command line an action builds. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const exec: Exec = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    // node:child_process loads with the first program run, not at every action's start-up.
    const child = process.getBuiltinModule('node:child_process').spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        }, options.timeoutMs)
      : undefined;
    const lineSplitter = (stream: 'stdout' | 'stderr') => {
      let pending = '';
      return (chunk: Buffer) => {
        if (!options.onLine) return;
        pending += chunk.toString('utf8');
        const parts = pending.split(/\r?\n/);
        pending = parts.pop() ?? '';
        for (const p of parts) options.onLine(p, stream);
      };
    };
    const outLines = lineSplitter('stdout');
    const errLines = lineSplitter('stderr');
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      outLines(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err.push(c);
      errLines(c);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new ServiceError(command, 'not found on PATH', `Install ${command} or let the action install it`) : e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        command,
        args,
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.on('error', () => undefined); // a program that never reads stdin is fine
    child.stdin.end(options.input ?? '');
  });

/** The last `n` lines of a program's output, on one line: what an error message quotes. */
export function lastLines(text: string, n = 3): string {
  return text.trim().split(/\r?\n/).slice(-n).join(' ');
}

/** Runs and throws a ServiceError naming the program and its last stderr lines when it fails. */
export async function execOk(run: Exec, command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  const r = await run(command, args, options);
  if (r.exitCode !== 0 || r.timedOut) {
    const last = lastLines(r.stderr.trim() || r.stdout);
    throw new ServiceError(command, r.timedOut ? `timed out running '${args[0] ?? ''}'` : `exited with ${r.exitCode}: ${last}`);
  }
  return r;
}
