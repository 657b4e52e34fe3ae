// Non-exposed candidates drawn the way a production candidate pool looks: items sampled
// without replacement in proportion to a weight (traffic), never one the user has met. Positives
// are logged interactions, i.e. also drawn in proportion to traffic, so neither popularity nor
// its reverse separates them from the negatives (the leak of a "retriever's top 44" pool).
import type { Rng } from '../random/rng.js';

/** Cumulative weights over items, for O(log n) draws proportional to weight. */
export class WeightedItems {
  readonly cumulative: Float64Array;
  readonly total: number;

  constructor(readonly weights: Float64Array) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as number;
      if (!(w >= 0)) throw new RangeError(`negative or NaN weight ${w} at item ${i}`);
      sum += w;
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  /** One draw proportional to weight (items of weight 0 are never drawn). */
  draw(rng: Rng): number {
    const r = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * `count` distinct items drawn without replacement, each draw proportional to weight among the
 * items not yet drawn and not excluded (`excluded(i)` true). Rejection keeps the common case
 * O(count log n); when the excluded or drawn mass makes rejection slow (a user who met most of
 * the catalogue), it switches to exact Efraimidis-Spirakis keys u^(1/w) over the allowed items,
 * which samples the same distribution. Returns fewer than `count` when fewer items are allowed.
 */
export function sampleWithoutReplacement(
  items: WeightedItems,
  count: number,
  excluded: (item: number) => boolean,
  rng: Rng,
): number[] {
  const picked: number[] = [];
  if (count <= 0 || items.total <= 0) return picked;
  const taken = new Set<number>();
  const maxTries = 20 * count + 50;
  for (let tries = 0; tries < maxTries && picked.length < count; tries++) {
    const i = items.draw(rng);
    if (taken.has(i) || excluded(i)) continue;
    taken.add(i);
    picked.push(i);
  }
  if (picked.length === count) return picked;
  // Exact fallback: the remaining draws by the largest keys log(u)/w among allowed, untaken items.
  const keys: { item: number; key: number }[] = [];
  const w = items.weights;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i] as number;
    if (wi <= 0 || taken.has(i) || excluded(i)) continue;
    let u = rng.next();
    while (u === 0) u = rng.next();
    keys.push({ item: i, key: Math.log(u) / wi });
  }
  keys.sort((a, b) => b.key - a.key || a.item - b.item);
  for (const k of keys) {
    if (picked.length >= count) break;
    picked.push(k.item);
  }
  return picked;
}
