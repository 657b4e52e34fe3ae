// GloRank's own kernels on the tfjs wasm backend. tfjs-wasm sends every batched or
// transposed matmul to a generic C++ loop (about 1 GMAC/s here; only untransposed batch-1
// products reach XNNPACK), and attention is nothing but such products. The kernels here are
// WebAssembly SIMD (wasm-kernels-source.ts) instantiated against the backend's own memory,
// so they read inputs and write outputs in place on the wasm heap.
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  broadcast_util,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';
import { WASM_KERNELS_BASE64 } from './wasm-kernels-binary.js';

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

interface KernelExports {
  bmm(
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
  ): void;
  transpose(src: number, dst: number, batch: number, rows: number, cols: number): void;
}

/** One instance per backend (per wasm memory), with a scratch block on that backend's heap. */
class KernelInstance {
  private scratchPtr = 0;
  private scratchBytes = 0;

  constructor(
    readonly exports: KernelExports,
    private readonly backend: WasmBackendLike,
  ) {}

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
  kernels.exports.bmm(aPtr, bPtr, cPtr, batch, sab, sbb, m, k, n, sai, sap, n * 4);
  return out;
}

let installedMatMul: KernelConfig | null = null;

/**
 * Replace the wasm backend's BatchMatMul by the SIMD kernel (idempotent; a no-op before
 * tfjs-wasm is loaded). Products the kernel does not cover go to tfjs's own kernel.
 */
export function installWasmKernels(): void {
  const original = getKernel(BatchMatMul, 'wasm');
  if (original === undefined || original === installedMatMul) return;
  const fallback = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const out = batchMatMul(
      a,
      b,
      args.attrs as unknown as BatchMatMulAttrs,
      args.backend as unknown as WasmBackendLike,
    );
    return out ?? fallback(args);
  };
  const config: KernelConfig = {
    kernelName: BatchMatMul,
    backendName: 'wasm',
    kernelFunc,
    ...(original.setupFunc !== undefined ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc !== undefined ? { disposeFunc: original.disposeFunc } : {}),
  };
  unregisterKernel(BatchMatMul, 'wasm');
  registerKernel(config);
  installedMatMul = config;
}

/** What `glorank doctor` reports: GloRank's kernels registered on the wasm backend. */
export function wasmKernelsInstalled(): string[] {
  const names: string[] = [];
  if (installedMatMul !== null && getKernel(BatchMatMul, 'wasm') === installedMatMul)
    names.push('BatchMatMul (SIMD)');
  return names;
}
