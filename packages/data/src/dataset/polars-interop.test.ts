// Our Arrow files read by an independent Arrow implementation (Polars, Rust arrow2/polars-arrow
// under nodejs-polars), so the layout is real Arrow IPC and not only what apache-arrow JS accepts.
import { promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic, type SyntheticDataset } from '../synthetic/generate.js';
import { readCodes, writeCodes } from './codes-file.js';
import { writeDataset } from './write-dataset.js';

const require = createRequire(import.meta.url);
type Frame = {
  height: number;
  columns: string[];
  getColumn(name: string): { toArray(): unknown[]; nullCount(): number };
};
const pl = require('nodejs-polars') as { readIPC(body: Buffer): Frame };

// Polars only treats paths ending in .ipc as files, so hand it the bytes.
const readIPC = (file: string): Frame => pl.readIPC(readFileSync(file));

describe('Arrow files read by nodejs-polars', () => {
  let syn: SyntheticDataset;
  let dir: string;
  beforeAll(async () => {
    syn = generateSynthetic({ users: 40, items: 200, seed: 3, requestsPerUser: 4 });
    dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-polars-')), 'syn');
    await writeDataset(dir, syn);
  });

  it('reads items with nullable years, list categories and titles', () => {
    const df = readIPC(path.join(dir, 'items.arrow'));
    expect(df.columns).toEqual(['item', 'raw_id', 'title', 'categories', 'year', 'popularity', 'cold']);
    expect(df.height).toBe(200);
    expect(df.getColumn('item').toArray()).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(df.getColumn('title').toArray()).toEqual(syn.items.title);
    expect(df.getColumn('categories').toArray()).toEqual(syn.items.categories);
    expect(df.getColumn('year').toArray()).toEqual(syn.items.year);
    expect(df.getColumn('year').nullCount()).toBe(syn.items.year.filter((y) => y === null).length);
    expect(df.getColumn('popularity').toArray()).toEqual([...syn.items.popularity]);
    expect(df.getColumn('cold').toArray()).toEqual([...syn.items.cold].map((c) => c === 1));
  });

  it('reads interactions and requests with aligned list columns', () => {
    const t = readIPC(path.join(dir, 'interactions.arrow'));
    expect(t.height).toBe(syn.interactions.count);
    expect(t.getColumn('ts').toArray()).toEqual([...syn.interactions.ts]);
    expect(t.getColumn('rating').toArray()).toEqual([...syn.interactions.rating]);
    const r = readIPC(path.join(dir, 'requests.arrow'));
    expect(r.height).toBe(syn.requests.length);
    expect(r.getColumn('split').toArray()).toEqual(syn.requests.map((q) => q.split));
    expect(r.getColumn('cold_start').toArray()).toEqual(syn.requests.map((q) => q.coldStart));
    const toLists = (name: string) =>
      (r.getColumn(name).toArray() as ArrayLike<number>[]).map((x) => Array.from(x));
    expect(toLists('history')).toEqual(syn.requests.map((q) => [...q.history]));
    expect(toLists('candidates')).toEqual(syn.requests.map((q) => [...q.candidates]));
    expect(toLists('labels')).toEqual(syn.requests.map((q) => [...q.labels]));
    expect(toLists('initial_scores')).toEqual(syn.requests.map((q) => [...q.initialScores]));
  });

  it('reads codes.arrow as fixed-size lists', async () => {
    const file = path.join(dir, 'codes.arrow');
    await writeCodes(file, { levels: 3, codes: Int16Array.of(1, 2, 3, 255, 0, 7) });
    const df = readIPC(file);
    expect((df.getColumn('codes').toArray() as ArrayLike<number>[]).map((x) => Array.from(x))).toEqual([
      [1, 2, 3],
      [255, 0, 7],
    ]);
    expect((await readCodes(file)).levels).toBe(3);
  });
});
