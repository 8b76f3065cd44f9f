/**
 * Synthetic traffic for a quiet canary: a paced loop of GET requests at `rps`, at most `rps`
 * in flight (a slow canary is not buried under a queue), each cut at the request timeout.
 * A paced loop rather than autocannon: we want a steady, low rate for minutes, not a maximum
 * throughput burst, and it keeps the bundle small. It stops when the analysis ends (`stop`)
 * or at its own hard limit, whichever comes first.
 */
import type { Fetch } from '../toolkit/fetch';

export interface TrafficStats {
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
}

export interface Traffic {
  stop(): Promise<TrafficStats>;
}

export function startTraffic(opts: { url: string; rps: number; timeoutMs: number; maxMs: number; fetch?: Fetch }): Traffic {
  const fetchFn = opts.fetch ?? ((u, i) => fetch(u, i));
  const stats: TrafficStats = { sent: 0, ok: 0, failed: 0, skipped: 0 };
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = Math.max(1, Math.ceil(opts.rps));
  const tick = () => {
    if (inFlight.size >= maxInFlight) {
      stats.skipped++;
      return;
    }
    stats.sent++;
    const p = fetchFn(opts.url, { signal: AbortSignal.timeout(opts.timeoutMs), headers: { 'user-agent': 'shipline-health-gate-traffic' } })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status < 500) stats.ok++;
        else stats.failed++;
      })
      .catch(() => {
        stats.failed++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(tick, 1000 / opts.rps);
  const hardStop = setTimeout(() => clearInterval(timer), opts.maxMs);
  tick();
  return {
    async stop() {
      clearInterval(timer);
      clearTimeout(hardStop);
      await Promise.all([...inFlight]);
      return { ...stats };
    },
  };
}
