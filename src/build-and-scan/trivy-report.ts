/**
 * Reads Trivy's JSON report (SchemaVersion 2) into flat findings. The gate works on these,
 * never on Trivy's exit code or table output, so the verdict does not depend on the format.
 */
import { ServiceError } from '../toolkit/errors';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse; UNKNOWN ranks below LOW and therefore never gates. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

export interface Finding {
  id: string;
  pkg: string;
  installed: string;
  /** Empty when no fix is published. */
  fixedIn: string;
  /** Trivy's Status (`fixed`, `affected`, `will_not_fix`...), empty in old reports. */
  status: string;
  severity: Severity;
  title: string;
  url: string;
  /** The result's Target, e.g. `app (alpine 3.10.2)` or `package-lock.json`. */
  target: string;
  /** Highest CVSS v3 score any source gives, when known. */
  cvss?: number;
}

export interface TrivyReport {
  artifactName: string;
  findings: Finding[];
}

interface RawVulnerability {
  VulnerabilityID?: unknown;
  PkgName?: unknown;
  InstalledVersion?: unknown;
  FixedVersion?: unknown;
  Status?: unknown;
  Severity?: unknown;
  Title?: unknown;
  PrimaryURL?: unknown;
  CVSS?: Record<string, { V3Score?: unknown }>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Parses report text; anything that is not a Trivy SchemaVersion 2 JSON report is a scanner error. */
export function parseTrivyReport(text: string, source: string): TrivyReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw notTrivy(source, `not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw notTrivy(source, 'not a JSON object');
  const report = doc as { SchemaVersion?: unknown; ArtifactName?: unknown; Results?: unknown };
  if (report.SchemaVersion !== 2) {
    const seen = 'version' in report && '$schema' in report ? 'it looks like SARIF' : `SchemaVersion is ${JSON.stringify(report.SchemaVersion)}`;
    throw notTrivy(source, `${seen}, expected Trivy JSON with SchemaVersion 2`);
  }
  if (report.Results !== undefined && report.Results !== null && !Array.isArray(report.Results)) throw notTrivy(source, 'Results is not a list');
  const findings: Finding[] = [];
  for (const result of (report.Results ?? []) as { Target?: unknown; Vulnerabilities?: unknown }[]) {
    const vulns = result?.Vulnerabilities;
    if (vulns === undefined || vulns === null) continue; // a clean target has no key at all
    if (!Array.isArray(vulns)) throw notTrivy(source, `Vulnerabilities of '${str(result.Target)}' is not a list`);
    for (const v of vulns as RawVulnerability[]) findings.push(toFinding(v, str(result.Target), source));
  }
  return { artifactName: str(report.ArtifactName), findings };
}

function toFinding(v: RawVulnerability, target: string, source: string): Finding {
  const id = str(v.VulnerabilityID);
  if (!id) throw notTrivy(source, `a vulnerability in '${target}' has no VulnerabilityID`);
  const sev = str(v.Severity).toUpperCase();
  const severity: Severity = (SEVERITIES as readonly string[]).includes(sev) ? (sev as Severity) : 'UNKNOWN';
  const scores = Object.values(v.CVSS ?? {})
    .map((c) => c?.V3Score)
    .filter((n): n is number => typeof n === 'number');
  return {
    id,
    pkg: str(v.PkgName),
    installed: str(v.InstalledVersion),
    fixedIn: str(v.FixedVersion),
    status: str(v.Status),
    severity,
    title: str(v.Title),
    url: str(v.PrimaryURL),
    target,
    cvss: scores.length ? Math.max(...scores) : undefined,
  };
}

/** A fix exists: Trivy gave a fixed version and (when it says) the status is `fixed`. */
export function isFixed(f: Finding): boolean {
  return f.fixedIn !== '' && (f.status === '' || f.status === 'fixed');
}

function notTrivy(source: string, why: string): ServiceError {
  return new ServiceError(
    'trivy',
    `scanner error: the report ${source} is not a Trivy JSON report: ${why}`,
    'The image was not judged; check the trivy version and its output',
  );
}
