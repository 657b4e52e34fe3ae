// Inputs for hand-worked request-builder tests: protocol parameters at their plainest (one
// slot, two candidates, no k-core, no cold-start holdout, the popularity retriever; a test
// overrides what it is about) and a source built from literal (user, item, rating, time) rows.
import type { SourceData } from '../protocol/interaction-log.js';
import { emptySource } from '../readers/reader-options.js';
import type { ProtocolParams } from '../schema/types.js';

export const PLAIN_PROTOCOL: ProtocolParams = {
  kCore: 0,
  historyLength: 50,
  slateSize: 1,
  candidates: 2,
  ratingThreshold: 4,
  coldStartQuantile: 1,
  retriever: 'popularity',
  seed: 0,
};

export type LogRow = [user: string, item: string, rating: number, time: number];

/** A source named 'test' holding `rows` in file order; `timed: false` drops the clock. */
export function sourceOf(rows: LogRow[], timed = true): SourceData {
  const s = emptySource('test', 'test', timed);
  for (const [u, i, r, t] of rows) s.log.add(u, i, r, t);
  return s;
}
