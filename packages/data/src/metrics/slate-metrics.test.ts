import { describe, expect, it } from 'vitest';
import { testRequest } from '../test-support/request.js';
import { meanInterval, pairedDifference, studentT975 } from './intervals.js';
import { requestMetrics, slateMetrics } from './slate-metrics.js';

const req = (id: number, candidates: number[], labels: number[]) => testRequest(candidates, labels, { id });

describe('requestMetrics (hand-worked)', () => {
  // Candidates 10..15, positives 11, 13, 14 (P = 3); slate of L = 3: [11, 10, 13].
  const r = req(1, [10, 11, 12, 13, 14, 15], [0, 1, 0, 1, 1, 0]);
  // Computed inside each test: an error thrown while collecting would count as no test at all.
  const metrics = () => requestMetrics(r, [11, 10, 13], 3)!;

  it('precision, recall and F1', () => {
    const m = metrics();
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
  });

  it('NDCG with binary gains', () => {
    const m = metrics();
    const dcg = 1 / Math.log2(2) + 1 / Math.log2(4);
    const idcg = 1 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
  });

  it('MAP divides by min(L, P)', () => {
    const m = metrics();
    // hits at ranks 1 and 3: (1/1 + 2/3) / min(3, 3)
    expect(m.map).toBeCloseTo((1 + 2 / 3) / 3, 12);
  });

  it('graded labels use gain 2^y - 1', () => {
    const g = req(2, [1, 2, 3], [2, 1, 0]);
    const x = requestMetrics(g, [2, 1], 2)!;
    const dcg = 1 / Math.log2(2) + 3 / Math.log2(3);
    const idcg = 3 / Math.log2(2) + 1 / Math.log2(3);
    expect(x.ndcg).toBeCloseTo(dcg / idcg, 12);
  });

  it('skips requests without positives and macro-averages the rest (x100)', () => {
    const none = req(3, [1, 2, 3], [0, 0, 0]);
    const perfect = req(4, [1, 2, 3], [1, 0, 0]);
    const s = slateMetrics(
      [r, none, perfect],
      [
        [11, 10, 13],
        [1, 2, 3],
        [1, 2, 3],
      ],
      3,
    );
    expect(s.skipped).toBe(1);
    expect(s.count).toBe(2);
    expect(s.precision).toBeCloseTo(((2 / 3 + 1 / 3) / 2) * 100, 9);
    expect(s.recall).toBeCloseTo(((2 / 3 + 1) / 2) * 100, 9);
    expect(s.map).toBeCloseTo((((1 + 2 / 3) / 3 + 1) / 2) * 100, 9);
  });

  it('rejects a slate item that is not a candidate', () => {
    expect(() => requestMetrics(r, [99], 1)).toThrow(/not a candidate/);
  });
});

describe('intervals', () => {
  it('Student t quantiles match tables', () => {
    expect(studentT975(2)).toBeCloseTo(4.303, 3);
    expect(studentT975(10)).toBeCloseTo(2.228, 3);
  });

  it('mean and 95% interval of 3 values by hand', () => {
    const m = meanInterval([1, 2, 3]);
    expect(m.mean).toBe(2);
    expect(m.std).toBeCloseTo(1, 12);
    expect(m.halfWidth).toBeCloseTo((4.302652729749464 * 1) / Math.sqrt(3), 6);
  });

  it('paired difference uses per-seed differences', () => {
    const d = pairedDifference([5, 6, 7], [4, 4, 4]);
    expect(d.mean).toBe(2);
    expect(d.halfWidth).toBeCloseTo((4.302652729749464 * 1) / Math.sqrt(3), 6);
  });
});
