// The protocol's metrics (PROTOCOL.md), written once: every method, trainer, the CLI and
// the dashboard report through these functions.
import type { RerankRequest } from '../schema/types.js';

export interface SlateMetrics {
  /** Macro-averaged over requests with at least one positive, x100. */
  precision: number;
  recall: number;
  f1: number;
  ndcg: number;
  map: number;
  /** Requests scored. */
  count: number;
  /** Requests skipped because no candidate is positive. */
  skipped: number;
}

export interface RequestMetrics {
  precision: number;
  recall: number;
  f1: number;
  ndcg: number;
  map: number;
}

const gain = (y: number): number => 2 ** y - 1;

/**
 * Metrics of one slate at cut-off L (fractions, not x100). Returns null when the request
 * has no positive candidate (P = 0), which every metric skips.
 */
export function requestMetrics(
  request: RerankRequest,
  slate: ArrayLike<number>,
  cutoff: number,
): RequestMetrics | null {
  const label = new Map<number, number>();
  // P = sum of the candidates' labels (PROTOCOL.md): the number of positives for 0/1 labels,
  // the total gain of relevance for graded ones; hits below likewise sum labels.
  let positives = 0;
  for (let i = 0; i < request.candidates.length; i++) {
    const y = request.labels[i] as number;
    label.set(request.candidates[i] as number, y);
    if (y > 0) positives += y;
  }
  if (positives === 0) return null;
  const L = cutoff;
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  for (let i = 0; i < Math.min(L, slate.length); i++) {
    const item = slate[i] as number;
    const y = label.get(item);
    if (y === undefined) throw new Error(`slate item ${item} is not a candidate of request ${request.id}`);
    dcg += gain(y) / Math.log2(i + 2);
    if (y > 0) {
      hits += y;
      apSum += hits / (i + 1);
    }
  }
  const ideal = Array.from(request.labels).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(L, ideal.length); i++) idcg += gain(ideal[i] as number) / Math.log2(i + 2);
  const precision = hits / L;
  const recall = hits / positives;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    precision,
    recall,
    f1,
    ndcg: idcg > 0 ? dcg / idcg : 0,
    map: apSum / Math.min(L, positives),
  };
}

/** Macro-averaged metrics over requests (x100), skipping requests without positives. */
export function slateMetrics(
  requests: readonly RerankRequest[],
  slates: readonly ArrayLike<number>[],
  cutoff: number,
): SlateMetrics {
  if (requests.length !== slates.length) {
    throw new Error(`slateMetrics: ${requests.length} requests but ${slates.length} slates`);
  }
  const sum = { precision: 0, recall: 0, f1: 0, ndcg: 0, map: 0 };
  let count = 0;
  let skipped = 0;
  for (let r = 0; r < requests.length; r++) {
    const m = requestMetrics(requests[r] as RerankRequest, slates[r] as ArrayLike<number>, cutoff);
    if (m === null) {
      skipped++;
      continue;
    }
    count++;
    sum.precision += m.precision;
    sum.recall += m.recall;
    sum.f1 += m.f1;
    sum.ndcg += m.ndcg;
    sum.map += m.map;
  }
  const scale = count > 0 ? 100 / count : 0;
  return {
    precision: sum.precision * scale,
    recall: sum.recall * scale,
    f1: sum.f1 * scale,
    ndcg: sum.ndcg * scale,
    map: sum.map * scale,
    count,
    skipped,
  };
}
