// The wasm backend ships no UnsortedSegmentSum kernel, and that kernel is the gradient of
// tf.gather: without it no embedding table can train on wasm. This registers one that
// reads the inputs in place on the wasm heap, sums rows on typed arrays and writes a fresh output.
import {
  getKernel,
  type KernelConfig,
  registerKernel,
  type TensorInfo,
  UnsortedSegmentSum,
  type UnsortedSegmentSumAttrs,
  type UnsortedSegmentSumInputs,
  util,
} from '@tensorflow/tfjs-core';
import { segmentSumOnHeap } from './wasm-kernels.js';

interface WasmLikeBackend {
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  makeOutput(
    shape: number[],
    dtype: 'float32' | 'int32',
    memoryOffset?: number,
    values?: ArrayLike<number>,
  ): TensorInfo;
}

/** Reference semantics of tf.unsortedSegmentSum on flat arrays: out[ids[i], :] += x[i, :]. */
export function segmentSumRows(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  numSegments: number,
  rowSize: number,
  out: Float32Array | Int32Array,
): void {
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i] as number;
    // TensorFlow drops negative and out-of-range ids; so do we.
    if (seg < 0 || seg >= numSegments) continue;
    const src = i * rowSize;
    const dst = seg * rowSize;
    for (let j = 0; j < rowSize; j++) out[dst + j] = (out[dst + j] as number) + (x[src + j] as number);
  }
}

const wasmUnsortedSegmentSum: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as unknown as UnsortedSegmentSumInputs;
    const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
    const wasm = backend as unknown as WasmLikeBackend;
    const xInfo = x as unknown as TensorInfo;
    const idsInfo = segmentIds as unknown as TensorInfo;
    const idsSize = util.sizeFromShape(idsInfo.shape);
    const rowShape = xInfo.shape.slice(idsInfo.shape.length);
    const rowSize = util.sizeFromShape(rowShape);
    if (util.sizeFromShape(xInfo.shape) !== idsSize * rowSize)
      throw new Error('UnsortedSegmentSum: x does not hold one row per segment id');
    // GloRank's wasm kernel when this backend's heap is reachable; the same sums in JS otherwise.
    const onHeap = segmentSumOnHeap(xInfo, idsInfo, numSegments, backend);
    if (onHeap !== null) return onHeap;
    const dtype = xInfo.dtype === 'int32' ? 'int32' : 'float32';
    const out =
      dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
    // Views of the heap (readSync would copy both inputs out first); read before makeOutput,
    // whose allocation can move the heap.
    const xs = wasm.typedArrayFromHeap(xInfo);
    const ids = wasm.typedArrayFromHeap(idsInfo);
    if (ids.length !== idsSize) throw new Error('UnsortedSegmentSum: segment id buffer has the wrong size');
    segmentSumRows(xs, ids, numSegments, rowSize, out);
    return wasm.makeOutput([numSegments, ...rowShape], dtype, undefined, out);
  },
};

/** Register the kernel once; a later tfjs release that ships its own wins. */
export function registerWasmSegmentSum(): void {
  if (getKernel(UnsortedSegmentSum, 'wasm') !== undefined) return;
  registerKernel(wasmUnsortedSegmentSum);
}
