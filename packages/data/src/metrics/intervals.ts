// Seed aggregation for result tables: mean and a two-sided 95% Student-t interval, and
// the paired difference between two methods run on the same seeds.

/**
 * P(|T| <= t) for Student's t with integer `df` degrees of freedom (odd in t; 1 at +Infinity):
 * the finite series of
 * Abramowitz & Stegun 26.7.3 (odd df) and 26.7.4 (even df), exact up to rounding. Written
 * here because the one exact JS implementation (@stdlib) brings over 200 packages and
 * jStat's inverse is off by about 1e-8.
 */
export function studentTAbsCdf(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1)
    throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  const theta = Math.atan(t / Math.sqrt(df));
  const s = Math.sin(theta);
  const c2 = Math.cos(theta) ** 2;
  if (df % 2 === 1) {
    // (2/pi) [theta + sin(theta) (cos + 2/3 cos^3 + ... + (2*4*..*(df-3))/(1*3*..*(df-2)) cos^(df-2))]
    let sum = 0;
    let term = Math.cos(theta);
    if (df >= 3) sum = term;
    for (let k = 3; k <= df - 2; k += 2) {
      term *= (c2 * (k - 1)) / k;
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * sum);
  }
  // sin(theta) [1 + 1/2 cos^2 + (1*3)/(2*4) cos^4 + ... + (1*3*..*(df-3))/(2*4*..*(df-2)) cos^(df-2)]
  let sum = 1;
  let term = 1;
  for (let k = 2; k <= df - 2; k += 2) {
    term *= (c2 * (k - 1)) / k;
    sum += term;
  }
  return s * sum;
}

const t975 = new Map<number, number>();

/** t_{0.975, df}, the two-sided 95% quantile of Student's t, to double precision (bisection on the exact CDF). */
export function studentT975(df: number): number {
  // studentTAbsCdf rejects a df that is not a positive integer.
  const known = t975.get(df);
  if (known !== undefined) return known;
  let lo = 0;
  let hi = 2;
  while (studentTAbsCdf(hi, df) < 0.95) hi *= 2;
  // Halve until the bracket stops shrinking (its ends are adjacent doubles).
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (studentTAbsCdf(mid, df) < 0.95) lo = mid;
    else hi = mid;
  }
  t975.set(df, hi);
  return hi;
}

export interface MeanInterval {
  mean: number;
  /** Half-width of the 95% interval (NaN with fewer than 2 values). */
  halfWidth: number;
  n: number;
  std: number;
}

export function meanInterval(values: readonly number[]): MeanInterval {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, halfWidth: Number.NaN, n: 0, std: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, halfWidth: Number.NaN, n, std: Number.NaN };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const std = Math.sqrt(variance);
  return { mean, halfWidth: (studentT975(n - 1) * std) / Math.sqrt(n), n, std };
}

/** Interval of a - b over paired runs (same seeds, same order). */
export function pairedDifference(a: readonly number[], b: readonly number[]): MeanInterval {
  if (a.length !== b.length)
    throw new Error(`paired difference needs equal lengths, got ${a.length} and ${b.length}`);
  return meanInterval(a.map((x, i) => x - (b[i] as number)));
}
