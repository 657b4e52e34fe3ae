import { describe, expect, it } from 'vitest';
import { requestsFromColumns } from '../dataset/request-columns.js';
import { Rng } from '../random/rng.js';
import type { ProtocolParams } from '../schema/types.js';
import { PLAIN_PROTOCOL, sourceOf as source } from '../test-support/protocol-source.js';
import { requestViolations } from '../test-support/request-invariants.js';
import { buildDataset, quantile } from './build-requests.js';

const base: ProtocolParams = { ...PLAIN_PROTOCOL, slateSize: 2, candidates: 4 };

describe('quantile', () => {
  it('equals the nearest-rank element of the sorted values', () => {
    const rng = new Rng(2);
    for (const n of [1, 2, 7, 100, 5000]) {
      for (const kind of ['random', 'sorted', 'ties']) {
        const v = Float64Array.from({ length: n }, (_, i) =>
          kind === 'sorted' ? i : kind === 'ties' ? rng.int(4) : rng.normal(),
        );
        const sorted = Float64Array.from(v).sort();
        for (const q of [0, 0.1, 0.5, 0.9, 1]) {
          expect(quantile(v, q)).toBe(sorted[Math.min(n - 1, Math.floor(q * (n - 1)))]);
        }
      }
    }
  });
});

describe('buildDataset', () => {
  it("matches a hand-worked example of the old 'top-retriever' construction (windows, splits, history, candidates, labels)", () => {
    const ratings = [5, 3, 4, 5, 2, 5, 4];
    const rows: [string, string, number, number][] = [
      ...ratings.map((r, k): [string, string, number, number] => ['A', `i${k + 1}`, r, k + 1]),
      ['B', 'i1', 4, 1],
      ['B', 'i2', 4, 2],
      ['B', 'i8', 4, 3],
      ['C', 'i1', 4, 1],
      ['C', 'i9', 4, 2],
    ];
    // The construction of earlier versions (kept behind a flag): the retriever's top N - L items.
    const ds = buildDataset(source(rows), { protocol: { ...base, candidatesMode: 'top-retriever' } });
    // Training: A's interactions before its valid window (i1..i3), B's before its test window (i1), all of C's.
    expect([...ds.items.popularity]).toEqual([3, 1, 1, 0, 0, 0, 0, 0, 1]);
    const reqs = requestsFromColumns(ds.requests as never);
    const view = reqs.map((r) => ({
      user: r.user,
      split: r.split,
      history: [...r.history],
      candidates: [...r.candidates],
      labels: [...r.labels],
    }));
    // Items i1..i9 are ids 0..8; the popularity retriever ranks i1 > {i2, i3, i9} (ties by id).
    expect(view).toEqual([
      { user: 0, split: 'train', history: [0], candidates: [1, 2, 8], labels: [0, 1, 0] },
      { user: 0, split: 'valid', history: [0, 1, 2], candidates: [8, 3, 4], labels: [0, 1, 0] },
      { user: 0, split: 'test', history: [0, 1, 2, 3, 4], candidates: [8, 5, 6], labels: [0, 1, 1] },
      { user: 1, split: 'test', history: [0], candidates: [1, 2, 8, 7], labels: [1, 0, 0, 1] },
    ]);
    expect(reqs[3]!.initialScores[0]).toBeCloseTo(Math.log(2), 6);
    expect(reqs[3]!.initialScores[3]).toBe(0);
    expect(reqs.map((r) => r.ts)).toEqual([2, 4, 6, 2]);
    expect(ds.manifest.conversion).toMatchObject({ interactionsAfterKCore: 12, trainingInteractions: 6 });
  });

  it('keeps the latest of repeated (user, item) pairs', () => {
    const ds = buildDataset(
      source([
        ['A', 'x', 2, 1],
        ['A', 'y', 5, 2],
        ['A', 'x', 5, 3],
        ['A', 'z', 5, 4],
      ]),
      { protocol: { ...base, slateSize: 1, candidates: 1 } },
    );
    expect(ds.interactions.count).toBe(3);
    expect([...ds.interactions.rating]).toEqual([5, 5, 5]);
    expect([...ds.interactions.ts]).toEqual([2, 3, 4]);
    expect(ds.manifest.conversion?.duplicatesMerged).toBe(1);
  });

  it('applies the k-core filter like a straightforward reference implementation', () => {
    const rng = new Rng(5);
    const rows: [string, string, number, number][] = [];
    for (let k = 0; k < 3000; k++) {
      // Skewed users and items so the filter has to iterate.
      const u = Math.floor(rng.next() ** 2 * 120);
      const i = Math.floor(rng.next() ** 3 * 200);
      rows.push([`u${u}`, `i${i}`, 1 + rng.int(5), k]);
    }
    // Reference: dedupe keeping the latest, then repeat dropping users/items below k.
    const latest = new Map<string, [string, string]>();
    for (const [u, i] of rows) latest.set(`${u}|${i}`, [u, i]);
    let alive = [...latest.values()];
    for (;;) {
      const uc = new Map<string, number>();
      const ic = new Map<string, number>();
      for (const [u, i] of alive) {
        uc.set(u, (uc.get(u) ?? 0) + 1);
        ic.set(i, (ic.get(i) ?? 0) + 1);
      }
      const next = alive.filter(([u, i]) => uc.get(u)! >= 5 && ic.get(i)! >= 5);
      if (next.length === alive.length) break;
      alive = next;
    }
    const ds = buildDataset(source(rows), { protocol: { ...base, kCore: 5 } });
    expect(ds.interactions.count).toBe(alive.length);
    expect(ds.users.count).toBe(new Set(alive.map(([u]) => u)).size);
    expect(ds.items.count).toBe(new Set(alive.map(([, i]) => i)).size);
    expect(requestViolations(ds)).toEqual([]);
  });

  it('holds cold-start items out of training and flags cold test requests', () => {
    const rng = new Rng(9);
    const rows: [string, string, number, number][] = [];
    for (let u = 0; u < 70; u++) {
      // Users 60..69 start later, so late items reach their training windows too.
      const offset = u < 60 ? 0 : 1500;
      for (let k = 0; k < 30; k++) {
        const t = offset + k * 100 + u * 0.001;
        // Items 0..39 exist from the start; items 40..59 appear only from t = 2500.
        const late = t >= 2500 && rng.next() < 0.5;
        const it = late ? 40 + rng.int(20) : rng.int(40);
        rows.push([`u${u}`, `i${it}`, 1 + rng.int(5), t]);
      }
    }
    const ds = buildDataset(source(rows), {
      protocol: { ...base, slateSize: 3, candidates: 10, coldStartQuantile: 0.7 },
    });
    const coldIds = ds.items.rawId.filter((_, i) => ds.items.cold[i]);
    expect(coldIds.length).toBeGreaterThan(0);
    expect(coldIds.every((raw) => Number(raw.slice(1)) >= 40)).toBe(true);
    expect(requestViolations(ds)).toEqual([]);
    const reqs = requestsFromColumns(ds.requests as never);
    expect(reqs.some((r) => r.split === 'test' && r.coldStart)).toBe(true);
    expect(ds.manifest.conversion?.trainWindowsDroppedForColdItems).toBeGreaterThan(0);
  });

  it('fails clearly when nothing survives the k-core filter', () => {
    expect(() => buildDataset(source([['A', 'x', 5, 1]]), { protocol: { ...base, kCore: 5 } })).toThrow(
      /no interactions survive the 5-core filter/,
    );
  });
});
