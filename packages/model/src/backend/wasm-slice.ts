// Slice, SplitV and Unpack for the wasm backend that read their input in place. tfjs-wasm's
// own Slice starts with backend.readSync(x), which copies the WHOLE input out of the wasm
// heap for every slice taken; SplitV and Unpack call that Slice once per output. A GRU that
// unstacks its [B, T, 3H] gate projections into T steps thus copied the tensor T times per
// call (the baselines' DLCM and Seq2Slate spent most of a step there), and every tf.split
// or tf.slice of an activation paid a full copy. These kernels copy only the selected
// elements from a view of the heap: the same bits out, so results are unchanged.
// Identity (tf.clone, and the engine's copy of every tensor it saves for a gradient: about
// 400 per training step) copied its input too; here it shares the data by reference count,
// as tfjs's cpu backend does (wasm tensors are never written after they are made).
import {
  backend_util,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  Slice,
  type SliceAttrs,
  SplitV,
  type SplitVAttrs,
  slice_util,
  type TensorInfo,
  Unpack,
  type UnpackAttrs,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';

type HeapArray = Float32Array | Int32Array | Uint8Array;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): HeapArray;
  incRef(dataId: object): void;
}

/**
 * dst[...] = src[begin : begin + size] of a row-major tensor of `shape`, written packed from
 * dst[0]. Trailing whole dimensions are copied as one run per outer index.
 */
export function copySlice(
  src: ArrayLike<number> & { subarray?: unknown },
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: HeapArray | Float32Array,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0] as number;
    return;
  }
  if (size.some((n) => n === 0)) return;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (shape[d + 1] as number);
  // k: the innermost dimension that is not taken whole; everything after it is one run.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = (size[k] as number) * (strides[k] as number);
  let base = 0;
  for (let d = 0; d < rank; d++) base += (begin[d] as number) * (strides[d] as number);
  const typed = src as HeapArray;
  const idx = new Array<number>(k).fill(0);
  let out = 0;
  for (;;) {
    let from = base;
    for (let d = 0; d < k; d++) from += (idx[d] as number) * (strides[d] as number);
    if (run < 16) {
      for (let j = 0; j < run; j++) dst[out + j] = typed[from + j] as number;
    } else {
      (dst as Float32Array).set((typed as Float32Array).subarray(from, from + run), out);
    }
    out += run;
    // Odometer over the outer dimensions 0..k-1.
    let d = k - 1;
    while (d >= 0) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (size[d] as number)) break;
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

/** One slice as a new wasm tensor; views are taken after makeOutput (an allocation can move the heap). */
function sliceOnHeap(
  backend: WasmHeapBackend,
  x: TensorInfo,
  begin: readonly number[],
  size: readonly number[],
): TensorInfo {
  const out = backend.makeOutput([...size], x.dtype);
  if (util.sizeFromShape(size as number[]) === 0) return out;
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(x);
  copySlice(src, x.shape, begin, size, dst);
  return out;
}

const heapTypes = new Set(['float32', 'int32', 'bool']);

function override(name: string, make: (fallback: KernelFunc) => KernelFunc): KernelConfig | null {
  const original = getKernel(name, 'wasm');
  if (original === undefined) return null;
  if (installed.get(name) === original) return original;
  const config: KernelConfig = {
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: make(original.kernelFunc),
    ...(original.setupFunc !== undefined ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc !== undefined ? { disposeFunc: original.disposeFunc } : {}),
  };
  unregisterKernel(name, 'wasm');
  registerKernel(config);
  installed.set(name, config);
  return config;
}

const installed = new Map<string, KernelConfig>();

/**
 * Replace the wasm backend's Identity, Slice, SplitV and Unpack by the in-place ones (idempotent; a
 * no-op before tfjs-wasm is loaded). Strings go to tfjs's own kernels.
 */
export function installWasmSlices(): void {
  override(Identity, (fallback) => (args) => {
    const x = args.inputs.x as TensorInfo;
    if (!heapTypes.has(x.dtype)) return fallback(args);
    (args.backend as unknown as WasmHeapBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
  override(Slice, (fallback) => (args) => {
    const x = args.inputs.x as TensorInfo;
    if (!heapTypes.has(x.dtype)) return fallback(args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [b, s] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    return sliceOnHeap(args.backend as unknown as WasmHeapBackend, x, b, s);
  });
  override(SplitV, (fallback) => (args) => {
    const x = args.inputs.x as TensorInfo;
    if (!heapTypes.has(x.dtype)) return fallback(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const a = util.parseAxisParam(axis, x.shape)[0] as number;
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, a);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[a] = n;
      const out = sliceOnHeap(args.backend as unknown as WasmHeapBackend, x, begin, size);
      begin[a] = (begin[a] as number) + n;
      return out;
    });
  });
  override(Unpack, (fallback) => (args) => {
    const value = args.inputs.value as TensorInfo;
    if (!heapTypes.has(value.dtype)) return fallback(args);
    let { axis } = args.attrs as unknown as UnpackAttrs;
    if (axis < 0) axis += value.shape.length;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(value.shape.length).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] as number }, (_, i) => {
      begin[axis] = i;
      const out = sliceOnHeap(args.backend as unknown as WasmHeapBackend, value, begin, size);
      return { ...out, shape: outShape };
    });
  });
}

/** The kernels installWasmSlices replaced, for `glorank doctor`. */
export function wasmSlicesInstalled(): string[] {
  return [...installed].filter(([name, c]) => getKernel(name, 'wasm') === c).map(([name]) => name);
}
