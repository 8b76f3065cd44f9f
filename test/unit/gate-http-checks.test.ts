/** HTTP checks with a fake fetch and clock: consecutive successes, deadline, timeouts, body match. */
import { runHttpChecks } from '../../src/health-gate/http-checks';
import { parseBodyMatch } from '../../src/health-gate/body-match';
import type { HttpCheckSettings } from '../../src/health-gate/inputs';
import type { Fetch } from '../../src/health-gate/prometheus';

function fakeTime() {
  let now = 0;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms) };
}

const settings = (over: Partial<HttpCheckSettings> = {}): HttpCheckSettings => ({
  urls: ['http://a/healthz'],
  expectedStatus: ['200'],
  requestTimeoutMs: 50,
  intervalMs: 1000,
  consecutiveSuccesses: 3,
  deadlineMs: 10_000,
  headers: {},
  ...over,
});

/** Answers from a list of [status, body] per call (the last repeats). */
function answers(list: [number, string][]): Fetch {
  let n = 0;
  return async () => {
    const [status, body] = list[Math.min(n++, list.length - 1)];
    return new Response(body, { status });
  };
}

it('passes after consecutive successes, restarting the streak on a failure', async () => {
  const r = await runHttpChecks(settings(), {
    fetch: answers([
      [200, ''],
      [503, ''],
      [200, ''],
    ]),
    ...fakeTime(),
  });
  expect(r.passed).toBe(true);
  expect(r.rounds.map((x) => x.ok)).toEqual([true, false, true, true, true]);
});

it('fails at the deadline, naming the last failure', async () => {
  const r = await runHttpChecks(settings({ deadlineMs: 3000 }), { fetch: answers([[503, 'down']]), ...fakeTime() });
  expect(r.passed).toBe(false);
  expect(r.rounds).toHaveLength(3);
  expect(r.reason).toContain('within the 3 s deadline');
  expect(r.reason).toContain('status 503, expected 200');
});

it('cuts a hanging URL at request-timeout and says so', async () => {
  const hanging: Fetch = (_u, init) => new Promise((_res, rej) => init.signal?.addEventListener('abort', () => rej(init.signal?.reason)));
  const r = await runHttpChecks(settings({ deadlineMs: 1500, consecutiveSuccesses: 1 }), { fetch: hanging, clock: Date.now, sleep: async () => undefined });
  expect(r.passed).toBe(false);
  expect(r.rounds[0].results[0].reason).toBe('timed out after 50 ms (request-timeout)');
});

it('checks the body and sends the headers', async () => {
  let headers: unknown;
  const fetch: Fetch = async (_u, init) => {
    headers = init.headers;
    return new Response('{"status":"degraded"}', { status: 200 });
  };
  const r = await runHttpChecks(settings({ bodyMatch: parseBodyMatch('$.status == "ok"'), headers: { 'X-Token': 't' }, deadlineMs: 1000 }), {
    fetch,
    ...fakeTime(),
  });
  expect(r.passed).toBe(false);
  expect(r.rounds[0].results[0].reason).toContain('value is "degraded"');
  expect(headers).toEqual({ 'X-Token': 't' });
});

it('needs every URL healthy in a round', async () => {
  const fetch: Fetch = async (u) => new Response('', { status: u.includes('b') ? 500 : 200 });
  const r = await runHttpChecks(settings({ urls: ['http://a/', 'http://b/'], deadlineMs: 2000 }), { fetch, ...fakeTime() });
  expect(r.passed).toBe(false);
  expect(r.rounds[0].results.map((x) => x.ok)).toEqual([true, false]);
});
