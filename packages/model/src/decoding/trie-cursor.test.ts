// The candidate trie and its cursor on a hand-built case, and the decoders' input checks:
// wrong tokens, duplicate IDs, reachability, and the errors a caller sees.
import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { beamDecode, greedyDecode, type StepScorer, sampleDecode } from './decode.js';
import { CandidateTrie } from './trie.js';

// Four candidates, two levels: c0 = (2, 1), c1 = (0, 3), c2 = (2, 0), c3 = (0, 3) (same ID as c1).
const CODES = [2, 1, 0, 3, 2, 0, 0, 3];
const flat: StepScorer = (_step, rows) => new Float32Array(rows.length * 4);

describe('candidate trie cursor (hand-worked)', () => {
  it('admits codes in ascending order, walks an item and returns to the root', () => {
    const cur = new CandidateTrie(CODES, 2).cursor();
    expect(cur.level).toBe(0);
    expect(cur.left).toBe(4);
    // Inserted as 2 then 0: listed ascending.
    expect(cur.allowed()).toEqual([0, 2]);
    expect(cur.admits(2)).toBe(true);
    expect(cur.admits(1)).toBe(false);
    expect(Array.from(cur.reachable())).toEqual([1, 1, 1, 1]);
    expect(cur.push(2)).toBe(-1);
    expect(cur.level).toBe(1);
    expect(cur.allowed()).toEqual([0, 1]);
    expect(Array.from(cur.reachable())).toEqual([1, 0, 1, 0]);
    expect(cur.push(1)).toBe(0);
    expect(cur.level).toBe(0);
    expect(cur.left).toBe(3);
    expect(cur.emitted).toEqual([0]);
  });

  it('a duplicated ID emits its candidates one after the other, then closes', () => {
    const cur = new CandidateTrie(CODES, 2).cursor();
    cur.push(0);
    expect(cur.push(3)).toBe(1);
    expect(Array.from(cur.reachable())).toEqual([1, 0, 1, 1]);
    cur.push(0);
    expect(cur.push(3)).toBe(3);
    // Nothing under code 0 is left.
    expect(cur.allowed()).toEqual([2]);
    expect(cur.admits(0)).toBe(false);
    expect(Array.from(cur.reachable())).toEqual([1, 0, 1, 0]);
    expect(cur.left).toBe(2);
  });

  it('a wrong token is an error naming the code and the level', () => {
    const cur = new CandidateTrie(CODES, 2).cursor();
    expect(() => cur.push(1)).toThrow(/code 1 is not admissible at level 0/);
    cur.push(2);
    cur.push(0);
    cur.push(2);
    // c2 = (2, 0) is emitted: at level 1 under 2 only code 1 remains.
    expect(() => cur.push(0)).toThrow(/code 0 is not admissible at level 1/);
  });

  it('rejects bad trie input', () => {
    expect(() => new CandidateTrie([0, 1], 0)).toThrow(/levels must be >= 1, got 0/);
    expect(() => new CandidateTrie([0, 1], 1.5)).toThrow(/levels must be >= 1/);
    expect(() => new CandidateTrie([0, 1, 2], 2)).toThrow(/length 3 is not a multiple of 2 levels/);
    expect(() => new CandidateTrie([0, -1], 2)).toThrow(/candidate 0 has invalid code -1/);
    expect(() => new CandidateTrie([0, 1, 0.5, 1], 2)).toThrow(/candidate 1 has invalid code 0.5/);
  });
});

describe('decoder input checks', () => {
  const tries = [new CandidateTrie(CODES, 2)];

  it('slate size, temperature and beam width must be valid', () => {
    expect(() => greedyDecode(tries, 0, flat)).toThrow(/slate size must be >= 1, got 0/);
    expect(() => greedyDecode(tries, 1.5, flat)).toThrow(/slate size must be >= 1/);
    expect(() => greedyDecode(tries, 5, flat)).toThrow(
      /request 0 has 4 candidates, fewer than the slate size 5/,
    );
    expect(() => sampleDecode(tries, 2, flat, new Rng(1), { temperature: 0 })).toThrow(
      /temperature must be > 0, got 0/,
    );
    expect(() => sampleDecode(tries, 2, flat, new Rng(1), { temperature: Number.NaN })).toThrow(
      /temperature/,
    );
    expect(() => beamDecode(tries, 2, flat, { beamWidth: 0 })).toThrow(/beam width must be >= 1, got 0/);
    expect(() => beamDecode(tries, 2, flat, { beamWidth: 2.5 })).toThrow(/beam width must be >= 1/);
    expect(() => greedyDecode([tries[0]!, new CandidateTrie([0, 1, 2], 1)], 1, flat)).toThrow(
      /request 1: trie has 1 levels, expected 2/,
    );
  });

  it('greedy breaks ties towards the smaller code; with flat logits every item has equal probability', () => {
    const [d] = greedyDecode(tries, 4, flat);
    // Code 0 first: (0, 3) twice (c1, c3), then (2, 0) = c2, then (2, 1) = c0.
    expect(Array.from(d!.slate)).toEqual([1, 3, 2, 0]);
    // First step: 2 admissible codes, each log(1/2).
    expect(d!.logProbs[0]).toBeCloseTo(Math.log(0.5), 6);
    expect(d!.logProbs[1]).toBeCloseTo(0, 6);
  });

  it('sampling at a high temperature still returns valid slates; tiny temperature is greedy', () => {
    const peaked: StepScorer = (_step, rows) => {
      const out = new Float32Array(rows.length * 4);
      for (let r = 0; r < rows.length; r++) out[r * 4 + 2] = 1; // prefers code 2
      return out;
    };
    const [g] = greedyDecode(tries, 2, peaked);
    const [s] = sampleDecode(tries, 2, peaked, new Rng(3), { temperature: 1e-3 });
    expect(Array.from(s!.slate)).toEqual(Array.from(g!.slate));
    const many = sampleDecode(tries, 4, peaked, new Rng(4), { temperature: 50, samples: 20 });
    expect(many.length).toBe(20);
    for (const m of many) expect([...m.slate].sort()).toEqual([0, 1, 2, 3]);
  });
});
