import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors/user-error.js';
import { Rng } from '../random/rng.js';
import { CLICK_MODEL_KIND, ClickModel, type ClickModelParams, loadClickModel } from './click-model.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// Two topics that complement each other; items 0 and 1 are identical topic-0 items, item 2 is topic 1.
const params: ClickModelParams = {
  kind: CLICK_MODEL_KIND,
  version: 1,
  dims: 2,
  users: 1,
  items: 3,
  positionBias: 1,
  relevanceScale: 2,
  relevanceBias: -1,
  redundancyWeight: 1,
  complementWeight: 0.5,
  neighbourDecay: 0.5,
  itemTopic: [0, 0, 1],
  complementTopic: [1, 0],
  itemVectors: [1, 0, 1, 0, 0, 1],
  itemQuality: [0, 0, 0],
  userVectors: [1, 0],
};

describe('ClickModel', () => {
  // Built before each test: an error thrown while collecting would count as no test at all.
  let model: ClickModel;
  beforeEach(() => {
    model = new ClickModel(params);
  });

  it('matches hand-computed click probabilities for a complementary pair', () => {
    // rel(item0) = 2*1 - 1 = 1, rel(item2) = -1; each gets +0.5 from its complementary neighbour.
    const p = model.expectedClicks({ user: 0 }, [0, 2]);
    expect(p[0]).toBeCloseTo(sigmoid(1.5), 12);
    expect(p[1]).toBeCloseTo(0.5 * sigmoid(-0.5), 12);
  });

  it('matches hand-computed probabilities with a redundant neighbour and distance decay', () => {
    const p = model.expectedClicks({ user: 0 }, [0, 1, 2]);
    // item0: -1 (identical item1 at d=1) + 0.5*0.5 (complement item2 at d=2)
    expect(p[0]).toBeCloseTo(sigmoid(1 - 1 + 0.25), 12);
    // item1: -1 (item0 at d=1) + 0.5 (item2 at d=1), examined with probability 1/2
    expect(p[1]).toBeCloseTo(0.5 * sigmoid(1 - 1 + 0.5), 12);
    // item2: 0.5*0.5 (item0 at d=2) + 0.5 (item1 at d=1), examined with probability 1/3
    expect(p[2]).toBeCloseTo((1 / 3) * sigmoid(-1 + 0.75), 12);
    expect(model.expectedReward({ user: 0 }, [0, 1, 2])).toBeCloseTo(p[0]! + p[1]! + p[2]!, 12);
  });

  it('makes order and composition matter', () => {
    // Same items, other order: position bias and neighbour distances change the reward.
    expect(model.expectedReward({ user: 0 }, [0, 2, 1])).not.toBeCloseTo(
      model.expectedReward({ user: 0 }, [0, 1, 2]),
      6,
    );
    // A redundant copy next to item 0 lowers item 0's click probability.
    expect(model.expectedClicks({ user: 0 }, [0, 1])[0]).toBeLessThan(sigmoid(1));
    // Greedy picks item 0, then the complement rather than the more relevant duplicate.
    expect([...model.greedySlate({ user: 0, candidates: Int32Array.of(1, 2, 0) }, 2)]).toEqual([1, 2]);
  });

  it('samples clicks with the expected frequencies', () => {
    const rng = new Rng(3);
    const probs = model.expectedClicks({ user: 0 }, [0, 2]);
    const hits = [0, 0];
    const n = 20000;
    for (let t = 0; t < n; t++) {
      const c = model.sampleClicks({ user: 0 }, [0, 2], rng);
      hits[0]! += c[0]!;
      hits[1]! += c[1]!;
    }
    for (let i = 0; i < 2; i++) {
      const p = probs[i]!;
      expect(Math.abs(hits[i]! / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('rejects items and users outside the model', () => {
    expect(() => model.expectedClicks({ user: 0 }, [0, 3])).toThrow(RangeError);
    expect(() => model.expectedClicks({ user: 1 }, [0])).toThrow(RangeError);
  });

  it('adds item quality and the bias to the relevance logit (hand-worked)', () => {
    const q = new ClickModel({ ...params, itemQuality: [0.25, -0.5, 0] });
    // 2 * <(1,0),(1,0)> + 0.25 - 1 and 2 * 1 - 0.5 - 1.
    expect(q.relevance(0, 0)).toBeCloseTo(1.25, 12);
    expect(q.relevance(0, 1)).toBeCloseTo(0.5, 12);
    expect(q.expectedClicks({ user: 0 }, [0])[0]).toBeCloseTo(sigmoid(1.25), 12);
  });

  it('rejects parameters whose array lengths disagree with the sizes, naming each', () => {
    expect(() => new ClickModel({ ...params, itemVectors: [1, 0] })).toThrow(
      /itemVectors length != items \* dims/,
    );
    expect(() => new ClickModel({ ...params, userVectors: [] })).toThrow(
      /userVectors length != users \* dims/,
    );
    expect(() => new ClickModel({ ...params, itemQuality: [0] })).toThrow(/itemQuality length != items/);
    expect(() => new ClickModel({ ...params, itemTopic: [0, 1] })).toThrow(
      /^invalid click model: itemTopic length != items$/,
    );
    expect(() => new ClickModel({ ...params, itemQuality: [0], itemTopic: [0] })).toThrow(
      /itemQuality length != items; itemTopic length != items/,
    );
  });

  it('names the user or item outside the model', () => {
    expect(() => model.expectedClicks({ user: -1 }, [0])).toThrow(/user -1 outside \[0, 1\)/);
    expect(() => model.expectedClicks({ user: 0.5 }, [0])).toThrow(/user 0.5 outside/);
    expect(() => model.expectedClicks({ user: 0 }, [1, -1])).toThrow(/slate item -1 outside \[0, 3\)/);
    expect(() => model.expectedClicks({ user: 0 }, [1.5])).toThrow(/slate item 1.5 outside/);
  });

  it('greedy slate adds, top down, the candidate that most raises the expected reward', () => {
    // Item 0 is the most relevant; next to it the complementary item 2 beats its duplicate 1.
    const slate = model.greedySlate({ user: 0, candidates: Int32Array.from([2, 1, 0]) }, 2);
    expect(Array.from(slate)).toEqual([1, 2]);
    const value = (s: number[]) => model.expectedReward({ user: 0 }, s);
    expect(value([1, 2])).toBeGreaterThan(value([1, 0]));
    expect(value([1, 2])).toBeGreaterThan(value([2, 1]));
    // Never longer than the candidate list.
    expect(model.greedySlate({ user: 0, candidates: Int32Array.from([2]) }, 3).length).toBe(1);
  });

  it('loads from click_model.json and fails clearly on a missing or foreign file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cm-'));
    await expect(loadClickModel(dir)).rejects.toThrow(/click_model\.json: missing/);
    await fs.writeFile(path.join(dir, 'click_model.json'), JSON.stringify({ kind: 'other' }));
    await expect(loadClickModel(dir)).rejects.toBeInstanceOf(UserError);
    await expect(loadClickModel(dir)).rejects.toThrow(`expected kind '${CLICK_MODEL_KIND}' version 1`);
    await fs.writeFile(path.join(dir, 'click_model.json'), JSON.stringify({ ...params, version: 2 }));
    await expect(loadClickModel(dir)).rejects.toThrow(/version 1/);
    await fs.writeFile(path.join(dir, 'click_model.json'), '{ not json');
    await expect(loadClickModel(dir)).rejects.toThrow(/click_model\.json.*not valid JSON/);
    await fs.writeFile(path.join(dir, 'click_model.json'), JSON.stringify({ ...params, itemQuality: [] }));
    const bad = await loadClickModel(dir).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(UserError);
    expect((bad as Error).message).toMatch(/click_model\.json.*itemQuality length != items/);
    await fs.writeFile(path.join(dir, 'click_model.json'), JSON.stringify(params));
    const loaded = await loadClickModel(dir);
    expect([...loaded.expectedClicks({ user: 0 }, [0, 1, 2])]).toEqual([
      ...model.expectedClicks({ user: 0 }, [0, 1, 2]),
    ]);
  });
});
