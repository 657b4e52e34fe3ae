// The leak audit: precision@L of rankers that learn nothing, per split. If one of them scores
// like a trained model, the benchmark measures the construction of its candidate lists, not
// reranking (the issue-12 leak: positives at the bottom of the retriever's order, so the
// reversed order reached P@6 37.9 on ML-100K and 95 on Amazon Beauty).
//
// Precision@L follows PROTOCOL.md: (1/L) sum of the labels of the top L, requests with no
// positive skipped, macro-averaged, x100. It is recomputed here (a few lines) instead of
// imported because @glorank/data sits below the package that owns the metrics; a hand-worked
// test pins it. Ties are broken at random and the audit reports the EXPECTED precision over
// that tie-break, computed exactly, so a ranker with a constant key scores exactly "random".
import type { RequestColumns } from '../dataset/request-columns.js';
import { requestsFromColumns } from '../dataset/request-columns.js';
import type { RerankRequest, Split } from '../schema/types.js';

export const AUDIT_RANKERS = [
  'random',
  'retrieverTop',
  'retrieverBottom',
  'mostPopular',
  'leastPopular',
  'ceiling',
] as const;
export type AuditRanker = (typeof AUDIT_RANKERS)[number];

export interface SplitAudit {
  /** Requests with at least one positive (the ones every metric averages over). */
  requests: number;
  /** Requests with no positive candidate (skipped by every metric). */
  skipped: number;
  /** Precision@L x100 of each learning-free ranker; `ceiling` = best possible (min(P, L) / L). */
  precision: Record<AuditRanker, number>;
}

export interface LeakAudit {
  slateSize: number;
  /** Per split (splits without requests are absent). */
  splits: Partial<Record<Split, SplitAudit>>;
  /** Human-readable findings; empty when the benchmark passes. */
  warnings: string[];
  /** The thresholds the warnings used. */
  thresholds: { antiSignalOverRandom: number; nearCeiling: number };
}

export interface LeakAuditOptions {
  slateSize: number;
  /** Training interactions per item (items.arrow `popularity`). */
  popularity: ArrayLike<number>;
  /** Warn when retriever-bottom or least-popular exceeds this multiple of random (default 1.5). */
  antiSignalOverRandom?: number;
  /** Warn when a learning-free ranker reaches this share of the ceiling (default 0.5). */
  nearCeiling?: number;
}

/**
 * Expected sum of labels in the top `L` when candidates are ordered by `key` descending and
 * ties are broken uniformly at random: whole tie groups above the cut count fully, the group
 * straddling the cut contributes its mean label times the places left.
 */
export function expectedTopLabelSum(key: ArrayLike<number>, labels: ArrayLike<number>, L: number): number {
  const n = key.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (key[b] as number) - (key[a] as number),
  );
  let taken = 0;
  let sum = 0;
  let g = 0;
  while (g < n && taken < L) {
    let h = g;
    let groupSum = 0;
    const k0 = key[order[g] as number] as number;
    while (h < n && key[order[h] as number] === k0) {
      groupSum += labels[order[h] as number] as number;
      h++;
    }
    const size = h - g;
    const places = Math.min(size, L - taken);
    sum += (groupSum * places) / size;
    taken += places;
    g = h;
  }
  return sum;
}

/** Precision@L (x1, not x100) of ordering by `key`, expected over random tie-breaks. */
export function precisionAtL(key: ArrayLike<number>, labels: ArrayLike<number>, L: number): number {
  return expectedTopLabelSum(key, labels, L) / L;
}

const LABELS: Record<AuditRanker, string> = {
  random: 'random',
  retrieverTop: 'retriever top-L',
  retrieverBottom: 'retriever bottom-L',
  mostPopular: 'most popular L',
  leastPopular: 'least popular L',
  ceiling: 'ceiling',
};

export function auditRankerLabel(r: AuditRanker): string {
  return LABELS[r];
}

/** The audit of a request set (objects or the builder's columns). */
export function leakAudit(
  requests: readonly RerankRequest[] | RequestColumns,
  options: LeakAuditOptions,
): LeakAudit {
  const reqs = Array.isArray(requests)
    ? (requests as readonly RerankRequest[])
    : requestsFromColumns(requests as RequestColumns);
  const L = options.slateSize;
  const anti = options.antiSignalOverRandom ?? 1.5;
  const near = options.nearCeiling ?? 0.5;
  const pop = options.popularity;
  const acc = new Map<Split, { n: number; skipped: number; sums: Record<AuditRanker, number> }>();
  for (const r of reqs) {
    let a = acc.get(r.split);
    if (!a) {
      a = {
        n: 0,
        skipped: 0,
        sums: { random: 0, retrieverTop: 0, retrieverBottom: 0, mostPopular: 0, leastPopular: 0, ceiling: 0 },
      };
      acc.set(r.split, a);
    }
    const N = r.candidates.length;
    let P = 0;
    let positives = 0;
    for (let i = 0; i < N; i++) {
      const y = r.labels[i] as number;
      P += y;
      if (y > 0) positives++;
    }
    if (positives === 0) {
      a.skipped++;
      continue;
    }
    a.n++;
    const l = Math.min(L, N);
    const neg = new Float64Array(N);
    const popKey = new Float64Array(N);
    const negPop = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      neg[i] = -(r.initialScores[i] as number);
      popKey[i] = pop[r.candidates[i] as number] as number;
      negPop[i] = -(popKey[i] as number);
    }
    const s = a.sums;
    // A uniformly random slate of l distinct candidates holds l * (P / N) expected label mass.
    s.random += (l * P) / N / L;
    s.retrieverTop += precisionAtL(r.initialScores, r.labels, l) * (l / L);
    s.retrieverBottom += precisionAtL(neg, r.labels, l) * (l / L);
    s.mostPopular += precisionAtL(popKey, r.labels, l) * (l / L);
    s.leastPopular += precisionAtL(negPop, r.labels, l) * (l / L);
    s.ceiling += precisionAtL(r.labels, r.labels, l) * (l / L);
  }
  const splits: Partial<Record<Split, SplitAudit>> = {};
  const warnings: string[] = [];
  for (const split of ['train', 'valid', 'test'] as const) {
    const a = acc.get(split);
    if (!a) continue;
    const precision = {} as Record<AuditRanker, number>;
    for (const k of AUDIT_RANKERS) precision[k] = a.n > 0 ? (100 * a.sums[k]) / a.n : 0;
    splits[split] = { requests: a.n, skipped: a.skipped, precision };
    if (a.n === 0) continue;
    const f = (x: number) => x.toFixed(1);
    for (const k of ['retrieverBottom', 'leastPopular'] as const) {
      if (precision[k] > anti * precision.random)
        warnings.push(
          `${split}: ${LABELS[k]} scores P@${L} ${f(precision[k])}, above ${anti}x random (${f(precision.random)}): the candidate lists leak their labels through an anti-signal`,
        );
    }
    for (const k of ['retrieverTop', 'retrieverBottom', 'mostPopular', 'leastPopular'] as const) {
      if (precision[k] >= near * precision.ceiling)
        warnings.push(
          `${split}: ${LABELS[k]} scores P@${L} ${f(precision[k])}, at least ${near} of the ceiling (${f(precision.ceiling)}): a ranker that learns nothing comes near the best possible, so rerankers have no room to win`,
        );
    }
    if (precision.retrieverTop <= precision.random)
      warnings.push(
        `${split}: the retriever's own top-L (${f(precision.retrieverTop)}) does not beat random (${f(precision.random)}): the initial order carries no signal`,
      );
  }
  return { slateSize: L, splits, warnings, thresholds: { antiSignalOverRandom: anti, nearCeiling: near } };
}

/** The audit as a fixed-width table (one row per split), with its warnings below. */
export function formatLeakAudit(audit: LeakAudit): string[] {
  const L = audit.slateSize;
  const head = ['split', 'requests', ...AUDIT_RANKERS.map((k) => LABELS[k])];
  const rows: string[][] = [];
  for (const split of ['train', 'valid', 'test'] as const) {
    const s = audit.splits[split];
    if (!s) continue;
    rows.push([split, String(s.requests), ...AUDIT_RANKERS.map((k) => s.precision[k].toFixed(1))]);
  }
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    `  ${cells.map((x, c) => (c < 1 ? x.padEnd(width[c] as number) : x.padStart(width[c] as number))).join('  ')}`;
  return [
    `leak audit: P@${L} x100 of rankers that learn nothing (ties broken at random, expected value)`,
    line(head),
    ...rows.map(line),
    ...(audit.warnings.length === 0
      ? [
          `  ok: no anti-signal ranker above ${audit.thresholds.antiSignalOverRandom}x random, none within ${audit.thresholds.nearCeiling} of the ceiling`,
        ]
      : audit.warnings.map((w) => `  WARNING ${w}`)),
  ];
}
