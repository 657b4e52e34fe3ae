import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('repeats exactly for the same seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 100 }, () => a.nextUint32());
    const xb = Array.from({ length: 100 }, () => b.nextUint32());
    const xc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(xa).toEqual(xb);
    expect(xa.filter((x, i) => x === xc[i]).length).toBeLessThan(3);
  });

  it('draws uniform floats with mean 1/2 and variance 1/12', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('int(n) passes a chi-square test over 10 bins', () => {
    const r = new Rng(1);
    const counts = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[r.int(10)]++;
    const chi2 = counts.reduce((acc, c) => acc + (c - n / 10) ** 2 / (n / 10), 0);
    // 9 degrees of freedom: P(chi2 > 27.88) = 0.001
    expect(chi2).toBeLessThan(27.88);
  });

  it('normal draws have mean 0 and std 1', () => {
    const r = new Rng(3);
    const xs = r.normalArray(100_000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it('categorical follows the weights', () => {
    const r = new Rng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[r.categorical([1, 0, 2])]!++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[2]! / 60_000 - 2 / 3)).toBeLessThan(0.01);
  });

  it('forks are deterministic, independent of each other and do not advance the parent', () => {
    const r = new Rng(9);
    const before = r.getState();
    const f1 = r.fork('init');
    const f2 = r.fork('init');
    const g = r.fork('dropout');
    expect(r.getState()).toEqual(before);
    expect(f1.nextUint32()).toBe(f2.nextUint32());
    expect(new Rng(9).fork('dropout').nextUint32()).toBe(g.nextUint32());
    expect(new Rng(9).fork('init').nextUint32()).not.toBe(new Rng(9).fork('dropout').nextUint32());
  });

  it('restores state so a resumed stream continues identically', () => {
    const r = new Rng(11);
    for (let i = 0; i < 10; i++) r.next();
    const state = r.getState();
    const tail = Array.from({ length: 5 }, () => r.next());
    const s = new Rng(0);
    s.setState(state);
    expect(Array.from({ length: 5 }, () => s.next())).toEqual(tail);
  });

  it('shuffle is a permutation', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    new Rng(2).shuffle(xs);
    expect([...xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
