/**
 * Build once, scan the built artifact, push exactly what was scanned:
 * build -> OCI layout (digest D) -> Trivy JSON on that layout -> gate -> push the same bytes ->
 * the registry must answer D for every tag. Outputs and summary are written on every path.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../toolkit/errors';
import type { Exec } from '../toolkit/exec';
import type { Reporter } from '../toolkit/reporter';
import { maskSecret } from '../toolkit/secrets';
import type { Sleep } from '../toolkit/retry';
import { makeTempDir } from '../toolkit/temp-files';
import type { RegistryClient } from '../toolkit/registry/types';
import type { ToolCache } from '../toolkit/tools';
import { buildImage } from './builders';
import { failureMessage, gate, type GateResult } from './gate';
import type { BuildInputs } from './inputs';
import { defaultOciMetadata, mergeKeyValues } from './oci-metadata';
import { layoutSize, readLayout, type OciLayout } from './oci-layout';
import { pushLayout, type PushResult } from './push';
import { GITHUB_SARIF_LIMITS, sarifForGitHub } from './sarif';
import { renderSummary, type SummaryFacts } from './summary';
import { scanAllPlatforms, type LayoutScan } from './scan-layout';
import { resolveTrivy, type Trivy } from './trivy';

export interface RunDeps {
  exec: Exec;
  toolCache: ToolCache;
  /** Opens the registry client for the image's registry (auth, ECR login); only called to push. */
  openRegistry: (inputs: BuildInputs, reporter: Reporter) => Promise<RegistryClient & { close?(): void }>;
  /** Creates the ECR repository when missing (create-repository: true). */
  ensureRepository: (inputs: BuildInputs, reporter: Reporter) => Promise<void>;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  sleep?: Sleep;
}

type ScanOutcome = SummaryFacts['scan'];

export async function run(inputs: BuildInputs, deps: RunDeps, reporter: Reporter): Promise<void> {
  for (const s of inputs.secrets) maskSecret(reporter, s.value);
  const workDir = makeTempDir('shipline-build-and-scan-', deps.env);

  const trivy = inputs.scan.scanner === 'trivy' ? await resolveTrivy(inputs.scan, deps.exec, deps.toolCache, reporter, deps.env) : undefined;
  if (trivy) warnIfCacheInContext(inputs, reporter);
  const now = deps.now();
  const context = defaultOciMetadata(deps.env, inputs.tags, now);
  const built = await buildImage(
    deps.exec,
    { inputs, labels: mergeKeyValues(context, inputs.labels), annotations: mergeKeyValues(context, inputs.annotations), workDir },
    reporter,
  );
  try {
    const layout = await readLayout(built.layoutDir);
    const digest = layout.root.descriptor.digest;
    if (built.reportedDigest !== digest) {
      throw new ServiceError(
        inputs.builder,
        `reported digest ${built.reportedDigest}, but the OCI layout it wrote holds ${digest}`,
        'Nothing was scanned or pushed',
      );
    }
    reporter.info(`Built ${inputs.image} ${digest}`);
    reporter.setOutput('image', inputs.image);
    reporter.setOutput('digest', digest);

    const scan = trivy ? await scanLayout(inputs, deps, trivy, layout, workDir, now, reporter) : skipScan(reporter);
    const facts: SummaryFacts = { image: inputs.image, digest, tags: inputs.tags, builder: inputs.builder, size: layoutSize(layout), pushState: '', scan };

    if (scan.kind === 'scanned' && !scan.gate.passed) {
      await reporter.summary(renderSummary({ ...facts, pushState: 'not pushed: gate failed' }));
      throw new ServiceError(
        'vulnerability gate',
        `${failureMessage(scan.gate)}. Nothing was pushed`,
        'Update the affected packages, or accept a finding with a dated entry in the ignore-file',
      );
    }
    if (scan.kind === 'error' && inputs.scan.failOnScanError) {
      await reporter.summary(renderSummary({ ...facts, pushState: 'not pushed: scanner error' }));
      throw new ServiceError('trivy', `${scan.message}. Nothing was pushed`, 'Retry the job; to push unjudged images anyway set fail-on-scan-error: false');
    }

    if (!inputs.push) {
      // Like docker/build-push-action without push: the digest of what was built is known, but
      // nothing in the registry answers to image@digest or to the tags, so those stay empty.
      reporter.info('push: false, so the image stays local: image-ref is empty and tags is []');
      reporter.setOutput('tags', '[]');
      reporter.setOutput('image-ref', '');
      await reporter.summary(renderSummary({ ...facts, pushState: 'not pushed (push: false)' }));
      return;
    }
    const pushed = await push(inputs, deps, layout, reporter).catch(async (e: unknown) => {
      await reporter.summary(renderSummary({ ...facts, pushFailed: true, pushState: `push FAILED: ${e instanceof Error ? e.message : String(e)}` }));
      throw e;
    });
    reporter.setOutput('tags', JSON.stringify(pushed.tags));
    reporter.setOutput('image-ref', `${inputs.image}@${pushed.digest}`);
    await reporter.summary(renderSummary({ ...facts, pushState: `pushed (${pushed.blobsUploaded} blobs uploaded, ${pushed.blobsPresent} already there)` }));
  } finally {
    rmSync(built.layoutDir, { recursive: true, force: true }); // reports stay; the image layers can be large
  }
}

async function push(inputs: BuildInputs, deps: RunDeps, layout: OciLayout, reporter: Reporter): Promise<PushResult> {
  const client = await deps.openRegistry(inputs, reporter);
  try {
    if (inputs.createRepository) await deps.ensureRepository(inputs, reporter);
    return await pushLayout(client, inputs.repository, layout, inputs.tags, reporter);
  } finally {
    client.close?.();
  }
}

/**
 * A trivy-cache-dir inside the build context is sent to the builder with the context (the
 * database is hundreds of MB) and a `COPY . .` puts it in the image, unless an ignore file
 * names it.
 */
function warnIfCacheInContext(inputs: BuildInputs, reporter: Reporter): void {
  const cache = inputs.scan.trivyCacheDir;
  if (!cache) return;
  const rel = path.relative(inputs.context, cache);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return;
  const top = rel.split(path.sep)[0];
  const ignored = (file: string) =>
    existsSync(file) &&
    readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .some((l) => l.trim().replace(/^\/+|\/+$/g, '') === top);
  if (['.dockerignore', '.containerignore'].some((f) => ignored(path.join(inputs.context, f)))) return; // buildah reads either
  reporter.warning(
    `trivy-cache-dir '${rel}' is inside the build context: the vulnerability database is sent to the builder and a COPY of the context puts it in the image. Add '${top}' to .dockerignore, or leave trivy-cache-dir empty and cache ~/.cache/trivy`,
  );
}

function skipScan(reporter: Reporter): ScanOutcome {
  reporter.warning('scanner: none: THIS IMAGE WAS NOT SCANNED for vulnerabilities. Use this only for demos or air-gapped runners.');
  reporter.setOutput('scan-passed', 'skipped');
  reporter.setOutput('vulnerabilities', '{}');
  reporter.setOutput('report-file', '');
  reporter.setOutput('sarif-file', '');
  return { kind: 'skipped' };
}

async function scanLayout(
  inputs: BuildInputs,
  deps: RunDeps,
  trivy: Trivy,
  layout: OciLayout,
  workDir: string,
  now: Date,
  reporter: Reporter,
): Promise<ScanOutcome> {
  let result: GateResult;
  let scanned: LayoutScan;
  try {
    scanned = await scanAllPlatforms(deps.exec, trivy, layout, inputs.scan, workDir, reporter, deps.sleep);
    result = gate(scanned.findings, { threshold: inputs.scan.threshold, ignoreUnfixed: inputs.scan.ignoreUnfixed, ignores: inputs.scan.ignores }, now);
  } catch (e) {
    if (!(e instanceof ServiceError) || e.system !== 'trivy') throw e;
    reporter.setOutput('scan-passed', 'error');
    reporter.setOutput('vulnerabilities', '{}');
    reporter.setOutput('report-file', '');
    reporter.setOutput('sarif-file', '');
    if (!inputs.scan.failOnScanError) reporter.warning(`${e.message}. fail-on-scan-error is false, so the step goes on: THIS IMAGE WAS NOT JUDGED.`);
    return { kind: 'error', message: e.problem };
  }
  for (const entry of result.expired) {
    reporter.warning(`ignore-file line ${entry.line}: the entry for ${entry.id} expired on ${entry.expires} and no longer applies (${entry.reason})`);
  }
  const sarifFile = path.join(workDir, 'trivy-results.sarif');
  const dockerfile = path.relative(inputs.workspace, inputs.file).split(path.sep).join('/');
  const sarif = sarifForGitHub(result, { dockerfile, image: inputs.image, trivyVersion: trivy.version });
  writeFileSync(sarifFile, reporter.redact(sarif.text));
  if (sarif.omitted > 0) {
    const { resultsPerRun, gzippedBytes } = GITHUB_SARIF_LIMITS;
    reporter.warning(
      `The SARIF file holds ${sarif.results} of ${result.judged.length} findings (GitHub code scanning keeps ${resultsPerRun} per run and refuses files over ${gzippedBytes / 1024 / 1024} MiB gzipped); gating findings come first, and the report file has them all`,
    );
  }
  reporter.setOutput('scan-passed', String(result.passed));
  reporter.setOutput('vulnerabilities', JSON.stringify(result.counts));
  reporter.setOutput('report-file', scanned.reportFile);
  reporter.setOutput('sarif-file', sarifFile);
  const counts = Object.entries(result.counts)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  reporter.info(`Vulnerabilities after ignores: ${counts}; gate at ${result.threshold}: ${result.passed ? 'passed' : 'FAILED'}`);
  return {
    kind: 'scanned',
    gate: result,
    trivyVersion: trivy.version,
    ignoreUnfixed: inputs.scan.ignoreUnfixed,
    platforms: scanned.platforms,
    sarifOmitted: sarif.omitted,
  };
}
