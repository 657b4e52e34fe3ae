// Personalised stage-1 retriever without training: item-to-item co-occurrence over training
// interactions (item-based CF, Sarwar et al. 2001; Linden et al. 2003). A candidate's score is
// the number of (other user, history item) pairs where that user also met the candidate,
// damped by the candidate's popularity: score(j) = sum_{v != u} |H ∩ I_v| [j in I_v] / pop(j)^a.
//
// Cross-fitting is exact and per user: the requesting user's own interactions are left out of
// the index (leave-one-user-out), so a request's scores never come from data that contains its
// exposed window, for training windows (whose exposed items ARE training interactions of that
// user) as for valid/test ones. No fold models are needed, so any window stride works.

export interface CooccurrenceIndex {
  users: number;
  items: number;
  /** CSR item -> training users. */
  itemOffsets: Int32Array;
  itemUsers: Int32Array;
  /** Training interactions per item (the damping denominator). */
  popularity: Int32Array;
  /** Exponent a of the popularity damping (0 = raw counts; 0.5 = cosine-like). */
  damping: number;
}

/** Index of (user, item) training pairs; duplicates are assumed merged upstream. */
export function buildCooccurrenceIndex(
  users: number,
  items: number,
  pairUser: Int32Array,
  pairItem: Int32Array,
  damping = 0.5,
): CooccurrenceIndex {
  const itemOffsets = new Int32Array(items + 1);
  for (let k = 0; k < pairItem.length; k++) {
    const at = (pairItem[k] as number) + 1;
    itemOffsets[at] = (itemOffsets[at] as number) + 1;
  }
  const popularity = new Int32Array(items);
  for (let i = 0; i < items; i++) {
    popularity[i] = itemOffsets[i + 1] as number;
    itemOffsets[i + 1] = (itemOffsets[i + 1] as number) + (itemOffsets[i] as number);
  }
  const fill = itemOffsets.slice(0, items);
  const itemUsers = new Int32Array(pairItem.length);
  for (let k = 0; k < pairItem.length; k++) {
    const i = pairItem[k] as number;
    itemUsers[fill[i] as number] = pairUser[k] as number;
    fill[i] = (fill[i] as number) + 1;
  }
  return { users, items, itemOffsets, itemUsers, popularity, damping };
}

/** Scores of `candidates` for `user` with `history`, leaving `user`'s own interactions out. */
export class CooccurrenceScorer {
  private readonly overlap: Int32Array;
  private readonly touched: number[] = [];

  constructor(private readonly index: CooccurrenceIndex) {
    this.overlap = new Int32Array(index.users);
  }

  score(
    user: number,
    history: ArrayLike<number>,
    candidates: ArrayLike<number>,
    out: Float32Array,
  ): Float32Array {
    const { itemOffsets, itemUsers, popularity, damping } = this.index;
    const overlap = this.overlap;
    for (let h = 0; h < history.length; h++) {
      const it = history[h] as number;
      for (let k = itemOffsets[it] as number; k < (itemOffsets[it + 1] as number); k++) {
        const v = itemUsers[k] as number;
        if (v === user) continue;
        if (overlap[v] === 0) this.touched.push(v);
        overlap[v] = (overlap[v] as number) + 1;
      }
    }
    for (let c = 0; c < candidates.length; c++) {
      const j = candidates[c] as number;
      let s = 0;
      // The user's own interaction is not in the denominator either: leave-one-user-out throughout.
      let pop = popularity[j] as number;
      for (let k = itemOffsets[j] as number; k < (itemOffsets[j + 1] as number); k++) {
        const v = itemUsers[k] as number;
        if (v !== user) s += overlap[v] as number;
        else pop--;
      }
      out[c] = pop > 0 && damping > 0 ? s / pop ** damping : s;
    }
    for (const v of this.touched) overlap[v] = 0;
    this.touched.length = 0;
    return out;
  }
}
