// Supervised targets for GloRank. The demonstration slate of a request is its logged slate
// (`request.exposed`) reordered: clicked items first, each group by stage-1 retriever score
// (higher first), then by candidate index; the first L are the slate. Only if fewer than L
// items were exposed is it filled with unexposed candidates by retriever score. The logged
// slate is read from the request, never assumed to be the retriever's top L: on real logs
// and on the synthetic benchmark's stochastic logger it is not.
import type { RerankRequest } from '@glorank/data';

/** Candidate indices of the demonstration slate of `request` (length min(L, candidates)). */
export function demonstrationSlate(request: RerankRequest, slateSize: number): Int32Array {
  const n = request.candidates.length;
  const exposed = new Uint8Array(n);
  for (const k of request.exposed) exposed[k] = 1;
  const order = Array.from({ length: n }, (_, k) => k);
  order.sort(
    (a, b) =>
      (exposed[b] as number) - (exposed[a] as number) ||
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

/** The logged slate: the first L exposed candidate indices, in the order they were shown. */
export function loggedSlate(request: RerankRequest, slateSize: number): Int32Array {
  return request.exposed.slice(0, Math.min(slateSize, request.exposed.length));
}
