import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { buildCooccurrenceIndex, CooccurrenceScorer } from './cooccurrence.js';

// Users 0..2; items 0..2. User 0 met {0, 1}, user 1 {0, 2}, user 2 {0, 1, 2}.
const pairs: [number, number][] = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 2],
  [2, 0],
  [2, 1],
  [2, 2],
];
const index = (damping: number) =>
  buildCooccurrenceIndex(
    3,
    3,
    Int32Array.from(pairs.map((p) => p[0])),
    Int32Array.from(pairs.map((p) => p[1])),
    damping,
  );

describe('co-occurrence retriever', () => {
  it('scores candidates by co-occurrence with the history, leaving the user out (hand-worked)', () => {
    const out = new Float32Array(2);
    // User 0, history [0]: the other users with item 0 are 1 and 2 (overlap 1 each).
    // Item 1: met by users 0 (left out) and 2 -> 1; item 2: users 1 and 2 -> 2.
    expect([...new CooccurrenceScorer(index(0)).score(0, [0], [1, 2], out)]).toEqual([1, 2]);
    // Damped by popularity^0.5 without the user: item 1 has 1 other user, item 2 has 2.
    const d = new CooccurrenceScorer(index(0.5)).score(0, [0], [1, 2], out);
    expect(d[0]).toBeCloseTo(1, 6);
    expect(d[1]).toBeCloseTo(2 / Math.SQRT2, 6);
  });

  it("never counts the user's own interactions (the window's positives would score from themselves)", () => {
    const scorer = new CooccurrenceScorer(index(0));
    const out = new Float32Array(1);
    // User 1 with history [2]: item 0 is met by users 0 (no item 2, overlap 0), 1 (left out)
    // and 2 (overlap 1) -> 1. Counting user 1 itself would give 2.
    expect(scorer.score(1, [2], [0], out)[0]).toBe(1);
    // An outsider (no user id in the index) sees every row: 2 for the same history.
    expect(scorer.score(-1, [2], [0], out)[0]).toBe(2);
    // State is reset between calls.
    expect(scorer.score(1, [2], [0], out)[0]).toBe(1);
  });
});

/**
 * Brute force of the formula in cooccurrence.ts straight from the sets: for a candidate j,
 * sum over other users v who met j of the number of history entries (with repeats) v met,
 * over (number of other users who met j)^a when that count and a are positive.
 */
function bruteForce(met: Set<number>[], user: number, history: number[], j: number, damping: number): number {
  let s = 0;
  let pop = 0;
  met.forEach((items, v) => {
    if (v === user || !items.has(j)) return;
    pop++;
    for (const h of history) if (items.has(h)) s++;
  });
  return pop > 0 && damping > 0 ? s / pop ** damping : s;
}

describe('co-occurrence retriever against brute force', () => {
  it('agrees on random data for every user, history with repeats, damping 0, 0.5 and 1', () => {
    const rng = new Rng(31);
    const users = 25;
    const items = 40;
    const met = Array.from({ length: users }, () => new Set<number>());
    for (let u = 0; u < users; u++) for (let k = 0; k < 8; k++) met[u]!.add(rng.int(items));
    // Pairs in a shuffled order: the index must not depend on input order.
    const pairList = rng.shuffle(met.flatMap((s, u) => [...s].map((i) => [u, i] as const)));
    const pu = Int32Array.from(pairList.map((p) => p[0]));
    const pi = Int32Array.from(pairList.map((p) => p[1]));
    const candidates = Array.from({ length: items }, (_, i) => i);
    for (const damping of [0, 0.5, 1]) {
      const idx = buildCooccurrenceIndex(users, items, pu, pi, damping);
      const scorer = new CooccurrenceScorer(idx);
      for (let i = 0; i < items; i++) {
        expect(idx.popularity[i], `popularity ${i}`).toBe(met.filter((s) => s.has(i)).length);
      }
      for (const user of [0, 7, 24, -1]) {
        const history = [...(met[user] ?? met[3]!)].slice(0, 5);
        history.push(history[0]!); // a repeated history item counts twice
        const out = scorer.score(user, history, candidates, new Float32Array(items));
        for (const j of candidates) {
          expect(out[j], `damping ${damping} user ${user} item ${j}`).toBeCloseTo(
            bruteForce(met, user, history, j, damping),
            5,
          );
        }
      }
    }
  });

  it('an item only the user met scores 0 (no division by an empty popularity)', () => {
    const idx = buildCooccurrenceIndex(2, 3, Int32Array.from([0, 0, 1]), Int32Array.from([0, 2, 0]), 0.5);
    const out = new CooccurrenceScorer(idx).score(0, [0], [2, 1], new Float32Array(2));
    expect([...out]).toEqual([0, 0]);
    expect([...idx.itemOffsets]).toEqual([0, 2, 2, 3]);
    expect([...idx.itemUsers]).toEqual([0, 1, 0]);
  });
});
