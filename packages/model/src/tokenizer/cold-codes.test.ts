// Items without a training interaction ("cold", the same set for the dataset and the
// tokenizer) get distinct codes: from content through the cold-start map when there is
// content, else spread like random warm items, never one shared prefix told apart only by the
// disambiguation token (issue 12: 102 unseen items shared their first three codes).
import path from 'node:path';
import {
  buildDataset,
  defaultProtocol,
  failInCiWithoutRealData,
  InteractionLog,
  type LoadedDataset,
  REAL_DATA_SKIP_REASON,
  Rng,
  readSource,
  realDataset,
  requestsFromColumns,
  type SourceData,
} from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { type TokenizeResult, tokenizeDataset } from './tokenize-dataset.js';

const LEVELS = 3;

function loaded(content: ReturnType<typeof buildDataset>): LoadedDataset {
  return {
    dir: '',
    manifest: { ...content.manifest, contentHash: 'test' } as LoadedDataset['manifest'],
    items: content.items,
    users: content.users,
    interactions: content.interactions,
    requests: Array.isArray(content.requests)
      ? content.requests
      : requestsFromColumns(content.requests as Parameters<typeof requestsFromColumns>[0]),
  };
}

/** Distinct first-LEVELS code tuples among the cold items, and how many cold items there are. */
function coldPrefixes(ds: LoadedDataset, r: TokenizeResult): { cold: number; distinct: number } {
  const seen = new Set<string>();
  let cold = 0;
  for (let i = 0; i < ds.items.count; i++) {
    if (!ds.items.cold[i]) continue;
    cold++;
    seen.add(Array.from(r.codes.subarray(i * r.levels, i * r.levels + LEVELS)).join(','));
  }
  return { cold, distinct: seen.size };
}

function agreeOnCold(ds: LoadedDataset, r: TokenizeResult): void {
  const flagged = ds.items.cold.reduce((a, b) => a + b, 0);
  expect(r.report.items.cold).toBe(flagged);
  for (let i = 0; i < ds.items.count; i++) expect(r.warm[i] === 0).toBe(ds.items.cold[i] === 1);
}

describe('cold items without content', () => {
  it('get distinct, spread codes instead of one shared prefix', () => {
    // 40 users over 120 items without titles or categories; 10% of the items held out.
    const log = new InteractionLog();
    const rng = new Rng(1);
    for (let u = 0; u < 40; u++) for (let k = 0; k < 30; k++) log.add(`u${u}`, `i${rng.int(120)}`, 1, k);
    const source: SourceData = {
      format: 'sequences',
      name: 'nocontent',
      log,
      itemMeta: [],
      userAttributes: {},
      sourceFiles: [],
      linesRead: 0,
      skippedLines: 0,
      timed: false,
      implicit: true,
    };
    const ds = loaded(
      buildDataset(source, {
        protocol: { ...defaultProtocol('sequences', source), kCore: 0, coldStartShare: 0.1 },
      }),
    );
    const r = tokenizeDataset(ds, { seed: 0, levels: LEVELS, codebookSize: 16 });
    agreeOnCold(ds, r);
    const { cold, distinct } = coldPrefixes(ds, r);
    expect(cold).toBeGreaterThanOrEqual(12);
    expect(r.report.items.coldWithoutContent).toBe(cold);
    // Random warm vectors in a 16^3 code space: nearly all distinct (one shared prefix before).
    expect(distinct).toBeGreaterThan(0.7 * cold);
    expect(r.report.warnings.some((w) => /have no content features/.test(w))).toBe(true);
  });
});

const ml100k = realDataset('ml-100k');
const beauty = realDataset('amazon-beauty-sequences');
failInCiWithoutRealData(it, 'ml-100k', ml100k);
failInCiWithoutRealData(it, 'amazon-beauty-sequences', beauty);

describe.skipIf(ml100k === null)(
  `cold codes on real ML-100K${ml100k ? '' : ` (${REAL_DATA_SKIP_REASON})`}`,
  () => {
    it('codes the held-out items from their content: distinct prefixes, same cold set as the dataset', async () => {
      const s = await readSource('ml-100k', ml100k as string);
      const ds = loaded(
        buildDataset(s, {
          protocol: { ...defaultProtocol('ml-100k', s), coldStartBy: 'random', coldStartShare: 0.05 },
        }),
      );
      const r = tokenizeDataset(ds, { seed: 0, levels: LEVELS, codebookSize: 64 });
      agreeOnCold(ds, r);
      const { cold, distinct } = coldPrefixes(ds, r);
      expect(cold).toBeGreaterThan(30);
      expect(r.report.items.coldCoded).toBe(cold);
      expect(distinct).toBeGreaterThan(0.7 * cold);
    });
  },
);

describe.skipIf(beauty === null)(
  `cold codes on real Amazon Beauty${beauty ? '' : ` (${REAL_DATA_SKIP_REASON})`}`,
  () => {
    it('spreads the unseen items (no metadata here) over distinct codes', async () => {
      const s = await readSource('sequences', path.join(beauty as string, 'user_sequence.txt'));
      const ds = loaded(buildDataset(s, { protocol: defaultProtocol('sequences', s) }));
      const r = tokenizeDataset(ds, { seed: 0, levels: LEVELS, codebookSize: 64 });
      agreeOnCold(ds, r);
      const { cold, distinct } = coldPrefixes(ds, r);
      expect(cold).toBeGreaterThan(600);
      expect(distinct).toBeGreaterThan(0.7 * cold);
    });
  },
);
