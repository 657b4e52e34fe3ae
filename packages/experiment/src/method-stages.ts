// The two stages of every (method, seed): train it and rank the test requests (slates and
// checkpoint into the stage folder), then score those slates under the protocol and record
// them on the method's tracked run.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type RerankRequest,
  readSlates,
  SLATES_FORMAT,
  type SlateRow,
  writeFileAtomic,
  writeSlates,
} from '@glorank/data';
import {
  CHECKPOINT_DIR,
  type MethodConfig,
  type MethodInputs,
  type MethodName,
  trainMethod,
} from './methods.js';
import { evaluateRun, type RewardSimulator, type RunEvaluationResult } from './run-evaluation.js';
import type { StageRecord } from './stage-store.js';
import { metricPoints, type TrackedRun } from './tracker.js';

/** What every method stage of one experiment shares. */
export interface MethodScope {
  /** The evaluated requests: the test split, or the valid split when tuning (evaluation.split). */
  test: readonly RerankRequest[];
  /** Which split `test` holds (absent: test). */
  split?: 'valid' | 'test';
  slateSize: number;
  datasetName: string;
  backend: string;
}

/** Summary of a train stage (kept in its stage.json). */
export interface TrainSummary {
  /** Training plus ranking of the test requests. */
  wallSeconds: number;
  backend: string;
  training: Record<string, number>;
  requests: number;
}

export const SLATES_FILE = 'slates.json';

/** Train `config` with `inputs`, rank the test requests, write slates and checkpoint into `dir`. */
export async function trainAndRank(
  dir: string,
  scope: MethodScope,
  config: MethodConfig,
  seed: number,
  inputs: MethodInputs,
): Promise<TrainSummary> {
  const started = Date.now();
  const trained = await trainMethod(config, inputs);
  try {
    const L = scope.slateSize;
    const ranked = trained.rankWithTokenProbs
      ? trained.rankWithTokenProbs(scope.test, L)
      : { slates: trained.reranker.rank(scope.test, L), tokenProbs: null };
    const wallSeconds = (Date.now() - started) / 1000;
    const method: MethodName = config.method;
    const rows: SlateRow[] = scope.test.map((r, i) => {
      const row: SlateRow = {
        requestId: r.id,
        method,
        seed,
        slate: Array.from(ranked.slates[i] as Int32Array),
      };
      const probs = ranked.tokenProbs?.[i];
      if (probs) row.tokenProbs = probs;
      return row;
    });
    await writeSlates(path.join(dir, SLATES_FILE), {
      format: SLATES_FORMAT,
      dataset: scope.datasetName,
      slateSize: L,
      rows,
    });
    if (trained.save) await trained.save(path.join(dir, CHECKPOINT_DIR));
    return { wallSeconds, backend: scope.backend, training: trained.summary, requests: scope.test.length };
  } finally {
    trained.dispose?.();
  }
}

/** Score a train stage's slates into `dir`/eval.json and log them on the method's run. */
export async function evaluateAndRecord(
  dir: string,
  scope: MethodScope,
  train: StageRecord<TrainSummary>,
  simulator: RewardSimulator,
  run: TrackedRun | null,
): Promise<RunEvaluationResult> {
  const L = scope.slateSize;
  const slatesFile = path.join(train.dir, SLATES_FILE);
  const slates = await readSlates(slatesFile);
  const result = evaluateRun(
    scope.test,
    slates.rows.map((r) => Int32Array.from(r.slate)),
    L,
    simulator,
  );
  await writeFileAtomic(path.join(dir, 'eval.json'), `${JSON.stringify(result, nanToNull, 2)}\n`);
  if (run) {
    const step = Math.max(0, Math.round(train.summary.training['steps'] ?? 0));
    run.logger.log(step, metricPoints(scope.split ?? 'test', result.all.metrics, L));
    if (result.coldStart) run.logger.log(step, metricPoints('cold', result.coldStart.metrics, L));
    run.logger.log(step, { 'test/wall_seconds': train.summary.wallSeconds });
    await run.artifact(slatesFile, 'eval-table');
    const checkpoint = path.join(train.dir, CHECKPOINT_DIR, 'manifest.json');
    if (existsSync(checkpoint)) await run.artifact(checkpoint, 'checkpoint');
  }
  return result;
}

function nanToNull(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}
