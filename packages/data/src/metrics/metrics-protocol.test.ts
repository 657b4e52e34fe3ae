// PROTOCOL.md's metric definitions on hand-worked cases chosen so that plausible wrong
// formulas give different numbers: precision != recall, more positives than the cut-off,
// graded labels, a slate shorter than the cut-off.
//
// Broken variants these tests kill (each applied to slate-metrics.ts and seen to fail):
//   - F1 as (P + R) / 2                         -> "F1 is the harmonic mean ... P != R"
//   - MAP divided by P (not min(L, P))          -> "MAP divides by min(L, P) when P > L"
//   - MAP divided by L                          -> "MAP ... fewer positives than L"
//   - precision divided by the slate length     -> "a slate shorter than L"
//   - graded labels counted (P = #positives)    -> "graded labels: P and hits are sums of labels"
//   - NDCG gain y instead of 2^y - 1            -> "graded labels: ... NDCG"
//   - IDCG over the slate instead of all candidates -> "graded labels: ... NDCG"
import { describe, expect, it } from 'vitest';
import { testRequest as req } from '../test-support/request.js';
import { requestMetrics, slateMetrics } from './slate-metrics.js';

describe('metrics per PROTOCOL.md (hand-worked)', () => {
  // Candidates 1..8, positives 1, 3, 5, 7 (P = 4); L = 3, slate [3, 2, 5]: hits at ranks 1 and 3.
  const binary = req([1, 2, 3, 4, 5, 6, 7, 8], [1, 0, 1, 0, 1, 0, 1, 0]);
  // Computed inside each test: an error thrown while collecting would count as no test at all.
  const metrics = () => requestMetrics(binary, [3, 2, 5], 3)!;

  it('F1 is the harmonic mean of precision and recall (P != R)', () => {
    const m = metrics();
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 4, 12);
    // 2 * (2/3) * (1/2) / (2/3 + 1/2) = 4/7; the arithmetic mean would be 7/12.
    expect(m.f1).toBeCloseTo(4 / 7, 12);
  });

  it('MAP divides by min(L, P) when P > L', () => {
    const m = metrics();
    // (Precision@1 + Precision@3) / min(3, 4) = (1 + 2/3) / 3; dividing by P = 4 gives 5/12.
    expect(m.map).toBeCloseTo(5 / 9, 12);
  });

  it('MAP divides by min(L, P) when there are fewer positives than L', () => {
    // Positives 2 and 9 (P = 2 < L = 4), slate [1, 9, 2, 3]: hits at ranks 2 and 3 ->
    // (1/2 + 2/3) / min(4, 2); dividing by L would give half of that.
    const few = req([1, 2, 3, 9], [0, 1, 0, 1]);
    const x = requestMetrics(few, [1, 9, 2, 3], 4)!;
    expect(x.map).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
    expect(x.recall).toBe(1);
    expect(x.precision).toBeCloseTo(2 / 4, 12);
  });

  it('a slate shorter than L still divides precision by L (missing slots count as misses)', () => {
    const x = requestMetrics(binary, [1], 3)!;
    expect(x.precision).toBeCloseTo(1 / 3, 12);
    expect(x.recall).toBeCloseTo(1 / 4, 12);
    expect(x.map).toBeCloseTo(1 / 3, 12);
  });

  it('graded labels: P and hits are sums of labels, gains 2^y - 1 (PROTOCOL.md)', () => {
    // Labels 3, 0, 1, 2, 0 on candidates 1..5: P = sum of labels = 6. L = 2, slate [4, 3].
    const graded = req([1, 2, 3, 4, 5], [3, 0, 1, 2, 0]);
    const x = requestMetrics(graded, [4, 3], 2)!;
    // Precision@2 = (2 + 1) / 2, Recall@2 = (2 + 1) / 6.
    expect(x.precision).toBeCloseTo(3 / 2, 12);
    expect(x.recall).toBeCloseTo(3 / 6, 12);
    expect(x.f1).toBeCloseTo((2 * 1.5 * 0.5) / (1.5 + 0.5), 12);
    // MAP = (Precision@1 + Precision@2) / min(2, 6) = (2/1 + 3/2) / 2.
    expect(x.map).toBeCloseTo((2 + 3 / 2) / 2, 12);
    // NDCG: DCG = (2^2-1)/log2(2) + (2^1-1)/log2(3); IDCG over all candidates by label: 3, 2.
    const dcg = 3 / 1 + 1 / Math.log2(3);
    const idcg = 7 / 1 + 3 / Math.log2(3);
    expect(x.ndcg).toBeCloseTo(dcg / idcg, 12);
  });

  it('counts only the first L slate items', () => {
    // Slate [3, 2, 4, 5] at L = 3: item 5 (a positive) is beyond the cut-off.
    const x = requestMetrics(binary, [3, 2, 4, 5], 3)!;
    expect(x.precision).toBeCloseTo(1 / 3, 12);
    expect(x.map).toBeCloseTo(1 / 3, 12);
    expect(x.ndcg).toBeCloseTo(1 / (1 + 1 / Math.log2(3) + 1 / Math.log2(4)), 12);
  });

  it('a slate without hits scores 0 everywhere (F1 0, not 0/0)', () => {
    const x = requestMetrics(binary, [2, 4, 6], 3)!;
    expect(x).toEqual({ precision: 0, recall: 0, f1: 0, ndcg: 0, map: 0 });
  });

  it('a slate item that is not a candidate is an error', () => {
    expect(() => requestMetrics(binary, [3, 42], 3)).toThrow(/slate item 42 is not a candidate of request 7/);
  });

  it('slateMetrics needs one slate per request; all skipped gives zeros, not NaN', () => {
    expect(() => slateMetrics([binary], [], 3)).toThrow(/1 requests but 0 slates/);
    const none = req([1, 2], [0, 0]);
    expect(slateMetrics([none], [[1, 2]], 2)).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      ndcg: 0,
      map: 0,
      count: 0,
      skipped: 1,
    });
  });

  it('macro-averages over requests with a positive, x100, and counts the skipped', () => {
    const none = req([1, 2], [0, 0]);
    const s = slateMetrics(
      [binary, none],
      [
        [3, 2, 5],
        [1, 2],
      ],
      3,
    );
    expect(s.count).toBe(1);
    expect(s.skipped).toBe(1);
    expect(s.f1).toBeCloseTo(400 / 7, 9);
    const dcg = 1 + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(s.ndcg).toBeCloseTo((100 * dcg) / idcg, 9);
    expect(s.precision).toBeCloseTo(200 / 3, 9);
    expect(s.recall).toBeCloseTo(50, 9);
    expect(s.map).toBeCloseTo(500 / 9, 9);
  });
});
