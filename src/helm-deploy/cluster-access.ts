/**
 * Cluster access for helm and kubectl: a kubeconfig written to a private temp file (0600,
 * removed at the end), one generated for EKS, or the job's own KUBECONFIG when neither is given.
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Reporter } from '../toolkit/reporter';
import { makeTempDir, writePrivateFile } from '../toolkit/temp-files';
import { eksKubeconfig, type EksDescriber } from './eks';
import type { ClusterAccess } from './inputs';

export interface ClusterSession {
  /** Environment for helm/kubectl (KUBECONFIG set when the action wrote one). */
  env: NodeJS.ProcessEnv;
  describe: string;
  close(): void;
}

function privateKubeconfig(content: string, env: NodeJS.ProcessEnv): { file: string; dir: string } {
  const dir = makeTempDir('shipline-kube-', env);
  const file = path.join(dir, 'config');
  writePrivateFile(file, content);
  return { file, dir };
}

/** `env` is the step's environment (main passes process.env): the base for helm/kubectl, and where RUNNER_TEMP is read. */
export async function openCluster(
  access: ClusterAccess,
  namespace: string,
  env: NodeJS.ProcessEnv,
  describeEks: EksDescriber,
  reporter: Reporter,
): Promise<ClusterSession> {
  const base = { ...env };
  if (access.kind === 'ambient') {
    return { env: base, describe: base.KUBECONFIG ? `KUBECONFIG from the job (${base.KUBECONFIG})` : 'the job’s default kubeconfig', close: () => undefined };
  }
  let content: string;
  let describe: string;
  if (access.kind === 'kubeconfig') {
    content = access.content;
    describe = 'kubeconfig input';
  } else {
    reporter.info(`Reading EKS cluster ${access.clusterName} in ${access.region}`);
    content = eksKubeconfig(access.clusterName, access.region, await describeEks(access.clusterName, access.region), namespace);
    describe = `EKS ${access.clusterName} (${access.region})`;
  }
  const { file, dir } = privateKubeconfig(content, env);
  return { env: { ...base, KUBECONFIG: file }, describe, close: () => rmSync(dir, { recursive: true, force: true }) };
}
