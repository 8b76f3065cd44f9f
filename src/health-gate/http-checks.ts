/**
 * HTTP health checks: every round requests every URL (each with its own timeout); a round
 * succeeds when every URL answered an expected status with a matching body. The checks pass
 * after `consecutive-successes` good rounds in a row and fail when the deadline leaves no
 * room for them. A hanging URL is cut at request-timeout and reported as such.
 */
import { scrubServiceText } from '../toolkit/secrets';
import { bodyMismatch } from './body-match';
import type { Fetch } from '../toolkit/fetch';
import type { HttpCheckSettings } from './inputs';

/** Whether an HTTP status matches one of the expected codes ("200") or classes ("2xx"), as parsed from expected-status. */
export function statusExpected(expected: readonly string[], status: number): boolean {
  const code = String(status);
  return expected.some((e) => e === code || (e.endsWith('xx') && e[0] === code[0] && code.length === 3));
}

export interface UrlResult {
  url: string;
  ok: boolean;
  status?: number;
  ms: number;
  reason?: string;
}

export interface CheckRound {
  atMs: number;
  ok: boolean;
  results: UrlResult[];
}

export interface HttpCheckResult {
  passed: boolean;
  reason: string;
  rounds: CheckRound[];
}

export interface HttpCheckDeps {
  fetch?: Fetch;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

async function checkUrl(url: string, s: HttpCheckSettings, fetchFn: Fetch, clock: () => number): Promise<UrlResult> {
  const start = clock();
  try {
    const res = await fetchFn(url, { headers: s.headers, signal: AbortSignal.timeout(s.requestTimeoutMs), redirect: 'manual' });
    const body = await res.text();
    const ms = clock() - start;
    if (!statusExpected(s.expectedStatus, res.status))
      return { url, ok: false, status: res.status, ms, reason: `status ${res.status}, expected ${s.expectedStatus.join(' or ')}` };
    const mismatch = s.bodyMatch ? bodyMismatch(s.bodyMatch, body) : undefined;
    // the mismatch quotes the body, which may echo the request's headers
    return mismatch
      ? { url, ok: false, status: res.status, ms, reason: scrubServiceText(mismatch, Object.values(s.headers)) }
      : { url, ok: true, status: res.status, ms };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const ms = clock() - start;
    if (err.name === 'TimeoutError' || err.name === 'AbortError')
      return { url, ok: false, ms, reason: `timed out after ${s.requestTimeoutMs} ms (request-timeout)` };
    return { url, ok: false, ms, reason: `request failed: ${err.cause?.code ?? err.cause?.message ?? err.message}` };
  }
}

export async function runHttpChecks(s: HttpCheckSettings, deps: HttpCheckDeps): Promise<HttpCheckResult> {
  const fetchFn = deps.fetch ?? ((u, i) => fetch(u, i));
  const deadline = deps.clock() + s.deadlineMs;
  const rounds: CheckRound[] = [];
  let streak = 0;
  for (;;) {
    const atMs = deps.clock();
    const results = await Promise.all(s.urls.map((u) => checkUrl(u, s, fetchFn, deps.clock)));
    const ok = results.every((r) => r.ok);
    rounds.push({ atMs, ok, results });
    streak = ok ? streak + 1 : 0;
    deps.log?.(`health round ${rounds.length}: ${results.map((r) => `${r.url} ${r.ok ? `ok (${r.status}, ${Math.round(r.ms)} ms)` : r.reason}`).join('; ')}`);
    if (streak >= s.consecutiveSuccesses) {
      return { passed: true, rounds, reason: `${s.urls.length} URL(s) healthy ${streak} time(s) in a row` };
    }
    const next = atMs + s.intervalMs;
    if (next >= deadline) {
      const lastBad = [...rounds]
        .reverse()
        .flatMap((r) => r.results)
        .find((r) => !r.ok);
      const why = lastBad ? `; last failure: ${lastBad.url} ${lastBad.reason}` : '';
      return {
        passed: false,
        rounds,
        reason: `health checks did not reach ${s.consecutiveSuccesses} consecutive successes within the ${Math.round(s.deadlineMs / 1000)} s deadline${why}`,
      };
    }
    await deps.sleep(Math.max(0, next - deps.clock()));
  }
}
