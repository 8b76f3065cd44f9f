/**
 * The unit a chart's y axis shows for a metric, read from its PromQL by Prometheus' naming
 * conventions (https://prometheus.io/docs/practices/naming/: base units as suffixes,
 * `_seconds`, `_bytes`, `_ratio`, `_total`). A count metric (query over total) is a share of
 * requests; rate() of a counter is per second. Unknown: "value of the query".
 */
export function unitOfQuery(query: string | undefined, opts: { total?: boolean } = {}): string {
  if (opts.total) return 'share of requests, 0-1';
  const q = query ?? '';
  const base = /_seconds(?:_bucket|_sum|_count)?\b/.test(q)
    ? 'seconds'
    : /_bytes(?:_bucket|_sum|_count)?\b/.test(q)
      ? 'bytes'
      : /_ratio\b/.test(q)
        ? 'ratio, 0-1'
        : undefined;
  if (/histogram_quantile\s*\(/.test(q) && base) return base;
  // a ratio of two sums of one counter (errors / requests)
  if (/\)\s*\/\s*(sum|rate|increase|count)\b/.test(q) && /_total\b/.test(q)) return 'share of requests, 0-1';
  if (/\b(rate|irate)\s*\(/.test(q) && /_total\b/.test(q)) return 'per second';
  if (/\bincrease\s*\(/.test(q)) return 'count';
  return base ?? 'value of the query';
}
