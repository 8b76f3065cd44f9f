/**
 * helm-deploy's canary and blue-green strategies, run from the committed bundle against the
 * helm and kubectl test doubles (see test/helpers/helm-cluster.ts).
 */
import { expectCleanFailure } from '../harness/run-action';
import { CHART, Cluster, DIGEST_A, DIGEST_B, digestOf, IMAGE_A, IMAGE_B } from '../helpers/helm-cluster';

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
    expect(c.writes().at(-1)).toContain(
      '--set-string canary.enabled=true --set-string canary.router=nginx --set-string canary.stableService=web --set-string canary.weight=10',
    );
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_A); // stable untouched

    const promoted = await c.deploy({ strategy: 'canary', action: 'promote', set: INGRESS });
    expect(promoted.exitCode).toBe(0);
    expect(promoted.outputs).toMatchObject({ 'canary-weight': '0', revision: '2', 'previous-revision': '1', status: 'deployed' });
    expect(digestOf(c.history('web').at(-1))).toBe(DIGEST_B);
    expect(c.history('web-canary')).toEqual([]);
    expect(c.writes().slice(-2)).toEqual([
      expect.stringMatching(/^helm upgrade --install web .*image.digest=sha256:b{64} /),
      'helm uninstall web-canary --namespace default --timeout 5m --wait',
    ]);
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
    const action = JSON.parse(c.annotations()['default/ingress/web']['alb.ingress.kubernetes.io/actions.web-weighted']) as {
      forwardConfig: { targetGroups: { serviceName: string; weight: number }[] };
    };
    expect(action.forwardConfig.targetGroups).toEqual([
      expect.objectContaining({ serviceName: 'web', weight: 80 }),
      expect.objectContaining({ serviceName: 'web-canary', weight: 20 }),
    ]);

    const ratio = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'traffic-router': 'replicas', 'canary-weight': '25' });
    expect(ratio.exitCode).toBe(0);
    expect(c.writes().at(-1)).toContain('--set-string replicaCount=1'); // 1 beside 3 stable = 25%
    expect(ratio.outputs['canary-weight']).toBe('25');
  });

  it('an Ingress canary is refused before anything changes when the stable release has no Ingress', async () => {
    const c = new Cluster();
    await c.deploy({ strategy: 'canary', image: IMAGE_A, set: 'ingress.enabled=false' });
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
    // the canary's values turn the Ingress off (charts/app has it on by default)
    const r = await c.deploy({ strategy: 'canary', image: IMAGE_B, 'canary-weight': '10', set: 'ingress.enabled=false' });
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
