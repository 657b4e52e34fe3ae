import { describe, expect, it } from 'vitest';
import { splitTable } from './split-table.js';

describe('splitTable', () => {
  it('lays out <split>/<metric> keys as metric rows and split columns', () => {
    const t = splitTable({
      'test_cold/ndcg@6': 20,
      'test/ndcg@6': 40,
      'valid/ndcg@6': 41,
      'train/loss': 0.3,
      'test/p@6': null,
      loss: 0.5,
      'odd/': 1,
    });
    expect(t.splits).toEqual(['train', 'valid', 'test', 'test_cold']);
    expect(t.rows).toEqual([
      { metric: 'loss', values: [0.3, null, null, null] },
      { metric: 'ndcg@6', values: [null, 41, 40, 20] },
      { metric: 'p@6', values: [null, null, null, null] },
    ]);
  });
});
