/** The group-sequential per-look alpha, checked against Pocock's published boundaries. */
import { crossingProbability, MAX_EXACT_LOOKS, perLookAlpha } from '../../src/health-gate/analysis/sequential';
import { normalCdf } from '../../src/health-gate/analysis/statistics';

describe('crossingProbability', () => {
  it('is the plain normal tail for a single look', () => {
    expect(crossingProbability(2.326348, 7, 7)).toBeCloseTo(0.01, 5);
  });

  it.each([
    // Pocock (1977), two-sided 0.05 with K equally spaced looks: each side crosses with about 0.025.
    [2, 2.178],
    [3, 2.289],
    [5, 2.413],
  ])("matches Pocock's boundary for %p equally spaced looks (c = %p)", (looks, c) => {
    expect(crossingProbability(c, 1, looks)).toBeCloseTo(0.025, 3);
  });
});

describe('perLookAlpha', () => {
  it('is alpha itself for one look', () => {
    expect(perLookAlpha(0.01, 10, 10)).toBe(0.01);
  });

  it('keeps the overall false-fail rate at alpha, spending more per look than Bonferroni', () => {
    const a = perLookAlpha(0.01, 5, 10);
    expect(a).toBeGreaterThan(0.01 / 6);
    expect(a).toBeLessThan(0.01);
    // Back to the boundary: the chance that any of the 6 looks crosses it is 1%.
    let low = 0;
    let high = 10;
    for (let i = 0; i < 80; i++) {
      const mid = (low + high) / 2;
      if (1 - normalCdf(mid) > a) low = mid;
      else high = mid;
    }
    expect(crossingProbability(high, 5, 10)).toBeCloseTo(0.01, 4);
  });

  it('falls back to Bonferroni beyond the looks it computes', () => {
    expect(perLookAlpha(0.01, 1, MAX_EXACT_LOOKS + 1)).toBe(0.01 / (MAX_EXACT_LOOKS + 1));
  });
});
