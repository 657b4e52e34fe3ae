// Can a click model learn position or list effects from these logs? Only if logged slates mix
// clicked and unclicked positions. On implicit data (every interaction is a positive) every
// logged slate is all clicks: an evaluator trained on them learns item relevance from the
// unexposed negatives it is shown, and nothing about positions or neighbours, so its "average
// reward" is a relevance score, not a click model's expected clicks (PROTOCOL "Simulator
// targets on implicit data"). `glorank eval` and the experiment report print this warning.
import type { RerankRequest, Split } from '../schema/types.js';

export interface LoggedSlateStats {
  /** Logged slates looked at (requests of the given splits with an exposed slate). */
  slates: number;
  /** Slates whose exposed positions are all positives, all negatives, or a mix. */
  allClicked: number;
  noneClicked: number;
  mixed: number;
  /** Share of positives at each shown position (position 0 first). */
  clickRateByPosition: number[];
}

export function loggedSlateStats(
  requests: readonly RerankRequest[],
  splits: readonly Split[] = ['train', 'valid'],
): LoggedSlateStats {
  const keep = new Set(splits);
  let slates = 0;
  let allClicked = 0;
  let noneClicked = 0;
  const clicks: number[] = [];
  const shown: number[] = [];
  for (const r of requests) {
    if (!keep.has(r.split) || r.exposed.length === 0) continue;
    slates++;
    let c = 0;
    r.exposed.forEach((at, pos) => {
      const y = (r.labels[at] as number) > 0 ? 1 : 0;
      c += y;
      clicks[pos] = (clicks[pos] ?? 0) + y;
      shown[pos] = (shown[pos] ?? 0) + 1;
    });
    if (c === r.exposed.length) allClicked++;
    else if (c === 0) noneClicked++;
  }
  return {
    slates,
    allClicked,
    noneClicked,
    mixed: slates - allClicked - noneClicked,
    clickRateByPosition: shown.map((n, p) => (n > 0 ? (clicks[p] ?? 0) / n : 0)),
  };
}

/**
 * A warning when fewer than `minMixedShare` (default 5%) of the logged slates mix clicks and
 * non-clicks, i.e. the logs cannot teach position or list effects; null otherwise.
 */
export function simulatorWarning(stats: LoggedSlateStats, minMixedShare = 0.05): string | null {
  if (stats.slates === 0)
    return 'no logged slates: a simulator trained on these requests learned nothing about slates';
  const mixed = stats.mixed / stats.slates;
  if (mixed >= minMixedShare) return null;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return (
    `only ${pct(mixed)} of the ${stats.slates} logged slates mix clicks and non-clicks (${pct(stats.allClicked / stats.slates)} are all clicks): ` +
    'a simulator trained on them cannot have learned position or list effects; its average reward ranks slates by how much their items look like logged positives (relevance, like precision), not by a click model'
  );
}
