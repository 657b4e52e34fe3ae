// k-means on typed arrays: greedy k-means++ seeding, Lloyd iterations accelerated with
// Hamerly's bounds (same labels as plain Lloyd, far fewer distance computations once
// centroids settle), empty-cluster relocation, and an optional capacity-balanced
// assignment. Convergence follows scikit-learn (labels unchanged, or total squared centroid
// shift <= tolerance x mean column variance), so iteration counts and inertia compare.
import type { Rng } from '@glorank/data';
import { nearestTwo, rowSqNorms, sqDistance, sqDistances } from './blocked-distance.js';
import type { Matrix } from './matrix.js';
import { meanColumnVariance } from './matrix.js';

export interface KMeansOptions {
  k: number;
  rng: Rng;
  /** Lloyd iterations at most (default 300, as scikit-learn). */
  maxIterations?: number;
  /** Relative tolerance on the total squared centroid shift (default 1e-4, as scikit-learn). */
  tolerance?: number;
  /** Candidates tried per k-means++ centre (default 2 + floor(ln k), as scikit-learn). */
  localTrials?: number;
  /** Cap every cluster at ceil(n / k) points (greedy capacity-constrained assignment). */
  balanced?: boolean;
  /** Called after each iteration with the total squared centroid shift. */
  onIteration?: (iteration: number, centerShift: number) => void;
}

export interface KMeansResult {
  /** [k, d] row-major. */
  centroids: Float32Array;
  /** Cluster of each row, consistent with `centroids`. */
  labels: Int32Array;
  /** Points per cluster. */
  sizes: Int32Array;
  /** Sum of squared distances of points to their centroid. */
  inertia: number;
  iterations: number;
  /** True when labels stopped changing or the shift fell under the tolerance. */
  converged: boolean;
  /** Empty clusters re-seeded on a far point during the iterations. */
  emptyClustersRepaired: number;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's local trials): each centre
 * is the best of `localTrials` points drawn with probability proportional to D^2.
 * Returns the centres [k, d].
 */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng, localTrials?: number): Float32Array {
  const { rows: n, cols: d, data } = x;
  if (k < 1 || k > n) throw new RangeError(`k-means++ needs 1 <= k <= ${n} points, got k = ${k}`);
  const trials = Math.max(1, localTrials ?? 2 + Math.floor(Math.log(k)));
  const centers = new Float32Array(k * d);
  const first = rng.int(n);
  centers.set(data.subarray(first * d, (first + 1) * d), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sqDistance(data, i, centers, 0, d);
  const cumulative = new Float64Array(n);
  const candidates = new Float32Array(trials * d);
  const candidateIds = new Int32Array(trials);
  let candDist = new Float32Array(0);
  const norms = rowSqNorms(data, n, d);
  for (let c = 1; c < k; c++) {
    let pot = 0;
    for (let i = 0; i < n; i++) {
      pot += closest[i] as number;
      cumulative[i] = pot;
    }
    if (!(pot > 0)) {
      // Every point already sits on a centre (fewer distinct points than k): duplicate one;
      // the cluster stays empty and utilisation reports it.
      const id = rng.int(n);
      centers.set(data.subarray(id * d, (id + 1) * d), c * d);
      continue;
    }
    for (let t = 0; t < trials; t++) {
      const target = rng.next() * pot;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cumulative[mid] as number) <= target) lo = mid + 1;
        else hi = mid;
      }
      candidateIds[t] = lo;
      candidates.set(data.subarray(lo * d, (lo + 1) * d), t * d);
    }
    if (candDist.length !== n * trials) candDist = new Float32Array(n * trials);
    sqDistances(data, n, d, candidates, trials, candDist, norms);
    let bestTrial = 0;
    let bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = candDist[i * trials + t] as number;
        const cl = closest[i] as number;
        p += Math.min(v, cl);
      }
      if (p < bestPot) {
        bestPot = p;
        bestTrial = t;
      }
    }
    for (let i = 0; i < n; i++) {
      const v = candDist[i * trials + bestTrial] as number;
      if (v < (closest[i] as number)) closest[i] = v;
    }
    const id = candidateIds[bestTrial] as number;
    centers.set(data.subarray(id * d, (id + 1) * d), c * d);
  }
  return centers;
}

/**
 * Keep per-cluster coordinate sums (float64) and sizes in step with `labels`, moving only the
 * points whose label changed since `applied`: late iterations move few points, so this costs
 * O(n) there instead of O(n d). Returns how many labels changed.
 */
function syncClusterSums(
  x: Matrix,
  labels: Int32Array,
  applied: Int32Array,
  sums: Float64Array,
  sizes: Int32Array,
): number {
  const { rows: n, cols: d, data } = x;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const from = applied[i] as number;
    const to = labels[i] as number;
    if (from === to) continue;
    changed++;
    const xo = i * d;
    if (from >= 0) {
      sizes[from] = (sizes[from] as number) - 1;
      const so = from * d;
      for (let t = 0; t < d; t++) sums[so + t] = (sums[so + t] as number) - (data[xo + t] as number);
    }
    sizes[to] = (sizes[to] as number) + 1;
    const so = to * d;
    for (let t = 0; t < d; t++) sums[so + t] = (sums[so + t] as number) + (data[xo + t] as number);
    applied[i] = to;
  }
  return changed;
}

/** Cluster means from the sums; an empty cluster keeps its previous centre. */
function meansFromSums(
  sums: Float64Array,
  sizes: Int32Array,
  k: number,
  d: number,
  previous: Float32Array,
  means: Float64Array,
): void {
  for (let j = 0; j < k; j++) {
    const cnt = sizes[j] as number;
    for (let t = 0; t < d; t++) {
      means[j * d + t] = cnt === 0 ? (previous[j * d + t] as number) : (sums[j * d + t] as number) / cnt;
    }
  }
}

/**
 * Re-seed each empty cluster on the point farthest from its own centre, taken out of a
 * cluster that keeps at least one point (scikit-learn's relocation). Mutates means/sizes.
 * Returns how many clusters were re-seeded.
 */
export function relocateEmpty(
  x: Matrix,
  labels: Int32Array,
  oldCenters: Float32Array,
  means: Float64Array,
  sizes: Int32Array,
  k: number,
): number {
  const { rows: n, cols: d, data } = x;
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (sizes[j] === 0) empty.push(j);
  if (empty.length === 0) return 0;
  const far = new Float64Array(n);
  for (let i = 0; i < n; i++) far[i] = sqDistance(data, i, oldCenters, labels[i] as number, d);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (far[b] as number) - (far[a] as number) || a - b,
  );
  let repaired = 0;
  let cursor = 0;
  for (const j of empty) {
    while (cursor < n) {
      const i = order[cursor++] as number;
      const from = labels[i] as number;
      if ((sizes[from] as number) <= 1 || (far[i] as number) <= 0) continue;
      // Remove the point from its cluster's mean and make it the empty cluster's centre.
      const cnt = sizes[from] as number;
      for (let t = 0; t < d; t++) {
        const m = means[from * d + t] as number;
        means[from * d + t] = (m * cnt - (data[i * d + t] as number)) / (cnt - 1);
        means[j * d + t] = data[i * d + t] as number;
      }
      sizes[from] = cnt - 1;
      sizes[j] = 1;
      repaired++;
      break;
    }
  }
  return repaired;
}

/**
 * Greedy capacity-constrained assignment: (point, centre) pairs among each point's nearest
 * few centres are taken shortest first while the centre has room (capacity ceil(n / k));
 * points left over go to their nearest centre that still has room.
 */
export function balancedAssign(x: Matrix, centers: Float32Array, k: number, labels: Int32Array): void {
  const { rows: n, cols: d, data } = x;
  const capacity = Math.ceil(n / k);
  const room = new Int32Array(k).fill(capacity);
  const top = Math.min(k, 8);
  const pairDist = new Float64Array(n * top);
  const pairCentre = new Int32Array(n * top);
  const chunk = 1024;
  const dist = new Float32Array(chunk * k);
  const rowOrder = new Int32Array(k);
  for (let r0 = 0; r0 < n; r0 += chunk) {
    const rows = Math.min(chunk, n - r0);
    sqDistances(data.subarray(r0 * d, (r0 + rows) * d), rows, d, centers, k, dist);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) rowOrder[j] = j;
      const o = r * k;
      const sorted = Array.from(rowOrder).sort(
        (a, b) => (dist[o + a] as number) - (dist[o + b] as number) || a - b,
      );
      for (let t = 0; t < top; t++) {
        const j = sorted[t] as number;
        pairDist[(r0 + r) * top + t] = dist[o + j] as number;
        pairCentre[(r0 + r) * top + t] = j;
      }
    }
  }
  const order = Array.from({ length: n * top }, (_, p) => p).sort(
    (a, b) => (pairDist[a] as number) - (pairDist[b] as number) || a - b,
  );
  labels.fill(-1);
  for (const p of order) {
    const i = Math.floor(p / top);
    if ((labels[i] as number) >= 0) continue;
    const j = pairCentre[p] as number;
    if ((room[j] as number) <= 0) continue;
    labels[i] = j;
    room[j] = (room[j] as number) - 1;
  }
  for (let i = 0; i < n; i++) {
    if ((labels[i] as number) >= 0) continue;
    let best = -1;
    let bestDist = Infinity;
    for (let j = 0; j < k; j++) {
      if ((room[j] as number) <= 0) continue;
      const v = sqDistance(data, i, centers, j, d);
      if (v < bestDist) {
        bestDist = v;
        best = j;
      }
    }
    labels[i] = best;
    room[best] = (room[best] as number) - 1;
  }
}

/** Hamerly state: labels, upper bound on the distance to the own centre, lower bound on the second. */
interface Bounds {
  labels: Int32Array;
  upper: Float64Array;
  lower: Float64Array;
}

function fullAssign(x: Matrix, centers: Float32Array, k: number, b: Bounds): void {
  const r = nearestTwo(x.data, x.rows, x.cols, centers, k);
  b.labels.set(r.label);
  for (let i = 0; i < x.rows; i++) {
    b.upper[i] = Math.sqrt(r.best[i] as number);
    b.lower[i] = Math.sqrt(r.second[i] as number);
  }
}

/** Hamerly's E-step after the centres moved by `drift`: recompute only points whose bounds overlap. */
function boundedAssign(x: Matrix, centers: Float32Array, k: number, drift: Float64Array, b: Bounds): void {
  const { rows: n, cols: d, data } = x;
  let max1 = -1;
  let max1j = -1;
  let max2 = 0;
  for (let j = 0; j < k; j++) {
    const p = drift[j] as number;
    if (p > max1) {
      max2 = Math.max(max1, 0);
      max1 = p;
      max1j = j;
    } else if (p > max2) max2 = p;
  }
  // Half the distance from each centre to its nearest other centre: inside it, no other
  // centre can be closer. Centres against themselves: the nearest is the centre itself
  // (distance 0), the second nearest is the nearest other one; O(k) memory.
  const self = nearestTwo(centers, k, d, centers, k);
  const half = new Float64Array(k);
  for (let j = 0; j < k; j++) half[j] = k > 1 ? Math.sqrt(self.second[j] as number) / 2 : Infinity;
  const pending: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = b.labels[i] as number;
    let u = (b.upper[i] as number) + (drift[a] as number);
    const l = Math.max(0, (b.lower[i] as number) - (a === max1j ? max2 : max1));
    b.lower[i] = l;
    const bound = Math.max(l, half[a] as number);
    if (u > bound) {
      u = Math.sqrt(sqDistance(data, i, centers, a, d));
      if (u > bound) pending.push(i);
    }
    b.upper[i] = u;
  }
  if (pending.length === 0) return;
  const block = 4096;
  const buf = new Float32Array(Math.min(block, pending.length) * d);
  for (let p0 = 0; p0 < pending.length; p0 += block) {
    const m = Math.min(block, pending.length - p0);
    for (let r = 0; r < m; r++) {
      const i = pending[p0 + r] as number;
      buf.set(data.subarray(i * d, (i + 1) * d), r * d);
    }
    const res = nearestTwo(buf, m, d, centers, k);
    for (let r = 0; r < m; r++) {
      const i = pending[p0 + r] as number;
      b.labels[i] = res.label[r] as number;
      b.upper[i] = Math.sqrt(res.best[r] as number);
      b.lower[i] = Math.sqrt(res.second[r] as number);
    }
  }
}

function inertiaOf(x: Matrix, centers: Float32Array, labels: Int32Array): number {
  let s = 0;
  for (let i = 0; i < x.rows; i++) s += sqDistance(x.data, i, centers, labels[i] as number, x.cols);
  return s;
}

/** A centred copy of `x` and its column means (k-means is translation invariant). */
function centred(x: Matrix): { centred: Matrix; mean: Float64Array } {
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < d; t++) mean[t] = (mean[t] as number) + (data[i * d + t] as number);
  for (let t = 0; t < d; t++) mean[t] = (mean[t] as number) / Math.max(n, 1);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < d; t++) out[i * d + t] = (data[i * d + t] as number) - (mean[t] as number);
  return { centred: { rows: n, cols: d, data: out }, mean };
}

/**
 * k-means on the rows of `x` ([n, d]); deterministic for a given `rng` state. The data are
 * centred first so ||x||^2 - 2 x.c + ||c||^2 keeps its precision in float32 far from the origin.
 */
export function kmeans(input: Matrix, options: KMeansOptions): KMeansResult {
  const { rows: n, cols: d } = input;
  const k = options.k;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`k-means needs an integer k in [1, ${n}], got ${k}`);
  }
  const { centred: x, mean } = centred(input);
  const maxIterations = options.maxIterations ?? 300;
  const tol = (options.tolerance ?? 1e-4) * meanColumnVariance(x);
  let centers: Float32Array = kmeansPlusPlus(x, k, options.rng, options.localTrials);
  let next: Float32Array = new Float32Array(k * d);
  const means = new Float64Array(k * d);
  const sums = new Float64Array(k * d);
  const sizes = new Int32Array(k);
  const drift = new Float64Array(k);
  const bounds: Bounds = {
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: new Float64Array(n),
  };
  // Labels the sums reflect, which are also the previous iteration's labels.
  const applied = new Int32Array(n).fill(-1);
  let converged = false;
  let strict = false;
  let repaired = 0;
  let iterations = 0;
  // Balanced assignment is greedy, so the objective need not fall every iteration and labels
  // can cycle: keep the best (labels, means) pair and stop after a few iterations without a
  // relative improvement of at least `tolerance`.
  let best = { inertia: Infinity, labels: new Int32Array(0), centres: new Float32Array(0), stale: 0 };
  for (let it = 0; it < maxIterations; it++) {
    iterations = it + 1;
    if (options.balanced) balancedAssign(x, centers, k, bounds.labels);
    else if (it === 0) fullAssign(x, centers, k, bounds);
    else boundedAssign(x, centers, k, drift, bounds);
    const changed = syncClusterSums(x, bounds.labels, applied, sums, sizes);
    meansFromSums(sums, sizes, k, d, centers, means);
    if (!options.balanced) {
      repaired += relocateEmpty(x, bounds.labels, centers, means, Int32Array.from(sizes), k);
    }
    let shift = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = Math.fround(means[j * d + t] as number);
        next[j * d + t] = v;
        const diff = v - (centers[j * d + t] as number);
        s += diff * diff;
      }
      drift[j] = Math.sqrt(s);
      shift += s;
    }
    [centers, next] = [next, centers];
    options.onIteration?.(iterations, shift);
    if (options.balanced) {
      const inertia = inertiaOf(x, centers, bounds.labels);
      if (inertia < best.inertia * (1 - (options.tolerance ?? 1e-4))) {
        best = {
          inertia,
          labels: Int32Array.from(bounds.labels),
          centres: Float32Array.from(centers),
          stale: 0,
        };
      } else if (++best.stale >= 5) {
        converged = true;
        break;
      }
    }
    if (changed === 0) {
      converged = true;
      strict = true;
      break;
    }
    if (shift <= tol) {
      converged = true;
      break;
    }
  }
  if (options.balanced) {
    // The best pair found: centres are the exact means of capacity-respecting labels.
    if (best.inertia <= inertiaOf(x, centers, bounds.labels)) {
      bounds.labels.set(best.labels);
      centers = best.centres;
    }
  } else if (!strict) {
    // The last M-step moved the centres: re-assign so labels match the returned centres.
    boundedAssign(x, centers, k, drift, bounds);
  }
  const finalSizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const j = bounds.labels[i] as number;
    finalSizes[j] = (finalSizes[j] as number) + 1;
  }
  const inertia = inertiaOf(x, centers, bounds.labels);
  for (let j = 0; j < k; j++)
    for (let t = 0; t < d; t++) centers[j * d + t] = (centers[j * d + t] as number) + (mean[t] as number);
  return {
    centroids: centers,
    labels: bounds.labels,
    sizes: finalSizes,
    inertia,
    iterations,
    converged,
    emptyClustersRepaired: repaired,
  };
}
