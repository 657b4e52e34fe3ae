// The learned list-wise evaluators of an experiment (training/evaluator.ts): the RL reward
// model (train split) and, on data without a true click model, the frozen evaluation
// simulator (train+valid, its own seed); the independent position-based click simulator
// (click-simulator.ts, the default on real data); and the simulators the eval stage scores with.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClickModel, ItemCodes, LoadedDataset, Split } from '@glorank/data';
import {
  loadEvaluator,
  resolveTrainConfig,
  saveEvaluator,
  silentLogger,
  trainRewardModel,
} from '@glorank/model';
import {
  type ClickSimulatorConfig,
  loadClickSimulator,
  type SimulatorCalibration,
  trainClickSimulator,
} from './click-simulator.js';
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

/** File of the frozen position-based click simulator inside its stage folder. */
export const CLICK_SIMULATOR_FILE = 'click-simulator.json';

/**
 * Train the independent click simulator on the logged slates of train+valid, save it frozen,
 * and measure its calibration on the logged test slates (never used to fit it).
 */
export async function trainClickSimulatorInto(
  dir: string,
  o: {
    dataset: LoadedDataset;
    config: Partial<ClickSimulatorConfig>;
    slateSize: number;
    onEpoch?: (done: number, total: number) => void;
  },
): Promise<{ sha256: string; calibration: SimulatorCalibration }> {
  const splits: Split[] = ['train', 'valid'];
  let numItems = o.dataset.items.count;
  for (const r of o.dataset.requests) {
    for (const i of r.candidates) if (i >= numItems) numItems = i + 1;
    for (const i of r.history) if (i >= numItems) numItems = i + 1;
  }
  const sim = trainClickSimulator({
    requests: o.dataset.requests.filter((r) => splits.includes(r.split)),
    splits,
    numItems,
    slateSize: o.slateSize,
    config: o.config,
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });
  await sim.save(path.join(dir, CLICK_SIMULATOR_FILE));
  return {
    sha256: sim.sha256,
    calibration: sim.calibration(o.dataset.requests.filter((r) => r.split === 'test')),
  };
}

/** The frozen click simulator (stage folder) as the evaluation simulator, named by its checksum. */
export async function clickSimulatorOf(dir: string, sha256: string): Promise<RewardSimulator> {
  const sim = await loadClickSimulator(path.join(dir, CLICK_SIMULATOR_FILE));
  if (sim.sha256 !== sha256)
    throw new Error(`internal: click simulator ${sim.sha256} is not the staged ${sha256}`);
  const c = sim.params.config;
  return {
    id: `pbm:${sha256}`,
    description:
      `an independent position-based click model (logistic factorization relevance, dim ${c.dim}, ` +
      `seed ${c.seed}, trained on train+valid, sha256 ${sha256.slice(0, 12)})`,
    reward: (requests, slates) => sim.rewards(requests, slates),
  };
}
