// Fusing item vectors from several sources: each source block is centred and scaled so its
// total variance over the fitting (warm) items is 1, then weighted (a weight w gives the
// block a w share of the fused variance) and concatenated. Whole-block scaling keeps each
// source's own spectrum (a dominant direction stays dominant) while no source wins by scale
// or width; PCA of the fused vectors follows.
import type { Matrix } from './matrix.js';

export interface SourceBlock {
  name: string;
  /** [items, dims] of this source. */
  vectors: Matrix;
  /** Share of the fused variance (default 1). */
  weight?: number;
}

export interface FusionBlockStats {
  name: string;
  mean: Float64Array;
  /** Multiplier applied after centring: sqrt(weight / totalVariance). */
  scale: number;
  /** Total variance of the block over the fitting rows, before scaling. */
  variance: number;
}

/** Fit each block's centring and scale on the listed rows (the warm items). */
export function fitFusion(blocks: readonly SourceBlock[], fitRows: ArrayLike<number>): FusionBlockStats[] {
  return blocks.map((b) => {
    const { cols, data } = b.vectors;
    const mean = new Float64Array(cols);
    const n = Math.max(fitRows.length, 1);
    for (let k = 0; k < fitRows.length; k++) {
      const o = (fitRows[k] as number) * cols;
      for (let t = 0; t < cols; t++) mean[t] = (mean[t] as number) + (data[o + t] as number);
    }
    for (let t = 0; t < cols; t++) mean[t] = (mean[t] as number) / n;
    let variance = 0;
    for (let k = 0; k < fitRows.length; k++) {
      const o = (fitRows[k] as number) * cols;
      for (let t = 0; t < cols; t++) variance += ((data[o + t] as number) - (mean[t] as number)) ** 2;
    }
    variance /= n;
    const weight = b.weight ?? 1;
    return { name: b.name, mean, scale: variance > 0 ? Math.sqrt(weight / variance) : 0, variance };
  });
}

/** Apply fitted stats to every row of the blocks and concatenate: [items, sum of dims]. */
export function applyFusion(blocks: readonly SourceBlock[], stats: readonly FusionBlockStats[]): Matrix {
  const rows = blocks[0]?.vectors.rows ?? 0;
  const width = blocks.reduce((s, b) => s + b.vectors.cols, 0);
  const out: Matrix = { rows, cols: width, data: new Float32Array(rows * width) };
  let offset = 0;
  blocks.forEach((b, bi) => {
    const st = stats[bi] as FusionBlockStats;
    const { cols, data } = b.vectors;
    if (b.vectors.rows !== rows)
      throw new RangeError(`fusion: block ${b.name} has ${b.vectors.rows} rows, expected ${rows}`);
    for (let i = 0; i < rows; i++) {
      for (let t = 0; t < cols; t++) {
        out.data[i * width + offset + t] =
          ((data[i * cols + t] as number) - (st.mean[t] as number)) * st.scale;
      }
    }
    offset += cols;
  });
  return out;
}
