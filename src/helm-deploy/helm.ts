/**
 * The Helm wrapper: builds every helm command line as an argument array (pure functions,
 * so dry-run plans and tests see exactly what runs), runs it through the injected Exec,
 * and reads releases back as typed records. Helm 3 and 4 differ in two flags, chosen here.
 */
import { ServiceError } from '../toolkit/errors';
import { lastLines, type Exec, type ExecResult } from '../toolkit/exec';
import { formatDuration } from '../toolkit/inputs';
import type { Reporter } from '../toolkit/reporter';
import { scrubServiceText } from '../toolkit/secrets';
import { withWorkflowCommandsStopped } from '../toolkit/untrusted-output';
import { parseHistory, parseList, parseStatus, type HistoryEntry, type ListedRelease, type ReleaseStatus } from './helm-json';
import { setFileArg, type SetArg } from './secret-values';

export type HelmMajor = 3 | 4;

export function parseHelmVersion(text: string): { version: string; major: HelmMajor } {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!m) throw new ServiceError('helm', `'helm version' printed '${text.trim().slice(0, 80)}'`, 'Install Helm 3 or 4');
  const major = Number(m[1]);
  if (major !== 3 && major !== 4) throw new ServiceError('helm', `Helm ${m[0]} is not supported`, 'Use Helm 3 or Helm 4');
  return { version: `${m[1]}.${m[2]}.${m[3]}`, major };
}

/** Helm 4 turned --wait into a strategy flag (`watcher` is the old full wait). */
export function waitFlags(major: HelmMajor, wait: boolean): string[] {
  if (!wait) return [];
  return major === 4 ? ['--wait=watcher'] : ['--wait'];
}

/** Helm 4 renamed --atomic; the old name still parses there but is deprecated. */
export function rollbackOnFailureFlag(major: HelmMajor): string {
  return major === 4 ? '--rollback-on-failure' : '--atomic';
}

export interface UpgradeRequest {
  release: string;
  chart: string;
  namespace: string;
  chartVersion?: string;
  createNamespace?: boolean;
  valuesFiles: readonly string[];
  /** The user's `set` lines; secret ones carry the file their value is read from (--set-file). */
  set: readonly SetArg[];
  /** Values the action itself sets (image digest, strategy switches); strings, applied last so they win. */
  setString: readonly { key: string; value: string }[];
  timeoutMs: number;
  wait: boolean;
  rollbackOnFailure: boolean;
}

export function upgradeArgs(major: HelmMajor, r: UpgradeRequest): string[] {
  const args = ['upgrade', '--install', r.release, r.chart, '--namespace', r.namespace];
  if (r.createNamespace) args.push('--create-namespace');
  if (r.chartVersion) args.push('--version', r.chartVersion);
  for (const f of r.valuesFiles) args.push('--values', f);
  for (const s of r.set) {
    if (!s.secret) args.push('--set', `${s.key}=${s.value}`);
    // fail closed: a secret without its file never falls back to the command line
    else if (!s.file) throw new Error(`no value file for the secret set value ${s.key}`);
    else args.push('--set-file', setFileArg(s.key, s.file));
  }
  for (const s of r.setString) args.push('--set-string', `${s.key}=${s.value}`);
  args.push('--timeout', formatDuration(r.timeoutMs), ...waitFlags(major, r.wait));
  if (r.rollbackOnFailure) args.push(rollbackOnFailureFlag(major));
  return args;
}

export function rollbackArgs(major: HelmMajor, release: string, namespace: string, revision: number | undefined, timeoutMs: number, wait: boolean): string[] {
  const args = ['rollback', release];
  if (revision !== undefined) args.push(String(revision));
  return [...args, '--namespace', namespace, '--timeout', formatDuration(timeoutMs), ...waitFlags(major, wait)];
}

export function uninstallArgs(major: HelmMajor, release: string, namespace: string, timeoutMs: number, wait: boolean): string[] {
  return ['uninstall', release, '--namespace', namespace, '--timeout', formatDuration(timeoutMs), ...waitFlags(major, wait)];
}

/** A command line for logs and summaries, with secret `set` values replaced by ***. */
export function displayCommand(command: string, args: readonly string[], secrets: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const masked = args.map((a) => secrets.reduce((t, s) => (s ? t.split(s).join('***') : t), a));
  return [command, ...masked].map(quote).join(' ');
}

/**
 * Helm's --timeout bounds each wait, not the command: a pre-upgrade hook, the rollout, and with
 * --atomic/--rollback-on-failure the rollback's hooks and rollout may each take that long. Killing
 * helm in the middle is what leaves a release pending-*, so the hard stop only catches a hung helm.
 */
export function hardStopMs(timeoutMs: number): number {
  return 4 * timeoutMs + 120_000;
}

/** Helm's driver.ErrReleaseNotFound; any other "not found" (a kubeconfig exec plugin, a namespace) is a failure. */
const NOT_FOUND = /release: not found/;
export const ANOTHER_OPERATION = /another operation \(install\/upgrade\/rollback\) is in progress/;

export class Helm {
  /** Every command line run, masked, in order (for the summary). */
  readonly commands: string[] = [];

  constructor(
    private readonly exec: Exec,
    private readonly binary: string,
    readonly major: HelmMajor,
    private readonly env: NodeJS.ProcessEnv,
    private readonly reporter: Reporter,
    private readonly secrets: readonly string[],
    /** A hard stop beyond Helm's own --timeout, so a hung helm fails the step instead of the job's clock. */
    private readonly hardTimeoutMs = 15 * 60_000,
  ) {}

  /** Asks the binary which Helm it is (`--template` works in Helm 3 and 4). */
  static async detect(exec: Exec, binary: string, env: NodeJS.ProcessEnv): Promise<{ version: string; major: HelmMajor }> {
    const r = await exec(binary, ['version', '--template', '{{.Version}}'], { env });
    if (r.exitCode !== 0) throw new ServiceError('helm', `'helm version' exited with ${r.exitCode}: ${r.stderr.trim().slice(0, 200)}`, 'Check the helm binary');
    return parseHelmVersion(r.stdout);
  }

  async run(args: readonly string[], quiet = false): Promise<ExecResult> {
    const line = displayCommand('helm', args, this.secrets);
    if (!quiet) {
      this.commands.push(line);
      this.reporter.info(`$ ${line}`);
    }
    const run = () =>
      this.exec(this.binary, args, { env: this.env, timeoutMs: this.hardTimeoutMs, onLine: quiet ? undefined : (l) => this.reporter.info(`  ${l}`) });
    // a chart's NOTES and hook output are the chart author's text: shown, never run as workflow commands
    const r = quiet ? await run() : await withWorkflowCommandsStopped(this.reporter, run);
    if (r.timedOut) this.reporter.warning(`helm ${args[0]} did not finish within ${Math.round(this.hardTimeoutMs / 1000)} s and was stopped`);
    return r;
  }

  private async read(args: readonly string[], what: string): Promise<string | undefined> {
    const r = await this.run(args, true);
    if (r.exitCode === 0) return r.stdout;
    if (NOT_FOUND.test(r.stderr)) return undefined;
    throw new ServiceError('helm', `${what} failed: ${lastLines(r.stderr, 2).slice(0, 300)}`, 'Check cluster access (kubeconfig or EKS) and the namespace');
  }

  /** The release's revisions, oldest first; empty when the release does not exist. */
  async history(release: string, namespace: string): Promise<HistoryEntry[]> {
    const out = await this.read(['history', release, '--namespace', namespace, '--max', '20', '--output', 'json'], `helm history ${release}`);
    return out === undefined ? [] : parseHistory(out);
  }

  async list(namespace: string, names: readonly string[]): Promise<ListedRelease[]> {
    const filter = `^(${names.map((n) => n.replace(/\./g, '\\.')).join('|')})$`;
    const out = await this.read(['list', '--namespace', namespace, '--all', '--filter', filter, '--output', 'json'], 'helm list');
    return out === undefined ? [] : parseList(out).filter((r) => names.includes(r.name));
  }

  async status(release: string, namespace: string): Promise<ReleaseStatus | undefined> {
    const out = await this.read(['status', release, '--namespace', namespace, '--output', 'json'], `helm status ${release}`);
    return out === undefined ? undefined : parseStatus(out);
  }

  /** The user-supplied values of the live revision (where Shipline keeps strategy state). */
  async values(release: string, namespace: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.read(['get', 'values', release, '--namespace', namespace, '--output', 'json'], `helm get values ${release}`);
    if (out === undefined) return undefined;
    try {
      return (JSON.parse(out) ?? {}) as Record<string, unknown>;
    } catch {
      throw new ServiceError('helm', `helm get values ${release} did not print JSON`);
    }
  }

  upgrade(r: UpgradeRequest): Promise<ExecResult> {
    return this.run(upgradeArgs(this.major, r));
  }

  rollback(release: string, namespace: string, revision: number | undefined, timeoutMs: number, wait: boolean): Promise<ExecResult> {
    return this.run(rollbackArgs(this.major, release, namespace, revision, timeoutMs, wait));
  }

  uninstall(release: string, namespace: string, timeoutMs: number, wait: boolean): Promise<ExecResult> {
    return this.run(uninstallArgs(this.major, release, namespace, timeoutMs, wait));
  }
}

/** Helm's error for messages: from its `Error:` line to the end (hook failures continue on more lines). */
export function helmError(r: ExecResult): string {
  const lines = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith('Error:'));
  const text = at >= 0 ? lines.slice(at).join(' ') : (lines.at(-1) ?? `exit ${r.exitCode}`);
  // helm quotes API server answers and rendered values: drop credentials before quoting
  return scrubServiceText(text)
    .replace(/^Error:\s*/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}
