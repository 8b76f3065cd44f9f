/** Canary traffic: the replica ratio and the ALB weighted forward action. */
import { albWeightedAction, canaryReplicas, parseEvents } from '../../src/helm-deploy/kubectl';
import { imageFromValues, imageValues } from '../../src/helm-deploy/strategy';
import type { HelmDeployInputs } from '../../src/helm-deploy/inputs';

it('picks whole canary pods closest to the weight and reports the weight they really give', () => {
  expect(canaryReplicas(3, 25)).toEqual({ replicas: 1, effectiveWeight: 25 });
  expect(canaryReplicas(4, 10)).toEqual({ replicas: 1, effectiveWeight: 20 });
  expect(canaryReplicas(2, 50)).toEqual({ replicas: 2, effectiveWeight: 50 });
  expect(canaryReplicas(2, 0)).toEqual({ replicas: 0, effectiveWeight: 0 });
  expect(canaryReplicas(5, 100)).toEqual({ replicas: 5, effectiveWeight: 50 });
});

it('splits ALB target groups by weight', () => {
  expect(JSON.parse(albWeightedAction('web', 'web-canary', 30))).toEqual({
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: 'web', servicePort: 80, weight: 70 },
        { serviceName: 'web-canary', servicePort: 80, weight: 30 },
      ],
    },
  });
});

it('reads events as kubectl prints them', () => {
  const text = JSON.stringify({
    items: [{ type: 'Warning', reason: 'BackOff', message: 'Back-off', lastTimestamp: 't', involvedObject: { kind: 'Pod', name: 'web-1' } }],
  });
  expect(parseEvents(text)).toEqual([{ lastSeen: 't', type: 'Warning', reason: 'BackOff', object: 'Pod/web-1', message: 'Back-off' }]);
});

it('writes tag-style charts as tag@digest and reads both styles back', () => {
  const digest = `sha256:${'d'.repeat(64)}`;
  const tagStyle = { imageRepositoryKey: 'image.repository', imageDigestKey: 'image.tag' } as HelmDeployInputs;
  expect(imageValues(tagStyle, { repository: 'r/app', digest, tag: '1.2' })).toEqual([
    { key: 'image.repository', value: 'r/app' },
    { key: 'image.tag', value: `1.2@${digest}` },
  ]);
  expect(imageFromValues(tagStyle, { image: { repository: 'r/app', tag: `1.2@${digest}` } })).toEqual({ repository: 'r/app', digest, tag: '1.2' });
  const digestStyle = { imageRepositoryKey: 'image.repository', imageDigestKey: 'image.digest' } as HelmDeployInputs;
  expect(imageFromValues(digestStyle, { image: { repository: 'r/app', digest } })).toEqual({ repository: 'r/app', digest, tag: undefined });
  expect(imageFromValues(digestStyle, { image: { repository: 'r/app', digest: 'latest' } })).toBeUndefined();
});
