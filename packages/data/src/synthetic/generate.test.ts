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
      // Only the logged (first six, by initial score) items can be positive.
      for (let i = 6; i < 50; i++) if (r.labels[i] !== 0) bad('label outside the logged slate');
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
      const probs = syn.clickModel.expectedClicks(r, r.candidates.subarray(0, 6));
      for (let i = 0; i < 6; i++) {
        clicks += r.labels[i]!;
        expected += probs[i]!;
        variance += probs[i]! * (1 - probs[i]!);
      }
    }
    expect(Math.abs(clicks - expected)).toBeLessThan(4 * Math.sqrt(variance));
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
