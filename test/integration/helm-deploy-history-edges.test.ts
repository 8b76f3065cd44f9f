/**
 * helm-deploy with histories the rule table did not list: a release uninstalled with
 * `--keep-history` (newest revision `uninstalled`) is not serving, so a failed deploy must not
 * bring its old revision back.
 */
import { rmSync } from 'node:fs';
import { expectCleanFailure } from '../harness/run-action';
import { Cluster, IMAGE_B } from '../helpers/helm-cluster';

const clusters: Cluster[] = [];
afterEach(() => {
  for (const c of clusters.splice(0)) rmSync(c.dir, { recursive: true, force: true });
});

it('1 superseded, 2 uninstalled (helm uninstall --keep-history): a failed deploy does not roll back to 1', async () => {
  const c = new Cluster();
  clusters.push(c);
  c.seedHistory('shop', ['superseded', 'uninstalled']);
  c.fault('upgrade', 'shop', 'timeout');
  const r = await c.deploy({ release: 'shop', image: IMAGE_B });
  expectCleanFailure(r, 'deploy of shop failed', 'uninstalled (--keep-history) and is not brought back');
  expect(r.outputs).toMatchObject({ status: 'failed', 'previous-revision': '' });
  // neither brought back nor removed: the kept history stays as the person left it
  expect(c.writes().filter((w) => /^helm (rollback|uninstall)/.test(w))).toEqual([]);
  expect(c.history('shop').map((e) => `${e.revision}:${e.status}`)).toEqual(['1:superseded', '2:uninstalled']);
});

it('1 superseded, 2 uninstalled, 3 pending-install (a re-install that was cancelled), recover-pending: revision 1 is not brought back', async () => {
  const c = new Cluster();
  clusters.push(c);
  c.seedHistory('shop', ['superseded', 'uninstalled', 'pending-install']);
  const r = await c.deploy({ release: 'shop', image: IMAGE_B, 'recover-pending': 'true' });
  expectCleanFailure(r, 'stuck in pending-install at revision 3', 'no revision since it was uninstalled');
  expect(c.writes().filter((w) => w.startsWith('helm rollback'))).toEqual([]);
  expect(c.history('shop').map((e) => `${e.revision}:${e.status}`)).toEqual(['1:superseded', '2:uninstalled', '3:pending-install']);
});
