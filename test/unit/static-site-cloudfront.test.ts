/**
 * CloudFront paths moto cannot show: moto 5.2.1 completes every invalidation the moment it is
 * created and never answers TooManyInvalidationsInProgress, so the waiter's slow path, its
 * timeout, and the retry of CreateInvalidation are driven here with aws-sdk-client-mock
 * answering as the CloudFront API reference documents (Status InProgress, then Completed).
 */
import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand, TooManyInvalidationsInProgress } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { ServiceError } from '../../src/toolkit/errors';
import { createCdn } from '../../src/static-site-deploy/cloudfront';

const cf = mockClient(CloudFrontClient);
const tooMany = () =>
  new TooManyInvalidationsInProgress({
    message: 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.',
    $metadata: { httpStatusCode: 400 },
  });
const invalidation = (Status: string) => ({
  Invalidation: {
    Id: 'I2J0I21PCUYOIK',
    Status,
    CreateTime: new Date(),
    InvalidationBatch: { CallerReference: 'r', Paths: { Quantity: 1, Items: ['/index.html'] } },
  },
});

beforeEach(() => cf.reset());
afterAll(() => cf.restore());

describe('CreateInvalidation', () => {
  it('retries TooManyInvalidationsInProgress with growing waits, then returns the id', async () => {
    cf.on(CreateInvalidationCommand).rejectsOnce(tooMany()).rejectsOnce(tooMany()).resolves(invalidation('InProgress'));
    const waits: number[] = [];
    const said: string[] = [];
    const cdn = await createCdn('E2QWRUHAPOMQZL', {
      client: new CloudFrontClient({ region: 'us-east-1' }),
      retry: { attempts: 5, baseDelayMs: 1000, maxDelayMs: 8000 },
      wait: async (ms) => void waits.push(ms),
      onRetry: (m) => said.push(m),
    });
    expect(await cdn.invalidate(['/index.html'], 'shipline-42-abc')).toBe('I2J0I21PCUYOIK');
    expect(cf.commandCalls(CreateInvalidationCommand)).toHaveLength(3);
    const sent = cf.commandCalls(CreateInvalidationCommand).map((c) => c.args[0].input.InvalidationBatch?.CallerReference);
    expect(sent).toEqual(['shipline-42-abc', 'shipline-42-abc', 'shipline-42-abc']);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(1000);
    expect(said[0]).toContain('too many invalidations in progress on E2QWRUHAPOMQZL');
  });

  it('fails closed, naming the limit, when the distribution stays busy', async () => {
    cf.on(CreateInvalidationCommand).rejects(tooMany());
    const cdn = await createCdn('E2QWRUHAPOMQZL', {
      client: new CloudFrontClient({ region: 'us-east-1' }),
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      wait: async () => undefined,
    });
    const e = await cdn.invalidate(['/*'], 'r').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceError);
    expect((e as Error).message).toBe(
      'Amazon CloudFront: CreateInvalidation on E2QWRUHAPOMQZL: TooManyInvalidationsInProgress after 3 attempts. Wait for the running invalidations to finish and re-run',
    );
    expect(cf.commandCalls(CreateInvalidationCommand)).toHaveLength(3);
  });

  it('does not retry other errors', async () => {
    cf.on(CreateInvalidationCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const cdn = await createCdn('E2QWRUHAPOMQZL', { client: new CloudFrontClient({ region: 'us-east-1' }), wait: async () => undefined });
    await expect(cdn.invalidate(['/*'], 'r')).rejects.toThrow('CreateInvalidation on E2QWRUHAPOMQZL failed (HTTP 403): AccessDenied: User is not authorized');
    expect(cf.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
  });
});

/** A virtual clock: `wait` advances it and records each delay, so a 10-minute wait runs at once. */
function virtualClock() {
  let t = 1_000_000;
  const waits: number[] = [];
  return { waits, now: () => t, wait: async (ms: number) => void (waits.push(ms), (t += ms)), elapsed: () => t - 1_000_000 };
}

describe('waiting for the invalidation (GetInvalidation polling)', () => {
  const client = () => new CloudFrontClient({ region: 'us-east-1' });

  it('polls GetInvalidation through InProgress until Completed, delays doubling from 20 s', async () => {
    cf.on(GetInvalidationCommand).resolvesOnce(invalidation('InProgress')).resolvesOnce(invalidation('InProgress')).resolves(invalidation('Completed'));
    const clock = virtualClock();
    const cdn = await createCdn('E2QWRUHAPOMQZL', { client: client(), now: clock.now, wait: clock.wait });
    await cdn.waitCompleted('I2J0I21PCUYOIK', 600_000);
    const calls = cf.commandCalls(GetInvalidationCommand);
    expect(calls).toHaveLength(3);
    expect(calls[0].args[0].input).toEqual({ DistributionId: 'E2QWRUHAPOMQZL', Id: 'I2J0I21PCUYOIK' });
    expect(clock.waits).toEqual([20_000, 40_000]);
  });

  it('keeps polling up to the full timeout: the last poll lands on the deadline', async () => {
    // Completed only at the poll at 600 s, where the SDK waiter would have given up after ~411 s.
    const clock = virtualClock();
    cf.on(GetInvalidationCommand).callsFake(() => invalidation(clock.elapsed() >= 600_000 ? 'Completed' : 'InProgress'));
    const cdn = await createCdn('E2QWRUHAPOMQZL', { client: client(), now: clock.now, wait: clock.wait });
    await cdn.waitCompleted('I2J0I21PCUYOIK', 600_000);
    expect(clock.elapsed()).toBe(600_000);
    // 20, 40, 80, then 120 s (maxDelay) until the last delay is cut to the time left.
    expect(clock.waits).toEqual([20_000, 40_000, 80_000, 120_000, 120_000, 120_000, 100_000]);
  });

  it('fails the step with the real time waited when the invalidation is still InProgress at the timeout', async () => {
    cf.on(GetInvalidationCommand).resolves(invalidation('InProgress'));
    const clock = virtualClock();
    const cdn = await createCdn('E2QWRUHAPOMQZL', { client: client(), now: clock.now, wait: clock.wait });
    await expect(cdn.waitCompleted('I2J0I21PCUYOIK', 600_000)).rejects.toThrow(
      'Amazon CloudFront: invalidation I2J0I21PCUYOIK on E2QWRUHAPOMQZL was not Completed within 600 s (status InProgress). Raise invalidation-timeout, or set wait-for-invalidation: false',
    );
    expect(clock.elapsed()).toBe(600_000);
    expect(cf.commandCalls(GetInvalidationCommand)).toHaveLength(8);
  });

  it("is not fooled by another case: moto's COMPLETED is not the API's Completed", async () => {
    cf.on(GetInvalidationCommand).resolves(invalidation('COMPLETED'));
    const clock = virtualClock();
    const cdn = await createCdn('E2QWRUHAPOMQZL', { client: client(), now: clock.now, wait: clock.wait });
    await expect(cdn.waitCompleted('I2J0I21PCUYOIK', 30_000)).rejects.toThrow('was not Completed within 30 s (status COMPLETED)');
  });

  it('fails closed when GetInvalidation is refused', async () => {
    cf.on(GetInvalidationCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudfront:GetInvalidation'), { name: 'AccessDenied' }));
    const clock = virtualClock();
    const cdn = await createCdn('E2QWRUHAPOMQZL', { client: client(), now: clock.now, wait: clock.wait });
    await expect(cdn.waitCompleted('I2J0I21PCUYOIK', 600_000)).rejects.toThrow(ServiceError);
    expect(clock.waits).toEqual([]);
  });
});
