// WebAssembly text of GloRank's own wasm-backend kernels. The module imports the tfjs-wasm
// backend's memory, so kernels read and write tensors where the backend keeps them (no
// copies in or out). The register-tiled parts are unrolled here in TypeScript rather than
// written out by hand; scripts/build-wasm-kernels.mjs assembles this text with wabt into
// wasm-kernels-binary.ts, and a test checks the committed binary is this text assembled.
//
// Every kernel does plain IEEE f32 arithmetic (f32x4 lanes round like scalar f32), summing
// over the inner dimension in index order, as tfjs's cpu backend does for the sizes used.

/** Local-variable helpers for the generated text. */
const g = (name: string) => `(local.get $${name})`;
const s = (name: string, value: string) => `(local.set $${name} ${value})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const c32 = (n: number) => `(i32.const ${n})`;
const inc = (name: string, by: string) => s(name, add(g(name), by));

/** `while (cond) { body }` with a fresh label. */
let labels = 0;
function whileLoop(cond: string, body: string[]): string {
  const id = labels++;
  return [
    `(block $done${id} (loop $loop${id}`,
    `  (br_if $done${id} (i32.eqz ${cond}))`,
    ...body.map((line) => `  ${line}`),
    `  (br $loop${id})))`,
  ].join('\n');
}

/**
 * C[i..i+rows, j..j+cols] = sum_p A[i+r, p] * B[p, j..j+cols], cols 8 or 4 (f32x4 lanes) or 1
 * (scalar). A is read with byte strides sai (rows) and sap (inner), B row by row with byte
 * stride ldb; rowA/rowC point at row i of A and C.
 */
function tile(rows: number, cols: 8 | 4 | 1): string[] {
  const vectors = cols === 1 ? 0 : cols / 4;
  const rowOff = ['', 'sai', 'sai2', 'sai3'];
  const out: string[] = [s('pa', g('rowA')), s('pb', add(g('b'), mul(g('j'), c32(4)))), s('p', c32(0))];
  for (let r = 0; r < rows; r++) {
    if (vectors === 0) out.push(s(`f${r}`, '(f32.const 0)'));
    for (let v = 0; v < vectors; v++) out.push(s(`acc${r * 2 + v}`, '(v128.const f32x4 0 0 0 0)'));
  }
  const body: string[] = [];
  if (vectors === 0) body.push(s('bs', `(f32.load ${g('pb')})`));
  for (let v = 0; v < vectors; v++) body.push(s(`b${v}`, `(v128.load offset=${16 * v} ${g('pb')})`));
  for (let r = 0; r < rows; r++) {
    const addr = r === 0 ? g('pa') : add(g('pa'), g(rowOff[r] as string));
    if (vectors === 0) {
      body.push(s(`f${r}`, `(f32.add ${g(`f${r}`)} (f32.mul (f32.load ${addr}) ${g('bs')}))`));
      continue;
    }
    body.push(s('sv', `(f32x4.splat (f32.load ${addr}))`));
    for (let v = 0; v < vectors; v++) {
      const acc = `acc${r * 2 + v}`;
      body.push(s(acc, `(f32x4.add ${g(acc)} (f32x4.mul ${g('sv')} ${g(`b${v}`)}))`));
    }
  }
  body.push(inc('pa', g('sap')), inc('pb', g('ldb')), inc('p', c32(1)));
  out.push(whileLoop(`(i32.lt_u ${g('p')} ${g('k')})`, body));
  out.push(s('pc', add(g('rowC'), mul(g('j'), c32(4)))));
  for (let r = 0; r < rows; r++) {
    const addr = r === 0 ? g('pc') : add(g('pc'), mul(g('ldc'), c32(r)));
    if (vectors === 0) out.push(`(f32.store ${addr} ${g(`f${r}`)})`);
    for (let v = 0; v < vectors; v++)
      out.push(`(v128.store offset=${16 * v} ${addr} ${g(`acc${r * 2 + v}`)})`);
  }
  out.push(inc('j', c32(cols)));
  return out;
}

/** All columns of `rows` rows starting at row i: 8-wide tiles, then one 4-wide, then scalars. */
function rowBand(rows: number): string[] {
  return [
    s('rowA', add(g('a'), mul(g('i'), g('sai')))),
    s('rowC', add(g('c'), mul(g('i'), g('ldc')))),
    s('j', c32(0)),
    whileLoop(`(i32.le_u ${add(g('j'), c32(8))} ${g('n')})`, tile(rows, 8)),
    whileLoop(`(i32.le_u ${add(g('j'), c32(4))} ${g('n')})`, tile(rows, 4)),
    whileLoop(`(i32.lt_u ${g('j')} ${g('n')})`, tile(rows, 1)),
    inc('i', c32(rows)),
  ];
}

function matmulFunc(): string {
  const locals = [
    ...['i', 'j', 'p', 'pa', 'pb', 'pc', 'rowA', 'rowC', 'sai2', 'sai3'].map((l) => `(local $${l} i32)`),
    ...['sv', 'b0', 'b1', ...Array.from({ length: 8 }, (_, q) => `acc${q}`)].map((l) => `(local $${l} v128)`),
    ...['bs', 'f0', 'f1', 'f2', 'f3'].map((l) => `(local $${l} f32)`),
  ];
  return [
    // C [m, n] (row stride ldc bytes) = A [m, k] (byte strides sai, sap) x B [k, n] (row stride ldb).
    '(func $mm (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)',
    '  (param $sai i32) (param $sap i32) (param $ldb i32) (param $ldc i32)',
    `  ${locals.join(' ')}`,
    s('sai2', mul(g('sai'), c32(2))),
    s('sai3', mul(g('sai'), c32(3))),
    s('i', c32(0)),
    whileLoop(`(i32.le_u ${add(g('i'), c32(4))} ${g('m')})`, rowBand(4)),
    whileLoop(`(i32.lt_u ${g('i')} ${g('m')})`, rowBand(1)),
    ')',
  ].join('\n');
}

/**
 * bmm: `batch` products C_t = A_t x B_t with C packed [batch, m, n]; A_t at a + t * sab and
 * B_t at b + t * sbb (byte strides; 0 broadcasts one operand). A's element strides sai/sap
 * (bytes) express a transposed A; B must be row-major [k, n] with row stride ldb bytes.
 */
function batchFunc(): string {
  return [
    '(func (export "bmm") (param $a i32) (param $b i32) (param $c i32) (param $batch i32)',
    '  (param $sab i32) (param $sbb i32) (param $m i32) (param $k i32) (param $n i32)',
    '  (param $sai i32) (param $sap i32) (param $ldb i32)',
    '  (local $t i32) (local $ldc i32) (local $sc i32)',
    s('ldc', mul(g('n'), c32(4))),
    s('sc', mul(g('m'), g('ldc'))),
    s('t', c32(0)),
    whileLoop(`(i32.lt_u ${g('t')} ${g('batch')})`, [
      `(call $mm ${g('a')} ${g('b')} ${g('c')} ${g('m')} ${g('k')} ${g('n')} ${g('sai')} ${g('sap')} ${g('ldb')} ${g('ldc')})`,
      inc('a', g('sab')),
      inc('b', g('sbb')),
      inc('c', g('sc')),
      inc('t', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/** transpose: dst [batch, cols, rows] = src [batch, rows, cols] transposed, 4-byte elements copied bit for bit. */
function transposeFunc(): string {
  return [
    '(func (export "transpose") (param $src i32) (param $dst i32) (param $batch i32) (param $rows i32) (param $cols i32)',
    '  (local $t i32) (local $r i32) (local $q i32) (local $pd i32) (local $rowBytes i32)',
    s('rowBytes', mul(g('rows'), c32(4))),
    s('t', c32(0)),
    whileLoop(`(i32.lt_u ${g('t')} ${g('batch')})`, [
      s('r', c32(0)),
      whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
        s('pd', add(g('dst'), mul(g('r'), c32(4)))),
        s('q', c32(0)),
        whileLoop(`(i32.lt_u ${g('q')} ${g('cols')})`, [
          `(i32.store ${g('pd')} (i32.load ${g('src')}))`,
          inc('src', c32(4)),
          inc('pd', g('rowBytes')),
          inc('q', c32(1)),
        ]),
        inc('r', c32(1)),
      ]),
      inc('dst', mul(g('rowBytes'), g('cols'))),
      inc('t', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/** The whole module's text. */
export function wasmKernelsWat(): string {
  labels = 0;
  return [
    '(module',
    '(import "env" "memory" (memory 1))',
    matmulFunc(),
    batchFunc(),
    transposeFunc(),
    ')',
    '',
  ].join('\n');
}
