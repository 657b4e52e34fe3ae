// What the Datasets page shows about a converted dataset: counts, and the distributions a
// researcher checks before training (positives per request, history lengths, candidate
// counts, item popularity and its long tail). Computed once per dataset and cached.
import type { LoadedDataset, Split } from '@glorank/data';

/** Counts per integer value, from `min` to the largest value seen. */
export interface IntHistogram {
  min: number;
  counts: number[];
  mean: number;
}

/** Counts over power-of-two buckets: [0], [1], [2,3], [4,7], ... */
export interface Log2Histogram {
  /** Inclusive lower and upper bound of each bucket. */
  bounds: [number, number][];
  counts: number[];
}

export interface DatasetStats {
  requestsBySplit: Record<Split, number>;
  coldStartRequests: Record<Split, number>;
  positivesPerRequest: IntHistogram;
  historyLength: IntHistogram;
  candidatesPerRequest: IntHistogram;
  /** Training interactions per item, log2-bucketed. */
  itemPopularity: Log2Histogram;
  /** Popularity by rank (most popular first), at most `longTailPoints` evenly spaced ranks. */
  longTail: { rank: number[]; popularity: number[] };
  /** Share of training interactions that go to the top 10% of items. */
  top10PercentShare: number;
  coldItems: number;
  topItems: { item: number; title: string | null; popularity: number }[];
}

export function intHistogram(values: ArrayLike<number>): IntHistogram {
  if (values.length === 0) return { min: 0, counts: [], mean: Number.NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const counts = new Array<number>(max - min + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[values[i]! - min]!++;
  return { min, counts, mean: sum / values.length };
}

export function log2Histogram(values: ArrayLike<number>): Log2Histogram {
  const counts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const b = v <= 0 ? 0 : 1 + Math.floor(Math.log2(v));
    while (counts.length <= b) counts.push(0);
    counts[b]!++;
  }
  const bounds = counts.map((_, b): [number, number] => (b === 0 ? [0, 0] : [2 ** (b - 1), 2 ** b - 1]));
  return { bounds, counts };
}

export function datasetStats(
  ds: LoadedDataset,
  options: { longTailPoints?: number; topItems?: number } = {},
) {
  const longTailPoints = options.longTailPoints ?? 400;
  const requestsBySplit: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  const coldStartRequests: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  const positives = new Int32Array(ds.requests.length);
  const history = new Int32Array(ds.requests.length);
  const candidates = new Int32Array(ds.requests.length);
  ds.requests.forEach((r, i) => {
    requestsBySplit[r.split]++;
    if (r.coldStart) coldStartRequests[r.split]++;
    let p = 0;
    for (let k = 0; k < r.labels.length; k++) if (r.labels[k]! > 0) p++;
    positives[i] = p;
    history[i] = r.history.length;
    candidates[i] = r.candidates.length;
  });
  const pop = ds.items.popularity;
  const order = Array.from({ length: pop.length }, (_, i) => i).sort((a, b) => pop[b]! - pop[a]! || a - b);
  const total = order.reduce((s, i) => s + pop[i]!, 0);
  const top = Math.ceil(order.length * 0.1);
  let topSum = 0;
  for (let k = 0; k < top; k++) topSum += pop[order[k]!]!;
  const stride = Math.max(1, Math.ceil(order.length / longTailPoints));
  const rank: number[] = [];
  const popularity: number[] = [];
  for (let k = 0; k < order.length; k += stride) {
    rank.push(k + 1);
    popularity.push(pop[order[k]!]!);
  }
  if (order.length > 0 && rank.at(-1) !== order.length) {
    rank.push(order.length);
    popularity.push(pop[order.at(-1)!]!);
  }
  let coldItems = 0;
  for (let i = 0; i < ds.items.cold.length; i++) coldItems += ds.items.cold[i]!;
  return {
    requestsBySplit,
    coldStartRequests,
    positivesPerRequest: intHistogram(positives),
    historyLength: intHistogram(history),
    candidatesPerRequest: intHistogram(candidates),
    itemPopularity: log2Histogram(pop),
    longTail: { rank, popularity },
    top10PercentShare: total > 0 ? topSum / total : 0,
    coldItems,
    topItems: order.slice(0, options.topItems ?? 10).map((item) => ({
      item,
      title: ds.items.title[item] ?? null,
      popularity: pop[item]!,
    })),
  } satisfies DatasetStats;
}
