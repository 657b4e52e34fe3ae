// A test request from candidates and their labels (history empty, logged order = candidate
// order, every candidate shown), for hand-worked cases; `more` overrides any field.
import type { RerankRequest } from '../schema/types.js';

export function testRequest(
  candidates: number[],
  labels: number[],
  more: Partial<RerankRequest> = {},
): RerankRequest {
  return {
    id: 7,
    user: 0,
    split: 'test',
    coldStart: false,
    ts: 0,
    history: new Int32Array(0),
    candidates: Int32Array.from(candidates),
    labels: Float32Array.from(labels),
    initialScores: new Float32Array(candidates.length),
    exposed: Int32Array.from(candidates, (_, k) => k),
    ...more,
  };
}
