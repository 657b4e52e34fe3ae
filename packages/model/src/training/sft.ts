// Supervised pre-training of GloRank (and of its local-index ablation): teacher forcing on
// demonstration slates, with the trie mask applied to every step so training optimises
// the same constrained distribution that decoding samples from. Checkpoints (weights,
// optimizer moments, counters) are written atomically; resuming from one gives the same
// weights as an uninterrupted run with the same seed and backend.
import type { RerankRequest } from '@glorank/data';
import { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { loadGloRankCheckpoint, saveGloRankCheckpoint } from '../glorank/checkpoint-io.js';
import { demonstrationSlate } from '../glorank/demonstrations.js';
import type { GloRankModel } from '../glorank/model.js';
import { encoderInputs } from '../glorank/request-encoder.js';
import type { TrainLogger } from '../methods/reranker.js';
import { Adam } from '../nn/adam.js';
import { isCheckpoint } from '../nn/checkpoint.js';
import { batchesPerEpoch, epochBatches } from './batches.js';

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
}

export const DEFAULT_SFT_CONFIG: SftConfig = {
  epochs: 4,
  batchSize: 64,
  learningRate: 3e-3,
  weightDecay: 0,
  clipNorm: 1,
  checkpointEvery: 0,
  includeUnlabelled: false,
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

/** One teacher-forced loss: mean negative log-likelihood per token of `requests`' targets. */
export function sftLoss(
  model: GloRankModel,
  requests: readonly RerankRequest[],
  targets: Int32Array[],
): tf.Scalar {
  const x = encoderInputs(requests, model.config.historyLength);
  const tokens = new Int32Array(requests.length * model.steps);
  requests.forEach((r, i) => {
    tokens.set(model.slateTokens(r, targets[i] as Int32Array), i * model.steps);
  });
  const masks = model.trieMasks(
    requests.map((r) => model.trie(r)),
    tokens,
    x.candidateSlots,
  );
  return tf.tidy(() => {
    const enc = model.encode(x);
    const { logProbs } = model.scoreSequences(enc, x, null, tokens, masks);
    return tf.neg(tf.mean(logProbs)) as tf.Scalar;
  });
}

export async function trainSft(run: SftRun): Promise<SftResult> {
  const { model, config } = run;
  const L = model.config.slateSize;
  const demo = run.demonstration ?? ((r: RerankRequest) => demonstrationSlate(r, L));
  const examples = run.requests.filter(
    (r) => r.candidates.length >= L && (config.includeUnlabelled || r.labels.some((y) => y > 0)),
  );
  if (examples.length === 0)
    throw new Error('SFT: no training request has a positive label and enough candidates');
  const targets = examples.map(demo);
  const rng = new Rng(run.seed);
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
  while (step < stopAt) {
    const epoch = Math.floor(step / perEpoch);
    const batches = epochBatches(rng, 'sft-epoch', epoch, examples.length, config.batchSize);
    for (let b = step % perEpoch; b < batches.length && step < stopAt; b++) {
      const idx = batches[b] as number[];
      const { value, grads } = model.store.valueAndGrads(() =>
        sftLoss(
          model,
          idx.map((i) => examples[i] as RerankRequest),
          idx.map((i) => targets[i] as Int32Array),
        ),
      );
      const loss = value.dataSync()[0] as number;
      const gradNorm = optimizer.step(grads);
      value.dispose();
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
  await save();
  optimizer.dispose();
  return {
    steps: step,
    totalSteps,
    finished: step >= totalSteps,
    loss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
  };
}
