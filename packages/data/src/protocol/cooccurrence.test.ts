import { describe, expect, it } from 'vitest';
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
