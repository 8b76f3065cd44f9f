/** Secret `set` values go to helm as owner-only files in the step's temp dir, gone at the end. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseSetLines } from '../../src/helm-deploy/inputs';
import { plannedSetArgs, unescapeSetValue, writeSecretValueFiles } from '../../src/helm-deploy/secret-values';
import { testTempDir } from '../helpers/temp';

it('writes each secret value 0600 under RUNNER_TEMP, literally (helm escapes undone), and removes them on close', () => {
  const runnerTemp = testTempDir('values-test-');
  const set = parseSetLines('db.password=hunter2\\,s3cr3t\nreplicaCount=3\napi.token=t0k3n\\\\x');
  const files = writeSecretValueFiles(set, { RUNNER_TEMP: runnerTemp });
  expect(files.set.map((s) => [s.key, s.file !== undefined])).toEqual([
    ['db.password', true],
    ['replicaCount', false],
    ['api.token', true],
  ]);
  const [password, , token] = files.set.map((s) => s.file!);
  expect(path.dirname(password).startsWith(path.join(runnerTemp, 'shipline-values-'))).toBe(true);
  expect(readFileSync(password, 'utf8')).toBe('hunter2,s3cr3t');
  expect(readFileSync(token, 'utf8')).toBe('t0k3n\\x');
  expect((statSync(password).mode & 0o777).toString(8)).toBe('600');
  expect((statSync(path.dirname(password)).mode & 0o777).toString(8)).toBe('700');
  files.close();
  expect(existsSync(path.dirname(password))).toBe(false);
});

it('writes nothing when no value is secret', () => {
  const runnerTemp = testTempDir('values-test-');
  const files = writeSecretValueFiles(parseSetLines('replicaCount=3\nauth.enabled=true'), { RUNNER_TEMP: runnerTemp });
  expect(files.set.every((s) => s.file === undefined)).toBe(true);
  expect(readdirSync(runnerTemp)).toEqual([]);
  files.close();
});

it('unescapes like helm --set (a trailing lone backslash is dropped) and plans show <file>', () => {
  expect(unescapeSetValue('a\\,b\\\\c\\')).toBe('a,b\\c');
  expect(plannedSetArgs(parseSetLines('db.password=hunter2\nx=1'))).toEqual([
    { key: 'db.password', value: 'hunter2', secret: true, file: '<file>' },
    { key: 'x', value: '1', secret: false },
  ]);
});
