// The GloRank network: a request encoder and an autoregressive decoder that writes the
// slate as L x levels tokens of the global semantic-ID vocabulary (slot and level
// embeddings, causal self-attention, cross-attention to the encoder). The output layer of
// level l scores every code of that level against the same code vectors the encoder uses
// for items (tied weights), so "code 17 at level 0" means the same thing in every request.
// mode 'local' is the ablation with the same backbone whose output is "candidate #k":
// one token per slot, a plain output layer over candidate positions, candidates encoded
// with their position.
import type { RerankRequest } from '@glorank/data';
import { candidateCodes, type ItemCodes } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { CandidateTrie } from '../decoding/trie.js';
import { causalMask, type KeysValues, MASK_VALUE } from '../nn/attention.js';
import type { Activation } from '../nn/layers.js';
import { Dense, Embedding, LayerNorm, matMul2d } from '../nn/layers.js';
import type { ParamStore } from '../nn/params.js';
import { DecoderBlock } from '../nn/transformer.js';
import {
  IncrementalDecoder,
  type IncrementalDecoderOptions,
  rowCandidates,
  type StepContext,
} from './incremental-decoder.js';
import { type Encoded, type EncoderInputs, RequestEncoder } from './request-encoder.js';

export type GloRankMode = 'global' | 'local';

export interface GloRankModelConfig {
  /** 'global': semantic-ID tokens (GloRank); 'local': "pick candidate #k" (the ablation). */
  mode: GloRankMode;
  dim: number;
  heads: number;
  /** Feed-forward width. */
  hidden: number;
  encoderLayers: number;
  decoderLayers: number;
  historyLength: number;
  slateSize: number;
  /** Largest candidate list (output width of the local ablation). */
  maxCandidates: number;
  useInitialScores: boolean;
  activation: Activation;
  /**
   * Global mode: add to each code's score the evidence of the request's reachable
   * candidates carrying that code (see logits). Off gives the pure global-token head.
   */
  candidateEvidence: boolean;
}

export const DEFAULT_MODEL_CONFIG: GloRankModelConfig = {
  mode: 'global',
  dim: 32,
  heads: 2,
  hidden: 64,
  encoderLayers: 1,
  decoderLayers: 1,
  historyLength: 20,
  slateSize: 6,
  maxCandidates: 50,
  useInitialScores: true,
  activation: 'relu',
  candidateEvidence: true,
};

/** Teacher-forced outputs for given token sequences. */
export interface SequenceScores {
  /** log-probability of each given token under the trie-masked distribution, [rows, steps]. */
  logProbs: tf.Tensor2D;
  /** Entropy of the masked distribution at each step, [rows, steps]. */
  entropy: tf.Tensor2D;
}

/** Trie masks of token sequences (see GloRankModel.trieMasks). */
export interface StepMasks {
  /** Per level: additive mask [rows x slots x vocab[l]] of admissible codes. */
  codes: Float32Array[];
  /** Global mode with evidence: one additive mask [rows x steps x candidates] of reachable candidates. */
  reach: Float32Array[];
  /** Candidate slots the reach mask was built for. */
  candidates: number;
}

export class GloRankModel {
  readonly encoder: RequestEncoder;
  readonly bos: tf.Variable;
  readonly slot: Embedding;
  readonly level: Embedding;
  readonly blocks: DecoderBlock[];
  readonly norm: LayerNorm;
  /** Per level: projection before the tied code scores (global) or the position layer (local). */
  readonly heads: Dense[];
  readonly outBias: tf.Variable[];
  /** Per level: query projection of the candidate-evidence term (empty when disabled). */
  readonly evidence: Dense[];
  /** Tokens per slot (code levels, or 1 for the local ablation). */
  readonly levels: number;
  /** Output width per level. */
  readonly vocab: number[];
  readonly steps: number;

  constructor(
    readonly store: ParamStore,
    readonly codes: ItemCodes,
    readonly config: GloRankModelConfig,
    /** Content features of every item (cold-start), when the model was built with them. */
    readonly itemFeatures?: { values: Float32Array; width: number },
  ) {
    const c = config;
    const local = c.mode === 'local';
    this.levels = local ? 1 : codes.levels;
    this.vocab = local ? [c.maxCandidates] : [...codes.vocab];
    this.steps = c.slateSize * this.levels;
    const block = { dim: c.dim, heads: c.heads, hidden: c.hidden, activation: c.activation };
    this.encoder = new RequestEncoder(
      store,
      'enc',
      codes,
      {
        ...block,
        layers: c.encoderLayers,
        historyLength: c.historyLength,
        useInitialScores: c.useInitialScores,
        candidatePositions: local ? c.maxCandidates : 0,
      },
      itemFeatures,
    );
    this.bos = store.create('dec/bos', [1, 1, c.dim], { kind: 'normal', std: 0.02 });
    this.slot = new Embedding(store, 'dec/slot', c.slateSize, c.dim);
    this.level = new Embedding(store, 'dec/level', this.levels, c.dim);
    this.blocks = Array.from(
      { length: c.decoderLayers },
      (_, i) => new DecoderBlock(store, `dec/block${i}`, block),
    );
    this.norm = new LayerNorm(store, 'dec/norm', c.dim);
    this.heads = this.vocab.map((k, l) =>
      local ? new Dense(store, `dec/head${l}`, c.dim, k) : new Dense(store, `dec/head${l}`, c.dim, c.dim),
    );
    this.outBias = this.vocab.map((k, l) => store.create(`dec/bias${l}`, [k], { kind: 'zeros' }));
    this.evidence =
      !local && c.candidateEvidence
        ? this.vocab.map((_, l) => new Dense(store, `dec/evidence${l}`, c.dim, c.dim, { bias: false }))
        : [];
  }

  /** The request's decoding trie: its candidates' codes (global) or positions (local). */
  trie(request: RerankRequest): CandidateTrie {
    if (this.config.mode === 'local') {
      if (request.candidates.length > this.config.maxCandidates) {
        throw new RangeError(
          `request ${request.id} has ${request.candidates.length} candidates; the model takes at most ${this.config.maxCandidates}`,
        );
      }
      return new CandidateTrie(
        Int32Array.from(request.candidates, (_, k) => k),
        1,
      );
    }
    return new CandidateTrie(candidateCodes(this.codes, request.candidates), this.codes.levels);
  }

  /** Tokens of a slate given as candidate indices. */
  slateTokens(request: RerankRequest, slate: ArrayLike<number>): Int32Array {
    if (this.config.mode === 'local') return Int32Array.from(slate);
    const L = this.codes.levels;
    const out = new Int32Array(slate.length * L);
    for (let i = 0; i < slate.length; i++) {
      const item = request.candidates[slate[i] as number] as number;
      out.set(this.codes.codes.subarray(item * L, (item + 1) * L), i * L);
    }
    return out;
  }

  encode(x: EncoderInputs): Encoded {
    return this.encoder.apply(x);
  }

  /**
   * Decoder input embeddings for `positions` positions of each row: BOS, then the embedding
   * of each previous token, plus slot and level embeddings. `tokens` is [rows x known].
   * `candidateIds` [rows x N] maps local tokens (positions) to items.
   */
  /** @internal (IncrementalDecoder) */
  decoderInputs(
    tokens: Int32Array,
    rows: number,
    known: number,
    positions: number,
    candidateIds: Int32Array,
    candidateSlots: number,
  ): tf.Tensor3D {
    const d = this.config.dim;
    const prev = positions - 1;
    const parts: tf.Tensor[] = [tf.tile(this.bos, [rows, 1, 1])];
    if (prev > 0) {
      if (this.config.mode === 'local') {
        const items = new Int32Array(rows * prev);
        for (let r = 0; r < rows; r++)
          for (let t = 0; t < prev; t++) {
            items[r * prev + t] = candidateIds[
              r * candidateSlots + (tokens[r * known + t] as number)
            ] as number;
          }
        parts.push(this.encoder.items.apply(tf.tensor2d(items, [rows, prev], 'int32')));
      } else {
        const ids = new Int32Array(rows * prev);
        const offsets = this.encoder.items.offsets;
        for (let r = 0; r < rows; r++)
          for (let t = 0; t < prev; t++) {
            ids[r * prev + t] = (tokens[r * known + t] as number) + (offsets[t % this.levels] as number);
          }
        parts.push(tf.reshape(tf.gather(this.encoder.items.table, ids), [rows, prev, d]));
      }
    }
    const x = parts.length > 1 ? tf.concat(parts, 1) : (parts[0] as tf.Tensor);
    const slotIds = Int32Array.from({ length: positions }, (_, t) => Math.floor(t / this.levels));
    const levelIds = Int32Array.from({ length: positions }, (_, t) => t % this.levels);
    const pos = tf.add(
      this.slot.apply(tf.tensor1d(slotIds, 'int32')),
      this.level.apply(tf.tensor1d(levelIds, 'int32')),
    );
    return tf.add(x, pos) as tf.Tensor3D;
  }

  /** Decoder hidden states [rows, positions, dim]. `memory` is per block (projected keys/values). */
  /** @internal (IncrementalDecoder) */
  decodeHidden(x: tf.Tensor3D, memory: KeysValues[], memoryMask: tf.Tensor): tf.Tensor3D {
    let h: tf.Tensor = x;
    const causal = causalMask(x.shape[1]);
    this.blocks.forEach((block, i) => {
      h = block.apply(h, causal, memory[i] as KeysValues, memoryMask);
    });
    return this.norm.apply(h) as tf.Tensor3D;
  }

  /**
   * Logits of level `level` for hidden states h [rows, P, dim] -> [rows * P, vocab[level]].
   * Global mode: the tied global-token score q . E_l[c] plus, with candidateEvidence, the
   * evidence term log sum_{k reachable, code_l(k) = c} exp(q' . m_k) over the request's
   * candidate memories m_k: a token's score then also reflects how good the request's
   * items carrying that token are (a copy mechanism over the global vocabulary).
   */
  /** @internal (IncrementalDecoder) */
  logits(level: number, h: tf.Tensor3D, ctx: StepContext | null): tf.Tensor2D {
    const [rows, P, d] = h.shape;
    const h2 = tf.reshape(h, [rows * P, d]) as tf.Tensor2D;
    const head = this.heads[level] as Dense;
    const bias = this.outBias[level] as tf.Variable;
    if (this.config.mode === 'local') return tf.add(head.apply(h2), bias) as tf.Tensor2D;
    const codesT = tf.transpose(this.encoder.items.levelTable(level)) as tf.Tensor2D; // [dim, vocab]
    const global = tf.add(matMul2d(head.apply(h2) as tf.Tensor2D, codesT), bias) as tf.Tensor2D;
    const evidenceHead = this.evidence[level];
    if (evidenceHead === undefined || ctx === null) return global;
    const K = this.vocab[level] as number;
    const N = ctx.candidates;
    const q = evidenceHead.apply(h) as tf.Tensor3D; // [rows, P, dim]
    const scores = tf.add(tf.matMul(q, ctx.memoryT), tf.tensor3d(ctx.reach, [rows, P, N]));
    const top = tf.max(scores, 2, true);
    const weights = tf.reshape(tf.exp(tf.sub(scores, top)), [-1]);
    const codes = ctx.codes[level] as Int32Array; // [rows x N]
    const ids = new Int32Array(rows * P * N);
    for (let r = 0; r < rows; r++)
      for (let p = 0; p < P; p++)
        for (let k = 0; k < N; k++) ids[(r * P + p) * N + k] = (r * P + p) * K + (codes[r * N + k] as number);
    const summed = tf.unsortedSegmentSum(weights, tf.tensor1d(ids, 'int32'), rows * P * K);
    const evidence = tf.add(
      tf.log(tf.add(tf.reshape(summed, [rows * P, K]), 1e-30)),
      tf.reshape(top, [rows * P, 1]),
    );
    return tf.add(global, evidence) as tf.Tensor2D;
  }

  /** The reachability rows of level `level`'s steps, [rows x slots x N], from trieMasks' [rows x steps x N]. */
  private levelReach(masks: StepMasks, rows: number, level: number): Float32Array {
    const all = masks.reach[0] as Float32Array;
    const N = masks.candidates;
    const L = this.config.slateSize;
    const T = this.steps;
    const out = new Float32Array(rows * L * N);
    for (let r = 0; r < rows; r++)
      for (let s = 0; s < L; s++) {
        const t = s * this.levels + level;
        out.set(all.subarray((r * T + t) * N, (r * T + t + 1) * N), (r * L + s) * N);
      }
    return out;
  }

  /** Project the encoder memory once per decoder block (reused for every step and row). */
  memoryKV(enc: Encoded): KeysValues[] {
    return this.blocks.map((b) => b.memoryKV(enc.memory));
  }

  /** Candidate memories transposed for the evidence scores: [batch, dim, N]. */
  /** @internal (IncrementalDecoder) */
  memoryT(enc: Encoded, x: EncoderInputs): tf.Tensor3D {
    const H = x.historySlots;
    const N = x.candidateSlots;
    const cand = tf.slice(enc.memory, [0, H, 0], [x.batch, N, this.config.dim]);
    return tf.transpose(cand, [0, 2, 1]) as tf.Tensor3D;
  }

  /** Per level, the code of every candidate slot of every row, [rows x N] (0 for padding). */
  /** @internal (IncrementalDecoder) */
  candidateCodesByLevel(x: EncoderInputs, rowRequest: ArrayLike<number>): Int32Array[] {
    const N = x.candidateSlots;
    const rows = rowRequest.length;
    const lv = this.codes.levels;
    const out = Array.from({ length: this.levels }, () => new Int32Array(rows * N));
    for (let r = 0; r < rows; r++) {
      const q = rowRequest[r] as number;
      const count = x.candidateCount[q] as number;
      for (let k = 0; k < count; k++) {
        const item = x.candidateIds[q * N + k] as number;
        for (let l = 0; l < this.levels; l++)
          (out[l] as Int32Array)[r * N + k] = this.codes.codes[item * lv + l] as number;
      }
    }
    return out;
  }

  /**
   * Teacher-forced scores of full token sequences [rows x steps] (row r belongs to request
   * rowRequest[r] of `x`, or row r to request r when null). `masks` come from trieMasks on the
   * same sequences. Log-probabilities are of softmax(logits / temperature).
   */
  scoreSequences(
    enc: Encoded,
    x: EncoderInputs,
    rowRequest: Int32Array | null,
    tokens: Int32Array,
    masks: StepMasks,
    temperature = 1,
  ): SequenceScores {
    const rowIdx = rowRequest ?? Int32Array.from({ length: x.batch }, (_, i) => i);
    const rows = rowIdx.length;
    const T = this.steps;
    const L = this.config.slateSize;
    const d = this.config.dim;
    let kv = this.memoryKV(enc);
    let memMask: tf.Tensor = enc.mask;
    let memT = this.evidence.length > 0 ? this.memoryT(enc, x) : null;
    if (rowRequest !== null) {
      const idx = tf.tensor1d(rowRequest, 'int32');
      kv = kv.map((m) => ({ k: tf.gather(m.k, idx), v: tf.gather(m.v, idx) }));
      memMask = tf.gather(enc.mask, idx);
      if (memT !== null) memT = tf.gather(memT, idx);
    }
    const candidateIds = rowCandidates(x, rowIdx);
    const inputs = this.decoderInputs(tokens, rows, T, T, candidateIds, x.candidateSlots);
    const h = tf.reshape(this.decodeHidden(inputs, kv, memMask), [rows, L, this.levels, d]);
    const codes = memT !== null ? this.candidateCodesByLevel(x, rowIdx) : [];
    const logProbs: tf.Tensor[] = [];
    const entropy: tf.Tensor[] = [];
    for (let l = 0; l < this.levels; l++) {
      const K = this.vocab[l] as number;
      const hl = tf.reshape(tf.slice(h, [0, 0, l, 0], [rows, L, 1, d]), [rows, L, d]) as tf.Tensor3D;
      const ctx: StepContext | null =
        memT !== null
          ? { memoryT: memT, candidates: masks.candidates, reach: this.levelReach(masks, rows, l), codes }
          : null;
      const raw = this.logits(l, hl, ctx);
      const scaled = temperature === 1 ? raw : tf.div(raw, temperature);
      const masked = tf.add(scaled, tf.tensor2d(masks.codes[l] as Float32Array, [rows * L, K]));
      const lp = tf.logSoftmax(masked);
      const target = new Float32Array(rows * L * K);
      for (let r = 0; r < rows; r++)
        for (let s = 0; s < L; s++)
          target[(r * L + s) * K + (tokens[r * T + s * this.levels + l] as number)] = 1;
      logProbs.push(tf.sum(tf.mul(lp, tf.tensor2d(target, [rows * L, K])), 1));
      entropy.push(tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), 1)));
    }
    return {
      logProbs: tf.reshape(tf.stack(logProbs, 1), [rows, T]) as tf.Tensor2D,
      entropy: tf.reshape(tf.stack(entropy, 1), [rows, T]) as tf.Tensor2D,
    };
  }

  /**
   * Additive trie masks along given token sequences [rows x steps]: per level, the codes
   * admissible at each slot [rows x slots x vocab[l]], and (global mode) the candidates
   * still reachable at every step [rows x steps x N] for the evidence term.
   */
  trieMasks(tries: readonly CandidateTrie[], tokens: Int32Array, candidateSlots = 0): StepMasks {
    const rows = tries.length;
    const L = this.config.slateSize;
    const T = this.steps;
    const N = Math.max(candidateSlots, ...tries.map((t) => t.candidateCount));
    const codes = this.vocab.map((K) => new Float32Array(rows * L * K).fill(MASK_VALUE));
    const withReach = this.evidence.length > 0;
    const reach = withReach ? new Float32Array(rows * T * N).fill(MASK_VALUE) : new Float32Array(0);
    tries.forEach((trie, r) => {
      const cursor = trie.cursor();
      for (let t = 0; t < T; t++) {
        const l = t % this.levels;
        const K = this.vocab[l] as number;
        const base = (r * L + Math.floor(t / this.levels)) * K;
        const m = codes[l] as Float32Array;
        for (const code of cursor.allowed()) m[base + code] = 0;
        if (withReach) {
          const ok = cursor.reachable();
          for (let k = 0; k < ok.length; k++) if (ok[k]) reach[(r * T + t) * N + k] = 0;
        }
        cursor.push(tokens[r * T + t] as number);
      }
    });
    return { codes, reach: withReach ? [reach] : [], candidates: N };
  }

  /**
   * An incremental decoder over the requests of `x` (encoded once here) with their tries:
   * `scorer` is the StepScorer for the decoders, `dispose` releases its tensors when decoding
   * is done, `calls` counts incremental and full-prefix calls (see IncrementalDecoder).
   */
  stepScorer(
    x: EncoderInputs,
    tries: readonly CandidateTrie[],
    options: IncrementalDecoderOptions = {},
  ): IncrementalDecoder {
    return new IncrementalDecoder(this, x, tries, options);
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
