// Supervised targets for GloRank. The demonstration slate of a request is its candidates
// ordered by label (best first), ties broken by the stage-1 retriever score (higher first),
// then by candidate index; the first L are the slate. With logged data whose exposed slate
// is the top of the retriever's order (as on the synthetic benchmark), this is exactly
// "the exposed items, clicked ones first, each group in retriever order".
import type { RerankRequest } from '@glorank/data';

/** Candidate indices of the demonstration slate of `request` (length min(L, candidates)). */
export function demonstrationSlate(request: RerankRequest, slateSize: number): Int32Array {
  const n = request.candidates.length;
  const order = Array.from({ length: n }, (_, k) => k);
  order.sort(
    (a, b) =>
      (request.labels[b] as number) - (request.labels[a] as number) ||
      (request.initialScores[b] as number) - (request.initialScores[a] as number) ||
      a - b,
  );
  return Int32Array.from(order.slice(0, Math.min(slateSize, n)));
}

/** The initial order: candidates by retriever score, best first (ties by index). */
export function initialSlate(request: RerankRequest, slateSize: number): Int32Array {
  const n = request.candidates.length;
  const order = Array.from({ length: n }, (_, k) => k);
  order.sort((a, b) => (request.initialScores[b] as number) - (request.initialScores[a] as number) || a - b);
  return Int32Array.from(order.slice(0, Math.min(slateSize, n)));
}

/** The logged (exposed) slate: the first L candidates by retriever score, as they were shown. */
export const loggedSlate = initialSlate;
