// The semantic-ID explorer: items' codes (codes.arrow, [items, levels]) seen as a tree, one
// level per code position. A node is a code prefix; its children are the codes used at the
// next level under it; its leaves are the items whose ID starts with that prefix.
import type { ItemCodes } from '@glorank/data';

export interface PrefixNode {
  /** Code at level `prefix.length`. */
  code: number;
  /** Items whose ID starts with prefix + code. */
  items: number;
}

function matches(c: ItemCodes, item: number, prefix: readonly number[]): boolean {
  const base = item * c.levels;
  for (let l = 0; l < prefix.length; l++) if (c.codes[base + l] !== prefix[l]) return false;
  return true;
}

/** Children of `prefix`: the codes used at the next level and how many items each covers. */
export function prefixChildren(c: ItemCodes, prefix: readonly number[]): PrefixNode[] {
  if (prefix.length >= c.levels) return [];
  const counts = new Map<number, number>();
  for (let i = 0; i < c.items; i++) {
    if (!matches(c, i, prefix)) continue;
    const code = c.codes[i * c.levels + prefix.length]!;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => a[0] - b[0]).map(([code, items]) => ({ code, items }));
}

/** Items whose ID starts with `prefix`, ascending item id, paginated. */
export function itemsUnderPrefix(
  c: ItemCodes,
  prefix: readonly number[],
  page: { offset: number; limit: number },
): { total: number; items: number[] } {
  const items: number[] = [];
  let total = 0;
  for (let i = 0; i < c.items; i++) {
    if (!matches(c, i, prefix)) continue;
    if (total >= page.offset && items.length < page.limit) items.push(i);
    total++;
  }
  return { total, items };
}

export interface CodebookSummary {
  levels: number;
  items: number;
  /** Distinct codes used at each level. */
  usedPerLevel: number[];
  /** Distinct full IDs, and the items that share an ID with another item. */
  distinctIds: number;
  collidingItems: number;
}

export function codebookSummary(c: ItemCodes): CodebookSummary {
  const used = Array.from({ length: c.levels }, () => new Set<number>());
  const ids = new Map<string, number>();
  for (let i = 0; i < c.items; i++) {
    const row = c.codes.subarray(i * c.levels, (i + 1) * c.levels);
    for (let l = 0; l < c.levels; l++) used[l]!.add(row[l]!);
    const key = row.join(',');
    ids.set(key, (ids.get(key) ?? 0) + 1);
  }
  let colliding = 0;
  for (const n of ids.values()) if (n > 1) colliding += n;
  return {
    levels: c.levels,
    items: c.items,
    usedPerLevel: used.map((s) => s.size),
    distinctIds: ids.size,
    collidingItems: colliding,
  };
}

/** The code tuple of one item. */
export function itemCode(c: ItemCodes, item: number): number[] {
  return Array.from(c.codes.subarray(item * c.levels, (item + 1) * c.levels));
}
