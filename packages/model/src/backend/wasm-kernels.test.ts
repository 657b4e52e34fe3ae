import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import './register-gradients.js';
import { Rng } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { maxRelDiff, onBackend } from '../test-support/backend-compare.js';
import { asAxisSwap, expTableEntries, installWasmKernels, wasmKernelsInstalled } from './wasm-kernels.js';
import { WASM_KERNELS_BASE64 } from './wasm-kernels-binary.js';
import { wasmKernelsWat } from './wasm-kernels-source.js';

// tfjs-wasm's own kernels, kept before GloRank's are put in front of them.
let tfjsExp: tf.KernelConfig | undefined;

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  tfjsExp = tf.getKernel('Exp', 'wasm');
  installWasmKernels();
});

describe('wasm kernel module', () => {
  it('is the committed binary of the current kernel source (rebuild with scripts/build-wasm-kernels.mjs)', async () => {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('glorank-kernels.wat', wasmKernelsWat(), { simd: true });
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    parsed.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(WASM_KERNELS_BASE64);
  });

  it('is installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toContain('BatchMatMul (SIMD)');
  });
});

describe('wasm SIMD BatchMatMul', () => {
  it('multiplies a hand-worked 2x3 by 3x2 in every transpose combination', async () => {
    await tf.setBackend('wasm');
    const a = [1, 2, 3, 4, 5, 6]; // [[1,2,3],[4,5,6]]
    const b = [7, 8, 9, 10, 11, 12]; // [[7,8],[9,10],[11,12]]
    const expected = [58, 64, 139, 154];
    const at = tf.transpose(tf.tensor2d(a, [2, 3]));
    const bt = tf.transpose(tf.tensor2d(b, [3, 2]));
    const A = tf.tensor2d(a, [2, 3]);
    const B = tf.tensor2d(b, [3, 2]);
    expect(Array.from(tf.matMul(A, B).dataSync())).toEqual(expected);
    expect(Array.from(tf.matMul(at, B, true, false).dataSync())).toEqual(expected);
    expect(Array.from(tf.matMul(A, bt, false, true).dataSync())).toEqual(expected);
    expect(Array.from(tf.matMul(at, bt, true, true).dataSync())).toEqual(expected);
    tf.dispose([A, B, at, bt]);
  });

  // Odd sizes exercise every tile shape: 4-row bands and single rows, 8-, 4- and 1-wide columns.
  const shapes: [number[], number[], number, number, number][] = [
    // [outer A, outer B, m, k, n]
    [[3], [3], 7, 5, 13],
    [[2, 5], [2, 5], 70, 16, 70],
    [[1], [6], 9, 3, 11],
    [[4], [], 1, 33, 1],
    [[], [], 17, 1, 29],
    [[2, 3], [1], 6, 10, 4],
  ];
  for (const [outerA, outerB, m, k, n] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`matches cpu values and gradients: [${outerA}] x [${outerB}], m ${m} k ${k} n ${n}, transposeA ${ta} transposeB ${tb}`, async () => {
        const rng = new Rng(m * 1000 + k * 10 + n + (ta ? 1 : 0) + (tb ? 2 : 0));
        const aShape = [...outerA, ...(ta ? [k, m] : [m, k])];
        const bShape = [...outerB, ...(tb ? [n, k] : [k, n])];
        const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), m, n];
        const arrays = [
          { values: rng.normalArray(aShape.reduce((x, y) => x * y, 1)), shape: aShape },
          { values: rng.normalArray(bShape.reduce((x, y) => x * y, 1)), shape: bShape },
          { values: rng.normalArray(outShape.reduce((x, y) => x * y, 1)), shape: outShape },
        ];
        // Value, and the gradients of sum(matMul(a, b) * w) (which run transposed products).
        // tfjs's own BatchMatMul gradient rejects broadcast batches (on cpu too): values only there.
        const broadcast = outerA.join() !== outerB.join();
        const f = (A: tf.Tensor, B: tf.Tensor, W: tf.Tensor) => {
          const y = tf.matMul(A, B, ta, tb);
          if (broadcast) return [y];
          const grads = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, z, ta, tb), W)))([
            A,
            B,
          ]);
          return [y, ...grads];
        };
        const cpu = await onBackend('cpu', arrays, f);
        const wasm = await onBackend('wasm', arrays, f);
        for (let i = 0; i < cpu.length; i++)
          expect(maxRelDiff(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
      });
    }
  }
});

/** C = A x B in f32, each element summed over p in index order (what the kernel promises). */
function referenceMatMul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, ta: boolean) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? (a[p * m + i] as number) : (a[i * k + p] as number);
        acc = Math.fround(acc + Math.fround(av * (b[p * n + j] as number)));
      }
      c[i * n + j] = acc;
    }
  return c;
}

describe('wasm SIMD BatchMatMul over a long inner dimension (blocked over k)', () => {
  // n 516 and 517: blocks of 128 rows of B (k 300 = 128 + 128 + 44), with the 4-wide and the
  // scalar column tails, and m 5 = one 4-row band and one single row.
  for (const [m, k, n, ta] of [
    [5, 300, 516, false],
    [5, 300, 517, true],
    [9, 1000, 130, true],
  ] as const) {
    it(`gives the index-order f32 sums bit for bit: m ${m} k ${k} n ${n} transposeA ${ta}`, async () => {
      await tf.setBackend('wasm');
      const rng = new Rng(m + k + n);
      const a = rng.normalArray(m * k);
      const b = rng.normalArray(k * n);
      const got = tf.tidy(() =>
        tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, [k, n]), ta, false).dataSync(),
      );
      expect(Array.from(got)).toEqual(Array.from(referenceMatMul(a, b, m, k, n, ta)));
    });
  }

  it('writes zeros for an empty inner dimension', async () => {
    await tf.setBackend('wasm');
    const got = tf.tidy(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 5])).dataSync());
    expect(Array.from(got)).toEqual(new Array(15).fill(0));
  });
});

describe('wasm SIMD Sum over leading axes', () => {
  it('is installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toContain('Sum (leading axes, SIMD)');
  });

  it('sums a hand-worked 3x2 over axis 0, with and without kept dims', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(Array.from(tf.sum(x, 0).dataSync())).toEqual([9, 12]);
    expect(tf.sum(x, 0, true).shape).toEqual([1, 2]);
    tf.dispose(x);
  });

  // Each column summed from 0 in row order with f32 rounding: the bits tfjs-wasm's own
  // kernel gives after its transpose (and that of the cpu backend).
  const cases: [number[], number | number[], boolean][] = [
    [[7, 5], 0, false],
    [[6400, 131], 0, false],
    [[3, 4, 13], [0, 1], false],
    [[3, 4, 13], [1, 0], true],
    [[2, 3, 2, 3], [0, 1, 2], false],
    [[0, 6], 0, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`matches the row-order f32 sum bit for bit: [${shape}] over ${JSON.stringify(axis)}${keepDims ? ', dims kept' : ''}`, async () => {
      await tf.setBackend('wasm');
      const axes = typeof axis === 'number' ? [axis] : axis;
      const cols = shape.slice(axes.length).reduce((x, y) => x * y, 1);
      const rows = shape.slice(0, axes.length).reduce((x, y) => x * y, 1);
      const values = new Rng(rows + cols).normalArray(rows * cols);
      const expected = new Float32Array(cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          expected[c] = Math.fround((expected[c] as number) + (values[r * cols + c] as number));
      const [got, outShape] = tf.tidy(() => {
        const y = tf.sum(tf.tensor(values, shape), axis, keepDims);
        return [y.dataSync(), y.shape] as const;
      });
      expect(Array.from(got)).toEqual(Array.from(expected));
      expect(outShape).toEqual(
        shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i)),
      );
    });
  }

  it("gives the bits of tfjs-wasm's own Sum over the transposed input", async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(new Rng(11).normalArray(700 * 37), [700, 37]);
    // Summing the last axis of the transpose is tfjs's own row-sum kernel (no fast path).
    const theirs = tf.tidy(() => tf.sum(tf.transpose(x), 1).dataSync());
    const ours = tf.tidy(() => tf.sum(x, 0).dataSync());
    expect(Array.from(ours)).toEqual(Array.from(theirs));
    tf.dispose(x);
  });

  it('leaves other axes to tfjs (same values as the cpu backend)', async () => {
    const arrays = [{ values: new Rng(3).normalArray(4 * 5 * 6), shape: [4, 5, 6] }];
    const f = (x: tf.Tensor) => [tf.sum(x, 1), tf.sum(x, [0, 2]), tf.sum(x, -1, true), tf.sum(x)];
    const cpu = await onBackend('cpu', arrays, f);
    const wasm = await onBackend('wasm', arrays, f);
    for (let i = 0; i < cpu.length; i++)
      expect(maxRelDiff(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
  });
});

describe('wasm Transpose as an axis swap', () => {
  it('is installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toContain('Transpose (axis swaps)');
  });

  it('reads permutations as swaps of two axis groups (hand-worked)', () => {
    // The attention heads: [B, T, H, D] <-> [B, H, T, D].
    expect(asAxisSwap([64, 100, 4, 32], [0, 2, 1, 3])).toEqual({ outer: 64, rows: 100, cols: 4, inner: 32 });
    expect(asAxisSwap([9600, 128], [1, 0])).toEqual({ outer: 1, rows: 9600, cols: 128, inner: 1 });
    // [2, 3, 4] -> [4, 2, 3] moves the last axis in front of the merged first two.
    expect(asAxisSwap([2, 3, 4], [2, 0, 1])).toEqual({ outer: 1, rows: 6, cols: 4, inner: 1 });
    expect(asAxisSwap([5, 2, 3, 4], [0, 3, 1, 2])).toEqual({ outer: 5, rows: 6, cols: 4, inner: 1 });
    expect(asAxisSwap([2, 3, 4, 5], [1, 0, 2, 3])).toEqual({ outer: 1, rows: 2, cols: 3, inner: 20 });
    // Size-1 axes are dropped: [64, 1, 128] -> [64, 128, 1] moves nothing; [1, 5, 1, 6] swaps 5 and 6.
    expect(asAxisSwap([64, 1, 128], [0, 2, 1])).toBeNull();
    expect(asAxisSwap([1, 5, 1, 6], [3, 2, 1, 0])).toEqual({ outer: 1, rows: 5, cols: 6, inner: 1 });
    // [2, 3, 4, 5] -> [3, 4, 2, 5] swaps the first axis with the merged next two, inner block 5.
    expect(asAxisSwap([2, 3, 4, 5], [1, 2, 0, 3])).toEqual({ outer: 1, rows: 2, cols: 12, inner: 5 });
    // Not one swap: full reversal of three live axes, and a four-way shuffle.
    expect(asAxisSwap([2, 3, 4], [2, 1, 0])).toBeNull();
    expect(asAxisSwap([2, 3, 4, 5], [2, 0, 3, 1])).toBeNull();
  });

  // Every permutation of rank 2 to 4 over odd sizes (inner blocks of 1, 3, 5 and 8 elements),
  // both 4-byte dtypes: pure data movement, so bit for bit the cpu backend's.
  const permutations = (n: number): number[][] =>
    n === 1
      ? [[0]]
      : permutations(n - 1).flatMap((p) =>
          Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
        );
  for (const shape of [
    [7, 5],
    [3, 1, 5],
    [2, 3, 5],
    [2, 4, 3, 8],
    [3, 1, 2, 5],
  ]) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`matches the cpu backend for every permutation of [${shape}] (${dtype})`, async () => {
        const n = shape.reduce((x, y) => x * y, 1);
        const values = Float32Array.from(new Rng(n).normalArray(n), (v) =>
          dtype === 'int32' ? Math.round(v * 1000) : v,
        );
        for (const perm of permutations(shape.length)) {
          const run = async (backend: string) => {
            await tf.setBackend(backend);
            return tf.tidy(() => Array.from(tf.transpose(tf.tensor(values, shape, dtype), perm).dataSync()));
          };
          expect(await run('wasm'), `perm ${perm}`).toEqual(await run('cpu'));
        }
      });
    }
  }
});

describe('wasm Exp', () => {
  it('is installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toContain('Exp');
    expect(tf.getKernel('Exp', 'wasm')).not.toBe(tfjsExp);
  });

  it('has the table of 2^(i/32): sqrt(2) (correctly rounded by Math.sqrt) at 16, 1 at 0, all within an ulp of Math.pow', () => {
    const f64 = new Float64Array(1);
    const u64 = new BigUint64Array(f64.buffer);
    const value = (i: number) => {
      u64[0] = (expTableEntries()[i] as bigint) + (BigInt(i) << 47n);
      return f64[0] as number;
    };
    expect(value(0)).toBe(1);
    expect(value(16)).toBe(Math.SQRT2);
    for (let i = 0; i < 32; i++) expect(Math.abs(value(i) - 2 ** (i / 32))).toBeLessThanOrEqual(2 ** -52);
  });

  it("gives the bits of tfjs-wasm's own Exp on a million inputs, special values and thresholds included", async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(2026);
    const special = [
      0,
      -0,
      1,
      -1,
      Number.NaN,
      Infinity,
      -Infinity,
      1e-45,
      -1e-45,
      88.72283,
      88.72284,
      88.0,
      -87.33655,
      -103.97207,
      -103.97208,
      -1e9,
      1e9,
      3.4e38,
      -3.4e38,
    ];
    const n = 1 << 20;
    const values = new Float32Array(n);
    values.set(special);
    for (let i = special.length; i < n; i++) {
      const scale = [0.01, 1, 20, 110, 1e9][i % 5] as number;
      values[i] = (2 * rng.next() - 1) * scale;
    }
    const x = tf.tensor1d(values);
    const backend = tf.backend() as unknown as {
      readSync(id: object): Float32Array;
      disposeData(id: object): void;
    };
    const theirs = (tfjsExp as tf.KernelConfig).kernelFunc({
      inputs: { x },
      backend: tf.backend(),
      attrs: {},
    }) as tf.TensorInfo;
    const expected = new Uint32Array(Float32Array.from(backend.readSync(theirs.dataId)).buffer);
    backend.disposeData(theirs.dataId);
    const got = new Uint32Array(tf.exp(x).dataSync().buffer.slice(0));
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (got[i] !== expected[i]) mismatches++;
    expect(mismatches).toBe(0);
    x.dispose();
  });
});

describe('wasm Equal against a broadcast row', () => {
  it('is installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toContain('Equal (row broadcast)');
  });

  it("compares a hand-worked 2x3 with its rows' values, either order, f32 and i32", async () => {
    await tf.setBackend('wasm');
    for (const dtype of ['float32', 'int32'] as const) {
      const a = tf.tensor2d([1, 5, 5, 2, 2, 7], [2, 3], dtype);
      const b = tf.tensor2d([5, 2], [2, 1], dtype);
      expect(Array.from(tf.equal(a, b).dataSync())).toEqual([0, 1, 1, 1, 1, 0]);
      expect(Array.from(tf.equal(b, a).dataSync())).toEqual([0, 1, 1, 1, 1, 0]);
      expect(tf.equal(a, b).dtype).toBe('bool');
      tf.dispose([a, b]);
    }
  });

  it('matches the cpu backend on the max gradient and on NaN, -0 and other shapes', async () => {
    const values = new Rng(9)
      .normalArray(6 * 5 * 7)
      .map((v, i) => (i % 11 === 0 ? Number.NaN : i % 13 === 0 ? -0 : v));
    const arrays = [{ values: Float32Array.from(values), shape: [6, 5, 7] }];
    const f = (x: tf.Tensor) => [
      tf.cast(tf.equal(x, tf.max(x, 2, true)), 'float32'),
      tf.cast(tf.equal(tf.zeros([6, 5, 1]), x), 'float32'),
      tf.cast(tf.equal(x, tf.max(x, 1, true)), 'float32'), // [6, 1, 7]: not a row broadcast
      tf.grad((y: tf.Tensor) => tf.sum(tf.max(y, 2)))(x),
    ];
    const cpu = await onBackend('cpu', arrays, f);
    const wasm = await onBackend('wasm', arrays, f);
    for (let i = 0; i < cpu.length; i++)
      expect(Array.from(wasm[i] as Float32Array)).toEqual(Array.from(cpu[i] as Float32Array));
  });
});

describe('wasm Concat and Tile as block copies', () => {
  it('are installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toEqual(
      expect.arrayContaining(['Concat (block copies)', 'Tile (one axis, block copies)']),
    );
  });

  it('concatenate and tile hand-worked matrices', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor2d([5, 6], [2, 1]);
    expect(tf.concat([a, b], 1).arraySync()).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    expect(tf.concat([a, tf.transpose(b)], 0).arraySync()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(tf.tile(b, [1, 3]).arraySync()).toEqual([
      [5, 5, 5],
      [6, 6, 6],
    ]);
    expect(tf.tile(b, [2, 1]).arraySync()).toEqual([[5], [6], [5], [6]]);
    tf.dispose([a, b]);
  });

  // Pure data movement: bit for bit the cpu backend's, on every axis, with empty parts,
  // three inputs, both 4-byte dtypes, and tiles along each axis and (tfjs's path) along two.
  for (const dtype of ['float32', 'int32'] as const) {
    it(`match the cpu backend on every axis (${dtype})`, async () => {
      const rng = new Rng(dtype === 'int32' ? 2 : 1);
      const make = (shape: number[]) => {
        const n = shape.reduce((x, y) => x * y, 1);
        return {
          values: Float32Array.from(rng.normalArray(n), (v) => (dtype === 'int32' ? Math.round(v * 50) : v)),
          shape,
        };
      };
      const arrays = [make([3, 5, 7]), make([3, 5, 2]), make([3, 1, 7]), make([2, 5, 7]), make([3, 5, 0])];
      const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor, w: tf.Tensor, e: tf.Tensor) => {
        const [X, Y, Z, W, E] = [x, y, z, w, e].map((t) => tf.cast(t, dtype)) as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        return [
          tf.concat([X, Y, X], 2),
          tf.concat([X, Z], 1),
          tf.concat([X, W], 0),
          tf.concat([X, E, Y], 2),
          tf.tile(X, [2, 1, 1]),
          tf.tile(X, [1, 3, 1]),
          tf.tile(Z, [1, 1, 4]),
          tf.tile(Z, [2, 3, 1]),
        ].map((t) => tf.cast(t, 'float32'));
      };
      const cpu = await onBackend('cpu', arrays, f);
      const wasm = await onBackend('wasm', arrays, f);
      for (let i = 0; i < cpu.length; i++)
        expect(Array.from(wasm[i] as Float32Array), `output ${i}`).toEqual(
          Array.from(cpu[i] as Float32Array),
        );
    });
  }
});
