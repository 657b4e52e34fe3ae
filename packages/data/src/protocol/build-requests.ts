// The request protocol of ARCHITECTURE.md: dedupe, k-core, dense ids, per-user time order,
// cold-start item holdout, exposed windows (last = test, previous = valid, earlier training
// windows every `trainStride` interactions), candidate lists of the exposed items plus
// traffic-sampled negatives ordered by a stage-1 retriever fitted on training interactions
// only (cross-fitted, so no request is scored by a model that saw its window), and labels by
// rating threshold. The leak audit (../audit/leak-audit.ts) checks the result.

import { leakAudit } from '../audit/leak-audit.js';
import type { RequestColumns } from '../dataset/request-columns.js';
import type { DatasetContent } from '../dataset/write-dataset.js';
import { UserError } from '../errors/user-error.js';
import { Rng } from '../random/rng.js';
import type { ItemTable, ProtocolParams, UserTable } from '../schema/types.js';
import { type BprModel, bprScores, trainBpr } from './bpr.js';
import { buildCooccurrenceIndex, CooccurrenceScorer } from './cooccurrence.js';
import type { SourceData } from './interaction-log.js';
import { sampleWithoutReplacement, WeightedItems } from './negative-sampling.js';

export type ProgressFn = (stage: string, done: number, total: number) => void;

export interface BuildOptions {
  protocol: ProtocolParams;
  /** Dataset name for the manifest (default: the source's). */
  name?: string;
  onProgress?: ProgressFn;
}

const SPLIT_TRAIN = 0;
const SPLIT_VALID = 1;
const SPLIT_TEST = 2;

/** Compare raw ids numerically when both are integers, else as strings (stable dense ids). */
function rawIdOrder(raw: readonly string[]): (a: number, b: number) => number {
  const numeric = raw.every((r) => /^-?\d{1,15}$/.test(r));
  if (numeric) {
    const vals = raw.map(Number);
    return (a, b) => (vals[a] as number) - (vals[b] as number);
  }
  return (a, b) => {
    const x = raw[a] as string;
    const y = raw[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

function checkProtocol(p: ProtocolParams): void {
  const bad = (field: string, what: string): never => {
    throw new UserError(what, { field });
  };
  if (!Number.isInteger(p.kCore) || p.kCore < 0) bad('k-core', `must be an integer >= 0, got ${p.kCore}`);
  if (!Number.isInteger(p.slateSize) || p.slateSize < 1)
    bad('slate-size', `must be >= 1, got ${p.slateSize}`);
  if (!Number.isInteger(p.candidates) || p.candidates < p.slateSize) {
    bad('candidates', `must be an integer >= slate size ${p.slateSize}, got ${p.candidates}`);
  }
  if (!Number.isInteger(p.historyLength) || p.historyLength < 1) {
    bad('history', `must be an integer >= 1, got ${p.historyLength}`);
  }
  if (!(p.coldStartQuantile > 0 && p.coldStartQuantile <= 1)) {
    bad('cold-quantile', `must be in (0, 1], got ${p.coldStartQuantile}`);
  }
  if (p.coldStartShare !== undefined && !(p.coldStartShare >= 0 && p.coldStartShare < 1)) {
    bad('cold-share', `must be in [0, 1), got ${p.coldStartShare}`);
  }
  if (p.trainStride !== undefined && !(Number.isInteger(p.trainStride) && p.trainStride >= 1)) {
    bad('train-stride', `must be an integer >= 1, got ${p.trainStride}`);
  }
  if (p.candidatesMode === 'top-retriever' && p.retriever !== 'bpr' && p.retriever !== 'popularity') {
    bad('retriever', `candidates mode 'top-retriever' needs retriever bpr or popularity, got ${p.retriever}`);
  }
  if (p.retriever === 'synthetic') bad('retriever', "'synthetic' is only for generated data");
}

function increment(counts: Int32Array, at: number): void {
  counts[at] = (counts[at] as number) + 1;
}

/** Quantile of `values` (nearest rank), by quickselect on a copy: O(n), not a full sort. */
export function quantile(values: Float64Array, q: number): number {
  const a = Float64Array.from(values);
  const k = Math.min(a.length - 1, Math.floor(q * (a.length - 1)));
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Median of three as pivot keeps time-sorted input (the common case) linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
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

function bprScore(model: BprModel, user: number, it: number): number {
  const d = model.dim;
  let s = model.itemBias[it] as number;
  for (let t = 0; t < d; t++)
    s += (model.userVectors[user * d + t] as number) * (model.itemVectors[it * d + t] as number);
  return s;
}

/** Turn a source into a dataset by the request protocol. Deterministic for a given seed. */
export function buildDataset(source: SourceData, options: BuildOptions): DatasetContent {
  const p = options.protocol;
  checkProtocol(p);
  const progress = options.onProgress ?? (() => undefined);
  const log = source.log;
  const n0 = log.count;
  const U0 = log.users.size;
  const I0 = log.items.size;
  if (n0 === 0)
    throw new UserError('the source has no interactions', {
      file: source.sourceFiles[0]?.path ?? source.name,
    });

  // 1. Time order within each user (stable for equal timestamps: file order).
  const uOff = new Int32Array(U0 + 1);
  for (let k = 0; k < n0; k++) increment(uOff, (log.user[k] as number) + 1);
  for (let u = 0; u < U0; u++) uOff[u + 1] = (uOff[u + 1] as number) + (uOff[u] as number);
  const order = new Int32Array(n0);
  {
    const fill = uOff.slice(0, U0);
    for (let k = 0; k < n0; k++) {
      const u = log.user[k] as number;
      order[fill[u] as number] = k;
      fill[u] = (fill[u] as number) + 1;
    }
    const ts = log.ts;
    for (let u = 0; u < U0; u++) {
      const seg = order.subarray(uOff[u], uOff[u + 1]);
      let sorted = true;
      for (let k = 1; k < seg.length; k++) {
        if ((ts[seg[k] as number] as number) < (ts[seg[k - 1] as number] as number)) {
          sorted = false;
          break;
        }
      }
      if (!sorted) seg.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
    }
  }
  progress('order', n0, n0);

  // 2. Repeated (user, item): keep the latest.
  const alive = new Uint8Array(n0).fill(1);
  let duplicates = 0;
  {
    const stamp = new Int32Array(I0).fill(-1);
    for (let u = 0; u < U0; u++) {
      for (let k = (uOff[u + 1] as number) - 1; k >= (uOff[u] as number); k--) {
        const row = order[k] as number;
        const it = log.item[row] as number;
        if (stamp[it] === u) {
          alive[row] = 0;
          duplicates++;
        } else stamp[it] = u;
      }
    }
  }

  // 3. k-core: drop users and items with fewer than k interactions until none are left.
  const userCount = new Int32Array(U0);
  const itemCount = new Int32Array(I0);
  let kept = 0;
  for (;;) {
    userCount.fill(0);
    itemCount.fill(0);
    kept = 0;
    for (let k = 0; k < n0; k++) {
      if (!alive[k]) continue;
      increment(userCount, log.user[k] as number);
      increment(itemCount, log.item[k] as number);
      kept++;
    }
    if (p.kCore <= 1) break;
    let removed = 0;
    for (let k = 0; k < n0; k++) {
      if (!alive[k]) continue;
      if (
        (userCount[log.user[k] as number] as number) < p.kCore ||
        (itemCount[log.item[k] as number] as number) < p.kCore
      ) {
        alive[k] = 0;
        removed++;
      }
    }
    if (removed === 0) break;
  }
  const interactionsBeforeKCore = n0 - duplicates;
  if (kept === 0) {
    throw new UserError(`no interactions survive the ${p.kCore}-core filter (try a smaller --k-core)`, {
      field: 'k-core',
    });
  }
  progress('k-core', kept, interactionsBeforeKCore);

  // 4. Dense ids in raw-id order.
  const oldUsers: number[] = [];
  for (let u = 0; u < U0; u++) if ((userCount[u] as number) > 0) oldUsers.push(u);
  oldUsers.sort(rawIdOrder(log.users.raw));
  const oldItems: number[] = [];
  for (let i = 0; i < I0; i++) if ((itemCount[i] as number) > 0) oldItems.push(i);
  oldItems.sort(rawIdOrder(log.items.raw));
  const itemNew = new Int32Array(I0).fill(-1);
  oldItems.forEach((old, i) => {
    itemNew[old] = i;
  });
  const U = oldUsers.length;
  const I = oldItems.length;

  // 5. Interactions sorted by (new) user, then time.
  const user = new Int32Array(kept);
  const item = new Int32Array(kept);
  const rating = new Float32Array(kept);
  const ts = new Float64Array(kept);
  const start = new Int32Array(U + 1);
  {
    let at = 0;
    for (let u = 0; u < U; u++) {
      const old = oldUsers[u] as number;
      start[u] = at;
      for (let k = uOff[old] as number; k < (uOff[old + 1] as number); k++) {
        const row = order[k] as number;
        if (!alive[row]) continue;
        user[at] = u;
        item[at] = itemNew[log.item[row] as number] as number;
        rating[at] = log.rating[row] as number;
        ts[at] = log.ts[row] as number;
        at++;
      }
    }
    start[U] = at;
  }

  // 6. Cold-start items, held out of training: first seen at or after the time quantile, or
  // (sources without a clock) a share of the items, the last to appear or a seeded random set.
  const cold = new Uint8Array(I);
  const coldBy = p.coldStartBy ?? (source.timed ? 'time' : 'random');
  if (coldBy === 'time' && !source.timed && p.coldStartQuantile < 1) {
    throw new UserError(
      "the source has no timestamps, so a time cut cannot pick cold items (use cold-start by 'random' or 'first-appearance' with a share)",
      { field: 'cold-by' },
    );
  }
  if (coldBy !== 'time') {
    const want = Math.floor((p.coldStartShare ?? 0.05) * I);
    let chosen: number[] = [];
    if (coldBy === 'random') {
      chosen = new Rng(p.seed)
        .fork('cold-items')
        .shuffle(Array.from({ length: I }, (_, i) => i))
        .slice(0, want);
    } else {
      // Order of first appearance in the source file (its row order), latest first.
      const firstRow = new Float64Array(I).fill(Infinity);
      for (let k = 0; k < n0; k++) {
        if (!alive[k]) continue;
        const it = itemNew[log.item[k] as number] as number;
        if (k < (firstRow[it] as number)) firstRow[it] = k;
      }
      chosen = Array.from({ length: I }, (_, i) => i)
        .sort((a, b) => (firstRow[b] as number) - (firstRow[a] as number) || b - a)
        .slice(0, want);
    }
    for (const i of chosen) cold[i] = 1;
  } else if (p.coldStartQuantile < 1) {
    const cut = quantile(ts, p.coldStartQuantile);
    const firstSeen = new Float64Array(I).fill(Infinity);
    for (let k = 0; k < kept; k++) {
      const it = item[k] as number;
      if ((ts[k] as number) < (firstSeen[it] as number)) firstSeen[it] = ts[k] as number;
    }
    for (let i = 0; i < I; i++) if ((firstSeen[i] as number) >= cut) cold[i] = 1;
  }

  // 7. Windows (from the end: test, valid, then training windows every `stride` interactions
  // before them) and the training mask. Valid and test are disjoint, one per user, last in time.
  const L = p.slateSize;
  const minHistory = p.minHistory ?? 1;
  const stride = p.trainStride ?? L;
  // Folds alternate by blocks of windows that cover about L interactions, so a fold-f model
  // (trained without fold f's interactions) still has most of each user's data.
  const foldBlock = Math.ceil(L / stride);
  const windowStart: number[] = [];
  const windowSplit: number[] = [];
  const windowUser: number[] = [];
  /** Cross-fitting fold of a training window (0/1; -1 for valid/test). */
  const windowFold: number[] = [];
  const training = new Uint8Array(kept);
  /** Bit f set: the interaction is exposed in a fold-f training window (overlapping windows may set both). */
  const interactionFolds = new Uint8Array(kept);
  let trainWindowsWithCold = 0;
  for (let u = 0; u < U; u++) {
    const s = start[u] as number;
    const e = start[u + 1] as number;
    const mine: { start: number; split: number; fold: number }[] = [];
    let end = e;
    let heldOutFrom = e;
    for (let w = 0; w < 2 && end - L - s >= minHistory; w++) {
      const ws = end - L;
      mine.push({ start: ws, split: w === 0 ? SPLIT_TEST : SPLIT_VALID, fold: -1 });
      heldOutFrom = ws;
      end = ws;
    }
    // Training windows only once valid and test exist (a user's first windows go to evaluation).
    let trainWindows = 0;
    if (mine.length === 2) {
      for (let we = heldOutFrom; we - L - s >= minHistory; we -= stride) {
        const ws = we - L;
        let hasCold = false;
        for (let k = ws; k < we; k++) if (cold[item[k] as number]) hasCold = true;
        if (hasCold) {
          trainWindowsWithCold++;
          continue;
        }
        const fold = Math.floor(trainWindows++ / foldBlock) % 2;
        mine.push({ start: ws, split: SPLIT_TRAIN, fold });
        for (let k = ws; k < we; k++) interactionFolds[k] = (interactionFolds[k] as number) | (1 << fold);
      }
    }
    for (let k = s; k < heldOutFrom; k++) if (!cold[item[k] as number]) training[k] = 1;
    for (let w = mine.length - 1; w >= 0; w--) {
      windowStart.push((mine[w] as { start: number }).start);
      windowSplit.push((mine[w] as { split: number }).split);
      windowFold.push((mine[w] as { fold: number }).fold);
      windowUser.push(u);
    }
  }
  const R = windowStart.length;
  if (R === 0) {
    throw new UserError(
      `no user has the ${L + minHistory} interactions one request needs (after the ${p.kCore}-core filter)`,
      { field: 'slate-size' },
    );
  }

  // 8. Popularity over training interactions; the retriever's pool is the items it has seen.
  const popularity = new Int32Array(I);
  let trainingCount = 0;
  for (let k = 0; k < kept; k++) {
    if (!training[k]) continue;
    increment(popularity, item[k] as number);
    trainingCount++;
  }
  // "Cold" means "no training interaction", for the dataset and the tokenizer alike: an item met
  // only inside valid/test windows (sparse logs have some) is cold too, so the cold-start table
  // counts it and the tokenizer codes it from content, not from an empty collaborative vector.
  let unseenInTraining = 0;
  for (let i = 0; i < I; i++) {
    if (!cold[i] && popularity[i] === 0) {
      cold[i] = 1;
      unseenInTraining++;
    }
  }
  const poolList: number[] = [];
  for (let i = 0; i < I; i++) if ((popularity[i] as number) > 0) poolList.push(i);
  const pool = Int32Array.from(poolList);
  const popScores = new Float32Array(I);
  for (let i = 0; i < I; i++) popScores[i] = Math.log1p(popularity[i] as number);

  // Cross-fitting: a training request is scored by a retriever that did not see its exposed
  // window (trained without that window's fold), so its initial scores are out-of-sample like
  // those of valid/test requests, which the model trained on all training interactions scores.
  const scorers: { model: BprModel; pool: Int32Array }[] = [];
  const epochs = p.bprEpochs ?? 20;
  if (p.retriever === 'bpr' && epochs > 0) {
    for (const heldOutFold of [-1, 0, 1]) {
      const pu: number[] = [];
      const pi: number[] = [];
      const seen = new Uint8Array(I);
      for (let k = 0; k < kept; k++) {
        if (!training[k] || (heldOutFold >= 0 && ((interactionFolds[k] as number) >> heldOutFold) & 1))
          continue;
        pu.push(user[k] as number);
        pi.push(item[k] as number);
        seen[item[k] as number] = 1;
      }
      const stage = heldOutFold < 0 ? 'bpr' : `bpr-fold${heldOutFold}`;
      const model = trainBpr(
        U,
        I,
        Int32Array.from(pu),
        Int32Array.from(pi),
        { dim: p.bprDim ?? 32, epochs, seed: p.seed + heldOutFold + 1 },
        (epoch) => progress(stage, epoch, epochs),
      );
      const foldPool: number[] = [];
      for (let i = 0; i < I; i++) if (seen[i]) foldPool.push(i);
      scorers.push({ model, pool: Int32Array.from(foldPool) });
    }
  }
  const bpr = scorers.length > 0;
  const mode = p.candidatesMode ?? 'sampled';
  const cooc =
    p.retriever === 'cooccurrence'
      ? (() => {
          const pu: number[] = [];
          const pi: number[] = [];
          for (let k = 0; k < kept; k++) {
            if (!training[k]) continue;
            pu.push(user[k] as number);
            pi.push(item[k] as number);
          }
          const index = buildCooccurrenceIndex(
            U,
            I,
            Int32Array.from(pu),
            Int32Array.from(pi),
            p.cooccurrenceDamping ?? 0.5,
          );
          return new CooccurrenceScorer(index);
        })()
      : null;

  // 9. Requests.
  const N = p.candidates;
  const H = p.historyLength;
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
  const userScores = [new Float32Array(I), new Float32Array(I), new Float32Array(I)];
  const scratch = new Float32Array(I);
  const stampUser = new Int32Array(I).fill(-1);
  const popularRanked = bpr || mode === 'sampled' ? null : topOfPool(popScores, pool, pool.length, scratch);
  const exposedOrder = new Int32Array(L);
  // Locals, not property loads, in the loop that writes every candidate of every request.
  const outHistory = out.history;
  const outCandidates = out.candidates;
  const outLabels = out.labels;
  const outScores = out.initialScores;
  let r = 0;
  let hAt = 0;
  let cAt = 0;
  if (mode === 'sampled') {
    ({ hAt, cAt } = sampledRequests());
    r = R;
  } else
    for (let u = 0; u < U; u++) {
      const s = start[u] as number;
      const e = start[u + 1] as number;
      if (windowUser[r] !== u) continue;
      for (let k = s; k < e; k++) stampUser[item[k] as number] = u;
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
            const sc = scorers[k] as { model: BprModel; pool: Int32Array };
            const sv = bprScores(sc.model, u, userScores[k] as Float32Array);
            got = retrieve(sv, topOfPool(sv, sc.pool, N - L + (e - s), scratch));
          } else {
            got = retrieve(popScores, popularRanked as Int32Array);
          }
          perScorer[k] = got;
        }
        return got;
      };
      while (r < R && windowUser[r] === u) {
        const ws = windowStart[r] as number;
        const split = windowSplit[r] as number;
        const fold = windowFold[r] as number;
        const { scores, retrieved } = scorerFor(bpr && fold >= 0 ? fold + 1 : 0);
        out.user[r] = u;
        out.split[r] = split;
        out.ts[r] = ts[ws] as number;
        // History: the most recent interactions before the window (training requests skip cold items).
        let hCount = 0;
        for (let k = ws - 1; k >= s && hCount < H; k--) {
          if (split === SPLIT_TRAIN && cold[item[k] as number]) continue;
          hCount++;
        }
        let hk = hAt + hCount;
        for (let k = ws - 1; k >= s && hk > hAt; k--) {
          if (split === SPLIT_TRAIN && cold[item[k] as number]) continue;
          outHistory[--hk] = item[k] as number;
        }
        hAt += hCount;
        out.historyOffsets[r + 1] = hAt;
        // Candidates: the exposed window merged, in initial-score order (ties by id), with the
        // retriever's best items the user never interacted with. Skipping only past items would
        // fill training requests with the user's own later (retriever-fitted) positives as label-0
        // candidates, a shift test requests never see.
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
        let coldPositive = false;
        const eAt = r * L;
        let x = 0;
        let y = 0;
        const nc = L + retrieved.length;
        for (let k = 0; k < nc; k++) {
          const takeExposed =
            x < L &&
            (y >= retrieved.length ||
              before(item[ws + (exposedOrder[x] as number)] as number, retrieved[y] as number));
          let it: number;
          let positive = false;
          if (takeExposed) {
            // Window position = shown position: the logged slate in time order.
            const pos = exposedOrder[x++] as number;
            out.exposed[eAt + pos] = k;
            const at = ws + pos;
            it = item[at] as number;
            positive = (rating[at] as number) >= p.ratingThreshold;
          } else {
            it = retrieved[y++] as number;
          }
          outCandidates[cAt + k] = it;
          outScores[cAt + k] = scores[it] as number;
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

  /**
   * Candidate lists of the default construction: the L exposed items plus N - L items sampled
   * without replacement in proportion to traffic (training popularity; in valid/test lists a
   * cold item weighs its whole-log count, as a new item that a content path puts into lists),
   * never an item the user has met, then the whole list ordered by the retriever, which scores
   * positives and negatives by the same rule. Ties are broken at random, never by item id.
   */
  function sampledRequests(): { hAt: number; cAt: number } {
    const allCount = new Float64Array(I);
    for (let k = 0; k < kept; k++) allCount[item[k] as number] = (allCount[item[k] as number] as number) + 1;
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
    let hAt = 0;
    let cAt = 0;
    let r = 0;
    for (let u = 0; u < U && r < R; u++) {
      const s = start[u] as number;
      const e = start[u + 1] as number;
      if (windowUser[r] !== u) continue;
      for (let k = s; k < e; k++) stampUser[item[k] as number] = u;
      const metByUser = (i: number) => stampUser[i] === u;
      while (r < R && windowUser[r] === u) {
        const ws = windowStart[r] as number;
        const split = windowSplit[r] as number;
        const fold = windowFold[r] as number;
        out.user[r] = u;
        out.split[r] = split;
        out.ts[r] = ts[ws] as number;
        // History: the most recent interactions before the window (training requests skip cold items).
        const h0 = hAt;
        for (let k = ws - 1; k >= s && hAt - h0 < H; k--) {
          if (split === SPLIT_TRAIN && cold[item[k] as number]) continue;
          outHistory[hAt++] = item[k] as number;
        }
        outHistory.subarray(h0, hAt).reverse();
        out.historyOffsets[r + 1] = hAt;
        const negatives = sampleWithoutReplacement(
          split === SPLIT_TRAIN ? trainPool : evalPool,
          N - L,
          metByUser,
          rng,
        );
        const nc = L + negatives.length;
        for (let k = 0; k < L; k++) cand[k] = item[ws + k] as number;
        for (let k = 0; k < negatives.length; k++) cand[L + k] = negatives[k] as number;
        const list = cand.subarray(0, nc);
        const sc = score.subarray(0, nc);
        if (cooc) cooc.score(u, outHistory.subarray(h0, hAt), list, sc);
        else if (bpr) {
          const model = (scorers[fold >= 0 ? fold + 1 : 0] as { model: BprModel }).model;
          for (let k = 0; k < nc; k++) sc[k] = bprScore(model, u, list[k] as number);
        } else for (let k = 0; k < nc; k++) sc[k] = popScores[list[k] as number] as number;
        order.length = 0;
        for (let k = 0; k < nc; k++) order.push(k);
        rng.shuffle(order);
        order.sort((a, b) => (sc[b] as number) - (sc[a] as number));
        let coldPositive = false;
        const eAt = r * L;
        for (let k = 0; k < nc; k++) {
          const from = order[k] as number;
          const it = list[from] as number;
          let positive = false;
          if (from < L) {
            // Window position = shown position: the logged slate in time order.
            out.exposed[eAt + from] = k;
            positive = (rating[ws + from] as number) >= p.ratingThreshold;
          }
          outCandidates[cAt + k] = it;
          outScores[cAt + k] = sc[from] as number;
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
    return { hAt, cAt };
  }
  // Views, not copies: the lists are written out right after, and a copy would double the peak.
  out.history = out.history.subarray(0, hAt);
  out.candidates = out.candidates.subarray(0, cAt);
  out.labels = out.labels.subarray(0, cAt);
  out.initialScores = out.initialScores.subarray(0, cAt);

  const items: ItemTable = {
    count: I,
    rawId: oldItems.map((old) => log.items.raw[old] as string),
    title: oldItems.map((old) => source.itemMeta[old]?.title ?? null),
    categories: oldItems.map((old) => source.itemMeta[old]?.categories ?? []),
    year: oldItems.map((old) => source.itemMeta[old]?.year ?? null),
    popularity,
    cold,
  };
  const attributes: UserTable['attributes'] = {};
  for (const [key, values] of Object.entries(source.userAttributes)) {
    attributes[key] = oldUsers.map((old) => values[old] ?? null);
  }
  let coldStartTestRequests = 0;
  for (let q = 0; q < R; q++) if (out.split[q] === SPLIT_TEST && out.coldStart[q]) coldStartTestRequests++;
  return {
    manifest: {
      coldStartTestRequests,
      leakAudit: leakAudit(out, { slateSize: L, popularity }),
      name: options.name ?? source.name,
      sourceFormat: source.format,
      sourceFiles: source.sourceFiles,
      protocol: {
        ...p,
        minHistory,
        candidatesMode: mode,
        trainStride: stride,
        coldStartBy: coldBy,
        ...(coldBy !== 'time' ? { coldStartShare: p.coldStartShare ?? 0.05 } : {}),
        ...(p.retriever === 'cooccurrence' ? { cooccurrenceDamping: p.cooccurrenceDamping ?? 0.5 } : {}),
        ...(p.retriever === 'bpr' ? { bprDim: p.bprDim ?? 32, bprEpochs: epochs } : {}),
      },
      conversion: {
        linesRead: source.linesRead,
        skippedLines: source.skippedLines,
        duplicatesMerged: duplicates,
        interactionsBeforeKCore,
        interactionsAfterKCore: kept,
        trainingInteractions: trainingCount,
        trainWindowsDroppedForColdItems: trainWindowsWithCold,
        coldItemsUnseenInTraining: unseenInTraining,
        timed: source.timed ? 1 : 0,
      },
    },
    items,
    users: { count: U, rawId: oldUsers.map((old) => log.users.raw[old] as string), attributes },
    interactions: { count: kept, user, item, rating, ts },
    requests: out,
  };
}
