// The run page's metric table by split: final values of keys written `<split>/<metric>`
// (test/ndcg@6, test_cold/ndcg@6, valid/loss ...) laid out as metric rows and split columns.

export interface SplitTable {
  splits: string[];
  rows: { metric: string; values: (number | null)[] }[];
}

export function splitTable(finals: Record<string, number | null>): SplitTable {
  const splits: string[] = [];
  const byMetric = new Map<string, Map<string, number | null>>();
  for (const [key, value] of Object.entries(finals)) {
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) continue;
    const split = key.slice(0, slash);
    const metric = key.slice(slash + 1);
    if (!splits.includes(split)) splits.push(split);
    const m = byMetric.get(metric) ?? new Map<string, number | null>();
    byMetric.set(metric, m);
    m.set(split, value);
  }
  splits.sort(splitOrder);
  const rows = [...byMetric]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([metric, m]) => ({ metric, values: splits.map((s) => m.get(s) ?? null) }));
  return { splits, rows };
}

// train, valid, test first, each followed by its variants (test_cold ...), then the rest.
function splitOrder(a: string, b: string): number {
  const rank = (s: string) => {
    const i = ['train', 'valid', 'test'].findIndex(
      (p) => s === p || s.startsWith(`${p}_`) || s.startsWith(`${p}-`),
    );
    return i < 0 ? 3 : i;
  };
  return rank(a) - rank(b) || a.length - b.length || a.localeCompare(b);
}
