// The results table the render, table and export tests share: three methods (initial, prm,
// glorank-rl) over seeds 1..3, every metric derived from one hand-picked number per run so
// expected cells can be worked out by hand.
import {
  buildResultsTable,
  type MetricValues,
  type ResultsTable,
  type RunEvaluation,
  type TableContext,
} from '../results-table.js';

export function unitContext(dataset: string): TableContext {
  return {
    experiment: 'unit',
    dataset,
    manifestHash: 'f'.repeat(64),
    protocol: {
      kCore: 5,
      historyLength: 50,
      slateSize: 6,
      candidates: 50,
      ratingThreshold: 4,
      coldStartQuantile: 0.9,
      retriever: 'bpr',
      seed: 0,
    },
    cutoff: 6,
    codeVersion: '0.1.0+test',
    simulator: 'the true click model',
    seeds: [1, 2, 3],
  };
}

/** Every metric from one number: precision x, recall x+1, F1 x+2, NDCG x+3, MAP x+4, reward x/10. */
export function unitMetrics(x: number): MetricValues {
  return { precision: x, recall: x + 1, f1: x + 2, ndcg: x + 3, map: x + 4, reward: x / 10 };
}

export function unitRun(method: string, seed: number, x: number): RunEvaluation {
  return {
    method,
    seed,
    metrics: unitMetrics(x),
    count: 90,
    skipped: 10,
    wallSeconds: seed,
    backend: 'wasm',
  };
}

/** The test-subset table of initial, prm and glorank-rl against initial and prm, primary metric reward. */
export function unitTable(context: TableContext, runs: RunEvaluation[]): ResultsTable {
  return buildResultsTable({
    subset: 'test',
    context,
    methods: ['initial', 'prm', 'glorank-rl'],
    baselines: ['initial', 'prm'],
    primaryMetric: 'reward',
    runs,
  });
}
