// Supervised pre-training of GloRank (and of its local-index ablation): teacher forcing on
// demonstration slates, with the trie mask applied to every step so training optimises
// the same constrained distribution that decoding samples from. Checkpoints (weights,
// optimizer moments, counters) are written atomically; resuming from one gives the same
// weights as an uninterrupted run with the same seed and backend.
import type { RerankRequest } from '@glorank/data';
import { Rng, UserError } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { loadGloRankCheckpoint, saveGloRankCheckpoint } from '../glorank/checkpoint-io.js';
import { demonstrationSlate, exposurePropensities } from '../glorank/demonstrations.js';
import type { GloRankModel } from '../glorank/model.js';
import type { TrainLogger } from '../methods/reranker.js';
import { Adam } from '../nn/adam.js';
import { isCheckpoint } from '../nn/checkpoint.js';
import { batchesPerEpoch, epochBatches } from './batches.js';
import { GradientPool, sftShards } from './data-parallel.js';
import { type LossShard, prepareShard, shardLoss } from './shard-loss.js';

export interface SftConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
  /** Write a checkpoint every this many steps (and always at the end); 0: at the end of each epoch. */
  checkpointEvery: number;
  /** Also train on requests without any positive label (their demonstration is the initial order). */
  includeUnlabelled: boolean;
  /**
   * Token weights of a demonstration. 'uniform': every slot. 'clicked': only the slots
   * holding a clicked item, so the loss learns what users click rather than what the
   * logger happened to show (the unclicked exposed items are a sample of the retriever
   * order). 'ipw': clicked slots weighted by the inverse of the item's probability of
   * being exposed under the Plackett-Luce logger over initialScores / exposureTemperature
   * (clipped at maxWeight), which removes the logger's preference for high-score items.
   */
  weighting: SftWeighting;
  /** Logging-policy temperature assumed by 'ipw'. */
  exposureTemperature: number;
  /** Clip of the inverse-propensity weights ('ipw'). */
  maxWeight: number;
  /**
   * Where demonstration slates come from. 'logged': the logged slate reordered, clicked
   * items first (demonstrations.ts). 'search': the slate the learned list-wise evaluator
   * scores highest among the logged one, the initial order, the evaluator's greedy slate and
   * `searchSamples` Plackett-Luce samples (search-demonstrations.ts); needs a reward model,
   * uses every training request (labelled or not) and uniform weights.
   */
  demonstrations: 'logged' | 'search';
  /** Plackett-Luce proposals per request for 'search'. */
  searchSamples: number;
  /** Temperature of those proposals over the retriever scores. */
  searchTemperature: number;
  /**
   * Threads computing each batch's gradient (data-parallel: the main thread and workers - 1
   * worker threads, each on a shard of the batch). The update is the same up to float
   * summation order; 2 uses both cores of a 2-core machine.
   */
  workers: number;
}

export type SftWeighting = 'uniform' | 'clicked' | 'ipw';

export const DEFAULT_SFT_CONFIG: SftConfig = {
  epochs: 4,
  batchSize: 64,
  learningRate: 3e-3,
  weightDecay: 0,
  clipNorm: 1,
  checkpointEvery: 0,
  includeUnlabelled: false,
  weighting: 'uniform',
  exposureTemperature: 1,
  maxWeight: 10,
  demonstrations: 'logged',
  searchSamples: 16,
  searchTemperature: 0.7,
  workers: 1,
};

export interface SftRun {
  model: GloRankModel;
  /** Training requests (the trainer keeps those with at least L candidates). */
  requests: readonly RerankRequest[];
  config: SftConfig;
  seed: number;
  logger: TrainLogger;
  /** Folder for the checkpoint (replaced at every save). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when there is one. */
  resume?: boolean;
  /** Stop after this many steps in total (for time budgets and interruption tests). */
  maxSteps?: number;
  /** Demonstration slate (candidate indices) of a request; default demonstrationSlate. */
  demonstration?: (request: RerankRequest) => Int32Array;
  /** Called after every step with (steps done, total steps). */
  onStep?: (done: number, total: number) => void;
  /** Extra metadata saved in the checkpoint (dataset, backend ...). */
  meta?: Record<string, unknown>;
}

export interface SftResult {
  steps: number;
  totalSteps: number;
  finished: boolean;
  /** Mean token negative log-likelihood of the last epoch's steps. */
  loss: number;
}

/**
 * Per-slot weights of a demonstration (see SftConfig.weighting); `propensity` gives each
 * candidate's exposure probability for 'ipw'.
 */
export function demonstrationWeights(
  request: RerankRequest,
  target: Int32Array,
  config: Pick<SftConfig, 'weighting' | 'maxWeight'>,
  propensity?: Float64Array,
): Float32Array {
  return Float32Array.from(target, (k) => {
    if (config.weighting === 'uniform') return 1;
    if (!((request.labels[k] as number) > 0)) return 0;
    if (config.weighting === 'clicked') return 1;
    if (propensity === undefined) throw new Error("SFT weighting 'ipw' needs exposure propensities");
    return Math.min(config.maxWeight, 1 / (propensity[k] as number));
  });
}

/**
 * One teacher-forced loss: negative log-likelihood per token of `requests`' targets,
 * averaged with per-slot `weights` (one per slot of each target; none: a plain mean).
 */
export function sftLoss(
  model: GloRankModel,
  requests: readonly RerankRequest[],
  targets: Int32Array[],
  weights?: Float32Array[],
): tf.Scalar {
  const [shard] = sftShards([...requests], targets, weights, 1);
  const p = prepareShard(model, shard as LossShard);
  return tf.tidy(() => shardLoss(model, p, p.count).loss);
}

export async function trainSft(run: SftRun): Promise<SftResult> {
  const { model, config } = run;
  const L = model.config.slateSize;
  const demo = run.demonstration ?? ((r: RerankRequest) => demonstrationSlate(r, L));
  const searched = config.demonstrations === 'search';
  if (searched && run.demonstration === undefined)
    throw new Error("SFT demonstrations 'search' need the evaluator-picked slates (run.demonstration)");
  if (searched && config.weighting !== 'uniform')
    throw new UserError(
      `SFT weighting '${config.weighting}' applies to logged demonstrations; use 'uniform' with demonstrations 'search'`,
      { field: 'sft.weighting' },
    );
  const examples = run.requests.filter(
    (r) => r.candidates.length >= L && (searched || config.includeUnlabelled || r.labels.some((y) => y > 0)),
  );
  if (examples.length === 0)
    throw new Error('SFT: no training request has a positive label and enough candidates');
  const targets = examples.map(demo);
  const rng = new Rng(run.seed);
  const propensityRng = rng.fork('sft-propensities');
  const weights =
    config.weighting === 'uniform'
      ? undefined
      : examples.map((r, i) =>
          demonstrationWeights(
            r,
            targets[i] as Int32Array,
            config,
            config.weighting === 'ipw'
              ? exposurePropensities(r, L, config.exposureTemperature, 256, propensityRng)
              : undefined,
          ),
        );
  const perEpoch = batchesPerEpoch(examples.length, config.batchSize);
  const totalSteps = perEpoch * config.epochs;
  const optimizer = new Adam(model.store, {
    lr: config.learningRate,
    weightDecay: config.weightDecay,
    clipNorm: config.clipNorm,
  });
  let step = 0;
  if (run.resume && run.checkpointDir !== undefined && (await isCheckpoint(run.checkpointDir))) {
    const saved = await loadGloRankCheckpoint(run.checkpointDir);
    if (saved.meta.stage !== 'sft') {
      throw new Error(
        `cannot resume SFT from a '${String(saved.meta.stage)}' checkpoint in ${run.checkpointDir}`,
      );
    }
    model.store.copyFrom(saved.model.store);
    optimizer.importState(saved.checkpoint.arrays, saved.meta.adamSteps as number, 'adam/');
    step = saved.meta.step as number;
    saved.model.store.dispose();
    saved.model.dispose();
    run.logger.info?.(`resuming SFT at step ${step} of ${totalSteps}`);
  }
  const save = async (): Promise<void> => {
    if (run.checkpointDir === undefined) return;
    await saveGloRankCheckpoint(run.checkpointDir, model, {
      arrays: optimizer.exportState('adam/'),
      meta: {
        ...(run.meta ?? {}),
        stage: 'sft',
        seed: run.seed,
        sft: config,
        step,
        totalSteps,
        finished: step >= totalSteps,
        adamSteps: optimizer.stepCount,
      },
    });
  };
  const stopAt = Math.min(totalSteps, run.maxSteps ?? totalSteps);
  let lossSum = 0;
  let lossCount = 0;
  const pool = await GradientPool.start(model, config.workers);
  try {
    while (step < stopAt) {
      const epoch = Math.floor(step / perEpoch);
      const batches = epochBatches(rng, 'sft-epoch', epoch, examples.length, config.batchSize);
      for (let b = step % perEpoch; b < batches.length && step < stopAt; b++) {
        const idx = batches[b] as number[];
        pool.load(
          sftShards(
            idx.map((i) => examples[i] as RerankRequest),
            idx.map((i) => targets[i] as Int32Array),
            weights === undefined ? undefined : idx.map((i) => weights[i] as Float32Array),
            pool.threads,
          ),
        );
        const { loss, grads } = await pool.valueAndGrads();
        const gradNorm = optimizer.step(grads);
        for (const g of grads.values()) g.dispose();
        step++;
        if (epoch === config.epochs - 1 || step === stopAt) {
          lossSum += loss;
          lossCount++;
        }
        run.logger.log(step, { 'sft/loss': loss, 'sft/grad_norm': gradNorm, 'sft/epoch': epoch });
        run.onStep?.(step, totalSteps);
        const boundary =
          config.checkpointEvery > 0 ? step % config.checkpointEvery === 0 : step % perEpoch === 0;
        if (boundary && step < stopAt) await save();
      }
    }
  } finally {
    await pool.close();
  }
  await save();
  optimizer.dispose();
  return {
    steps: step,
    totalSteps,
    finished: step >= totalSteps,
    loss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
  };
}
