// Supervised targets for GloRank. The demonstration slate of a request is its logged slate
// (`request.exposed`) reordered: clicked items first, each group by stage-1 retriever score
// (higher first), then by candidate index; the first L are the slate. Only if fewer than L
// items were exposed is it filled with unexposed candidates by retriever score. The logged
// slate is read from the request, never assumed to be the retriever's top L: on real logs
// and on the synthetic benchmark's stochastic logger it is not.
import type { RerankRequest, Rng } from '@glorank/data';

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

/**
 * Monte-Carlo estimate of each candidate's probability of being in the logged slate under
 * a Plackett-Luce logger over initialScores / temperature (Gumbel-top-L, `samples` draws;
 * temperature 0: the deterministic top L). Floored at 1 / (2 samples) so no propensity is 0.
 */
export function exposurePropensities(
  request: RerankRequest,
  slateSize: number,
  temperature: number,
  samples: number,
  rng: Rng,
): Float64Array {
  const n = request.candidates.length;
  const L = Math.min(slateSize, n);
  const out = new Float64Array(n);
  if (temperature === 0) {
    for (const k of initialSlate(request, L)) out[k] = 1;
    return out;
  }
  const keys = new Float64Array(n);
  const order = Array.from({ length: n }, (_, k) => k);
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < n; k++) keys[k] = (request.initialScores[k] as number) / temperature + rng.gumbel();
    order.sort((a, b) => (keys[b] as number) - (keys[a] as number));
    for (let j = 0; j < L; j++) out[order[j] as number] = (out[order[j] as number] as number) + 1;
  }
  const floor = 1 / (2 * samples);
  for (let k = 0; k < n; k++) out[k] = Math.max(floor, (out[k] as number) / samples);
  return out;
}
