/** Reading Helm's JSON (real golden output) and judging whether a deploy really succeeded. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseHistory, parseList, parseStatus, releaseUrl, valueAt } from '../../src/helm-deploy/helm-json';
import { hasServed, judge, lastDeployed, lastGood, nextRevision, pendingRevision, previousGood } from '../../src/helm-deploy/judge';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'helm', name), 'utf8');

it('parses history (revision a number) and list (revision a string) to numbers', () => {
  expect(parseHistory(fixture('history.json')).map((e) => [e.revision, e.status])).toEqual([
    [3, 'superseded'],
    [4, 'deployed'],
  ]);
  expect(parseList(fixture('list-json.txt'))).toEqual([
    { name: 'test-release', namespace: 'default', revision: 1, status: 'deployed', chart: 'test-chart-1.0.0' },
  ]);
  expect(parseHistory(fixture('history-with-rollback.json'))[2]).toMatchObject({ revision: 3, rollbackRevision: 1, description: 'Rollback to 1' });
});

it('parses status and finds the URL a chart exposes in its notes', () => {
  expect(parseStatus(fixture('status.json'))).toEqual({ name: 'flummoxed-chickadee', namespace: 'default', status: 'deployed', notes: 'release notes' });
  expect(parseStatus(fixture('status-with-resources.json')).notes).toBeUndefined();
  expect(releaseUrl({ name: 'x', namespace: 'd', status: 'deployed', notes: 'Application URL: https://web.example.com/.\n' })).toBe('https://web.example.com/');
  expect(releaseUrl(parseStatus(fixture('status.json')))).toBeUndefined();
});

it('refuses what is not Helm JSON instead of guessing', () => {
  expect(() => parseHistory(fixture('upgrade-with-pending-install.txt'))).toThrow('did not print JSON');
  expect(() => parseList('[{"name":"x","revision":"one"}]')).toThrow('revision');
  expect(() => parseStatus('{"name":"x"}')).toThrow('info.status');
});

it('a deployed newest revision is a success', () => {
  expect(judge(parseHistory(fixture('history.json')), 4, 0)).toEqual({ ok: true, status: 'deployed', revision: 4 });
});

it('a release Helm rolled back is a failure even when helm exited 0', () => {
  const v = judge(parseHistory(fixture('history-with-rollback.json')), 2, 0);
  expect(v).toMatchObject({ ok: false, status: 'rolled-back', revision: 2 });
});

it('pending, failed, missing and raced revisions are failures', () => {
  const h = parseHistory(fixture('history.json'));
  expect(judge([...h, { ...h[1], revision: 5, status: 'pending-upgrade' }], 5, 1)).toMatchObject({ ok: false, status: 'pending' });
  expect(judge([...h, { ...h[1], revision: 5, status: 'failed' }], 5, 1)).toMatchObject({ ok: false, status: 'failed' });
  expect(judge(h, 5, 1)).toMatchObject({ ok: false, status: 'missing' });
  expect(judge(h, 3, 0)).toMatchObject({ ok: false, status: 'failed' }); // someone deployed 4 after us
  expect(judge(h, 4, 1)).toMatchObject({ ok: false, status: 'failed' }); // helm said it failed: believe the failure
});

it('finds the revision to go back to and a leftover pending one', () => {
  const h = parseHistory(fixture('history.json'));
  expect(lastDeployed(h)?.revision).toBe(4);
  expect(previousGood(h, 4)?.revision).toBe(3);
  expect(nextRevision(h)).toBe(5);
  expect(nextRevision([])).toBe(1);
  expect(pendingRevision(h)).toBeUndefined();
  expect(pendingRevision([...h, { ...h[1], revision: 5, status: 'pending-install' }])?.revision).toBe(5);
});

it('reads dotted keys from helm get values', () => {
  expect(valueAt({ image: { digest: 'sha256:x' } }, 'image.digest')).toBe('sha256:x');
  expect(valueAt(null, 'image.digest')).toBeUndefined();
});

describe('the last good revision, and whether a release ever served (issue 9)', () => {
  // history-with-rollback.json after a failed rollback: 1 superseded, 2 superseded, 3 failed
  const base = parseHistory(fixture('history-with-rollback.json'))[0];
  const shaped = (statuses: string[], first = 1) => statuses.map((status, i) => ({ ...base, revision: first + i, status }));

  it('is the deployed revision when there is one', () => {
    const h = parseHistory(fixture('history-with-rollback.json'));
    expect(lastGood(h)?.revision).toBe(3);
    expect(hasServed(h)).toBe(true);
  });

  it('is the newest superseded revision when none is deployed', () => {
    expect(lastDeployed(shaped(['superseded', 'superseded', 'failed']))).toBeUndefined();
    expect(lastGood(shaped(['superseded', 'superseded', 'failed']))?.revision).toBe(2);
    expect(lastGood(shaped(['superseded', 'superseded', 'failed', 'pending-rollback']))?.revision).toBe(2);
    expect(hasServed(shaped(['superseded', 'failed']))).toBe(true);
  });

  it('a release never served only when every revision from 1 is failed or pending', () => {
    expect(hasServed([])).toBe(false);
    expect(hasServed(shaped(['failed']))).toBe(false);
    expect(hasServed(shaped(['failed', 'pending-upgrade']))).toBe(false);
    expect(lastGood(shaped(['failed']))).toBeUndefined();
    // history-max pruned revisions 1-6: they may have served
    expect(hasServed(shaped(['failed', 'failed'], 7))).toBe(true);
    expect(lastGood(shaped(['failed', 'failed'], 7))).toBeUndefined();
  });
});
