/**
 * "A default never conflicts with a valid explicit input", for the actions other than
 * health-gate (health-gate's cases are in gate-end-rules.test.ts): each default that used to
 * override or refuse a valid explicit input now follows it, and only two explicit inputs that
 * contradict each other are an input error.
 */
import * as path from 'node:path';
import { parseInputs as parseHelmInputs } from '../../src/helm-deploy/inputs';
import { upgradeArgs } from '../../src/helm-deploy/helm';
import { inputError } from '../helpers/input-error';

const ROOT = path.resolve(__dirname, '..', '..');
const helm = (over: Record<string, string>) =>
  parseHelmInputs({ release: 'web', chart: 'charts/app', image: `ghcr.io/team/app@sha256:${'c'.repeat(64)}`, 'helm-version': 'path', ...over }, ROOT);

describe('helm-deploy: rollback-on-failure follows wait', () => {
  const args = (i: ReturnType<typeof helm>) =>
    upgradeArgs(3, {
      release: 'web',
      chart: 'charts/app',
      namespace: 'default',
      valuesFiles: [],
      set: [],
      setString: [],
      timeoutMs: i.timeoutMs,
      wait: i.wait,
      rollbackOnFailure: i.rollbackOnFailure,
    });

  it('wait: false alone deploys without waiting (the default rollback-on-failure no longer adds --atomic, which waits)', () => {
    const i = helm({ wait: 'false' });
    expect(i).toMatchObject({ wait: false, rollbackOnFailure: false });
    expect(args(i)).not.toContain('--atomic');
    expect(args(i)).not.toContain('--wait');
  });
  it('the defaults still wait and roll back', () => {
    expect(args(helm({}))).toEqual(expect.arrayContaining(['--wait', '--atomic']));
  });
  it('explicit rollback-on-failure: true with wait: false is an input error naming the fix', () => {
    const e = inputError(() => helm({ wait: 'false', 'rollback-on-failure': 'true' }));
    expect(e.input).toBe('rollback-on-failure');
    expect(e.message).toContain('is true but wait is false');
  });
});
