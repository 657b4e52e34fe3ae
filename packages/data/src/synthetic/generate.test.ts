import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../dataset/read-dataset.js';
import { writeDataset } from '../dataset/write-dataset.js';
import type { RerankRequest } from '../schema/types.js';
import { loadClickModel } from './click-model.js';
import { generateSynthetic, type SyntheticDataset } from './generate.js';

describe('generateSynthetic', () => {
  let syn: SyntheticDataset;
  beforeAll(() => {
    syn = generateSynthetic({ users: 300, items: 800, seed: 7 });
  });

  it('is deterministic per seed', () => {
    const again = generateSynthetic({ users: 300, items: 800, seed: 7 });
    const other = generateSynthetic({ users: 300, items: 800, seed: 8 });
    expect(again.manifest.contentHash).toBe(syn.manifest.contentHash);
    expect(other.manifest.contentHash).not.toBe(syn.manifest.contentHash);
  });

  it('has the requested shape and per-user time split', () => {
    expect(syn.items.count).toBe(800);
    expect(syn.users.count).toBe(300);
    expect(syn.requests).toHaveLength(300 * 8);
    expect(syn.manifest.requestsBySplit).toEqual({ train: 1800, valid: 300, test: 300 });
    const byUser = new Map<number, RerankRequest[]>();
    for (const r of syn.requests) byUser.set(r.user, [...(byUser.get(r.user) ?? []), r]);
    for (const rs of byUser.values()) {
      const splits = rs.map((r) => r.split);
      expect(splits.slice(-2)).toEqual(['valid', 'test']);
      for (let i = 1; i < rs.length; i++) expect(rs[i]!.ts).toBeGreaterThan(rs[i - 1]!.ts);
    }
  });

  it('keeps the request invariants', () => {
    const problems: string[] = [];
    for (const r of syn.requests) {
      const bad = (what: string) => problems.push(`request ${r.id}: ${what}`);
      if (r.candidates.length !== 50 || new Set(r.candidates).size !== 50) bad('not 50 distinct candidates');
      if (r.history.length > 50) bad('history too long');
      const hist = new Set(r.history);
      if (r.candidates.some((c) => hist.has(c))) bad('history item among candidates');
      for (let i = 1; i < 50; i++)
        if (r.initialScores[i]! > r.initialScores[i - 1]!) bad('not in initial order');
      // The logged slate: six distinct candidate indices; only those items can be positive.
      const shown = new Set(r.exposed);
      if (r.exposed.length !== 6 || shown.size !== 6) bad('logged slate is not 6 distinct indices');
      if (r.exposed.some((k) => !(k >= 0 && k < 50))) bad('logged slate index outside candidates');
      for (let i = 0; i < 50; i++)
        if (r.labels[i] !== 0 && !shown.has(i)) bad('label outside the logged slate');
      let coldPositive = false;
      for (let i = 0; i < 50; i++)
        if (r.labels[i]! > 0 && syn.items.cold[r.candidates[i]!]) coldPositive = true;
      if (r.coldStart !== coldPositive) bad('coldStart flag disagrees with labels');
    }
    expect(problems).toEqual([]);
  });

  it('never shows cold items before the test period and never leaks the future into history', () => {
    const { interactions: t, items } = syn;
    const problems: string[] = [];
    const clickedAt = new Map<string, number>();
    for (let j = 0; j < t.count; j++) {
      if (t.rating[j]! >= 1) clickedAt.set(`${t.user[j]}:${t.item[j]}`, t.ts[j]!);
    }
    for (const r of syn.requests) {
      if (r.split !== 'test' && r.candidates.some((c) => items.cold[c] === 1))
        problems.push(`${r.id}: cold candidate`);
      for (const h of r.history) {
        if (items.cold[h]) problems.push(`${r.id}: cold history item`);
        // Each history item was clicked by that user strictly before the request.
        if (!((clickedAt.get(`${r.user}:${h}`) ?? Infinity) < r.ts))
          problems.push(`${r.id}: future history item`);
      }
    }
    for (let i = 0; i < items.count; i++)
      if (items.cold[i] && items.popularity[i]) problems.push(`cold item ${i} popular`);
    for (let j = 1; j < t.count; j++) {
      const ordered = t.user[j]! > t.user[j - 1]! || (t.user[j] === t.user[j - 1] && t.ts[j]! > t.ts[j - 1]!);
      if (!ordered) problems.push(`interaction ${j} out of order`);
    }
    expect(problems).toEqual([]);
    expect(syn.requests.filter((r) => r.coldStart).length).toBeGreaterThan(0);
  });

  it('draws labels from the click model of the logged slates', () => {
    let clicks = 0;
    let expected = 0;
    let variance = 0;
    for (const r of syn.requests) {
      const shown = Int32Array.from(r.exposed, (k) => r.candidates[k]!);
      const probs = syn.clickModel.expectedClicks(r, shown);
      for (let i = 0; i < 6; i++) {
        clicks += r.labels[r.exposed[i]!]!;
        expected += probs[i]!;
        variance += probs[i]! * (1 - probs[i]!);
      }
    }
    expect(Math.abs(clicks - expected)).toBeLessThan(4 * Math.sqrt(variance));
  });

  it('logs slates with a Plackett-Luce policy over the initial scores, shown in sampled order', () => {
    // Position 0 of a Plackett-Luce sample is candidate k with probability softmax(score)_k:
    // compare the count of "best-scored candidate shown first" with its expectation.
    let firstIsTop = 0;
    let expected = 0;
    let variance = 0;
    let beyondTop = 0;
    for (const r of syn.requests) {
      const mx = r.initialScores[0]!;
      let z = 0;
      for (const s of r.initialScores) z += Math.exp(s - mx);
      const p0 = 1 / z;
      expected += p0;
      variance += p0 * (1 - p0);
      if (r.exposed[0] === 0) firstIsTop++;
      if (r.exposed.some((k) => k >= 6)) beyondTop++;
    }
    expect(Math.abs(firstIsTop - expected)).toBeLessThan(4 * Math.sqrt(variance));
    // Exploration: many logged slates reach past the initial top six.
    expect(beyondTop).toBeGreaterThan(syn.requests.length / 4);
    // The interactions log records the slate in shown order.
    const r = syn.requests.find((q) => q.split === 'train')!;
    const t = syn.interactions;
    const logged: number[] = [];
    for (let j = 0; j < t.count; j++)
      if (t.user[j] === r.user && t.ts[j]! >= r.ts && t.ts[j]! < r.ts + 6) logged.push(t.item[j]!);
    expect(logged).toEqual(Array.from(r.exposed, (k) => r.candidates[k]!));
  });

  it('shows the initial top six in order at exposure temperature 0', () => {
    const det = generateSynthetic({ users: 40, items: 400, seed: 3, exposureTemperature: 0 });
    for (const r of det.requests) expect([...r.exposed]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(det.manifest.synthetic?.exposureTemperature).toBe(0);
    expect(() => generateSynthetic({ users: 40, items: 400, exposureTemperature: -1 })).toThrow(
      /exposureTemperature/,
    );
  });

  it('leaves room for a list-wise reranker over the noisy initial order', () => {
    const m = syn.clickModel;
    let initial = 0;
    let relevanceSorted = 0;
    let greedy = 0;
    let reversed = 0;
    let n = 0;
    for (const r of syn.requests) {
      if (r.split !== 'test') continue;
      n++;
      initial += m.expectedReward(r, r.candidates.subarray(0, 6));
      const byRel = [...r.candidates].sort((a, b) => m.relevance(r.user, b) - m.relevance(r.user, a));
      relevanceSorted += m.expectedReward(r, byRel.slice(0, 6));
      const g = m.greedySlate(r, 6);
      greedy += m.expectedReward(r, g);
      reversed += m.expectedReward(r, g.slice().reverse());
    }
    // A pointwise oracle beats the noisy initial order; the list-wise greedy slate beats both clearly.
    expect(relevanceSorted / n).toBeGreaterThan(initial / n);
    expect(greedy / n).toBeGreaterThan(1.2 * (initial / n));
    expect(greedy / n).toBeGreaterThan(1.1 * (relevanceSorted / n));
    // Order matters: the same items in reverse earn less.
    expect(reversed / n).toBeLessThan(greedy / n - 0.03);
  });

  it('writes the same layout plus click_model.json, and loads back exactly', async () => {
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-syn-')), 'syn');
    const manifest = await writeDataset(dir, syn);
    expect(manifest.contentHash).toBe(syn.manifest.contentHash);
    expect((await fs.readdir(dir)).sort()).toEqual([
      'click_model.json',
      'interactions.arrow',
      'items.arrow',
      'manifest.json',
      'requests.arrow',
      'users.arrow',
    ]);
    const ds = await readDataset(dir);
    const model = await loadClickModel(dir);
    expect(ds.items.title).toEqual(syn.items.title);
    expect(ds.items.categories).toEqual(syn.items.categories);
    const r = ds.requests[123]!;
    expect([...model.expectedClicks(r, r.candidates.subarray(0, 6))]).toEqual([
      ...syn.clickModel.expectedClicks(r, r.candidates.subarray(0, 6)),
    ]);
  });

  it('derives content features from the latent topic', () => {
    const topics = syn.clickModel.params.itemTopic;
    // Most items list their primary topic's genre first-or-second, and titles start with "The".
    let genreMatches = 0;
    const genreOfTopic = new Map<number, Map<string, number>>();
    for (let i = 0; i < syn.items.count; i++) {
      const counts = genreOfTopic.get(topics[i]!) ?? new Map<string, number>();
      for (const g of syn.items.categories[i]!) counts.set(g, (counts.get(g) ?? 0) + 1);
      genreOfTopic.set(topics[i]!, counts);
    }
    for (let i = 0; i < syn.items.count; i++) {
      const counts = [...genreOfTopic.get(topics[i]!)!.entries()].sort((a, b) => b[1] - a[1]);
      if (syn.items.categories[i]!.includes(counts[0]![0])) genreMatches++;
    }
    expect(genreMatches / syn.items.count).toBeGreaterThan(0.8);
    expect(genreMatches / syn.items.count).toBeLessThan(1);
    expect(syn.items.title.every((t) => /^The \w+ \w+/.test(t ?? ''))).toBe(true);
  });
});
