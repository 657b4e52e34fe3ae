// Student-t quantiles and seed intervals against independent references: the closed forms of
// the t quantile for 1, 2 and 4 degrees of freedom, published values of R's qt(0.975, df),
// and the CDF recomputed by numerical integration of the t density.
//
// Broken variants these tests kill (each applied to intervals.ts and seen to fail):
//   - the 3-decimal table (4.303 for df 2)          -> "matches the closed forms"
//   - 1.96 + 2.4 / df beyond 30 degrees of freedom  -> "matches R's qt"
//   - z = 1.96 for every df                         -> "matches the closed forms"
//   - df = n instead of n - 1 in meanInterval       -> "mean and 95% interval"
//   - population std (divide by n)                  -> "mean and 95% interval"
import { describe, expect, it } from 'vitest';
import { meanInterval, pairedDifference, studentT975, studentTAbsCdf } from './intervals.js';

/** Gamma((v+1)/2) / Gamma(v/2) for integer v by the recursion G(x+1) = x G(x). */
function gammaRatio(v: number): number {
  let r = v % 2 === 1 ? 1 / Math.sqrt(Math.PI) : Math.sqrt(Math.PI) / 2;
  for (let k = v % 2 === 1 ? 1 : 2; k < v; k += 2) r *= (k + 1) / k;
  return r;
}

/** P(|T| <= t) by Simpson's rule on the t density (independent of the series in intervals.ts). */
function absCdfByIntegration(t: number, v: number, steps = 20_000): number {
  const c = gammaRatio(v) / Math.sqrt(v * Math.PI);
  const pdf = (x: number) => c * (1 + (x * x) / v) ** (-(v + 1) / 2);
  const h = t / steps;
  let s = pdf(0) + pdf(t);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * pdf(i * h);
  return (2 * s * h) / 3;
}

describe('Student t quantiles', () => {
  it('matches the closed forms for 1, 2 and 4 degrees of freedom to 1e-12', () => {
    const p = 0.975;
    // df 1 (Cauchy): tan(pi (p - 1/2)).
    expect(studentT975(1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 12);
    // df 2: (2p - 1) sqrt(2 / (4 p (1 - p))).
    const a = 4 * p * (1 - p);
    expect(studentT975(2)).toBeCloseTo((2 * p - 1) * Math.sqrt(2 / a), 12);
    // df 4: 2 sqrt(q - 1), q = cos(arccos(sqrt(a)) / 3) / sqrt(a).
    const q = Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a);
    expect(studentT975(4)).toBeCloseTo(2 * Math.sqrt(q - 1), 12);
    // Not the rounded table value a half-width would inherit.
    expect(Math.abs(studentT975(2) - 4.303)).toBeGreaterThan(1e-4);
  });

  it("matches R's qt(0.975, df) beyond the old 30-row table", () => {
    expect(studentT975(10)).toBeCloseTo(2.228138851986274, 11);
    expect(studentT975(30)).toBeCloseTo(2.042272456301238, 11);
    expect(studentT975(100)).toBeCloseTo(1.983971518523552, 11);
    // Decreasing in df towards the normal quantile 1.959963984540054.
    expect(studentT975(899)).toBeGreaterThan(1.959963984540054);
    expect(studentT975(899)).toBeLessThan(studentT975(100));
    expect(studentT975(100_000)).toBeCloseTo(1.959963984540054, 4);
  });

  it('P(|T| <= t) is 0 at 0, 1 at infinity and odd in t', () => {
    for (const df of [1, 2, 5, 6]) {
      expect(studentTAbsCdf(0, df)).toBe(0);
      expect(studentTAbsCdf(Number.POSITIVE_INFINITY, df)).toBeCloseTo(1, 14);
      expect(studentTAbsCdf(-1.3, df)).toBeCloseTo(-studentTAbsCdf(1.3, df), 14);
    }
  });

  it('puts 95% of the mass of the t density within +-t (numerical integration)', () => {
    for (const df of [3, 5, 7, 12, 29, 31, 64, 250]) {
      const t = studentT975(df);
      expect(absCdfByIntegration(t, df), `df ${df}`).toBeCloseTo(0.95, 9);
      expect(studentTAbsCdf(1.3, df), `df ${df}`).toBeCloseTo(absCdfByIntegration(1.3, df), 9);
    }
  });

  it('rejects degrees of freedom that are not positive integers', () => {
    expect(() => studentT975(0)).toThrow(/positive integer/);
    expect(() => studentT975(2.5)).toThrow(/positive integer/);
    expect(() => studentTAbsCdf(1, 0)).toThrow(/positive integer/);
    expect(() => studentTAbsCdf(1, 1.5)).toThrow(/positive integer/);
  });
});

describe('seed intervals', () => {
  it('mean and 95% interval: sample std (n - 1) and t with n - 1 degrees of freedom', () => {
    const m = meanInterval([1, 2, 3, 6]);
    expect(m.mean).toBe(3);
    // Sample variance (4 + 1 + 0 + 9) / 3.
    expect(m.std).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(m.halfWidth).toBeCloseTo((studentT975(3) * Math.sqrt(14 / 3)) / 2, 12);
    // R: qt(0.975, 3) = 3.182446305284263.
    expect(m.halfWidth).toBeCloseTo((3.182446305284263 * Math.sqrt(14 / 3)) / 2, 11);
    expect(meanInterval([5]).halfWidth).toBeNaN();
    // Two values: one degree of freedom, t = tan(0.475 pi).
    expect(meanInterval([1, 3]).halfWidth).toBeCloseTo(Math.tan(0.475 * Math.PI), 12);
    expect(meanInterval([]).mean).toBeNaN();
  });

  it('paired difference is the interval of the per-seed differences', () => {
    const d = pairedDifference([5, 7, 6], [4, 4, 4]);
    expect(d.mean).toBe(2);
    expect(d.std).toBeCloseTo(1, 12);
    expect(d.halfWidth).toBeCloseTo(studentT975(2) / Math.sqrt(3), 12);
    expect(() => pairedDifference([1, 2], [1])).toThrow(/equal lengths/);
  });
});
