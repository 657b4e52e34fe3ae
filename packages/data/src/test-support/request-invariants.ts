// Independent checks of the request protocol, recomputed from the interactions table: used by
// the builder's tests on fixtures and on real data. Returns human-readable violations.
import type { RequestColumns } from '../dataset/request-columns.js';
import { requestsFromColumns } from '../dataset/request-columns.js';
import type { DatasetContent } from '../dataset/write-dataset.js';
import type { RerankRequest } from '../schema/types.js';

export function requestViolations(content: DatasetContent, limit = 20): string[] {
  const p = content.manifest.protocol;
  const reqs: readonly RerankRequest[] = Array.isArray(content.requests)
    ? (content.requests as RerankRequest[])
    : requestsFromColumns(content.requests as RequestColumns);
  const t = content.interactions;
  const cold = content.items.cold;
  const out: string[] = [];
  const bad = (r: RerankRequest, what: string): void => {
    if (out.length < limit) out.push(`request ${r.id} (user ${r.user}, ${r.split}): ${what}`);
  };
  // Per user: item -> [ts, rating, position].
  const byUser = new Map<number, Map<number, [number, number, number]>>();
  const userStart = new Map<number, number>();
  for (let k = 0; k < t.count; k++) {
    const u = t.user[k]!;
    if (!byUser.has(u)) {
      byUser.set(u, new Map());
      userStart.set(u, k);
    }
    byUser.get(u)!.set(t.item[k]!, [t.ts[k]!, t.rating[k]!, k - userStart.get(u)!]);
  }
  const lastTs = new Map<number, { split: string; ts: number }[]>();
  for (const r of reqs) {
    const mine = byUser.get(r.user) ?? new Map();
    const cands = [...r.candidates];
    if (new Set(cands).size !== cands.length) bad(r, 'candidates are not distinct');
    if (cands.length !== p.candidates) bad(r, `${cands.length} candidates, expected ${p.candidates}`);
    if (r.labels.length !== cands.length || r.initialScores.length !== cands.length)
      bad(r, 'lists not aligned');
    const hist = new Set(r.history);
    if (r.history.length > p.historyLength) bad(r, 'history too long');
    for (const c of cands) if (hist.has(c)) bad(r, `history item ${c} among candidates`);
    // Exposed = the candidates the user interacted with; they must be L consecutive interactions.
    const exposed = cands.filter((c) => mine.has(c));
    if (exposed.length !== p.slateSize) bad(r, `${exposed.length} exposed items, expected ${p.slateSize}`);
    const positions = exposed.map((c) => mine.get(c)![2]).sort((a, b) => a - b);
    if (positions.length > 0 && positions[positions.length - 1]! - positions[0]! !== positions.length - 1) {
      bad(r, 'exposed items are not consecutive interactions');
    }
    const first = positions[0] ?? 0;
    // The logged slate: L distinct indices into candidates, the exposed items in shown (time) order.
    const shown = [...r.exposed];
    if (shown.length !== p.slateSize) bad(r, `exposed has ${shown.length} indices, expected ${p.slateSize}`);
    if (new Set(shown).size !== shown.length) bad(r, 'exposed indices are not distinct');
    if (shown.some((k) => !(k >= 0 && k < cands.length))) bad(r, 'exposed index outside candidates');
    else {
      const shownItems = shown.map((k) => cands[k]!);
      if (shownItems.some((c) => !mine.has(c))) bad(r, 'exposed index points at an item the user never met');
      const shownPos = shownItems.map((c) => mine.get(c)?.[2] ?? -1);
      if (shownPos.some((x, j) => j > 0 && x <= shownPos[j - 1]!)) bad(r, 'exposed is not in shown order');
    }
    const shownSet = new Set(shown);
    for (let i = 0; i < cands.length; i++)
      if (r.labels[i]! > 0 && !shownSet.has(i)) bad(r, `label > 0 at unexposed candidate ${i}`);
    for (let i = 0; i < cands.length; i++) {
      const c = cands[i]!;
      const rec = mine.get(c);
      const want = rec && rec[1] >= p.ratingThreshold ? 1 : 0;
      if (r.labels[i] !== want) bad(r, `label of ${c} is ${r.labels[i]}, expected ${want}`);
      if (rec && rec[0] < r.ts) bad(r, `exposed item ${c} is older than the request`);
    }
    // No time leak: history = the interactions just before the window, oldest first.
    let prevPos = -1;
    for (const h of r.history) {
      const rec = mine.get(h);
      if (!rec) bad(r, `history item ${h} is not the user's`);
      else {
        if (rec[0] > r.ts) bad(r, `history item ${h} is from the future`);
        if (rec[2] >= first) bad(r, `history item ${h} is not before the exposed window`);
        if (rec[2] <= prevPos) bad(r, 'history is not in time order');
        prevPos = rec[2];
      }
    }
    if (r.split === 'train') {
      for (const c of [...cands, ...r.history]) if (cold[c]) bad(r, `cold item ${c} in a training request`);
    }
    let coldPos = false;
    for (let i = 0; i < cands.length; i++) if (r.labels[i]! > 0 && cold[cands[i]!]) coldPos = true;
    if (coldPos !== r.coldStart) bad(r, 'coldStart flag disagrees with labels');
    lastTs.set(r.user, [...(lastTs.get(r.user) ?? []), { split: r.split, ts: r.ts }]);
  }
  for (const [u, list] of lastTs) {
    const splits = list.map((x) => x.split);
    const test = splits.lastIndexOf('test');
    if (test !== -1 && test !== splits.length - 1 && out.length < limit)
      out.push(`user ${u}: test is not the last request`);
    const valid = splits.indexOf('valid');
    if (valid !== -1 && test !== -1 && valid !== test - 1 && out.length < limit) {
      out.push(`user ${u}: valid is not just before test`);
    }
  }
  for (let i = 0; i < content.items.count; i++) {
    if (cold[i] && content.items.popularity[i]! > 0 && out.length < limit)
      out.push(`cold item ${i} has popularity`);
  }
  return out;
}
