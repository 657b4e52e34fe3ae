import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { beamDecode, type DecodedSlate, greedyDecode, type StepScorer, sampleDecode } from './decode.js';
import { allowedAlong, CandidateTrie, slateTokens } from './trie.js';

// Deterministic pseudo-random logits that depend on the whole prefix (so beam search and
// exhaustive search see the same function).
function hashScorer(vocab: number, scale: number, seed: number): StepScorer {
  return (step, rows, prefixes) => {
    const out = new Float32Array(rows.length * vocab);
    for (let i = 0; i < rows.length; i++) {
      let h = (seed ^ Math.imul(rows[i]! + 1, 0x9e3779b1)) >>> 0;
      for (let t = 0; t < step; t++) h = Math.imul(h ^ (prefixes[i * step + t]! + 7), 0x85ebca6b) >>> 0;
      for (let c = 0; c < vocab; c++) {
        const x = Math.imul(h ^ Math.imul(c + 1, 0xc2b2ae35), 0x27d4eb2d) >>> 0;
        out[i * vocab + c] = ((x / 4294967296) * 2 - 1) * scale;
      }
    }
    return out;
  };
}

function randomCodes(rng: Rng, n: number, levels: number, codebook: number): Int32Array {
  return Int32Array.from({ length: n * levels }, () => rng.int(codebook));
}

function checkSlate(d: DecodedSlate, codes: Int32Array, levels: number, n: number, slots: number) {
  expect(d.slate.length).toBe(slots);
  expect(new Set(d.slate).size).toBe(slots);
  for (const c of d.slate) {
    expect(Number.isInteger(c)).toBe(true);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(c).toBeLessThan(n);
  }
  expect(Array.from(d.tokens)).toEqual(Array.from(slateTokens(codes, levels, d.slate)));
  expect(d.logProbs.length).toBe(slots * levels);
  for (const lp of d.logProbs) expect(lp).toBeLessThanOrEqual(1e-9);
}

describe('constrained decoding (property tests)', () => {
  it('emits only candidates, never twice, exactly L items, for random tries and logits', () => {
    const rng = new Rng(2024);
    for (let trial = 0; trial < 60; trial++) {
      const levels = 1 + rng.int(3);
      const codebook = 2 + rng.int(6); // small codebooks force shared prefixes and duplicate codes
      const requests = 1 + rng.int(3);
      const ns = Array.from({ length: requests }, () => 3 + rng.int(15));
      const slots = 1 + rng.int(Math.min(...ns));
      const codes = ns.map((n) => randomCodes(rng, n, levels, codebook));
      const tries = codes.map((c) => new CandidateTrie(c, levels));
      const scale = [0.1, 3, 1e4][trial % 3]!;
      const scorer = hashScorer(codebook, scale, trial);
      const results = [
        greedyDecode(tries, slots, scorer),
        beamDecode(tries, slots, scorer, { beamWidth: 1 + rng.int(4) }),
        sampleDecode(tries, slots, scorer, rng.fork(`s${trial}`), {
          samples: 3,
          temperature: 0.5 + rng.next() * 2,
        }),
      ];
      for (const res of results) {
        const perRequest = res.length / requests;
        res.forEach((d, i) => {
          const r = Math.floor(i / perRequest);
          checkSlate(d, codes[r]!, levels, ns[r]!, slots);
        });
      }
    }
  });

  it('uses every candidate exactly once when L equals the number of candidates, duplicates included', () => {
    const codes = Int32Array.from([1, 0, 1, 0, 0, 2, 1, 0]); // candidates 0, 1, 3 share codes (1, 0)
    const trie = new CandidateTrie(codes, 2);
    const [d] = greedyDecode([trie], 4, hashScorer(3, 1, 1));
    expect([...d!.slate].sort()).toEqual([0, 1, 2, 3]);
  });

  it('refuses a slate longer than the candidate list', () => {
    const trie = new CandidateTrie(Int32Array.from([0, 1, 2]), 1);
    expect(() => greedyDecode([trie], 4, hashScorer(3, 1, 1))).toThrow(/fewer than the slate size/);
  });
});

describe('decoders against independent expectations', () => {
  it('greedy takes the best admissible code at each step (hand-worked)', () => {
    // Two levels; candidates: A=(0,1) B=(0,2) C=(1,0). Level-0 logits favour 0, level-1
    // logits favour 2 then 1; the second item must come from what is left.
    const trie = new CandidateTrie(Int32Array.from([0, 1, 0, 2, 1, 0]), 2);
    const level0 = [5, 1, 0];
    const level1 = [0, 3, 4];
    const scorer: StepScorer = (step, rows) => {
      const v = step % 2 === 0 ? level0 : level1;
      return Float32Array.from({ length: rows.length * 3 }, (_, i) => v[i % 3]!);
    };
    const [d] = greedyDecode([trie], 2, scorer);
    expect(Array.from(d!.slate)).toEqual([1, 0]); // B then A
    // Step 0: softmax over codes {0, 1} of [5, 1]; step 1: over {1, 2} of [3, 4]; step 2: only
    // code 0 left under {0 (A), 1 (C)}: softmax of [5, 1]; step 3: only code 1 (A).
    const lse = (xs: number[]) => Math.log(xs.reduce((a, x) => a + Math.exp(x), 0));
    const expected = [5 - lse([5, 1]), 4 - lse([3, 4]), 5 - lse([5, 1]), 0];
    Array.from(d!.logProbs).forEach((lp, i) => {
      expect(lp).toBeCloseTo(expected[i]!, 5);
    });
  });

  it('wide beam search finds the exhaustive optimum', () => {
    const rng = new Rng(77);
    for (let trial = 0; trial < 10; trial++) {
      const levels = 2;
      const n = 5;
      const slots = 2;
      const codes = randomCodes(rng, n, levels, 3);
      const trie = new CandidateTrie(codes, levels);
      const scorer = hashScorer(3, 2, trial + 100);
      // Exhaustive: score every ordered pair of distinct candidates by replaying the masked distribution.
      let best = Number.NEGATIVE_INFINITY;
      for (let a = 0; a < n; a++)
        for (let b = 0; b < n; b++) {
          if (a === b) continue;
          const tokens = slateTokens(codes, levels, [a, b]);
          const allowed = allowedAlong(trie, tokens);
          let score = 0;
          for (let t = 0; t < tokens.length; t++) {
            const logits = scorer(t, Int32Array.of(0), tokens.slice(0, t));
            const al = allowed[t]!;
            const lse = Math.log(al.reduce((s, c) => s + Math.exp(logits[c]!), 0));
            score += logits[tokens[t]!]! - lse;
          }
          best = Math.max(best, score);
        }
      const [d] = beamDecode([trie], slots, scorer, { beamWidth: 64 });
      expect(d!.logProb).toBeCloseTo(best, 4);
      const [g] = greedyDecode([trie], slots, scorer);
      expect(g!.logProb).toBeLessThanOrEqual(d!.logProb + 1e-9);
    }
  });

  it('sampling follows the masked, tempered softmax', () => {
    const trie = new CandidateTrie(Int32Array.from([0, 1, 2, 3]), 1);
    const logits = [0, 1, 2, 50];
    const scorer: StepScorer = (_s, rows) =>
      Float32Array.from({ length: rows.length * 4 }, (_, i) => logits[i % 4]!);
    const temperature = 20;
    const draws = sampleDecode([trie], 1, scorer, new Rng(5), { samples: 20000, temperature });
    const counts = [0, 0, 0, 0];
    for (const d of draws) counts[d.slate[0]!]!++;
    const w = logits.map((x) => Math.exp(x / temperature));
    const z = w.reduce((a, b) => a + b, 0);
    counts.forEach((c, i) => {
      expect(Math.abs(c / draws.length - w[i]! / z)).toBeLessThan(0.015);
    });
    // The reported log-probability is that of the tempered distribution.
    expect(draws[0]!.logProb).toBeCloseTo(Math.log(w[draws[0]!.slate[0]!]! / z), 5);
  });
});
