/**
 * A "cluster" for helm-deploy's integration tests: the helm and kubectl test doubles first on
 * PATH, keeping release state in a temp dir and logging every command line they run. `deploy`
 * runs the committed bundle like the runner does; the rest reads and seeds the doubles' state.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { testTempDir } from './temp';
import { ROOT, runAction, type StepResult } from '../harness/run-action';

export const DOUBLES = path.join(ROOT, 'test', 'doubles', 'bin');
export const CHART = path.join(ROOT, 'charts', 'app');
export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
export const IMAGE_A = `registry.example.com/team/app@${DIGEST_A}`;
export const IMAGE_B = `registry.example.com/team/app@${DIGEST_B}`;

export interface Call {
  tool: string;
  bin?: string;
  argv: string[];
  kubeconfig: string | null;
  kubeconfigMode: string | null;
  /** helm only: each --set-file path and its mode when helm read it (null: missing). */
  setFileModes?: Record<string, string | null>;
}
export interface Revision {
  revision: number;
  status: string;
  description: string;
  values: Record<string, unknown>;
}

export class Cluster {
  readonly dir = testTempDir('helm-double-');
  constructor(readonly helmVersion = 'v3.19.0') {}
  async deploy(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepResult> {
    return runAction(
      'helm-deploy',
      { 'helm-version': 'path', chart: CHART, release: 'web', ...inputs },
      {
        path: [DOUBLES],
        env: { HELM_DOUBLE_STATE: this.dir, HELM_DOUBLE_VERSION: this.helmVersion, ...env },
      },
    );
  }
  /** Every command line run, reads included. */
  lines(): string[] {
    return this.calls().map((c) => [c.tool, ...c.argv].join(' '));
  }
  calls(): Call[] {
    const f = path.join(this.dir, 'calls.log');
    return existsSync(f)
      ? readFileSync(f, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Call)
      : [];
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
  /**
   * A release with the given history, shaped like Helm's history-with-rollback.json (shared
   * fixture): `statuses[i]` is revision `first + i`; each revision runs digest `digestFor(revision)`.
   */
  seedHistory(release: string, statuses: string[], first = 1): void {
    const entries = statuses.map((status, i) => ({
      revision: first + i,
      updated: '1977-09-02T22:04:05Z',
      status,
      chart: 'app-0.1.0',
      app_version: '1.0.0',
      values: { image: { repository: 'registry.example.com/team/app', digest: digestFor(first + i) } },
      description: first + i === 1 ? 'Install complete' : status === 'failed' ? 'Upgrade "x" failed: context deadline exceeded' : 'Upgrade complete',
    }));
    writeFileSync(path.join(this.dir, 'state.json'), JSON.stringify({ releases: { [`default/${release}`]: entries }, namespaces: ['default'], events: [] }));
  }
  /** A release left as a cancelled run leaves it: newest revision pending. */
  seedPending(release: string, status: 'pending-upgrade' | 'pending-install'): void {
    const deployed = {
      revision: 1,
      updated: '2026-01-01T00:00:00.000Z',
      status: 'deployed',
      chart: 'app-0.1.0',
      app_version: '1.0.0',
      values: { image: { digest: DIGEST_A } },
      description: 'Install complete',
    };
    const stuck = {
      ...deployed,
      revision: status === 'pending-install' ? 1 : 2,
      status,
      description: 'Preparing upgrade',
      values: { image: { digest: DIGEST_B } },
    };
    const releases = { [`default/${release}`]: status === 'pending-install' ? [stuck] : [deployed, stuck] };
    writeFileSync(path.join(this.dir, 'state.json'), JSON.stringify({ releases, namespaces: ['default'], events: [] }));
  }
}

/** The image digest a revision was deployed with. */
export const digestOf = (r: Revision | undefined) => (r?.values.image as { digest?: string } | undefined)?.digest;

/** The digest seedHistory gives revision n (sha256:000…0n). */
export const digestFor = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
