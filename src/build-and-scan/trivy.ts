/**
 * Trivy: installed through the tool cache (checksum-verified) or taken from PATH, then run on
 * the local OCI layout. Database download failures (rate limits) are retried and, if they
 * persist, are a scanner error: never "no vulnerabilities", never "vulnerabilities found".
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import type { Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import { RetryableError, sleep as realSleep, withRetry, type Sleep } from '../toolkit/retry';
import { installTool, toolSpec, type ToolCache } from '../toolkit/tools';
import { withWorkflowCommandsStopped } from '../toolkit/untrusted-output';
import type { ScanInputs } from './inputs';

/** The scan could not be done or read: the image is unjudged. */
export class ScannerError extends ServiceError {
  constructor(problem: string, hint?: string) {
    super('trivy', `scanner error: ${problem}`, hint ?? 'The image was NOT judged (neither clean nor vulnerable)');
    this.name = 'ScannerError';
  }
}

export interface Trivy {
  bin: string;
  version: string;
  /** The environment to run it in, already scrubbed of finding filters (see trivyEnv). */
  env?: NodeJS.ProcessEnv;
}

/**
 * TRIVY_* variables that would silently suppress findings and have no flag we pin (flags
 * win over variables for severity, ignore file, unfixed...): the gate must see every finding;
 * accepting one is the ignore file's job, with a reason and an expiry.
 */
const FINDING_FILTERS = [
  'TRIVY_IGNORE_POLICY',
  'TRIVY_IGNORE_STATUS',
  'TRIVY_VEX',
  'TRIVY_PKG_TYPES', // e.g. os only: every library finding gone
  'TRIVY_VULN_TYPE', // its deprecated alias
  'TRIVY_PKG_RELATIONSHIPS',
  'TRIVY_SKIP_DIRS',
  'TRIVY_SKIP_FILES',
  'TRIVY_DISTRO', // a forced distribution matches packages against the wrong advisories
];

export function trivyEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !FINDING_FILTERS.includes(k)));
}

/**
 * Said whenever Trivy cannot be installed or started. fail-on-scan-error waives a scan that
 * failed to run (database download, unreadable report), never a scanner that is missing or
 * whose download did not verify: that is a broken or tampered setup, so the step fails closed.
 */
export const INSTALL_NOT_WAIVED = 'Nothing was built or pushed; fail-on-scan-error does not apply to a scanner that cannot be installed or verified';

export async function resolveTrivy(scan: ScanInputs, exec: Exec, tc: ToolCache, reporter: Reporter, env: NodeJS.ProcessEnv): Promise<Trivy> {
  const runEnv = trivyEnv(env);
  if (scan.trivyVersion !== 'path') {
    const dir = await installTool(tc, toolSpec('trivy', scan.trivyVersion), reporter, { baseUrl: scan.trivyMirror, sha256: scan.trivySha256 }).catch(
      (e: unknown) => {
        if (!(e instanceof ServiceError)) throw e;
        throw new ServiceError('trivy', `could not be installed: ${e.problem}`, `${e.hint ? `${e.hint}. ` : ''}${INSTALL_NOT_WAIVED}`);
      },
    );
    return { bin: path.join(dir, 'trivy'), version: scan.trivyVersion, env: runEnv };
  }
  const notRunnable = (why: string) =>
    new ServiceError('trivy', `trivy-version is 'path' but ${why}`, `Install trivy on the runner or give a trivy-version to install. ${INSTALL_NOT_WAIVED}`);
  const r = await exec('trivy', ['--version'], { env: runEnv }).catch((e: Error) => {
    throw notRunnable(`trivy could not be run: ${e.message}`);
  });
  if (r.exitCode !== 0) throw notRunnable(`'trivy --version' exited with ${r.exitCode}`);
  const version = /Version:\s*v?(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  reporter.info(`Using trivy ${version} from PATH`);
  return { bin: 'trivy', version, env: runEnv };
}

/** The retryable signatures of a vulnerability-database download failure. */
const DB_DOWNLOAD_FAILURE =
  /TOOMANYREQUESTS|429 Too Many Requests|failed to download vulnerability DB|failed to download Java DB|DB error|failed to download artifact/i;

export function trivyArgs(layoutDir: string, reportFile: string, scan: ScanInputs, workDir: string): string[] {
  // Pin everything that a trivy.yaml, .trivyignore or TRIVY_* variable in the workspace could
  // otherwise change: the report must hold every finding, the action alone decides.
  return [
    'image',
    '--input',
    layoutDir,
    '--format',
    'json',
    '--output',
    reportFile,
    '--scanners',
    'vuln',
    '--severity',
    'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL',
    '--ignore-unfixed=false',
    '--exit-code',
    '0',
    '--ignorefile',
    path.join(workDir, 'empty.trivyignore'),
    '--config',
    path.join(workDir, 'empty-trivy.yaml'),
    ...(scan.trivyCacheDir ? ['--cache-dir', scan.trivyCacheDir] : []),
  ];
}

export async function runTrivy(
  exec: Exec,
  trivy: Trivy,
  layoutDir: string,
  reportFile: string,
  scan: ScanInputs,
  workDir: string,
  reporter: Reporter,
  wait: Sleep = realSleep,
  label?: string,
): Promise<void> {
  writeFileSync(path.join(workDir, 'empty.trivyignore'), '');
  writeFileSync(path.join(workDir, 'empty-trivy.yaml'), '{}\n');
  const args = trivyArgs(layoutDir, reportFile, scan, workDir);
  const policy = { attempts: scan.dbAttempts, baseDelayMs: 2000, maxDelayMs: 30_000 };
  await withRetry(
    async (n) => {
      reporter.info(`Scanning${label ? ` ${label}` : ''} with trivy ${trivy.version}${n > 1 ? ` (attempt ${n} of ${policy.attempts})` : ''}`);
      // Trivy's log quotes what the image holds (file paths, package names): shown, never run as workflow commands
      const r = await withWorkflowCommandsStopped(reporter, () => exec(trivy.bin, args, { env: trivy.env, onLine: (l) => reporter.info(l) }));
      if (r.exitCode === 0 && !r.timedOut) return;
      const text = `${r.stderr}\n${r.stdout}`;
      if (DB_DOWNLOAD_FAILURE.test(text)) throw new RetryableError(failureReason(text));
      throw new ScannerError(`trivy exited with ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}: ${failureReason(text)}`);
    },
    policy,
    (e, waitMs) => reporter.warning(`Trivy could not download its vulnerability database (${e.message}); retrying in ${Math.round(waitMs / 1000)} s`),
    wait,
  ).catch((e: unknown) => {
    if (e instanceof RetryableError) {
      throw new ScannerError(
        `the vulnerability database could not be downloaded (${policy.attempts} attempt${policy.attempts === 1 ? '' : 's'}): ${e.message}`,
        'The image was NOT judged. Cache the database with trivy-cache-dir + actions/cache, or retry later',
      );
    }
    throw e;
  });
}

/**
 * What a registry says when it rate-limits Trivy's database download, as go-containerregistry
 * words it: ghcr.io's TOOMANYREQUESTS carries the limit, so it is preferred to a bare 429.
 */
const RATE_LIMITED = [/(?:GET \S+: )?TOOMANYREQUESTS[^"\\\n]*/, /(?:GET \S+: )?unexpected status code 429 Too Many Requests[^"\\\n]*/];

/**
 * The part of Trivy's log a person needs: the registry's rate-limit answer when there is one
 * (the FATAL error only ends in "failed to download artifact from any source"), else the last
 * FATAL (or ERROR) entry without its timestamp and level. Trivy prints a FATAL error raw, so a
 * multi-error ("2 errors occurred:") continues on the tab-indented "* ..." lines after it.
 */
export function failureReason(text: string): string {
  for (const pattern of RATE_LIMITED) {
    const limited = pattern.exec(text);
    if (limited) return limited[0].trim();
  }
  const lines = text.split(/\r?\n/);
  const last = (level: RegExp) => lines.reduce((found, l, i) => (level.test(l) ? i : found), -1);
  let at = last(/\tFATAL\t/);
  if (at < 0) at = last(/\b(FATAL|ERROR)\b/);
  if (at < 0)
    return (
      lines
        .filter((l) => l.trim() !== '')
        .pop()
        ?.trim() ?? '(no output)'
    );
  const entry = [lines[at]];
  for (const l of lines.slice(at + 1)) {
    if (!/^\s/.test(l) && l !== '') break; // the next timestamped entry
    entry.push(l);
  }
  return entry
    .join(' ')
    .replace(/^\S+\s+(FATAL|ERROR)\s+(Fatal error\s+)?/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
