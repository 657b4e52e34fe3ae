// Scores one method's slates for the results table: the protocol metrics and average reward
// come from GloRank's pipeline evaluator (training/pipeline.ts evaluateSlates, the one
// definition `glorank eval` uses too), read out as the table's metric values, over all test
// requests and over the cold-start ones.
import type { RerankRequest, SlateMetrics } from '@glorank/data';
import { evaluateSlates, type RewardFunction } from '@glorank/model';
import type { MetricValues } from './results-table.js';

/** The evaluation simulator of PROTOCOL.md: no method trained against it. */
export interface RewardSimulator {
  /** How the table names it ('the true click model ...', 'a frozen list-wise evaluator ...'). */
  readonly description: string;
  /** Changes whenever its rewards could (part of the eval stage hash). */
  readonly id: string;
  /** Expected clicks of each slate (item ids, top first) for its request. */
  readonly reward: RewardFunction;
  dispose?(): void;
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

function values(m: SlateMetrics, reward: number | null): SubsetEvaluation {
  return {
    metrics: {
      precision: m.precision,
      recall: m.recall,
      f1: m.f1,
      ndcg: m.ndcg,
      map: m.map,
      reward: reward ?? Number.NaN,
    },
    count: m.count,
    skipped: m.skipped,
  };
}

export function evaluateRun(
  requests: readonly RerankRequest[],
  slates: readonly Int32Array[],
  cutoff: number,
  simulator: RewardSimulator,
): RunEvaluationResult {
  const e = evaluateSlates('test', requests, slates, cutoff, simulator.reward);
  return {
    all: values(e.metrics, e.reward),
    coldStart: e.coldStart ? values(e.coldStart.metrics, e.coldStart.reward) : null,
  };
}
