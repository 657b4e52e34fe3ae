// Curve smoothing as TensorBoard does it: an exponential moving average, debiased so the
// first points are not pulled towards zero. Non-finite and missing values pass through
// untouched and do not disturb the average.

/** Smoothed copy of `values` with weight `weight` in [0, 1): 0 returns the values unchanged. */
export function smoothEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  if (weight === 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}
