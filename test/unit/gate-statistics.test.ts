/** Known values for the canary-vs-baseline tests (checked against scipy.stats 1.17 mannwhitneyu / binomtest). */
import { binomialMidP, binomialUpperTail, effectIsWorse, mannWhitney, normalCdf, poissonRateTest, ratio } from '../../src/health-gate/analysis/statistics';

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1.96, 0.975],
    [-1.644854, 0.05],
    [2.326348, 0.99],
  ])('Phi(%p) = %p', (z, p) => expect(normalCdf(z)).toBeCloseTo(p, 5));
});

describe('mannWhitney', () => {
  it('uses the exact distribution for small samples without ties', () => {
    // scipy: mannwhitneyu([5,6,7,8], [1,2,3,4], alternative='greater', method='exact') -> U = 16, p = 1/70
    const r = mannWhitney([5, 6, 7, 8], [1, 2, 3, 4], 'increase');
    expect(r.exact).toBe(true);
    expect(r.u).toBe(16);
    expect(r.pValue).toBeCloseTo(1 / 70, 10);
    expect(mannWhitney([5, 6, 7, 8], [1, 2, 3, 4], 'decrease').pValue).toBeCloseTo(1, 10);
  });

  it('gives the exact p-value of an interleaved sample', () => {
    // scipy: mannwhitneyu([1.1,2.2,3.3,4.4], [1,2,3,4,5], alternative='greater', method='exact') -> U = 10, p = 0.5476190476
    const r = mannWhitney([1.1, 2.2, 3.3, 4.4], [1, 2, 3, 4, 5], 'increase');
    expect(r.u).toBe(10);
    expect(r.pValue).toBeCloseTo(0.5476190476, 9);
  });

  it('falls back to the tie-corrected normal approximation with ties', () => {
    // scipy: mannwhitneyu([3,3,4,5,6], [1,2,3,3,4], alternative='greater', method='asymptotic') -> U = 20.5, p = 0.0524351
    const r = mannWhitney([3, 3, 4, 5, 6], [1, 2, 3, 3, 4], 'increase');
    expect(r.exact).toBe(false);
    expect(r.u).toBe(20.5);
    expect(r.pValue).toBeCloseTo(0.0524351, 5);
  });

  it('doubles the smaller tail for either direction and reports the mean ratio', () => {
    const r = mannWhitney([5, 6, 7, 8], [1, 2, 3, 4], 'either');
    expect(r.pValue).toBeCloseTo(2 / 70, 10);
    expect(r.effectSize).toBeCloseTo(6.5 / 2.5, 10);
  });

  it('sees no difference between identical samples', () => {
    const r = mannWhitney([1, 1, 1], [1, 1, 1], 'increase');
    expect(r.pValue).toBe(1);
    expect(r.effectSize).toBe(1);
  });
});

describe('binomial and Poisson rate tests', () => {
  it('binomialUpperTail matches known values', () => {
    expect(binomialUpperTail(5, 5, 0.5)).toBeCloseTo(1 / 32, 12);
    // scipy: binomtest(25, 30, 0.5, alternative='greater').pvalue = 0.000162457
    expect(binomialUpperTail(25, 30, 0.5)).toBeCloseTo(0.000162457, 8);
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
  });

  it('uses the mid-p value: P(X > k) + P(X = k) / 2', () => {
    // scipy: binom.sf(25, 30, 0.5) + binom.pmf(25, 30, 0.5) / 2 = 9.6097589e-05
    expect(binomialMidP(25, 30, 0.5)).toBeCloseTo(9.6097589e-5, 11);
  });

  it('judges "0 errors vs a few" at low traffic by real odds', () => {
    // canary 0 errors, baseline 3: the canary is not worse (mid-p 1 - 0.5^3 / 2)
    expect(poissonRateTest(0, 100, 3, 100, 'increase').pValue).toBeCloseTo(0.9375, 12);
    // canary 3 errors, baseline 0, equal traffic: mid-p = 0.5^3 / 2 = 0.0625, not significant
    expect(poissonRateTest(3, 100, 0, 100, 'increase').pValue).toBeCloseTo(0.0625, 12);
    // canary 8 errors, baseline 0: mid-p = 0.5^8 / 2, significant at 1%
    const r = poissonRateTest(8, 100, 0, 100, 'increase');
    expect(r.pValue).toBeCloseTo(1 / 512, 12);
    expect(r.effectSize).toBe(Infinity);
  });

  it('weights by exposure: the canary sees a tenth of the traffic', () => {
    // scipy: binom.sf(3, 13, 100/1100) + binom.pmf(3, 13, 100/1100) / 2 = 0.0664117041
    const r = poissonRateTest(3, 100, 10, 1000, 'increase');
    expect(r.pValue).toBeCloseTo(0.0664117041, 9);
    expect(r.effectSize).toBeCloseTo(3, 10);
  });

  it('rounds extrapolated counts from increase()', () => {
    expect(poissonRateTest(2.6, 10, 0.4, 10, 'increase').canaryEvents).toBe(3);
  });
});

describe('effect size', () => {
  it('compares ratios in the worse direction', () => {
    expect(ratio(0, 0)).toBe(1);
    expect(effectIsWorse(2, 1.5, 'increase')).toBe(true);
    expect(effectIsWorse(1.2, 1.5, 'increase')).toBe(false);
    expect(effectIsWorse(0.5, 1.5, 'decrease')).toBe(true);
    expect(effectIsWorse(0.5, 1.5, 'increase')).toBe(false);
    expect(effectIsWorse(0.5, 1.5, 'either')).toBe(true);
  });
});
