import type { ItemTable, LoadedDataset } from '@glorank/data';
import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { applyRidgeMap, choleskySolve, fitRidgeMap } from './cold-start-map.js';
import { collaborativeVectors, trainingInteractions } from './collaborative-vectors.js';
import { contentFeatures, fnv1a, titleNgrams } from './content-features.js';
import { applyFusion, fitFusion } from './fusion.js';
import type { Matrix } from './matrix.js';

function itemTable(rows: { title: string | null; categories: string[]; year: number | null }[]): ItemTable {
  return {
    count: rows.length,
    rawId: rows.map((_, i) => String(i)),
    title: rows.map((r) => r.title),
    categories: rows.map((r) => r.categories),
    year: rows.map((r) => r.year),
    popularity: new Int32Array(rows.length),
    cold: new Uint8Array(rows.length),
  };
}

describe('content features', () => {
  it('hashes with 32-bit FNV-1a', () => {
    // Published FNV-1a test vectors.
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('splits titles into words, bigrams and padded trigrams, dropping the trailing year', () => {
    expect(titleNgrams('Amélie (2001)')).toEqual([
      'w:amélie',
      'c:^am',
      'c:amé',
      'c:mél',
      'c:éli',
      'c:lie',
      'c:ie$',
    ]);
    expect(titleNgrams('Up Up')).toEqual(['w:up', 'b:up up', 'c:^up', 'c:up$', 'w:up', 'c:^up', 'c:up$']);
  });

  it('builds L2-normalised, weighted blocks', () => {
    const items = itemTable([
      { title: 'Alpha', categories: ['Drama', 'Comedy'], year: 1990 },
      { title: null, categories: ['Drama'], year: 1996 },
      { title: null, categories: [], year: null },
    ]);
    const f = contentFeatures(items, { titleBuckets: 64 });
    expect(f.categories).toEqual(['Comedy', 'Drama']);
    expect(f.emptyItems).toBe(1);
    const row = (r: number) => {
      const out = new Map<number, number>();
      for (let p = f.matrix.indptr[r] as number; p < (f.matrix.indptr[r + 1] as number); p++) {
        out.set(f.matrix.indices[p] as number, f.matrix.values[p] as number);
      }
      return out;
    };
    // Item 0: two categories at 1/sqrt(2); year bucket 1990-94 (col 2) with its neighbour 1995-99 at half.
    const r0 = row(0);
    expect(r0.get(0)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(r0.get(1)).toBeCloseTo(Math.SQRT1_2, 6);
    const yearNorm = 0.5 / Math.sqrt(1.25);
    expect(r0.get(2)).toBeCloseTo(yearNorm, 6);
    expect(r0.get(3)).toBeCloseTo(yearNorm * 0.5, 6);
    // Title block has unit norm.
    let titleSq = 0;
    for (const [c, v] of r0) if (c >= 4) titleSq += v * v;
    expect(titleSq).toBeCloseTo(1, 6);
    expect(row(1).get(1)).toBeCloseTo(1, 6);
    expect(row(2).size).toBe(0);
  });
});

describe('collaborative vectors', () => {
  it('reconstructs training interactions from the request windows', () => {
    // User 0: 10 interactions, one valid and one test request of slate 2: the last 4 are held out.
    // User 1: 3 interactions, no held-out request. Item 3 is cold.
    const user = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    const item = Int32Array.from([0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 2, 3, 1]);
    const ds = {
      manifest: { protocol: { slateSize: 2 } },
      items: { ...itemTable(Array.from({ length: 4 }, () => ({ title: null, categories: [], year: null }))) },
      users: { count: 2 },
      interactions: { count: 13, user, item },
      requests: [
        { user: 0, split: 'train' },
        { user: 0, split: 'valid' },
        { user: 0, split: 'test' },
      ],
    } as unknown as LoadedDataset;
    ds.items.cold[3] = 1;
    ds.items.popularity.set([2, 3, 3, 0]);
    const t = trainingInteractions(ds);
    expect(Array.from(t.rows)).toEqual([0, 1, 2, 4, 5, 10, 12]);
    expect(Array.from(t.perItem)).toEqual([2, 3, 2, 0]);
    expect(t.popularityMismatches).toBe(1);
  });

  it('separates items consumed by disjoint user groups', () => {
    // Users 0-9 take items 0-4, users 10-19 items 5-9, plus one bridge so the graph is connected.
    const user: number[] = [];
    const item: number[] = [];
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 5; i++) {
        user.push(u);
        item.push(u < 10 ? i : 5 + i);
      }
    user.push(0);
    item.push(9);
    const cf = collaborativeVectors(20, 11, user, item, { dims: 2, rng: new Rng(1) });
    expect(Array.from(cf.hasData)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const first = (i: number) => cf.vectors.data[i * 2] as number;
    const sideA = Math.sign(first(0));
    expect(sideA).not.toBe(0);
    for (let i = 1; i < 5; i++) expect(Math.sign(first(i))).toBe(sideA);
    for (let i = 5; i < 9; i++) expect(Math.sign(first(i))).toBe(-sideA);
    expect(first(10)).toBe(0);
  });
});

describe('fusion and the cold-start map', () => {
  it('gives each block the variance share of its weight', () => {
    const rng = new Rng(2);
    const a: Matrix = {
      rows: 50,
      cols: 3,
      data: Float32Array.from({ length: 150 }, () => rng.normal() * 10),
    };
    const b: Matrix = {
      rows: 50,
      cols: 2,
      data: Float32Array.from({ length: 100 }, () => 5 + rng.normal() * 0.1),
    };
    const blocks = [
      { name: 'a', vectors: a, weight: 1 },
      { name: 'b', vectors: b, weight: 3 },
    ];
    const rows = Array.from({ length: 50 }, (_, i) => i);
    const fused = applyFusion(blocks, fitFusion(blocks, rows));
    const variance = (from: number, to: number) => {
      let s = 0;
      for (let c = from; c < to; c++) {
        let m = 0;
        for (let i = 0; i < 50; i++) m += (fused.data[i * 5 + c] as number) / 50;
        for (let i = 0; i < 50; i++) s += ((fused.data[i * 5 + c] as number) - m) ** 2 / 50;
      }
      return s;
    };
    expect(variance(0, 3)).toBeCloseTo(1, 4);
    expect(variance(3, 5)).toBeCloseTo(3, 4);
  });

  it('Cholesky solve: hand-worked 2 x 2 system', () => {
    // [4 2; 2 3] x = [2; 1]  ->  x = [0.5, 0]
    const x = choleskySolve(Float64Array.from([4, 2, 2, 3]), 2, Float64Array.from([2, 1]), 1);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
  });

  it('ridge map recovers a linear map and predicts held-out rows', () => {
    const rng = new Rng(3);
    const n = 200;
    const x: Matrix = { rows: n, cols: 3, data: Float32Array.from({ length: n * 3 }, () => rng.normal()) };
    const y: Matrix = { rows: n, cols: 2, data: new Float32Array(n * 2) };
    for (let i = 0; i < n; i++) {
      const [a, b, c] = [x.data[i * 3], x.data[i * 3 + 1], x.data[i * 3 + 2]] as number[];
      y.data[i * 2] = 2 * (a as number) - (c as number) + 1;
      y.data[i * 2 + 1] = 0.5 * (b as number) - 3;
    }
    const map = fitRidgeMap(
      x,
      y,
      Array.from({ length: 150 }, (_, i) => i),
      { rng: new Rng(4) },
    );
    expect(map.validationR2).toBeGreaterThan(0.999);
    expect(map.lambda).toBeLessThanOrEqual(1e-2);
    const out: Matrix = { rows: n, cols: 2, data: new Float32Array(n * 2) };
    applyRidgeMap(map, x, [150, 199], out);
    expect(out.data[150 * 2]).toBeCloseTo(y.data[150 * 2] as number, 1);
    expect(out.data[199 * 2 + 1]).toBeCloseTo(y.data[199 * 2 + 1] as number, 1);
  });
});
