// Packs reranking requests into the padded typed arrays every tfjs baseline consumes.
// Candidates are laid out in initial order (retriever score, best first), so list models
// (DLCM, PRM, Seq2Slate) read the list the way the stage-1 ranker presented it; `order`
// maps each slot back to the request's own candidate index.
import type { RerankRequest } from '@glorank/data';
import { initialSlate } from '../glorank/demonstrations.js';

/** Features per candidate slot besides the item itself. */
export const SCORE_FEATURES = 2;

export interface RequestBatch {
  /** Requests in the batch (B). */
  size: number;
  requests: readonly RerankRequest[];
  /** Longest candidate list (N); shorter lists are padded. */
  width: number;
  /** [B, N] dense item ids, `padId` in padded slots. */
  candidates: Int32Array;
  /** [B, N] 1 for a real candidate, 0 for padding. */
  valid: Float32Array;
  /** [B, N] graded labels (0 in padding). */
  labels: Float32Array;
  /**
   * [B, N, SCORE_FEATURES]: the retriever score standardised within the request, and the
   * initial rank discount 1 / log2(rank + 2).
   */
  scoreFeatures: Float32Array;
  /** Longest history (H, at least 1). */
  historyWidth: number;
  /** [B, H] most recent history items, `padId` after `historyLength[b]`. */
  history: Int32Array;
  historyLength: Int32Array;
  /** Per request, slot -> index into request.candidates. */
  order: Int32Array[];
}

/** Candidate indices of `request` sorted by initial score (best first; ties by index). */
export function initialOrder(request: RerankRequest): Int32Array {
  return initialSlate(request, request.candidates.length);
}

export function buildBatch(
  requests: readonly RerankRequest[],
  options: { padId: number; maxHistory: number },
): RequestBatch {
  const B = requests.length;
  const N = requests.reduce((m, r) => Math.max(m, r.candidates.length), 1);
  const H = Math.max(
    1,
    Math.min(
      options.maxHistory,
      requests.reduce((m, r) => Math.max(m, r.history.length), 0),
    ),
  );
  const candidates = new Int32Array(B * N).fill(options.padId);
  const valid = new Float32Array(B * N);
  const labels = new Float32Array(B * N);
  const scoreFeatures = new Float32Array(B * N * SCORE_FEATURES);
  const history = new Int32Array(B * H).fill(options.padId);
  const historyLength = new Int32Array(B);
  const order: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const r = requests[b] as RerankRequest;
    const o = initialOrder(r);
    order.push(o);
    const n = r.candidates.length;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += r.initialScores[i] as number;
    mean /= Math.max(n, 1);
    let variance = 0;
    for (let i = 0; i < n; i++) variance += ((r.initialScores[i] as number) - mean) ** 2;
    const std = Math.sqrt(variance / Math.max(n, 1)) || 1;
    for (let slot = 0; slot < n; slot++) {
      const c = o[slot] as number;
      const at = b * N + slot;
      candidates[at] = r.candidates[c] as number;
      valid[at] = 1;
      labels[at] = r.labels[c] as number;
      scoreFeatures[at * SCORE_FEATURES] = ((r.initialScores[c] as number) - mean) / std;
      scoreFeatures[at * SCORE_FEATURES + 1] = 1 / Math.log2(slot + 2);
    }
    // Most recent items last in the request; keep the last H.
    const h = r.history.subarray(Math.max(0, r.history.length - H));
    history.set(h, b * H);
    historyLength[b] = h.length;
  }
  return {
    size: B,
    requests,
    width: N,
    candidates,
    valid,
    labels,
    scoreFeatures,
    historyWidth: H,
    history,
    historyLength,
    order,
  };
}

/**
 * Slate of `slateSize` items from per-slot scores of one request in a batch: highest score
 * first, ties by initial order; padding never chosen.
 */
export function slateFromScores(
  request: RerankRequest,
  order: Int32Array,
  scores: ArrayLike<number>,
  slateSize: number,
): Int32Array {
  const n = request.candidates.length;
  const slots = Array.from({ length: n }, (_, i) => i);
  slots.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const k = Math.min(slateSize, n);
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = request.candidates[order[slots[i] as number] as number] as number;
  return out;
}
