/**
 * How a failed CloudWatch call is treated, and the retry inside the interval:
 * - throttling (Throttling, ThrottlingException, RequestLimitExceeded...), internal errors
 *   (InternalServiceFault, InternalFailure, any 5xx) and network failures are measurement
 *   errors: retried with exponential backoff while the interval leaves time, then reported as
 *   an `error` measurement (consecutive-error-limit and the end rules decide);
 * - refused credentials or permissions, and validation errors are configuration errors: the
 *   gate ends in `error` at once, naming the call and what to check.
 * Messages are scrubbed (scrubServiceText) before they are quoted.
 */
import { ServiceError } from '../../toolkit/errors';
import { scrubServiceText } from '../../toolkit/secrets';

const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'InternalServiceFault',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const CONFIGURATION = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'ValidationError',
  'CredentialsProviderError',
]);

/** A CloudWatch answer no retry can fix: ends the gate with verdict error (rule configuration-error). */
export class CloudWatchConfigError extends ServiceError {
  readonly configuration = true;
  constructor(problem: string, hint: string) {
    super('CloudWatch', problem, hint);
  }
}

type AwsError = Error & { $metadata?: { httpStatusCode?: number }; code?: string };

export function errorText(e: unknown): string {
  const err = e as AwsError;
  return scrubServiceText(`${err.name ?? 'Error'}: ${err.message ?? String(e)}`).slice(0, 300);
}

/** 'retry' for throttling, internal and network errors; 'configuration' for credentials and validation; 'error' otherwise. */
export function classify(e: unknown): 'retry' | 'configuration' | 'error' {
  const err = e as AwsError;
  if (CONFIGURATION.has(err.name) || CONFIGURATION.has(err.code ?? '')) return 'configuration';
  const status = err.$metadata?.httpStatusCode;
  if (RETRYABLE.has(err.name) || (status !== undefined && status >= 500)) return 'retry';
  // No HTTP answer at all (ECONNREFUSED, DNS, socket reset): the service could not be reached.
  if (status === undefined) return 'retry';
  return 'error';
}

export interface CallDeps {
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** The first backoff; doubled each retry. */
export const FIRST_BACKOFF_MS = 200;

/**
 * Calls `call` until it answers, retrying retryable failures with exponential backoff while
 * the next attempt would still start before `deadlineMs` (epoch ms). Returns the answer, or
 * `{ failed }` with the last error text; throws CloudWatchConfigError for configuration errors.
 */
export async function withRetries<T>(what: string, call: () => Promise<T>, deadlineMs: number, deps: CallDeps): Promise<T | { failed: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const kind = classify(e);
      if (kind === 'configuration')
        throw new CloudWatchConfigError(
          `${what} was refused: ${errorText(e)}`,
          'Check aws-region, the job credentials (cloudwatch:DescribeAlarms / cloudwatch:GetMetricData permissions) and the metric definitions',
        );
      const backoff = FIRST_BACKOFF_MS * 2 ** attempt;
      if (kind === 'error' || deps.clock() + backoff >= deadlineMs) return { failed: `${what} failed after ${attempt + 1} attempt(s): ${errorText(e)}` };
      await deps.sleep(backoff);
    }
  }
}

export function isFailed<T>(r: T | { failed: string }): r is { failed: string } {
  return typeof r === 'object' && r !== null && 'failed' in r && Object.keys(r).length === 1;
}
