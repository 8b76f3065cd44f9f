import { MemoryReporter } from '../../src/toolkit/reporter';
import { maskOnce } from '../../src/toolkit/registry/mask-once';

it('registers each distinct secret once, passes everything else through, and wraps only once', async () => {
  const inner = new MemoryReporter();
  const masking = maskOnce(inner);
  for (const value of ['pw', 'pw', '', 'token', 'pw']) masking.setSecret(value);
  expect(inner.secrets).toEqual(['pw', 'token']);
  expect(maskOnce(masking)).toBe(masking); // the ECR provider and the client share one set
  masking.info('login pw ok');
  masking.setOutput('digest', 'sha256:x');
  await masking.summary('# s');
  expect(inner.log).toBe('login *** ok');
  expect(inner.outputs).toEqual({ digest: 'sha256:x' });
  expect(inner.summaryMarkdown).toBe('# s');
});
