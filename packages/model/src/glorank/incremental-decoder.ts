// Incremental (KV-cached) decoding for GloRankModel: the encoder runs once for a batch of
// requests, and each decoding call runs the decoder blocks for the newest position only, on
// the self-attention keys/values the previous call kept for each row's parent (a sampled row
// continues itself, a beam its parent beam). A call whose rows have no parent in the previous
// call (or `cache: false`) recomputes the whole prefix; both give the same logits.
//
// The decoding hot path of sampling, beam search and GRPO rounds. Every stage is a method;
// the state between calls (the rows' gathered encoder memory, the previous step's caches)
// lives in fields the stages name.
import * as tf from '@tensorflow/tfjs-core';
import type { StepScorer } from '../decoding/decode.js';
import type { CandidateTrie } from '../decoding/trie.js';
import { type KeysValues, MASK_VALUE, withKeysTransposed } from '../nn/attention.js';
import type { GloRankModel } from './model.js';
import type { Encoded, EncoderInputs } from './request-encoder.js';

/** What the evidence term needs at a set of decoding positions. */
export interface StepContext {
  /** Candidate memories of each row, [rows, dim, N]. */
  memoryT: tf.Tensor3D;
  candidates: number;
  /** Additive mask of reachable candidates, [rows x positions x N]. */
  reach: Float32Array;
  /** Per level, code of every candidate slot of every row, [rows x N]. */
  codes: Int32Array[];
}

/** Candidate ids of each row's request, [rows x N]. */
export function rowCandidates(x: EncoderInputs, rowRequest: ArrayLike<number>): Int32Array {
  const N = x.candidateSlots;
  const out = new Int32Array(rowRequest.length * N);
  for (let r = 0; r < rowRequest.length; r++) {
    const q = rowRequest[r] as number;
    out.set(x.candidateIds.subarray(q * N, (q + 1) * N), r * N);
  }
  return out;
}

/** The encoder memory gathered for the current rows (reused while the rows' requests repeat). */
interface RowMemory {
  ids: Int32Array;
  kv: Required<KeysValues>[];
  mask: tf.Tensor;
  memT: tf.Tensor3D | null;
}

/** The previous call: its step, each row's key (request and prefix), per-block self-attention caches. */
interface PreviousStep {
  step: number;
  keys: Map<string, number>;
  caches: KeysValues[];
}

export interface IncrementalDecoderOptions {
  /** Keep self-attention keys/values between calls (default true); false recomputes every prefix. */
  cache?: boolean;
}

/** A decoder over the requests of `x` (encoded once, at construction) with their tries. Call `dispose` when done. */
export class IncrementalDecoder {
  /** How many calls ran incrementally and how many recomputed the whole prefix. */
  readonly calls = { incremental: 0, full: 0 };
  private readonly useCache: boolean;
  private readonly encoded: Encoded;
  /**
   * Cross-attention keys/values of the encoder memory, per decoder block, with the keys
   * transposed once here: every decoding call attends to them with one query per row, and
   * transposing the keys in each call was most of its cross-attention time.
   */
  private readonly memoryKV: Required<KeysValues>[];
  /** Candidate memories transposed for the evidence term (null without it). */
  private readonly memoryT: tf.Tensor3D | null;
  private rowMemory: RowMemory | null = null;
  private previous: PreviousStep | null = null;

  constructor(
    private readonly model: GloRankModel,
    private readonly x: EncoderInputs,
    private readonly tries: readonly CandidateTrie[],
    options: IncrementalDecoderOptions = {},
  ) {
    this.useCache = options.cache ?? true;
    let encoded: Encoded | null = null;
    let kv: Required<KeysValues>[] = [];
    let memT: tf.Tensor3D | null = null;
    tf.tidy(() => {
      const e = model.encode(x);
      encoded = { memory: tf.keep(e.memory), mask: tf.keep(e.mask) };
      kv = model.memoryKV(e).map((m) => {
        const t = withKeysTransposed(m);
        return { k: tf.keep(t.k), v: tf.keep(t.v), kT: tf.keep(t.kT) };
      });
      if (model.evidence.length > 0) memT = tf.keep(model.memoryT(e, x));
    });
    this.encoded = encoded as unknown as Encoded;
    this.memoryKV = kv;
    this.memoryT = memT;
  }

  /**
   * Logits [rows x vocab] of the next token (position `step`) for rows whose requests are
   * `rows` (indices into x) and whose tokens so far are `prefixes` [rows x step]. Bound, so
   * it can be passed around as a StepScorer.
   */
  readonly scorer: StepScorer = (step, rows, prefixes) => {
    const mem = this.gatherRowMemory(rows);
    const parents = this.findParents(step, rows, prefixes);
    const incremental = this.useCache && (step === 0 || parents !== null);
    if (incremental) this.calls.incremental++;
    else this.calls.full++;
    const caches: KeysValues[] = [];
    const logits = tf.tidy(() => {
      const hidden = incremental
        ? this.stepHidden(step, rows, prefixes, mem, parents, caches)
        : this.fullHidden(step, rows, prefixes, mem);
      const ctx = this.evidenceContext(step, rows, prefixes, mem);
      return this.model.logits(step % this.model.levels, hidden, ctx).dataSync() as Float32Array;
    });
    this.releaseCaches();
    if (incremental) this.remember(step, rows, prefixes, caches);
    return logits;
  };

  /** Release every tensor this decoder holds. Bound, like `scorer`. */
  readonly dispose = (): void => {
    this.releaseCaches();
    this.releaseRowMemory();
    tf.dispose([this.encoded.memory, this.encoded.mask]);
    if (this.memoryT !== null) this.memoryT.dispose();
    for (const m of this.memoryKV) tf.dispose([m.k, m.v, m.kT]);
  };

  /** Row r's cache key: its request and the first `len` tokens of its prefix. */
  private static key(id: number, prefixes: Int32Array, r: number, step: number, len: number): string {
    return `${id}:${prefixes.subarray(r * step, r * step + len).join(',')}`;
  }

  /** The encoder memory of each row's request, gathered once per distinct row list. */
  private gatherRowMemory(rows: Int32Array): RowMemory {
    const have = this.rowMemory;
    if (have !== null && have.ids.length === rows.length && have.ids.every((v, i) => v === rows[i]))
      return have;
    this.releaseRowMemory();
    const idx = tf.tensor1d(rows, 'int32');
    const mem: RowMemory = {
      ids: Int32Array.from(rows),
      // Gathering rows of kT (a copy) costs far less than transposing the gathered keys.
      kv: this.memoryKV.map((m) => ({
        k: tf.gather(m.k, idx),
        v: tf.gather(m.v, idx),
        kT: tf.gather(m.kT, idx),
      })),
      mask: tf.gather(this.encoded.mask, idx),
      memT: this.memoryT === null ? null : tf.gather(this.memoryT, idx),
    };
    idx.dispose();
    this.rowMemory = mem;
    return mem;
  }

  /** For each row, its parent's row in the previous call; null when any row has none. */
  private findParents(step: number, rows: Int32Array, prefixes: Int32Array): Int32Array | null {
    const last = this.previous;
    if (!this.useCache || step === 0 || last === null || last.step !== step - 1) return null;
    const parents = new Int32Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const p = last.keys.get(IncrementalDecoder.key(rows[r] as number, prefixes, r, step, step - 1));
      if (p === undefined) return null;
      parents[r] = p;
    }
    return parents;
  }

  /** Decoder input embeddings of every position up to `step`, [rows, step + 1, dim]. */
  private inputs(step: number, rows: Int32Array, prefixes: Int32Array): tf.Tensor3D {
    const candidateIds = rowCandidates(this.x, rows);
    return this.model.decoderInputs(
      prefixes,
      rows.length,
      step,
      step + 1,
      candidateIds,
      this.x.candidateSlots,
    );
  }

  /** The newest position through each block on the parents' caches; pushes the extended caches (kept). */
  private stepHidden(
    step: number,
    rows: Int32Array,
    prefixes: Int32Array,
    mem: RowMemory,
    parents: Int32Array | null,
    caches: KeysValues[],
  ): tf.Tensor3D {
    const n = rows.length;
    // Only the newest position's input is needed; earlier ones live in the caches.
    let h: tf.Tensor = tf.slice(
      this.inputs(step, rows, prefixes),
      [0, step, 0],
      [n, 1, this.model.config.dim],
    );
    const idx = parents === null ? null : tf.tensor1d(parents, 'int32');
    this.model.blocks.forEach((block, i) => {
      const from = this.previous?.caches[i];
      const past =
        idx === null || from === undefined ? null : { k: tf.gather(from.k, idx), v: tf.gather(from.v, idx) };
      const o = block.step(h, past, mem.kv[i] as KeysValues, mem.mask);
      h = o.out;
      caches.push({ k: tf.keep(o.cache.k), v: tf.keep(o.cache.v) });
    });
    return this.model.norm.apply(h) as tf.Tensor3D;
  }

  /** The whole prefix through the decoder; the hidden state of the newest position. */
  private fullHidden(step: number, rows: Int32Array, prefixes: Int32Array, mem: RowMemory): tf.Tensor3D {
    const h = this.model.decodeHidden(this.inputs(step, rows, prefixes), mem.kv, mem.mask);
    return tf.slice(h, [0, step, 0], [rows.length, 1, this.model.config.dim]) as tf.Tensor3D;
  }

  /** With the evidence term: which candidates each row's prefix can still reach, and their codes. */
  private evidenceContext(
    step: number,
    rows: Int32Array,
    prefixes: Int32Array,
    mem: RowMemory,
  ): StepContext | null {
    if (mem.memT === null) return null;
    const N = this.x.candidateSlots;
    const reach = new Float32Array(rows.length * N).fill(MASK_VALUE);
    for (let r = 0; r < rows.length; r++) {
      const cursor = (this.tries[rows[r] as number] as CandidateTrie).cursor();
      for (let t = 0; t < step; t++) cursor.push(prefixes[r * step + t] as number);
      const ok = cursor.reachable();
      for (let k = 0; k < ok.length; k++) if (ok[k]) reach[r * N + k] = 0;
    }
    return { memoryT: mem.memT, candidates: N, reach, codes: this.model.candidateCodesByLevel(this.x, rows) };
  }

  /** Keep this call's caches under each row's key, for the next call's rows to find their parents. */
  private remember(step: number, rows: Int32Array, prefixes: Int32Array, caches: KeysValues[]): void {
    const keys = new Map<string, number>();
    for (let r = 0; r < rows.length; r++)
      keys.set(IncrementalDecoder.key(rows[r] as number, prefixes, r, step, step), r);
    this.previous = { step, keys, caches };
  }

  private releaseRowMemory(): void {
    const mem = this.rowMemory;
    if (mem === null) return;
    for (const m of mem.kv) tf.dispose([m.k, m.v, m.kT]);
    tf.dispose(mem.mask);
    if (mem.memT !== null) mem.memT.dispose();
    this.rowMemory = null;
  }

  private releaseCaches(): void {
    if (this.previous !== null) for (const c of this.previous.caches) tf.dispose([c.k, c.v]);
    this.previous = null;
  }
}
