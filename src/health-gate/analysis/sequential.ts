/**
 * The per-look significance level of a repeated test on cumulative data (a Pocock-type
 * group-sequential boundary). The gate compares canary and baseline after every round from
 * min-samples to count, each time on everything gathered so far, so the statistics at
 * successive looks are strongly correlated (look n and look n+1 share n samples). Splitting
 * alpha evenly over the looks (Bonferroni) ignores that and wastes power; instead we find the
 * one z-boundary c such that a cumulative sum of independent standard normal increments,
 * watched at samples n_1 < ... < n_K, crosses c·sqrt(n) at some look with probability alpha
 * under "no difference", and test each look at 1 - Phi(c).
 * Computed by the recursive numerical integration of Armitage, McPherson and Rowe (1969) on a
 * grid; beyond MAX_EXACT_LOOKS it falls back to Bonferroni (valid, only more conservative).
 */
import { normalCdf } from './statistics';

export const MAX_EXACT_LOOKS = 120;
const STEP = 0.05; // grid step in units of one increment's standard deviation
const TAIL = 7; // standard deviations kept below the data's spread and around each increment

/** Grid cells [lo + i·STEP, lo + (i+1)·STEP) below `bound`, and the share of the last one that is below it. */
function cellsBelow(lo: number, bound: number): { size: number; lastShare: number } {
  const exact = Math.max((bound - lo) / STEP, 1e-9);
  const size = Math.ceil(exact);
  return { size, lastShare: exact - (size - 1) };
}

/** P(some look's cumulative z >= c) for looks at samples firstLook..lastLook (no difference). */
export function crossingProbability(c: number, firstLook: number, lastLook: number): number {
  const kernelHalf = Math.ceil(TAIL / STEP);
  // Probability that one N(0, 1) increment moves the sum by k grid cells.
  const kernel = Array.from({ length: 2 * kernelHalf + 1 }, (_, i) => normalCdf((i - kernelHalf + 0.5) * STEP) - normalCdf((i - kernelHalf - 0.5) * STEP));
  // Mass of the sum S at the first look per cell, cut at the boundary c·sqrt(n).
  const sd = Math.sqrt(firstLook);
  let lo = -TAIL * sd;
  let { size, lastShare } = cellsBelow(lo, c * sd);
  let mass = Array.from({ length: size }, (_, i) => normalCdf((lo + (i + (i === size - 1 ? lastShare : 1)) * STEP) / sd) - normalCdf((lo + i * STEP) / sd));
  for (let n = firstLook + 1; n <= lastLook; n++) {
    // One more sample: convolve with N(0, 1), keep the part still below c·sqrt(n).
    const nextLo = -TAIL * Math.sqrt(n);
    const shift = Math.round((lo - nextLo) / STEP); // old cell i sits at new cell i + shift
    ({ size, lastShare } = cellsBelow(nextLo, c * Math.sqrt(n)));
    const next = new Array<number>(size).fill(0);
    for (let i = 0; i < mass.length; i++) {
      const m = mass[i];
      if (m < 1e-15) continue;
      const from = Math.max(0, i + shift - kernelHalf);
      const to = Math.min(size - 1, i + shift + kernelHalf);
      for (let j = from; j <= to; j++) next[j] += m * kernel[j - i - shift + kernelHalf];
    }
    next[size - 1] *= lastShare;
    mass = next;
    lo = nextLo;
  }
  const stayedBelow = mass.reduce((a, b) => a + b, 0);
  return Math.min(1, Math.max(0, 1 - stayedBelow));
}

const cache = new Map<string, number>();

/**
 * The significance level for each of the looks at samples firstLook..lastLook so that the whole
 * analysis keeps its false-fail rate at `alpha`.
 */
export function perLookAlpha(alpha: number, firstLook: number, lastLook: number): number {
  const looks = lastLook - firstLook + 1;
  if (looks <= 1) return alpha;
  if (looks > MAX_EXACT_LOOKS) return alpha / looks;
  const key = `${alpha}:${firstLook}:${lastLook}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  // Bisection on c between the single-look and the Bonferroni boundaries.
  let low = zOf(alpha);
  let high = zOf(alpha / looks) + 0.01;
  for (let i = 0; i < 40 && high - low > 1e-5; i++) {
    const mid = (low + high) / 2;
    if (crossingProbability(mid, firstLook, lastLook) > alpha) low = mid;
    else high = mid;
  }
  const result = Math.max(alpha / looks, 1 - normalCdf(high));
  cache.set(key, result);
  return result;
}

/** The z with 1 - Phi(z) = p, by bisection (p in (0, 0.5)). */
function zOf(p: number): number {
  let low = 0;
  let high = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (1 - normalCdf(mid) > p) low = mid;
    else high = mid;
  }
  return high;
}
