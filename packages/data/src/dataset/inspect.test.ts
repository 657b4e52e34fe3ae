import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../synthetic/generate.js';
import { inspectDataset } from './inspect.js';
import { writeDataset } from './write-dataset.js';

describe('inspectDataset', () => {
  it('summarises requests against hand-counted values', async () => {
    const syn = generateSynthetic({ users: 30, items: 200, seed: 1, requestsPerUser: 3 });
    // Overwrite three requests' labels so the expected numbers are easy to count by hand.
    const reqs = syn.requests.slice(0, 3).map((r, k) => ({
      ...r,
      split: (['train', 'valid', 'test'] as const)[k]!,
      coldStart: k === 2,
      history: r.history.slice(0, k),
      labels: Float32Array.from(r.labels, (_, i) => (i < k ? 1 : 0)),
    }));
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-inspect-')), 'ds');
    await writeDataset(dir, { ...syn, requests: reqs });
    const s = await inspectDataset(dir);
    expect(s.counts).toEqual({ users: 30, items: 200, interactions: syn.interactions.count, requests: 3 });
    expect(s.requestsBySplit).toEqual({ train: 1, valid: 1, test: 1 });
    expect(s.positivesPerRequest).toBe(1); // (0 + 1 + 2) / 3
    expect(s.labelRate).toBeCloseTo(3 / 150, 12);
    expect(s.requestsWithoutPositives).toBe(1);
    expect(s.coldStartTestRequests).toBe(1);
    expect(s.candidateLength).toEqual({ min: 50, mean: 50, max: 50 });
    expect(s.historyLength).toEqual({ min: 0, mean: 1, max: 2 });
    expect(s.coldStartItems).toBe(syn.manifest.coldStartItems);
    expect(s.hasClickModel).toBe(true);
  });
});
