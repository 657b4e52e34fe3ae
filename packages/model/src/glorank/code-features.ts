// Hand-made features from the hierarchy of semantic IDs, shared by the encoder and the
// evaluator. Items whose codes share a prefix are alike (residual quantisation puts
// similar items under the same first codes), so prefix overlap is a cheap similarity:
// - history affinity: for each level l, the share of the user's history items that
//   share the item's first l+1 codes (how much the user has consumed "this kind" of item);
// - neighbour overlap: for an item in a slate, the position-decayed count of other slate
//   items sharing its first l+1 codes (how redundant it is where it stands).
import type { ItemCodes } from '@glorank/data';

/** Length of the common code prefix of two items (0 .. levels). */
export function commonPrefix(codes: ItemCodes, a: number, b: number): number {
  const L = codes.levels;
  const c = codes.codes;
  let l = 0;
  while (l < L && c[a * L + l] === c[b * L + l]) l++;
  return l;
}

/** Per level, the share of `history` items sharing `item`'s code prefix to that level; `out` gets `levels` values. */
export function historyAffinity(
  codes: ItemCodes,
  history: ArrayLike<number>,
  historyLength: number,
  item: number,
  out: Float32Array,
  offset: number,
): void {
  const L = codes.levels;
  for (let l = 0; l < L; l++) out[offset + l] = 0;
  const n = Math.min(historyLength, history.length);
  if (n === 0) return;
  for (let j = history.length - n; j < history.length; j++) {
    const p = commonPrefix(codes, item, history[j] as number);
    for (let l = 0; l < p; l++) out[offset + l] = (out[offset + l] as number) + 1 / n;
  }
}

/** Per level, sum over other slate positions j of decay^(|i-j|-1) when they share item i's prefix to that level. */
export function neighbourOverlap(
  codes: ItemCodes,
  slate: ArrayLike<number>,
  i: number,
  decay: number,
  out: Float32Array,
  offset: number,
): void {
  const L = codes.levels;
  for (let l = 0; l < L; l++) out[offset + l] = 0;
  for (let j = 0; j < slate.length; j++) {
    if (j === i) continue;
    const w = decay ** (Math.abs(i - j) - 1);
    const p = commonPrefix(codes, slate[i] as number, slate[j] as number);
    for (let l = 0; l < p; l++) out[offset + l] = (out[offset + l] as number) + w;
  }
}
