// A row-copy GatherV2 for the wasm backend. tfjs-wasm's own Gather walks every output
// element with generic strides (about 3 ms per 1,000 rows of 32 floats here), which made
// embedding lookups the slowest ops of a training step; copying whole rows inside the
// wasm heap is ~50x faster. Only axis 0 without batch dims takes this path; every other
// case goes to the original kernel. Installed by the nn layers that gather (idempotent).
import {
  GatherV2,
  type GatherV2Attrs,
  getKernel,
  type KernelConfig,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let installed: KernelConfig | null = null;

/** Replace the wasm GatherV2 kernel by the row-copy one (no-op when wasm is not loaded or already done). */
export function installWasmRowGather(): void {
  const original = getKernel(GatherV2, 'wasm');
  if (original === undefined || original === installed) return;
  const fallback = original.kernelFunc;
  const config: KernelConfig = {
    kernelName: GatherV2,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { axis, batchDims } = attrs as unknown as GatherV2Attrs;
      const x = inputs.x as TensorInfo;
      const indices = inputs.indices as TensorInfo;
      if (
        (axis !== 0 && axis !== -x.shape.length) ||
        (batchDims ?? 0) !== 0 ||
        (x.dtype !== 'float32' && x.dtype !== 'int32') ||
        indices.dtype !== 'int32' ||
        x.shape.length < 1
      ) {
        return fallback(args);
      }
      const wasm = backend as unknown as WasmHeapBackend;
      const rows = x.shape[0] as number;
      const rowSize = util.sizeFromShape(x.shape.slice(1));
      const n = util.sizeFromShape(indices.shape);
      const out = wasm.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
      // Views are taken after makeOutput: an allocation can grow (and move) the heap.
      const dst = wasm.typedArrayFromHeap(out);
      const src = wasm.typedArrayFromHeap(x);
      const idx = wasm.typedArrayFromHeap(indices);
      for (let i = 0; i < n; i++) {
        const r = idx[i] as number;
        if (r < 0 || r >= rows) throw new RangeError(`gather: index ${r} is outside [0, ${rows})`);
        if (rowSize < 16) {
          // Short rows (a 1-D gather): a subarray per row costs more than the copy.
          for (let j = 0, from = r * rowSize, to = i * rowSize; j < rowSize; j++)
            dst[to + j] = src[from + j] as number;
        } else {
          dst.set(src.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
        }
      }
      return out;
    },
  };
  unregisterKernel(GatherV2, 'wasm');
  registerKernel(config);
  installed = config;
}
