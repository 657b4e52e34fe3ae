import { describe, expect, it } from 'vitest';
import { type ResultRun, trackedResultsTable } from './results-table.js';

const run = (
  id: number,
  method: string,
  seed: number,
  ndcg: number | null,
  status = 'finished',
): ResultRun => ({
  id,
  name: `${method}-s${seed}`,
  status,
  params: { method, seed: String(seed) },
  metrics: ndcg === null ? {} : { 'test/ndcg': { last: ndcg } },
});

describe('trackedResultsTable', () => {
  const runs = [
    run(1, 'dnn', 1, 40),
    run(2, 'dnn', 2, 42),
    run(3, 'dnn', 3, 44),
    run(4, 'glorank', 1, 45),
    run(5, 'glorank', 2, 46),
    run(6, 'glorank', 3, 50),
    run(7, 'glorank', 4, 99, 'running'),
    run(8, 'prm', 1, null),
  ];

  it('aggregates finished runs per method with mean and interval', () => {
    const t = trackedResultsTable(runs, { keys: ['test/ndcg'] });
    expect(t.rows.map((r) => r.method)).toEqual(['dnn', 'glorank', 'prm']);
    const dnn = t.rows[0]!.cells['test/ndcg']!;
    expect(dnn.mean).toBe(42);
    // std 2, t(2) = 4.30265 (exact: 0.95 * sqrt(2 / 0.0975)), half-width = t(2) * 2 / sqrt(3)
    expect(dnn.halfWidth).toBeCloseTo((0.95 * Math.sqrt(2 / 0.0975) * 2) / Math.sqrt(3), 10);
    expect(t.rows[1]!.cells['test/ndcg']!.mean).toBeCloseTo(47, 10);
    expect(t.rows[1]!.runIds).toEqual([4, 5, 6]);
    expect(t.rows[2]!.cells['test/ndcg']).toBeNull();
  });

  it('adds the paired difference to a reference method on shared seeds', () => {
    const t = trackedResultsTable(runs, { keys: ['test/ndcg'], reference: 'dnn' });
    const g = t.rows[1]!.cells['test/ndcg']!.vsReference!;
    // differences 5, 4, 6
    expect(g.mean).toBeCloseTo(5, 10);
    expect(g.n).toBe(3);
    expect(t.rows[0]!.cells['test/ndcg']!.vsReference).toBeUndefined();
  });

  it('ignores an unknown reference', () => {
    expect(trackedResultsTable(runs, { keys: ['test/ndcg'], reference: 'nope' }).reference).toBeNull();
  });
});
