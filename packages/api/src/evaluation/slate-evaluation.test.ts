import type { RerankRequest } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { evaluateSlatesFile } from './slate-evaluation.js';

function request(id: number, candidates: number[], labels: number[], coldStart = false): RerankRequest {
  return {
    id,
    user: 0,
    split: 'test',
    coldStart,
    ts: 0,
    history: new Int32Array(),
    candidates: Int32Array.from(candidates),
    labels: Float32Array.from(labels),
    initialScores: new Float32Array(candidates.length),
    exposed: Int32Array.from(candidates, (_, k) => k),
  };
}

const requests = new Map([
  // positives 10 and 13
  [1, request(1, [10, 11, 12, 13], [1, 0, 0, 1])],
  // positive 21 (cold item)
  [2, request(2, [20, 21, 22, 23], [0, 1, 0, 0], true)],
]);

describe('evaluateSlatesFile', () => {
  it('hand-worked precision and recall per method, overall and cold-start', () => {
    const out = evaluateSlatesFile({
      file: 'slates.json',
      requests,
      rows: [
        { requestId: 1, method: 'a', slate: [10, 13] }, // P@2 = 1, R = 1
        { requestId: 2, method: 'a', slate: [20, 21] }, // P@2 = 0.5, R = 1
        { requestId: 1, method: 'b', slate: [11, 12] }, // 0, 0
        { requestId: 2, method: 'b', slate: [21, 22] }, // P = 0.5, R = 1
      ],
    });
    expect(out.map((m) => m.method)).toEqual(['a', 'b']);
    const [a, b] = out;
    expect(a!.all.metrics.precision.mean).toBeCloseTo(75, 10);
    expect(a!.all.metrics.recall.mean).toBeCloseTo(100, 10);
    expect(a!.all.requests).toBe(2);
    expect(a!.coldStart!.requests).toBe(1);
    expect(a!.coldStart!.metrics.precision.mean).toBeCloseTo(50, 10);
    // b on request 2: hit at rank 1, NDCG = 1.
    expect(b!.coldStart!.metrics.ndcg.mean).toBeCloseTo(100, 10);
    expect(b!.all.metrics.ndcg.mean).toBeCloseTo(50, 10);
    expect(Number.isNaN(a!.all.metrics.precision.halfWidth)).toBe(true);
  });

  it('aggregates seeds into a mean and Student-t interval', () => {
    const out = evaluateSlatesFile({
      file: 'slates.json',
      requests,
      rows: [
        { requestId: 1, method: 'a', seed: 1, slate: [10, 13] }, // P = 1
        { requestId: 1, method: 'a', seed: 2, slate: [10, 11] }, // P = 0.5
      ],
    });
    const p = out[0]!.all.metrics.precision;
    expect(out[0]!.seeds).toBe(2);
    expect(p.mean).toBeCloseTo(75, 10);
    // std of {100, 50} = 35.355; t(1) = tan(0.475 pi) = 12.7062; half-width = 12.7062 * 35.355 / sqrt(2) = 317.655
    expect(p.halfWidth).toBeCloseTo((Math.tan(0.475 * Math.PI) * Math.SQRT2 * 25) / Math.SQRT2, 2);
    expect(out[0]!.coldStart).toBeNull();
  });

  it('names the row whose request is not in the dataset', () => {
    expect(() =>
      evaluateSlatesFile({ file: 's.json', requests, rows: [{ requestId: 9, method: 'a', slate: [1] }] }),
    ).toThrow(/s\.json, field 'rows\.0\.requestId': request 9 is not in the dataset/);
  });
});
