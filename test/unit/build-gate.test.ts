/** The gate's verdicts, asserted against what Trivy's real reports (test/fixtures/trivy) contain. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError, ServiceError } from '../../src/toolkit/errors';
import { gate, failureMessage, type GatePolicy } from '../../src/build-and-scan/gate';
import { parseIgnoreFile, type IgnoreEntry } from '../../src/build-and-scan/ignore-file';
import { parseTrivyReport } from '../../src/build-and-scan/trivy-report';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'trivy');
const report = (name: string) => parseTrivyReport(readFileSync(path.join(FIXTURES, name), 'utf8'), name);
const NOW = new Date('2026-06-15T12:00:00Z');
const policy = (p: Partial<GatePolicy> = {}): GatePolicy => ({ threshold: 'HIGH', ignoreUnfixed: false, ignores: [], ...p });
const entry = (e: Partial<IgnoreEntry>): IgnoreEntry => ({ id: 'CVE-0', reason: 'r', expires: '2999-01-01', line: 1, ...e });

describe('parseTrivyReport', () => {
  it('reads every finding of the real reports', () => {
    const counts = (name: string) => report(name).findings.map((f) => `${f.severity}:${f.id}:${f.pkg}`);
    expect(counts('debian-buster.json')).toEqual(['LOW:CVE-2019-18276:bash', 'CRITICAL:CVE-2019-18224:libidn2-0']);
    expect(counts('alpine-310.json')).toHaveLength(4);
    expect(report('alpine-310.json').findings.every((f) => f.severity === 'MEDIUM')).toBe(true);
    expect(
      counts('centos-7.json')
        .map((c) => c.split(':')[0])
        .sort(),
    ).toEqual(['LOW', 'LOW', 'MEDIUM']);
    expect(counts('npm.json')).toEqual(['MEDIUM:CVE-2019-11358:jquery']);
  });

  it('keeps fix information: the unfixed LOW in debian-buster has no fixed version', () => {
    const [bash, idn] = report('debian-buster.json').findings;
    expect(bash).toMatchObject({ fixedIn: '', status: 'affected', installed: '5.0-4' });
    expect(idn).toMatchObject({ fixedIn: '2.0.5-1+deb10u1', status: 'fixed' });
  });

  it('accepts a report with no Results and a result with no Vulnerabilities key', () => {
    expect(parseTrivyReport('{"SchemaVersion":2,"ArtifactName":"x"}', 'r').findings).toEqual([]);
    expect(parseTrivyReport('{"SchemaVersion":2,"Results":[{"Target":"a","Class":"os-pkgs"}]}', 'r').findings).toEqual([]);
  });

  it.each([
    ['SARIF', readFileSync(path.join(FIXTURES, 'alpine-310.sarif'), 'utf8'), 'looks like SARIF'],
    ['not JSON', 'Total: 4 (MEDIUM: 4)', 'not JSON'],
    ['schema 1', '{"SchemaVersion":1,"Results":[]}', 'SchemaVersion is 1'],
    ['an array', '[]', 'not a JSON object'],
    ['bad Vulnerabilities', '{"SchemaVersion":2,"Results":[{"Target":"a","Vulnerabilities":{}}]}', 'is not a list'],
  ])('refuses %s as a scanner error', (_n, text, why) => {
    expect(() => parseTrivyReport(text, 'report.json')).toThrow(ServiceError);
    expect(() => parseTrivyReport(text, 'report.json')).toThrow(why);
  });
});

describe('gate', () => {
  it('debian-buster (1 CRITICAL, 1 LOW) fails at HIGH because of the CRITICAL', () => {
    const r = gate(report('debian-buster.json').findings, policy(), NOW);
    expect(r.passed).toBe(false);
    expect(r.counts).toEqual({ CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    expect(r.failing.map((f) => f.id)).toEqual(['CVE-2019-18224']);
    expect(failureMessage(r)).toBe('failed on 1 CRITICAL finding at or above HIGH (CVE-2019-18224)');
  });

  it('alpine-310 (4 MEDIUM) passes at HIGH and fails at MEDIUM', () => {
    const f = report('alpine-310.json').findings;
    expect(gate(f, policy(), NOW).passed).toBe(true);
    const medium = gate(f, policy({ threshold: 'MEDIUM' }), NOW);
    expect(medium.passed).toBe(false);
    expect(medium.failing).toHaveLength(4);
    expect(failureMessage(medium)).toBe('failed on 4 MEDIUM findings at or above MEDIUM (CVE-2019-1549, CVE-2019-1551)');
  });

  it('centos-7 at LOW fails on all three; with ignore-unfixed the will_not_fix LOW is not counted', () => {
    const f = report('centos-7.json').findings;
    expect(gate(f, policy({ threshold: 'LOW' }), NOW).failing).toHaveLength(3);
    const r = gate(f, policy({ threshold: 'LOW', ignoreUnfixed: true }), NOW);
    expect(r.failing.map((x) => x.id).sort()).toEqual(['CVE-2018-0734', 'CVE-2019-1559']);
    expect(r.counts).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 1, UNKNOWN: 0 });
    expect(r.unfixedSkipped).toBe(1);
  });

  it('ignore-unfixed on debian-buster counts what Trivy itself reports with --ignore-unfixed', () => {
    const ours = gate(report('debian-buster.json').findings, policy({ ignoreUnfixed: true }), NOW).counts;
    const trivys = gate(report('debian-buster-ignore-unfixed.json').findings, policy(), NOW).counts;
    expect(ours).toEqual(trivys);
    expect(ours).toEqual({ CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
  });

  it('an active ignore entry lets the CRITICAL pass; once expired it fails again and is reported', () => {
    const f = report('debian-buster.json').findings;
    const e = entry({ id: 'CVE-2019-18224', expires: '2026-06-16', reason: 'not reachable' });
    const active = gate(f, policy({ ignores: [e] }), NOW);
    expect(active.passed).toBe(true);
    expect(active.ignored.map((i) => i.finding.id)).toEqual(['CVE-2019-18224']);
    expect(active.counts.CRITICAL).toBe(0);
    const dayAfter = gate(f, policy({ ignores: [e] }), new Date('2026-06-16T00:00:00Z'));
    expect(dayAfter.passed).toBe(false);
    expect(dayAfter.expired).toEqual([e]);
    expect(dayAfter.ignored).toEqual([]);
  });

  it('an entry for another package does not apply, and is reported as unused', () => {
    const e = entry({ id: 'CVE-2019-18224', package: 'openssl' });
    const r = gate(report('debian-buster.json').findings, policy({ ignores: [e] }), NOW);
    expect(r.passed).toBe(false);
    expect(r.unused).toEqual([e]);
  });

  it('an ignore entry applies to the CVE in every package unless it names one', () => {
    const f = report('alpine-310.json').findings;
    const all = gate(f, policy({ threshold: 'MEDIUM', ignores: [entry({ id: 'CVE-2019-1549' })] }), NOW);
    expect(all.ignored).toHaveLength(2);
    const one = gate(f, policy({ threshold: 'MEDIUM', ignores: [entry({ id: 'CVE-2019-1549', package: 'libssl1.1' })] }), NOW);
    expect(one.ignored.map((i) => i.finding.pkg)).toEqual(['libssl1.1']);
  });
});

describe('parseIgnoreFile', () => {
  it('reads entries with their line numbers', () => {
    const text =
      '# accepted risks\n- id: CVE-2019-18224\n  reason: not reachable\n  expires: 2026-12-31\n  package: libidn2-0\n\n- id: CVE-2019-18276\n  reason: "bash: no setuid"\n  expires: 2027-01-31\n';
    expect(parseIgnoreFile(text, 'ignore.yml')).toEqual([
      { id: 'CVE-2019-18224', reason: 'not reachable', expires: '2026-12-31', package: 'libidn2-0', line: 2 },
      { id: 'CVE-2019-18276', reason: 'bash: no setuid', expires: '2027-01-31', package: undefined, line: 7 },
    ]);
  });

  it('an empty file ignores nothing', () => {
    expect(parseIgnoreFile('# nothing accepted\n', 'i.yml')).toEqual([]);
  });

  it.each([
    ['an impossible date', '- id: CVE-1\n  reason: x\n  expires: 2030-02-30\n', 'line 1', 'not a real date'],
    ['a missing reason', '- id: CVE-1\n  reason: x\n  expires: 2030-01-01\n- id: CVE-2\n  expires: 2030-01-01\n', 'line 4', "no 'reason'"],
    ['a non-ISO date', '- id: CVE-1\n  reason: x\n  expires: 31/12/2030\n', 'line 1', 'YYYY-MM-DD'],
    ['an unknown key', '- id: CVE-1\n  reason: x\n  expires: 2030-01-01\n  severity: LOW\n', 'line 4', "unknown key 'severity'"],
    ['a mapping at the top', 'ignore:\n  - id: CVE-1\n', 'line 1', 'must be a YAML list'],
    ['a bare string entry', '- id: CVE-1\n  reason: x\n  expires: 2030-01-01\n- just a string\n', 'line 4', 'must be a mapping'],
    ['broken YAML', '- id: CVE-1\n  reason: [x\n', 'line', 'Flow sequence'],
  ])('refuses %s, naming the line', (_name, text, line, problem) => {
    let err: unknown;
    try {
      parseIgnoreFile(text, 'ignore.yml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe('ignore-file');
    expect((err as Error).message).toContain(`ignore.yml ${line}`);
    expect((err as Error).message).toContain(problem);
  });
});
