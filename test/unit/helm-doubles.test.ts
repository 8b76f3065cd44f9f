/**
 * The helm test double must print what real Helm prints, or the integration tests prove nothing.
 * Expected texts are real Helm output (pasted by users of Helm 3.x and 4.0 running charts of the
 * same shape) or follow helm/helm's source word for word: pkg/action/{upgrade,install,rollback}.go,
 * pkg/kube/statuswait.go (Helm 4 kstatus waits), pkg/cmd/flags.go (Helm 4 --wait).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { testTempDir } from '../helpers/temp';

const HELM = path.join(__dirname, '..', 'doubles', 'bin', 'helm');
const CHART = path.join(__dirname, '..', '..', 'charts', 'app');
const IMAGE = ['--set-string', 'image.repository=registry.example.com/app', '--set-string', `image.digest=sha256:${'a'.repeat(64)}`];

function helmDouble(version: string) {
  const dir = testTempDir('helm-text-');
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [HELM, ...args], { env: { ...process.env, HELM_DOUBLE_STATE: dir, HELM_DOUBLE_VERSION: version }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const upgrade = (...extra: string[]) => run('upgrade', '--install', 'web', CHART, '--namespace', 'default', ...IMAGE, '--timeout', '5m', ...extra);
  const fault = (f: string, verb = 'upgrade') => writeFileSync(path.join(dir, 'faults.json'), JSON.stringify({ [verb]: { web: [f] } }));
  return { dir, run, upgrade, fault };
}

describe('Helm 3', () => {
  it('prints the install and upgrade texts of its status printer (no DESCRIPTION line)', () => {
    const h = helmDouble('v3.19.0');
    const install = h.upgrade('--wait', '--atomic');
    expect(install.code).toBe(0);
    expect(install.stdout).toMatch(
      /^Release "web" does not exist\. Installing it now\.\nNAME: web\nLAST DEPLOYED: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nNAMESPACE: default\nSTATUS: deployed\nREVISION: 1\nTEST SUITE: None\nNOTES:\nweb is served by its Ingress on every host \(set ingress\.host to name yours\)\.\n$/,
    );
    expect(h.upgrade('--wait', '--atomic').stdout).toMatch(/^Release "web" has been upgraded\. Happy Helming!\nNAME: web\n/);
  });

  it('a timed-out upgrade with --atomic', () => {
    const h = helmDouble('v3.19.0');
    h.upgrade();
    h.fault('timeout');
    expect(h.upgrade('--wait', '--atomic')).toMatchObject({
      code: 1,
      stderr: 'Error: UPGRADE FAILED: release web failed, and has been rolled back due to atomic being set: context deadline exceeded\n',
    });
  });

  it('a failing pre-upgrade hook Job (a go-multierror list, blank line included)', () => {
    const h = helmDouble('v3.19.0');
    h.upgrade();
    h.fault('hook');
    expect(h.upgrade('--wait').stderr).toBe(
      'Error: UPGRADE FAILED: pre-upgrade hooks failed: 1 error occurred:\n\t* job web-migrate failed: BackoffLimitExceeded\n\n\n',
    );
  });

  it('a first install that fails: upgrade --install’s install path has no INSTALLATION FAILED prefix', () => {
    const h = helmDouble('v3.19.0');
    h.fault('timeout');
    expect(h.upgrade('--wait', '--atomic').stderr).toBe(
      'Error: release web failed, and has been uninstalled due to atomic being set: context deadline exceeded\n',
    );
    h.fault('hook');
    expect(h.upgrade('--wait').stderr).toBe('Error: failed pre-install: 1 error occurred:\n\t* job web-migrate failed: BackoffLimitExceeded\n\n\n');
  });

  it('parses --set like Helm’s strvals: commas split pairs unless escaped, {a,b} is a list', () => {
    const h = helmDouble('v3.19.0');
    expect(h.upgrade('--set', 'db.password=a,b').stderr).toBe('Error: failed parsing --set data: key "b" has no value\n');
    expect(h.upgrade('--set', 'db.password=a\\,b', '--set', 'hosts={x.example.com,y.example.com},replicaCount=2').code).toBe(0);
    expect(JSON.parse(h.run('get', 'values', 'web', '--namespace', 'default', '--output', 'json').stdout)).toMatchObject({
      db: { password: 'a,b' },
      hosts: ['x.example.com', 'y.example.com'],
      replicaCount: 2,
    });
  });

  it('--set-file sets the file content as a string, applied after --set-string; a missing file fails like Helm', () => {
    const h = helmDouble('v3.19.0');
    const dir = testTempDir('helm-set-file-');
    writeFileSync(path.join(dir, 'pw'), 'hunter2,s3cr3t');
    writeFileSync(path.join(dir, 'n'), '42');
    expect(
      h.upgrade('--set-string', 'db.password=x', '--set-file', `db.password=${path.join(dir, 'pw')}`, '--set-file', `db.port=${path.join(dir, 'n')}`).code,
    ).toBe(0);
    expect(JSON.parse(h.run('get', 'values', 'web', '--namespace', 'default', '--output', 'json').stdout)).toMatchObject({
      db: { password: 'hunter2,s3cr3t', port: '42' },
    });
    // pkg/cli/values/options.go: readFile's os.ReadFile error, wrapped "failed parsing --set-file data"
    const missing = path.join(dir, 'gone');
    expect(h.upgrade('--set-file', `db.password=${missing}`)).toMatchObject({
      code: 1,
      stderr: `Error: failed parsing --set-file data: open ${missing}: no such file or directory\n`,
    });
  });

  it('--wait is a boolean and --rollback-on-failure does not exist', () => {
    const h = helmDouble('v3.19.0');
    expect(h.upgrade('--wait=watcher').stderr).toBe(
      'Error: invalid argument "watcher" for "--wait" flag: strconv.ParseBool: parsing "watcher": invalid syntax\n',
    );
    expect(h.upgrade('--rollback-on-failure').stderr).toBe('Error: unknown flag: --rollback-on-failure\n');
  });
});

describe('Helm 4', () => {
  it('a timed-out upgrade: slog warning, then the kstatus reason and the context error on its own line', () => {
    const h = helmDouble('v4.0.0');
    h.upgrade('--set', 'replicaCount=3');
    h.fault('timeout');
    const r = h.upgrade('--set', 'replicaCount=3', '--wait=watcher', '--atomic');
    expect(r.stderr).toBe(
      'Flag --atomic has been deprecated, use --rollback-on-failure instead\n' +
        'level=WARN msg="upgrade failed" name=web error="resource Deployment/default/web not ready. status: InProgress, message: Updated: 1/3\\ncontext deadline exceeded"\n' +
        'Error: UPGRADE FAILED: release web failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/default/web not ready. status: InProgress, message: Updated: 1/3\ncontext deadline exceeded\n',
    );
  });

  it('a first install that times out, without rollback-on-failure', () => {
    const h = helmDouble('v4.0.0');
    h.fault('timeout');
    const r = h.upgrade('--set', 'replicaCount=1', '--wait');
    expect(r).toMatchObject({
      code: 1,
      stdout: 'Release "web" does not exist. Installing it now.\n',
      stderr: 'Error: resource Deployment/default/web not ready. status: InProgress, message: Available: 0/1\ncontext deadline exceeded\n',
    });
  });

  it('a failing hook Job is terminal (no context error), counted by the Job status reader', () => {
    const h = helmDouble('v4.0.0');
    h.upgrade();
    h.fault('hook');
    const r = h.upgrade('--wait=watcher');
    expect(r.stderr.split('\n').at(-2)).toBe(
      'Error: UPGRADE FAILED: pre-upgrade hooks failed: resource Job/default/web-migrate not ready. status: Failed, message: Job Failed. failed: 2/1',
    );
  });

  it('--wait takes a strategy', () => {
    const h = helmDouble('v4.0.0');
    expect(h.upgrade('--wait=soon').stderr).toBe(
      'Error: invalid argument "soon" for "--wait" flag: invalid wait input "soon". Valid inputs are watcher, and legacy\n',
    );
    expect(h.upgrade('--wait=true').stderr).toBe('level=WARN msg="--wait=true is deprecated (boolean value) and can be replaced with --wait=watcher"\n');
  });

  it('a rollback whose wait times out names the release', () => {
    const h = helmDouble('v4.0.0');
    h.upgrade('--set', 'replicaCount=1');
    h.upgrade('--set', 'replicaCount=1');
    h.fault('timeout', 'rollback');
    expect(h.run('rollback', 'web', '1', '--namespace', 'default', '--wait=watcher').stderr).toBe(
      'Error: release web failed: resource Deployment/default/web not ready. status: InProgress, message: Pending termination: 1\ncontext deadline exceeded\n',
    );
  });
});

describe('Helm 3: histories with no deployed revision (issue 9)', () => {
  // The shape of history-with-rollback.json after a failed rollback: nothing deployed, 2 the newest superseded.
  const seeded = (statuses: string[]) => {
    const h = helmDouble('v3.19.0');
    const entries = statuses.map((status, i) => ({
      revision: i + 1,
      updated: '1977-09-02T22:04:05Z',
      status,
      chart: 'app-0.1.0',
      app_version: '1.0.0',
      values: { image: { digest: `sha256:${String(i + 1).padStart(64, '0')}` } },
      description: 'Upgrade complete',
    }));
    writeFileSync(path.join(h.dir, 'state.json'), JSON.stringify({ releases: { 'default/web': entries }, namespaces: ['default'], events: [] }));
    return h;
  };
  const history = (h: ReturnType<typeof helmDouble>) =>
    (JSON.parse(h.run('history', 'web', '--output', 'json').stdout) as { revision: number; status: string; description: string }[]).map(
      (e) => `${e.revision}:${e.status}:${e.description}`,
    );

  it('--atomic rolls back by itself to the newest superseded revision (pkg/action/upgrade.go failRelease)', () => {
    const h = seeded(['superseded', 'superseded', 'failed']);
    h.fault('timeout');
    const r = h.upgrade('--wait', '--atomic');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: UPGRADE FAILED: release web failed, and has been rolled back due to atomic being set: context deadline exceeded\n');
    expect(history(h).slice(3)).toEqual(['4:failed:Upgrade "web" failed: context deadline exceeded', '5:deployed:Rollback to 2']);
  });

  it('--atomic with nothing that ever served: "unable to find a previously successful release"', () => {
    const h = seeded(['failed']);
    h.fault('timeout');
    const r = h.upgrade('--wait', '--atomic');
    expect(r.stderr).toBe(
      'Error: UPGRADE FAILED: unable to find a previously successful release when attempting to rollback. original upgrade error: context deadline exceeded\n',
    );
    expect(history(h)).toEqual(['1:failed:Upgrade complete', '2:failed:Upgrade "web" failed: context deadline exceeded']);
  });

  it('an upgrade is refused while the newest revision is pending-*', () => {
    const h = seeded(['superseded', 'superseded', 'failed', 'pending-rollback']);
    const r = h.upgrade('--wait', '--atomic');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n');
    expect(history(h)).toHaveLength(4);
  });
});
