/**
 * SARIF 2.1.0 for GitHub code scanning, written by the action from Trivy's JSON and the gate's
 * verdict: findings that gated are `error`, the rest `warning` (MEDIUM and above) or `note`,
 * and ignored findings carry a suppression with the reason. Locations point at the Dockerfile,
 * because code scanning needs a file in the repository.
 */
import type { GateResult } from './gate';
import type { Finding, Severity } from './trivy-report';

export interface SarifOptions {
  /** Dockerfile path relative to the repository root, with forward slashes. */
  dockerfile: string;
  image: string;
  trivyVersion: string;
}

/** What GitHub ranks by when no CVSS score is known (its own security-severity bands). */
const FALLBACK_SCORE: Record<Severity, number> = { CRITICAL: 9.5, HIGH: 8.0, MEDIUM: 5.5, LOW: 2.0, UNKNOWN: 0.0 };

export function toSarif(result: GateResult, opts: SarifOptions): object {
  const rules = new Map<string, object>();
  const results = result.judged.map(({ finding: f, disposition }) => {
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
        properties: { severityThreshold: result.threshold, passed: result.passed },
      },
    ],
  };
}

function rule(f: Finding): object {
  const score = f.cvss ?? FALLBACK_SCORE[f.severity];
  return {
    id: f.id,
    name: 'ContainerImageVulnerability',
    shortDescription: { text: f.title || f.id },
    helpUri: f.url || undefined,
    help: { text: `${f.id} (${f.severity}) in ${f.pkg}${f.url ? `: ${f.url}` : ''}` },
    properties: { tags: ['vulnerability', 'security', f.severity], 'security-severity': score.toFixed(1), precision: 'very-high' },
  };
}
