// Scores one method's slates under the protocol: the five ranking metrics (slateMetrics) and
// the average reward from an evaluation simulator that no method trained against, over all
// test requests and over the cold-start ones. Requests without a positive candidate are
// skipped by every metric, the reward included, so all columns describe the same requests.
import type { RerankRequest } from '@glorank/data';
import { slateMetrics } from '../metrics/slate-metrics.js';
import type { MetricValues } from './results-table.js';

/** Per-position click probabilities of a slate shown for a request; their sum is its reward. */
export interface RewardSimulator {
  /** How the table names it ('the true click model', 'a frozen evaluator (sha256 ...)'). */
  readonly description: string;
  /** Changes whenever the simulator's output could (part of the eval stage hash). */
  readonly id: string;
  expectedClicks(request: RerankRequest, slate: ArrayLike<number>): ArrayLike<number>;
}

export interface SubsetEvaluation {
  metrics: MetricValues;
  count: number;
  skipped: number;
}

export interface RunEvaluationResult {
  all: SubsetEvaluation;
  /** Null when the test split has no cold-start request. */
  coldStart: SubsetEvaluation | null;
}

function hasPositive(r: RerankRequest): boolean {
  for (const y of r.labels) if (y > 0) return true;
  return false;
}

function subset(
  requests: readonly RerankRequest[],
  slates: readonly ArrayLike<number>[],
  cutoff: number,
  simulator: RewardSimulator,
): SubsetEvaluation {
  const m = slateMetrics(requests, slates, cutoff);
  let reward = 0;
  let scored = 0;
  requests.forEach((r, i) => {
    if (!hasPositive(r)) return;
    const slate = Array.from(slates[i] as ArrayLike<number>).slice(0, cutoff);
    const clicks = simulator.expectedClicks(r, slate);
    let s = 0;
    for (let p = 0; p < clicks.length; p++) s += clicks[p] as number;
    reward += s;
    scored++;
  });
  return {
    metrics: {
      precision: m.precision,
      recall: m.recall,
      f1: m.f1,
      ndcg: m.ndcg,
      map: m.map,
      reward: scored > 0 ? reward / scored : Number.NaN,
    },
    count: m.count,
    skipped: m.skipped,
  };
}

export function evaluateRun(
  requests: readonly RerankRequest[],
  slates: readonly ArrayLike<number>[],
  cutoff: number,
  simulator: RewardSimulator,
): RunEvaluationResult {
  if (requests.length !== slates.length) {
    throw new Error(`evaluateRun: ${requests.length} requests but ${slates.length} slates`);
  }
  const all = subset(requests, slates, cutoff, simulator);
  const coldIdx = requests.flatMap((r, i) => (r.coldStart ? [i] : []));
  const coldStart =
    coldIdx.length > 0
      ? subset(
          coldIdx.map((i) => requests[i] as RerankRequest),
          coldIdx.map((i) => slates[i] as ArrayLike<number>),
          cutoff,
          simulator,
        )
      : null;
  return { all, coldStart };
}
