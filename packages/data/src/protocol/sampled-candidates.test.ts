// The default candidate construction (traffic-sampled negatives, list ordered by a retriever),
// sliding training windows, cold items without a clock, and the cross-fitting of retrievers.
import { describe, expect, it } from 'vitest';
import { requestsFromColumns } from '../dataset/request-columns.js';
import { Rng } from '../random/rng.js';
import type { ProtocolParams, RerankRequest } from '../schema/types.js';
import { PLAIN_PROTOCOL as base, sourceOf as source } from '../test-support/protocol-source.js';
import { requestViolations } from '../test-support/request-invariants.js';
import { trainBpr } from './bpr.js';
import { buildDataset } from './build-requests.js';

const reqs = (ds: ReturnType<typeof buildDataset>): RerankRequest[] =>
  requestsFromColumns(ds.requests as never);

describe('sampled candidate lists', () => {
  it('adds traffic-weighted negatives the user never met and orders the list by the retriever (hand-worked)', () => {
    // A: a b c; B: d e; C: a d f. Training = interactions before each user's held-out windows:
    // A's a, B's d, C's a -> popularity a 2, d 1. b c e f have no training interaction, so they
    // are cold; in valid/test lists they weigh their whole-log count (1 each), in training lists 0.
    const ds = buildDataset(
      source([
        ['A', 'a', 5, 1],
        ['A', 'b', 5, 2],
        ['A', 'c', 5, 3],
        ['B', 'd', 5, 1],
        ['B', 'e', 5, 2],
        ['C', 'a', 5, 1],
        ['C', 'd', 5, 2],
        ['C', 'f', 5, 3],
      ]),
      // 10 candidates: more than any user can get, so each list holds every allowed item.
      { protocol: { ...base, candidates: 10 } },
    );
    expect([...ds.items.popularity]).toEqual([2, 0, 0, 1, 0, 0]);
    expect(ds.items.rawId.filter((_, i) => ds.items.cold[i])).toEqual(['b', 'c', 'e', 'f']);
    const raw = (i: number) => ds.items.rawId[i]!;
    const view = reqs(ds).map((r) => ({
      user: r.user,
      split: r.split,
      candidates: [...r.candidates].map(raw).sort().join(''),
      positive: [...r.candidates]
        .filter((_, k) => r.labels[k]! > 0)
        .map(raw)
        .join(''),
      shown: raw(r.candidates[r.exposed[0]!]!),
      coldStart: r.coldStart,
    }));
    // Never an item the user met besides the exposed one; every other item with weight > 0.
    expect(view).toEqual([
      { user: 0, split: 'valid', candidates: 'bdef', positive: 'b', shown: 'b', coldStart: true },
      { user: 0, split: 'test', candidates: 'cdef', positive: 'c', shown: 'c', coldStart: true },
      { user: 1, split: 'test', candidates: 'abcef', positive: 'e', shown: 'e', coldStart: true },
      { user: 2, split: 'valid', candidates: 'bcde', positive: 'd', shown: 'd', coldStart: false },
      { user: 2, split: 'test', candidates: 'bcef', positive: 'f', shown: 'f', coldStart: true },
    ]);
    // Popularity retriever: log(1 + popularity), best first, positives scored like the rest.
    for (const r of reqs(ds)) {
      const want = [...r.candidates].map((i) => Math.log1p(ds.items.popularity[i]!)).sort((x, y) => y - x);
      for (const [k, v] of [...r.initialScores].entries()) expect(v).toBeCloseTo(want[k]!, 6);
    }
    expect(ds.manifest.protocol).toMatchObject({ candidatesMode: 'sampled', trainStride: 1 });
    expect(ds.manifest.conversion?.coldItemsUnseenInTraining).toBe(4);
  });

  it('keeps the protocol invariants and scores every candidate by the same rule, positives included', () => {
    const rng = new Rng(3);
    const rows: [string, string, number, number][] = [];
    for (let u = 0; u < 60; u++)
      for (let k = 0; k < 25; k++)
        rows.push([`u${u}`, `i${Math.floor(rng.next() ** 2 * 150)}`, 1 + rng.int(5), k]);
    for (const retriever of ['popularity', 'cooccurrence', 'bpr'] as const) {
      const ds = buildDataset(source(rows), {
        protocol: { ...base, slateSize: 3, candidates: 12, retriever, bprEpochs: 3, coldStartQuantile: 0.8 },
      });
      expect(requestViolations(ds)).toEqual([]);
      for (const r of reqs(ds)) {
        for (let k = 1; k < r.initialScores.length; k++)
          expect(r.initialScores[k]).toBeLessThanOrEqual(r.initialScores[k - 1]!);
        if (retriever === 'popularity')
          for (let k = 0; k < r.candidates.length; k++)
            expect(r.initialScores[k]).toBeCloseTo(Math.log1p(ds.items.popularity[r.candidates[k]!]!), 5);
      }
    }
  });
});

describe('training windows', () => {
  // One user with 10 interactions, slates of 2: test = #8-9, valid = #6-7, training windows end
  // at or before #6 and need one interaction of history.
  const one = (stride: number) => {
    const rows: [string, string, number, number][] = [];
    for (let k = 0; k < 10; k++) rows.push(['A', `i${k}`, 5, k]);
    for (let k = 0; k < 10; k++) rows.push(['B', `i${k}`, 5, k]); // negatives to draw from
    const ds = buildDataset(source(rows), {
      protocol: { ...base, slateSize: 2, candidates: 4, trainStride: stride },
    });
    return reqs(ds)
      .filter((r) => r.user === 0)
      .map((r) => `${r.split}:${r.history.length}`);
  };

  it('slide every `trainStride` interactions before the valid window (hand-counted)', () => {
    // Stride 1: windows starting at #1, #2, #3, #4 (histories 1..4); stride 2: at #2 and #4.
    expect(one(1)).toEqual(['train:1', 'train:2', 'train:3', 'train:4', 'valid:6', 'test:8']);
    expect(one(2)).toEqual(['train:2', 'train:4', 'valid:6', 'test:8']);
    expect(one(3)).toEqual(['train:1', 'train:4', 'valid:6', 'test:8']);
  });
});

describe('cold items without a clock', () => {
  const untimed = () => {
    const rng = new Rng(7);
    const rows: [string, string, number, number][] = [];
    for (let u = 0; u < 80; u++) for (let k = 0; k < 15; k++) rows.push([`u${u}`, `i${rng.int(100)}`, 1, k]);
    return source(rows, false);
  };

  it('holds a seeded random share of the items out of training and flags cold test requests', () => {
    const randomCold = {
      protocol: {
        ...base,
        slateSize: 3,
        candidates: 10,
        ratingThreshold: 1,
        coldStartBy: 'random' as const,
        coldStartShare: 0.1,
      },
    };
    const ds = buildDataset(untimed(), randomCold);
    const coldCount = ds.items.cold.reduce((a, b) => a + b, 0);
    expect(coldCount).toBe(Math.floor(0.1 * ds.items.count));
    expect(requestViolations(ds)).toEqual([]);
    expect(reqs(ds).some((r) => r.split === 'test' && r.coldStart)).toBe(true);
    // Same seed, same cold set.
    const again = buildDataset(untimed(), randomCold);
    expect([...again.items.cold]).toEqual([...ds.items.cold]);
  });

  it('by first appearance, holds out the items that appear last in the file', () => {
    const rows: [string, string, number, number][] = [];
    // Items x0..x9 appear in this order across the file; every user meets all of them.
    for (let u = 0; u < 5; u++) for (let k = 0; k < 10; k++) rows.push([`u${u}`, `x${(k + u) % 10}`, 1, k]);
    // First appearances (file order): u0 meets x0..x9 in order, so x8 and x9 appear last.
    const ds = buildDataset(source(rows, false), {
      protocol: {
        ...base,
        slateSize: 2,
        candidates: 4,
        ratingThreshold: 1,
        coldStartBy: 'first-appearance',
        coldStartShare: 0.2,
      },
    });
    expect(ds.items.rawId.filter((_, i) => ds.items.cold[i])).toEqual(['x8', 'x9']);
  });

  it('refuses a time cut on a source without timestamps', () => {
    expect(() =>
      buildDataset(untimed(), { protocol: { ...base, coldStartBy: 'time', coldStartQuantile: 0.9 } }),
    ).toThrow(/no timestamps/);
  });
});

describe('cross-fitting: no request is scored by a retriever that saw its window', () => {
  // Every user: 3 shared items, then 9 items nobody else meets. An item met only inside one
  // window is scored exactly 0 by any retriever that did not see that window (BPR leaves never-
  // trained items at zero vector and bias; co-occurrence has no other user with it), and above
  // 0 by one that did: the leak would be visible.
  const rows: [string, string, number, number][] = [];
  const rng = new Rng(11);
  for (let u = 0; u < 30; u++) {
    for (let k = 0; k < 3; k++) rows.push([`u${u}`, `s${rng.int(10)}_${k}`, 5, k]);
    for (let k = 0; k < 9; k++) rows.push([`u${u}`, `own${u}_${k}`, 5, 3 + k]);
  }
  const uniqueScores = (protocol: ProtocolParams) => {
    const ds = buildDataset(source(rows), { protocol });
    const scores: number[] = [];
    for (const r of reqs(ds))
      for (const at of r.exposed)
        if (ds.items.rawId[r.candidates[at]!]!.startsWith('own')) scores.push(r.initialScores[at]!);
    return { ds, scores };
  };
  const protocol = { ...base, slateSize: 2, candidates: 8, bprEpochs: 5, bprDim: 8 };

  for (const [retriever, stride] of [
    ['bpr', 2],
    ['bpr', 1],
    ['cooccurrence', 2],
    ['cooccurrence', 1],
  ] as const) {
    it(`${retriever}, stride ${stride}: every window's own items score exactly 0`, () => {
      const { ds, scores } = uniqueScores({ ...protocol, retriever, trainStride: stride });
      expect(reqs(ds).filter((r) => r.split === 'train').length).toBeGreaterThan(30);
      expect(scores.length).toBeGreaterThan(100);
      expect(scores.every((s) => s === 0)).toBe(true);
    });
  }

  it('the check can fail: a BPR model that saw the windows gives their items non-zero scores', () => {
    const { ds } = uniqueScores({ ...protocol, retriever: 'bpr', trainStride: 2 });
    // Train on every interaction (what scoring a window with the all-data model would mean).
    const t = ds.interactions;
    const model = trainBpr(ds.users.count, ds.items.count, t.user, t.item, { dim: 8, epochs: 5 });
    const own = ds.items.rawId.map((raw, i) => (raw.startsWith('own') ? i : -1)).filter((i) => i >= 0);
    expect(own.every((i) => model.itemBias[i] !== 0)).toBe(true);
  });
});
