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

function normalPdf(z: number): number {
  return Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
}

/** P(some look's cumulative z >= c) for looks at samples firstLook..lastLook (no difference). */
export function crossingProbability(c: number, firstLook: number, lastLook: number): number {
  const kernelHalf = Math.ceil(TAIL / STEP);
  const kernel = Array.from({ length: 2 * kernelHalf + 1 }, (_, i) => normalPdf((i - kernelHalf) * STEP) * STEP);
  // Density of the sum S at the first look, on the grid lo + i·STEP below the boundary.
  let lo = -TAIL * Math.sqrt(firstLook);
  let size = Math.max(1, Math.floor((c * Math.sqrt(firstLook) - lo) / STEP));
  let density = Array.from({ length: size }, (_, i) => (normalPdf((lo + (i + 0.5) * STEP) / Math.sqrt(firstLook)) / Math.sqrt(firstLook)) * STEP);
  for (let n = firstLook + 1; n <= lastLook; n++) {
    // One more sample: convolve with N(0, 1), keep the part still below c·sqrt(n).
    const nextLo = -TAIL * Math.sqrt(n);
    const shift = Math.round((lo - nextLo) / STEP); // old index i sits at new index i + shift
    const nextSize = Math.max(1, Math.floor((c * Math.sqrt(n) - nextLo) / STEP));
    const next = new Array<number>(nextSize).fill(0);
    for (let i = 0; i < size; i++) {
      const mass = density[i];
      if (mass < 1e-15) continue;
      const from = Math.max(0, i + shift - kernelHalf);
      const to = Math.min(nextSize - 1, i + shift + kernelHalf);
      for (let j = from; j <= to; j++) next[j] += mass * kernel[j - i - shift + kernelHalf];
    }
    density = next;
    size = nextSize;
    lo = nextLo;
  }
  const stayedBelow = density.reduce((a, b) => a + b, 0);
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
