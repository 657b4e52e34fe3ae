import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { sampleWithoutReplacement, WeightedItems } from './negative-sampling.js';

/** Exact inclusion probability of each item in a 2-item draw without replacement by weight. */
function inclusionOfTwo(w: number[]): number[] {
  const W = w.reduce((a, b) => a + b, 0);
  return w.map((wi, i) => {
    let p = wi / W;
    for (let j = 0; j < w.length; j++) if (j !== i) p += (w[j]! / W) * (wi / (W - w[j]!));
    return p;
  });
}

function frequencies(
  w: number[],
  count: number,
  excluded: (i: number) => boolean,
  trials: number,
  seed: number,
) {
  const items = new WeightedItems(Float64Array.from(w));
  const rng = new Rng(seed);
  const freq = new Array(w.length).fill(0) as number[];
  for (let t = 0; t < trials; t++) {
    const got = sampleWithoutReplacement(items, count, excluded, rng);
    expect(new Set(got).size).toBe(got.length);
    for (const i of got) freq[i]! += 1 / trials;
  }
  return freq;
}

describe('sampleWithoutReplacement', () => {
  it('draws one item in proportion to weight and never a weight-0 item', () => {
    const f = frequencies([1, 0, 3, 6], 1, () => false, 20_000, 1);
    expect(f[1]).toBe(0);
    for (const [i, want] of [0.1, 0, 0.3, 0.6].entries()) expect(Math.abs(f[i]! - want)).toBeLessThan(0.015);
  });

  it('matches the exact inclusion probabilities of successive draws without replacement', () => {
    const w = [1, 2, 3, 4];
    const want = inclusionOfTwo(w);
    const f = frequencies(w, 2, () => false, 20_000, 2);
    for (let i = 0; i < w.length; i++) expect(Math.abs(f[i]! - want[i]!)).toBeLessThan(0.015);
  });

  it('never returns an excluded item and renormalises over the rest', () => {
    const f = frequencies([1, 2, 3, 4], 1, (i) => i === 3, 20_000, 3);
    expect(f[3]).toBe(0);
    for (const [i, want] of [1 / 6, 2 / 6, 3 / 6].entries())
      expect(Math.abs(f[i]! - want)).toBeLessThan(0.015);
  });

  it('falls back to exact keys when the excluded mass defeats rejection, with the same distribution', () => {
    // 99.9999% of the mass is excluded: rejection almost never hits items 20 and 21.
    const w = [...new Array(20).fill(1e6), 1, 2];
    const f = frequencies(w, 1, (i) => i < 20, 6000, 4);
    expect(Math.abs(f[20]! - 1 / 3)).toBeLessThan(0.03);
    expect(Math.abs(f[21]! - 2 / 3)).toBeLessThan(0.03);
    // Fewer allowed items than asked for: all of them, once.
    const items = new WeightedItems(Float64Array.from(w));
    expect(sampleWithoutReplacement(items, 5, (i) => i < 20, new Rng(5)).sort()).toEqual([20, 21]);
  });
});

describe('WeightedItems and sampling edge cases', () => {
  it('keeps cumulative weights and their total', () => {
    const w = new WeightedItems(Float64Array.from([2, 0, 1.5, 0.5]));
    expect([...w.cumulative]).toEqual([2, 2, 3.5, 4]);
    expect(w.total).toBe(4);
  });

  it('refuses a negative or NaN weight, naming the item', () => {
    expect(() => new WeightedItems(Float64Array.from([1, -0.5]))).toThrow(
      /negative or NaN weight -0.5 at item 1/,
    );
    expect(() => new WeightedItems(Float64Array.from([Number.NaN]))).toThrow(/at item 0/);
  });

  it('draws the item whose cumulative interval holds u * total (binary search boundaries)', () => {
    const w = new WeightedItems(Float64Array.from([1, 0, 1, 2]));
    // A stream that returns fixed uniforms: r = u * 4.
    const fixed = (u: number) => ({ next: () => u }) as unknown as Rng;
    expect(w.draw(fixed(0))).toBe(0); // r = 0 lies in [0, 1)
    expect(w.draw(fixed(0.2499))).toBe(0);
    expect(w.draw(fixed(0.25))).toBe(2); // r = 1: item 1 has no mass, item 2 holds [1, 2)
    expect(w.draw(fixed(0.4999))).toBe(2);
    expect(w.draw(fixed(0.5))).toBe(3);
    expect(w.draw(fixed(0.9999))).toBe(3);
  });

  it('returns nothing for count 0 or no mass, and every allowed item once when asked for more', () => {
    const rng = new Rng(8);
    expect(
      sampleWithoutReplacement(new WeightedItems(Float64Array.from([1, 2])), 0, () => false, rng),
    ).toEqual([]);
    expect(
      sampleWithoutReplacement(new WeightedItems(Float64Array.from([0, 0])), 2, () => false, rng),
    ).toEqual([]);
    const got = sampleWithoutReplacement(
      new WeightedItems(Float64Array.from([1, 0, 2, 3])),
      6,
      (i) => i === 3,
      rng,
    );
    // Item 1 has weight 0 and item 3 is excluded: only 0 and 2 can be drawn.
    expect([...got].sort()).toEqual([0, 2]);
  });
});
