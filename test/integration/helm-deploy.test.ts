/**
 * helm-deploy, run from its committed bundle like the runner does, with the helm and kubectl
 * test doubles first on PATH (test/helpers/helm-cluster.ts): the rolling strategy, cluster access
 * and secrets, input errors, and installing helm from a mirror. Canary and blue-green are in
 * helm-deploy-strategies.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expectCleanFailure } from '../harness/run-action';
import { CHART, Cluster, DIGEST_A, DIGEST_B, digestOf, DOUBLES, IMAGE_A, IMAGE_B } from '../helpers/helm-cluster';
import { serveFiles, type StaticServer } from '../helpers/static-server';
import { testTempDir } from '../helpers/temp';

describe('rolling', () => {
  it('installs, then upgrades, pinned by digest, and reports both revisions', async () => {
    const c = new Cluster();
    const first = await c.deploy({ image: IMAGE_A, set: 'ingress.enabled=true\ningress.host=web.example.com' });
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({
      revision: '1',
      'previous-revision': '',
      status: 'deployed',
      strategy: 'rolling',
      'release-url': 'http://web.example.com/',
    });
    const second = await c.deploy({ image: IMAGE_B, timeout: '90s' });
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toMatchObject({ revision: '2', 'previous-revision': '1', status: 'deployed' });
    expect(c.writes().at(-1)).toBe(
      `helm upgrade --install web ${CHART} --namespace default --set-string image.repository=registry.example.com/team/app --set-string image.digest=${DIGEST_B} --timeout 90s --wait --atomic`,
    );
    expect(c.history('web').map((r) => r.status)).toEqual(['superseded', 'deployed']);
    expect(second.summary).toContain('| 2 |');
    expect(second.summary).toContain('helm history web');
    expect(second.summary).toContain(DIGEST_B);
  });

  it('uses Helm 4 flags when the helm on PATH is Helm 4', async () => {
    const c = new Cluster('v4.0.0');
    const r = await c.deploy({ image: IMAGE_A });
    expect(r.exitCode).toBe(0);
    expect(c.writes()[0]).toMatch(/ --timeout 5m --wait=watcher --rollback-on-failure$/);
    expect(r.log).toContain('Helm 4.0.0 (Helm 4 flags)');
  });

  it('a deploy that times out is rolled back, and the failure names both revisions', async () => {
    const c = new Cluster();
    expect((await c.deploy({ image: IMAGE_A })).exitCode).toBe(0);
    c.fault('upgrade', 'web', 'timeout');
    c.clearCalls();
    const r = await c.deploy({ image: IMAGE_B });
    expectCleanFailure(r, 'rolled back', 'revision 2 failed', 'revision 1 serves again as revision 3', 'context deadline exceeded');
    expect(c.lines()).toEqual([
      'helm version --template {{.Version}}',
      'helm history web --namespace default --max 20 --output json',
      `helm upgrade --install web ${CHART} --namespace default --set-string image.repository=registry.example.com/team/app --set-string image.digest=${DIGEST_B} --timeout 5m --wait --atomic`,
      'helm history web --namespace default --max 20 --output json',
      'kubectl get events --namespace default --field-selector type=Warning --output json',
    ]);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', revision: '3', 'previous-revision': '1' });
    expect(c.history('web').map((e) => `${e.revision}:${e.status}`)).toEqual(['1:superseded', '2:failed', '3:deployed']);
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_A);
    expect(r.summary).toContain('BackOff'); // the failing pod's event, from kubectl
    expect(r.summary).toContain('| 2 |');
  });

  it('without atomic from Helm (rollback-on-failure false) the failure is reported, not hidden, and nothing is rolled back', async () => {
    const c = new Cluster();
    await c.deploy({ image: IMAGE_A });
    c.fault('upgrade', 'web', 'hook');
    const r = await c.deploy({ image: IMAGE_B, 'rollback-on-failure': 'false' });
    expectCleanFailure(r, 'failed at revision 2', 'pre-upgrade hooks failed', 'job web-migrate failed: BackoffLimitExceeded', 'rollback-on-failure is false');
    expect(r.outputs).toMatchObject({ status: 'failed', revision: '2', 'previous-revision': '1' });
    expect(c.writes().filter((w) => w.includes('rollback'))).toEqual([]);
    expect(r.summary).toContain('BackoffLimitExceeded');
  });

  it('when Helm’s own rollback fails too, the action rolls back to the last deployed revision itself', async () => {
    const c = new Cluster();
    await c.deploy({ image: IMAGE_A });
    c.fault('upgrade', 'web', 'timeout-rollback-fails');
    const r = await c.deploy({ image: IMAGE_B });
    expectCleanFailure(r, 'rolled back', 'revision 2 failed', 'revision 1 serves again as revision 4');
    expect(c.writes().at(-1)).toBe('helm rollback web 1 --namespace default --timeout 5m --wait');
    expect(c.history('web').map((e) => e.status)).toEqual(['superseded', 'failed', 'failed', 'deployed']);
    expect(r.outputs).toMatchObject({ status: 'rolled-back', revision: '4', 'previous-revision': '1' });
  });

  it('when every rollback fails, it says the release needs a person and shows where it stands', async () => {
    const c = new Cluster();
    await c.deploy({ image: IMAGE_A });
    c.fault('upgrade', 'web', 'timeout-rollback-fails');
    c.fault('rollback', 'web', 'timeout');
    const r = await c.deploy({ image: IMAGE_B });
    expectCleanFailure(r, 'the rollback to revision 1 failed too', 'needs a person');
    expect(r.outputs).toMatchObject({ status: 'failed', 'previous-revision': '1' });
    expect(r.summary).toContain('| 4 |');
  });

  it('a failed first install is removed, not left half there', async () => {
    const c = new Cluster();
    c.fault('upgrade', 'web', 'timeout');
    const r = await c.deploy({ image: IMAGE_A });
    expectCleanFailure(r, 'first install of web failed and was removed');
    expect(c.history('web')).toEqual([]);
    expect(r.outputs).toMatchObject({ status: 'failed', revision: '' });
  });

  it('Helm exiting 0 is not trusted: a release that ends up rolled back is a failed deploy', async () => {
    const c = new Cluster();
    await c.deploy({ image: IMAGE_A });
    c.fault('upgrade', 'web', 'rolled-back-later');
    const r = await c.deploy({ image: IMAGE_B });
    expectCleanFailure(r, 'rolled back', 'revision 2');
    expect(r.outputs.status).toBe('rolled-back');
  });

  it('a pending release from a cancelled run is explained, then recovered with recover-pending', async () => {
    const c = new Cluster();
    c.seedPending('web', 'pending-upgrade');
    const refused = await c.deploy({ image: IMAGE_B });
    expectCleanFailure(refused, 'pending-upgrade', 'another operation', 'recover-pending: true');
    expect(c.writes()).toEqual([]);
    expect(refused.outputs.status).toBe('pending');

    const r = await c.deploy({ image: IMAGE_B, 'recover-pending': 'true' });
    expect(r.exitCode).toBe(0);
    expect(c.writes()).toEqual(['helm rollback web 1 --namespace default --timeout 5m --wait', expect.stringMatching(/^helm upgrade --install web /)]);
    expect(r.outputs).toMatchObject({ status: 'deployed', revision: '4', 'previous-revision': '3' });
  });

  it('a pending first install is uninstalled by recover-pending', async () => {
    const c = new Cluster();
    c.seedPending('web', 'pending-install');
    const r = await c.deploy({ image: IMAGE_A, 'recover-pending': 'true' });
    expect(r.exitCode).toBe(0);
    expect(c.writes()[0]).toBe('helm uninstall web --namespace default --timeout 5m --wait');
    expect(r.outputs).toMatchObject({ status: 'deployed', revision: '1' });
  });

  it('Helm 4: a timed-out upgrade rolled back by --rollback-on-failure is reported with kstatus’s reason', async () => {
    const c = new Cluster('v4.0.0');
    expect((await c.deploy({ image: IMAGE_A })).exitCode).toBe(0);
    c.fault('upgrade', 'web', 'timeout');
    const r = await c.deploy({ image: IMAGE_B });
    // Helm 4 prints a slog warning line before its multi-line error; the action reports Helm's error
    expectCleanFailure(
      r,
      'rolled back',
      'revision 2 failed',
      'revision 1 serves again as revision 3',
      'resource Deployment/default/web not ready. status: InProgress, message: Updated: 1/2 context deadline exceeded',
    );
    expect(r.errors[0]).not.toContain('level=WARN');
    expect(r.outputs).toMatchObject({ status: 'rolled-back', revision: '3', 'previous-revision': '1' });
    expect(c.history('web').map((e) => `${e.revision}:${e.status}`)).toEqual(['1:superseded', '2:failed', '3:deployed']);
  });

  it('a failed first install without rollback-on-failure stays failed, and the next deploy upgrades it', async () => {
    const c = new Cluster();
    c.fault('upgrade', 'web', 'hook');
    const r = await c.deploy({ image: IMAGE_A, 'rollback-on-failure': 'false' });
    expectCleanFailure(r, 'failed at revision 1', 'failed pre-install: 1 error occurred: * job web-migrate failed: BackoffLimitExceeded');
    expect(r.errors[0]).not.toContain('INSTALLATION FAILED'); // helm upgrade --install's install path has no prefix
    expect(r.outputs).toMatchObject({ status: 'failed', revision: '1', 'previous-revision': '' });
    expect(c.history('web').map((e) => e.status)).toEqual(['failed']);

    const next = await c.deploy({ image: IMAGE_B });
    expect(next.exitCode).toBe(0);
    expect(next.outputs).toMatchObject({ status: 'deployed', revision: '2', 'previous-revision': '' });
    // Helm records the failed revision it upgraded from as superseded (helm/helm#2832)
    expect(c.history('web').map((e) => e.status)).toEqual(['superseded', 'deployed']);
  });

  it('rolls back on demand, to the previous or a given revision', async () => {
    const c = new Cluster();
    await c.deploy({ image: IMAGE_A });
    await c.deploy({ image: IMAGE_B });
    const back = await c.deploy({ action: 'rollback' });
    expect(back.exitCode).toBe(0);
    expect(back.outputs).toMatchObject({ revision: '3', 'previous-revision': '2', status: 'deployed' });
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_A);
    const to2 = await c.deploy({ action: 'rollback', revision: '2' });
    expect(to2.exitCode).toBe(0);
    expect(c.writes().at(-1)).toBe('helm rollback web 2 --namespace default --timeout 5m --wait');
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_B);
    const missing = await c.deploy({ action: 'rollback', revision: '9' });
    expectCleanFailure(missing, 'no revision 9');
  });
});

describe('access and secrets', () => {
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: k',
    '  cluster: {server: "https://127.0.0.1:6443"}',
    'users:',
    '- name: u',
    '  user: {token: "kube-token-s3cr3t"}',
    'contexts: []',
  ].join('\n');

  it('writes the kubeconfig 0600 for helm and kubectl, removes it, and keeps secrets out of the log', async () => {
    const c = new Cluster();
    const r = await c.deploy({ image: IMAGE_A, kubeconfig, set: 'db.password=hunter2-s3cr3t\\,x\nfeature=on' });
    expect(r.exitCode).toBe(0);
    const calls = c.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect({ file: call.kubeconfig?.startsWith(path.join(r.tempDir, 'runner-temp')), mode: call.kubeconfigMode }).toEqual({ file: true, mode: '600' });
    expect(existsSync(calls[0].kubeconfig!)).toBe(false);
    // the secret goes as a file (0600, in the step's temp dir), never on helm's command line
    const upgrade = calls.find((x) => x.argv[0] === 'upgrade')!;
    const valueFile = upgrade.argv[upgrade.argv.indexOf('--set-file') + 1].replace(/^db\.password=/, '');
    expect(valueFile.startsWith(path.join(r.tempDir, 'runner-temp', 'shipline-values-'))).toBe(true);
    expect(c.writes()[0]).toContain(`--set-file db.password=${valueFile} --set feature=on`);
    for (const call of calls) expect(call.argv.join(' ')).not.toContain('hunter2');
    expect(upgrade.setFileModes).toEqual({ [valueFile]: '600' });
    expect(existsSync(valueFile)).toBe(false);
    expect((c.history('web')[0].values.db as { password?: string }).password).toBe('hunter2-s3cr3t,x'); // helm got the value, unescaped
    expect(r.log).toContain('::add-mask::hunter2-s3cr3t'); // masked at once (the runner swallows these lines)
    const visible = r.log
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [visible, r.summary]) {
      expect(text).not.toContain('hunter2-s3cr3t');
      expect(text).not.toContain('kube-token-s3cr3t');
    }
    expect(r.summary).toContain(`--set-file db.password=${valueFile}`);
  });

  it('with a pinned helm-version, runs the helm from the tool cache, not the one on PATH', async () => {
    const c = new Cluster();
    const toolCache = testTempDir('tc-');
    const dir = path.join(toolCache, 'helm', '3.18.4', 'x64');
    mkdirSync(dir, { recursive: true });
    symlinkSync(path.join(DOUBLES, 'helm'), path.join(dir, 'helm'));
    writeFileSync(`${dir}.complete`, '');
    const r = await c.deploy({ image: IMAGE_A, 'helm-version': '3.18.4' }, { RUNNER_TOOL_CACHE: toolCache, HELM_DOUBLE_VERSION: 'v3.18.4' });
    expect(r.exitCode).toBe(0);
    expect(r.log).toContain('helm 3.18.4 found in the tool cache');
    const helmCalls = c.calls().filter((x) => x.tool === 'helm');
    expect(helmCalls.length).toBeGreaterThan(0);
    for (const call of helmCalls) expect(call.bin).toBe(path.join(dir, 'helm'));
  });

  it('dry-run prints the plan and runs nothing', async () => {
    const c = new Cluster();
    const r = await c.deploy({ image: IMAGE_A, strategy: 'canary', 'dry-run': 'true', 'traffic-router': 'alb' });
    expect(r.exitCode).toBe(0);
    expect(c.calls().filter((x) => x.argv[0] !== 'version')).toEqual([]);
    expect(r.outputs.status).toBe('planned');
    expect(r.log).toContain('$ helm upgrade --install web-canary');
    expect(r.summary).toContain('kubectl annotate ingress web');
    expect(r.outputs['canary-weight']).toBe('10');
  });

  it('a dry-run plan shows a secret set value as the file helm would read, never the value', async () => {
    const c = new Cluster();
    const r = await c.deploy({ image: IMAGE_A, 'dry-run': 'true', set: 'db.password=hunter2-s3cr3t\nfeature=on' });
    expect(r.exitCode).toBe(0);
    expect(c.calls().filter((x) => x.argv[0] !== 'version')).toEqual([]);
    for (const text of [r.log, r.summary]) expect(text).toContain("--set-file 'db.password=<file>' --set feature=on");
    const visible = r.log
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [visible, r.summary]) expect(text).not.toContain('hunter2');
  });

  it('a dry-run promote or abort plans a canary weight of 0, not the input default', async () => {
    const c = new Cluster();
    for (const action of ['promote', 'abort']) {
      const r = await c.deploy({ image: IMAGE_A, strategy: 'canary', action, 'dry-run': 'true' });
      expect({ action, exit: r.exitCode, weight: r.outputs['canary-weight'] }).toEqual({ action, exit: 0, weight: '0' });
    }
    expect(c.calls().filter((x) => x.argv[0] !== 'version')).toEqual([]);
  });

  it.each([
    ['release not DNS-1123', { release: 'Web_App', image: IMAGE_A }, "Input 'release'"],
    ['release over 53 characters', { release: 'a'.repeat(54), image: IMAGE_A }, 'over Helm'],
    ['release too long for its canary', { release: 'a'.repeat(50), strategy: 'canary', image: IMAGE_A }, "the canary strategy adds '-canary'"],
    ['tag-only image', { image: 'registry.example.com/team/app:1.2.3' }, "Input 'image'"],
    ['missing chart', { image: IMAGE_A, chart: './no-such-chart' }, "Input 'chart'"],
    ['malformed set line', { image: IMAGE_A, set: 'not a key value' }, "Input 'set'"],
    ['unknown strategy', { image: IMAGE_A, strategy: 'recreate' }, "Input 'strategy'"],
    ['unknown action', { image: IMAGE_A, action: 'destroy' }, "Input 'action'"],
    ['kubeconfig not YAML', { image: IMAGE_A, kubeconfig: '{not: yaml: [' }, "Input 'kubeconfig'"],
    ['promote with rolling', { image: IMAGE_A, action: 'promote' }, 'not rolling'],
    ['secret set value with a bare comma', { image: IMAGE_A, set: 'db.password=hunter2,leakpart' }, "Input 'set'"],
    ['helm-mirror with credentials', { image: IMAGE_A, 'helm-version': '3.19.0', 'helm-mirror': 'http://ci:hunter2@127.0.0.1:9/helm' }, "Input 'helm-mirror'"],
    ['helm-sha256 not a SHA-256', { image: IMAGE_A, 'helm-version': '3.19.0', 'helm-sha256': 'abc' }, "Input 'helm-sha256'"],
    ['helm-sha256 with helm-version path', { image: IMAGE_A, 'helm-sha256': 'a'.repeat(64) }, "Input 'helm-sha256'"],
  ])('bad input (%s): one ::error::, exit 1, nothing run', async (_label, inputs, mention) => {
    const c = new Cluster();
    const r = await c.deploy(inputs as Record<string, string>);
    expectCleanFailure(r, mention);
    expect(c.calls()).toEqual([]);
    for (const text of [r.log, r.summary]) expect(text).not.toMatch(/hunter2|leakpart/); // before setSecret: nothing may echo it
  });
});

describe('helm from a mirror (helm-mirror, helm-sha256)', () => {
  // A tarball in get.helm.sh's layout whose linux-amd64/helm is the helm double, served from loopback.
  const VERSION = '3.18.4';
  const ARCHIVE = `helm-v${VERSION}-linux-amd64.tar.gz`;
  let mirror: StaticServer;
  let sha: string;

  beforeAll(async () => {
    const dir = testTempDir('helm-mirror-');
    mkdirSync(path.join(dir, 'linux-amd64'));
    symlinkSync(path.join(DOUBLES, 'helm'), path.join(dir, 'linux-amd64', 'helm'));
    execFileSync('tar', ['-czf', path.join(dir, ARCHIVE), '-C', dir, 'linux-amd64']);
    const archive = readFileSync(path.join(dir, ARCHIVE));
    sha = createHash('sha256').update(archive).digest('hex');
    mirror = await serveFiles({ [`/helm/${ARCHIVE}`]: archive, [`/helm/${ARCHIVE}.sha256sum`]: `${sha}  ${ARCHIVE}\n` });
  });
  afterAll(() => mirror.close());

  const deployFromMirror = (c: Cluster, inputs: Record<string, string>) =>
    c.deploy({ image: IMAGE_A, 'helm-version': VERSION, 'helm-mirror': `${mirror.url}/helm/`, ...inputs }, { HELM_DOUBLE_VERSION: `v${VERSION}` });

  it('installs helm from the mirror after checking the published checksum, and deploys with it', async () => {
    const c = new Cluster();
    const before = mirror.requests.length;
    const r = await deployFromMirror(c, {});
    expect(r.exitCode).toBe(0);
    expect(mirror.requests.slice(before)).toEqual([`/helm/${ARCHIVE}.sha256sum`, `/helm/${ARCHIVE}`]);
    expect(r.log).toContain(`${ARCHIVE}: sha256 ${sha} verified`);
    const installed = path.join(r.tempDir, 'tool-cache', 'helm', VERSION, 'x64');
    expect(r.addedPath).toEqual([installed]);
    const helmCalls = c.calls().filter((x) => x.tool === 'helm');
    expect(helmCalls.map((x) => x.argv[0])).toEqual(expect.arrayContaining(['version', 'upgrade']));
    for (const call of helmCalls) expect(call.bin).toBe(path.join(installed, 'helm'));
    expect(r.outputs).toMatchObject({ status: 'deployed', revision: '1' });
    expect(r.summary).toContain(`| helm | ${VERSION} |`);
  });

  it('with the right helm-sha256 pinned, downloads only the archive and deploys', async () => {
    const c = new Cluster();
    const before = mirror.requests.length;
    const r = await deployFromMirror(c, { 'helm-sha256': sha.toUpperCase() });
    expect(r.exitCode).toBe(0);
    expect(mirror.requests.slice(before)).toEqual([`/helm/${ARCHIVE}`]);
    expect(r.log).toContain(`sha256 ${sha} verified`);
    expect(c.writes()).toEqual([expect.stringMatching(/^helm upgrade --install web /)]);
  });

  it('a wrong pinned helm-sha256 is refused: one ::error::, nothing on PATH, no helm or kubectl run', async () => {
    const c = new Cluster();
    const wrong = 'f'.repeat(64);
    const r = await deployFromMirror(c, { 'helm-sha256': wrong });
    expectCleanFailure(r, 'checksum mismatch', `expected sha256 ${wrong}`, `downloaded ${sha}`);
    expect(r.addedPath).toEqual([]);
    expect(existsSync(path.join(r.tempDir, 'tool-cache', 'helm'))).toBe(false);
    expect(c.calls()).toEqual([]);
    expect(r.outputs.status).toBeUndefined();
  });
});
