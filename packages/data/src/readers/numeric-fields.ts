// Fast path for rating lines that are only numbers and separators (u.data, ratings.dat,
// ratings.csv): fields parsed straight from the bytes, no per-line strings. Anything unusual
// (signs, exponents, leading zeros, other characters) returns false and takes the string path.

const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Parse `out.length` fields of `buf[a, b)` separated by the byte sequence `sep` into `out`.
 * Returns false when the line is not exactly that many plain decimal numbers.
 */
export function parseNumericFields(
  buf: Uint8Array,
  a: number,
  b: number,
  sep: Uint8Array,
  out: Float64Array,
): boolean {
  const count = out.length;
  let i = a;
  for (let f = 0; f < count; f++) {
    const start = i;
    let whole = 0;
    while (i < b) {
      const c = buf[i] as number;
      if (c < ZERO || c > NINE) break;
      whole = whole * 10 + (c - ZERO);
      i++;
    }
    const digits = i - start;
    // Leading zeros would make "007" and "7" the same id here but not on the string path.
    if (digits === 0 || digits > 15 || (digits > 1 && buf[start] === ZERO)) return false;
    let value = whole;
    if (i < b && buf[i] === DOT) {
      i++;
      let scale = 1;
      let frac = 0;
      const fracStart = i;
      while (i < b) {
        const c = buf[i] as number;
        if (c < ZERO || c > NINE) break;
        frac = frac * 10 + (c - ZERO);
        scale *= 10;
        i++;
      }
      if (i === fracStart || i - fracStart > 9) return false;
      // One correctly rounded division of exact integers equals Number() of the same text.
      const scaled = whole * scale + frac;
      if (scaled > Number.MAX_SAFE_INTEGER) return false;
      value = scaled / scale;
    }
    out[f] = value;
    if (f === count - 1) return i === b;
    for (let k = 0; k < sep.length; k++) if (buf[i + k] !== sep[k]) return false;
    i += sep.length;
  }
  return false;
}
