// Step 9 of the request protocol (build-requests.ts): one request per window, written into flat
// columns. The two candidate constructions ('sampled', the default, and 'top-retriever') differ
// only in how they pick and order a window's candidate list; the per-user walk and the writing of
// user, split, history, candidates, labels, scores and the logged slate are shared.

import type { RequestColumns } from '../dataset/request-columns.js';
import { Rng } from '../random/rng.js';
import type { ProtocolParams } from '../schema/types.js';
import { type BprModel, bprScores } from './bpr.js';
import type { CooccurrenceScorer } from './cooccurrence.js';
import { sampleWithoutReplacement, WeightedItems } from './negative-sampling.js';

export const SPLIT_TRAIN = 0;
export const SPLIT_VALID = 1;
export const SPLIT_TEST = 2;

/** Interactions sorted by (dense) user, then time; user u's are [start[u], start[u + 1]). */
export interface Timeline {
  count: number;
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
  ts: Float64Array;
  start: Int32Array;
}

/** Request windows in output order (by user, oldest first); a window is L interactions from `start`. */
export interface Windows {
  start: number[];
  split: number[];
  user: number[];
  /** Cross-fitting fold of a training window (0/1; -1 for valid/test). */
  fold: number[];
}

/** The stage-1 retrievers fitted on training interactions. */
export interface Retrievers {
  /** BPR models: [0] fitted on all training interactions, [1]/[2] without fold 0/1 (empty: no BPR). */
  bpr: { model: BprModel; pool: Int32Array }[];
  /** Items with a training interaction. */
  pool: Int32Array;
  /** log(1 + training popularity) per item. */
  popScores: Float32Array;
  popularity: Int32Array;
  cooc: CooccurrenceScorer | null;
}

/** A window's candidate list in final order: item, initial score, window position (-1: not exposed). */
interface CandidateList {
  items: Int32Array;
  scores: Float32Array;
  windowPos: Int32Array;
}

/** Picks and orders the candidates of one window; returns the list length. */
type WindowCandidates = (r: number, ws: number, split: number, fold: number, history: Int32Array) => number;

/** Per-user setup of a candidate construction, returning the per-window step. */
type CandidateConstruction = (u: number, s: number, e: number) => WindowCandidates;

export interface RequestInputs {
  p: ProtocolParams;
  users: number;
  items: number;
  timeline: Timeline;
  windows: Windows;
  cold: Uint8Array;
  retrievers: Retrievers;
  progress: (stage: string, done: number, total: number) => void;
}

/** Every window's request, as columns (the lists are views sized to what was written). */
export function writeRequests(input: RequestInputs): RequestColumns {
  const { p, timeline, windows, cold, progress } = input;
  const { item, rating, ts, start } = timeline;
  const R = windows.start.length;
  const N = p.candidates;
  const H = p.historyLength;
  const L = p.slateSize;
  const out: RequestColumns = {
    count: R,
    user: new Int32Array(R),
    split: new Uint8Array(R),
    coldStart: new Uint8Array(R),
    ts: new Float64Array(R),
    historyOffsets: new Int32Array(R + 1),
    history: new Int32Array(R * H),
    candidateOffsets: new Int32Array(R + 1),
    candidates: new Int32Array(R * N),
    labels: new Float32Array(R * N),
    initialScores: new Float32Array(R * N),
    exposedOffsets: new Int32Array(R + 1),
    exposed: new Int32Array(R * L),
  };
  const list: CandidateList = {
    items: new Int32Array(N),
    scores: new Float32Array(N),
    windowPos: new Int32Array(N),
  };
  /** stampUser[i] === u: user u met item i (anywhere in the log), so it is no negative for u. */
  const stampUser = new Int32Array(input.items).fill(-1);
  const construction =
    (p.candidatesMode ?? 'sampled') === 'sampled'
      ? sampledCandidates(input, list, stampUser)
      : topRetrieverCandidates(input, list, stampUser);
  // Locals, not property loads, in the loop that writes every candidate of every request.
  const outHistory = out.history;
  const outCandidates = out.candidates;
  const outLabels = out.labels;
  const outScores = out.initialScores;
  let hAt = 0;
  let cAt = 0;
  let r = 0;
  for (let u = 0; u < input.users && r < R; u++) {
    const s = start[u] as number;
    const e = start[u + 1] as number;
    if (windows.user[r] !== u) continue;
    for (let k = s; k < e; k++) stampUser[item[k] as number] = u;
    const candidatesOf = construction(u, s, e);
    while (r < R && windows.user[r] === u) {
      const ws = windows.start[r] as number;
      const split = windows.split[r] as number;
      out.user[r] = u;
      out.split[r] = split;
      out.ts[r] = ts[ws] as number;
      // History: the most recent interactions before the window (training requests skip cold items).
      const h0 = hAt;
      for (let k = ws - 1; k >= s && hAt - h0 < H; k--) {
        if (split === SPLIT_TRAIN && cold[item[k] as number]) continue;
        outHistory[hAt++] = item[k] as number;
      }
      const history = outHistory.subarray(h0, hAt).reverse();
      out.historyOffsets[r + 1] = hAt;
      const nc = candidatesOf(r, ws, split, windows.fold[r] as number, history);
      let coldPositive = false;
      const eAt = r * L;
      for (let k = 0; k < nc; k++) {
        const it = list.items[k] as number;
        const pos = list.windowPos[k] as number;
        let positive = false;
        if (pos >= 0) {
          // Window position = shown position: the logged slate in time order.
          out.exposed[eAt + pos] = k;
          positive = (rating[ws + pos] as number) >= p.ratingThreshold;
        }
        outCandidates[cAt + k] = it;
        outScores[cAt + k] = list.scores[k] as number;
        outLabels[cAt + k] = positive ? 1 : 0;
        if (positive && cold[it]) coldPositive = true;
      }
      out.coldStart[r] = coldPositive ? 1 : 0;
      cAt += nc;
      out.candidateOffsets[r + 1] = cAt;
      out.exposedOffsets[r + 1] = eAt + L;
      r++;
    }
    if ((u & 255) === 0) progress('requests', r, R);
  }
  progress('requests', R, R);
  // Views, not copies: the lists are written out right after, and a copy would double the peak.
  out.history = out.history.subarray(0, hAt);
  out.candidates = out.candidates.subarray(0, cAt);
  out.labels = out.labels.subarray(0, cAt);
  out.initialScores = out.initialScores.subarray(0, cAt);
  return out;
}

function bprScore(model: BprModel, user: number, it: number): number {
  const d = model.dim;
  let s = model.itemBias[it] as number;
  for (let t = 0; t < d; t++)
    s += (model.userVectors[user * d + t] as number) * (model.itemVectors[it * d + t] as number);
  return s;
}

/**
 * Candidate lists of the default construction: the L exposed items plus N - L items sampled
 * without replacement in proportion to traffic (training popularity; in valid/test lists a
 * cold item weighs its whole-log count, as a new item that a content path puts into lists),
 * never an item the user has met, then the whole list ordered by the retriever, which scores
 * positives and negatives by the same rule. Ties are broken at random, never by item id.
 */
function sampledCandidates(
  input: RequestInputs,
  list: CandidateList,
  stampUser: Int32Array,
): CandidateConstruction {
  const { p, timeline, cold, retrievers } = input;
  const { item } = timeline;
  const { popularity, popScores, cooc } = retrievers;
  const I = input.items;
  const N = p.candidates;
  const L = p.slateSize;
  const allCount = new Float64Array(I);
  for (let k = 0; k < timeline.count; k++)
    allCount[item[k] as number] = (allCount[item[k] as number] as number) + 1;
  const trainWeights = new Float64Array(I);
  const evalWeights = new Float64Array(I);
  for (let i = 0; i < I; i++) {
    trainWeights[i] = cold[i] ? 0 : (popularity[i] as number);
    evalWeights[i] = cold[i] ? (allCount[i] as number) : (popularity[i] as number);
  }
  const trainPool = new WeightedItems(trainWeights);
  const evalPool = new WeightedItems(evalWeights);
  const rng = new Rng(p.seed).fork('candidates');
  const cand = new Int32Array(N);
  const score = new Float32Array(N);
  const order: number[] = [];
  return (u) => {
    const metByUser = (i: number) => stampUser[i] === u;
    return (_r, ws, split, fold, history) => {
      const negatives = sampleWithoutReplacement(
        split === SPLIT_TRAIN ? trainPool : evalPool,
        N - L,
        metByUser,
        rng,
      );
      const nc = L + negatives.length;
      for (let k = 0; k < L; k++) cand[k] = item[ws + k] as number;
      for (let k = 0; k < negatives.length; k++) cand[L + k] = negatives[k] as number;
      const candidates = cand.subarray(0, nc);
      const sc = score.subarray(0, nc);
      if (cooc) cooc.score(u, history, candidates, sc);
      else if (retrievers.bpr.length > 0) {
        const model = (retrievers.bpr[fold >= 0 ? fold + 1 : 0] as { model: BprModel }).model;
        for (let k = 0; k < nc; k++) sc[k] = bprScore(model, u, candidates[k] as number);
      } else for (let k = 0; k < nc; k++) sc[k] = popScores[candidates[k] as number] as number;
      order.length = 0;
      for (let k = 0; k < nc; k++) order.push(k);
      rng.shuffle(order);
      order.sort((a, b) => (sc[b] as number) - (sc[a] as number));
      for (let k = 0; k < nc; k++) {
        const from = order[k] as number;
        list.items[k] = candidates[from] as number;
        list.scores[k] = sc[from] as number;
        list.windowPos[k] = from < L ? from : -1;
      }
      return nc;
    };
  };
}

/** Items ranked by score, best first (ties by id), keeping only the top `m` of `pool`. */
function topOfPool(scores: Float32Array, pool: Int32Array, m: number, scratch: Float32Array): Int32Array {
  if (m <= 0 || pool.length === 0) return new Int32Array(0);
  const keep = Math.min(m, pool.length);
  for (let k = 0; k < pool.length; k++) scratch[k] = scores[pool[k] as number] as number;
  // Native numeric sort finds the threshold fast; only the few items above it get a comparator sort.
  const sorted = scratch.subarray(0, pool.length).sort();
  const threshold = sorted[pool.length - keep] as number;
  const picked: number[] = [];
  for (let k = 0; k < pool.length; k++)
    if ((scores[pool[k] as number] as number) >= threshold) picked.push(pool[k] as number);
  picked.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return Int32Array.from(picked.slice(0, keep));
}

/**
 * The construction of earlier versions (kept behind candidatesMode 'top-retriever'): the exposed
 * window merged, in initial-score order (ties by id), with the retriever's best N - L items the
 * user never interacted with. Skipping only past items would fill training requests with the
 * user's own later (retriever-fitted) positives as label-0 candidates, a shift test requests
 * never see.
 */
function topRetrieverCandidates(
  input: RequestInputs,
  list: CandidateList,
  stampUser: Int32Array,
): CandidateConstruction {
  const { p, timeline, retrievers } = input;
  const { item } = timeline;
  const I = input.items;
  const N = p.candidates;
  const L = p.slateSize;
  const bpr = retrievers.bpr.length > 0;
  const userScores = [new Float32Array(I), new Float32Array(I), new Float32Array(I)];
  const scratch = new Float32Array(I);
  const popularRanked = bpr
    ? null
    : topOfPool(retrievers.popScores, retrievers.pool, retrievers.pool.length, scratch);
  const exposedOrder = new Int32Array(L);
  return (u, s, e) => {
    // Scorer 0 serves valid/test, scorers 1 and 2 the training windows of folds 0 and 1;
    // each is evaluated for this user only when one of the user's windows needs it.
    const perScorer: ({ scores: Float32Array; retrieved: Int32Array } | undefined)[] = [
      undefined,
      undefined,
      undefined,
    ];
    // The non-exposed candidates do not depend on the window (they exclude every item the user
    // ever met), so each scorer's list is computed once per user: the first N - L such items.
    const retrieve = (scores: Float32Array, ranked: Int32Array) => {
      const retrieved: number[] = [];
      for (let k = 0; k < ranked.length && retrieved.length < N - L; k++) {
        const it = ranked[k] as number;
        if (stampUser[it] !== u) retrieved.push(it);
      }
      return { scores, retrieved: Int32Array.from(retrieved) };
    };
    const scorerFor = (k: number): { scores: Float32Array; retrieved: Int32Array } => {
      let got = perScorer[k];
      if (!got) {
        if (bpr) {
          const sc = retrievers.bpr[k] as { model: BprModel; pool: Int32Array };
          const sv = bprScores(sc.model, u, userScores[k] as Float32Array);
          got = retrieve(sv, topOfPool(sv, sc.pool, N - L + (e - s), scratch));
        } else {
          got = retrieve(retrievers.popScores, popularRanked as Int32Array);
        }
        perScorer[k] = got;
      }
      return got;
    };
    return (_r, ws, _split, fold) => {
      const { scores, retrieved } = scorerFor(bpr && fold >= 0 ? fold + 1 : 0);
      const before = (a: number, b: number): boolean => {
        const sa = scores[a] as number;
        const sb = scores[b] as number;
        return sa > sb || (sa === sb && a < b);
      };
      for (let k = 0; k < L; k++) {
        // Insertion sort of the L exposed positions by their items' order.
        let j = k;
        while (
          j > 0 &&
          before(item[ws + k] as number, item[ws + (exposedOrder[j - 1] as number)] as number)
        ) {
          exposedOrder[j] = exposedOrder[j - 1] as number;
          j--;
        }
        exposedOrder[j] = k;
      }
      let x = 0;
      let y = 0;
      const nc = L + retrieved.length;
      for (let k = 0; k < nc; k++) {
        const takeExposed =
          x < L &&
          (y >= retrieved.length ||
            before(item[ws + (exposedOrder[x] as number)] as number, retrieved[y] as number));
        let it: number;
        if (takeExposed) {
          const pos = exposedOrder[x++] as number;
          it = item[ws + pos] as number;
          list.windowPos[k] = pos;
        } else {
          it = retrieved[y++] as number;
          list.windowPos[k] = -1;
        }
        list.items[k] = it;
        list.scores[k] = scores[it] as number;
      }
      return nc;
    };
  };
}
