// Evaluator-picked demonstrations for SFT ("high-quality demonstration slates"). For every
// training request a small search proposes slates and the learned list-wise evaluator picks
// the one it scores highest:
//   - the logged demonstration (clicked exposed items first, demonstrations.ts),
//   - the initial (retriever) order,
//   - the evaluator's greedy slate: positions filled top-down, each time with the candidate
//     that maximises the evaluator's expected clicks of the prefix (list-wise, so it can
//     place complementary items next to each other and split look-alikes),
//   - `samples` Plackett-Luce samples over initialScores / temperature.
// The winner is the SFT target. Since the logged and initial slates are always proposed,
// the chosen slate is never worse than either in the evaluator's eyes; whether it is better
// in truth depends on the evaluator, which the synthetic benchmark measures.
import type { RerankRequest } from '@glorank/data';
import { Rng } from '@glorank/data';
import { demonstrationSlate, initialSlate } from '../glorank/demonstrations.js';
import type { RewardFunction } from './grpo.js';

export interface SearchDemonstrationConfig {
  /** Plackett-Luce samples proposed besides the logged, initial and greedy slates. */
  samples: number;
  /** Temperature of those samples over the retriever scores. */
  temperature: number;
  /** Rows per evaluator call. */
  batchSize: number;
}

export const DEFAULT_SEARCH_DEMONSTRATIONS: SearchDemonstrationConfig = {
  samples: 16,
  temperature: 0.7,
  batchSize: 4096,
};

/** Evaluate `slates` (item ids) of `requests` in chunks of `batchSize` rows. */
function scoreRows(
  reward: RewardFunction,
  requests: RerankRequest[],
  slates: Int32Array[],
  batchSize: number,
): Float64Array {
  const out = new Float64Array(requests.length);
  for (let i = 0; i < requests.length; i += batchSize) {
    out.set(reward(requests.slice(i, i + batchSize), slates.slice(i, i + batchSize)), i);
  }
  return out;
}

/**
 * Greedy slates (candidate indices) under `reward`: for every request, position by position,
 * the candidate whose addition gives the prefix the highest reward (ties: lower index).
 * `reward` must accept prefixes shorter than L (the list-wise evaluator does).
 */
export function greedySlates(
  requests: readonly RerankRequest[],
  reward: RewardFunction,
  slateSize: number,
  batchSize = DEFAULT_SEARCH_DEMONSTRATIONS.batchSize,
): Int32Array[] {
  const slates = requests.map((r) => new Int32Array(Math.min(slateSize, r.candidates.length)));
  const used = requests.map((r) => new Uint8Array(r.candidates.length));
  for (let pos = 0; pos < slateSize; pos++) {
    const rowReq: RerankRequest[] = [];
    const rowSlate: Int32Array[] = [];
    const rowOwner: number[] = [];
    const rowCand: number[] = [];
    requests.forEach((r, q) => {
      if (pos >= (slates[q] as Int32Array).length) return;
      const prefix = Int32Array.from(
        (slates[q] as Int32Array).subarray(0, pos),
        (k) => r.candidates[k] as number,
      );
      for (let k = 0; k < r.candidates.length; k++) {
        if ((used[q] as Uint8Array)[k]) continue;
        const s = new Int32Array(pos + 1);
        s.set(prefix);
        s[pos] = r.candidates[k] as number;
        rowReq.push(r);
        rowSlate.push(s);
        rowOwner.push(q);
        rowCand.push(k);
      }
    });
    const values = scoreRows(reward, rowReq, rowSlate, batchSize);
    const best = new Float64Array(requests.length).fill(Number.NEGATIVE_INFINITY);
    const choice = new Int32Array(requests.length).fill(-1);
    for (let i = 0; i < values.length; i++) {
      const q = rowOwner[i] as number;
      if ((values[i] as number) > (best[q] as number)) {
        best[q] = values[i] as number;
        choice[q] = rowCand[i] as number;
      }
    }
    requests.forEach((_, q) => {
      const k = choice[q] as number;
      if (k < 0) return;
      (slates[q] as Int32Array)[pos] = k;
      (used[q] as Uint8Array)[k] = 1;
    });
  }
  return slates;
}

/** A Plackett-Luce sample (Gumbel-top-L) of candidate indices over initialScores / temperature. */
export function plackettLuceSlate(
  request: RerankRequest,
  slateSize: number,
  temperature: number,
  rng: Rng,
): Int32Array {
  const n = request.candidates.length;
  const keys = Array.from({ length: n }, (_, k) => ({
    k,
    key: (request.initialScores[k] as number) / temperature + rng.gumbel(),
  }));
  keys.sort((a, b) => b.key - a.key || a.k - b.k);
  return Int32Array.from(keys.slice(0, Math.min(slateSize, n)), (e) => e.k);
}

export interface SearchDemonstrations {
  /** The chosen slate (candidate indices) of every request. */
  slates: Int32Array[];
  /** Which proposal won, per request: 'logged', 'initial', 'greedy' or 'sample'. */
  sources: ('logged' | 'initial' | 'greedy' | 'sample')[];
  /** The evaluator's reward of the chosen slates and of the logged demonstrations (means). */
  chosenReward: number;
  loggedReward: number;
}

/** Evaluator-picked demonstration slates of `requests` (see the file comment). */
export function searchDemonstrations(
  requests: readonly RerankRequest[],
  reward: RewardFunction,
  slateSize: number,
  config: SearchDemonstrationConfig,
  seed: number,
): SearchDemonstrations {
  const rng = new Rng(seed).fork('search-demonstrations');
  const greedy = greedySlates(requests, reward, slateSize, config.batchSize);
  const kinds: SearchDemonstrations['sources'][number][] = [
    'logged',
    'initial',
    'greedy',
    ...Array.from({ length: config.samples }, () => 'sample' as const),
  ];
  const P = kinds.length;
  const proposals: Int32Array[] = [];
  const rowReq: RerankRequest[] = [];
  const rowSlate: Int32Array[] = [];
  requests.forEach((r, q) => {
    const L = Math.min(slateSize, r.candidates.length);
    const own = [
      demonstrationSlate(r, L),
      initialSlate(r, L),
      greedy[q] as Int32Array,
      ...Array.from({ length: config.samples }, () => plackettLuceSlate(r, L, config.temperature, rng)),
    ];
    for (const s of own) {
      proposals.push(s);
      rowReq.push(r);
      rowSlate.push(Int32Array.from(s, (k) => r.candidates[k] as number));
    }
  });
  const values = scoreRows(reward, rowReq, rowSlate, config.batchSize);
  const slates: Int32Array[] = [];
  const sources: SearchDemonstrations['sources'] = [];
  let chosen = 0;
  let logged = 0;
  for (let q = 0; q < requests.length; q++) {
    let best = q * P;
    for (let p = 1; p < P; p++)
      if ((values[q * P + p] as number) > (values[best] as number)) best = q * P + p;
    slates.push(proposals[best] as Int32Array);
    sources.push(kinds[best - q * P] as SearchDemonstrations['sources'][number]);
    chosen += values[best] as number;
    logged += values[q * P] as number;
  }
  const n = Math.max(1, requests.length);
  return { slates, sources, chosenReward: chosen / n, loggedReward: logged / n };
}
