// Semantic IDs as the networks see them: every item's code at every level, and each
// level's codebook size, defined once here (tfjs-free) for the model, the harness and the
// dashboard's semantic-ID explorer. Built from the tokenizer's output (codes.arrow, read by
// readCodes) or any [items x levels] integer table; a level's vocabulary is one past its
// largest code.

export interface ItemCodes {
  items: number;
  levels: number;
  /** Codebook size per level. */
  vocab: number[];
  /** Row-major [items x levels]. */
  codes: Int32Array;
}

/**
 * Wrap a code table. `codes` is either row-major flat [items x levels] (then `levels` is
 * required) or one array of codes per item. `vocab` (codebook size per level, e.g. the
 * tokenizer's codebookSizes) defaults to one past the largest code of each level.
 */
export function itemCodes(
  codes: ArrayLike<number> | readonly ArrayLike<number>[],
  levels?: number,
  vocab?: readonly number[],
): ItemCodes {
  let flat: Int32Array;
  let lv: number;
  const first = (codes as readonly unknown[])[0];
  if (first !== undefined && typeof first !== 'number') {
    const rows = codes as readonly ArrayLike<number>[];
    lv = levels ?? rows[0]?.length ?? 0;
    flat = new Int32Array(rows.length * lv);
    rows.forEach((row, i) => {
      if (row.length !== lv) throw new RangeError(`item ${i} has ${row.length} codes, expected ${lv}`);
      for (let l = 0; l < lv; l++) flat[i * lv + l] = row[l] as number;
    });
  } else {
    if (levels === undefined) throw new RangeError('itemCodes: a flat code table needs `levels`');
    lv = levels;
    flat = Int32Array.from(codes as ArrayLike<number>);
  }
  if (!Number.isInteger(lv) || lv < 1) throw new RangeError(`itemCodes: levels must be >= 1, got ${lv}`);
  if (flat.length % lv !== 0)
    throw new RangeError(`itemCodes: ${flat.length} codes is not a multiple of ${lv}`);
  const derived = new Array<number>(lv).fill(0);
  for (let i = 0; i < flat.length; i++) {
    const c = flat[i] as number;
    if (c < 0) throw new RangeError(`itemCodes: item ${Math.floor(i / lv)} has a negative code`);
    const l = i % lv;
    if (c + 1 > (derived[l] as number)) derived[l] = c + 1;
  }
  if (vocab !== undefined) {
    if (vocab.length !== lv)
      throw new RangeError(`itemCodes: ${vocab.length} codebook sizes for ${lv} levels`);
    for (let l = 0; l < lv; l++) {
      if ((vocab[l] as number) < (derived[l] as number)) {
        throw new RangeError(
          `itemCodes: level ${l} has code ${(derived[l] as number) - 1}, beyond its codebook size ${vocab[l]}`,
        );
      }
    }
    return { items: flat.length / lv, levels: lv, vocab: [...vocab], codes: flat };
  }
  return { items: flat.length / lv, levels: lv, vocab: derived, codes: flat };
}

/** Codes of one request's candidates, [candidates x levels], for its decoding trie. */
export function candidateCodes(codes: ItemCodes, candidates: ArrayLike<number>): Int32Array {
  const out = new Int32Array(candidates.length * codes.levels);
  for (let i = 0; i < candidates.length; i++) {
    const item = candidates[i] as number;
    if (item < 0 || item >= codes.items) throw new RangeError(`item ${item} has no semantic ID`);
    out.set(codes.codes.subarray(item * codes.levels, (item + 1) * codes.levels), i * codes.levels);
  }
  return out;
}
