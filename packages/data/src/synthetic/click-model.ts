// The synthetic benchmark's true click model. It is the evaluation simulator of PROTOCOL.md on
// synthetic data: the exact expected clicks of any slate, position by position, given the whole
// slate (position bias x user-item relevance x intra-list context). Math in the package README.
import path from 'node:path';
import { UserError } from '../errors/user-error.js';
import { readJsonFile } from '../io/json-file.js';
import type { Rng } from '../random/rng.js';
import { DATASET_FILES } from '../schema/arrow-schemas.js';
import type { RerankRequest } from '../schema/types.js';

export const CLICK_MODEL_KIND = 'glorank-synthetic-click-model';

/** Everything the click model needs, as saved in click_model.json. */
export interface ClickModelParams {
  kind: typeof CLICK_MODEL_KIND;
  version: 1;
  /** Latent dimension (one per topic). */
  dims: number;
  users: number;
  items: number;
  /** Examination probability of position i (1-based) is i^-positionBias. */
  positionBias: number;
  /** Relevance logit = relevanceScale * <user, item> + quality[item] + relevanceBias. */
  relevanceScale: number;
  relevanceBias: number;
  /** Logit penalty per unit of cosine similarity with a neighbour (redundancy). */
  redundancyWeight: number;
  /** Logit bonus for a neighbour whose primary topic complements this item's. */
  complementWeight: number;
  /** Neighbour at distance d weighs neighbourDecay^(d-1). */
  neighbourDecay: number;
  /** Primary topic of each item. */
  itemTopic: number[];
  /** complementTopic[k] is the topic that complements topic k (an involution). */
  complementTopic: number[];
  /** Unit-norm item vectors, row-major [items, dims]. */
  itemVectors: number[];
  itemQuality: number[];
  /** User preference vectors, row-major [users, dims]. */
  userVectors: number[];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class ClickModel {
  readonly params: ClickModelParams;
  private readonly itemVectors: Float64Array;
  private readonly userVectors: Float64Array;

  constructor(params: ClickModelParams) {
    const { dims, users, items } = params;
    const problems: string[] = [];
    if (params.itemVectors.length !== items * dims) problems.push('itemVectors length != items * dims');
    if (params.userVectors.length !== users * dims) problems.push('userVectors length != users * dims');
    if (params.itemQuality.length !== items) problems.push('itemQuality length != items');
    if (params.itemTopic.length !== items) problems.push('itemTopic length != items');
    if (problems.length > 0) throw new RangeError(`invalid click model: ${problems.join('; ')}`);
    this.params = params;
    this.itemVectors = Float64Array.from(params.itemVectors);
    this.userVectors = Float64Array.from(params.userVectors);
  }

  /** Relevance logit of `item` for `user`, before position and context. */
  relevance(user: number, item: number): number {
    const d = this.params.dims;
    let dot = 0;
    for (let k = 0; k < d; k++) {
      dot += (this.userVectors[user * d + k] as number) * (this.itemVectors[item * d + k] as number);
    }
    return (
      this.params.relevanceScale * dot + (this.params.itemQuality[item] as number) + this.params.relevanceBias
    );
  }

  /** Cosine similarity of two items' latent vectors (the vectors are unit norm). */
  similarity(a: number, b: number): number {
    const d = this.params.dims;
    let dot = 0;
    for (let k = 0; k < d; k++)
      dot += (this.itemVectors[a * d + k] as number) * (this.itemVectors[b * d + k] as number);
    return dot;
  }

  /** Context logit item `a` receives from a neighbour `b`: complements help, look-alikes hurt. */
  pairEffect(a: number, b: number): number {
    const p = this.params;
    const comp = p.complementTopic[p.itemTopic[a] as number] === p.itemTopic[b] ? p.complementWeight : 0;
    return comp - p.redundancyWeight * Math.max(0, this.similarity(a, b));
  }

  private checkSlate(user: number, slate: ArrayLike<number>): void {
    if (!Number.isInteger(user) || user < 0 || user >= this.params.users) {
      throw new RangeError(`click model: user ${user} outside [0, ${this.params.users})`);
    }
    for (let i = 0; i < slate.length; i++) {
      const it = slate[i] as number;
      if (!Number.isInteger(it) || it < 0 || it >= this.params.items) {
        throw new RangeError(`click model: slate item ${it} outside [0, ${this.params.items})`);
      }
    }
  }

  /**
   * Click probability of every position of `slate` (item ids, top first) shown to the request's
   * user. Their sum is the slate's expected reward.
   */
  expectedClicks(request: Pick<RerankRequest, 'user'>, slate: ArrayLike<number>): Float64Array {
    this.checkSlate(request.user, slate);
    const p = this.params;
    const n = slate.length;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const item = slate[i] as number;
      let context = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        context += p.neighbourDecay ** (Math.abs(i - j) - 1) * this.pairEffect(item, slate[j] as number);
      }
      const examine = (i + 1) ** -p.positionBias;
      out[i] = examine * sigmoid(this.relevance(request.user, item) + context);
    }
    return out;
  }

  /** Expected number of clicks on `slate` (the "average reward" of PROTOCOL.md for one request). */
  expectedReward(request: Pick<RerankRequest, 'user'>, slate: ArrayLike<number>): number {
    let s = 0;
    for (const v of this.expectedClicks(request, slate)) s += v;
    return s;
  }

  /** One draw of clicks (0/1 per position) from the model. */
  sampleClicks(request: Pick<RerankRequest, 'user'>, slate: ArrayLike<number>, rng: Rng): Uint8Array {
    const probs = this.expectedClicks(request, slate);
    const out = new Uint8Array(probs.length);
    for (let i = 0; i < probs.length; i++) out[i] = rng.next() < (probs[i] as number) ? 1 : 0;
    return out;
  }

  /**
   * Greedy reference slate: fill positions top-down, each time adding the candidate that
   * maximises the expected reward of the slate so far. A strong (not always optimal) upper
   * reference for what a list-wise reranker can reach.
   */
  greedySlate(request: Pick<RerankRequest, 'user' | 'candidates'>, slateSize: number): Int32Array {
    const cands = request.candidates;
    const size = Math.min(slateSize, cands.length);
    const slate = new Int32Array(size);
    const used = new Uint8Array(cands.length);
    for (let pos = 0; pos < size; pos++) {
      let best = -1;
      let bestValue = -Infinity;
      for (let c = 0; c < cands.length; c++) {
        if (used[c]) continue;
        slate[pos] = cands[c] as number;
        const value = this.expectedReward(request, slate.subarray(0, pos + 1));
        if (value > bestValue) {
          bestValue = value;
          best = c;
        }
      }
      used[best] = 1;
      slate[pos] = cands[best] as number;
    }
    return slate;
  }

  toJSON(): ClickModelParams {
    return this.params;
  }
}

/** Load the true click model saved beside a synthetic dataset (`click_model.json`). */
export async function loadClickModel(dir: string): Promise<ClickModel> {
  const file = path.join(dir, DATASET_FILES.clickModel);
  const params = (await readJsonFile(
    file,
    'missing: only synthetic datasets (glorank data synth) carry a true click model',
  )) as ClickModelParams;
  if (params?.kind !== CLICK_MODEL_KIND || params.version !== 1) {
    throw new UserError(`expected kind '${CLICK_MODEL_KIND}' version 1`, { file, field: 'kind' });
  }
  try {
    return new ClickModel(params);
  } catch (err) {
    throw new UserError((err as Error).message, { file });
  }
}
