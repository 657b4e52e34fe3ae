// The synthetic benchmark: items with latent topics and content features, users with topic
// preferences, logged slates sampled (Plackett-Luce) from a noisy context-blind initial ranker, and
// clicks drawn from a known click model, so every method can be scored by the exact expected reward of its slates.
import {
  completeManifest,
  type DatasetContent,
  datasetFiles,
  digestInMemory,
  type FileDigest,
} from '../dataset/write-dataset.js';
import { Rng } from '../random/rng.js';
import type { LoadedDataset, ProtocolParams, RerankRequest, Split } from '../schema/types.js';
import { CLICK_MODEL_KIND, ClickModel, type ClickModelParams } from './click-model.js';
import { topicVocabulary } from './topic-vocabulary.js';

export interface SyntheticOptions {
  users?: number;
  items?: number;
  seed?: number;
  /** Latent topics (each gets a genre name and title words). */
  topics?: number;
  /** Candidate list length N per request. */
  candidates?: number;
  /** Exposed slate length L. */
  slateSize?: number;
  /** Requests per user: the last is test, the one before valid, the rest train. */
  requestsPerUser?: number;
  historyLength?: number;
  /** Std of the Gaussian noise the logged initial ranker adds to the true relevance logit. */
  initialNoise?: number;
  /**
   * Temperature of the stochastic logging policy: the shown slate is a Plackett-Luce sample
   * (Gumbel-top-L) over initialScore / exposureTemperature, in sampled order. 0 shows the
   * initial ranker's top L deterministically. Without exploration every logged slate is a
   * reordering of the initial top L, so nothing learned from the logs can beat that order.
   */
  exposureTemperature?: number;
  /** Share of items held out as cold: they appear only in test requests. */
  coldFraction?: number;
  /** Time fraction at which test requests (and cold items) begin. */
  coldCut?: number;
  /** Override click-model constants (position bias, weights ...). */
  clickModel?: Partial<
    Pick<
      ClickModelParams,
      | 'positionBias'
      | 'relevanceScale'
      | 'relevanceBias'
      | 'redundancyWeight'
      | 'complementWeight'
      | 'neighbourDecay'
    >
  >;
  name?: string;
}

export const SYNTHETIC_DEFAULTS = {
  users: 600,
  items: 1000,
  seed: 0,
  topics: 12,
  candidates: 50,
  slateSize: 6,
  requestsPerUser: 8,
  historyLength: 50,
  initialNoise: 1.5,
  exposureTemperature: 1.0,
  coldFraction: 0.08,
  coldCut: 0.8,
  clickModel: {
    positionBias: 0.6,
    relevanceScale: 3.0,
    relevanceBias: -1.0,
    redundancyWeight: 0.6,
    complementWeight: 0.6,
    neighbourDecay: 0.5,
  },
} as const;

/** A generated benchmark: a dataset (not yet on disk, `dir` is '') plus its true click model. */
export interface SyntheticDataset extends LoadedDataset {
  clickModel: ClickModel;
}

const START_TS = 1_600_000_000;
const SPAN_SECONDS = 365 * 24 * 3600;

function checkPositiveInt(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`generateSynthetic: ${name} must be an integer >= ${min}, got ${v}`);
}

function unitNormalize(v: Float64Array): void {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
}

/** Indices of the `k` largest values (ties by lower index), best first. */
function topK(values: Float64Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== -Infinity) idx.push(i);
  idx.sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
  return idx.slice(0, k);
}

/**
 * The logging policy's shown slate: indices into the (score-sorted) candidates, in shown order.
 * Gumbel-top-k over score / temperature is an exact Plackett-Luce sample without replacement;
 * temperature 0 is the deterministic top k (scores are sorted, so indices 0..k-1).
 */
function logSlate(scores: Float32Array, k: number, temperature: number, rng: Rng): Int32Array {
  if (temperature === 0) return Int32Array.from({ length: k }, (_, j) => j);
  const keys = Float64Array.from(scores, (s) => s / temperature + rng.gumbel());
  return Int32Array.from(topK(keys, k));
}

/** Random perfect matching of topics (a topic without a partner complements itself). */
function complementTopics(topics: number, rng: Rng): number[] {
  const order = rng.shuffle(Array.from({ length: topics }, (_, k) => k));
  const comp = Array.from({ length: topics }, (_, k) => k);
  for (let i = 0; i + 1 < order.length; i += 2) {
    const a = order[i] as number;
    const b = order[i + 1] as number;
    comp[a] = b;
    comp[b] = a;
  }
  return comp;
}

type Options = Required<Omit<SyntheticOptions, 'name' | 'clickModel'>> & Pick<SyntheticOptions, 'name'>;

/** Rejects options the generator cannot honour; returns the number of cold items. */
function checkOptions(o: Options): number {
  checkPositiveInt('users', o.users);
  checkPositiveInt('items', o.items);
  checkPositiveInt('topics', o.topics, 2);
  checkPositiveInt('slateSize', o.slateSize);
  checkPositiveInt('candidates', o.candidates, o.slateSize);
  checkPositiveInt('requestsPerUser', o.requestsPerUser, 3);
  checkPositiveInt('historyLength', o.historyLength);
  if (!(Number.isFinite(o.exposureTemperature) && o.exposureTemperature >= 0)) {
    throw new RangeError(
      `generateSynthetic: exposureTemperature must be a finite number >= 0, got ${o.exposureTemperature}`,
    );
  }
  const coldItems = Math.floor(o.items * o.coldFraction);
  if (o.items - coldItems < o.candidates + o.historyLength + 40) {
    throw new RangeError(
      `generateSynthetic: ${o.items} items (${coldItems} cold) are too few for ${o.candidates} candidates and history ${o.historyLength}`,
    );
  }
  return coldItems;
}

interface LatentItems {
  /** Primary topic; secondary topic or -1. */
  topic: number[];
  second: number[];
  /** Unit latent vectors, items x topics. */
  vectors: Float64Array;
  quality: number[];
  cold: Uint8Array;
}

/** Items: a primary topic (Zipf-like topic sizes), sometimes a secondary one, a unit latent vector; a random cold subset. */
function latentItems(root: Rng, o: Options, topicWeight: number[], coldItems: number): LatentItems {
  const itemRng = root.fork('items');
  const T = o.topics;
  const items: LatentItems = {
    topic: new Array<number>(o.items),
    second: new Array<number>(o.items),
    vectors: new Float64Array(o.items * T),
    quality: new Array<number>(o.items),
    cold: new Uint8Array(o.items),
  };
  for (let i = 0; i < o.items; i++) {
    const k = itemRng.categorical(topicWeight);
    let k2 = -1;
    if (itemRng.next() < 0.4) {
      k2 = itemRng.int(T - 1);
      if (k2 >= k) k2++;
    }
    items.topic[i] = k;
    items.second[i] = k2;
    const v = new Float64Array(T);
    for (let d = 0; d < T; d++) v[d] = itemRng.normal(0, 0.08);
    v[k] = (v[k] as number) + (k2 >= 0 ? 0.85 : 1);
    if (k2 >= 0) v[k2] = (v[k2] as number) + 0.45;
    unitNormalize(v);
    items.vectors.set(v, i * T);
    items.quality[i] = itemRng.normal(0, 0.5);
  }
  // Cold items: a random subset, introduced at the time cut.
  for (const i of itemRng.shuffle(Array.from({ length: o.items }, (_, i) => i)).slice(0, coldItems))
    items.cold[i] = 1;
  return items;
}

/** Content features derived from the latent topics, with noise: title words, genres, year. */
function itemContent(
  root: Rng,
  o: Options,
  items: LatentItems,
): { title: string[]; categories: string[][]; year: (number | null)[] } {
  const contentRng = root.fork('content');
  const title: string[] = [];
  const categories: string[][] = [];
  const year: (number | null)[] = [];
  for (let i = 0; i < o.items; i++) {
    const v1 = topicVocabulary(items.topic[i] as number);
    const k2 = items.second[i] as number;
    const pick = (ws: readonly string[]): string => ws[contentRng.int(ws.length)] as string;
    const words = [pick(v1.words), pick(k2 >= 0 ? topicVocabulary(k2).words : v1.words)];
    if (words[0] === words[1]) words[1] = pick(v1.words);
    title.push(`The ${words.join(' ')}${contentRng.next() < 0.2 ? ` ${2 + contentRng.int(3)}` : ''}`);
    const cats = new Set<string>();
    if (contentRng.next() < 0.92) cats.add(v1.genre);
    if (k2 >= 0 && contentRng.next() < 0.8) cats.add(topicVocabulary(k2).genre);
    if (contentRng.next() < 0.1) cats.add(topicVocabulary(contentRng.int(o.topics)).genre);
    categories.push([...cats]);
    year.push(
      contentRng.next() < 0.03
        ? null
        : Math.max(1920, Math.min(2024, Math.round(contentRng.normal(v1.era, 10)))),
    );
  }
  return { title, categories, year };
}

/** Users: two favourite topics with random weights, plus a little spread over the rest (unit vectors). */
function latentUsers(root: Rng, o: Options, topicWeight: number[]): Float64Array {
  const userRng = root.fork('users');
  const T = o.topics;
  const userVectors = new Float64Array(o.users * T);
  for (let u = 0; u < o.users; u++) {
    const v = new Float64Array(T);
    for (let d = 0; d < T; d++) v[d] = Math.abs(userRng.normal(0, 0.1));
    const k1 = userRng.categorical(topicWeight);
    let k2 = userRng.int(T - 1);
    if (k2 >= k1) k2++;
    const w = userRng.uniform(0.5, 0.85);
    v[k1] = (v[k1] as number) + w;
    v[k2] = (v[k2] as number) + (1 - w);
    unitNormalize(v);
    userVectors.set(v, u * T);
  }
  return userVectors;
}

interface LoggedTraffic {
  user: number[];
  item: number[];
  rating: number[];
  ts: number[];
  /** The interaction belongs to training (pre-history or a training request's slate). */
  train: boolean[];
  requests: RerankRequest[];
}

/** Logs: per user a pre-history of clicks, then requestsPerUser logged slates over time. */
function logTraffic(root: Rng, o: Options, model: ClickModel, cold: Uint8Array): LoggedTraffic {
  const logRng = root.fork('logs');
  // Its own stream, so exposureTemperature 0 reproduces the deterministic-top-L datasets exactly.
  const exposureRng = root.fork('exposure');
  const log: LoggedTraffic = { user: [], item: [], rating: [], ts: [], train: [], requests: [] };
  const record = (u: number, item: number, rating: number, ts: number, train: boolean): void => {
    log.user.push(u);
    log.item.push(item);
    log.rating.push(rating);
    log.ts.push(ts);
    log.train.push(train);
  };
  const cut = START_TS + o.coldCut * SPAN_SECONDS;
  const rel = new Float64Array(o.items);
  const keys = new Float64Array(o.items);
  for (let u = 0; u < o.users; u++) {
    for (let i = 0; i < o.items; i++) rel[i] = model.relevance(u, i);
    const clicked: number[] = [];
    const seen = new Uint8Array(o.items);
    // Pre-history: items the user engaged with before logging began (warm items only).
    const preCount = 10 + logRng.int(21);
    for (let i = 0; i < o.items; i++) keys[i] = cold[i] ? -Infinity : (rel[i] as number) + logRng.gumbel();
    const pre = topK(keys, preCount);
    const preStart = START_TS - 30 * 24 * 3600;
    for (let j = 0; j < pre.length; j++) {
      const item = pre[j] as number;
      clicked.push(item);
      seen[item] = 1;
      record(u, item, 1, preStart + j * 3600, true);
    }
    const times: number[] = [];
    for (let r = 0; r < o.requestsPerUser - 1; r++)
      times.push(START_TS + logRng.next() * (cut - START_TS - 3600));
    times.sort((a, b) => a - b);
    times.push(cut + logRng.next() * (START_TS + SPAN_SECONDS - cut - 3600));
    for (let r = 0; r < times.length; r++) {
      const split: Split = r === times.length - 1 ? 'test' : r === times.length - 2 ? 'valid' : 'train';
      const ts = Math.floor(times[r] as number);
      const history = Int32Array.from(clicked.slice(-o.historyLength));
      // Candidate pool: relevance-weighted sample of unseen items (cold items only after the cut).
      for (let i = 0; i < o.items; i++) {
        keys[i] = seen[i] || (cold[i] && split !== 'test') ? -Infinity : (rel[i] as number) + logRng.gumbel();
      }
      const pool = topK(keys, o.candidates);
      // Initial ranker: true relevance plus noise, blind to position and slate context.
      const scored = pool.map((item) => ({
        item,
        score: Math.fround((rel[item] as number) + logRng.normal(0, o.initialNoise)),
      }));
      scored.sort((a, b) => b.score - a.score || a.item - b.item);
      const candidates = Int32Array.from(scored.map((s) => s.item));
      const initialScores = Float32Array.from(scored.map((s) => s.score));
      const exposed = logSlate(initialScores, o.slateSize, o.exposureTemperature, exposureRng);
      const shown = Int32Array.from(exposed, (k) => candidates[k] as number);
      const clicks = model.sampleClicks({ user: u }, shown, logRng);
      const labels = new Float32Array(candidates.length);
      let coldStart = false;
      for (let p = 0; p < shown.length; p++) {
        const item = shown[p] as number;
        labels[exposed[p] as number] = clicks[p] as number;
        if (clicks[p] && cold[item]) coldStart = true;
        record(u, item, clicks[p] as number, ts + p, split === 'train');
        seen[item] = 1;
        if (clicks[p]) clicked.push(item);
      }
      log.requests.push({
        id: log.requests.length,
        user: u,
        split,
        coldStart,
        ts,
        history,
        candidates,
        labels,
        initialScores,
        exposed,
      });
    }
  }
  return log;
}

/** Generate the synthetic benchmark. Same options and seed, same dataset, byte for byte. */
export function generateSynthetic(options: SyntheticOptions = {}): SyntheticDataset {
  const o: Options = { ...SYNTHETIC_DEFAULTS, ...options };
  const cm = { ...SYNTHETIC_DEFAULTS.clickModel, ...(options.clickModel ?? {}) };
  const coldItems = checkOptions(o);
  const root = new Rng(o.seed);
  const T = o.topics;
  const topicWeight = Array.from({ length: T }, (_, k) => 1 / (k + 1) ** 0.5);
  const latent = latentItems(root, o, topicWeight, coldItems);
  const { title, categories, year } = itemContent(root, o, latent);
  const userVectors = latentUsers(root, o, topicWeight);
  const model = new ClickModel({
    kind: CLICK_MODEL_KIND,
    version: 1,
    dims: T,
    users: o.users,
    items: o.items,
    ...cm,
    itemTopic: latent.topic,
    complementTopic: complementTopics(T, root.fork('complements')),
    itemVectors: Array.from(latent.vectors),
    itemQuality: latent.quality,
    userVectors: Array.from(userVectors),
  });
  const log = logTraffic(root, o, model, latent.cold);

  const popularity = new Int32Array(o.items);
  for (let j = 0; j < log.item.length; j++) {
    const item = log.item[j] as number;
    if (log.train[j]) popularity[item] = (popularity[item] as number) + 1;
  }
  const protocol: ProtocolParams = {
    kCore: 0,
    historyLength: o.historyLength,
    slateSize: o.slateSize,
    candidates: o.candidates,
    ratingThreshold: 1,
    coldStartQuantile: o.coldCut,
    retriever: 'synthetic',
    seed: o.seed,
  };
  const content: DatasetContent = {
    manifest: {
      name: o.name ?? `synthetic-u${o.users}-i${o.items}-s${o.seed}`,
      sourceFormat: 'synthetic',
      sourceFiles: [],
      protocol,
      synthetic: {
        users: o.users,
        items: o.items,
        topics: T,
        requestsPerUser: o.requestsPerUser,
        initialNoise: o.initialNoise,
        exposureTemperature: o.exposureTemperature,
        coldFraction: o.coldFraction,
      },
      createdAt: new Date(0).toISOString(),
    },
    items: {
      count: o.items,
      rawId: Array.from({ length: o.items }, (_, i) => `i${i}`),
      title,
      categories,
      year,
      popularity,
      cold: latent.cold,
    },
    users: { count: o.users, rawId: Array.from({ length: o.users }, (_, u) => `u${u}`), attributes: {} },
    interactions: {
      count: log.user.length,
      user: Int32Array.from(log.user),
      item: Int32Array.from(log.item),
      rating: Float32Array.from(log.rating),
      ts: Float64Array.from(log.ts),
    },
    requests: log.requests,
    clickModel: model,
  };
  const files: Record<string, FileDigest> = {};
  for (const [name, file] of Object.entries(datasetFiles(content))) files[name] = digestInMemory(file);
  return {
    dir: '',
    manifest: completeManifest(content, files),
    items: content.items,
    users: content.users,
    interactions: content.interactions,
    requests: log.requests,
    clickModel: model,
  };
}
