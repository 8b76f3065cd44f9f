/**
 * The set-up helm-deploy's run and its library surface (rollout) share: mask the credentials
 * the inputs carry, find or install the helm binary, and the release operations' settings.
 */
import * as path from 'node:path';
import type { Reporter } from '../toolkit/reporter';
import { maskSecret } from '../toolkit/secrets';
import { installTool, toolSpec, type ToolCache } from '../toolkit/tools';
import type { Helm } from './helm';
import type { HelmDeployInputs } from './inputs';
import type { ReleaseOps } from './release-ops';

/**
 * Masks every `set` value marked secret (as given and with helm's `\,` escapes removed) and
 * a kubeconfig's credentials; returns the secret `set` values (Helm masks them in its argv).
 */
export function maskDeploySecrets(inputs: HelmDeployInputs, reporter: Pick<Reporter, 'setSecret'>): string[] {
  const secrets = inputs.set.filter((s) => s.secret).map((s) => s.value);
  // helm sees `a\,b` as `a,b`: mask what it may print back too
  for (const s of secrets) for (const form of new Set([s, s.replace(/\\(.)/g, '$1')])) maskSecret(reporter, form);
  if (inputs.cluster.kind === 'kubeconfig') for (const s of inputs.cluster.secrets) maskSecret(reporter, s);
  return secrets;
}

/** The helm binary to run: `helm` from PATH (helm-version: path), else the pinned release installed in the tool cache. */
export async function helmBinary(inputs: HelmDeployInputs, toolCache: ToolCache, reporter: Reporter): Promise<string> {
  if (inputs.helmVersion === 'path') return 'helm';
  const dir = await installTool(toolCache, toolSpec('helm', inputs.helmVersion), reporter, { baseUrl: inputs.helmMirror, sha256: inputs.helmSha256 });
  return path.join(dir, 'helm');
}

/** The release operations' settings (namespace, timeout in ms, wait, rollback-on-failure, recover-pending) from the inputs. */
export function releaseOps(inputs: HelmDeployInputs, helm: Helm, reporter: Reporter): ReleaseOps {
  return {
    helm,
    reporter,
    namespace: inputs.namespace,
    timeoutMs: inputs.timeoutMs,
    wait: inputs.wait,
    rollbackOnFailure: inputs.rollbackOnFailure,
    recoverPending: inputs.recoverPending,
  };
}
