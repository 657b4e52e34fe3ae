import { type RerankRequest, slateMetrics } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { silentLogger } from '../methods/reranker.js';
import { trainDlcm } from './dlcm.js';
import { trainDnn } from './dnn.js';
import { InitialOrderReranker } from './initial-order.js';
import { trainPrm } from './prm.js';
import { buildBatch } from './request-batch.js';
import { trainSeq2Slate } from './seq2slate.js';
import { toyDataset } from './test-support/toy-dataset.js';

const dataset = toyDataset();
const test = dataset.requests.filter((r) => r.split === 'test');
const L = 3;
const budget = { epochs: 12, batchSize: 32, learningRate: 1e-2, maxSteps: 0, dim: 16, slateSize: L };

function precision(slates: Int32Array[]): number {
  return slateMetrics(test, slates, L).precision;
}

function checkSlates(requests: readonly RerankRequest[], slates: Int32Array[]): void {
  expect(slates.length).toBe(requests.length);
  slates.forEach((s, i) => {
    expect(s.length).toBe(L);
    expect(new Set(s).size).toBe(L);
    for (const item of s) expect(requests[i]!.candidates).toContain(item);
  });
}

beforeAll(async () => {
  await selectBackend('auto');
});

describe('initial order', () => {
  it('returns the top-L by retriever score', () => {
    const r = dataset.requests[0]!;
    const [slate] = new InitialOrderReranker().rank([r], L);
    const expected = Array.from(r.candidates)
      .map((c, i) => ({ c, s: r.initialScores[i]! }))
      .sort((a, b) => b.s - a.s)
      .slice(0, L)
      .map((x) => x.c);
    expect(Array.from(slate!)).toEqual(expected);
  });
});

describe('request batches', () => {
  it('lays candidates out in initial order and pads short lists', () => {
    const a = dataset.requests[0]!;
    const short = {
      ...a,
      candidates: a.candidates.slice(0, 4),
      labels: a.labels.slice(0, 4),
      initialScores: a.initialScores.slice(0, 4),
      exposed: a.exposed.filter((k) => k < 4),
    };
    const batch = buildBatch([a, short], { padId: 40, maxHistory: 5 });
    expect(batch.width).toBe(10);
    expect(Array.from(batch.valid.subarray(10, 20))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(batch.candidates[19]).toBe(40);
    const firstSlot = batch.order[0]![0]!;
    expect(a.initialScores[firstSlot]).toBe(Math.max(...a.initialScores));
  });
});

describe('learned baselines beat the initial order on a task that needs the user', () => {
  const initial = precision(new InitialOrderReranker().rank(test, L));

  it('initial order is near chance (about 50%)', () => {
    expect(initial).toBeGreaterThan(25);
    expect(initial).toBeLessThan(75);
  });

  const cases = [
    ['dnn', () => trainDnn({ dataset, seed: 1, logger: silentLogger }, { ...budget, hidden: 32 })],
    ['dlcm', () => trainDlcm({ dataset, seed: 1, logger: silentLogger }, { ...budget, hidden: 16 })],
    ['prm', () => trainPrm({ dataset, seed: 1, logger: silentLogger }, { ...budget, heads: 2, layers: 1 })],
    [
      'seq2slate',
      () => trainSeq2Slate({ dataset, seed: 1, logger: silentLogger }, { ...budget, hidden: 16 }),
    ],
  ] as const;

  it.each(cases)('%s', (_name, train) => {
    const { reranker, fit } = train();
    expect(fit.steps).toBeGreaterThan(0);
    const slates = reranker.rank(test, L);
    checkSlates(test, slates);
    expect(precision(slates)).toBeGreaterThan(initial + 25);
    // Same seed, same slates.
    expect(reranker.rank(test, L).map((s) => Array.from(s))).toEqual(slates.map((s) => Array.from(s)));
    // Ranking allocates nothing that outlives it.
    const held = tf.memory().numTensors;
    reranker.rank(test, L);
    expect(tf.memory().numTensors).toBe(held);
    reranker.dispose();
    expect(tf.memory().numTensors).toBeLessThan(held);
  });
});
