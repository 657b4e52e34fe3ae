import type { RerankRequest } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { demonstrationSlate, initialSlate } from '../glorank/demonstrations.js';
import { tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import type { RewardFunction } from './grpo.js';
import { greedySlates, plackettLuceSlate, searchDemonstrations } from './search-demonstrations.js';

const ds = tinyBenchmark({ users: 20 });
const requests = ds.requests.slice(0, 30);
const L = 4;

/** Position-discounted sum of item ids: its best slate is the largest ids, largest first. */
const idReward: RewardFunction = (_rs, ss) =>
  Float64Array.from(ss, (s) => s.reduce((acc, item, i) => acc + item / (i + 1), 0));

/** Rewards adjacent items whose ids have different parity, so the best slate alternates. */
const parityReward: RewardFunction = (_rs, ss) =>
  Float64Array.from(ss, (s) => {
    let v = 0;
    for (let i = 0; i < s.length; i++) v += 1 / (i + 1);
    for (let i = 1; i < s.length; i++) v += (s[i] as number) % 2 !== (s[i - 1] as number) % 2 ? 1 : 0;
    return v;
  });

function ids(r: RerankRequest, slate: Int32Array): number[] {
  return Array.from(slate, (k) => r.candidates[k] as number);
}

describe('evaluator-picked demonstrations', () => {
  it('greedy search under a separable reward returns the largest items in decreasing order', () => {
    const slates = greedySlates(requests, idReward, L, 37);
    requests.forEach((r, q) => {
      const expected = Array.from(r.candidates)
        .sort((a, b) => b - a)
        .slice(0, L);
      expect(ids(r, slates[q] as Int32Array)).toEqual(expected);
    });
  });

  it('greedy search follows a list-wise reward (alternating parity) and never repeats a candidate', () => {
    const slates = greedySlates(requests, parityReward, L);
    requests.forEach((r, q) => {
      const s = ids(r, slates[q] as Int32Array);
      expect(new Set(s).size).toBe(L);
      const odd = Array.from(r.candidates).filter((x) => x % 2 === 1).length;
      const even = r.candidates.length - odd;
      // With at least two of each parity the greedy slate alternates all the way down.
      if (odd >= 2 && even >= 2) for (let i = 1; i < L; i++) expect(s[i]! % 2).not.toBe(s[i - 1]! % 2);
    });
  });

  it('picks the proposal with the highest reward: never below the logged or the initial slate', () => {
    const found = searchDemonstrations(
      requests,
      idReward,
      L,
      { samples: 6, temperature: 0.7, batchSize: 50 },
      3,
    );
    expect(found.slates).toHaveLength(requests.length);
    requests.forEach((r, q) => {
      const chosen = found.slates[q] as Int32Array;
      expect(new Set(chosen).size).toBe(L);
      for (const k of chosen) expect(k >= 0 && k < r.candidates.length).toBe(true);
      const value = (slate: Int32Array) => idReward([r], [Int32Array.from(ids(r, slate))])[0] as number;
      expect(value(chosen)).toBeGreaterThanOrEqual(value(demonstrationSlate(r, L)));
      expect(value(chosen)).toBeGreaterThanOrEqual(value(initialSlate(r, L)));
      // The greedy proposal is optimal for this reward, so it (or an equal slate) wins.
      expect(value(chosen)).toBeCloseTo(value(greedySlates([r], idReward, L)[0] as Int32Array), 9);
    });
    expect(found.chosenReward).toBeGreaterThanOrEqual(found.loggedReward);
    expect(found.sources.every((s) => ['logged', 'initial', 'greedy', 'sample'].includes(s))).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const a = searchDemonstrations(
      requests,
      parityReward,
      L,
      { samples: 4, temperature: 1, batchSize: 64 },
      9,
    );
    const b = searchDemonstrations(
      requests,
      parityReward,
      L,
      { samples: 4, temperature: 1, batchSize: 64 },
      9,
    );
    expect(a.slates).toEqual(b.slates);
  });

  it('Plackett-Luce samples at a low temperature reproduce the initial order', () => {
    const r = requests[0] as RerankRequest;
    const rng = { gumbel: () => 0 } as unknown as Parameters<typeof plackettLuceSlate>[3];
    expect(Array.from(plackettLuceSlate(r, L, 1e-6, rng))).toEqual(Array.from(initialSlate(r, L)));
  });
});
