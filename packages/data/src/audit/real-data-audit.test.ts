// The leak audit on the real benchmarks with the default protocol (issue 12): no ranker that
// reads a signal backwards above 1.5x random, the retriever's own top L above random, and
// neither the retriever's top L nor the most popular L near the ceiling. Also: more training
// than test requests and a non-empty cold-start subset on sparse Amazon Beauty sequences.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RequestColumns } from '../dataset/request-columns.js';
import { buildDataset } from '../protocol/build-requests.js';
import { defaultProtocol } from '../protocol/convert.js';
import { readMl100k } from '../readers/movielens.js';
import { failInCiWithoutRealData, REAL_DATA_SKIP_REASON, realDataset } from '../readers/real-data-dir.js';
import { readSequences } from '../readers/sequences.js';
import type { ProtocolParams } from '../schema/types.js';
import { requestViolations } from '../test-support/request-invariants.js';
import type { LeakAudit } from './leak-audit.js';
import { leakAudit } from './leak-audit.js';

const ml100k = realDataset('ml-100k');
const beauty = realDataset('amazon-beauty-sequences');
failInCiWithoutRealData(it, 'ml-100k', ml100k);
failInCiWithoutRealData(it, 'amazon-beauty-sequences', beauty);
// GLORANK_REAL_DATA set on purpose but a dataset missing is a broken setup, not a reason to skip.
for (const [name, dir] of [
  ['ml-100k', ml100k],
  ['amazon-beauty-sequences', beauty],
] as const) {
  if (dir === null && process.env.GLORANK_REAL_DATA)
    it(`finds ${name} under GLORANK_REAL_DATA=${process.env.GLORANK_REAL_DATA}`, () => {
      throw new Error(`GLORANK_REAL_DATA is set but ${name}/ is not in it`);
    });
}

function expectPasses(audit: LeakAudit, splits: ('valid' | 'test')[]): void {
  for (const split of splits) {
    const p = audit.splits[split]!.precision;
    expect(p.retrieverBottom, `${split} retriever bottom-L`).toBeLessThanOrEqual(1.5 * p.random);
    expect(p.leastPopular, `${split} least popular L`).toBeLessThanOrEqual(1.5 * p.random);
    expect(p.retrieverTop, `${split} retriever top-L`).toBeGreaterThan(p.random);
    expect(p.retrieverTop, `${split} retriever top-L`).toBeLessThan(0.5 * p.ceiling);
    expect(p.mostPopular, `${split} most popular L`).toBeLessThan(0.5 * p.ceiling);
  }
  // Training lists are built the same way: no anti-signal there either.
  const t = audit.splits.train!.precision;
  expect(t.retrieverBottom).toBeLessThanOrEqual(1.5 * t.random);
  expect(t.leastPopular).toBeLessThanOrEqual(1.5 * t.random);
  expect(audit.warnings).toEqual([]);
}

describe.skipIf(!ml100k)(
  `leak audit on real MovieLens 100K${ml100k ? '' : ` (skipped: ${REAL_DATA_SKIP_REASON})`}`,
  () => {
    it('passes with the default protocol', async () => {
      const s = await readMl100k(ml100k!);
      const protocol = defaultProtocol('ml-100k', s);
      const ds = buildDataset(s, { protocol });
      expect(requestViolations(ds)).toEqual([]);
      const audit = leakAudit(ds.requests, {
        slateSize: protocol.slateSize,
        popularity: ds.items.popularity,
      });
      expectPasses(audit, ['valid', 'test']);
    });

    it("flags the old 'top-retriever' construction (regression: issue 12's leak)", async () => {
      const s = await readMl100k(ml100k!);
      const protocol: ProtocolParams = {
        ...defaultProtocol('ml-100k', s),
        candidatesMode: 'top-retriever',
        retriever: 'bpr',
        bprEpochs: 20,
      };
      const ds = buildDataset(s, { protocol });
      const audit = leakAudit(ds.requests, { slateSize: 6, popularity: ds.items.popularity });
      const p = audit.splits.test!.precision;
      expect(p.retrieverBottom).toBeGreaterThan(1.5 * p.random);
      expect(audit.warnings.some((w) => w.startsWith('test: retriever bottom-L'))).toBe(true);
    });
  },
);

describe.skipIf(!beauty)(
  `leak audit on real Amazon Beauty${beauty ? '' : ` (skipped: ${REAL_DATA_SKIP_REASON})`}`,
  () => {
    it('passes with the default protocol, with more training than test requests and cold test requests', async () => {
      const s = await readSequences(path.join(beauty!, 'user_sequence.txt'));
      const protocol = defaultProtocol('sequences', s);
      const ds = buildDataset(s, { protocol });
      expect(requestViolations(ds)).toEqual([]);
      const m = ds.requests as RequestColumns;
      let train = 0;
      let test = 0;
      let coldTest = 0;
      for (let r = 0; r < m.count; r++) {
        if (m.split[r] === 0) train++;
        if (m.split[r] === 2) {
          test++;
          if (m.coldStart[r]) coldTest++;
        }
      }
      expect(train).toBeGreaterThan(test);
      expect(ds.items.cold.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(coldTest).toBeGreaterThan(0);
      const audit = leakAudit(ds.requests, {
        slateSize: protocol.slateSize,
        popularity: ds.items.popularity,
      });
      expectPasses(audit, ['valid', 'test']);
    });
  },
);
