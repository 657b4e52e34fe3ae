// Seed aggregation for result tables: mean and a two-sided 95% Student-t interval, and
// the paired difference between two methods run on the same seeds.

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t_{0.975, df}; the normal quantile beyond 30 degrees of freedom is close enough (< 2%). */
export function studentT975(df: number): number {
  if (!Number.isInteger(df) || df < 1)
    throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  return df <= 30 ? (T975[df - 1] as number) : 1.96 + 2.4 / df;
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
