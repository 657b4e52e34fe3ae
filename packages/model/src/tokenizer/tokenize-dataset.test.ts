import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  convertDataset,
  defaultProtocol,
  failInCiWithoutRealData,
  generateSynthetic,
  type LoadedDataset,
  REAL_DATA_SKIP_REASON,
  Rng,
  readDataset,
  realDataset,
  UserError,
} from '@glorank/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCodebooks, readSemanticIds, writeTokenizerOutputs } from './codes-io.js';
import { type TokenizeResult, tokenizeDataset, tokenizeDatasetDir } from './tokenize-dataset.js';

function rowsOf(codes: Int16Array, levels: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < codes.length / levels; i++)
    out.push(codes.subarray(i * levels, (i + 1) * levels).join(','));
  return out;
}

/** Share of item pairs with at least one genre in common: pairs with equal first code vs random pairs. */
function genreAgreement(ds: LoadedDataset, r: TokenizeResult, among: (i: number) => boolean) {
  const g = ds.items.categories;
  const share = (a: number, b: number) => (g[a] ?? []).some((x) => (g[b] ?? []).includes(x));
  const byCode = new Map<number, number[]>();
  for (let i = 0; i < ds.items.count; i++) {
    const c = r.codes[i * r.levels] as number;
    byCode.set(c, [...(byCode.get(c) ?? []), i]);
  }
  let pairs = 0;
  let agree = 0;
  for (const list of byCode.values()) {
    for (const a of list) {
      if (!among(a)) continue;
      for (const b of list) {
        if (b === a || (among(b) && b < a)) continue;
        pairs++;
        if (share(a, b)) agree++;
      }
    }
  }
  const rng = new Rng(7);
  let randomPairs = 0;
  let randomAgree = 0;
  for (let t = 0; t < 20000; t++) {
    const a = rng.int(ds.items.count);
    const b = rng.int(ds.items.count);
    if (a === b) continue;
    randomPairs++;
    if (share(a, b)) randomAgree++;
  }
  return { pairs, sameCode: agree / pairs, random: randomAgree / randomPairs };
}

describe('tokenizeDataset on the synthetic benchmark', () => {
  const ds = generateSynthetic({ users: 150, items: 240, seed: 3 });
  const options = { seed: 5, codebookSize: 16 } as const;
  const first = tokenizeDataset(ds, options);

  it('gives every item a unique ID with valid codes, cold items included', () => {
    const rows = rowsOf(first.codes, first.levels);
    expect(rows.length).toBe(ds.items.count);
    expect(new Set(rows).size).toBe(ds.items.count);
    expect(first.report.uniqueIds).toBe(true);
    for (let i = 0; i < ds.items.count; i++) {
      for (let l = 0; l < first.levels; l++) {
        const c = first.codes[i * first.levels + l] as number;
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThan(first.codebookSizes[l] as number);
      }
    }
    const cold = ds.items.cold.reduce((a, b) => a + b, 0);
    expect(cold).toBeGreaterThan(0);
    expect(first.report.items.coldCoded).toBe(first.report.items.cold);
    expect(first.report.items.cold).toBeGreaterThanOrEqual(cold);
    expect(first.report.coldStart.method).toBe('ridge-map');
    expect(first.report.popularityMismatches).toBe(0);
  });

  it('reports consistent statistics', () => {
    const r = first.report;
    expect(r.levels).toHaveLength(3);
    let previous = Infinity;
    for (const l of r.levels) {
      expect(l.usedCodes).toBeLessThanOrEqual(l.codebookSize);
      expect(l.perplexity).toBeLessThanOrEqual(l.usedCodes + 1e-9);
      expect(l.perplexity).toBeGreaterThanOrEqual(1);
      // Each level explains part of what is left.
      expect(l.quantisationError).toBeLessThan(previous);
      previous = l.quantisationError;
    }
    expect(r.levels[0]?.relativeError).toBeLessThan(1);
    // Collision rate counts items that share all quantised codes with another item.
    const quantised = new Map<string, number>();
    for (let i = 0; i < ds.items.count; i++) {
      const key = first.codes.subarray(i * first.levels, i * first.levels + 3).join(',');
      quantised.set(key, (quantised.get(key) ?? 0) + 1);
    }
    let colliding = 0;
    for (const n of quantised.values()) if (n > 1) colliding += n;
    expect(r.collisions.collidingItems).toBe(colliding);
    expect(r.collisions.collisionRate).toBeCloseTo(colliding / ds.items.count, 12);
    expect(r.final.levels).toBe(r.collisions.disambiguationLevel ? 4 : 3);
  });

  it('repeats exactly for a seed and changes with it', () => {
    const again = tokenizeDataset(ds, options);
    expect(Array.from(again.codes)).toEqual(Array.from(first.codes));
    const other = tokenizeDataset(ds, { ...options, seed: 6 });
    expect(Array.from(other.codes)).not.toEqual(Array.from(first.codes));
  });

  it('shrinks the codebook with a warning when there are too few items', () => {
    const warnings: string[] = [];
    const r = tokenizeDataset(ds, {
      seed: 1,
      codebookSize: 256,
      levels: 2,
      onWarning: (m) => warnings.push(m),
    });
    const warm = r.report.items.warm;
    expect(r.codebookSizes[0]).toBe(Math.floor(warm / 2));
    expect(warnings.some((w) => /codebook shrunk from 256 to/.test(w))).toBe(true);
    expect(r.report.warnings).toEqual(warnings);
  });

  it('always adds the extra level on request, and codes from content alone', () => {
    const r = tokenizeDataset(ds, {
      seed: 1,
      codebookSize: 8,
      levels: 1,
      disambiguation: 'always',
      sources: ['content'],
    });
    expect(r.levels).toBe(2);
    expect(new Set(rowsOf(r.codes, r.levels)).size).toBe(ds.items.count);
    expect(r.report.coldStart.method).toBe('content-pipeline');
  });

  it('rejects bad options with a UserError naming the field', () => {
    expect(() => tokenizeDataset(ds, { levels: 0 })).toThrow(UserError);
    expect(() => tokenizeDataset(ds, { codebookSize: 40000 })).toThrow(/codebook/);
    expect(() => tokenizeDataset(ds, { sources: [] })).toThrow(/sources/);
    expect(() => tokenizeDataset(ds, { sources: ['ratings' as 'content'] })).toThrow(
      /unknown source 'ratings'/,
    );
  });

  describe('files', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-tok-'));
    });
    afterAll(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('writes codes, codebooks and report that read back', async () => {
      await writeTokenizerOutputs(dir, first);
      const back = await readSemanticIds(dir);
      expect(back.levels).toBe(first.levels);
      expect(back.codebookSizes).toEqual(first.codebookSizes);
      expect(Array.from(back.codes)).toEqual(Array.from(first.codes));
      expect(back.items).toBe(ds.items.count);
      expect(back.datasetHash).toBe(ds.manifest.contentHash);
      const books = await readCodebooks(dir);
      expect(books.dims).toBe(first.quantiser.dims);
      expect(books.levels).toHaveLength(3);
      books.levels.forEach((l, li) => {
        expect(Array.from(l.centroids)).toEqual(Array.from(first.quantiser.levels[li]?.centroids ?? []));
        expect(l.items.reduce((a, b) => a + b, 0)).toBe(ds.items.count);
      });
      const leftovers = (await fs.readdir(dir)).filter((f) => f.includes('.tmp-'));
      expect(leftovers).toEqual([]);
    });

    it('readSemanticIds fails clearly without codes or with a report that disagrees', async () => {
      const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-tok-empty-'));
      await expect(readSemanticIds(empty)).rejects.toThrow(/no codes.arrow here/);
      await fs.rm(empty, { recursive: true, force: true });
      const report = JSON.parse(await fs.readFile(path.join(dir, 'tokenizer-report.json'), 'utf8'));
      report.final.codebookSizes = [2, 2, 2, 2, 2].slice(0, first.levels);
      await fs.writeFile(path.join(dir, 'tokenizer-report.json'), JSON.stringify(report));
      await expect(readSemanticIds(dir)).rejects.toThrow(/outside \[0, 2\)/);
    });
  });
});

const ml100k = realDataset('ml-100k');
failInCiWithoutRealData(it, 'ml-100k', ml100k);

describe.skipIf(ml100k === null)(
  `tokenizer on the real ML-100K copy${ml100k === null ? ` (${REAL_DATA_SKIP_REASON})` : ''}`,
  () => {
    let dir = '';
    let ds: LoadedDataset;
    let both: TokenizeResult;
    beforeAll(async () => {
      dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ml100k-')), 'ml-100k');
      // No k-core filter, so the items first rated late (the cold-start holdout) stay in.
      await convertDataset({
        format: 'ml-100k',
        src: ml100k as string,
        out: dir,
        protocol: { ...defaultProtocol('ml-100k'), kCore: 1, retriever: 'popularity' },
      });
      both = await tokenizeDatasetDir(dir, { seed: 0 });
      ds = await readDataset(dir);
    });
    afterAll(async () => {
      if (dir) await fs.rm(path.dirname(dir), { recursive: true, force: true });
    });

    it('gives all 1,682 items unique codes, cold ones included, and writes them beside the dataset', async () => {
      expect(ds.items.count).toBe(1682);
      const onDisk = await readSemanticIds(dir);
      expect(Array.from(onDisk.codes)).toEqual(Array.from(both.codes));
      expect(new Set(rowsOf(onDisk.codes, onDisk.levels)).size).toBe(1682);
      const flaggedCold = ds.items.cold.reduce((a, b) => a + b, 0);
      expect(flaggedCold).toBeGreaterThan(0);
      expect(both.report.items.cold).toBeGreaterThanOrEqual(flaggedCold);
      expect(both.report.items.coldCoded).toBe(both.report.items.cold);
      expect(both.report.popularityMismatches).toBe(0);
    });

    it('items sharing a first-level code share genres far more often than random pairs', () => {
      const all = genreAgreement(ds, both, () => true);
      expect(all.pairs).toBeGreaterThan(1000);
      expect(all.sameCode).toBeGreaterThan(all.random + 0.3);
      // Cold items (coded from content alone) land among warm items of their genres.
      const cold = genreAgreement(ds, both, (i) => both.warm[i] === 0);
      expect(cold.pairs).toBeGreaterThan(50);
      expect(cold.sameCode).toBeGreaterThan(cold.random + 0.3);
    });

    it('collaborative vectors alone, which never see genres, still group items by genre', () => {
      const cf = tokenizeDataset(ds, { seed: 0, sources: ['collaborative'] });
      const stats = genreAgreement(ds, cf, () => true);
      expect(stats.sameCode).toBeGreaterThan(stats.random + 0.1);
    });
  },
);
