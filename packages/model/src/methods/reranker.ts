// The contract every reranking method implements (initial order, DNN, DLCM, PRM, Seq2Slate,
// the local-index ablation, GloRank), so one harness trains, evaluates and compares them.
import type { LoadedDataset, RerankRequest } from '@glorank/data';

/** What trainers report through; the CLI passes the tracking logger in. */
export interface TrainLogger {
  /** Metric values at a training step. */
  log(step: number, metrics: Record<string, number>): void;
  /** Free-text progress or status line. */
  info?(message: string): void;
}

/** A logger that drops everything (library default; never used to hide results). */
export const silentLogger: TrainLogger = { log: () => undefined };

export interface Reranker {
  readonly name: string;
  /**
   * Order each request's candidates: for every request, `slateSize` distinct item ids
   * taken from its candidates, best first.
   */
  rank(requests: readonly RerankRequest[], slateSize: number): Int32Array[];
}

export interface TrainContext {
  dataset: LoadedDataset;
  seed: number;
  logger: TrainLogger;
}
