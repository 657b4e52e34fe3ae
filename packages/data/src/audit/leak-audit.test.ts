import { describe, expect, it } from 'vitest';
import type { RerankRequest } from '../schema/types.js';
import { testRequest } from '../test-support/request.js';
import { expectedTopLabelSum, formatLeakAudit, leakAudit, precisionAtL } from './leak-audit.js';

const req = (split: RerankRequest['split'], candidates: number[], labels: number[], scores: number[]) =>
  testRequest(candidates, labels, {
    id: 0,
    split,
    initialScores: Float32Array.from(scores),
    exposed: new Int32Array(0),
  });

describe('precision@L of a learning-free ranker', () => {
  it('counts a tie group straddling the cut by its mean label (hand-worked)', () => {
    // Order by key: #0 (3), then #1 #2 #3 tied at 2, then #4. Top 2 = #0 and one of three tied
    // candidates, of which one is positive: expected label sum 0 + 1/3.
    expect(expectedTopLabelSum([3, 2, 2, 2, 1], [0, 1, 0, 0, 1], 2)).toBeCloseTo(1 / 3, 12);
    expect(precisionAtL([3, 2, 2, 2, 1], [0, 1, 0, 0, 1], 2)).toBeCloseTo(1 / 6, 12);
    // No ties: the plain top-L label sum; a constant key gives the random expectation L * P / N.
    expect(expectedTopLabelSum([1, 5, 4, 2], [1, 0, 1, 1], 2)).toBe(1);
    expect(expectedTopLabelSum([7, 7, 7, 7], [1, 0, 1, 1], 2)).toBeCloseTo(1.5, 12);
  });
});

describe('leakAudit', () => {
  it('scores each learning-free ranker on a hand-worked request and flags the anti-signal', () => {
    // Items 10..13, positives 12 and 13 at the bottom of the retriever order (the issue-12 leak).
    const popularity = new Int32Array(20);
    popularity[10] = 5;
    popularity[11] = 0;
    popularity[12] = 1;
    popularity[13] = 9;
    const audit = leakAudit(
      [
        req('test', [10, 11, 12, 13], [0, 0, 1, 1], [4, 3, 2, 1]),
        // No positive: skipped, like every PROTOCOL metric.
        req('test', [10, 11, 12, 13], [0, 0, 0, 0], [4, 3, 2, 1]),
      ],
      { slateSize: 2, popularity },
    );
    const test = audit.splits.test!;
    expect(test.requests).toBe(1);
    expect(test.skipped).toBe(1);
    expect(audit.splits.train).toBeUndefined();
    // random: 2 * 2/4 / 2; top {10, 11}: 0; bottom {13, 12}: 2/2; most popular {13, 10}: 1/2;
    // least popular {11, 12}: 1/2; ceiling 2/2.
    expect(test.precision).toEqual({
      random: 50,
      retrieverTop: 0,
      retrieverBottom: 100,
      mostPopular: 50,
      leastPopular: 50,
      ceiling: 100,
    });
    expect(audit.warnings.some((w) => /retriever bottom-L .* above 1.5x random/.test(w))).toBe(true);
    expect(audit.warnings.some((w) => /does not beat random/.test(w))).toBe(true);
    expect(audit.warnings.some((w) => /retriever bottom-L .* of the ceiling/.test(w))).toBe(true);
    const text = formatLeakAudit(audit).join('\n');
    expect(text).toMatch(/test\s+1\s+50\.0\s+0\.0\s+100\.0\s+50\.0\s+50\.0\s+100\.0/);
    expect(text).toContain('WARNING');
  });

  it('passes a benchmark whose positives are spread through the order', () => {
    const N = 20;
    const popularity = new Int32Array(N).fill(3);
    const ids = Array.from({ length: N }, (_, i) => i);
    const labels = ids.map((i) => (i % 5 === 0 ? 1 : 0)); // positives at places 0, 5, 10, 15
    const audit = leakAudit(
      [
        req(
          'test',
          ids,
          labels,
          ids.map((i) => N - i),
        ),
      ],
      { slateSize: 4, popularity },
    );
    const p = audit.splits.test!.precision;
    // random 4 * 4/20 / 4; top-4 {0..3} holds one positive; bottom-4 {16..19} none.
    expect(p.random).toBeCloseTo(20, 10);
    expect(p.retrieverTop).toBe(25);
    expect(p.retrieverBottom).toBe(0);
    expect(p.ceiling).toBe(100);
    // Equal popularity: both popularity rankers are exactly random.
    expect(p.mostPopular).toBeCloseTo(20, 10);
    expect(p.leastPopular).toBeCloseTo(20, 10);
    expect(audit.warnings).toEqual([]);
  });
});
