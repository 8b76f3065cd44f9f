/**
 * The runner's workflow commands as runner-commands.ts writes them: the formats the runner
 * reads (https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands),
 * read back with the integration harness's own parser of the environment files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseCommandFile } from '../harness/step-env';
import * as runner from '../../src/toolkit/runner-commands';

let dir: string;
let out: string[];
const saved = { ...process.env };
let write: typeof process.stdout.write;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shipline-runner-commands-'));
  for (const f of ['output', 'path', 'summary.md']) writeFileSync(path.join(dir, f), '');
  process.env.GITHUB_OUTPUT = path.join(dir, 'output');
  process.env.GITHUB_PATH = path.join(dir, 'path');
  process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary.md');
  out = [];
  write = process.stdout.write;
  process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
});
afterEach(() => {
  process.stdout.write = write;
  process.env = { ...saved };
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

it('escapes %, CR and LF in command messages, as the runner unescapes them', () => {
  runner.debug('50% done\r\nnext');
  runner.warning('a\nb');
  runner.setSecret('p%w');
  runner.info('plain 100%');
  expect(out.join('')).toBe('::debug::50%25 done%0D%0Anext\n::warning::a%0Ab\n::add-mask::p%25w\nplain 100%\n');
});

it('setFailed prints one ::error:: line and sets exit code 1', () => {
  runner.setFailed("Input 'source': is required\nsecond line");
  expect(out).toEqual(["::error::Input 'source': is required%0Asecond line\n"]);
  expect(process.exitCode).toBe(1);
});

it('writes outputs as heredocs with a random delimiter; values keep their newlines', () => {
  runner.setOutput('digest', 'sha256:abc');
  runner.setOutput('report', '{"a":1}\nline 2');
  const text = readFileSync(process.env.GITHUB_OUTPUT!, 'utf8');
  expect(parseCommandFile(text)).toEqual({ digest: 'sha256:abc', report: '{"a":1}\nline 2' });
  const delimiters = [...text.matchAll(/<<(ghadelimiter_[0-9a-f-]{36})\n/g)].map((m) => m[1]);
  expect(new Set(delimiters).size).toBe(2);
  expect(out).toEqual([]);
});

it('without GITHUB_OUTPUT falls back to ::set-output::', () => {
  delete process.env.GITHUB_OUTPUT;
  runner.setOutput('a,b', 'x\ny');
  expect(out.join('')).toBe('\n::set-output name=a%2Cb::x%0Ay\n');
});

it('reads INPUT_<NAME> as the runner sets it, trimming only when asked', () => {
  process.env['INPUT_DRY-RUN'] = ' true ';
  process.env.INPUT_MY_INPUT = 'v';
  expect(runner.getInput('dry-run', { trimWhitespace: false })).toBe(' true ');
  expect(runner.getInput('dry-run')).toBe('true');
  expect(runner.getInput('my input')).toBe('v');
  expect(runner.getInput('absent')).toBe('');
  expect(() => runner.getInput('absent', { required: true })).toThrow('Input required and not supplied: absent');
});

it('addPath prepends to PATH now and for later steps', () => {
  process.env.PATH = '/usr/bin';
  runner.addPath('/opt/helm');
  expect(process.env.PATH).toBe(`/opt/helm${path.delimiter}/usr/bin`);
  expect(readFileSync(process.env.GITHUB_PATH!, 'utf8')).toBe('/opt/helm\n');
});

it('appends to the job summary, and says why when it cannot', async () => {
  await runner.appendSummary('| a |\n| - |');
  await runner.appendSummary('second');
  expect(readFileSync(process.env.GITHUB_STEP_SUMMARY!, 'utf8')).toBe('| a |\n| - |\nsecond\n');
  process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'missing', 'summary.md');
  await expect(runner.appendSummary('x')).rejects.toThrow('Unable to access summary file');
});
