// A test request from candidates and their labels (history empty, logged order = candidate
// order), for the metric tests' hand-worked cases.
import type { RerankRequest } from '../schema/types.js';

export function testRequest(candidates: number[], labels: number[], id = 7): RerankRequest {
  return {
    id,
    user: 0,
    split: 'test',
    coldStart: false,
    ts: 0,
    history: new Int32Array(0),
    candidates: Int32Array.from(candidates),
    labels: Float32Array.from(labels),
    initialScores: new Float32Array(candidates.length),
    exposed: Int32Array.from(candidates, (_, k) => k),
  };
}
