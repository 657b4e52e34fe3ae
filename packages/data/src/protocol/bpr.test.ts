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

/**
 * Reference BPR-MF SGD in float64, written from Rendle et al. (2009): for a drawn (u, i) and
 * a negative j the user never met, x = b_i - b_j + p_u . (q_i - q_j), g = sigmoid(-x), and
 * every parameter moves by lr * (g * dx/dparam - reg * param). It draws from the same seeded
 * stream in the same order (user vectors, vectors of items with pairs, then per step the pair,
 * the negative and its redraws), so the trained model must agree with the float32 one.
 */
function referenceBpr(
  users: number,
  items: number,
  pairs: [number, number][],
  o: { dim: number; epochs: number; learningRate: number; reg: number; seed: number },
) {
  const rng = new Rng(o.seed).fork('bpr');
  const d = o.dim;
  const P = Array.from({ length: users }, () => new Array<number>(d).fill(0));
  const Q = Array.from({ length: items }, () => new Array<number>(d).fill(0));
  const b = new Array<number>(items).fill(0);
  const trained = new Set(pairs.map(([, i]) => i));
  const pool = [...trained].sort((x, y) => x - y);
  for (let u = 0; u < users; u++) for (let t = 0; t < d; t++) P[u]![t] = rng.normal(0, 0.1);
  for (let i = 0; i < items; i++)
    if (trained.has(i)) for (let t = 0; t < d; t++) Q[i]![t] = rng.normal(0, 0.1);
  const met = (u: number, j: number) => pairs.some(([v, k]) => v === u && k === j);
  const losses: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    let loss = 0;
    for (let s = 0; s < pairs.length; s++) {
      const [u, i] = pairs[rng.int(pairs.length)]!;
      let j = pool[rng.int(pool.length)]!;
      for (let tries = 0; tries < 10 && met(u, j); tries++) j = pool[rng.int(pool.length)]!;
      if (j === i) continue;
      let x = b[i]! - b[j]!;
      for (let t = 0; t < d; t++) x += P[u]![t]! * (Q[i]![t]! - Q[j]![t]!);
      const g = 1 / (1 + Math.exp(x));
      loss += Math.log(1 + Math.exp(-x));
      for (let t = 0; t < d; t++) {
        const p = P[u]![t]!;
        const qi = Q[i]![t]!;
        const qj = Q[j]![t]!;
        P[u]![t] = p + o.learningRate * (g * (qi - qj) - o.reg * p);
        Q[i]![t] = qi + o.learningRate * (g * p - o.reg * qi);
        Q[j]![t] = qj + o.learningRate * (-g * p - o.reg * qj);
      }
      b[i] = b[i]! + o.learningRate * (g - o.reg * b[i]!);
      b[j] = b[j]! + o.learningRate * (-g - o.reg * b[j]!);
    }
    losses.push(loss / pairs.length);
  }
  return { P, Q, b, losses };
}

describe('BPR against a float64 reference of its SGD', () => {
  // 4 users, 6 items (item 5 has no pair: it keeps a zero vector and bias); each user met a
  // few items, so negatives are redrawn when they hit a positive.
  const pairs: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 1],
    [1, 3],
    [2, 0],
    [2, 3],
    [2, 4],
    [3, 2],
    [3, 4],
    [3, 0],
    [3, 1],
  ];
  const o = { dim: 3, epochs: 6, learningRate: 0.3, reg: 0.05, seed: 9 };

  it('has the reference vectors, biases and per-epoch mean loss after 6 epochs', () => {
    const losses: number[] = [];
    const m = trainBpr(
      4,
      6,
      Int32Array.from(pairs.map(([u]) => u)),
      Int32Array.from(pairs.map(([, i]) => i)),
      o,
      (epoch, loss) => losses.push(epoch, loss),
    );
    const r = referenceBpr(4, 6, pairs, o);
    const close = (a: number, want: number) =>
      expect(Math.abs(a - want)).toBeLessThan(1e-5 * (1 + Math.abs(want)));
    for (let u = 0; u < 4; u++) for (let t = 0; t < 3; t++) close(m.userVectors[u * 3 + t]!, r.P[u]![t]!);
    for (let i = 0; i < 6; i++) {
      for (let t = 0; t < 3; t++) close(m.itemVectors[i * 3 + t]!, r.Q[i]![t]!);
      close(m.itemBias[i]!, r.b[i]!);
    }
    expect([...m.itemVectors.subarray(15, 18)]).toEqual([0, 0, 0]);
    expect(m.itemBias[5]).toBe(0);
    // onEpoch gets (1-based epoch, mean loss over the pairs).
    expect(losses.filter((_, k) => k % 2 === 0)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [e, l] of losses.filter((_, k) => k % 2 === 1).entries()) close(l, r.losses[e]!);
    // The reference moved: the biases are not all still zero.
    expect(r.b.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('scores an item as its bias plus the user-item dot product', () => {
    const model = {
      dim: 2,
      userVectors: Float32Array.from([1, 2, -1, 0.5]),
      itemVectors: Float32Array.from([3, 4, 0, 0, -2, 1]),
      itemBias: Float32Array.from([0.5, -1, 2]),
    };
    // User 1 = (-1, 0.5): item 0 -> 0.5 - 3 + 2 = -0.5; item 1 -> -1; item 2 -> 2 + 2 + 0.5.
    expect([...bprScores(model, 1, new Float32Array(3))]).toEqual([-0.5, -1, 4.5]);
    expect([...bprScores(model, 0, new Float32Array(3))]).toEqual([11.5, -1, 2]);
  });

  it('returns the untouched initialisation when fewer than two items have pairs', () => {
    const m = trainBpr(2, 3, Int32Array.from([0, 1]), Int32Array.from([1, 1]), {
      dim: 2,
      epochs: 5,
      seed: 1,
    });
    expect([...m.itemBias]).toEqual([0, 0, 0]);
    expect([...m.itemVectors.subarray(0, 2)]).toEqual([0, 0]);
    expect(m.itemVectors[2]).not.toBe(0);
  });
});
