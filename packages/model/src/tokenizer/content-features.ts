// Content features of items, available for every item including cold ones: categories
// multi-hot, year buckets (with half weight on neighbouring buckets so nearby years stay
// close), and hashed title n-grams (words, word bigrams, character trigrams) with
// sublinear TF x smoothed IDF. Each block is L2-normalised per item and then weighted, so no
// block dominates by width. The result is sparse; PCA reduces it downstream.
import type { ItemTable } from '@glorank/data';
import { type CsrMatrix, csrFromTriplets } from './sparse-matrix.js';

export interface ContentFeatureOptions {
  /** Hash buckets for title n-grams (default 4096). */
  titleBuckets?: number;
  /** Years per bucket (default 5). */
  yearBucket?: number;
  /** Block weights: each block's L2 norm per item (defaults categories 1, year 0.5, title 1). */
  weights?: { categories?: number; year?: number; title?: number };
}

export interface ContentBlock {
  name: 'categories' | 'year' | 'title';
  offset: number;
  width: number;
  /** Items with at least one feature in this block. */
  itemsWithData: number;
}

export interface ContentFeatures {
  /** [items, columns] sparse. */
  matrix: CsrMatrix;
  blocks: ContentBlock[];
  /** Category of each categories-block column. */
  categories: string[];
  /** Items with no content feature at all (they all map to the same point). */
  emptyItems: number;
}

/** 32-bit FNV-1a over UTF-16 code units: a stable hash for the n-gram buckets. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Title n-grams: words, word bigrams and character trigrams of padded words. */
export function titleNgrams(title: string): string[] {
  // MovieLens-style titles end in "(1995)"; the year has its own block.
  const text = title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s*\(\d{4}\)\s*$/u, '');
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  const grams: string[] = [];
  for (let w = 0; w < words.length; w++) {
    const word = words[w] as string;
    grams.push(`w:${word}`);
    if (w + 1 < words.length) grams.push(`b:${word} ${words[w + 1]}`);
    const padded = `^${word}$`;
    const chars = Array.from(padded);
    for (let c = 0; c + 3 <= chars.length; c++) grams.push(`c:${chars.slice(c, c + 3).join('')}`);
  }
  return grams;
}

interface Triplets {
  rows: number[];
  cols: number[];
  vals: number[];
}

/** Append one item's block entries, scaled to L2 norm `weight`. Returns whether any were added. */
function pushNormalised(
  t: Triplets,
  row: number,
  entries: Map<number, number>,
  offset: number,
  weight: number,
): boolean {
  let sq = 0;
  for (const v of entries.values()) sq += v * v;
  if (!(sq > 0) || weight <= 0) return false;
  const scale = weight / Math.sqrt(sq);
  const cols = Array.from(entries.keys()).sort((a, b) => a - b);
  for (const c of cols) {
    t.rows.push(row);
    t.cols.push(offset + c);
    t.vals.push((entries.get(c) as number) * scale);
  }
  return true;
}

export function contentFeatures(items: ItemTable, options: ContentFeatureOptions = {}): ContentFeatures {
  const n = items.count;
  const buckets = options.titleBuckets ?? 4096;
  const yearWidth = options.yearBucket ?? 5;
  const w = { categories: 1, year: 0.5, title: 1, ...options.weights };
  const t: Triplets = { rows: [], cols: [], vals: [] };
  const hasAny = new Uint8Array(n);
  const blocks: ContentBlock[] = [];

  // Categories: sorted vocabulary so columns do not depend on item order.
  const vocab = Array.from(new Set(items.categories.flat())).sort();
  const catIndex = new Map(vocab.map((c, i) => [c, i]));
  let withCats = 0;
  for (let i = 0; i < n; i++) {
    const entries = new Map<number, number>();
    for (const c of items.categories[i] ?? []) entries.set(catIndex.get(c) as number, 1);
    if (pushNormalised(t, i, entries, 0, w.categories)) {
      withCats++;
      hasAny[i] = 1;
    }
  }
  blocks.push({ name: 'categories', offset: 0, width: vocab.length, itemsWithData: withCats });

  // Years: absolute buckets between the earliest and latest year present.
  let minYear = Infinity;
  let maxYear = -Infinity;
  for (const y of items.year) {
    if (y === null || !Number.isFinite(y)) continue;
    minYear = Math.min(minYear, y);
    maxYear = Math.max(maxYear, y);
  }
  const minBucket = minYear <= maxYear ? Math.floor(minYear / yearWidth) : 0;
  const maxBucket = minYear <= maxYear ? Math.floor(maxYear / yearWidth) : -1;
  const yearOffset = vocab.length;
  const yearCols = maxBucket - minBucket + 1;
  let withYear = 0;
  for (let i = 0; i < n; i++) {
    const y = items.year[i];
    if (y === null || y === undefined || !Number.isFinite(y)) continue;
    const b = Math.floor(y / yearWidth) - minBucket;
    const entries = new Map<number, number>([[b, 1]]);
    if (b > 0) entries.set(b - 1, 0.5);
    if (b + 1 < yearCols) entries.set(b + 1, 0.5);
    if (pushNormalised(t, i, entries, yearOffset, w.year)) {
      withYear++;
      hasAny[i] = 1;
    }
  }
  blocks.push({ name: 'year', offset: yearOffset, width: Math.max(0, yearCols), itemsWithData: withYear });

  // Titles: hashed n-grams, TF = 1 + log(count), IDF = log((1 + n) / (1 + df)) + 1.
  const titleOffset = yearOffset + Math.max(0, yearCols);
  const perItem: Map<number, number>[] = [];
  const df = new Int32Array(buckets);
  for (let i = 0; i < n; i++) {
    const counts = new Map<number, number>();
    const title = items.title[i];
    if (title)
      for (const g of titleNgrams(title)) {
        const b = fnv1a(g) % buckets;
        counts.set(b, (counts.get(b) ?? 0) + 1);
      }
    for (const b of counts.keys()) df[b] = (df[b] as number) + 1;
    perItem.push(counts);
  }
  let withTitle = 0;
  for (let i = 0; i < n; i++) {
    const entries = new Map<number, number>();
    for (const [b, c] of perItem[i] as Map<number, number>) {
      entries.set(b, (1 + Math.log(c)) * (Math.log((1 + n) / (1 + (df[b] as number))) + 1));
    }
    if (pushNormalised(t, i, entries, titleOffset, w.title)) {
      withTitle++;
      hasAny[i] = 1;
    }
  }
  blocks.push({ name: 'title', offset: titleOffset, width: buckets, itemsWithData: withTitle });

  let empty = 0;
  for (let i = 0; i < n; i++) if (!hasAny[i]) empty++;
  return {
    matrix: csrFromTriplets(n, titleOffset + buckets, t.rows, t.cols, t.vals),
    blocks,
    categories: vocab,
    emptyItems: empty,
  };
}
