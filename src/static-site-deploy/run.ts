/**
 * static-site-deploy: upload a built frontend to S3 in the order that keeps every served page
 * whole (content-hashed assets, then other files, then HTML and entry points), skip what is
 * unchanged, invalidate CloudFront, and only then delete what no kept build references.
 */
import { createHash } from 'node:crypto';
import { mapLimit } from '../toolkit/pool';
import type { Reporter } from '../toolkit/reporter';
import { formatBytes } from '../toolkit/summary';
import { PHASES } from './classify';
import { digestBuild, scanBuild } from './build-files';
import type { Cdn } from './cloudfront';
import type { StaticSiteInputs } from './inputs';
import { batchPaths, callerReference, invalidationPaths, urlPath } from './invalidation';
import { MANIFEST_NAME, parseManifest } from './manifest';
import { planDeploy } from './plan';
import type { SiteStore } from './s3';
import { deploySummary, type InvalidationReport } from './summary';

export interface Deps {
  store: () => Promise<SiteStore>;
  cdn: (distributionId: string) => Promise<Cdn>;
  /** GITHUB_RUN_ID and GITHUB_SHA (empty outside Actions). */
  runId: string;
  sha: string;
  now?: () => Date;
}

export async function run(inputs: StaticSiteInputs, deps: Deps, reporter: Reporter): Promise<void> {
  const started = Date.now();
  // Every input error about the build is found here, before any client is made.
  const local = await scanBuild(inputs.sourceDir, inputs);
  const target = `s3://${inputs.bucket}/${inputs.prefix}`;
  reporter.info(`Build: ${local.length} files, ${formatBytes(local.reduce((n, f) => n + f.size, 0))} in ${inputs.sourceDir}`);
  const manifestKey = inputs.prefix + MANIFEST_NAME;

  // The files are read and digested while the bucket is listed: neither waits for the other.
  const remote = async () => {
    const store = await deps.store();
    const cdn = inputs.distributionId ? await deps.cdn(inputs.distributionId) : undefined;
    // The listing says whether a manifest exists (a first deploy makes no GetObject for it); it is
    // read as soon as a page shows it ('.shipline/' sorts early), while later pages are listed.
    let manifestRead: Promise<string | undefined> | undefined;
    const onPage = (keys: readonly string[]) => {
      if (manifestRead || !keys.includes(manifestKey)) return;
      manifestRead = store.getText(manifestKey);
      manifestRead.catch(() => undefined); // awaited below unless the listing fails first
    };
    const expected = [manifestKey, ...local.map((f) => inputs.prefix + f.key)];
    // The distribution is looked up first: a wrong id fails before anything is uploaded.
    const [domain, stored] = await Promise.all([cdn?.domainName(), store.list(inputs.prefix, { expected, onPage })]);
    return { store, cdn, domain, stored, manifestText: await manifestRead };
  };
  const listed = remote(); // first: the SDK loads and the first page is asked for, then the reading starts
  const [{ store, cdn, domain, stored, manifestText }, files] = await Promise.all([listed, digestBuild(local)]);
  const contentDigest = createHash('sha256')
    .update(files.map((f) => `${f.key}\n${f.etag}\n${f.signature}`).join('\n'))
    .digest('hex');
  const previous = parseManifest(manifestText, `s3://${inputs.bucket}/${manifestKey}`);
  const url = domain ? `https://${domain}${urlPath(inputs.prefix).replace(/\/?$/, '/')}` : `https://${inputs.bucket}.s3.amazonaws.com/${inputs.prefix}`;
  const plan = await planDeploy({
    files,
    prefix: inputs.prefix,
    stored,
    previous,
    build: { id: deps.sha ? `${deps.sha.slice(0, 12)}-${deps.runId}` : contentDigest.slice(0, 16), deployedAt: (deps.now?.() ?? new Date()).toISOString() },
    keepPrevious: inputs.keepPrevious,
    delete: inputs.delete,
    concurrency: inputs.concurrency,
  });
  const uploads = PHASES.flatMap((p) => plan.uploads[p]);
  const changedUnhashed = uploads.filter((f) => f.phase !== 'hashed' && plan.replaced.has(f.key)).map((f) => inputs.prefix + f.key);
  const paths = cdn ? invalidationPaths(inputs.invalidate, changedUnhashed, inputs.prefix, inputs.invalidateMaxPaths) : [];
  for (const phase of PHASES) reporter.info(`Plan ${phase}: upload ${plan.uploads[phase].length}`);
  reporter.info(
    `Plan: skip ${plan.skipped.length} unchanged, delete ${plan.deletes.length}, keep ${plan.kept.length} for previous builds, invalidate ${paths.length ? paths.join(' ') : 'nothing'}`,
  );

  const invalidation: InvalidationReport = {
    ids: [],
    paths,
    status: paths.length ? 'planned' : 'none',
    reason: !cdn ? 'no distribution-id' : inputs.invalidate.kind === 'none' ? 'invalidate is none' : 'no file CloudFront may have cached was replaced',
  };
  let deleted = 0;
  // What was stored so far (all of the plan in a dry run): a failed step reports what it did.
  const done = { files: 0, bytes: 0 };
  const storedSoFar = () => (inputs.dryRun ? { files: uploads.length, bytes: uploads.reduce((n, f) => n + f.size, 0) } : done);
  const outputs = () => {
    reporter.setOutput('uploaded', String(storedSoFar().files));
    reporter.setOutput('skipped', String(plan.skipped.length));
    reporter.setOutput('deleted', String(inputs.dryRun ? plan.deletes.length : deleted));
    reporter.setOutput('bytes', String(storedSoFar().bytes));
    reporter.setOutput('invalidation-id', invalidation.ids.join(','));
    reporter.setOutput('url', url);
  };
  const summary = (error?: string) =>
    reporter.summary(
      deploySummary({ target, url, plan, dryRun: inputs.dryRun, invalidation, deleted, stored: storedSoFar(), ms: Date.now() - started, error }),
    );
  if (inputs.dryRun) {
    outputs();
    await summary();
    reporter.info('Dry run: nothing written.');
    return;
  }
  try {
    for (const phase of PHASES) {
      // Each phase completes before the next starts: no page is live before what it references.
      await mapLimit(plan.uploads[phase], inputs.concurrency, async (f) => {
        await store.putFile(inputs.prefix + f.key, f.file, f.size, f.headers, f.md5);
        done.files++;
        done.bytes += f.size;
      });
      if (plan.uploads[phase].length) reporter.info(`Uploaded ${plan.uploads[phase].length} ${phase} file(s)`);
    }
    if (plan.writeManifest) await store.putText(manifestKey, JSON.stringify(plan.manifest), 'application/json', 'no-store');
    if (cdn && paths.length) {
      for (const batch of batchPaths(paths)) {
        const id = await cdn.invalidate(batch, callerReference(deps.runId || contentDigest, inputs.distributionId!, batch));
        invalidation.ids.push(id);
        reporter.info(`Invalidation ${id}: ${batch.length} path(s)`);
      }
      invalidation.status = 'created';
      if (inputs.waitForInvalidation) {
        const deadline = Date.now() + inputs.invalidationTimeoutMs;
        for (const id of invalidation.ids) await cdn.waitCompleted(id, Math.max(1000, deadline - Date.now()));
        invalidation.status = 'Completed';
        reporter.info(`Invalidation ${invalidation.ids.join(', ')} Completed`);
      }
    }
    // Only now is the new build what visitors get; older assets go, except those kept builds use.
    if (plan.deletes.length) {
      await store.deleteKeys(plan.deletes);
      deleted = plan.deletes.length;
      reporter.info(`Deleted ${deleted} object(s) no kept build references`);
    }
  } catch (e) {
    outputs();
    await summary(e instanceof Error ? e.message : String(e));
    throw e;
  }
  outputs();
  await summary();
}
