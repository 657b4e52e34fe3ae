// The learned list-wise evaluators of an experiment (training/evaluator.ts): the RL reward
// model (train split) and, on data without a true click model, the frozen evaluation
// simulator (train+valid, its own seed); and the simulators the eval stage scores with.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClickModel, LoadedDataset, Split } from '@glorank/data';
import {
  type ItemCodes,
  loadEvaluator,
  resolveTrainConfig,
  saveEvaluator,
  silentLogger,
  trainRewardModel,
} from '@glorank/model';
import { CHECKPOINT_DIR } from './methods.js';
import type { RewardSimulator } from './run-evaluation.js';

/** Train an evaluator and save it to `<dir>/checkpoint`; returns the checksum of its weights. */
export async function trainEvaluatorInto(
  dir: string,
  o: {
    dataset: LoadedDataset;
    codes: ItemCodes;
    section: Record<string, unknown>;
    seed: number;
    splits: Split[];
  },
): Promise<{ sha256: string }> {
  const evaluator = trainRewardModel({
    dataset: o.dataset,
    codes: o.codes,
    config: resolveTrainConfig({ rewardModel: o.section }),
    seed: o.seed,
    logger: silentLogger,
    splits: o.splits,
  });
  try {
    await saveEvaluator(path.join(dir, CHECKPOINT_DIR), evaluator, { seed: o.seed, splits: o.splits });
  } finally {
    evaluator.dispose();
  }
  const manifest = path.join(dir, CHECKPOINT_DIR, 'manifest.json');
  return { sha256: (JSON.parse(await readFile(manifest, 'utf8')) as { sha256: string }).sha256 };
}

/** The synthetic benchmark's true click model as the evaluation simulator. */
export function clickModelSimulator(model: ClickModel, datasetHash: string): RewardSimulator {
  return {
    id: `click-model:${datasetHash}`,
    description: 'the true click model of the synthetic benchmark',
    reward: (requests, slates) =>
      Float64Array.from(requests, (r, i) => model.expectedReward(r, slates[i] as Int32Array)),
  };
}

/** A frozen evaluator (checkpoint folder) as the evaluation simulator, named by its checksum. */
export async function frozenEvaluatorSimulator(
  checkpointDir: string,
  sha256: string,
  seed: number,
): Promise<RewardSimulator> {
  const { evaluator } = await loadEvaluator(checkpointDir);
  return {
    id: `evaluator:${sha256}`,
    description: `a frozen list-wise evaluator (seed ${seed}, trained on train+valid, sha256 ${sha256.slice(0, 12)})`,
    reward: (requests, slates) => evaluator.rewards(requests, slates),
    dispose: () => evaluator.dispose(),
  };
}
