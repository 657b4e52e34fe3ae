// Unique semantic IDs: items whose residual codes coincide get one more token, their rank
// within the collision group in item order (the disambiguation token of TIGER-style
// semantic IDs), so every item has a distinct ID while colliding items stay siblings.

export interface SemanticIds {
  /** [items, levels] row-major, levels including the disambiguation level when added. */
  codes: Int16Array;
  levels: number;
  /** Tokens per level (the extra level's size is the largest collision group). */
  codebookSizes: number[];
  disambiguationLevel: boolean;
  /** Share of items whose quantised codes are shared with at least one other item. */
  collisionRate: number;
  /** Items in a collision group. */
  collidingItems: number;
  /** Distinct quantised code tuples. */
  distinctCodes: number;
  /** Largest number of items sharing one code tuple. */
  largestCollisionGroup: number;
}

export type DisambiguationMode = 'auto' | 'always';

/**
 * Collision statistics and final IDs for `items` rows of `levels` codes. 'auto' adds the
 * extra level only when some items collide; 'always' adds it regardless (a fixed ID length).
 */
export function assignSemanticIds(
  codes: Int32Array,
  items: number,
  levels: number,
  codebookSizes: readonly number[],
  mode: DisambiguationMode = 'auto',
): SemanticIds {
  const groups = new Map<string, number>();
  const rank = new Int32Array(items);
  const groupOf = new Int32Array(items);
  const sizes: number[] = [];
  for (let i = 0; i < items; i++) {
    let key = '';
    for (let l = 0; l < levels; l++) key += `${codes[i * levels + l]},`;
    let g = groups.get(key);
    if (g === undefined) {
      g = sizes.length;
      groups.set(key, g);
      sizes.push(0);
    }
    groupOf[i] = g;
    rank[i] = sizes[g] as number;
    sizes[g] = (sizes[g] as number) + 1;
  }
  let colliding = 0;
  for (let i = 0; i < items; i++) if ((sizes[groupOf[i] as number] as number) > 1) colliding++;
  const largest = sizes.reduce((m, s) => Math.max(m, s), 0);
  if (largest > 32768) {
    throw new RangeError(`${largest} items share one code: too many for an Int16 disambiguation token`);
  }
  const extra = mode === 'always' || largest > 1;
  const out = extra ? levels + 1 : levels;
  const ids = new Int16Array(items * out);
  for (let i = 0; i < items; i++) {
    for (let l = 0; l < levels; l++) ids[i * out + l] = codes[i * levels + l] as number;
    if (extra) ids[i * out + levels] = rank[i] as number;
  }
  return {
    codes: ids,
    levels: out,
    codebookSizes: extra ? [...codebookSizes, Math.max(1, largest)] : [...codebookSizes],
    disambiguationLevel: extra,
    collisionRate: items > 0 ? colliding / items : 0,
    collidingItems: colliding,
    distinctCodes: sizes.length,
    largestCollisionGroup: largest,
  };
}
