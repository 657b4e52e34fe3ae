// The request protocol's steps against hand-worked cases and small reference implementations
// written here from the protocol's definitions (ARCHITECTURE.md, "Request protocol"): k-core
// cascades, per-user time order, first-appearance and time-cut holdouts, history truncation,
// the cold-start count, and the stage-1 scores: which training interactions each cross-fitted
// BPR model and the co-occurrence index see, and the 'top-retriever' list built from them.
import { describe, expect, it } from 'vitest';
import { requestsFromColumns } from '../dataset/request-columns.js';
import { Rng } from '../random/rng.js';
import type { RerankRequest } from '../schema/types.js';
import { PLAIN_PROTOCOL as base, type LogRow, sourceOf as source } from '../test-support/protocol-source.js';
import { type BprModel, trainBpr } from './bpr.js';
import { buildDataset, quantile } from './build-requests.js';

const reqs = (ds: ReturnType<typeof buildDataset>): RerankRequest[] =>
  requestsFromColumns(ds.requests as never);
const coldRaw = (ds: ReturnType<typeof buildDataset>): string[] =>
  ds.items.rawId.filter((_, i) => ds.items.cold[i]);

describe('quantile (nearest rank) on every rank of small arrays', () => {
  it('matches the sorted array for n = 1..40, distinct, tied, sorted and reversed values', () => {
    const rng = new Rng(4);
    for (let n = 1; n <= 40; n++) {
      const kinds = [
        Float64Array.from({ length: n }, () => rng.next()),
        Float64Array.from({ length: n }, () => rng.int(3)),
        Float64Array.from({ length: n }, (_, i) => i),
        Float64Array.from({ length: n }, (_, i) => n - i),
      ];
      for (const v of kinds) {
        const sorted = Float64Array.from(v).sort();
        for (let k = 0; k < n; k++) {
          const q = n === 1 ? 0.5 : k / (n - 1);
          expect(quantile(v, q)).toBe(sorted[Math.min(n - 1, Math.floor(q * (n - 1)))]);
        }
      }
    }
  });
});

describe('cleaning steps (hand-worked)', () => {
  it('k-core drops users and items below k until none is left (a cascade of two rounds)', () => {
    // k = 2. Round 1: D (1 interaction) and z (1 user) go; round 2: C, left with x only, goes.
    const ds = buildDataset(
      source([
        ['A', 'x', 5, 1],
        ['A', 'y', 5, 2],
        ['B', 'x', 5, 1],
        ['B', 'y', 5, 2],
        ['C', 'x', 5, 1],
        ['C', 'z', 5, 2],
        ['D', 'x', 5, 1],
      ]),
      { protocol: { ...base, kCore: 2 } },
    );
    expect(ds.users.rawId).toEqual(['A', 'B']);
    expect(ds.items.rawId).toEqual(['x', 'y']);
    expect([...ds.interactions.user]).toEqual([0, 0, 1, 1]);
    expect([...ds.interactions.item]).toEqual([0, 1, 0, 1]);
    expect(ds.manifest.conversion).toMatchObject({ interactionsBeforeKCore: 7, interactionsAfterKCore: 4 });
  });

  it('orders each user by time whatever the file order (equal times keep file order) before dropping repeats', () => {
    const ds = buildDataset(
      source([
        ['A', 'a', 5, 3],
        ['A', 'b', 5, 2],
        ['A', 'c', 5, 1],
        ['B', 'd', 5, 5],
        ['B', 'e', 5, 1],
        ['B', 'f', 5, 1],
        ['B', 'g', 5, 3],
        // Repeated (C, h): the later in time (rating 2) stays although it comes first in the file.
        ['C', 'h', 2, 9],
        ['C', 'h', 5, 4],
        ['C', 'a', 5, 6],
      ]),
      { protocol: base },
    );
    const raw = [...ds.interactions.item].map((i) => ds.items.rawId[i]);
    expect(raw).toEqual(['c', 'b', 'a', 'e', 'f', 'g', 'd', 'a', 'h']);
    expect([...ds.interactions.ts]).toEqual([1, 2, 3, 1, 1, 3, 5, 6, 9]);
    expect([...ds.interactions.rating]).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 2]);
    expect(ds.manifest.conversion).toMatchObject({ duplicatesMerged: 1, interactionsBeforeKCore: 9 });
  });
});

describe('cold-start holdout (hand-worked)', () => {
  it('by first appearance: the items whose first surviving row comes last in the file', () => {
    // Untimed; rows in file order. z's first row is a repeat that the later (U1, z) replaces, so
    // z first appears at row 4. First appearances: y 1, x 2, w 3, z 4, v 5, p 12; latest first:
    // p, v, z (3 of 6 items at share 0.5). F meets every other item, so none is unseen in training.
    const order: [string, string][] = [
      ['U1', 'z'],
      ['U1', 'y'],
      ['U2', 'x'],
      ['U2', 'w'],
      ['U1', 'z'],
      ['U3', 'v'],
      ['U3', 'y'],
      ['F', 'v'],
      ['F', 'z'],
      ['F', 'w'],
      ['F', 'x'],
      ['F', 'y'],
      ['F', 'p'],
    ];
    const rows = order.map(([u, i], k): LogRow => [u, i, 5, k]);
    const ds = buildDataset(source(rows, false), {
      protocol: { ...base, coldStartBy: 'first-appearance', coldStartShare: 0.5 },
    });
    expect(ds.items.rawId).toEqual(['p', 'v', 'w', 'x', 'y', 'z']);
    expect(coldRaw(ds)).toEqual(['p', 'v', 'z']);
    expect(ds.manifest.conversion?.coldItemsUnseenInTraining).toBe(0);
  });

  it('by random share: the seed decides which items, the share how many', () => {
    const rows: LogRow[] = [];
    for (let u = 0; u < 10; u++)
      for (let k = 0; k < 13; k++) rows.push([`u${u}`, `i${(u * 3 + k) % 40}`, 5, k]);
    const cold = (seed: number, share: number) =>
      buildDataset(source(rows, false), { protocol: { ...base, seed, coldStartShare: share } });
    // The default for an untimed source is the random share.
    const a = cold(1, 0.25);
    expect(a.manifest.protocol.coldStartBy).toBe('random');
    const chosen = (ds: ReturnType<typeof cold>) =>
      ds.items.cold.reduce((n, c) => n + c, 0) - (ds.manifest.conversion?.coldItemsUnseenInTraining ?? 0);
    expect(chosen(a)).toBe(10); // floor(0.25 * 40)
    const b = cold(2, 0.25);
    expect(chosen(b)).toBe(10);
    expect(coldRaw(a)).not.toEqual(coldRaw(b));
  });

  it('by time: items first seen at or after the quantile cut, plus items seen only in valid/test', () => {
    // 14 timestamps 1..14; quantile 0.4 -> nearest rank floor(0.4 * 13) = 5 -> cut = 6.
    // x is first seen exactly at the cut (cold although C has it in training); a, b, c are
    // training items; d and e are only in A's valid/test windows, so they are cold too.
    const ds = buildDataset(
      source([
        ['A', 'a', 5, 1],
        ['A', 'b', 5, 2],
        ['A', 'c', 5, 3],
        ['A', 'd', 5, 4],
        ['A', 'e', 2, 5],
        ['B', 'x', 5, 6],
        ['B', 'c', 5, 7],
        ['B', 'f', 5, 8],
        ['B', 'g', 5, 9],
        ['B', 'h', 5, 10],
        ['C', 'k', 5, 11],
        ['C', 'x', 5, 12],
        ['C', 'm', 5, 13],
        ['C', 'n', 5, 14],
      ]),
      { protocol: { ...base, coldStartQuantile: 0.4 } },
    );
    expect(coldRaw(ds)).toEqual(['d', 'e', 'f', 'g', 'h', 'k', 'm', 'n', 'x']);
    expect(ds.manifest.conversion?.coldItemsUnseenInTraining).toBe(2);
    // Test requests whose positive is cold: B's (h) and C's (n); A's test item e is rated 2.
    // Valid requests with cold positives (A's d, B's g, C's m) do not count.
    // Training windows holding a cold item (B's f, C's x) are dropped.
    const flagged = reqs(ds).map((r) => `${r.split}:${r.coldStart ? 1 : 0}`);
    expect(flagged).toEqual([
      'train:0',
      'train:0',
      'valid:1',
      'test:0',
      'train:0',
      'valid:1',
      'test:1',
      'valid:1',
      'test:1',
    ]);
    expect(ds.manifest.conversion?.trainWindowsDroppedForColdItems).toBe(2);
    expect(ds.manifest.coldStartTestRequests).toBe(2);
  });
});

describe('history (hand-worked)', () => {
  it('keeps the most recent `historyLength` items; training requests skip cold items', () => {
    // Untimed, first appearance, 1 cold item of 6: c, whose first row is the last new item.
    // B: a b d e f, then A: a b c d e f. Slate 1, stride 1, history 2.
    const rows: LogRow[] = [];
    for (const [k, i] of ['a', 'b', 'd', 'e', 'f'].entries()) rows.push(['B', i, 5, k]);
    for (const [k, i] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) rows.push(['A', i, 5, k]);
    const ds = buildDataset(source(rows, false), {
      protocol: { ...base, historyLength: 2, coldStartBy: 'first-appearance', coldStartShare: 0.2 },
    });
    expect(coldRaw(ds).filter((i) => i === 'c')).toEqual(['c']);
    const raw = (i: number) => ds.items.rawId[i];
    const view = reqs(ds).map(
      (r) =>
        `${ds.users.rawId[r.user]} ${r.split} ${[...r.history].map(raw).join('')}>${raw(r.candidates[r.exposed[0]!]!)}`,
    );
    // A's window at c is dropped (cold); the next training window still has a, b as history.
    expect(view).toEqual([
      'A train a>b',
      'A train ab>d',
      'A valid cd>e',
      'A test de>f',
      'B train a>b',
      'B train ab>d',
      'B valid bd>e',
      'B test de>f',
    ]);
    expect(ds.manifest.conversion?.trainWindowsDroppedForColdItems).toBe(1);
  });
});

describe("'top-retriever' with the popularity retriever (hand-worked)", () => {
  it('merges the window, sorted by popularity, with the most popular items the user never met (ties by id)', () => {
    // Training popularity from F1..F3's first three items: a 3, b 2, 0z 2, c 1, y 1, plus T's t0 1
    // ('0z' sorts first, so it is dense id 0). T: t0 | valid b c a | test d e f, c rated 3.
    const rows: LogRow[] = [];
    const fillers = [
      ['a', 'b', 'c'],
      ['a', 'b', '0z'],
      ['a', 'y', '0z'],
    ];
    for (const [f, first] of fillers.entries()) {
      const seq = [...first, ...Array.from({ length: 6 }, (_, k) => `o${f}_${k}`)];
      for (const [k, i] of seq.entries()) rows.push([`F${f}`, i, 5, k]);
    }
    for (const [k, i] of ['t0', 'b', 'c', 'a', 'd', 'e', 'f'].entries())
      rows.push(['T', i, i === 'c' ? 3 : 5, k]);
    const ds = buildDataset(source(rows), {
      protocol: { ...base, slateSize: 3, candidates: 5, candidatesMode: 'top-retriever' },
    });
    const raw = (i: number) => ds.items.rawId[i];
    const t = ds.users.rawId.indexOf('T');
    const view = reqs(ds)
      .filter((r) => r.user === t)
      .map((r) => ({
        split: r.split,
        candidates: [...r.candidates].map(raw).join(' '),
        exposed: [...r.exposed],
        labels: [...r.labels],
        scores: [...r.initialScores].map((v) => Math.round(Math.expm1(v))),
      }));
    expect(view).toEqual([
      {
        split: 'valid',
        candidates: 'a 0z b c y',
        exposed: [2, 3, 0],
        labels: [1, 0, 1, 0, 0],
        scores: [3, 2, 2, 1, 1],
      },
      {
        split: 'test',
        candidates: '0z y d e f',
        exposed: [2, 3, 4],
        labels: [0, 0, 1, 1, 1],
        scores: [2, 1, 0, 0, 0],
      },
    ]);
  });
});

// Stage-1 scores against references. 20 users x 17 interactions over 80 items (numeric raw ids,
// so dense ids equal them), slates of 4, training windows every 2 interactions: per user, test at
// 13, valid at 9, training windows at 5, 3, 1 (folds 0, 0, 1: blocks of ceil(4 / 2) = 2
// windows), training interactions 0..8. Users 0..4 end with 8 items nobody else meets (40..79):
// never in training, so no model has seen them and they are in no retriever's pool.
describe('stage-1 scores against reference implementations', () => {
  const L = 4;
  const STRIDE = 2;
  const USERS = 20;
  const LEN = 17;
  const heldOut = LEN - 2 * L;
  const item = (u: number, k: number) =>
    u < 5 && k >= heldOut ? 40 + u * 8 + (k - heldOut) : (u * 7 + k * 3) % 40;
  const rows: LogRow[] = [];
  for (let u = 0; u < USERS; u++)
    for (let k = 0; k < LEN; k++) rows.push([`${u}`, `${item(u, k)}`, 1 + ((u + k) % 5), k]);
  /** Window start -> fold, the protocol's training windows of every user. */
  const foldOf = new Map<number, number>();
  for (let t = 0, we = heldOut; we - L >= 1; t++, we -= STRIDE)
    foldOf.set(we - L, Math.floor(t / Math.ceil(L / STRIDE)) % 2);
  /** Training pairs (user, then time), leaving out the interactions of fold `f`'s windows. */
  const pairs = (f: number) => {
    const users: number[] = [];
    const items: number[] = [];
    for (let u = 0; u < USERS; u++)
      for (let k = 0; k < heldOut; k++) {
        const inFold = [...foldOf].some(([ws, fold]) => fold === f && k >= ws && k < ws + L);
        if (inFold) continue;
        users.push(u);
        items.push(item(u, k));
      }
    return { users: Int32Array.from(users), items: Int32Array.from(items) };
  };
  const bprScore = (m: BprModel, u: number, i: number) => {
    let s = m.itemBias[i]!;
    for (let t = 0; t < m.dim; t++) s += m.userVectors[u * m.dim + t]! * m.itemVectors[i * m.dim + t]!;
    return s;
  };
  const bprOptions = { bprDim: 4, bprEpochs: 3, seed: 5 };
  /** The model that may score a request: all training for valid/test, without its fold for training. */
  const models = [-1, 0, 1].map((f) => {
    const p = pairs(f);
    return {
      model: trainBpr(USERS, 80, p.users, p.items, { dim: 4, epochs: 3, seed: bprOptions.seed + f + 1 }),
      pool: [...new Set(p.items)].sort((a, b) => a - b),
    };
  });
  const modelFor = (r: RerankRequest) => models[r.split === 'train' ? foldOf.get(r.ts)! + 1 : 0]!;
  const window = (r: RerankRequest) => Array.from({ length: L }, (_, k) => item(r.user, r.ts + k));

  it('the reference windows are the ones hand-counted above', () => {
    expect([...foldOf.entries()]).toEqual([
      [5, 0],
      [3, 0],
      [1, 1],
    ]);
  });

  it('sampled lists: each request scored by the BPR model fitted without its window', () => {
    const ds = buildDataset(source(rows), {
      protocol: {
        ...base,
        slateSize: L,
        candidates: 8,
        trainStride: STRIDE,
        retriever: 'bpr',
        ...bprOptions,
      },
    });
    expect(ds.items.rawId).toEqual(Array.from({ length: 80 }, (_, i) => `${i}`));
    const all = reqs(ds);
    expect(all.map((r) => `${r.split}@${r.ts}`).slice(0, 5)).toEqual([
      'train@1',
      'train@3',
      'train@5',
      'valid@9',
      'test@13',
    ]);
    let nonZero = 0;
    for (const r of all) {
      expect([...r.exposed].map((k) => r.candidates[k])).toEqual(window(r));
      const { model } = modelFor(r);
      for (const [k, c] of r.candidates.entries()) {
        expect(r.initialScores[k]).toBeCloseTo(bprScore(model, r.user, c), 6);
        if (r.initialScores[k] !== 0) nonZero++;
      }
    }
    expect(nonZero).toBeGreaterThan(all.length * 4);
  });

  it("'top-retriever' lists: the model's best unmet items of its pool, merged with the window by score (ties by id)", () => {
    for (const N of [8, 30]) {
      const ds = buildDataset(source(rows), {
        protocol: {
          ...base,
          slateSize: L,
          candidates: N,
          trainStride: STRIDE,
          retriever: 'bpr',
          candidatesMode: 'top-retriever',
          ...bprOptions,
        },
      });
      for (const r of reqs(ds)) {
        const { model, pool } = modelFor(r);
        const met = new Set(Array.from({ length: LEN }, (_, k) => item(r.user, k)));
        const s = (i: number) => Math.fround(bprScore(model, r.user, i));
        const best = (a: number, b: number) => s(b) - s(a) || a - b;
        const retrieved = pool
          .filter((i) => !met.has(i))
          .sort(best)
          .slice(0, N - L);
        const want = [...window(r), ...retrieved].sort(best);
        expect([...r.candidates], `N ${N}, user ${r.user} ${r.split}@${r.ts}`).toEqual(want);
        expect([...r.initialScores]).toEqual(want.map(s));
        expect([...r.exposed].map((k) => r.candidates[k])).toEqual(window(r));
        // Label 1 exactly for the exposed items rated at or above the threshold.
        const rating = (i: number) => 1 + ((r.user + window(r).indexOf(i) + r.ts) % 5);
        expect([...r.labels]).toEqual(want.map((i) => (window(r).includes(i) && rating(i) >= 4 ? 1 : 0)));
      }
    }
  });

  it('co-occurrence: overlap of the history with other users who met the candidate, damped by its popularity', () => {
    const damping = 1;
    const ds = buildDataset(source(rows), {
      protocol: {
        ...base,
        slateSize: L,
        candidates: 8,
        trainStride: STRIDE,
        retriever: 'cooccurrence',
        cooccurrenceDamping: damping,
      },
    });
    // Training items of each user (before its valid window).
    const train = Array.from(
      { length: USERS },
      (_, u) => new Set(Array.from({ length: heldOut }, (_, k) => item(u, k))),
    );
    let nonZero = 0;
    for (const r of reqs(ds)) {
      const history = new Set(r.history);
      for (const [k, c] of r.candidates.entries()) {
        let s = 0;
        let pop = 0;
        for (let v = 0; v < USERS; v++) {
          if (v === r.user || !train[v]!.has(c)) continue;
          pop++;
          for (const h of history) if (train[v]!.has(h)) s++;
        }
        const want = pop > 0 ? s / pop ** damping : s;
        expect(r.initialScores[k]).toBeCloseTo(want, 4);
        if (want > 0) nonZero++;
      }
    }
    expect(nonZero).toBeGreaterThan(100);
  });

  it('BPR with 0 epochs falls back to popularity scores', () => {
    const ds = buildDataset(source(rows), {
      protocol: { ...base, slateSize: L, candidates: 8, trainStride: STRIDE, retriever: 'bpr', bprEpochs: 0 },
    });
    for (const r of reqs(ds))
      for (const [k, c] of r.candidates.entries())
        expect(r.initialScores[k]).toBeCloseTo(Math.log1p(ds.items.popularity[c]!), 6);
  });
});
