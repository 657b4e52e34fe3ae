// GloRank behind the common Reranker interface: encode a batch of requests, decode each
// slate under its candidate trie (greedy or beam search), return item ids.
import type { RerankRequest } from '@glorank/data';
import { beamDecode, greedyDecode } from '../decoding/decode.js';
import type { Reranker } from '../methods/reranker.js';
import type { GloRankModel } from './model.js';
import { encoderInputs } from './request-encoder.js';

export interface DecodeConfig {
  decoding: 'greedy' | 'beam';
  beamWidth: number;
  /** Requests encoded and decoded together. */
  batchSize: number;
}

export const DEFAULT_DECODE_CONFIG: DecodeConfig = { decoding: 'greedy', beamWidth: 4, batchSize: 128 };

/** Candidate indices of the decoded slate of every request. */
export function decodeSlates(
  model: GloRankModel,
  requests: readonly RerankRequest[],
  slateSize: number,
  config: DecodeConfig = DEFAULT_DECODE_CONFIG,
): Int32Array[] {
  if (slateSize > model.config.slateSize) {
    throw new RangeError(`the model was trained for slates of ${model.config.slateSize}, not ${slateSize}`);
  }
  const out: Int32Array[] = [];
  for (let i = 0; i < requests.length; i += config.batchSize) {
    const batch = requests.slice(i, i + config.batchSize);
    const tries = batch.map((r) => model.trie(r));
    const { scorer, dispose } = model.stepScorer(encoderInputs(batch, model.config.historyLength), tries);
    try {
      const decoded =
        config.decoding === 'beam'
          ? beamDecode(tries, slateSize, scorer, { beamWidth: config.beamWidth })
          : greedyDecode(tries, slateSize, scorer);
      for (const d of decoded) out.push(d.slate);
    } finally {
      dispose();
    }
  }
  return out;
}

export class GloRankReranker implements Reranker {
  constructor(
    readonly name: string,
    readonly model: GloRankModel,
    readonly decode: DecodeConfig = DEFAULT_DECODE_CONFIG,
  ) {}

  rank(requests: readonly RerankRequest[], slateSize: number): Int32Array[] {
    const slates = decodeSlates(this.model, requests, slateSize, this.decode);
    return slates.map((s, r) =>
      Int32Array.from(s, (k) => (requests[r] as RerankRequest).candidates[k] as number),
    );
  }
}
