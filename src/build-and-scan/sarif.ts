/**
 * SARIF 2.1.0 for GitHub code scanning, written by the action from Trivy's JSON and the gate's
 * verdict: findings that gated are `error`, the rest `warning` (MEDIUM and above) or `note`,
 * and ignored findings carry a suppression with the reason. Locations point at the Dockerfile,
 * because code scanning needs a file in the repository.
 * The file is fitted to GitHub's upload limits, so upload-sarif never rejects it and what GitHub
 * keeps is chosen here, gating findings first; the full list stays in the Trivy report.
 */
import { gzipSync } from 'node:zlib';
import type { GateResult, JudgedFinding } from './gate';
import type { Finding, Severity } from './trivy-report';

export interface SarifOptions {
  /** Dockerfile path relative to the repository root, with forward slashes. */
  dockerfile: string;
  image: string;
  trivyVersion: string;
}

/** What GitHub ranks by when no CVSS score is known (its own security-severity bands). */
const FALLBACK_SCORE: Record<Severity, number> = { CRITICAL: 9.5, HIGH: 8.0, MEDIUM: 5.5, LOW: 2.0, UNKNOWN: 0.0 };
const score = (f: Finding) => f.cvss ?? FALLBACK_SCORE[f.severity];

/**
 * docs.github.com, "SARIF results exceed limit": a run may hold 25,000 results but only 5,000
 * are kept (which ones is GitHub's choice), and a gzipped file over 10 MB is rejected.
 */
export const GITHUB_SARIF_LIMITS = { resultsPerRun: 5000, gzippedBytes: 10 * 1024 * 1024 };

export interface SarifFile {
  text: string;
  /** Findings in the file, and findings left out to fit the limits. */
  results: number;
  omitted: number;
}

/** The SARIF text to write: as many findings as fit, halving until the gzipped size fits too. */
export function sarifForGitHub(result: GateResult, opts: SarifOptions, limits = GITHUB_SARIF_LIMITS): SarifFile {
  let max = Math.min(result.judged.length, limits.resultsPerRun);
  for (;;) {
    const text = JSON.stringify(toSarif(result, opts, max), null, 2);
    if (max === 0 || gzipSync(text).length <= limits.gzippedBytes) return { text, results: max, omitted: result.judged.length - max };
    max = Math.floor(max / 2);
  }
}

/** Which findings to keep when not all fit: gating first, then by severity score, ignored last. */
function mostImportant(judged: readonly JudgedFinding[], max: number): readonly JudgedFinding[] {
  if (judged.length <= max) return judged;
  const rank = ({ disposition: d }: JudgedFinding) => (d.kind === 'counted' ? (d.gating ? 0 : 1) : d.kind === 'unfixed' ? 2 : 3);
  const keep = new Set(
    judged
      .map((j, i) => ({ j, i }))
      .sort((a, b) => rank(a.j) - rank(b.j) || score(b.j.finding) - score(a.j.finding) || a.i - b.i)
      .slice(0, max)
      .map(({ j }) => j),
  );
  return judged.filter((j) => keep.has(j)); // report order, as Trivy listed them
}

export function toSarif(result: GateResult, opts: SarifOptions, maxResults = Number.POSITIVE_INFINITY): object {
  const rules = new Map<string, object>();
  const kept = mostImportant(result.judged, maxResults);
  const results = kept.map(({ finding: f, disposition }) => {
    if (!rules.has(f.id)) rules.set(f.id, rule(f));
    const level = disposition.kind === 'counted' && disposition.gating ? 'error' : f.severity === 'LOW' || f.severity === 'UNKNOWN' ? 'note' : 'warning';
    const suppressions =
      disposition.kind === 'ignored'
        ? [{ kind: 'external', status: 'accepted', justification: `${disposition.entry.reason} (until ${disposition.entry.expires})` }]
        : disposition.kind === 'unfixed'
          ? [{ kind: 'external', status: 'accepted', justification: 'no fix published (ignore-unfixed)' }]
          : undefined;
    return {
      ruleId: f.id,
      level,
      message: {
        text: `${f.id} (${f.severity}) in ${f.pkg} ${f.installed}${f.fixedIn ? `, fixed in ${f.fixedIn}` : ', no fix published'}; image ${opts.image}, target ${f.target}`,
      },
      locations: [{ physicalLocation: { artifactLocation: { uri: opts.dockerfile, uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } } }],
      partialFingerprints: { 'shipline/finding': `${f.id}/${f.pkg}/${f.installed}/${f.target}` },
      properties: { severity: f.severity, package: f.pkg, installedVersion: f.installed, fixedVersion: f.fixedIn, gating: level === 'error' },
      ...(suppressions ? { suppressions } : {}),
    };
  });
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'Trivy',
            fullName: 'Trivy Vulnerability Scanner (gated by Shipline build-and-scan)',
            informationUri: 'https://github.com/aquasecurity/trivy',
            version: opts.trivyVersion,
            rules: [...rules.values()],
          },
        },
        results,
        properties: {
          severityThreshold: result.threshold,
          passed: result.passed,
          findings: result.judged.length,
          omittedFindings: result.judged.length - kept.length,
        },
      },
    ],
  };
}

function rule(f: Finding): object {
  return {
    id: f.id,
    name: 'ContainerImageVulnerability',
    shortDescription: { text: f.title || f.id },
    helpUri: f.url || undefined,
    help: { text: `${f.id} (${f.severity}) in ${f.pkg}${f.url ? `: ${f.url}` : ''}` },
    properties: { tags: ['vulnerability', 'security', f.severity], 'security-severity': score(f).toFixed(1), precision: 'very-high' },
  };
}
