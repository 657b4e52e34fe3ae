// Slate decoding under candidate tries: greedy, temperature sampling and beam search.
// The network is hidden behind a StepScorer (logits for the next token of a batch of
// prefixes), so the same decoders serve GloRank (global codes, several levels) and the
// local-index ablation (one level whose "code" is the candidate's position). The trie
// masks every step, which is what guarantees real candidates, no repeats, exactly L items.
import type { Rng } from '@glorank/data';
import type { CandidateTrie, TrieCursor } from './trie.js';

/**
 * Next-token logits. `rows[i]` is the request of row i; `prefixes` holds each row's
 * `step` tokens so far, row-major [rows x step]. Returns logits [rows x vocab(step)].
 */
export type StepScorer = (step: number, rows: Int32Array, prefixes: Int32Array) => Float32Array;

export interface DecodedSlate {
  /** Candidate indices (positions in the request's candidate list), best first. */
  slate: Int32Array;
  /** Tokens emitted, [slots x levels]. */
  tokens: Int32Array;
  /** Log-probability of each token under the masked (and tempered) distribution. */
  logProbs: Float32Array;
  /** Sum of logProbs. */
  logProb: number;
}

function checkTries(tries: readonly CandidateTrie[], slots: number): number {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slate size must be >= 1, got ${slots}`);
  const levels = tries[0]?.levels ?? 1;
  tries.forEach((t, r) => {
    if (t.levels !== levels)
      throw new RangeError(`request ${r}: trie has ${t.levels} levels, expected ${levels}`);
    if (t.candidateCount < slots) {
      throw new RangeError(
        `request ${r} has ${t.candidateCount} candidates, fewer than the slate size ${slots}`,
      );
    }
  });
  return levels;
}

/** log-softmax of `logits[offset + c] / temperature` restricted to `allowed` codes. */
function maskedLogSoftmax(
  logits: Float32Array,
  offset: number,
  allowed: readonly number[],
  temperature: number,
): Float64Array {
  const out = new Float64Array(allowed.length);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < allowed.length; i++) {
    const v = (logits[offset + (allowed[i] as number)] as number) / temperature;
    out[i] = v;
    if (v > max) max = v;
  }
  let z = 0;
  for (let i = 0; i < out.length; i++) z += Math.exp((out[i] as number) - max);
  const lse = max + Math.log(z);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) - lse;
  return out;
}

interface Row {
  request: number;
  cursor: TrieCursor;
  tokens: number[];
  logProbs: number[];
  score: number;
}

function finish(row: Row): DecodedSlate {
  return {
    slate: Int32Array.from(row.cursor.emitted),
    tokens: Int32Array.from(row.tokens),
    logProbs: Float32Array.from(row.logProbs),
    logProb: row.score,
  };
}

function prefixesOf(rows: readonly Row[], step: number): { ids: Int32Array; prefixes: Int32Array } {
  const ids = new Int32Array(rows.length);
  const prefixes = new Int32Array(rows.length * step);
  rows.forEach((row, i) => {
    ids[i] = row.request;
    for (let t = 0; t < step; t++) prefixes[i * step + t] = row.tokens[t] as number;
  });
  return { ids, prefixes };
}

/** Pick the best admissible code at every step (ties: the smaller code). */
export function greedyDecode(
  tries: readonly CandidateTrie[],
  slots: number,
  scorer: StepScorer,
): DecodedSlate[] {
  return sampleOrGreedy(tries, slots, scorer, null, 1, 1);
}

export interface SampleOptions {
  /** Softmax temperature (1 = the model's distribution). */
  temperature?: number;
  /** Slates per request; row r of the result belongs to request floor(r / samples). */
  samples?: number;
}

/** Draw slates from the trie-masked distribution: `samples` per request, request-major. */
export function sampleDecode(
  tries: readonly CandidateTrie[],
  slots: number,
  scorer: StepScorer,
  // Only uniforms are drawn (one per row per step), so a replayed sequence serves too (rollout shards).
  rng: Pick<Rng, 'next'>,
  options: SampleOptions = {},
): DecodedSlate[] {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  return sampleOrGreedy(tries, slots, scorer, rng, temperature, options.samples ?? 1);
}

function sampleOrGreedy(
  tries: readonly CandidateTrie[],
  slots: number,
  scorer: StepScorer,
  rng: Pick<Rng, 'next'> | null,
  temperature: number,
  samples: number,
): DecodedSlate[] {
  const levels = checkTries(tries, slots);
  const rows: Row[] = [];
  tries.forEach((trie, r) => {
    for (let s = 0; s < samples; s++)
      rows.push({ request: r, cursor: trie.cursor(), tokens: [], logProbs: [], score: 0 });
  });
  const steps = slots * levels;
  for (let step = 0; step < steps; step++) {
    const { ids, prefixes } = prefixesOf(rows, step);
    const logits = scorer(step, ids, prefixes);
    const width = logits.length / rows.length;
    rows.forEach((row, i) => {
      const allowed = row.cursor.allowed();
      const lp = maskedLogSoftmax(logits, i * width, allowed, temperature);
      let pick = 0;
      if (rng === null) {
        for (let k = 1; k < lp.length; k++) if ((lp[k] as number) > (lp[pick] as number)) pick = k;
      } else {
        // Inverse-CDF draw on the masked distribution.
        let u = rng.next();
        pick = lp.length - 1;
        for (let k = 0; k < lp.length; k++) {
          u -= Math.exp(lp[k] as number);
          if (u < 0) {
            pick = k;
            break;
          }
        }
      }
      const code = allowed[pick] as number;
      row.cursor.push(code);
      row.tokens.push(code);
      row.logProbs.push(lp[pick] as number);
      row.score += lp[pick] as number;
    });
  }
  return rows.map(finish);
}

export interface BeamOptions {
  beamWidth: number;
}

/**
 * Beam search over token sequences; returns, per request, the complete admissible slate
 * with the highest total log-probability among those the beam kept.
 */
export function beamDecode(
  tries: readonly CandidateTrie[],
  slots: number,
  scorer: StepScorer,
  options: BeamOptions,
): DecodedSlate[] {
  const levels = checkTries(tries, slots);
  const width = options.beamWidth;
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`beam width must be >= 1, got ${width}`);
  let beams: Row[][] = tries.map((trie, r) => [
    { request: r, cursor: trie.cursor(), tokens: [], logProbs: [], score: 0 },
  ]);
  const steps = slots * levels;
  for (let step = 0; step < steps; step++) {
    const rows = beams.flat();
    const { ids, prefixes } = prefixesOf(rows, step);
    const logits = scorer(step, ids, prefixes);
    const vocab = logits.length / rows.length;
    let offset = 0;
    beams = beams.map((requestBeams) => {
      const expansions: { beam: number; code: number; lp: number; score: number }[] = [];
      requestBeams.forEach((row, b) => {
        const allowed = row.cursor.allowed();
        const lp = maskedLogSoftmax(logits, (offset + b) * vocab, allowed, 1);
        allowed.forEach((code, k) => {
          expansions.push({ beam: b, code, lp: lp[k] as number, score: row.score + (lp[k] as number) });
        });
      });
      offset += requestBeams.length;
      expansions.sort((a, b) => b.score - a.score || a.beam - b.beam || a.code - b.code);
      return expansions.slice(0, width).map((e) => {
        const parent = requestBeams[e.beam] as Row;
        const cursor = parent.cursor.clone();
        cursor.push(e.code);
        return {
          request: parent.request,
          cursor,
          tokens: [...parent.tokens, e.code],
          logProbs: [...parent.logProbs, e.lp],
          score: e.score,
        };
      });
    });
  }
  return beams.map((requestBeams) => finish(requestBeams[0] as Row));
}
