import type { LoadedDataset, RerankRequest } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { datasetStats, intHistogram, log2Histogram } from './dataset-stats.js';

describe('histograms', () => {
  it('counts integers from the minimum', () => {
    expect(intHistogram([2, 4, 2, 3])).toEqual({ min: 2, counts: [2, 1, 1], mean: 2.75 });
  });
  it('buckets by powers of two', () => {
    expect(log2Histogram([0, 1, 2, 3, 4, 7, 8])).toEqual({
      bounds: [
        [0, 0],
        [1, 1],
        [2, 3],
        [4, 7],
        [8, 15],
      ],
      counts: [1, 1, 2, 2, 1],
    });
  });
});

describe('datasetStats', () => {
  const req = (id: number, split: 'train' | 'test', labels: number[], hist: number, cold = false) =>
    ({
      id,
      user: 0,
      split,
      coldStart: cold,
      ts: 0,
      history: new Int32Array(hist),
      candidates: Int32Array.from(labels.map((_, i) => i)),
      labels: Float32Array.from(labels),
      initialScores: new Float32Array(labels.length),
      exposed: Int32Array.from(labels.map((_, i) => i)),
    }) satisfies RerankRequest;
  const popularity = Int32Array.from([5, 0, 80, 10, 1, 1, 1, 1, 1, 0]);
  const ds = {
    requests: [
      req(0, 'train', [1, 0, 1], 2),
      req(1, 'test', [0, 0, 1], 4, true),
      req(2, 'test', [0, 0, 0], 4),
    ],
    items: {
      count: 10,
      popularity,
      cold: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 1]),
      title: Array.from({ length: 10 }, (_, i) => `item ${i}`),
    },
  } as unknown as LoadedDataset;

  it('counts splits, positives, history lengths and popularity', () => {
    const s = datasetStats(ds, { longTailPoints: 4, topItems: 2 });
    expect(s.requestsBySplit).toEqual({ train: 1, valid: 0, test: 2 });
    expect(s.coldStartRequests).toEqual({ train: 0, valid: 0, test: 1 });
    expect(s.positivesPerRequest).toEqual({ min: 0, counts: [1, 1, 1], mean: 1 });
    expect(s.historyLength.counts).toEqual([1, 0, 2]);
    expect(s.coldItems).toBe(2);
    // total 100, top 10% = 1 item with 80.
    expect(s.top10PercentShare).toBeCloseTo(0.8, 10);
    expect(s.topItems).toEqual([
      { item: 2, title: 'item 2', popularity: 80 },
      { item: 3, title: 'item 3', popularity: 10 },
    ]);
    // ranks 1,4,7 then the last rank 10; popularity non-increasing.
    expect(s.longTail.rank).toEqual([1, 4, 7, 10]);
    expect(s.longTail.popularity).toEqual([80, 1, 1, 0]);
  });
});
