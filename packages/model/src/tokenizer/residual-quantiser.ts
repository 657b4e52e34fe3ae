// Residual quantisation with k-means codebooks (RQ-KMeans): level l clusters what levels
// < l left unexplained, so the first token is a coarse region of the embedding space and later
// tokens refine it. Trained on the fitting rows (warm items); any row is then encoded by
// nearest centroid level by level.
import type { Rng } from '@glorank/data';
import { nearestTwo } from './blocked-distance.js';
import { type KMeansResult, kmeans } from './kmeans.js';
import type { Matrix } from './matrix.js';

export interface ResidualQuantiserOptions {
  levels: number;
  /** Codes per level requested; shrunk when there are too few rows (see `minRowsPerCode`). */
  codebookSize: number;
  rng: Rng;
  /** Each code needs this many training rows on average (default 2); fewer rows shrink k. */
  minRowsPerCode?: number;
  maxIterations?: number;
  tolerance?: number;
  balanced?: boolean;
  /** Called with a message when the codebook is shrunk. */
  onWarning?: (message: string) => void;
  /** Called after each level is trained. */
  onLevel?: (level: number, result: KMeansResult) => void;
}

export interface QuantiserLevel {
  codebookSize: number;
  /** [codebookSize, dims]. */
  centroids: Float32Array;
  iterations: number;
  converged: boolean;
  emptyClustersRepaired: number;
}

export interface ResidualQuantiser {
  dims: number;
  levels: QuantiserLevel[];
}

export interface Encoded {
  /** [rows, levels] row-major. */
  codes: Int32Array;
  /** Sum over rows of the squared residual norm after each level. */
  residualSq: Float64Array;
}

/** Codes per level for `rows` training rows: the request, or fewer with at least `minRowsPerCode` each. */
export function effectiveCodebookSize(rows: number, requested: number, minRowsPerCode = 2): number {
  return Math.max(1, Math.min(requested, Math.floor(rows / Math.max(minRowsPerCode, 1))));
}

export function trainResidualQuantiser(x: Matrix, options: ResidualQuantiserOptions): ResidualQuantiser {
  const { rows: n, cols: d } = x;
  if (n < 1) throw new RangeError('residual quantiser needs at least one training row');
  const k = effectiveCodebookSize(n, options.codebookSize, options.minRowsPerCode);
  if (k < options.codebookSize) {
    options.onWarning?.(
      `codebook shrunk from ${options.codebookSize} to ${k} codes per level: only ${n} training items ` +
        `(need at least ${options.minRowsPerCode ?? 2} per code)`,
    );
  }
  const residual: Matrix = { rows: n, cols: d, data: Float32Array.from(x.data) };
  const levels: QuantiserLevel[] = [];
  for (let l = 0; l < options.levels; l++) {
    const result = kmeans(residual, {
      k,
      rng: options.rng.fork(`level-${l}`),
      ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}),
      ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
      ...(options.balanced !== undefined ? { balanced: options.balanced } : {}),
    });
    for (let i = 0; i < n; i++) {
      const c = result.labels[i] as number;
      for (let t = 0; t < d; t++) {
        residual.data[i * d + t] =
          (residual.data[i * d + t] as number) - (result.centroids[c * d + t] as number);
      }
    }
    levels.push({
      codebookSize: k,
      centroids: result.centroids,
      iterations: result.iterations,
      converged: result.converged,
      emptyClustersRepaired: result.emptyClustersRepaired,
    });
    options.onLevel?.(l, result);
  }
  return { dims: d, levels };
}

/**
 * Encode rows level by level with nearest centroids. With balanced training, a training
 * row's own code can differ from its nearest centroid; encoding is always nearest.
 */
export function encodeResidual(q: ResidualQuantiser, x: Matrix): Encoded {
  const { rows: n, cols: d } = x;
  if (d !== q.dims) throw new RangeError(`encodeResidual: rows have ${d} dims, the quantiser ${q.dims}`);
  const L = q.levels.length;
  const codes = new Int32Array(n * L);
  const residualSq = new Float64Array(L);
  const residual = Float32Array.from(x.data);
  q.levels.forEach((level, l) => {
    const near = nearestTwo(residual, n, d, level.centroids, level.codebookSize);
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const c = near.label[i] as number;
      codes[i * L + l] = c;
      for (let t = 0; t < d; t++) {
        const v = (residual[i * d + t] as number) - (level.centroids[c * d + t] as number);
        residual[i * d + t] = v;
        sq += v * v;
      }
    }
    residualSq[l] = sq;
  });
  return { codes, residualSq };
}
