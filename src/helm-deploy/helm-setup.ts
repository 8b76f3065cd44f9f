/**
 * The first steps helm-deploy's run and its library surface (rollout) share: mask the
 * credentials the inputs carry, and find or install the helm binary.
 */
import * as path from 'node:path';
import type { Reporter } from '../toolkit/reporter';
import { maskSecret } from '../toolkit/secrets';
import { installTool, toolSpec, type ToolCache } from '../toolkit/tools';
import type { HelmDeployInputs } from './inputs';

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
