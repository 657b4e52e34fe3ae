// A WebAssembly SIMD kernel for the partial distances ||c||^2 - 2 x.c behind every distance
// the tokenizer computes. V8 does not vectorise JavaScript loops; this kernel does f32x4
// multiply-adds on a 4-row x 8-centroid register tile (4-8x the plain loop measured here). The module
// is assembled from the opcodes below at load time (no build step, no binary checked in);
// `loadWasmDotKernel` returns null where WebAssembly SIMD is missing, and callers fall back
// to the TypeScript kernel in blocked-distance.ts, which also serves as its test reference.

/** Unsigned LEB128, as the wasm binary format encodes sizes and indices. */
function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 for i32.const immediates. */
function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

// Opcodes used (WebAssembly core 2.0 with fixed-width SIMD).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  void: 0x40,
  get: 0x20,
  set: 0x21,
  i32const: 0x41,
  i32add: 0x6a,
  i32mul: 0x6c,
  i32geU: 0x4f,
  i32shl: 0x74,
  f32load: 0x2a,
  simd: 0xfd,
} as const;
const SIMD = { load: 0x00, store: 0x0b, const: 0x0c, f32x4splat: 0x13, f32x4add: 0xe4, f32x4mul: 0xe6 };
const I32 = 0x7f;
const V128 = 0x7b;

/**
 * `partial(xPtr, rows, cPtr, groups, d, outPtr)`: for rows r < rows (a multiple of 4) of the
 * f32 matrix at xPtr ([rows, d]) and centroid groups g < groups packed at cPtr as
 * [groups][8] f32 squared norms followed by [groups][d][8] f32 of -2 x centroid, writes
 * out[r * groups * 8 + g * 8 + lane] = ||c_j||^2 - 2 x_r . c_j with j = g * 8 + lane.
 */
function dotKernelBody(): number[] {
  // Locals: params 0-5, then i32 locals 6-15, then v128 locals 16-26.
  const [xPtr, rows, cPtr, groups, d, outPtr] = [0, 1, 2, 3, 4, 5];
  const [i, g, t, xa, xr, cp, op, rowBytes, row2, row3] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const outRow = 16;
  const np = 28;
  const acc = [17, 18, 19, 20, 21, 22, 23, 24];
  const [w0, w1, s] = [25, 26, 27];
  const code: number[] = [];
  const get = (l: number) => code.push(OP.get, ...uleb(l));
  const set = (l: number) => code.push(OP.set, ...uleb(l));
  const i32 = (v: number) => code.push(OP.i32const, ...sleb(v));
  const simd = (op: number, ...imm: number[]) => code.push(OP.simd, ...uleb(op), ...imm);
  const addTo = (l: number, v: number) => {
    get(l);
    i32(v);
    code.push(OP.i32add);
    set(l);
  };
  // rowBytes = d * 4; row2 = 2 * rowBytes; row3 = 3 * rowBytes; outRow = groups * 32
  get(d);
  i32(2);
  code.push(OP.i32shl);
  set(rowBytes);
  get(rowBytes);
  i32(1);
  code.push(OP.i32shl);
  set(row2);
  get(row2);
  get(rowBytes);
  code.push(OP.i32add);
  set(row3);
  get(groups);
  i32(5);
  code.push(OP.i32shl);
  set(outRow);
  i32(0);
  set(i);
  code.push(OP.block, OP.void, OP.loop, OP.void);
  get(i);
  get(rows);
  code.push(OP.i32geU, OP.brIf, 1);
  // xa = xPtr + i * rowBytes; op = outPtr + i * outRow; cp = cPtr; g = 0
  get(xPtr);
  get(i);
  get(rowBytes);
  code.push(OP.i32mul, OP.i32add);
  set(xa);
  get(outPtr);
  get(i);
  get(outRow);
  code.push(OP.i32mul, OP.i32add);
  set(op);
  // Norms sit first ([groups][8]); the weights follow them.
  get(cPtr);
  set(np);
  get(cPtr);
  get(groups);
  i32(5);
  code.push(OP.i32shl, OP.i32add);
  set(cp);
  i32(0);
  set(g);
  code.push(OP.block, OP.void, OP.loop, OP.void);
  get(g);
  get(groups);
  code.push(OP.i32geU, OP.brIf, 1);
  for (let a = 0; a < acc.length; a++) {
    get(np);
    simd(SIMD.load, 4, ...uleb((a % 2) * 16));
    set(acc[a] as number);
  }
  addTo(np, 32);
  get(xa);
  set(xr);
  i32(0);
  set(t);
  code.push(OP.block, OP.void, OP.loop, OP.void);
  {
    get(t);
    get(d);
    code.push(OP.i32geU, OP.brIf, 1);
    get(cp);
    simd(SIMD.load, 4, 0);
    set(w0);
    get(cp);
    simd(SIMD.load, 4, 16);
    set(w1);
    const rowOffsets = [-1, rowBytes, row2, row3];
    for (let r = 0; r < 4; r++) {
      get(xr);
      const off = rowOffsets[r] as number;
      if (off >= 0) {
        get(off);
        code.push(OP.i32add);
      }
      code.push(OP.f32load, 2, 0);
      simd(SIMD.f32x4splat);
      set(s);
      for (const [lane, w] of [
        [0, w0],
        [1, w1],
      ] as const) {
        const a = acc[r * 2 + lane] as number;
        get(a);
        get(s);
        get(w);
        simd(SIMD.f32x4mul);
        simd(SIMD.f32x4add);
        set(a);
      }
    }
    addTo(cp, 32);
    addTo(xr, 4);
    addTo(t, 1);
    code.push(OP.br, 0);
  }
  code.push(OP.end, OP.end);
  // Store the tile: row r of the tile at op + r * outRow, lanes 0-3 then 4-7.
  for (let r = 0; r < 4; r++) {
    for (let lane = 0; lane < 2; lane++) {
      get(op);
      if (r > 0) {
        get(outRow);
        i32(r);
        code.push(OP.i32mul, OP.i32add);
      }
      get(acc[r * 2 + lane] as number);
      simd(SIMD.store, 4, ...uleb(lane * 16));
    }
  }
  addTo(op, 32);
  addTo(g, 1);
  code.push(OP.br, 0);
  code.push(OP.end, OP.end);
  addTo(i, 4);
  code.push(OP.br, 0);
  code.push(OP.end, OP.end);
  code.push(OP.end);
  // Local declarations: 11 i32 (6-16), 11 v128 (17-27), 1 i32 (28).
  const locals = [3, ...uleb(11), I32, ...uleb(11), V128, 1, I32];
  return [...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const typeSec = section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]);
  const importSec = section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]);
  const funcSec = section(3, [1, 0]);
  const exportSec = section(7, [1, ...name('partial'), 0x00, 0]);
  const body = dotKernelBody();
  const codeSec = section(10, [1, ...uleb(body.length), ...body]);
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...typeSec,
    ...importSec,
    ...funcSec,
    ...exportSec,
    ...codeSec,
  ]);
}

// The lib settings (ES2023, Node types) do not declare WebAssembly; these are the few
// members used, read off globalThis.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Rows per call are padded to this multiple; centroids to CENTROID_GROUP. */
export const ROW_TILE = 4;
export const CENTROID_GROUP = 8;

/** The instantiated kernel with its own growable memory. */
export class WasmDotKernel {
  private readonly memory: WasmMemory;
  private readonly partial: (
    xPtr: number,
    rows: number,
    cPtr: number,
    groups: number,
    d: number,
    outPtr: number,
  ) => void;
  private packedK = 0;
  private packedD = 0;
  private packedGroups = 0;
  private centroidBytes = 0;

  constructor(api: WasmApi, module: object) {
    this.memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(module, { env: { memory: this.memory } });
    this.partial = instance.exports.partial as WasmDotKernel['partial'];
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /**
   * Pack centroids [k, d] at offset 0: their squared norms, then -2 x their values as
   * [groups][d][8]; padding centroids are zero (callers ignore their columns).
   */
  setCentroids(c: Float32Array, k: number, d: number): void {
    const groups = Math.ceil(k / CENTROID_GROUP);
    const normFloats = groups * CENTROID_GROUP;
    this.centroidBytes = (normFloats + groups * d * CENTROID_GROUP) * 4;
    this.ensure(this.centroidBytes);
    const norms = new Float32Array(this.memory.buffer, 0, normFloats);
    const packed = new Float32Array(this.memory.buffer, normFloats * 4, groups * d * CENTROID_GROUP);
    norms.fill(0);
    packed.fill(0);
    for (let j = 0; j < k; j++) {
      const g = Math.floor(j / CENTROID_GROUP);
      const lane = j % CENTROID_GROUP;
      const base = g * d * CENTROID_GROUP + lane;
      let sq = 0;
      for (let t = 0; t < d; t++) {
        const v = c[j * d + t] as number;
        sq += v * v;
        packed[base + t * CENTROID_GROUP] = -2 * v;
      }
      norms[j] = sq;
    }
    this.packedK = k;
    this.packedD = d;
    this.packedGroups = groups;
  }

  /** Output row width (centroids padded to a multiple of 8). */
  get stride(): number {
    return this.packedGroups * CENTROID_GROUP;
  }

  /**
   * ||c||^2 - 2 x.c for `rows` rows of `x` starting at row `from` against the packed
   * centroids. Returns a view valid until the next call: [paddedRows, stride].
   */
  partialDistances(x: Float32Array, from: number, rows: number): Float32Array {
    const d = this.packedD;
    const padded = Math.ceil(rows / ROW_TILE) * ROW_TILE;
    const xBytes = padded * d * 4;
    const outBytes = padded * this.stride * 4;
    const xPtr = this.centroidBytes;
    const outPtr = xPtr + xBytes;
    this.ensure(outPtr + outBytes);
    const xv = new Float32Array(this.memory.buffer, xPtr, padded * d);
    xv.set(x.subarray(from * d, (from + rows) * d));
    if (padded > rows) xv.fill(0, rows * d);
    this.partial(xPtr, padded, 0, this.packedGroups, d, outPtr);
    return new Float32Array(this.memory.buffer, outPtr, padded * this.stride);
  }

  get centroidCount(): number {
    return this.packedK;
  }
}

let compiled: object | null | undefined;

/** The kernel, or null when this runtime lacks WebAssembly SIMD. */
export function loadWasmDotKernel(): WasmDotKernel | null {
  if (wasmApi === undefined) return null;
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled === null ? null : new WasmDotKernel(wasmApi, compiled);
}
