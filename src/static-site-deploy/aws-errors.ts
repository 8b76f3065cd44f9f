/** AWS SDK errors as the one ServiceError line a user reads: which service, which call, what AWS said. */
import { ServiceError } from '../toolkit/errors';
import { scrubServiceText } from '../toolkit/secrets';

/** The SDK's error name (e.g. NoSuchBucket, AccessDenied, TooManyInvalidationsInProgress) or ''. */
export function awsErrorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

/** Wraps an SDK failure of `call` on `service`; the message is scrubbed before it is quoted. */
export function awsFailure(service: string, call: string, e: unknown, hint?: string): ServiceError {
  if (e instanceof ServiceError) return e;
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const text = scrubServiceText(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  return new ServiceError(service, `${call} failed${status ? ` (HTTP ${status})` : ''}: ${text}`, hint);
}

/** Runs one SDK call, turning its failure into a ServiceError naming the service and call. */
export async function awsCall<T>(service: string, call: string, fn: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw awsFailure(service, call, e, hint);
  }
}
