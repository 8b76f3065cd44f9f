/**
 * The GitHub runner's workflow commands and environment files, for the few calls the actions
 * make: the same bytes @actions/core 3.x writes (lib/command.js, file-command.js, summary.js)
 * without what importing it costs. @actions/core pulls @actions/http-client and undici (for
 * OIDC tokens we never ask for), and with them ~110 Node built-ins (http2, tls, worker_threads,
 * crypto, ...): in a bundle that alone is ~2.5x the start-up of a plain script
 * (`npm run bench:startup`). Protocol:
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands
 */
import { accessSync, appendFileSync, constants, existsSync } from 'node:fs';
import { EOL } from 'node:os';
import { delimiter as PATH_DELIMITER } from 'node:path';

/** `%`, CR and LF escaped, as the runner unescapes a command's message. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** `::name::message` on stdout (no command here takes properties). */
function issueCommand(name: string, message: string): void {
  process.stdout.write(`::${name}::${escapeData(message)}${EOL}`);
}

/** Appends one entry to the file named by GITHUB_<command> (OUTPUT, PATH, ...). */
function issueFileCommand(command: string, message: string): void {
  const file = process.env[`GITHUB_${command}`];
  if (!file) throw new Error(`Unable to find environment variable for file command ${command}`);
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  appendFileSync(file, `${message}${EOL}`, { encoding: 'utf8' });
}

/** `name<<delimiter` / value / `delimiter`, with a random delimiter the value cannot contain. */
function keyValueMessage(name: string, value: string): string {
  // getBuiltinModule loads node:crypto only when an output is written, not at start-up.
  const crypto = process.getBuiltinModule('node:crypto');
  const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
  if (name.includes(delimiter)) throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  if (value.includes(delimiter)) throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

/** INPUT_<NAME> (spaces as `_`, upper case); '' when unset. Trimmed unless trimWhitespace is false. */
export function getInput(name: string, options: { required?: boolean; trimWhitespace?: boolean } = {}): string {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
  if (options.required && !value) throw new Error(`Input required and not supplied: ${name}`);
  return options.trimWhitespace === false ? value : value.trim();
}

export function info(message: string): void {
  process.stdout.write(message + EOL);
}

export function debug(message: string): void {
  issueCommand('debug', message);
}

export function warning(message: string): void {
  issueCommand('warning', message);
}

export function error(message: string): void {
  issueCommand('error', message);
}

/** Exit code 1 and one `::error::` line. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}

/** `::add-mask::`: the runner replaces the value with *** in every later log line. */
export function setSecret(secret: string): void {
  issueCommand('add-mask', secret);
}

/** A step output, through GITHUB_OUTPUT (the deprecated `::set-output::` when it is unset). */
export function setOutput(name: string, value: string): void {
  if (process.env.GITHUB_OUTPUT) return issueFileCommand('OUTPUT', keyValueMessage(name, value));
  process.stdout.write(EOL);
  process.stdout.write(`::set-output name=${name.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C')}::${escapeData(value)}${EOL}`);
}

/** Saves state for the action's `post:` step (GITHUB_STATE; the deprecated `::save-state::` when it is unset). */
export function saveState(name: string, value: string): void {
  if (process.env.GITHUB_STATE) return issueFileCommand('STATE', keyValueMessage(name, value));
  process.stdout.write(`::save-state name=${name.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C')}::${escapeData(value)}${EOL}`);
}

/** State main saved, as the runner passes it to the post step (STATE_<name>); '' when unset. */
export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/** Puts `dir` first on PATH for this step (process.env) and every later one (GITHUB_PATH). */
export function addPath(dir: string): void {
  if (process.env.GITHUB_PATH) issueFileCommand('PATH', dir);
  else issueCommand('add-path', dir);
  process.env.PATH = `${dir}${PATH_DELIMITER}${process.env.PATH}`;
}

/**
 * Appends markdown and a newline to the job summary (GITHUB_STEP_SUMMARY). Synchronous file
 * calls on purpose: the summary is written once, at the end, and node:fs/promises would load
 * another module and start libuv's thread pool (a few ms) for this one small append.
 */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.');
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch {
    throw new Error(`Unable to access summary file: '${file}'. Check if the file has correct read/write permissions.`);
  }
  appendFileSync(file, markdown + EOL, { encoding: 'utf8' });
}
