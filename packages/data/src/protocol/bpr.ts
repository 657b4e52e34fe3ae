// Stage-1 retriever: matrix factorisation trained with BPR (Rendle et al. 2009) by SGD on
// typed arrays. Trained on training interactions only; its scores are the "initial order".
import { Rng } from '../random/rng.js';

export interface BprOptions {
  /** Latent dimension. */
  dim: number;
  /** Passes over the training pairs (0 leaves the random initialisation: use popularity then). */
  epochs: number;
  learningRate: number;
  /** L2 regularisation of vectors and biases. */
  reg: number;
  seed: number;
}

export const BPR_DEFAULTS: BprOptions = { dim: 32, epochs: 20, learningRate: 0.05, reg: 0.002, seed: 0 };

export interface BprModel {
  dim: number;
  /** Row-major [users, dim]. */
  userVectors: Float32Array;
  /** Row-major [items, dim]; items without training pairs stay zero. */
  itemVectors: Float32Array;
  itemBias: Float32Array;
}

/** Per-user sorted item lists (CSR) of the training pairs, for rejecting positive "negatives". */
function userItemIndex(users: number, pairUser: Int32Array, pairItem: Int32Array) {
  const offsets = new Int32Array(users + 1);
  for (let k = 0; k < pairUser.length; k++) {
    const at = (pairUser[k] as number) + 1;
    offsets[at] = (offsets[at] as number) + 1;
  }
  for (let u = 0; u < users; u++) offsets[u + 1] = (offsets[u + 1] as number) + (offsets[u] as number);
  const fill = offsets.slice(0, users);
  const values = new Int32Array(pairUser.length);
  for (let k = 0; k < pairUser.length; k++) {
    const u = pairUser[k] as number;
    values[fill[u] as number] = pairItem[k] as number;
    fill[u] = (fill[u] as number) + 1;
  }
  for (let u = 0; u < users; u++) values.subarray(offsets[u], offsets[u + 1]).sort();
  return { offsets, values };
}

function contains(sorted: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/**
 * Train BPR-MF on (user, item) training pairs. Negatives are drawn uniformly from items that
 * have training pairs, rejecting the user's own positives.
 */
export function trainBpr(
  users: number,
  items: number,
  pairUser: Int32Array,
  pairItem: Int32Array,
  options: Partial<BprOptions> = {},
  onEpoch?: (epoch: number, meanLoss: number) => void,
): BprModel {
  const o = { ...BPR_DEFAULTS, ...options };
  const d = o.dim;
  const rng = new Rng(o.seed).fork('bpr');
  const userVectors = new Float32Array(users * d);
  const itemVectors = new Float32Array(items * d);
  const itemBias = new Float32Array(items);
  const trained = new Uint8Array(items);
  for (let k = 0; k < pairItem.length; k++) trained[pairItem[k] as number] = 1;
  const pool: number[] = [];
  for (let i = 0; i < items; i++) if (trained[i]) pool.push(i);
  for (let k = 0; k < userVectors.length; k++) userVectors[k] = rng.normal(0, 0.1);
  for (let i = 0; i < items; i++) {
    if (!trained[i]) continue;
    for (let k = 0; k < d; k++) itemVectors[i * d + k] = rng.normal(0, 0.1);
  }
  const n = pairUser.length;
  if (n === 0 || pool.length < 2) return { dim: d, userVectors, itemVectors, itemBias };
  const index = userItemIndex(users, pairUser, pairItem);
  const { learningRate: lr, reg } = o;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    let loss = 0;
    for (let step = 0; step < n; step++) {
      const k = rng.int(n);
      const u = pairUser[k] as number;
      const i = pairItem[k] as number;
      const lo = index.offsets[u] as number;
      const hi = index.offsets[u + 1] as number;
      let j = pool[rng.int(pool.length)] as number;
      for (let tries = 0; tries < 10 && contains(index.values, lo, hi, j); tries++) {
        j = pool[rng.int(pool.length)] as number;
      }
      if (j === i) continue;
      const pu = u * d;
      const qi = i * d;
      const qj = j * d;
      let x = (itemBias[i] as number) - (itemBias[j] as number);
      for (let t = 0; t < d; t++) {
        x +=
          (userVectors[pu + t] as number) *
          ((itemVectors[qi + t] as number) - (itemVectors[qj + t] as number));
      }
      // d/dx log sigmoid(x) = sigmoid(-x)
      const g = 1 / (1 + Math.exp(x));
      loss += Math.log1p(Math.exp(-x));
      for (let t = 0; t < d; t++) {
        const p = userVectors[pu + t] as number;
        const a = itemVectors[qi + t] as number;
        const b = itemVectors[qj + t] as number;
        userVectors[pu + t] = p + lr * (g * (a - b) - reg * p);
        itemVectors[qi + t] = a + lr * (g * p - reg * a);
        itemVectors[qj + t] = b + lr * (-g * p - reg * b);
      }
      itemBias[i] = (itemBias[i] as number) + lr * (g - reg * (itemBias[i] as number));
      itemBias[j] = (itemBias[j] as number) + lr * (-g - reg * (itemBias[j] as number));
    }
    onEpoch?.(epoch + 1, loss / n);
  }
  return { dim: d, userVectors, itemVectors, itemBias };
}

/** Score of every item for `user` into `out` (length items). */
export function bprScores(model: BprModel, user: number, out: Float32Array): Float32Array {
  const d = model.dim;
  const pu = user * d;
  const items = out.length;
  for (let i = 0; i < items; i++) {
    let s = model.itemBias[i] as number;
    const qi = i * d;
    for (let t = 0; t < d; t++)
      s += (model.userVectors[pu + t] as number) * (model.itemVectors[qi + t] as number);
    out[i] = s;
  }
  return out;
}
