// GloRank's own kernels on the tfjs wasm backend. tfjs-wasm sends every batched or
// transposed matmul to a generic C++ loop (about 1 GMAC/s here; only untransposed batch-1
// products reach XNNPACK), and attention is nothing but such products. The kernels here are
// WebAssembly SIMD (wasm-kernels-source.ts) instantiated against the backend's own memory,
// so they read inputs and write outputs in place on the wasm heap.
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  backend_util,
  broadcast_util,
  Concat,
  type ConcatAttrs,
  Equal,
  Exp,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  Sum,
  type SumAttrs,
  type TensorInfo,
  Tile,
  type TileAttrs,
  Transpose,
  type TransposeAttrs,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';
import { WASM_KERNELS_BASE64 } from './wasm-kernels-binary.js';
import { installWasmSlices, wasmSlicesInstalled } from './wasm-slice.js';

// The lib settings (ES2023, Node types) do not declare WebAssembly; the members used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The parts of tfjs-wasm's BackendWasm the kernels use. */
interface WasmBackendLike {
  wasm: { asm?: { memory?: WasmMemory }; _malloc(bytes: number): number; _free(ptr: number): void };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  getMemoryOffset(dataId: object): number;
}

/** bmm's operands (see wasm-kernels-source.ts), all but the inner-dimension block kb. */
type BmmArgs = [
  a: number,
  b: number,
  c: number,
  batch: number,
  sab: number,
  sbb: number,
  m: number,
  k: number,
  n: number,
  sai: number,
  sap: number,
  ldb: number,
];

interface KernelExports {
  bmm(...args: [...BmmArgs, kb: number]): void;
  transpose(src: number, dst: number, batch: number, rows: number, cols: number): void;
  colsum(x: number, out: number, rows: number, cols: number): void;
  swapAxes(src: number, dst: number, outer: number, rows: number, cols: number, inner: number): void;
  expf(x: number, out: number, n: number, tab: number): void;
  equalRows(a: number, b: number, out: number, rows: number, cols: number, isInt: number): void;
  segsum(x: number, ids: number, out: number, n: number, segs: number, row: number, isInt: number): void;
  copyBlocks(
    src: number,
    dst: number,
    blocks: number,
    bytes: number,
    srcStride: number,
    dstStride: number,
  ): void;
  softmax(
    p: number,
    batch: number,
    heads: number,
    rows: number,
    cols: number,
    mask: number,
    mbs: number,
    mrs: number,
    hasMask: number,
  ): void;
  softmaxGrad(y: number, d: number, rows: number, cols: number): void;
  layerNorm(
    x: number,
    gamma: number,
    beta: number,
    out: number,
    mean: number,
    rstd: number,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  layerNormGrad(
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    rstd: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    rows: number,
    cols: number,
  ): void;
  adam(
    p: number,
    m: number,
    v: number,
    g0: number,
    n: number,
    scale: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    lrT: number,
    eps: number,
    wd: number,
    hasWd: number,
    pOut: number,
    mOut: number,
    vOut: number,
  ): void;
}

/**
 * expf's table: entry i is the bits of 2^(i/32), correctly rounded, minus i << 47 (so adding
 * k << 47 for k = 32 q + i scales it by 2^q). The mantissa is the nearest integer to the
 * 32nd root of 2^(52 * 32 + i), found exactly in integers: about 7 ms, so on first use rather
 * than whenever the package is imported.
 */
let expTableCache: readonly bigint[] | null = null;
export function expTableEntries(): readonly bigint[] {
  expTableCache ??= Array.from({ length: 32 }, (_, i) => {
    const x = 1n << BigInt(52 * 32 + i);
    let lo = 1n << 52n;
    let hi = 1n << 53n;
    while (hi - lo > 1n) {
      const mid = (lo + hi) >> 1n;
      if (mid ** 32n <= x) lo = mid;
      else hi = mid;
    }
    // Round to nearest: the root is above lo + 1/2 when (2 lo + 1)^32 <= 2^32 x.
    const mantissa = (2n * lo + 1n) ** 32n <= x << 32n ? lo + 1n : lo;
    return (0x3ffn << 52n) + mantissa - (1n << 52n) - (BigInt(i) << 47n);
  });
  return expTableCache;
}

/** One instance per backend (per wasm memory), with a scratch block on that backend's heap. */
class KernelInstance {
  private scratchPtr = 0;
  private scratchBytes = 0;
  private expTablePtr = 0;

  constructor(
    readonly exports: KernelExports,
    private readonly backend: WasmBackendLike,
  ) {}

  /** expf's table of 2^(i/32) on this backend's heap, written on first use. */
  expTable(): number {
    if (this.expTablePtr === 0) {
      const table = expTableEntries();
      const ptr = this.backend.wasm._malloc(8 * table.length) >>> 0;
      if (ptr === 0) throw new Error('wasm kernels: cannot allocate the exp table');
      const heap = (this.backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
      new BigUint64Array(heap, ptr, table.length).set(table);
      this.expTablePtr = ptr;
    }
    return this.expTablePtr;
  }

  /** A heap block of at least `bytes`, valid until the next call (kernels are synchronous). */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchPtr !== 0) this.backend.wasm._free(this.scratchPtr);
      // Grow geometrically so a slowly growing shape does not reallocate every step.
      const size = Math.max(bytes, Math.ceil(this.scratchBytes * 1.5));
      this.scratchPtr = this.backend.wasm._malloc(size) >>> 0;
      if (this.scratchPtr === 0) throw new Error(`wasm kernels: cannot allocate ${size} bytes of scratch`);
      this.scratchBytes = size;
    }
    return this.scratchPtr;
  }
}

let compiled: object | null = null;
const instances = new WeakMap<object, KernelInstance | null>();

/** The kernels bound to this backend's memory, or null when that memory is not reachable. */
function kernelsFor(backend: WasmBackendLike): KernelInstance | null {
  const known = instances.get(backend);
  if (known !== undefined) return known;
  let inst: KernelInstance | null = null;
  const memory = backend.wasm?.asm?.memory;
  // The threaded build's memory is shared; the module imports an unshared one.
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory?.buffer instanceof SharedArrayBuffer;
  if (wasmApi !== undefined && memory !== undefined && !shared) {
    compiled ??= new wasmApi.Module(Buffer.from(WASM_KERNELS_BASE64, 'base64'));
    const instance = new wasmApi.Instance(compiled, { env: { memory } });
    inst = new KernelInstance(instance.exports as unknown as KernelExports, backend);
  }
  instances.set(backend, inst);
  return inst;
}

/**
 * Rows of B per block of the inner dimension. Products with a long inner dimension (the
 * weight gradients, k = batch x tokens) otherwise stream all of B past every tile of C, from
 * L3 rather than L2: blocks of about 64 KB of B (at least 128 rows, since each block reloads
 * C) made [6400,128]^T x [6400,128] about 25% faster here. Short inner dimensions stay whole.
 */
const BLOCK_BYTES = 65536;
function innerBlock(k: number, n: number): number {
  const kb = Math.max(128, Math.floor(BLOCK_BYTES / (4 * Math.max(n, 1))));
  return k <= 2 * kb ? Math.max(k, 1) : kb;
}

/** kernels.exports.bmm with the inner-dimension block chosen for k and n. */
function bmm(kern: KernelInstance, ...args: BmmArgs): void {
  kern.exports.bmm(...args, innerBlock(args[7], args[8]));
}

/**
 * BatchMatMul on the heap: every transpose combination, batch dims equal or one side 1.
 * Returns null for what it does not cover (the caller then runs tfjs's kernel).
 */
function batchMatMul(
  a: TensorInfo,
  b: TensorInfo,
  attrs: BatchMatMulAttrs,
  backend: WasmBackendLike,
): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  const { transposeA, transposeB } = attrs;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
  const kb = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  util.assert(
    k === kb,
    () => `matMul: inner dimensions ${k} and ${kb} of shapes ${a.shape} and ${b.shape} differ`,
  );
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = util.sizeFromShape(outer);
  // Only whole-operand broadcasting (equal batches, or one side a single matrix).
  if (!(batchA === batchB || batchA === 1 || batchB === 1)) return null;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  if (batch * m * n === 0) return out;
  const aPtr = backend.getMemoryOffset(a.dataId);
  let bPtr = backend.getMemoryOffset(b.dataId);
  const cPtr = backend.getMemoryOffset(out.dataId);
  if (transposeB) {
    // B is stored [n, k]; the tile kernel wants rows of B along n, so transpose into scratch.
    const t = kernels.scratch(batchB * k * n * 4);
    kernels.exports.transpose(bPtr, t, batchB, n, k);
    bPtr = t;
  }
  const sab = batchA === 1 ? 0 : m * k * 4;
  const sbb = batchB === 1 ? 0 : k * n * 4;
  // A stored [m, k]: row stride k, inner stride 1; stored [k, m] (transposeA): 1 and m.
  const sai = transposeA ? 4 : k * 4;
  const sap = transposeA ? m * 4 : 4;
  bmm(kernels, aPtr, bPtr, cPtr, batch, sab, sbb, m, k, n, sai, sap, n * 4);
  return out;
}

/**
 * Sum over leading axes (the bias gradients: [tokens, dim] summed over tokens) on the heap.
 * tfjs-wasm transposes the whole input to bring those axes innermost and then sums each
 * row; this sums the columns in place, in the same order. Returns null for other axes.
 */
function sumLeadingAxes(x: TensorInfo, attrs: SumAttrs, backend: WasmBackendLike): TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  // Exactly 0..r-1 for some r < rank (reducing every axis is a plain row sum already).
  if (axes.length === 0 || axes.length >= rank || axes.some((axis, i) => axis !== i)) return null;
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = util.sizeFromShape(x.shape.slice(axes.length));
  const kept = x.shape.slice(axes.length);
  const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept;
  const out = backend.makeOutput(shape, 'float32');
  if (cols === 0) return out;
  kernels.exports.colsum(backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), rows, cols);
  return out;
}

/**
 * A permutation as one swap of two adjacent axis groups, [outer, rows, cols, inner] ->
 * [outer, cols, rows, inner], after dropping size-1 axes and merging axes that stay
 * together; null when it is not one (or moves nothing).
 */
export function asAxisSwap(
  shape: readonly number[],
  perm: readonly number[],
): { outer: number; rows: number; cols: number; inner: number } | null {
  // Size-1 axes move nothing: drop them and number the others in input order.
  const live = shape.map((_, axis) => axis).filter((axis) => shape[axis] !== 1);
  const kept = perm.filter((axis) => shape[axis] !== 1).map((axis) => live.indexOf(axis));
  // Output axes that read consecutive input axes form one group.
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    if (last !== undefined && (last[last.length - 1] as number) + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const sizes = groups.map((group) =>
    group.reduce((n, axis) => n * (shape[live[axis] as number] as number), 1),
  );
  // order[j]: which input group (in input order) is output group j; sz[i]: input group i's size.
  const firsts = groups.map((group) => group[0] as number);
  const sorted = [...firsts].sort((x, y) => x - y);
  const order = firsts.map((first) => sorted.indexOf(first)).join();
  const sz = (i: number) => sizes[firsts.indexOf(sorted[i] as number)] as number;
  if (order === '1,0') return { outer: 1, rows: sz(0), cols: sz(1), inner: 1 };
  if (order === '0,2,1') return { outer: sz(0), rows: sz(1), cols: sz(2), inner: 1 };
  if (order === '1,0,2') return { outer: 1, rows: sz(0), cols: sz(1), inner: sz(2) };
  if (order === '0,2,1,3') return { outer: sz(0), rows: sz(1), cols: sz(2), inner: sz(3) };
  return null;
}

/** Transpose as an axis swap on the heap (4-byte dtypes); null for other permutations. */
function transposeSwap(x: TensorInfo, attrs: TransposeAttrs, backend: WasmBackendLike): TensorInfo | null {
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return null;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  const swap = asAxisSwap(x.shape, attrs.perm);
  if (swap === null) return null;
  const out = backend.makeOutput(
    attrs.perm.map((axis) => x.shape[axis] as number),
    x.dtype,
  );
  if (util.sizeFromShape(x.shape) === 0) return out;
  const src = backend.getMemoryOffset(x.dataId);
  const dst = backend.getMemoryOffset(out.dataId);
  const { outer, rows, cols, inner } = swap;
  if (inner === 1) kernels.exports.transpose(src, dst, outer, rows, cols);
  else kernels.exports.swapAxes(src, dst, outer, rows, cols, inner);
  return out;
}

/** Exp of a float32 tensor on the heap, the bits of tfjs-wasm's own kernel. */
function expF32(x: TensorInfo, backend: WasmBackendLike): TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  const out = backend.makeOutput([...x.shape], 'float32');
  const n = util.sizeFromShape(x.shape);
  if (n > 0)
    kernels.exports.expf(
      backend.getMemoryOffset(x.dataId),
      backend.getMemoryOffset(out.dataId),
      n,
      kernels.expTable(),
    );
  return out;
}

/** Equal of [..., n] against [..., 1] (either order, same leading dims); null otherwise. */
function equalRows(a: TensorInfo, b: TensorInfo, backend: WasmBackendLike): TensorInfo | null {
  if (a.dtype !== b.dtype || (a.dtype !== 'float32' && a.dtype !== 'int32')) return null;
  const rank = a.shape.length;
  if (rank === 0 || b.shape.length !== rank || a.shape.slice(0, -1).some((d, i) => d !== b.shape[i]))
    return null;
  const [full, row] = b.shape[rank - 1] === 1 ? [a, b] : a.shape[rank - 1] === 1 ? [b, a] : [null, null];
  if (full === null || row === null || full.shape[rank - 1] === 1) return null;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  const out = backend.makeOutput([...full.shape], 'bool');
  const cols = full.shape[rank - 1] as number;
  const rows = util.sizeFromShape(full.shape) / cols;
  if (rows > 0)
    kernels.exports.equalRows(
      backend.getMemoryOffset(full.dataId),
      backend.getMemoryOffset(row.dataId),
      backend.getMemoryOffset(out.dataId),
      rows,
      cols,
      full.dtype === 'int32' ? 1 : 0,
    );
  return out;
}

/**
 * UnsortedSegmentSum on the heap (tfjs-wasm has none; wasm-segment-sum.ts registers the
 * kernel and calls this first): out [segs, ...row] from x [n, ...row] and int32 ids [n].
 * Returns null when the kernels are not reachable on this backend.
 */
export function segmentSumOnHeap(
  x: TensorInfo,
  ids: TensorInfo,
  numSegments: number,
  backend: unknown,
): TensorInfo | null {
  const be = backend as WasmBackendLike;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || ids.dtype !== 'int32') return null;
  const kernels = kernelsFor(be);
  if (kernels === null) return null;
  const n = util.sizeFromShape(ids.shape);
  const rowShape = x.shape.slice(ids.shape.length);
  const out = be.makeOutput([numSegments, ...rowShape], x.dtype);
  kernels.exports.segsum(
    be.getMemoryOffset(x.dataId),
    be.getMemoryOffset(ids.dataId),
    be.getMemoryOffset(out.dataId),
    n,
    numSegments,
    util.sizeFromShape(rowShape),
    x.dtype === 'int32' ? 1 : 0,
  );
  return out;
}

/** Concat of float32 or int32 tensors along any axis as block copies; null for other dtypes. */
function concatBlocks(
  inputs: TensorInfo[],
  axisParam: number | number[],
  backend: WasmBackendLike,
): TensorInfo | null {
  const first = inputs[0];
  if (first === undefined || (first.dtype !== 'float32' && first.dtype !== 'int32')) return null;
  if (inputs.some((t) => t.dtype !== first.dtype)) return null;
  const axis = util.parseAxisParam(axisParam, first.shape)[0] as number;
  const parts = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  // One non-empty input is tfjs's identity (no copy): leave it to tfjs.
  if (parts.length < 2) return null;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const out = backend.makeOutput(
    backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    ),
    first.dtype,
  );
  const blocks = util.sizeFromShape(first.shape.slice(0, axis));
  const inner = parts.map((t) => util.sizeFromShape(t.shape.slice(axis)));
  const total = inner.reduce((a, b) => a + b, 0);
  let dst = backend.getMemoryOffset(out.dataId);
  parts.forEach((t, i) => {
    const bytes = 4 * (inner[i] as number);
    kernels.exports.copyBlocks(backend.getMemoryOffset(t.dataId), dst, blocks, bytes, bytes, 4 * total);
    dst += bytes;
  });
  return out;
}

/** Tile of a float32 or int32 tensor repeated along one axis only; null otherwise. */
function tileOneAxis(x: TensorInfo, reps: number[], backend: WasmBackendLike): TensorInfo | null {
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || reps.length !== x.shape.length) return null;
  const axes = reps.flatMap((r, axis) => (r === 1 ? [] : [axis]));
  if (axes.length !== 1) return null;
  const axis = axes[0] as number;
  const times = reps[axis] as number;
  const kernels = kernelsFor(backend);
  if (kernels === null) return null;
  const out = backend.makeOutput(
    x.shape.map((d, i) => d * (reps[i] as number)),
    x.dtype,
  );
  // Each block (from this axis inward) is written `times` times in a row.
  const blocks = util.sizeFromShape(x.shape.slice(0, axis));
  const bytes = 4 * util.sizeFromShape(x.shape.slice(axis));
  if (blocks * bytes * times === 0) return out;
  const src = backend.getMemoryOffset(x.dataId);
  const dst = backend.getMemoryOffset(out.dataId);
  for (let k = 0; k < times; k++)
    kernels.exports.copyBlocks(src, dst + k * bytes, blocks, bytes, bytes, bytes * times);
  return out;
}

/** Kernel names of the fused ops (called through the engine by nn/fused.ts). */
export const FUSED_ATTENTION = 'GlorankAttention';
export const FUSED_ATTENTION_GRAD = 'GlorankAttentionGrad';
export const FUSED_LAYER_NORM = 'GlorankLayerNorm';
export const FUSED_LAYER_NORM_GRAD = 'GlorankLayerNormGrad';
export const FUSED_ADAM = 'GlorankAdam';

/** Attributes of the fused Adam update (each used as the f32 the tfjs ops would round it to). */
export interface AdamKernelAttrs {
  b1: number;
  b2: number;
  lrT: number;
  eps: number;
  /** lr x weight decay, or 0 for no decay. */
  wd: number;
}

/** [B, H, T, D] dims of a rank-4 tensor. */
function dims4(t: TensorInfo): [number, number, number, number] {
  return t.shape as [number, number, number, number];
}

/**
 * Attention core: q [B, H, Tq, D] (already scaled), k and v [B, H, Tk, D], optional additive
 * mask [B or 1, Tq or 1, Tk], optional kT = k transposed [B, H, D, Tk] (keys reused across
 * calls). Outputs the context [B, H, Tq, D] and the probabilities [B, H, Tq, Tk] (saved for
 * the gradient).
 */
const attentionKernel: KernelFunc = ({ inputs, backend: b }) => {
  const backend = b as unknown as WasmBackendLike;
  const kern = kernelsFor(backend);
  if (kern === null)
    throw new Error(`${FUSED_ATTENTION}: the wasm kernels are not available on this backend`);
  const { q, k, v, mask, kT } = inputs as {
    q: TensorInfo;
    k: TensorInfo;
    v: TensorInfo;
    mask?: TensorInfo;
    kT?: TensorInfo;
  };
  const [B, H, Tq, D] = dims4(q);
  const Tk = dims4(k)[2];
  const ctx = backend.makeOutput([B, H, Tq, D], 'float32');
  const probs = backend.makeOutput([B, H, Tq, Tk], 'float32');
  const BH = B * H;
  if (BH * Tq * Tk === 0) return [ctx, probs];
  const off = (t: TensorInfo) => backend.getMemoryOffset(t.dataId);
  const pPtr = off(probs);
  // bmm wants B's rows along n = Tk, so k is read transposed: the caller's copy when it
  // keeps one (a decoding step has one query, and transposing every key was most of the
  // call), else transposed into scratch here. Same layout either way, so the same sums.
  let kTPtr: number;
  if (kT !== undefined) kTPtr = off(kT);
  else {
    kTPtr = kern.scratch(BH * D * Tk * 4);
    kern.exports.transpose(off(k), kTPtr, BH, Tk, D);
  }
  bmm(kern, off(q), kTPtr, pPtr, BH, Tq * D * 4, D * Tk * 4, Tq, D, Tk, D * 4, 4, Tk * 4);
  if (mask !== undefined) {
    const [mB, mQ] = mask.shape as [number, number, number];
    kern.exports.softmax(
      pPtr,
      BH,
      H,
      Tq,
      Tk,
      off(mask),
      mB === 1 ? 0 : mQ * Tk * 4,
      mQ === 1 ? 0 : Tk * 4,
      1,
    );
  } else {
    kern.exports.softmax(pPtr, BH, H, Tq, Tk, 0, 0, 0, 0);
  }
  bmm(kern, pPtr, off(v), off(ctx), BH, Tq * Tk * 4, Tk * D * 4, Tq, Tk, D, Tk * 4, 4, D * 4);
  return [ctx, probs];
};

/** Gradient of the attention core: dq, dk, dv from dctx and the saved q, k, v, probabilities. */
const attentionGradKernel: KernelFunc = ({ inputs, backend: b }) => {
  const backend = b as unknown as WasmBackendLike;
  const kern = kernelsFor(backend);
  if (kern === null)
    throw new Error(`${FUSED_ATTENTION_GRAD}: the wasm kernels are not available on this backend`);
  const { dy, q, k, v, probs } = inputs as Record<'dy' | 'q' | 'k' | 'v' | 'probs', TensorInfo>;
  const [B, H, Tq, D] = dims4(q);
  const Tk = dims4(k)[2];
  const dq = backend.makeOutput([B, H, Tq, D], 'float32');
  const dk = backend.makeOutput([B, H, Tk, D], 'float32');
  const dv = backend.makeOutput([B, H, Tk, D], 'float32');
  const BH = B * H;
  if (BH * Tq * Tk * D === 0) {
    for (const t of [dq, dk, dv]) {
      const n = util.sizeFromShape(t.shape);
      if (n > 0)
        new Float32Array(
          (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer,
          backend.getMemoryOffset(t.dataId),
          n,
        ).fill(0);
    }
    return [dq, dk, dv];
  }
  const off = (t: TensorInfo) => backend.getMemoryOffset(t.dataId);
  // Scratch: v transposed [BH, D, Tk], then dP [BH, Tq, Tk] (turned into dScores in place).
  const vT = kern.scratch((BH * D * Tk + BH * Tq * Tk) * 4);
  const dP = vT + BH * D * Tk * 4;
  const pPtr = off(probs);
  kern.exports.transpose(off(v), vT, BH, Tk, D);
  bmm(kern, off(dy), vT, dP, BH, Tq * D * 4, D * Tk * 4, Tq, D, Tk, D * 4, 4, Tk * 4);
  // dv = P^T dy: A = P read transposed (row stride 4 bytes, inner stride Tk * 4).
  bmm(kern, pPtr, off(dy), off(dv), BH, Tq * Tk * 4, Tq * D * 4, Tk, Tq, D, 4, Tk * 4, D * 4);
  kern.exports.softmaxGrad(pPtr, dP, BH * Tq, Tk);
  bmm(kern, dP, off(k), off(dq), BH, Tq * Tk * 4, Tk * D * 4, Tq, Tk, D, Tk * 4, 4, D * 4);
  bmm(kern, dP, off(q), off(dk), BH, Tq * Tk * 4, Tq * D * 4, Tk, Tq, D, 4, Tk * 4, D * 4);
  return [dq, dk, dv];
};

/** Layer norm over the last axis: outputs y, and per-row mean and 1/std (saved for the gradient). */
const layerNormKernel: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as unknown as WasmBackendLike;
  const kern = kernelsFor(backend);
  if (kern === null)
    throw new Error(`${FUSED_LAYER_NORM}: the wasm kernels are not available on this backend`);
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', TensorInfo>;
  const { eps } = attrs as unknown as { eps: number };
  const cols = x.shape[x.shape.length - 1] as number;
  const rows = util.sizeFromShape(x.shape) / Math.max(cols, 1);
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  if (rows * cols === 0) return [y, mean, rstd];
  const off = (t: TensorInfo) => backend.getMemoryOffset(t.dataId);
  kern.exports.layerNorm(off(x), off(gamma), off(beta), off(y), off(mean), off(rstd), rows, cols, eps);
  return [y, mean, rstd];
};

const layerNormGradKernel: KernelFunc = ({ inputs, backend: b }) => {
  const backend = b as unknown as WasmBackendLike;
  const kern = kernelsFor(backend);
  if (kern === null)
    throw new Error(`${FUSED_LAYER_NORM_GRAD}: the wasm kernels are not available on this backend`);
  const { dy, x, gamma, mean, rstd } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'rstd', TensorInfo>;
  const cols = x.shape[x.shape.length - 1] as number;
  const rows = util.sizeFromShape(x.shape) / Math.max(cols, 1);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dgamma = backend.makeOutput([cols], 'float32');
  const dbeta = backend.makeOutput([cols], 'float32');
  const off = (t: TensorInfo) => backend.getMemoryOffset(t.dataId);
  if (cols > 0) {
    kern.exports.layerNormGrad(
      off(dy),
      off(x),
      off(gamma),
      off(mean),
      off(rstd),
      off(dx),
      off(dgamma),
      off(dbeta),
      rows,
      cols,
    );
  }
  return [dx, dgamma, dbeta];
};

/** One Adam update: inputs p, m, v, g and the clip scale (a scalar); outputs p1, m1, v1. */
const adamKernel: KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as unknown as WasmBackendLike;
  const kern = kernelsFor(backend);
  if (kern === null) throw new Error(`${FUSED_ADAM}: the wasm kernels are not available on this backend`);
  const { p, m, v, g, scale } = inputs as Record<'p' | 'm' | 'v' | 'g' | 'scale', TensorInfo>;
  const a = attrs as unknown as AdamKernelAttrs;
  const n = util.sizeFromShape(p.shape);
  const outs = [p, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const off = (t: TensorInfo) => backend.getMemoryOffset(t.dataId);
  const heap = (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
  const scaleValue = heap[off(scale) / 4] as number;
  // tfjs turns each JS number into a float32 scalar: 1 - b1 and 1 - b2 are rounded after subtracting.
  kern.exports.adam(
    off(p),
    off(m),
    off(v),
    off(g),
    n,
    scaleValue,
    a.b1,
    1 - a.b1,
    a.b2,
    1 - a.b2,
    a.lrT,
    a.eps,
    a.wd,
    a.wd > 0 ? 1 : 0,
    off(outs[0] as TensorInfo),
    off(outs[1] as TensorInfo),
    off(outs[2] as TensorInfo),
  );
  return outs;
};

const FUSED_KERNELS: [string, KernelFunc][] = [
  [FUSED_ADAM, adamKernel],
  [FUSED_ATTENTION, attentionKernel],
  [FUSED_ATTENTION_GRAD, attentionGradKernel],
  [FUSED_LAYER_NORM, layerNormKernel],
  [FUSED_LAYER_NORM_GRAD, layerNormGradKernel],
];

let fusedEnabled = true;

/** Turn the fused ops off (they fall back to plain tfjs ops) or on again; for comparisons and tests. */
export function useFusedKernels(on: boolean): void {
  fusedEnabled = on;
}

/** True when the fused kernels can run on the active backend (wasm with its memory reachable). */
export function fusedKernelsAvailable(backend: unknown): boolean {
  if (!fusedEnabled) return false;
  const be = backend as Partial<WasmBackendLike> | null;
  if (be === null || typeof be !== 'object' || be.wasm === undefined || be.getMemoryOffset === undefined)
    return false;
  return getKernel(FUSED_ATTENTION, 'wasm') !== undefined && kernelsFor(be as WasmBackendLike) !== null;
}

/** Kernels of tfjs-wasm replaced by a faster path for what it covers (null: not covered). */
type FastPath = (args: Parameters<KernelFunc>[0]) => TensorInfo | null;
const OVERRIDES: [string, string, FastPath][] = [
  [
    BatchMatMul,
    'BatchMatMul (SIMD)',
    ({ inputs, attrs, backend }) =>
      batchMatMul(
        inputs.a as TensorInfo,
        inputs.b as TensorInfo,
        attrs as unknown as BatchMatMulAttrs,
        backend as unknown as WasmBackendLike,
      ),
  ],
  [
    Transpose,
    'Transpose (axis swaps)',
    ({ inputs, attrs, backend }) =>
      transposeSwap(
        inputs.x as TensorInfo,
        attrs as unknown as TransposeAttrs,
        backend as unknown as WasmBackendLike,
      ),
  ],
  [
    Exp,
    'Exp',
    ({ inputs, backend }) => expF32(inputs.x as TensorInfo, backend as unknown as WasmBackendLike),
  ],
  [
    Equal,
    'Equal (row broadcast)',
    ({ inputs, backend }) =>
      equalRows(inputs.a as TensorInfo, inputs.b as TensorInfo, backend as unknown as WasmBackendLike),
  ],
  [
    Concat,
    'Concat (block copies)',
    ({ inputs, attrs, backend }) =>
      concatBlocks(
        inputs as unknown as TensorInfo[],
        (attrs as unknown as ConcatAttrs).axis,
        backend as unknown as WasmBackendLike,
      ),
  ],
  [
    Tile,
    'Tile (one axis, block copies)',
    ({ inputs, attrs, backend }) =>
      tileOneAxis(
        inputs.x as TensorInfo,
        (attrs as unknown as TileAttrs).reps,
        backend as unknown as WasmBackendLike,
      ),
  ],
  [
    Sum,
    'Sum (leading axes, SIMD)',
    ({ inputs, attrs, backend }) =>
      sumLeadingAxes(
        inputs.x as TensorInfo,
        attrs as unknown as SumAttrs,
        backend as unknown as WasmBackendLike,
      ),
  ],
];
const installed = new Map<string, KernelConfig>();

/** Put `fast` in front of the wasm backend's kernel `name` (idempotent; a no-op before tfjs-wasm loads). */
function override(name: string, fast: FastPath): void {
  const original = getKernel(name, 'wasm');
  if (original === undefined || original === installed.get(name)) return;
  const fallback = original.kernelFunc;
  const config: KernelConfig = {
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: (args) => fast(args) ?? fallback(args),
    ...(original.setupFunc !== undefined ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc !== undefined ? { disposeFunc: original.disposeFunc } : {}),
  };
  unregisterKernel(name, 'wasm');
  registerKernel(config);
  installed.set(name, config);
}

/**
 * Replace the wasm backend's BatchMatMul and Sum by the SIMD kernels and register the fused
 * ones (idempotent; a no-op before tfjs-wasm is loaded). What the fast paths do not cover
 * goes to tfjs's own kernels.
 */
export function installWasmKernels(): void {
  // Bit-identical to tfjs's (only the whole-input copy is gone), so not behind the switch.
  installWasmSlices();
  // GLORANK_WASM_KERNELS=0 keeps tfjs-wasm's own kernels (for comparisons and bisecting).
  if (process.env.GLORANK_WASM_KERNELS === '0') return;
  if (getKernel(BatchMatMul, 'wasm') === undefined) return;
  for (const [kernelName, kernelFunc] of FUSED_KERNELS) {
    if (getKernel(kernelName, 'wasm') === undefined)
      registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  for (const [name, , fast] of OVERRIDES) override(name, fast);
}

/** Threads tfjs-wasm's own kernels use (1 unless its threaded build loaded). */
export function wasmThreads(backend: unknown): number {
  const tfjs = (backend as { wasm?: { tfjs?: { getThreadsCount?: () => number } } } | null)?.wasm?.tfjs;
  return typeof tfjs?.getThreadsCount === 'function' ? tfjs.getThreadsCount() : 1;
}

/** What `glorank doctor` reports: GloRank's kernels registered on the wasm backend. */
export function wasmKernelsInstalled(): string[] {
  const names: string[] = [];
  for (const [name, label] of OVERRIDES) {
    const config = installed.get(name);
    if (config !== undefined && getKernel(name, 'wasm') === config) names.push(label);
  }
  for (const [kernelName] of FUSED_KERNELS)
    if (getKernel(kernelName, 'wasm') !== undefined) names.push(kernelName);
  for (const name of wasmSlicesInstalled()) names.push(`${name} (in place)`);
  return names;
}
