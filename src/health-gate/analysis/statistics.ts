/**
 * The two canary-vs-baseline tests, as pure functions:
 * - Mann-Whitney U (Kayenta's classifier): rank-based, so one noisy spike cannot decide.
 *   Exact distribution for small samples without ties, normal approximation with tie and
 *   continuity correction otherwise.
 * - Conditional binomial test of two Poisson counts: given x1 canary errors in n1 requests and
 *   x2 baseline errors in n2 requests, under equal rates x1 | x1+x2 ~ Binomial(x1+x2, n1/(n1+n2)).
 *   Exact at any count (mid-p), so "0 errors vs 3 errors" at low traffic is judged on real odds.
 */

import type { Direction } from '../metrics-spec';

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; error < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Average ranks (1-based) of the pooled values, ties sharing their mean rank. */
function pooledRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    const rank = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) ranks[order[k].i] = rank;
    const t = end - start + 1;
    tieTerm += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tieTerm };
}

/** The exact tails P(U <= u) and P(U >= u) for sizes m, n without ties, by the classic recurrence on counts. */
function exactUTails(u: number, m: number, n: number): { below: number; above: number } {
  // counts[k][x] = number of arrangements of k canary values among the rest giving U = x, built over n.
  let prev: number[][] = [];
  for (let j = 0; j <= n; j++) {
    const cur: number[][] = [];
    for (let i = 0; i <= m; i++) {
      const row = new Array<number>(i * j + 1).fill(0);
      if (i === 0 || j === 0) row[0] = 1;
      else for (let x = 0; x <= i * j; x++) row[x] = (x - j >= 0 ? (cur[i - 1][x - j] ?? 0) : 0) + (prev[i][x] ?? 0);
      cur.push(row);
    }
    prev = cur;
  }
  const dist = prev[m];
  const total = dist.reduce((a, b) => a + b, 0);
  let below = 0;
  let above = 0;
  dist.forEach((count, x) => {
    if (x <= u) below += count;
    if (x >= u) above += count;
  });
  return { below: below / total, above: above / total };
}

export interface MannWhitneyResult {
  test: 'mann-whitney';
  /** U of the canary sample (how often a canary value beats a baseline value; ties count half). */
  u: number;
  n1: number;
  n2: number;
  /** z of the normal approximation (0 when the exact distribution was used). */
  z: number;
  exact: boolean;
  /** One-sided p-value in the direction that counts as worse (smaller of the two for `either`). */
  pValue: number;
  canaryMean: number;
  baselineMean: number;
  /** canaryMean / baselineMean (Infinity when the baseline mean is 0 and the canary's is not; 1 when both are 0). */
  effectSize: number;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function ratio(canary: number, baseline: number): number {
  if (baseline === 0) return canary === 0 ? 1 : canary > 0 ? Infinity : -Infinity;
  return canary / baseline;
}

/** Mann-Whitney U test of canary against baseline; both samples need at least one value. */
export function mannWhitney(canary: readonly number[], baseline: readonly number[], direction: Direction): MannWhitneyResult {
  const n1 = canary.length;
  const n2 = baseline.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitney needs at least one value in each sample');
  const { ranks, tieTerm } = pooledRanks([...canary, ...baseline]);
  const r1 = ranks.slice(0, n1).reduce((a, b) => a + b, 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const meanU = (n1 * n2) / 2;
  const N = n1 + n2;
  const exact = tieTerm === 0 && n1 * n2 <= 400;
  let pIncrease: number;
  let pDecrease: number;
  let z = 0;
  if (exact) {
    const tails = exactUTails(u, n1, n2);
    pDecrease = tails.below;
    pIncrease = tails.above;
  } else {
    const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
    const sd = Math.sqrt(variance);
    if (sd === 0) {
      pIncrease = 1;
      pDecrease = 1;
    } else {
      z = (u - meanU) / sd;
      pIncrease = 1 - normalCdf((u - meanU - 0.5) / sd);
      pDecrease = normalCdf((u - meanU + 0.5) / sd);
    }
  }
  const pValue = direction === 'increase' ? pIncrease : direction === 'decrease' ? pDecrease : Math.min(1, 2 * Math.min(pIncrease, pDecrease));
  const canaryMean = mean(canary);
  const baselineMean = mean(baseline);
  return {
    test: 'mann-whitney',
    u,
    n1,
    n2,
    z,
    exact,
    pValue: Math.min(1, Math.max(0, pValue)),
    canaryMean,
    baselineMean,
    effectSize: ratio(canaryMean, baselineMean),
  };
}

/** log of n choose k, by summed logs (exact enough for the counts a gate sees). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let total = 0;
  for (let x = k; x <= n; x++) total += Math.exp(logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log(1 - p));
  return Math.min(1, total);
}

/**
 * Lancaster's mid-p: P(X > k) + P(X = k) / 2. The plain exact test is conservative with the
 * small counts a canary sees (its real false-positive rate sits well below alpha); mid-p
 * keeps it closer to nominal, which buys detection power where counts are sparse.
 */
export function binomialMidP(k: number, n: number, p: number): number {
  return (binomialUpperTail(k, n, p) + binomialUpperTail(k + 1, n, p)) / 2;
}

export interface RateTestResult {
  test: 'poisson-rate';
  canaryEvents: number;
  canaryExposure: number;
  baselineEvents: number;
  baselineExposure: number;
  canaryRate: number;
  baselineRate: number;
  /** One-sided mid-p value of the conditional binomial test in the worse direction. */
  pValue: number;
  /** canaryRate / baselineRate. */
  effectSize: number;
}

/**
 * Conditional binomial test of two Poisson rates (events per unit of exposure). Counts are
 * rounded, since Prometheus' increase() extrapolates to fractions.
 */
export function poissonRateTest(
  canaryEvents: number,
  canaryExposure: number,
  baselineEvents: number,
  baselineExposure: number,
  direction: Direction,
): RateTestResult {
  const x1 = Math.max(0, Math.round(canaryEvents));
  const x2 = Math.max(0, Math.round(baselineEvents));
  if (!(canaryExposure > 0) || !(baselineExposure > 0)) throw new Error('poissonRateTest needs positive exposure on both sides');
  const share = canaryExposure / (canaryExposure + baselineExposure);
  const n = x1 + x2;
  const pIncrease = binomialMidP(x1, n, share);
  const pDecrease = binomialMidP(x2, n, 1 - share);
  const pValue = direction === 'increase' ? pIncrease : direction === 'decrease' ? pDecrease : Math.min(1, 2 * Math.min(pIncrease, pDecrease));
  const canaryRate = x1 / canaryExposure;
  const baselineRate = x2 / baselineExposure;
  return {
    test: 'poisson-rate',
    canaryEvents: x1,
    canaryExposure,
    baselineEvents: x2,
    baselineExposure,
    canaryRate,
    baselineRate,
    pValue,
    effectSize: ratio(canaryRate, baselineRate),
  };
}

/** Whether an effect size is at least as bad as the allowed ratio in the worse direction. */
export function effectIsWorse(effect: number, allowedRatio: number, direction: Direction): boolean {
  const up = effect >= allowedRatio;
  const down = effect <= 1 / allowedRatio;
  return direction === 'increase' ? up : direction === 'decrease' ? down : up || down;
}

/**
 * The fewest samples per side with which Mann-Whitney can reject at `alpha` at all: the
 * smallest exact one-sided p-value of n vs n values is 1 / C(2n, n). Logged at the start so a
 * too-small min-samples does not silently make the comparison toothless.
 */
export function minSamplesToReject(alpha: number): number {
  for (let n = 1; n < 1000; n++) if (Math.exp(-logChoose(2 * n, n)) < alpha) return n;
  return Infinity;
}
