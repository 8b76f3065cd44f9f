/**
 * helm-deploy's rule "a release that ever served is never uninstalled", one test per row of the
 * table in docs/helm-deploy.md ("What the action does with each release history"). Histories are
 * seeded in the shape of Helm's history-with-rollback.json; the committed bundle runs against the
 * helm double, which refuses upgrades while the newest revision is pending-* and rolls back by
 * itself under --atomic to the newest superseded-or-deployed revision, as Helm 3 does.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure } from '../harness/run-action';
import { CHART, Cluster, DIGEST_B, digestFor, digestOf, IMAGE_A, IMAGE_B } from '../helpers/helm-cluster';

const clusters: Cluster[] = [];
const cluster = () => {
  const c = new Cluster();
  clusters.push(c);
  return c;
};
afterEach(() => {
  for (const c of clusters.splice(0)) rmSync(c.dir, { recursive: true, force: true });
});

const shop = { release: 'shop', image: IMAGE_B };
const statuses = (c: Cluster) => c.history('shop').map((e) => `${e.revision}:${e.status}`);
const uninstalls = (c: Cluster) => c.writes().filter((w) => w.startsWith('helm uninstall'));

describe('a release with a served revision but none deployed (after a failed rollback)', () => {
  it('issue 9, case 1: 1 superseded, 2 superseded, 3 failed; --wait times out; Helm --atomic rolls back to 2 as revision 5: rolled-back, nothing uninstalled', async () => {
    const c = cluster();
    c.seedHistory('shop', ['superseded', 'superseded', 'failed']);
    c.fault('upgrade', 'shop', 'timeout');
    const r = await c.deploy(shop);
    expectCleanFailure(r, 'rolled back', 'revision 4 failed', 'revision 2 serves again as revision 5', 'context deadline exceeded');
    expect(r.outputs).toMatchObject({ status: 'rolled-back', revision: '5', 'previous-revision': '2' });
    expect(uninstalls(c)).toEqual([]);
    expect(statuses(c)).toEqual(['1:superseded', '2:superseded', '3:failed', '4:failed', '5:deployed']);
    expect(digestOf(c.history('shop').at(-1))).toBe(digestFor(2)); // revision 5 is revision 2's content
    expect(r.summary).toContain('| 5 |');
  });

  it('with rollback-on-failure false, the failure is reported with the revision to roll back to; nothing uninstalled', async () => {
    const c = cluster();
    c.seedHistory('shop', ['superseded', 'superseded', 'failed']);
    c.fault('upgrade', 'shop', 'timeout');
    const r = await c.deploy({ ...shop, 'rollback-on-failure': 'false' });
    expectCleanFailure(r, 'failed at revision 4', '(last good: 2)', 'revision: 2');
    expect(r.outputs).toMatchObject({ status: 'failed', revision: '4', 'previous-revision': '2' });
    expect(uninstalls(c)).toEqual([]);
    expect(statuses(c)).toEqual(['1:superseded', '2:superseded', '3:failed', '4:failed']);
  });

  it('a deploy that succeeds reports revision 2 as the previous one', async () => {
    const c = cluster();
    c.seedHistory('shop', ['superseded', 'superseded', 'failed']);
    const r = await c.deploy(shop);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'deployed', revision: '4', 'previous-revision': '2' });
    expect(digestOf(c.history('shop').at(-1))).toBe(DIGEST_B);
    // as Helm does, the failed revision upgraded from is recorded superseded
    expect(statuses(c)).toEqual(['1:superseded', '2:superseded', '3:superseded', '4:deployed']);
  });

  it('action: rollback goes to the newest superseded revision', async () => {
    const c = cluster();
    c.seedHistory('shop', ['superseded', 'superseded', 'failed']);
    const r = await c.deploy({ release: 'shop', action: 'rollback' });
    expect(r.exitCode).toBe(0);
    expect(c.writes()).toEqual(['helm rollback shop 2 --namespace default --timeout 5m --wait']);
    expect(r.outputs).toMatchObject({ status: 'deployed', revision: '4', 'previous-revision': '' });
    expect(digestOf(c.history('shop').at(-1))).toBe(digestFor(2));
  });
});

it('canary: a stable release with no deployed revision is refused, naming its last good revision; nothing written', async () => {
  const c = cluster();
  c.seedHistory('shop', ['superseded', 'superseded', 'failed']);
  const r = await c.deploy({ ...shop, strategy: 'canary' });
  expectCleanFailure(r, 'stable release shop is failed (revision 3)', 'revision 2, its last good one', 'helm rollback shop 2 --namespace default');
  expect(c.writes()).toEqual([]);
});

describe('a release stuck pending-* after it served', () => {
  it('issue 9, case 2: 1 superseded, 2 superseded, 3 failed, 4 pending-rollback + recover-pending: rolls back to 2, then deploys', async () => {
    const c = cluster();
    c.seedHistory('shop', ['superseded', 'superseded', 'failed', 'pending-rollback']);
    const r = await c.deploy({ ...shop, 'recover-pending': 'true' });
    expect(r.exitCode).toBe(0);
    expect(c.writes()).toEqual([
      'helm rollback shop 2 --namespace default --timeout 5m --wait',
      `helm upgrade --install shop ${CHART} --namespace default --set-string image.repository=registry.example.com/team/app --set-string image.digest=${DIGEST_B} --timeout 5m --wait --atomic`,
    ]);
    expect(r.log).toContain('Release shop is stuck in pending-rollback at revision 4; recover-pending is true, so Shipline will roll back to revision 2');
    expect(uninstalls(c)).toEqual([]);
    expect(r.outputs).toMatchObject({ status: 'deployed', revision: '6', 'previous-revision': '5' });
    // as in Helm, the rollback supersedes only deployed revisions: 4 keeps its pending-rollback record
    expect(statuses(c)).toEqual(['1:superseded', '2:superseded', '3:failed', '4:pending-rollback', '5:superseded', '6:deployed']);
    expect(digestOf(c.history('shop').find((e) => e.revision === 5))).toBe(digestFor(2));
    expect(digestOf(c.history('shop').at(-1))).toBe(DIGEST_B);
  });

  it('issue 9, case 2 without recover-pending: refuses, naming revision 2 and the command; nothing written', async () => {
    const c = cluster();
    c.seedHistory('shop', ['superseded', 'superseded', 'failed', 'pending-rollback']);
    const r = await c.deploy(shop);
    expectCleanFailure(r, 'pending-rollback at revision 4', 'roll back to revision 2', "'helm rollback shop 2 --namespace default'");
    expect(c.writes()).toEqual([]);
    expect(r.outputs).toMatchObject({ status: 'pending', revision: '2' });
  });
});

describe('a release none of whose revisions ever served', () => {
  it('only failed revisions from 1: Helm --atomic finds nothing to roll back to, and the action uninstalls it', async () => {
    const c = cluster();
    c.seedHistory('shop', ['failed']);
    c.fault('upgrade', 'shop', 'timeout');
    const r = await c.deploy(shop);
    expectCleanFailure(r, 'first install of shop failed and was removed', 'unable to find a previously successful release');
    expect(uninstalls(c)).toEqual(['helm uninstall shop --namespace default --timeout 5m --wait']);
    expect(c.history('shop')).toEqual([]);
    expect(r.outputs).toMatchObject({ status: 'failed', revision: '' });
  });

  it('pending-install at revision 1 without recover-pending: refused, naming helm uninstall', async () => {
    const c = cluster();
    c.seedHistory('shop', ['pending-install']);
    const r = await c.deploy(shop);
    expectCleanFailure(r, 'pending-install at revision 1', "'helm uninstall shop --namespace default'");
    expect(c.writes()).toEqual([]);
  });
});

describe('a release whose history was pruned (history-max) and shows no served revision', () => {
  it('a failed deploy is never uninstalled: it may have served before revision 7', async () => {
    const c = cluster();
    c.seedHistory('shop', ['failed', 'failed'], 7);
    c.fault('upgrade', 'shop', 'timeout');
    const r = await c.deploy(shop);
    expectCleanFailure(r, 'failed at revision 9', 'never uninstalled', 'helm rollback shop <revision>');
    expect(uninstalls(c)).toEqual([]);
    expect(statuses(c)).toEqual(['7:failed', '8:failed', '9:failed']);
    expect(r.outputs).toMatchObject({ status: 'failed', revision: '9' });
  });

  it('stuck pending, even with recover-pending: refused, nothing written', async () => {
    const c = cluster();
    c.seedHistory('shop', ['failed', 'pending-upgrade'], 7);
    const r = await c.deploy({ ...shop, 'recover-pending': 'true' });
    expectCleanFailure(r, 'pending-upgrade at revision 8', 'oldest kept: 7', 'helm rollback shop <revision>');
    expect(c.writes()).toEqual([]);
  });
});

describe('blue-green: what serves is never removed on a guess', () => {
  /** Appends a failed revision to a release in the double's state, as a failed upgrade without --atomic leaves it. */
  const failTop = (c: Cluster, release: string) => {
    const file = path.join(c.dir, 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as { releases: Record<string, { revision: number; status: string; description: string }[]> };
    const h = state.releases[`default/${release}`];
    h.push({ ...h[h.length - 1], revision: h[h.length - 1].revision + 1, status: 'failed', description: 'Upgrade "x" failed: context deadline exceeded' });
    writeFileSync(file, JSON.stringify(state));
  };
  const blueThenGreen = async (c: Cluster) => {
    expect((await c.deploy({ strategy: 'blue-green', image: IMAGE_A })).exitCode).toBe(0);
    expect((await c.deploy({ strategy: 'blue-green', image: IMAGE_B })).exitCode).toBe(0);
  };

  it('promote keeps the idle colour when the live colour’s newest revision is not deployed', async () => {
    const c = cluster();
    await blueThenGreen(c);
    failTop(c, 'web-green');
    c.clearCalls();
    const r = await c.deploy({ strategy: 'blue-green', action: 'promote' });
    expectCleanFailure(r, 'the live colour web-green is failed at revision 2, so web-blue is kept');
    expect(c.writes()).toEqual([]);
    expect(c.history('web-blue').map((e) => e.status)).toEqual(['deployed']);
  });

  it('a router release that is not deployed stops the action, naming its last good revision and the command', async () => {
    const c = cluster();
    await blueThenGreen(c);
    failTop(c, 'web');
    c.clearCalls();
    const r = await c.deploy({ strategy: 'blue-green', image: IMAGE_A });
    expectCleanFailure(r, 'router release web is failed at revision 3', 'revision 2, the last good one', 'helm rollback web 2 --namespace default');
    expect(c.writes()).toEqual([]);
  });
});
