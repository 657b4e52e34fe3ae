import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { bprScores, trainBpr } from './bpr.js';

// Planted structure: users of group g interact only with items of group g.
function planted(seed: number) {
  const rng = new Rng(seed);
  const users = 80;
  const items = 60;
  const train: [number, number][] = [];
  const heldOut: [number, number][] = [];
  for (let u = 0; u < users; u++) {
    const g = u % 3;
    const mine = rng.shuffle(Array.from({ length: 20 }, (_, k) => g * 20 + k)).slice(0, 12);
    for (const [k, i] of mine.entries()) (k < 9 ? train : heldOut).push([u, i]);
  }
  return { users, items, train, heldOut };
}

/** Share of (held-out positive, other-group item) pairs ranked correctly. */
function auc(items: number, model: ReturnType<typeof trainBpr>, pairs: [number, number][]): number {
  const scores = new Float32Array(items);
  let right = 0;
  let total = 0;
  for (const [u, i] of pairs) {
    bprScores(model, u, scores);
    for (let j = 0; j < items; j++) {
      if (Math.floor(j / 20) === u % 3) continue;
      total++;
      if (scores[i]! > scores[j]!) right++;
    }
  }
  return right / total;
}

describe('BPR retriever', () => {
  it('learns planted groups and ranks held-out positives above other groups', () => {
    const { users, items, train, heldOut } = planted(1);
    const pu = Int32Array.from(train.map(([u]) => u));
    const pi = Int32Array.from(train.map(([, i]) => i));
    const losses: number[] = [];
    const model = trainBpr(users, items, pu, pi, { epochs: 30, seed: 2 }, (_, loss) => losses.push(loss));
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    expect(auc(items, model, heldOut)).toBeGreaterThan(0.9);
    const untrained = trainBpr(users, items, pu, pi, { epochs: 0, seed: 2 });
    expect(Math.abs(auc(items, untrained, heldOut) - 0.5)).toBeLessThan(0.1);
  });

  it('is deterministic for a seed', () => {
    const { users, items, train } = planted(4);
    const pu = Int32Array.from(train.map(([u]) => u));
    const pi = Int32Array.from(train.map(([, i]) => i));
    const a = trainBpr(users, items, pu, pi, { epochs: 2, seed: 5 });
    const b = trainBpr(users, items, pu, pi, { epochs: 2, seed: 5 });
    expect([...a.itemVectors]).toEqual([...b.itemVectors]);
  });
});
