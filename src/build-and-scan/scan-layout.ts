/**
 * Scans every image in the layout: one Trivy run for a single image, one per platform for a
 * multi-platform index, so no pushed platform goes unscanned. Each platform gets its own
 * layout (index.json naming just that manifest, blobs shared through a symlink), so which
 * image Trivy reads never depends on how it picks a platform out of an index.
 * Per-platform reports are merged into one Trivy-shaped report (targets prefixed with the
 * platform) and findings are deduplicated across platforms (one package to fix, once).
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import type { Sleep } from '../toolkit/retry';
import type { ScanInputs } from './inputs';
import type { LayoutManifest, OciLayout } from './oci-layout';
import { parseTrivyReport, type Finding } from './trivy-report';
import { runTrivy, ScannerError, type Trivy } from './trivy';

export interface LayoutScan {
  /** The report a person (or a later step) reads: Trivy's own file, or the merged one. */
  reportFile: string;
  findings: Finding[];
  platforms: string[];
}

/** The platform images of an index; attestation manifests (`unknown/unknown`) are not images. */
function platformImages(layout: OciLayout): { platform: string; manifest: LayoutManifest }[] {
  return layout.root.children.flatMap((manifest) => {
    const p = manifest.descriptor.platform;
    if (!p || p.os === 'unknown' || p.architecture === 'unknown') return [];
    return [{ platform: [p.os, p.architecture, p.variant].filter(Boolean).join('/'), manifest }];
  });
}

/** A layout holding only `manifest`, sharing the blobs of the built layout. */
async function singleImageLayout(layout: OciLayout, manifest: LayoutManifest, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest.descriptor] }));
  await symlink(path.join(layout.dir, 'blobs'), path.join(dir, 'blobs'));
  return dir;
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
  const images = platformImages(layout);
  const platforms = images.map((i) => i.platform);
  const single = path.join(workDir, 'trivy-report.json');
  if (platforms.length === 0) {
    if (layout.root.children.length > 0) throw new ScannerError('the image index names no platform to scan');
    await runTrivy(exec, trivy, layout.dir, single, scan, workDir, reporter, wait);
    return { reportFile: single, findings: parseTrivyReport(await readReport(single), path.basename(single)).findings, platforms: [] };
  }
  const merged: { SchemaVersion: 2; ArtifactName: string; Results: object[] } = { SchemaVersion: 2, ArtifactName: '', Results: [] };
  const byKey = new Map<string, Finding>();
  for (const { platform, manifest } of images) {
    const slug = platform.replace(/\//g, '-');
    const file = path.join(workDir, `trivy-report-${slug}.json`);
    const input = await singleImageLayout(layout, manifest, path.join(workDir, `scan-${slug}`));
    await runTrivy(exec, trivy, input, file, scan, workDir, reporter, wait, platform);
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
