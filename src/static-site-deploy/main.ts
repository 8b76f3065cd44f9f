import { actionMain } from '../toolkit/action-main';
import { createCdn } from './cloudfront';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';
import { createS3Store } from './s3';

void actionMain(Object.keys(INPUTS), parseInputs, async (inputs, reporter) => {
  // Clients are made (and the SDK loaded) only once the build directory has been walked and checked.
  await run(
    inputs,
    {
      store: () => createS3Store(inputs.bucket, inputs.awsRegion, inputs.concurrency),
      cdn: (id) => createCdn(id, { onRetry: (m) => reporter.warning(m) }),
      runId: process.env.GITHUB_RUN_ID ?? '',
      sha: process.env.GITHUB_SHA ?? '',
    },
    reporter,
  );
});
