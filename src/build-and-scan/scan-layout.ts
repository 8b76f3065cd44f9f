/**
 * Scans every image in the layout: one Trivy run for a single image, one per platform
 * (`--platform os/arch`) for a multi-platform index, so no pushed platform goes unscanned.
 * Per-platform reports are merged into one Trivy-shaped report (targets prefixed with the
 * platform) and findings are deduplicated across platforms (one package to fix, once).
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import type { Sleep } from '../toolkit/retry';
import type { ScanInputs } from './inputs';
import type { OciLayout } from './oci-layout';
import { parseTrivyReport, type Finding } from './trivy-report';
import { runTrivy, ScannerError, type Trivy } from './trivy';

export interface LayoutScan {
  /** The report a person (or a later step) reads: Trivy's own file, or the merged one. */
  reportFile: string;
  findings: Finding[];
  platforms: string[];
}

/** Platforms of an index's images; attestation manifests (`unknown/unknown`) are not images. */
export function layoutPlatforms(layout: OciLayout): string[] {
  return layout.root.children
    .map((c) => c.descriptor.platform)
    .filter((p): p is NonNullable<typeof p> => p !== undefined && p.os !== 'unknown' && p.architecture !== 'unknown')
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
}

export async function scanAllPlatforms(
  exec: Exec,
  trivy: Trivy,
  layout: OciLayout,
  scan: ScanInputs,
  workDir: string,
  reporter: Reporter,
  wait?: Sleep,
): Promise<LayoutScan> {
  const platforms = layoutPlatforms(layout);
  const single = path.join(workDir, 'trivy-report.json');
  if (platforms.length === 0) {
    if (layout.root.children.length > 0) throw new ScannerError('the image index names no platform to scan');
    await runTrivy(exec, trivy, layout.dir, single, scan, workDir, reporter, wait);
    return { reportFile: single, findings: parseTrivyReport(await readReport(single), path.basename(single)).findings, platforms: [] };
  }
  const merged: { SchemaVersion: 2; ArtifactName: string; Results: object[] } = { SchemaVersion: 2, ArtifactName: '', Results: [] };
  const byKey = new Map<string, Finding>();
  for (const platform of platforms) {
    const file = path.join(workDir, `trivy-report-${platform.replace(/\//g, '-')}.json`);
    await runTrivy(exec, trivy, layout.dir, file, scan, workDir, reporter, wait, platform);
    const text = await readReport(file);
    const report = parseTrivyReport(text, path.basename(file));
    merged.ArtifactName = report.artifactName;
    const raw = JSON.parse(text) as { Results?: { Target?: string }[] };
    for (const r of raw.Results ?? []) merged.Results.push({ ...r, Target: `[${platform}] ${r.Target ?? ''}` });
    for (const f of report.findings) {
      const key = `${f.id}\u0000${f.pkg}\u0000${f.installed}`;
      const seen = byKey.get(key);
      if (seen) seen.target = seen.target.replace(/^\[([^\]]+)\]/, `[$1, ${platform}]`);
      else byKey.set(key, { ...f, target: `[${platform}] ${f.target}` });
    }
  }
  await writeFile(single, JSON.stringify(merged, null, 2));
  return { reportFile: single, findings: [...byKey.values()], platforms };
}

async function readReport(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => {
    throw new ScannerError(`trivy exited 0 but wrote no report at ${file}`);
  });
}
