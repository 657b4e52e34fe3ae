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
  const out: string[] = [
    s('pa', g('rowA')),
    s('pb', add(g('b'), mul(g('j'), c32(4)))),
    s('p', c32(0)),
    s('pc', add(g('rowC'), mul(g('j'), c32(4)))),
  ];
  // Row r of this tile in C; the accumulators start at 0, or at C's partial sums when this
  // call continues an earlier block of the inner dimension (exact: they were f32 already).
  const cAddr = (r: number) => (r === 0 ? g('pc') : add(g('pc'), mul(g('ldc'), c32(r))));
  for (let r = 0; r < rows; r++) {
    if (vectors === 0)
      out.push(
        s(`f${r}`, `(if (result f32) ${g('more')} (then (f32.load ${cAddr(r)})) (else (f32.const 0)))`),
      );
    for (let v = 0; v < vectors; v++)
      out.push(
        s(
          `acc${r * 2 + v}`,
          `(if (result v128) ${g('more')} (then (v128.load offset=${16 * v} ${cAddr(r)})) (else (v128.const f32x4 0 0 0 0)))`,
        ),
      );
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
  for (let r = 0; r < rows; r++) {
    if (vectors === 0) out.push(`(f32.store ${cAddr(r)} ${g(`f${r}`)})`);
    for (let v = 0; v < vectors; v++)
      out.push(`(v128.store offset=${16 * v} ${cAddr(r)} ${g(`acc${r * 2 + v}`)})`);
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
    // C [m, n] (row stride ldc bytes) = A [m, k] (byte strides sai, sap) x B [k, n] (row stride
    // ldb), or C += A x B when $more is set (a later block of a longer inner dimension).
    '(func $mm (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)',
    '  (param $sai i32) (param $sap i32) (param $ldb i32) (param $ldc i32) (param $more i32)',
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
 * The inner dimension runs in blocks of kb (> 0): a block of B rows stays in cache while
 * every tile of C passes over it, instead of all k rows of B streaming past each tile. Each
 * element still sums over p in index order, so the result is the same bits for any kb.
 */
function batchFunc(): string {
  return [
    '(func (export "bmm") (param $a i32) (param $b i32) (param $c i32) (param $batch i32)',
    '  (param $sab i32) (param $sbb i32) (param $m i32) (param $k i32) (param $n i32)',
    '  (param $sai i32) (param $sap i32) (param $ldb i32) (param $kb i32)',
    '  (local $t i32) (local $ldc i32) (local $sc i32) (local $p0 i32) (local $len i32)',
    s('ldc', mul(g('n'), c32(4))),
    s('sc', mul(g('m'), g('ldc'))),
    s('t', c32(0)),
    whileLoop(`(i32.lt_u ${g('t')} ${g('batch')})`, [
      s('p0', c32(0)),
      // At least one call, so k = 0 still writes C's zeros.
      whileLoop(`(i32.or (i32.lt_u ${g('p0')} ${g('k')}) (i32.eqz ${g('p0')}))`, [
        s(
          'len',
          `(select ${g('kb')} (i32.sub ${g('k')} ${g('p0')}) (i32.lt_u ${g('kb')} (i32.sub ${g('k')} ${g('p0')})))`,
        ),
        `(call $mm ${add(g('a'), mul(g('p0'), g('sap')))} ${add(g('b'), mul(g('p0'), g('ldb')))} ${g('c')} ${g('m')} ${g('len')} ${g('n')} ${g('sai')} ${g('sap')} ${g('ldb')} ${g('ldc')} ${g('p0')})`,
        inc('p0', g('kb')),
      ]),
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

/**
 * swapAxes: dst [outer, cols, rows, inner] = src [outer, rows, cols, inner], blocks of
 * `inner` 4-byte elements copied bit for bit (four at a time, then the tail). Every
 * transpose that moves whole trailing blocks (the attention heads' [B, T, H, D] <->
 * [B, H, T, D]) is one of these after merging axes that stay together.
 */
function swapAxesFunc(): string {
  return [
    '(func (export "swapAxes") (param $src i32) (param $dst i32) (param $outer i32) (param $rows i32) (param $cols i32) (param $inner i32)',
    '  (local $o i32) (local $r i32) (local $c i32) (local $e i32) (local $pd i32) (local $block i32) (local $colStride i32)',
    s('block', mul(g('inner'), c32(4))),
    s('colStride', mul(g('rows'), g('block'))),
    s('o', c32(0)),
    whileLoop(`(i32.lt_u ${g('o')} ${g('outer')})`, [
      s('r', c32(0)),
      whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
        s('pd', add(g('dst'), mul(g('r'), g('block')))),
        s('c', c32(0)),
        whileLoop(`(i32.lt_u ${g('c')} ${g('cols')})`, [
          s('e', c32(0)),
          whileLoop(`(i32.le_u ${add(g('e'), c32(4))} ${g('inner')})`, [
            `(v128.store ${add(g('pd'), mul(g('e'), c32(4)))} (v128.load ${g('src')}))`,
            inc('src', c32(16)),
            inc('e', c32(4)),
          ]),
          whileLoop(`(i32.lt_u ${g('e')} ${g('inner')})`, [
            `(i32.store ${add(g('pd'), mul(g('e'), c32(4)))} (i32.load ${g('src')}))`,
            inc('src', c32(4)),
            inc('e', c32(1)),
          ]),
          inc('pd', g('colStride')),
          inc('c', c32(1)),
        ]),
        inc('r', c32(1)),
      ]),
      inc('dst', mul(g('colStride'), g('cols'))),
      inc('o', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * exp(x) for f32 (`t` = 'f32') or four lanes (`t` = 'f32x4'), Cephes expf: x = n ln2 + r,
 * |r| <= ln2/2, exp(r) = 1 + r + r^2 P(r), scaled by 2^n through the exponent bits.
 * Relative error about 1e-7; inputs below -87.3 give about 1e-38 where Math.exp gives 0.
 */
function expCode(t: 'f32' | 'f32x4', x: string): string {
  const k = (v: number) => (t === 'f32' ? `(f32.const ${v})` : `(v128.const f32x4 ${v} ${v} ${v} ${v})`);
  const op = (name: string, ...args: string[]) => `(${t}.${name} ${args.join(' ')})`;
  const xs = `${t === 'f32' ? 'ex' : 'vx'}`;
  const ns = `${t === 'f32' ? 'en' : 'vn'}`;
  const rs = `${t === 'f32' ? 'er' : 'vr'}`;
  const lines = [
    // f32x4 clamps with pmin/pmax (one x86 instruction each; min/max take several to order
    // NaN and -0, which cannot change a clamp's result here).
    s(
      xs,
      op(
        t === 'f32' ? 'max' : 'pmax',
        op(t === 'f32' ? 'min' : 'pmin', x, k(88.3762626647949)),
        k(-87.3365478515625),
      ),
    ),
    s(ns, op('nearest', op('mul', g(xs), k(Math.LOG2E)))),
    s(rs, op('sub', op('sub', g(xs), op('mul', g(ns), k(0.693359375))), op('mul', g(ns), k(-2.1219444e-4)))),
  ];
  let poly = k(1.98756915e-4);
  for (const c of [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]) {
    poly = op('add', op('mul', poly, g(rs)), k(c));
  }
  const y = op('add', op('add', op('mul', op('mul', poly, g(rs)), g(rs)), g(rs)), k(1));
  const scale =
    t === 'f32'
      ? `(f32.reinterpret_i32 (i32.shl (i32.add (i32.trunc_f32_s ${g(ns)}) (i32.const 127)) (i32.const 23)))`
      : // n is a whole number in [-126, 128]: n + 1.5 * 2^23 holds it in its low mantissa bits,
        // which gives n + 127 by one integer add (cheaper than the truncating conversion).
        `(i32x4.shl (i32x4.add (f32x4.add ${g(ns)} (v128.const f32x4 12582912 12582912 12582912 12582912)) (v128.const i32x4 ${127 - 0x4b400000} ${127 - 0x4b400000} ${127 - 0x4b400000} ${127 - 0x4b400000})) (i32.const 23))`;
  return `(block (result ${t === 'f32' ? 'f32' : 'v128'}) ${lines.join(' ')} ${op('mul', y, scale)})`;
}

const EXP_LOCALS =
  '(local $ex f32) (local $en f32) (local $er f32) (local $vx v128) (local $vn v128) (local $vr v128)';

/**
 * softmax: in place over `batch` x `rows` rows of `cols` f32 at p, after adding a mask row:
 * row r of slice t adds mask + (t / heads) * mbs + r * mrs (byte strides; 0 broadcasts)
 * when hasMask. max, exp(x - max), sum, then x / sum, as tfjs's cpu softmax does.
 */
function softmaxFunc(): string {
  const cond4 = `(i32.le_u ${add(g('j'), c32(4))} ${g('cols')})`;
  const condTail = `(i32.lt_u ${g('j')} ${g('cols')})`;
  const at = add(g('row'), mul(g('j'), c32(4)));
  const mat = add(g('mrow'), mul(g('j'), c32(4)));
  const lanes = (op: string, v: string) =>
    [0, 1, 2, 3].map((l) => `(f32x4.extract_lane ${l} ${g(v)})`).reduce((x, y) => `(f32.${op} ${x} ${y})`);
  return [
    '(func (export "softmax") (param $p i32) (param $batch i32) (param $heads i32) (param $rows i32) (param $cols i32)',
    '  (param $mask i32) (param $mbs i32) (param $mrs i32) (param $hasMask i32)',
    '  (local $t i32) (local $r i32) (local $j i32) (local $row i32) (local $mrow i32) (local $mx f32) (local $sum f32)',
    `  (local $vmx v128) (local $vsum v128) (local $ve v128) (local $e f32) ${EXP_LOCALS}`,
    s('row', g('p')),
    s('t', c32(0)),
    whileLoop(`(i32.lt_u ${g('t')} ${g('batch')})`, [
      s('r', c32(0)),
      whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
        s(
          'mrow',
          add(add(g('mask'), mul(`(i32.div_u ${g('t')} ${g('heads')})`, g('mbs'))), mul(g('r'), g('mrs'))),
        ),
        `(if ${g('hasMask')} (then`,
        s('j', c32(0)),
        whileLoop(cond4, [
          `(v128.store ${at} (f32x4.add (v128.load ${at}) (v128.load ${mat})))`,
          inc('j', c32(4)),
        ]),
        whileLoop(condTail, [
          `(f32.store ${at} (f32.add (f32.load ${at}) (f32.load ${mat})))`,
          inc('j', c32(1)),
        ]),
        '))',
        // Row max: four lanes, then the tail.
        s('vmx', '(v128.const f32x4 -inf -inf -inf -inf)'),
        s('j', c32(0)),
        whileLoop(cond4, [s('vmx', `(f32x4.pmax ${g('vmx')} (v128.load ${at}))`), inc('j', c32(4))]),
        s('mx', lanes('max', 'vmx')),
        whileLoop(condTail, [s('mx', `(f32.max ${g('mx')} (f32.load ${at}))`), inc('j', c32(1))]),
        s('vmx', `(f32x4.splat ${g('mx')})`),
        // exp(x - max) in place and its sum.
        s('vsum', '(v128.const f32x4 0 0 0 0)'),
        s('j', c32(0)),
        whileLoop(cond4, [
          s('ve', expCode('f32x4', `(f32x4.sub (v128.load ${at}) ${g('vmx')})`)),
          `(v128.store ${at} ${g('ve')})`,
          s('vsum', `(f32x4.add ${g('vsum')} ${g('ve')})`),
          inc('j', c32(4)),
        ]),
        s('sum', lanes('add', 'vsum')),
        whileLoop(condTail, [
          s('e', expCode('f32', `(f32.sub (f32.load ${at}) ${g('mx')})`)),
          `(f32.store ${at} ${g('e')})`,
          s('sum', `(f32.add ${g('sum')} ${g('e')})`),
          inc('j', c32(1)),
        ]),
        s('vsum', `(f32x4.splat ${g('sum')})`),
        s('j', c32(0)),
        whileLoop(cond4, [`(v128.store ${at} (f32x4.div (v128.load ${at}) ${g('vsum')}))`, inc('j', c32(4))]),
        whileLoop(condTail, [`(f32.store ${at} (f32.div (f32.load ${at}) ${g('sum')}))`, inc('j', c32(1))]),
        inc('row', mul(g('cols'), c32(4))),
        inc('r', c32(1)),
      ]),
      inc('t', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/** softmaxGrad: d[i] = y[i] * (d[i] - sum_j d[j] y[j]) in place, per row of `cols` over `rows` rows. */
function softmaxGradFunc(): string {
  const cond4 = `(i32.le_u ${add(g('j'), c32(4))} ${g('cols')})`;
  const condTail = `(i32.lt_u ${g('j')} ${g('cols')})`;
  const yAt = add(g('y'), mul(g('j'), c32(4)));
  const dAt = add(g('d'), mul(g('j'), c32(4)));
  const lanes = [0, 1, 2, 3]
    .map((l) => `(f32x4.extract_lane ${l} ${g('vdot')})`)
    .reduce((x, y) => `(f32.add ${x} ${y})`);
  return [
    '(func (export "softmaxGrad") (param $y i32) (param $d i32) (param $rows i32) (param $cols i32)',
    '  (local $r i32) (local $j i32) (local $dot f32) (local $vdot v128)',
    s('r', c32(0)),
    whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
      s('vdot', '(v128.const f32x4 0 0 0 0)'),
      s('j', c32(0)),
      whileLoop(cond4, [
        s('vdot', `(f32x4.add ${g('vdot')} (f32x4.mul (v128.load ${dAt}) (v128.load ${yAt})))`),
        inc('j', c32(4)),
      ]),
      s('dot', lanes),
      whileLoop(condTail, [
        s('dot', `(f32.add ${g('dot')} (f32.mul (f32.load ${dAt}) (f32.load ${yAt})))`),
        inc('j', c32(1)),
      ]),
      s('vdot', `(f32x4.splat ${g('dot')})`),
      s('j', c32(0)),
      whileLoop(cond4, [
        `(v128.store ${dAt} (f32x4.mul (v128.load ${yAt}) (f32x4.sub (v128.load ${dAt}) ${g('vdot')})))`,
        inc('j', c32(4)),
      ]),
      whileLoop(condTail, [
        `(f32.store ${dAt} (f32.mul (f32.load ${yAt}) (f32.sub (f32.load ${dAt}) ${g('dot')})))`,
        inc('j', c32(1)),
      ]),
      inc('y', mul(g('cols'), c32(4))),
      inc('d', mul(g('cols'), c32(4))),
      inc('r', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * layerNorm: per row of `cols`: mean, centred, var = mean(centred^2), rstd = 1 / sqrt(var +
 * eps), out = centred * rstd * gamma + beta; saves mean and rstd per row for the gradient.
 */
function layerNormFunc(): string {
  const cond = `(i32.lt_u ${g('j')} ${g('cols')})`;
  const xAt = add(g('xr'), mul(g('j'), c32(4)));
  const oAt = add(g('or'), mul(g('j'), c32(4)));
  const jAt = (base: string) => add(g(base), mul(g('j'), c32(4)));
  return [
    '(func (export "layerNorm") (param $x i32) (param $gamma i32) (param $beta i32) (param $out i32)',
    '  (param $mean i32) (param $rstd i32) (param $rows i32) (param $cols i32) (param $eps f32)',
    '  (local $r i32) (local $j i32) (local $xr i32) (local $or i32) (local $m f32) (local $v f32) (local $c f32) (local $rs f32) (local $fc f32)',
    s('fc', `(f32.convert_i32_u ${g('cols')})`),
    s('r', c32(0)),
    whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
      s('xr', add(g('x'), mul(mul(g('r'), g('cols')), c32(4)))),
      s('or', add(g('out'), mul(mul(g('r'), g('cols')), c32(4)))),
      s('m', '(f32.const 0)'),
      s('j', c32(0)),
      whileLoop(cond, [s('m', `(f32.add ${g('m')} (f32.load ${xAt}))`), inc('j', c32(1))]),
      s('m', `(f32.div ${g('m')} ${g('fc')})`),
      s('v', '(f32.const 0)'),
      s('j', c32(0)),
      whileLoop(cond, [
        s('c', `(f32.sub (f32.load ${xAt}) ${g('m')})`),
        s('v', `(f32.add ${g('v')} (f32.mul ${g('c')} ${g('c')}))`),
        inc('j', c32(1)),
      ]),
      s('rs', `(f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div ${g('v')} ${g('fc')}) ${g('eps')})))`),
      `(f32.store ${add(g('mean'), mul(g('r'), c32(4)))} ${g('m')})`,
      `(f32.store ${add(g('rstd'), mul(g('r'), c32(4)))} ${g('rs')})`,
      s('j', c32(0)),
      whileLoop(cond, [
        `(f32.store ${oAt} (f32.add (f32.mul (f32.mul (f32.sub (f32.load ${xAt}) ${g('m')}) ${g('rs')}) (f32.load ${jAt('gamma')})) (f32.load ${jAt('beta')})))`,
        inc('j', c32(1)),
      ]),
      inc('r', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * layerNormGrad: with xhat = (x - mean) rstd and g = dy gamma,
 * dx = rstd (g - mean(g) - xhat mean(g xhat)); dgamma = sum_rows dy xhat; dbeta = sum_rows dy.
 * dgamma and dbeta are overwritten.
 */
function layerNormGradFunc(): string {
  const cond = `(i32.lt_u ${g('j')} ${g('cols')})`;
  const at = (base: string) => add(g(base), mul(g('j'), c32(4)));
  const xhat = `(f32.mul (f32.sub (f32.load ${at('xr')}) ${g('m')}) ${g('rs')})`;
  const gj = `(f32.mul (f32.load ${at('dyr')}) (f32.load ${at('gamma')}))`;
  return [
    '(func (export "layerNormGrad") (param $dy i32) (param $x i32) (param $gamma i32) (param $mean i32) (param $rstd i32)',
    '  (param $dx i32) (param $dgamma i32) (param $dbeta i32) (param $rows i32) (param $cols i32)',
    '  (local $r i32) (local $j i32) (local $xr i32) (local $dyr i32) (local $dxr i32) (local $m f32) (local $rs f32)',
    '  (local $sg f32) (local $sgx f32) (local $fc f32) (local $xh f32)',
    s('fc', `(f32.convert_i32_u ${g('cols')})`),
    s('j', c32(0)),
    whileLoop(cond, [
      `(f32.store ${at('dgamma')} (f32.const 0))`,
      `(f32.store ${at('dbeta')} (f32.const 0))`,
      inc('j', c32(1)),
    ]),
    s('r', c32(0)),
    whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
      s('xr', add(g('x'), mul(mul(g('r'), g('cols')), c32(4)))),
      s('dyr', add(g('dy'), mul(mul(g('r'), g('cols')), c32(4)))),
      s('dxr', add(g('dx'), mul(mul(g('r'), g('cols')), c32(4)))),
      s('m', `(f32.load ${add(g('mean'), mul(g('r'), c32(4)))})`),
      s('rs', `(f32.load ${add(g('rstd'), mul(g('r'), c32(4)))})`),
      s('sg', '(f32.const 0)'),
      s('sgx', '(f32.const 0)'),
      s('j', c32(0)),
      whileLoop(cond, [
        s('xh', xhat),
        s('sg', `(f32.add ${g('sg')} ${gj})`),
        s('sgx', `(f32.add ${g('sgx')} (f32.mul ${gj} ${g('xh')}))`),
        `(f32.store ${at('dgamma')} (f32.add (f32.load ${at('dgamma')}) (f32.mul (f32.load ${at('dyr')}) ${g('xh')})))`,
        `(f32.store ${at('dbeta')} (f32.add (f32.load ${at('dbeta')}) (f32.load ${at('dyr')})))`,
        inc('j', c32(1)),
      ]),
      s('sg', `(f32.div ${g('sg')} ${g('fc')})`),
      s('sgx', `(f32.div ${g('sgx')} ${g('fc')})`),
      s('j', c32(0)),
      whileLoop(cond, [
        `(f32.store ${at('dxr')} (f32.mul ${g('rs')} (f32.sub (f32.sub ${gj} ${g('sg')}) (f32.mul ${xhat} ${g('sgx')}))))`,
        inc('j', c32(1)),
      ]),
      inc('r', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * adam: one Adam update over n elements, every operation an f32 rounding in the order of
 * nn/adam.ts's tfjs ops (so the result is the same bits): g = g0 * scale;
 * m1 = m * b1 + g * omb1; v1 = v * b2 + (g * g) * omb2; u = m1 / (sqrt(v1) + eps) * lrT;
 * with decay u = u + p * wd; p1 = p - u. Writes p1, m1, v1 to their own outputs.
 */
function adamFunc(): string {
  const at = (base: string) => add(g(base), mul(g('i'), c32(4)));
  const f = (name: string) => `(f32.load ${at(name)})`;
  return [
    '(func (export "adam") (param $p i32) (param $m i32) (param $v i32) (param $g0 i32) (param $n i32)',
    '  (param $scale f32) (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32) (param $lrT f32)',
    '  (param $eps f32) (param $wd f32) (param $hasWd i32) (param $pOut i32) (param $mOut i32) (param $vOut i32)',
    '  (local $i i32) (local $gr f32) (local $m1 f32) (local $v1 f32) (local $u f32)',
    s('i', c32(0)),
    whileLoop(`(i32.lt_u ${g('i')} ${g('n')})`, [
      s('gr', `(f32.mul ${f('g0')} ${g('scale')})`),
      s('m1', `(f32.add (f32.mul ${f('m')} ${g('b1')}) (f32.mul ${g('gr')} ${g('omb1')}))`),
      s(
        'v1',
        `(f32.add (f32.mul ${f('v')} ${g('b2')}) (f32.mul (f32.mul ${g('gr')} ${g('gr')}) ${g('omb2')}))`,
      ),
      s('u', `(f32.mul (f32.div ${g('m1')} (f32.add (f32.sqrt ${g('v1')}) ${g('eps')})) ${g('lrT')})`),
      `(if ${g('hasWd')} (then ${s('u', `(f32.add ${g('u')} (f32.mul ${f('p')} ${g('wd')}))`)}))`,
      `(f32.store ${at('pOut')} (f32.sub ${f('p')} ${g('u')}))`,
      `(f32.store ${at('mOut')} ${g('m1')})`,
      `(f32.store ${at('vOut')} ${g('v1')})`,
      inc('i', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * colsum: out [cols] = the sum over rows of x [rows, cols], each column added in row order
 * from 0 (the order of tfjs-wasm's Sum over a transposed copy, so the same bits), four
 * columns per f32x4 with the running sums kept in out. Reads x once, in memory order.
 */
function colsumFunc(): string {
  return [
    '(func (export "colsum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)',
    '  (local $r i32) (local $j i32) (local $po i32)',
    s('j', c32(0)),
    whileLoop(`(i32.lt_u ${g('j')} ${g('cols')})`, [
      `(f32.store ${add(g('out'), mul(g('j'), c32(4)))} (f32.const 0))`,
      inc('j', c32(1)),
    ]),
    s('r', c32(0)),
    whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
      s('j', c32(0)),
      s('po', g('out')),
      whileLoop(`(i32.le_u ${add(g('j'), c32(4))} ${g('cols')})`, [
        `(v128.store ${g('po')} (f32x4.add (v128.load ${g('po')}) (v128.load ${g('x')})))`,
        inc('x', c32(16)),
        inc('po', c32(16)),
        inc('j', c32(4)),
      ]),
      whileLoop(`(i32.lt_u ${g('j')} ${g('cols')})`, [
        `(f32.store ${g('po')} (f32.add (f32.load ${g('po')}) (f32.load ${g('x')})))`,
        inc('x', c32(4)),
        inc('po', c32(4)),
        inc('j', c32(1)),
      ]),
      inc('r', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * expf: out[i] = exp(x[i]) for n f32, the same bits as tfjs-wasm's own Exp kernel, which is
 * its libc's expf (musl's, from Arm's optimized-routines, MIT): x N/ln2 = k + r in double,
 * 2^(k/N) from a table of N = 32 doubles at $tab (filled by the caller), a cubic in r, one
 * rounding to f32 at the end; |x| >= 88 handled as that expf does. Its constants are below.
 * It runs straight-line double arithmetic where the libc call took a slow underflow path
 * for every masked logit (about 16 ns an element before, at -1e9).
 */
function expfFunc(): string {
  const f64 = (v: string) => `(f64.const ${v})`;
  return [
    '(func (export "expf") (param $x i32) (param $out i32) (param $n i32) (param $tab i32)',
    '  (local $end i32) (local $v f32) (local $bits i32) (local $top i32) (local $res f32)',
    '  (local $z f64) (local $kd f64) (local $ki i64) (local $r f64) (local $y f64)',
    s('end', add(g('x'), mul(g('n'), c32(4)))),
    whileLoop(`(i32.lt_u ${g('x')} ${g('end')})`, [
      s('v', `(f32.load ${g('x')})`),
      s('bits', `(i32.reinterpret_f32 ${g('v')})`),
      s('top', `(i32.and (i32.shr_u ${g('bits')} (i32.const 20)) (i32.const 0x7ff))`),
      '(block $special (block $normal',
      `  (br_if $normal (i32.lt_u ${g('top')} (i32.const 0x42b)))`,
      `  ${s('res', '(f32.const 0)')}`,
      `  (br_if $special (i32.eq ${g('bits')} (i32.const 0xff800000)))`,
      `  ${s('res', `(f32.add ${g('v')} ${g('v')})`)}`,
      `  (br_if $special (i32.ge_u ${g('top')} (i32.const 0x7f8)))`,
      `  ${s('res', '(f32.const inf)')}`,
      `  (br_if $special (f32.gt ${g('v')} (f32.const 0x1.62e42ep6)))`,
      `  ${s('res', '(f32.const 0)')}`,
      `  (br_if $special (f32.lt ${g('v')} (f32.const -0x1.9fe368p6))))`,
      // x N / ln2 = k + r, k rounded to nearest by the 1.5 * 2^52 shift.
      s('z', `(f64.mul ${f64('0x1.71547652b82fep+5')} (f64.promote_f32 ${g('v')}))`),
      s('kd', `(f64.add ${g('z')} ${f64('0x1.8p+52')})`),
      s('ki', `(i64.reinterpret_f64 ${g('kd')})`),
      s('r', `(f64.sub ${g('z')} (f64.sub ${g('kd')} ${f64('0x1.8p+52')}))`),
      // y = ((C0 r + C1) r^2 + (C2 r + 1)) * 2^(k/N); the constants are C scaled by N^-3, N^-2, N^-1.
      s(
        'y',
        `(f64.add (f64.mul (f64.add (f64.mul ${f64('0x1.c6af84b912394p-20')} ${g('r')}) ${f64('0x1.ebfce50fac4f3p-13')}) (f64.mul ${g('r')} ${g('r')})) (f64.add (f64.mul ${f64('0x1.62e42ff0c52d6p-6')} ${g('r')}) ${f64('1')}))`,
      ),
      s(
        'res',
        `(f32.demote_f64 (f64.mul ${g('y')} (f64.reinterpret_i64 (i64.add (i64.load ${add(g('tab'), mul(`(i32.and (i32.wrap_i64 ${g('ki')}) (i32.const 31))`, c32(8)))}) (i64.shl ${g('ki')} (i64.const 47))))))`,
      ),
      ')',
      `(f32.store ${g('out')} ${g('res')})`,
      inc('x', c32(4)),
      inc('out', c32(4)),
    ]),
    ')',
  ].join('\n');
}

/**
 * equalRows: out[r, c] = a[r, c] == b[r] as one byte (tfjs's bool), for f32 (isInt 0) or i32
 * (isInt 1): the broadcast compare in max's gradient, which tfjs-wasm runs elementwise
 * through its generic broadcasting loop.
 */
function equalRowsFunc(): string {
  return [
    '(func (export "equalRows") (param $a i32) (param $b i32) (param $out i32) (param $rows i32) (param $cols i32) (param $isInt i32)',
    '  (local $r i32) (local $c i32)',
    s('r', c32(0)),
    whileLoop(`(i32.lt_u ${g('r')} ${g('rows')})`, [
      s('c', c32(0)),
      whileLoop(`(i32.lt_u ${g('c')} ${g('cols')})`, [
        `(i32.store8 ${g('out')} (if (result i32) ${g('isInt')} (then (i32.eq (i32.load ${g('a')}) (i32.load ${g('b')}))) (else (f32.eq (f32.load ${g('a')}) (f32.load ${g('b')})))))`,
        inc('a', c32(4)),
        inc('out', c32(1)),
        inc('c', c32(1)),
      ]),
      inc('b', c32(4)),
      inc('r', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * segsum: out [segs, row] = sum of x's rows i [row] into row ids[i] (ids outside 0..segs-1
 * dropped, as TensorFlow does), rows added in index order; f32 (isInt 0) or i32 (isInt 1),
 * four elements at a time, then the tail.
 */
function segsumFunc(): string {
  const vop = `(if (result v128) ${g('isInt')} (then (i32x4.add (v128.load ${g('pd')}) (v128.load ${g('ps')}))) (else (f32x4.add (v128.load ${g('pd')}) (v128.load ${g('ps')}))))`;
  const sop = `(if (result i32) ${g('isInt')} (then (i32.add (i32.load ${g('pd')}) (i32.load ${g('ps')}))) (else (i32.reinterpret_f32 (f32.add (f32.load ${g('pd')}) (f32.load ${g('ps')})))))`;
  return [
    '(func (export "segsum") (param $x i32) (param $ids i32) (param $out i32) (param $n i32) (param $segs i32) (param $row i32) (param $isInt i32)',
    '  (local $i i32) (local $j i32) (local $seg i32) (local $ps i32) (local $pd i32) (local $rowBytes i32)',
    s('rowBytes', mul(g('row'), c32(4))),
    s('j', c32(0)),
    whileLoop(`(i32.lt_u ${g('j')} ${mul(g('segs'), g('row'))})`, [
      `(i32.store ${add(g('out'), mul(g('j'), c32(4)))} (i32.const 0))`,
      inc('j', c32(1)),
    ]),
    s('i', c32(0)),
    whileLoop(`(i32.lt_u ${g('i')} ${g('n')})`, [
      s('seg', `(i32.load ${add(g('ids'), mul(g('i'), c32(4)))})`),
      // Unsigned: negative ids are above segs too.
      `(if (i32.lt_u ${g('seg')} ${g('segs')}) (then`,
      s('ps', add(g('x'), mul(g('i'), g('rowBytes')))),
      s('pd', add(g('out'), mul(g('seg'), g('rowBytes')))),
      s('j', c32(0)),
      whileLoop(`(i32.le_u ${add(g('j'), c32(4))} ${g('row')})`, [
        `(v128.store ${g('pd')} ${vop})`,
        inc('ps', c32(16)),
        inc('pd', c32(16)),
        inc('j', c32(4)),
      ]),
      whileLoop(`(i32.lt_u ${g('j')} ${g('row')})`, [
        `(i32.store ${g('pd')} ${sop})`,
        inc('ps', c32(4)),
        inc('pd', c32(4)),
        inc('j', c32(1)),
      ]),
      '))',
      inc('i', c32(1)),
    ]),
    ')',
  ].join('\n');
}

/**
 * copyBlocks: `blocks` copies of `bytes` bytes, the source advancing by srcStride and the
 * destination by dstStride (memory.copy each). Concat (each input's blocks into its column
 * range of the output) and Tile along one axis (the input's blocks written `times` times)
 * are both this.
 */
function copyBlocksFunc(): string {
  return [
    '(func (export "copyBlocks") (param $src i32) (param $dst i32) (param $blocks i32) (param $bytes i32) (param $srcStride i32) (param $dstStride i32)',
    '  (local $b i32)',
    s('b', c32(0)),
    whileLoop(`(i32.lt_u ${g('b')} ${g('blocks')})`, [
      `(memory.copy ${g('dst')} ${g('src')} ${g('bytes')})`,
      inc('src', g('srcStride')),
      inc('dst', g('dstStride')),
      inc('b', c32(1)),
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
    swapAxesFunc(),
    softmaxFunc(),
    softmaxGradFunc(),
    layerNormFunc(),
    layerNormGradFunc(),
    adamFunc(),
    colsumFunc(),
    expfFunc(),
    equalRowsFunc(),
    segsumFunc(),
    copyBlocksFunc(),
    ')',
    '',
  ].join('\n');
}
