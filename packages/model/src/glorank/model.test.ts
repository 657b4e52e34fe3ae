import { type RerankRequest, Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { beamDecode, type DecodedSlate, type StepScorer, sampleDecode } from '../decoding/decode.js';
import { ParamStore } from '../nn/params.js';
import { GloRankModel, type GloRankModelConfig } from './model.js';
import { encoderInputs } from './request-encoder.js';
import { decodeSlates, GloRankReranker } from './reranker.js';
import {
  contentCodes,
  randomCodes,
  TINY_MODEL_CONFIG,
  tinyBenchmark,
} from './test-support/tiny-benchmark.js';

const ds = tinyBenchmark();
const config: GloRankModelConfig = TINY_MODEL_CONFIG;

function permuted(r: RerankRequest, rng: Rng): RerankRequest {
  const order = rng.shuffle(Array.from(r.candidates, (_, k) => k));
  const at = new Int32Array(order.length);
  order.forEach((k, j) => {
    at[k] = j;
  });
  return {
    ...r,
    candidates: Int32Array.from(order, (k) => r.candidates[k] as number),
    labels: Float32Array.from(order, (k) => r.labels[k] as number),
    initialScores: Float32Array.from(order, (k) => r.initialScores[k] as number),
    exposed: Int32Array.from(r.exposed, (k) => at[k] as number),
  };
}

describe('GloRank model', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('incremental (KV-cached) decoding gives the logits of recomputing the whole prefix', () => {
    for (const mode of ['global', 'local'] as const) {
      const model = new GloRankModel(new ParamStore(new Rng(4)), contentCodes(ds), {
        ...config,
        mode,
        decoderLayers: 2,
      });
      const requests = ds.requests.slice(0, 6);
      const x = encoderInputs(requests, config.historyLength);
      const tries = requests.map((r) => model.trie(r));
      // Every call's logits, from a scorer with the cache and one without.
      const run = (cache: boolean, decode: (scorer: StepScorer) => unknown) => {
        const { scorer, dispose, calls } = model.stepScorer(x, tries, { cache });
        const seen: Float32Array[] = [];
        const out = decode((step, rows, prefixes) => {
          const l = scorer(step, rows, prefixes);
          seen.push(Float32Array.from(l));
          return l;
        });
        dispose();
        // With the cache every step runs incrementally (each row finds its parent).
        expect(calls).toEqual(
          cache ? { incremental: seen.length, full: 0 } : { incremental: 0, full: seen.length },
        );
        return { out, seen };
      };
      const before = tf.memory().numTensors;
      for (const decode of [
        (s: StepScorer) => sampleDecode(tries, 4, s, new Rng(3), { samples: 3 }),
        (s: StepScorer) => beamDecode(tries, 4, s, { beamWidth: 3 }),
      ]) {
        const a = run(true, decode);
        const b = run(false, decode);
        expect(a.seen.length).toBe(b.seen.length);
        a.seen.forEach((l, i) => {
          const ref = b.seen[i] as Float32Array;
          let worst = 0;
          for (let k = 0; k < l.length; k++)
            worst = Math.max(worst, Math.abs((l[k] as number) - (ref[k] as number)));
          expect(worst).toBeLessThan(1e-4);
        });
        // Same slates and tokens; log-probabilities equal up to float rounding.
        const tokensOf = (o: unknown) =>
          (o as DecodedSlate[]).map((d) => [Array.from(d.slate), Array.from(d.tokens)]);
        expect(tokensOf(a.out)).toEqual(tokensOf(b.out));
        (a.out as DecodedSlate[]).forEach((d, i) => {
          expect(d.logProb).toBeCloseTo((b.out as DecodedSlate[])[i]?.logProb as number, 4);
        });
      }
      // The caches and gathered memories are freed with the scorer.
      expect(tf.memory().numTensors).toBe(before);
      model.store.dispose();
      model.dispose();
    }
  });

  it('generates the same slate when the candidate list is permuted (greedy decoding)', () => {
    const model = new GloRankModel(new ParamStore(new Rng(1)), contentCodes(ds), config);
    const requests = ds.requests.slice(0, 24);
    const rng = new Rng(9);
    const shuffled = requests.map((r) => permuted(r, rng));
    const reranker = new GloRankReranker('glorank', model);
    const a = reranker.rank(requests, 4);
    const b = reranker.rank(shuffled, 4);
    expect(b.map((s) => Array.from(s))).toEqual(a.map((s) => Array.from(s)));
    // The local-index ablation reads positions, so it is not invariant in general.
    const local = new GloRankReranker(
      'local',
      new GloRankModel(new ParamStore(new Rng(1)), contentCodes(ds), { ...config, mode: 'local' }),
    );
    const c = local.rank(requests, 4);
    const d = local.rank(shuffled, 4);
    expect(d.map((s) => Array.from(s))).not.toEqual(c.map((s) => Array.from(s)));
    model.store.dispose();
    local.model.store.dispose();
  });

  it('decodes only candidates, never twice, exactly L items, with shared and identical codes', () => {
    const codes = randomCodes(ds.items.count, 3, 3, 5); // 27 IDs for 160 items: many duplicates
    for (const mode of ['global', 'local'] as const) {
      const model = new GloRankModel(new ParamStore(new Rng(2)), codes, { ...config, mode });
      const requests = ds.requests.slice(0, 16);
      for (const decoding of ['greedy', 'beam'] as const) {
        const slates = decodeSlates(model, requests, 4, { decoding, beamWidth: 3, batchSize: 7 });
        slates.forEach((s) => {
          expect(s.length).toBe(4);
          expect(new Set(s).size).toBe(4);
          for (const k of s) expect(k >= 0 && k < 20).toBe(true);
        });
      }
      model.store.dispose();
    }
  });

  it('teacher-forced log-probabilities equal those of step-by-step sampling', () => {
    for (const mode of ['global', 'local'] as const) {
      const model = new GloRankModel(new ParamStore(new Rng(3)), randomCodes(ds.items.count, 3, 4, 6), {
        ...config,
        mode,
      });
      const requests = ds.requests.slice(0, 6);
      const x = encoderInputs(requests, config.historyLength);
      const tries = requests.map((r) => model.trie(r));
      const { scorer, dispose } = model.stepScorer(x, tries);
      const samples = sampleDecode(tries, 4, scorer, new Rng(4), { samples: 3, temperature: 1 });
      dispose();
      const rowRequest = Int32Array.from(samples, (_, i) => Math.floor(i / 3));
      const tokens = new Int32Array(samples.length * model.steps);
      samples.forEach((s, i) => {
        tokens.set(s.tokens, i * model.steps);
      });
      const masks = model.trieMasks(
        Array.from(rowRequest, (q) => tries[q]!),
        tokens,
        x.candidateSlots,
      );
      const forced = tf.tidy(() => {
        const enc = model.encode(x);
        return model.scoreSequences(enc, x, rowRequest, tokens, masks).logProbs.arraySync() as number[][];
      });
      samples.forEach((s, i) => {
        s.logProbs.forEach((lp, t) => {
          expect(forced[i]![t]).toBeCloseTo(lp, 4);
        });
      });
      model.store.dispose();
    }
  });

  it("reads the encoder memory's keys transposed once per decoder, not in every decoding call", async () => {
    const model = new GloRankModel(new ParamStore(new Rng(6)), contentCodes(ds), {
      ...config,
      decoderLayers: 2,
    });
    const requests = ds.requests.slice(0, 5);
    const x = encoderInputs(requests, config.historyLength);
    const tries = requests.map((r) => model.trie(r));
    const { scorer, dispose } = model.stepScorer(x, tries);
    const rows = Int32Array.from([0, 0, 1, 2, 3, 4]);
    scorer(0, rows, new Int32Array(0));
    const info = await tf.profile(() => {
      scorer(
        1,
        rows,
        Int32Array.from(rows, (r) => (tries[r]?.cursor().allowed()[0] ?? 0) as number),
      );
    });
    dispose();
    // Per block: self-attention over its cache (q, k, v), then cross-attention over the
    // memory with its padding mask and the kept kT, [rows, heads, headDim, memory keys].
    const attention = info.kernels.filter((k) => k.name === 'GlorankAttention');
    expect(attention).toHaveLength(4);
    const memoryKeys = x.historySlots + x.candidateSlots;
    const headDim = config.dim / config.heads;
    attention.forEach((k, i) => {
      if (i % 2 === 0) expect(k.inputShapes).toHaveLength(3);
      else expect(k.inputShapes[4]).toEqual([rows.length, config.heads, headDim, memoryKeys]);
    });
    model.store.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat across decoding calls', () => {
    const model = new GloRankModel(new ParamStore(new Rng(5)), contentCodes(ds), config);
    const requests = ds.requests.slice(0, 8);
    decodeSlates(model, requests, 4);
    const before = tf.memory().numTensors;
    decodeSlates(model, requests, 4, { decoding: 'beam', beamWidth: 2, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    model.store.dispose();
  });
});
