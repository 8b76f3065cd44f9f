/**
 * The CloudFront side of a deploy on the AWS SDK v3 client (loaded on first use): the
 * distribution's domain, CreateInvalidation with TooManyInvalidationsInProgress retried with
 * backoff, and GetInvalidation polled until Completed or the timeout, whichever comes first.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { ServiceError } from '../toolkit/errors';
import { RetryableError, withRetry, type RetryPolicy, type Sleep, sleep } from '../toolkit/retry';
import { awsCall, awsErrorName, awsFailure } from './aws-errors';

const CF = 'Amazon CloudFront';

export interface Cdn {
  /** The distribution's domain name (d111111abcdef8.cloudfront.net, or its first alias). GetDistribution. */
  domainName(): Promise<string>;
  /** CreateInvalidation; returns the invalidation id. Idempotent for a repeated caller reference. */
  invalidate(paths: readonly string[], callerReference: string): Promise<string>;
  /** Resolves once GetInvalidation says Completed; ServiceError (naming the seconds waited) when `timeoutMs` passes first. */
  waitCompleted(id: string, timeoutMs: number): Promise<void>;
}

export interface CdnOptions {
  /** Retries of CreateInvalidation while 15 wildcard / 3,000 path invalidations are in progress. */
  retry?: RetryPolicy;
  /** GetInvalidation polling delays in seconds: doubling from minDelaySec (20) up to maxDelaySec (120). */
  minDelaySec?: number;
  maxDelaySec?: number;
  /** Sleeps between polls and retries (ms); `now` is the clock (ms since the epoch) the deadline uses. */
  wait?: Sleep;
  now?: () => number;
  onRetry?: (message: string) => void;
  client?: CloudFrontClient;
}

/** The first wait between GetInvalidation polls, in seconds (the SDK waiter's default minDelay). */
export const INVALIDATION_POLL_MIN_DELAY_SEC = 20;

/** Shortest invalidation-timeout, in ms: above the first poll delay, so at least two polls fit. */
export const MIN_INVALIDATION_TIMEOUT_MS = 30_000;

/** In-progress invalidations usually finish in under a minute: wait up to ~5 minutes in all. */
export const TOO_MANY_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 5_000, maxDelayMs: 60_000 };

/** The endpoint comes from AWS_ENDPOINT_URL_CLOUDFRONT / AWS_ENDPOINT_URL when set (never from here). */
export async function createCdn(distributionId: string, opts: CdnOptions = {}): Promise<Cdn> {
  const sdk = await import('@aws-sdk/client-cloudfront');
  const client = opts.client ?? new sdk.CloudFrontClient({ region: 'us-east-1' });
  return {
    async domainName() {
      const r = await awsCall(
        CF,
        `GetDistribution ${distributionId}`,
        () => client.send(new sdk.GetDistributionCommand({ Id: distributionId })),
        'Check distribution-id and that the role may cloudfront:GetDistribution',
      );
      const config = r.Distribution?.DistributionConfig;
      return config?.Aliases?.Items?.[0] ?? r.Distribution?.DomainName ?? '';
    },
    async invalidate(paths, callerReference) {
      const r = await withRetry(
        async () => {
          try {
            return await client.send(
              new sdk.CreateInvalidationCommand({
                DistributionId: distributionId,
                InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: [...paths] } },
              }),
            );
          } catch (e) {
            if (awsErrorName(e) === 'TooManyInvalidationsInProgress') throw new RetryableError((e as Error).message);
            throw awsFailure(CF, `CreateInvalidation on ${distributionId}`, e, 'Check that the role may cloudfront:CreateInvalidation');
          }
        },
        opts.retry ?? TOO_MANY_RETRY,
        (_e, waitMs, n) => opts.onRetry?.(`CloudFront: too many invalidations in progress on ${distributionId}; retry ${n} in ${Math.round(waitMs / 1000)} s`),
        opts.wait ?? sleep,
      ).catch((e: unknown) => {
        if (e instanceof RetryableError) {
          throw new ServiceError(
            CF,
            `CreateInvalidation on ${distributionId}: TooManyInvalidationsInProgress after ${(opts.retry ?? TOO_MANY_RETRY).attempts} attempts`,
            'Wait for the running invalidations to finish and re-run',
          );
        }
        throw e;
      });
      const id = r.Invalidation?.Id;
      if (!id) throw new ServiceError(CF, `CreateInvalidation on ${distributionId} answered without an invalidation id`);
      return id;
    },
    async waitCompleted(id, timeoutMs) {
      // Our own GetInvalidation polling, not the SDK waiter: the waiter gives up as soon as its next
      // backoff would pass maxWaitTime (a 600 s wait ended after ~411 s); here the delays double from
      // minDelay up to maxDelay and the last one is cut so that the final poll lands on the deadline.
      const now = opts.now ?? Date.now;
      const wait = opts.wait ?? sleep;
      const started = now();
      const deadline = started + timeoutMs;
      let delayMs = (opts.minDelaySec ?? INVALIDATION_POLL_MIN_DELAY_SEC) * 1000;
      const maxDelayMs = Math.max(delayMs, (opts.maxDelaySec ?? 120) * 1000);
      for (;;) {
        const r = await awsCall(
          CF,
          `GetInvalidation ${id} on ${distributionId}`,
          () => client.send(new sdk.GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
          'Check that the role may cloudfront:GetInvalidation',
        );
        const status = r.Invalidation?.Status ?? 'unknown';
        // The API's states are InProgress and Completed (exact case); anything else is not done.
        if (status === 'Completed') return;
        const remaining = deadline - now();
        if (remaining <= 0) {
          throw new ServiceError(
            CF,
            `invalidation ${id} on ${distributionId} was not Completed within ${Math.round((now() - started) / 1000)} s (status ${status})`,
            'Raise invalidation-timeout, or set wait-for-invalidation: false',
          );
        }
        await wait(Math.min(delayMs, remaining));
        delayMs = Math.min(delayMs * 2, maxDelayMs);
      }
    },
  };
}
