/** What people read: the SARIF for code scanning, the job summary, the OCI metadata from the GitHub context. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gate } from '../../src/build-and-scan/gate';
import { defaultOciMetadata, mergeKeyValues } from '../../src/build-and-scan/oci-metadata';
import { gzipSync } from 'node:zlib';
import { GITHUB_SARIF_LIMITS, sarifForGitHub, toSarif } from '../../src/build-and-scan/sarif';
import { renderSummary, type SummaryFacts } from '../../src/build-and-scan/summary';
import { parseTrivyReport } from '../../src/build-and-scan/trivy-report';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'trivy');
const findings = (name: string) => parseTrivyReport(readFileSync(path.join(FIXTURES, name), 'utf8'), name).findings;
const NOW = new Date('2026-06-15T00:00:00Z');
const OPTS = { dockerfile: 'svc/Dockerfile', image: 'ghcr.io/team/app', trivyVersion: '0.67.2' };

interface SarifResult {
  ruleId: string;
  level: string;
  suppressions?: { justification: string }[];
  locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
}
interface Sarif {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; properties: Record<string, unknown> }[] } };
    results: SarifResult[];
    properties: Record<string, unknown>;
  }[];
}

describe('SARIF', () => {
  it('marks the gating CRITICAL of debian-buster as error and the LOW as note, pointing at the Dockerfile', () => {
    const sarif = toSarif(gate(findings('debian-buster.json'), { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW), OPTS) as Sarif;
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('Trivy');
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['CVE-2019-18276', 'note'],
      ['CVE-2019-18224', 'error'],
    ]);
    expect(run.results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('svc/Dockerfile');
    // security-severity drives GitHub's ranking: the highest CVSS v3 score in the report.
    expect(run.tool.driver.rules.find((r) => r.id === 'CVE-2019-18224')?.properties['security-severity']).toBe('9.8');
  });

  it('the same MEDIUM findings are warnings at HIGH and errors at MEDIUM (levels follow the gate)', () => {
    const levels = (threshold: 'HIGH' | 'MEDIUM') =>
      (toSarif(gate(findings('alpine-310.json'), { threshold, ignoreUnfixed: false, ignores: [] }, NOW), OPTS) as Sarif).runs[0].results.map((r) => r.level);
    expect(levels('HIGH')).toEqual(['warning', 'warning', 'warning', 'warning']);
    expect(levels('MEDIUM')).toEqual(['error', 'error', 'error', 'error']);
    const rules = (toSarif(gate(findings('alpine-310.json'), { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW), OPTS) as Sarif).runs[0].tool.driver
      .rules;
    expect(rules.map((r) => r.id)).toEqual(['CVE-2019-1549', 'CVE-2019-1551']); // one rule per ID
  });

  it('ignored findings are suppressed with their reason, not dropped', () => {
    const ignores = [{ id: 'CVE-2019-18224', reason: 'not reachable', expires: '2030-01-01', line: 1 }];
    const r = (toSarif(gate(findings('debian-buster.json'), { threshold: 'HIGH', ignoreUnfixed: true, ignores }, NOW), OPTS) as Sarif).runs[0].results;
    expect(r.map((x) => [x.ruleId, x.suppressions?.[0].justification])).toEqual([
      ['CVE-2019-18276', 'no fix published (ignore-unfixed)'],
      ['CVE-2019-18224', 'not reachable (until 2030-01-01)'],
    ]);
  });
});

describe('SARIF within GitHub code scanning limits', () => {
  /** n findings shaped like debian-buster's two (its CRITICAL and its unfixed LOW), every 10th the CRITICAL. */
  const many = (n: number) => {
    const [low, critical] = findings('debian-buster.json');
    return Array.from({ length: n }, (_, i) => ({ ...(i % 10 === 9 ? critical : low), id: `CVE-2026-${10000 + i}` }));
  };

  it('keeps at most 5,000 results, the gating ones first, and says how many were left out', () => {
    const g = gate(many(6000), { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW);
    const file = sarifForGitHub(g, OPTS);
    expect(GITHUB_SARIF_LIMITS.resultsPerRun).toBe(5000);
    expect([file.results, file.omitted]).toEqual([5000, 1000]);
    const run = (JSON.parse(file.text) as Sarif).runs[0];
    expect(run.results).toHaveLength(5000);
    expect(run.results.filter((r) => r.level === 'error')).toHaveLength(600); // every gating finding survived
    expect(run.tool.driver.rules).toHaveLength(5000); // only rules that a kept result uses
    expect(run.properties).toMatchObject({ findings: 6000, omittedFindings: 1000 });
  });

  it('halves the results until the gzipped file fits, gating findings still first', () => {
    const g = gate(many(400), { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW);
    const full = JSON.stringify(toSarif(g, OPTS), null, 2);
    const limit = Math.floor(gzipSync(full).length / 3); // room for well under half of it
    const file = sarifForGitHub(g, OPTS, { resultsPerRun: 5000, gzippedBytes: limit });
    expect(gzipSync(file.text).length).toBeLessThanOrEqual(limit);
    expect([400, 200, 100, 50, 25]).toContain(file.results); // halved from 400...
    expect(gzipSync(JSON.stringify(toSarif(g, OPTS, file.results * 2), null, 2)).length).toBeGreaterThan(limit); // ...no further than needed
    expect(file.results + file.omitted).toBe(400);
    const levels = (JSON.parse(file.text) as Sarif).runs[0].results.map((r) => r.level);
    expect(levels.filter((l) => l === 'error')).toHaveLength(Math.min(40, file.results)); // the 40 gating ones first
  });

  it('leaves a report within the limits whole, in Trivy order', () => {
    const g = gate(findings('debian-buster.json'), { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW);
    const file = sarifForGitHub(g, OPTS);
    expect([file.results, file.omitted]).toEqual([2, 0]);
    expect(file.text).toBe(JSON.stringify(toSarif(g, OPTS), null, 2));
  });
});

describe('summary', () => {
  const facts = (over: Partial<SummaryFacts>): SummaryFacts => ({
    image: 'ghcr.io/team/app',
    digest: `sha256:${'b'.repeat(64)}`,
    tags: ['v1'],
    builder: 'buildah',
    size: 2048,
    pushState: 'not pushed: gate failed',
    scan: { kind: 'skipped' },
    ...over,
  });

  it('shows the verdict, the counts by severity, the failing findings and the expired entries', () => {
    const ignores = [{ id: 'CVE-2019-18276', reason: 'accepted', expires: '2026-01-01', line: 3 }];
    const g = gate(findings('debian-buster.json'), { threshold: 'HIGH', ignoreUnfixed: false, ignores }, NOW);
    const md = renderSummary(facts({ scan: { kind: 'scanned', gate: g, trivyVersion: '0.67.2', ignoreUnfixed: false } }));
    expect(md).toContain('## build-and-scan: ❌ vulnerability gate failed');
    expect(md).toContain(`| ghcr.io/team/app | \`sha256:${'b'.repeat(64)}\` | v1 | buildah | 2.00 KiB | not pushed: gate failed |`);
    expect(md).toContain('| CRITICAL | 1 | yes |');
    expect(md).toContain('| LOW | 1 | no |');
    expect(md).toContain('| libidn2-0 | 2.0.5-1 | 2.0.5-1+deb10u1 | [CVE-2019-18224](https://avd.aquasec.com/nvd/cve-2019-18224) | CRITICAL |');
    expect(md).toContain('| CVE-2019-18276 | any | 2026-01-01 | accepted | 3 |');
  });

  it('cuts long lists (GitHub caps a summary at 1 MiB) and points at the report file', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ...findings('debian-buster.json')[1], id: `CVE-2026-${i}` }));
    const g = gate(many, { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW);
    const md = renderSummary(facts({ scan: { kind: 'scanned', gate: g, trivyVersion: '0.67.2', ignoreUnfixed: false } }));
    expect(md).toContain('Failing findings (60)');
    expect(md).toContain('[CVE-2026-49]');
    expect(md).not.toContain('[CVE-2026-50]');
    expect(md).toContain('_…and 10 more in the report file._');
  });

  it('says when the SARIF file had to leave findings out', () => {
    const g = gate(findings('debian-buster.json'), { threshold: 'HIGH', ignoreUnfixed: false, ignores: [] }, NOW);
    const md = renderSummary(facts({ scan: { kind: 'scanned', gate: g, trivyVersion: '0.67.2', ignoreUnfixed: false, sarifOmitted: 1 } }));
    expect(md).toContain("SARIF: 1 of 2 findings (GitHub's upload limits), gating ones first");
    expect(renderSummary(facts({ scan: { kind: 'scanned', gate: g, trivyVersion: '0.67.2', ignoreUnfixed: false, sarifOmitted: 0 } }))).not.toContain('SARIF:');
  });

  it('says loudly when nothing was scanned or the scanner failed', () => {
    expect(renderSummary(facts({}))).toContain('**This image was NOT scanned**');
    expect(renderSummary(facts({ scan: { kind: 'error', message: 'scanner error: rate limited' } }))).toContain(
      '**Scanner error: this image was NOT judged.** scanner error: rate limited',
    );
  });
});

describe('OCI metadata from the GitHub context', () => {
  const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'abc123' };

  it('fills source, revision, created and version; the user overrides by key', () => {
    const defaults = defaultOciMetadata(env, ['v1.2.3', 'latest'], NOW);
    expect(defaults).toEqual([
      { key: 'org.opencontainers.image.source', value: 'https://github.com/o/r' },
      { key: 'org.opencontainers.image.revision', value: 'abc123' },
      { key: 'org.opencontainers.image.created', value: '2026-06-15T00:00:00.000Z' },
      { key: 'org.opencontainers.image.version', value: 'v1.2.3' },
    ]);
    const merged = mergeKeyValues(defaults, [
      { key: 'org.opencontainers.image.version', value: '1.2.3' },
      { key: 'team', value: 'core' },
    ]);
    expect(merged.find((m) => m.key === 'org.opencontainers.image.version')?.value).toBe('1.2.3');
    expect(merged).toHaveLength(5);
  });

  it('uses SOURCE_DATE_EPOCH for created when set (reproducible builds)', () => {
    const created = defaultOciMetadata({ ...env, SOURCE_DATE_EPOCH: '0' }, ['v1'], NOW).find((m) => m.key.endsWith('created'));
    expect(created?.value).toBe('1970-01-01T00:00:00.000Z');
  });
});
