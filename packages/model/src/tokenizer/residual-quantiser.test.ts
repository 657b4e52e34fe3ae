import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import type { Matrix } from './matrix.js';
import { effectiveCodebookSize, encodeResidual, trainResidualQuantiser } from './residual-quantiser.js';
import { assignSemanticIds } from './semantic-ids.js';

describe('residual quantiser', () => {
  it('peels a coarse structure at level 1 and a fine one at level 2', () => {
    // x = A[a] + B[b]: 4 coarse centres 100 apart, 4 fine offsets 1 apart, 20 points per (a, b).
    const rng = new Rng(1);
    const coarse = [
      [0, 0],
      [100, 0],
      [0, 100],
      [100, 100],
    ];
    const fine = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const rows: number[] = [];
    const truth: [number, number][] = [];
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        for (let r = 0; r < 20; r++) {
          rows.push(
            (coarse[a]?.[0] ?? 0) + (fine[b]?.[0] ?? 0) + rng.normal() * 0.01,
            (coarse[a]?.[1] ?? 0) + (fine[b]?.[1] ?? 0) + rng.normal() * 0.01,
          );
          truth.push([a, b]);
        }
      }
    }
    const x: Matrix = { rows: truth.length, cols: 2, data: Float32Array.from(rows) };
    const q = trainResidualQuantiser(x, { levels: 2, codebookSize: 4, rng: new Rng(2) });
    const enc = encodeResidual(q, x);
    // Each (a, b) cell maps to one code pair, and distinct cells to distinct pairs.
    const cellToCode = new Map<string, string>();
    truth.forEach(([a, b], i) => {
      const code = `${enc.codes[i * 2]},${enc.codes[i * 2 + 1]}`;
      const cell = `${a},${b}`;
      expect(cellToCode.get(cell) ?? code).toBe(code);
      cellToCode.set(cell, code);
    });
    expect(new Set(cellToCode.values()).size).toBe(16);
    // Level 1 leaves only the fine offsets (variance 0.25 per axis); level 2 leaves the noise.
    expect((enc.residualSq[0] as number) / x.rows).toBeCloseTo(0.5, 1);
    expect((enc.residualSq[1] as number) / x.rows).toBeLessThan(1e-3);
  });

  it('shrinks the codebook to at least two training rows per code', () => {
    expect(effectiveCodebookSize(1000, 256)).toBe(256);
    expect(effectiveCodebookSize(300, 256)).toBe(150);
    expect(effectiveCodebookSize(3, 256)).toBe(1);
    const warnings: string[] = [];
    const x: Matrix = { rows: 10, cols: 1, data: Float32Array.from({ length: 10 }, (_, i) => i) };
    const q = trainResidualQuantiser(x, {
      levels: 1,
      codebookSize: 256,
      rng: new Rng(1),
      onWarning: (w) => warnings.push(w),
    });
    expect(q.levels[0]?.codebookSize).toBe(5);
    expect(warnings).toEqual([
      'codebook shrunk from 256 to 5 codes per level: only 10 training items (need at least 2 per code)',
    ]);
  });
});

describe('semantic IDs', () => {
  it('hand-worked collisions get ranks in item order on an extra level', () => {
    const codes = Int32Array.from([0, 1, 0, 1, 2, 3, 0, 1, 2, 4]);
    const ids = assignSemanticIds(codes, 5, 2, [3, 5]);
    expect(ids.levels).toBe(3);
    expect(Array.from(ids.codes)).toEqual([0, 1, 0, 0, 1, 1, 2, 3, 0, 0, 1, 2, 2, 4, 0]);
    expect(ids.codebookSizes).toEqual([3, 5, 3]);
    expect(ids.collisionRate).toBeCloseTo(3 / 5, 12);
    expect(ids.collidingItems).toBe(3);
    expect(ids.distinctCodes).toBe(3);
    expect(ids.largestCollisionGroup).toBe(3);
  });

  it('adds no level without collisions unless asked to', () => {
    const codes = Int32Array.from([0, 1, 2]);
    const auto = assignSemanticIds(codes, 3, 1, [3]);
    expect(auto.levels).toBe(1);
    expect(auto.disambiguationLevel).toBe(false);
    expect(auto.collisionRate).toBe(0);
    const always = assignSemanticIds(codes, 3, 1, [3], 'always');
    expect(Array.from(always.codes)).toEqual([0, 0, 1, 0, 2, 0]);
    expect(always.codebookSizes).toEqual([3, 1]);
  });
});
