// The request protocol of ARCHITECTURE.md: dedupe, k-core, dense ids, per-user time order,
// cold-start item holdout, exposed windows (last = test, previous = valid, earlier training
// windows every `trainStride` interactions), candidate lists of the exposed items plus
// traffic-sampled negatives ordered by a stage-1 retriever fitted on training interactions
// only (cross-fitted, so no request is scored by a model that saw its window), and labels by
// rating threshold. The leak audit (../audit/leak-audit.ts) checks the result.

import { leakAudit } from '../audit/leak-audit.js';
import type { DatasetContent } from '../dataset/write-dataset.js';
import { UserError } from '../errors/user-error.js';
import { Rng } from '../random/rng.js';
import type { ItemTable, ProtocolParams, UserTable } from '../schema/types.js';
import { type BprModel, trainBpr } from './bpr.js';
import { buildCooccurrenceIndex, CooccurrenceScorer } from './cooccurrence.js';
import type { InteractionLog, SourceData } from './interaction-log.js';
import {
  type Retrievers,
  SPLIT_TEST,
  SPLIT_TRAIN,
  SPLIT_VALID,
  type Timeline,
  type Windows,
  writeRequests,
} from './request-writer.js';

export type ProgressFn = (stage: string, done: number, total: number) => void;

export interface BuildOptions {
  protocol: ProtocolParams;
  /** Dataset name for the manifest (default: the source's). */
  name?: string;
  onProgress?: ProgressFn;
}

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

/** Step 1: row indices in time order within each user (stable for equal timestamps: file order). */
function orderByUserTime(log: InteractionLog): { uOff: Int32Array; order: Int32Array } {
  const n0 = log.count;
  const U0 = log.users.size;
  const uOff = new Int32Array(U0 + 1);
  for (let k = 0; k < n0; k++) increment(uOff, (log.user[k] as number) + 1);
  for (let u = 0; u < U0; u++) uOff[u + 1] = (uOff[u + 1] as number) + (uOff[u] as number);
  const order = new Int32Array(n0);
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
  return { uOff, order };
}

/** Step 2: of a repeated (user, item), only the latest stays alive. */
function dropRepeats(
  log: InteractionLog,
  uOff: Int32Array,
  order: Int32Array,
): { alive: Uint8Array; duplicates: number } {
  const alive = new Uint8Array(log.count).fill(1);
  let duplicates = 0;
  const stamp = new Int32Array(log.items.size).fill(-1);
  for (let u = 0; u < log.users.size; u++) {
    for (let k = (uOff[u + 1] as number) - 1; k >= (uOff[u] as number); k--) {
      const row = order[k] as number;
      const it = log.item[row] as number;
      if (stamp[it] === u) {
        alive[row] = 0;
        duplicates++;
      } else stamp[it] = u;
    }
  }
  return { alive, duplicates };
}

/** Step 3: k-core, dropping users and items with fewer than k interactions until none are left (edits `alive`). */
function kCoreFilter(
  log: InteractionLog,
  alive: Uint8Array,
  kCore: number,
): { userCount: Int32Array; itemCount: Int32Array; kept: number } {
  const n0 = log.count;
  const userCount = new Int32Array(log.users.size);
  const itemCount = new Int32Array(log.items.size);
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
    if (kCore <= 1) break;
    let removed = 0;
    for (let k = 0; k < n0; k++) {
      if (!alive[k]) continue;
      if (
        (userCount[log.user[k] as number] as number) < kCore ||
        (itemCount[log.item[k] as number] as number) < kCore
      ) {
        alive[k] = 0;
        removed++;
      }
    }
    if (removed === 0) break;
  }
  return { userCount, itemCount, kept };
}

/** Step 4: dense ids of the surviving users and items, in raw-id order. */
interface DenseIds {
  /** Source user/item index of each dense id. */
  oldUsers: number[];
  oldItems: number[];
  /** Dense item id of each source item (-1: dropped). */
  itemNew: Int32Array;
}

function denseIds(log: InteractionLog, userCount: Int32Array, itemCount: Int32Array): DenseIds {
  const oldUsers: number[] = [];
  for (let u = 0; u < log.users.size; u++) if ((userCount[u] as number) > 0) oldUsers.push(u);
  oldUsers.sort(rawIdOrder(log.users.raw));
  const oldItems: number[] = [];
  for (let i = 0; i < log.items.size; i++) if ((itemCount[i] as number) > 0) oldItems.push(i);
  oldItems.sort(rawIdOrder(log.items.raw));
  const itemNew = new Int32Array(log.items.size).fill(-1);
  oldItems.forEach((old, i) => {
    itemNew[old] = i;
  });
  return { oldUsers, oldItems, itemNew };
}

/** Step 5: the surviving interactions sorted by (dense) user, then time. */
function userTimeline(
  log: InteractionLog,
  byUser: { uOff: Int32Array; order: Int32Array },
  alive: Uint8Array,
  ids: DenseIds,
  kept: number,
): Timeline {
  const { uOff, order } = byUser;
  const U = ids.oldUsers.length;
  const user = new Int32Array(kept);
  const item = new Int32Array(kept);
  const rating = new Float32Array(kept);
  const ts = new Float64Array(kept);
  const start = new Int32Array(U + 1);
  let at = 0;
  for (let u = 0; u < U; u++) {
    const old = ids.oldUsers[u] as number;
    start[u] = at;
    for (let k = uOff[old] as number; k < (uOff[old + 1] as number); k++) {
      const row = order[k] as number;
      if (!alive[row]) continue;
      user[at] = u;
      item[at] = ids.itemNew[log.item[row] as number] as number;
      rating[at] = log.rating[row] as number;
      ts[at] = log.ts[row] as number;
      at++;
    }
  }
  start[U] = at;
  return { count: kept, user, item, rating, ts, start };
}

/**
 * Step 6: cold-start items, held out of training: first seen at or after the time quantile, or
 * (sources without a clock) a share of the items, the last to appear or a seeded random set.
 */
function coldItems(
  source: SourceData,
  p: ProtocolParams,
  alive: Uint8Array,
  itemNew: Int32Array,
  timeline: Timeline,
  I: number,
): { cold: Uint8Array; coldBy: NonNullable<ProtocolParams['coldStartBy']> } {
  const log = source.log;
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
      for (let k = 0; k < log.count; k++) {
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
    const { item, ts } = timeline;
    const cut = quantile(ts, p.coldStartQuantile);
    const firstSeen = new Float64Array(I).fill(Infinity);
    for (let k = 0; k < timeline.count; k++) {
      const it = item[k] as number;
      if ((ts[k] as number) < (firstSeen[it] as number)) firstSeen[it] = ts[k] as number;
    }
    for (let i = 0; i < I; i++) if ((firstSeen[i] as number) >= cut) cold[i] = 1;
  }
  return { cold, coldBy };
}

/**
 * Step 7: windows (from the end: test, valid, then training windows every `stride` interactions
 * before them) and the training mask. Valid and test are disjoint, one per user, last in time.
 */
interface WindowPlan extends Windows {
  /** 1: the interaction is a training interaction (before the user's held-out windows, not cold). */
  training: Uint8Array;
  /** Bit f set: the interaction is exposed in a fold-f training window (overlapping windows may set both). */
  interactionFolds: Uint8Array;
  trainWindowsWithCold: number;
}

function planWindows(p: ProtocolParams, timeline: Timeline, users: number, cold: Uint8Array): WindowPlan {
  const { item, start } = timeline;
  const L = p.slateSize;
  const minHistory = p.minHistory ?? 1;
  const stride = p.trainStride ?? L;
  // Folds alternate by blocks of windows that cover about L interactions, so a fold-f model
  // (trained without fold f's interactions) still has most of each user's data.
  const foldBlock = Math.ceil(L / stride);
  const plan: WindowPlan = {
    start: [],
    split: [],
    user: [],
    fold: [],
    training: new Uint8Array(timeline.count),
    interactionFolds: new Uint8Array(timeline.count),
    trainWindowsWithCold: 0,
  };
  const { training, interactionFolds } = plan;
  for (let u = 0; u < users; u++) {
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
          plan.trainWindowsWithCold++;
          continue;
        }
        const fold = Math.floor(trainWindows++ / foldBlock) % 2;
        mine.push({ start: ws, split: SPLIT_TRAIN, fold });
        for (let k = ws; k < we; k++) interactionFolds[k] = (interactionFolds[k] as number) | (1 << fold);
      }
    }
    for (let k = s; k < heldOutFrom; k++) if (!cold[item[k] as number]) training[k] = 1;
    for (let w = mine.length - 1; w >= 0; w--) {
      const window = mine[w] as { start: number; split: number; fold: number };
      plan.start.push(window.start);
      plan.split.push(window.split);
      plan.fold.push(window.fold);
      plan.user.push(u);
    }
  }
  if (plan.start.length === 0) {
    throw new UserError(
      `no user has the ${L + minHistory} interactions one request needs (after the ${p.kCore}-core filter)`,
      { field: 'slate-size' },
    );
  }
  return plan;
}

/**
 * Step 8a: popularity over training interactions. "Cold" means "no training interaction", for
 * the dataset and the tokenizer alike: an item met only inside valid/test windows (sparse logs
 * have some) is made cold here too (edits `cold`), so the cold-start table counts it and the
 * tokenizer codes it from content, not from an empty collaborative vector.
 */
function trainingPopularity(
  timeline: Timeline,
  training: Uint8Array,
  cold: Uint8Array,
): { popularity: Int32Array; trainingCount: number; unseenInTraining: number } {
  const I = cold.length;
  const popularity = new Int32Array(I);
  let trainingCount = 0;
  for (let k = 0; k < timeline.count; k++) {
    if (!training[k]) continue;
    increment(popularity, timeline.item[k] as number);
    trainingCount++;
  }
  let unseenInTraining = 0;
  for (let i = 0; i < I; i++) {
    if (!cold[i] && popularity[i] === 0) {
      cold[i] = 1;
      unseenInTraining++;
    }
  }
  return { popularity, trainingCount, unseenInTraining };
}

/** The (user, item) pairs of the interactions `keep` accepts, in timeline order. */
function trainingPairs(
  timeline: Timeline,
  keep: (k: number) => boolean,
): { users: Int32Array; items: Int32Array } {
  const users: number[] = [];
  const items: number[] = [];
  for (let k = 0; k < timeline.count; k++) {
    if (!keep(k)) continue;
    users.push(timeline.user[k] as number);
    items.push(timeline.item[k] as number);
  }
  return { users: Int32Array.from(users), items: Int32Array.from(items) };
}

/**
 * Step 8b: the stage-1 retrievers, fitted on training interactions only; the popularity pool is
 * the items they have seen. Cross-fitting: a training request is scored by a BPR model that did
 * not see its exposed window (trained without that window's fold), so its initial scores are
 * out-of-sample like those of valid/test requests, which the model fitted on all training
 * interactions scores.
 */
function fitRetrievers(
  p: ProtocolParams,
  users: number,
  timeline: Timeline,
  plan: WindowPlan,
  popularity: Int32Array,
  progress: ProgressFn,
): Retrievers {
  const { training, interactionFolds } = plan;
  const I = popularity.length;
  const poolList: number[] = [];
  for (let i = 0; i < I; i++) if ((popularity[i] as number) > 0) poolList.push(i);
  const popScores = new Float32Array(I);
  for (let i = 0; i < I; i++) popScores[i] = Math.log1p(popularity[i] as number);
  const bpr: { model: BprModel; pool: Int32Array }[] = [];
  const epochs = p.bprEpochs ?? 20;
  if (p.retriever === 'bpr' && epochs > 0) {
    for (const heldOutFold of [-1, 0, 1]) {
      const pairs = trainingPairs(
        timeline,
        (k) =>
          !(heldOutFold >= 0 && ((interactionFolds[k] as number) >> heldOutFold) & 1) && training[k] === 1,
      );
      const seen = new Uint8Array(I);
      for (const it of pairs.items) seen[it] = 1;
      const stage = heldOutFold < 0 ? 'bpr' : `bpr-fold${heldOutFold}`;
      const model = trainBpr(
        users,
        I,
        pairs.users,
        pairs.items,
        { dim: p.bprDim ?? 32, epochs, seed: p.seed + heldOutFold + 1 },
        (epoch) => progress(stage, epoch, epochs),
      );
      const foldPool: number[] = [];
      for (let i = 0; i < I; i++) if (seen[i]) foldPool.push(i);
      bpr.push({ model, pool: Int32Array.from(foldPool) });
    }
  }
  let cooc: CooccurrenceScorer | null = null;
  if (p.retriever === 'cooccurrence') {
    const pairs = trainingPairs(timeline, (k) => training[k] === 1);
    const index = buildCooccurrenceIndex(users, I, pairs.users, pairs.items, p.cooccurrenceDamping ?? 0.5);
    cooc = new CooccurrenceScorer(index);
  }
  return { bpr, pool: Int32Array.from(poolList), popScores, popularity, cooc };
}

/** The protocol as run: the given parameters with every default that applied filled in. */
function resolvedProtocol(
  p: ProtocolParams,
  coldBy: NonNullable<ProtocolParams['coldStartBy']>,
): ProtocolParams {
  return {
    ...p,
    minHistory: p.minHistory ?? 1,
    candidatesMode: p.candidatesMode ?? 'sampled',
    trainStride: p.trainStride ?? p.slateSize,
    coldStartBy: coldBy,
    ...(coldBy !== 'time' ? { coldStartShare: p.coldStartShare ?? 0.05 } : {}),
    ...(p.retriever === 'cooccurrence' ? { cooccurrenceDamping: p.cooccurrenceDamping ?? 0.5 } : {}),
    ...(p.retriever === 'bpr' ? { bprDim: p.bprDim ?? 32, bprEpochs: p.bprEpochs ?? 20 } : {}),
  };
}

/** Turn a source into a dataset by the request protocol. Deterministic for a given seed. */
export function buildDataset(source: SourceData, options: BuildOptions): DatasetContent {
  const p = options.protocol;
  checkProtocol(p);
  const progress = options.onProgress ?? (() => undefined);
  const log = source.log;
  const n0 = log.count;
  if (n0 === 0)
    throw new UserError('the source has no interactions', {
      file: source.sourceFiles[0]?.path ?? source.name,
    });

  const byUser = orderByUserTime(log);
  progress('order', n0, n0);
  const { alive, duplicates } = dropRepeats(log, byUser.uOff, byUser.order);
  const { userCount, itemCount, kept } = kCoreFilter(log, alive, p.kCore);
  const interactionsBeforeKCore = n0 - duplicates;
  if (kept === 0) {
    throw new UserError(`no interactions survive the ${p.kCore}-core filter (try a smaller --k-core)`, {
      field: 'k-core',
    });
  }
  progress('k-core', kept, interactionsBeforeKCore);
  const ids = denseIds(log, userCount, itemCount);
  const U = ids.oldUsers.length;
  const I = ids.oldItems.length;
  const timeline = userTimeline(log, byUser, alive, ids, kept);
  const { cold, coldBy } = coldItems(source, p, alive, ids.itemNew, timeline, I);
  const plan = planWindows(p, timeline, U, cold);
  const { popularity, trainingCount, unseenInTraining } = trainingPopularity(timeline, plan.training, cold);
  const retrievers = fitRetrievers(p, U, timeline, plan, popularity, progress);
  const requests = writeRequests({
    p,
    users: U,
    items: I,
    timeline,
    windows: plan,
    cold,
    retrievers,
    progress,
  });

  const items: ItemTable = {
    count: I,
    rawId: ids.oldItems.map((old) => log.items.raw[old] as string),
    title: ids.oldItems.map((old) => source.itemMeta[old]?.title ?? null),
    categories: ids.oldItems.map((old) => source.itemMeta[old]?.categories ?? []),
    year: ids.oldItems.map((old) => source.itemMeta[old]?.year ?? null),
    popularity,
    cold,
  };
  const attributes: UserTable['attributes'] = {};
  for (const [key, values] of Object.entries(source.userAttributes)) {
    attributes[key] = ids.oldUsers.map((old) => values[old] ?? null);
  }
  let coldStartTestRequests = 0;
  for (let q = 0; q < requests.count; q++)
    if (requests.split[q] === SPLIT_TEST && requests.coldStart[q]) coldStartTestRequests++;
  return {
    manifest: {
      coldStartTestRequests,
      leakAudit: leakAudit(requests, { slateSize: p.slateSize, popularity }),
      name: options.name ?? source.name,
      sourceFormat: source.format,
      sourceFiles: source.sourceFiles,
      protocol: resolvedProtocol(p, coldBy),
      conversion: {
        linesRead: source.linesRead,
        skippedLines: source.skippedLines,
        duplicatesMerged: duplicates,
        interactionsBeforeKCore,
        interactionsAfterKCore: kept,
        trainingInteractions: trainingCount,
        trainWindowsDroppedForColdItems: plan.trainWindowsWithCold,
        coldItemsUnseenInTraining: unseenInTraining,
        timed: source.timed ? 1 : 0,
      },
    },
    items,
    users: { count: U, rawId: ids.oldUsers.map((old) => log.users.raw[old] as string), attributes },
    interactions: {
      count: kept,
      user: timeline.user,
      item: timeline.item,
      rating: timeline.rating,
      ts: timeline.ts,
    },
    requests,
  };
}
