// Requests as flat columns (one buffer per field, offsets for the lists): how the request
// builder produces them, so a million requests cost a few typed arrays, not a million objects.
import type { RerankRequest, Split } from '../schema/types.js';

export const SPLIT_CODES: readonly Split[] = ['train', 'valid', 'test'];

export interface RequestColumns {
  count: number;
  user: Int32Array;
  /** Index into SPLIT_CODES. */
  split: Uint8Array;
  coldStart: Uint8Array;
  ts: Float64Array;
  /** Row r's history is history[historyOffsets[r] .. historyOffsets[r + 1]). */
  historyOffsets: Int32Array;
  history: Int32Array;
  /** Row r's candidates, labels and initial scores share candidateOffsets. */
  candidateOffsets: Int32Array;
  candidates: Int32Array;
  labels: Float32Array;
  initialScores: Float32Array;
  /** Row r's logged slate (indices into its candidates, shown order) is exposed[exposedOffsets[r] .. exposedOffsets[r + 1]). */
  exposedOffsets: Int32Array;
  exposed: Int32Array;
}

export function isRequestColumns(x: readonly RerankRequest[] | RequestColumns): x is RequestColumns {
  return !Array.isArray(x) && 'candidateOffsets' in x;
}

/** Request objects whose arrays are views into the columns (no copies). */
export function requestsFromColumns(c: RequestColumns): RerankRequest[] {
  const out: RerankRequest[] = new Array(c.count);
  for (let r = 0; r < c.count; r++) {
    const c0 = c.candidateOffsets[r] as number;
    const c1 = c.candidateOffsets[r + 1] as number;
    out[r] = {
      id: r,
      user: c.user[r] as number,
      split: SPLIT_CODES[c.split[r] as number] as Split,
      coldStart: c.coldStart[r] === 1,
      ts: c.ts[r] as number,
      history: c.history.subarray(c.historyOffsets[r], c.historyOffsets[r + 1]),
      candidates: c.candidates.subarray(c0, c1),
      labels: c.labels.subarray(c0, c1),
      initialScores: c.initialScores.subarray(c0, c1),
      exposed: c.exposed.subarray(c.exposedOffsets[r], c.exposedOffsets[r + 1]),
    };
  }
  return out;
}
