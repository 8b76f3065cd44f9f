/**
 * The Helm Deployer: helm-deploy's canary (NGINX weight, ALB weights or replica ratio) and
 * blue/green strategies, reached through src/helm-deploy/library.ts.
 */
import type { HelmRollout } from '../helm-deploy/library';
import type { Deployer, RolloutState } from './machine';
import type { RolloutKind } from './steps';

export function helmDeployer(release: HelmRollout, kind: RolloutKind, log: (line: string) => void): Deployer {
  let firstInstall: { revision?: number } | undefined;
  return {
    kind,
    async setWeight(weight) {
      const r = await release.canaryAt(weight);
      if (r.firstInstall) firstInstall = { revision: r.revision };
      return { weight: r.weight, firstInstall: r.firstInstall };
    },
    preview: () => release.preview(),
    switchTraffic: () => release.switchToNew(),
    async finish() {
      if (kind === 'canary') {
        // a first install has no canary to promote: the new version already is stable
        const r = firstInstall ?? (await release.promoteCanary());
        return { revision: r.revision === undefined ? undefined : String(r.revision) };
      }
      const r = await release.retireOld();
      return { revision: r.revision === undefined ? undefined : String(r.revision) };
    },
    async abort(state: RolloutState) {
      if (kind === 'canary') {
        await release.abortCanary();
        log(`abort: canary removed, all traffic on stable (the canary had reached ${state.weight} %)`);
      } else {
        log(`abort: ${await release.switchBack()}`);
      }
    },
  };
}
