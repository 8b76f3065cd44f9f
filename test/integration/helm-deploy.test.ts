/**
 * helm-deploy, run from its committed bundle like the runner does, with the helm and kubectl
 * test doubles first on PATH. The doubles keep release state in a temp dir, print what Helm
 * prints, and log every command line, so each test asserts what was run against the "cluster".
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expectCleanFailure, ROOT, runAction, type StepResult } from '../harness/run-action';

const DOUBLES = path.join(ROOT, 'test', 'doubles', 'bin');
const CHART = path.join(ROOT, 'charts', 'app');
const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
const IMAGE_A = `registry.example.com/team/app@${DIGEST_A}`;
const IMAGE_B = `registry.example.com/team/app@${DIGEST_B}`;

interface Call {
  tool: string;
  bin?: string;
  argv: string[];
  kubeconfig: string | null;
  kubeconfigMode: string | null;
}
interface Revision {
  revision: number;
  status: string;
  description: string;
  values: Record<string, unknown>;
}

class Cluster {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'shipline-helm-double-'));
  constructor(readonly helmVersion = 'v3.19.0') {}
  async deploy(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepResult> {
    return runAction('helm-deploy', { 'helm-version': 'path', chart: CHART, release: 'web', ...inputs }, {
      path: [DOUBLES],
      env: { HELM_DOUBLE_STATE: this.dir, HELM_DOUBLE_VERSION: this.helmVersion, ...env },
    });
  }
  /** Every command line run, reads included. */
  lines(): string[] {
    return this.calls().map((c) => [c.tool, ...c.argv].join(' '));
  }
  calls(): Call[] {
    const f = path.join(this.dir, 'calls.log');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call) : [];
  }
  /** Command lines that change the cluster (reads are left out). */
  writes(): string[] {
    return this.calls()
      .filter((c) => ['upgrade', 'rollback', 'uninstall', 'annotate'].includes(c.argv[0]))
      .map((c) => [c.tool, ...c.argv].join(' '));
  }
  clearCalls(): void {
    writeFileSync(path.join(this.dir, 'calls.log'), '');
  }
  history(release: string, ns = 'default'): Revision[] {
    const f = path.join(this.dir, 'state.json');
    if (!existsSync(f)) return [];
    return (JSON.parse(readFileSync(f, 'utf8')) as { releases: Record<string, Revision[]> }).releases[`${ns}/${release}`] ?? [];
  }
  annotations(): Record<string, Record<string, string>> {
    return (JSON.parse(readFileSync(path.join(this.dir, 'state.json'), 'utf8')) as { annotations?: Record<string, Record<string, string>> }).annotations ?? {};
  }
  fault(verb: 'upgrade' | 'rollback', release: string, ...faults: string[]): void {
    const file = path.join(this.dir, 'faults.json');
    const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string[]>>) : {};
    all[verb] = { ...all[verb], [release]: faults };
    writeFileSync(file, JSON.stringify(all));
  }
  /** A release left as a cancelled run leaves it: newest revision pending. */
  seedPending(release: string, status: 'pending-upgrade' | 'pending-install'): void {
    const deployed = { revision: 1, updated: '2026-01-01T00:00:00.000Z', status: 'deployed', chart: 'app-0.1.0', app_version: '1.0.0', values: { image: { digest: DIGEST_A } }, description: 'Install complete' };
    const stuck = { ...deployed, revision: status === 'pending-install' ? 1 : 2, status, description: 'Preparing upgrade', values: { image: { digest: DIGEST_B } } };
    const releases = { [`default/${release}`]: status === 'pending-install' ? [stuck] : [deployed, stuck] };
    writeFileSync(path.join(this.dir, 'state.json'), JSON.stringify({ releases, namespaces: ['default'], events: [] }));
  }
}

const digestOf = (r: Revision | undefined) => (r?.values.image as { digest?: string } | undefined)?.digest;

describe('rolling', () => {
  it('installs, then upgrades, pinned by digest, and reports both revisions', async () => {
    const c = new Cluster();
    const first = await c.deploy({ image: IMAGE_A, set: 'ingress.enabled=true\ningress.host=web.example.com' });
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ revision: '1', 'previous-revision': '', status: 'deployed', strategy: 'rolling', 'release-url': 'http://web.example.com/' });
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
    expect(c.writes()).toEqual([
      'helm rollback web 1 --namespace default --timeout 5m --wait',
      expect.stringMatching(/^helm upgrade --install web /),
    ]);
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
    expectCleanFailure(r, 'rolled back', 'revision 2 failed', 'revision 1 serves again as revision 3', 'resource Deployment/default/web not ready. status: InProgress, message: Updated: 1/2 context deadline exceeded');
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
    expect(c.history('web').map((e) => e.status)).toEqual(['failed', 'deployed']);
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

describe('canary', () => {
  const INGRESS = 'ingress.enabled=true\ningress.host=web.example.com';

  it('deploys a canary beside stable by weight, then promotes it', async () => {
    const c = new Cluster();
    const stable = await c.deploy({ strategy: 'canary', image: IMAGE_A, set: INGRESS });
    expect(stable.outputs).toMatchObject({ status: 'deployed', 'canary-weight': '0', revision: '1' });
    const canary = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'canary-weight': '10', set: INGRESS });
    expect(canary.exitCode).toBe(0);
    expect(canary.outputs).toMatchObject({ 'canary-weight': '10', strategy: 'canary', revision: '1' });
    expect(c.writes().at(-1)).toContain('helm upgrade --install web-canary');
    expect(c.writes().at(-1)).toContain('--set-string canary.enabled=true --set-string canary.router=nginx --set-string canary.stableService=web --set-string canary.weight=10');
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_A); // stable untouched

    const promoted = await c.deploy({ strategy: 'canary', action: 'promote', set: INGRESS });
    expect(promoted.exitCode).toBe(0);
    expect(promoted.outputs).toMatchObject({ 'canary-weight': '0', revision: '2', 'previous-revision': '1', status: 'deployed' });
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_B);
    expect(c.history('web-canary')).toEqual([]);
    expect(c.writes().slice(-2)).toEqual([expect.stringMatching(/^helm upgrade --install web .*image.digest=sha256:b{64} /), 'helm uninstall web-canary --namespace default --timeout 5m --wait']);
  });

  it('abort removes the canary and leaves stable untouched', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'canary', image: IMAGE_A, set: INGRESS });
    expect((await c.deploy({ strategy: 'canary', image: IMAGE_B, set: INGRESS })).exitCode).toBe(0);
    c.clearCalls();
    const r = await c.deploy({ strategy: 'canary', action: 'abort' });
    expect(r.exitCode).toBe(0);
    expect(c.writes()).toEqual(['helm uninstall web-canary --namespace default --timeout 5m --wait']);
    expect(c.history('web').length).toBe(1);
    expect(r.outputs).toMatchObject({ revision: '1', 'canary-weight': '0' });
  });

  it('promote with no canary is refused before anything changes', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'canary', image: IMAGE_A });
    c.clearCalls();
    const r = await c.deploy({ strategy: 'canary', action: 'promote' });
    expectCleanFailure(r, "Input 'action'", 'no canary release web-canary');
    expect(c.writes()).toEqual([]);
  });

  it('ALB weights go on the stable Ingress once the canary is ready; replicas follow the ratio', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'canary', image: IMAGE_A, set: 'replicaCount=3\ningress.enabled=true\ningress.className=alb' });
    c.clearCalls();
    const alb = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'traffic-router': 'alb', 'canary-weight': '20' });
    expect(alb.exitCode).toBe(0);
    const targets = `[{"serviceName":"web","servicePort":80,"weight":80},{"serviceName":"web-canary","servicePort":80,"weight":20}]`;
    expect(c.lines()).toEqual([
      'helm version --template {{.Version}}',
      'helm list --namespace default --all --filter ^(web|web-canary)$ --output json',
      'kubectl get ingress web --namespace default --ignore-not-found --output name', // before anything changes
      'helm history web-canary --namespace default --max 20 --output json',
      `helm upgrade --install web-canary ${CHART} --namespace default --set-string image.repository=registry.example.com/team/app --set-string image.digest=${DIGEST_B} --set-string canary.enabled=true --set-string canary.router=alb --set-string canary.stableService=web --set-string canary.weight=20 --timeout 5m --wait --atomic`,
      'helm history web-canary --namespace default --max 20 --output json',
      `kubectl annotate ingress web --namespace default --overwrite alb.ingress.kubernetes.io/actions.web-weighted={"type":"forward","forwardConfig":{"targetGroups":${targets}}}`,
      'helm status web --namespace default --output json',
      'helm history web --namespace default --max 20 --output json',
    ]);
    const action = JSON.parse(c.annotations()['default/ingress/web']['alb.ingress.kubernetes.io/actions.web-weighted']) as { forwardConfig: { targetGroups: { serviceName: string; weight: number }[] } };
    expect(action.forwardConfig.targetGroups).toEqual([expect.objectContaining({ serviceName: 'web', weight: 80 }), expect.objectContaining({ serviceName: 'web-canary', weight: 20 })]);

    const ratio = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'traffic-router': 'replicas', 'canary-weight': '25' });
    expect(ratio.exitCode).toBe(0);
    expect(c.writes().at(-1)).toContain('--set-string replicaCount=1'); // 1 beside 3 stable = 25%
    expect(ratio.outputs['canary-weight']).toBe('25');
  });

  it('an Ingress canary is refused before anything changes when the stable release has no Ingress', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'canary', image: IMAGE_A });
    c.clearCalls();
    const alb = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'traffic-router': 'alb' });
    expectCleanFailure(alb, 'traffic-router alb', 'stable Ingress web', 'ingress.className=alb');
    const nginx = await c.deploy({ strategy: 'canary', image: IMAGE_B });
    expectCleanFailure(nginx, 'traffic-router nginx', 'stable Ingress web');
    expect(c.writes()).toEqual([]);
    expect(c.history('web-canary')).toEqual([]);
  });

  it('an NGINX canary that renders no Ingress of its own is not reported as taking traffic', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'canary', image: IMAGE_A, set: INGRESS });
    const r = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'canary-weight': '10' }); // no ingress values for the canary
    expectCleanFailure(r, 'web-canary is deployed but renders no Ingress', 'not 10%', 'action: abort');
  });
});

describe('blue-green', () => {
  it('deploys to the idle colour, switches, switches back, and promote retires the idle colour', async () => {
    const c = new Cluster();
    const blue = await c.deploy({ strategy: 'blue-green', image: IMAGE_A, set: 'ingress.enabled=true\ningress.host=web.example.com' });
    expect(blue.exitCode).toBe(0);
    expect(blue.outputs).toMatchObject({ 'active-color': 'blue', 'release-url': 'http://web.example.com/' });
    const green = await c.deploy({ strategy: 'blue-green', image: IMAGE_B });
    expect(green.exitCode).toBe(0);
    expect(green.outputs['active-color']).toBe('green');
    expect(c.writes().slice(-2)).toEqual([
      expect.stringMatching(/^helm upgrade --install web-green .*image.digest=sha256:b{64} .*blueGreen.color=green /),
      expect.stringMatching(/^helm upgrade --install web .*--set-string blueGreen.role=router --set-string blueGreen.activeColor=green /),
    ]);
    expect(c.history('web-blue').length).toBe(1); // blue still up for an instant switch back

    const back = await c.deploy({ strategy: 'blue-green', action: 'abort' });
    expect(back.exitCode).toBe(0);
    expect(back.outputs['active-color']).toBe('blue');

    const promote = await c.deploy({ strategy: 'blue-green', action: 'promote' });
    expect(promote.exitCode).toBe(0);
    expect(promote.outputs['active-color']).toBe('blue');
    expect(c.writes().at(-1)).toBe('helm uninstall web-green --namespace default --timeout 5m --wait');
    const again = await c.deploy({ strategy: 'blue-green', action: 'abort' });
    expectCleanFailure(again, 'web-green is not installed');
  });

  it('a failing idle colour never moves traffic', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'blue-green', image: IMAGE_A });
    await c.deploy({ strategy: 'blue-green', image: IMAGE_A });
    c.fault('upgrade', 'web-blue', 'timeout');
    c.clearCalls();
    const r = await c.deploy({ strategy: 'blue-green', image: IMAGE_B });
    expectCleanFailure(r, 'web-blue', 'rolled back');
    expect(c.writes().filter((w) => w.startsWith('helm upgrade --install web '))).toEqual([]);
  });
});

describe('access and secrets', () => {
  const kubeconfig = ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: k', '  cluster: {server: "https://127.0.0.1:6443"}', 'users:', '- name: u', '  user: {token: "kube-token-s3cr3t"}', 'contexts: []'].join('\n');

  it('writes the kubeconfig 0600 for helm and kubectl, removes it, and keeps secrets out of the log', async () => {
    const c = new Cluster();
    const r = await c.deploy({ image: IMAGE_A, kubeconfig, set: 'db.password=hunter2-s3cr3t\nfeature=on' });
    expect(r.exitCode).toBe(0);
    const calls = c.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect({ file: call.kubeconfig?.startsWith(path.join(r.tempDir, 'runner-temp')), mode: call.kubeconfigMode }).toEqual({ file: true, mode: '600' });
    expect(existsSync(calls[0].kubeconfig!)).toBe(false);
    expect(c.writes()[0]).toContain('--set db.password=hunter2-s3cr3t'); // helm still gets the value
    expect(r.log).toContain('::add-mask::hunter2-s3cr3t'); // masked at once (the runner swallows these lines)
    const visible = r.log.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
    for (const text of [visible, r.summary]) {
      expect(text).not.toContain('hunter2-s3cr3t');
      expect(text).not.toContain('kube-token-s3cr3t');
    }
    expect(r.summary).toContain('db.password=***');
  });

  it('with a pinned helm-version, runs the helm from the tool cache, not the one on PATH', async () => {
    const c = new Cluster();
    const toolCache = mkdtempSync(path.join(tmpdir(), 'shipline-tc-'));
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
  ])('bad input (%s): one ::error::, exit 1, nothing run', async (_label, inputs, mention) => {
    const c = new Cluster();
    const r = await c.deploy(inputs as Record<string, string>);
    expectCleanFailure(r, mention);
    expect(c.calls()).toEqual([]);
    for (const text of [r.log, r.summary]) expect(text).not.toMatch(/hunter2|leakpart/); // before setSecret: nothing may echo it
  });
});
