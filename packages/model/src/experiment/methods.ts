// Methods selectable by name in an experiment config: how each one is trained from the
// shared inputs (dataset, seed, logger, and for GloRank the item codes, the reward model and
// the SFT checkpoint it starts RL from) into a Reranker. One registry, so the harness treats
// the baselines and GloRank alike.
import type { LoadedDataset } from '@glorank/data';
import { UserError } from '@glorank/data';
import { trainDlcm } from '../baselines/dlcm.js';
import { trainDnn } from '../baselines/dnn.js';
import { InitialOrderReranker } from '../baselines/initial-order.js';
import type { FitSummary } from '../baselines/list-model.js';
import { trainPrm } from '../baselines/prm.js';
import { trainSeq2Slate } from '../baselines/seq2slate.js';
import type { Reranker, TrainLogger } from '../methods/reranker.js';
import type { MethodConfig, MethodName } from './config.js';

/** Methods that are GloRank (not baselines) for the paired-difference column. */
export const GLORANK_METHODS: readonly MethodName[] = ['glorank-sft', 'glorank-rl'];

export interface MethodNeeds {
  /** Semantic-ID codes from the tokenize stage. */
  codes: boolean;
  /** The learned list-wise evaluator used as the RL reward. */
  rewardModel: boolean;
  /** The GloRank SFT checkpoint of the same seed (RL starts from it). */
  sft: boolean;
}

export function methodNeeds(method: MethodName): MethodNeeds {
  return {
    // The local-index ablation shares GloRank's backbone, items embedded from their codes.
    codes: method === 'glorank-local' || method === 'glorank-sft' || method === 'glorank-rl',
    rewardModel: method === 'glorank-rl',
    sft: method === 'glorank-rl',
  };
}

export interface MethodInputs {
  dataset: LoadedDataset;
  seed: number;
  slateSize: number;
  logger: TrainLogger;
  /** Tokenize stage folder (codes.arrow), when the method needs codes. */
  codesDir?: string;
  /** Reward-model stage folder, when the method needs it. */
  rewardModelDir?: string;
  /** The glorank-sft train stage folder of the same seed, for glorank-rl. */
  sftDir?: string;
}

export interface TrainedMethod {
  reranker: Reranker;
  /** Numbers worth recording about training (steps, best epoch ...). */
  summary: Record<string, number>;
  /** Write the trained weights into `dir` (an nn checkpoint folder). */
  save?(dir: string): Promise<void>;
  /** Per slate position and code level, the probability of each token emitted (GloRank). */
  tokenProbs?(requestIndex: number): number[][] | undefined;
  dispose?(): void;
}

function fitSummary(fit: FitSummary): Record<string, number> {
  return {
    steps: fit.steps,
    epochs: fit.epochs,
    bestEpoch: fit.bestEpoch,
    bestValidNdcg: fit.bestValidNdcg,
    finalLoss: fit.finalLoss,
  };
}

export async function trainMethod(config: MethodConfig, inputs: MethodInputs): Promise<TrainedMethod> {
  const ctx = { dataset: inputs.dataset, seed: inputs.seed, logger: inputs.logger };
  const L = inputs.slateSize;
  switch (config.method) {
    case 'initial':
      return { reranker: new InitialOrderReranker(), summary: {} };
    case 'dnn': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainDnn(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'dlcm': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainDlcm(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'prm': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainPrm(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'seq2slate': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainSeq2Slate(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'glorank-local':
    case 'glorank-sft':
    case 'glorank-rl':
      throw new UserError(
        `method '${config.method}' needs GloRank training (src/training), which this build does not have yet`,
        { field: 'methods' },
      );
  }
}
