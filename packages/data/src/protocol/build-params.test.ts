// The request builder's edges: refused parameters (each message names the field, the value and
// what was expected), empty or too-short sources, the protocol recorded as run, dense ids in
// raw-id order with their side tables, and the progress it reports. Expectations are written
// out by hand; nothing here re-runs the builder's own code to get them.
import { describe, expect, it } from 'vitest';
import type { RequestColumns } from '../dataset/request-columns.js';
import { emptySource } from '../readers/reader-options.js';
import type { ProtocolParams } from '../schema/types.js';
import { PLAIN_PROTOCOL as base, type LogRow, sourceOf as source } from '../test-support/protocol-source.js';
import { buildDataset } from './build-requests.js';
import type { SourceData } from './interaction-log.js';

/** Three users with six interactions each over eight items: every parameter below has room. */
function small(timed = true): SourceData {
  const rows: LogRow[] = [];
  for (let u = 0; u < 3; u++) for (let k = 0; k < 6; k++) rows.push([`u${u}`, `i${(u + k) % 8}`, 5, k]);
  return source(rows, timed);
}

const requestCount = (ds: ReturnType<typeof buildDataset>): number => (ds.requests as RequestColumns).count;

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

describe('protocol parameters', () => {
  const refused: [Partial<ProtocolParams>, string][] = [
    [{ kCore: -1 }, "field 'k-core': must be an integer >= 0, got -1"],
    [{ kCore: 1.5 }, "field 'k-core': must be an integer >= 0, got 1.5"],
    [{ slateSize: 0 }, "field 'slate-size': must be >= 1, got 0"],
    [{ slateSize: 1.5, candidates: 3 }, "field 'slate-size': must be >= 1, got 1.5"],
    [{ slateSize: 2, candidates: 1 }, "field 'candidates': must be an integer >= slate size 2, got 1"],
    [{ candidates: 2.5 }, "field 'candidates': must be an integer >= slate size 1, got 2.5"],
    [{ historyLength: 0 }, "field 'history': must be an integer >= 1, got 0"],
    [{ historyLength: 2.5 }, "field 'history': must be an integer >= 1, got 2.5"],
    [{ coldStartQuantile: 0 }, "field 'cold-quantile': must be in (0, 1], got 0"],
    [{ coldStartQuantile: 1.5 }, "field 'cold-quantile': must be in (0, 1], got 1.5"],
    [{ coldStartQuantile: Number.NaN }, "field 'cold-quantile': must be in (0, 1], got NaN"],
    [{ coldStartShare: -0.1 }, "field 'cold-share': must be in [0, 1), got -0.1"],
    [{ coldStartShare: 1 }, "field 'cold-share': must be in [0, 1), got 1"],
    [{ trainStride: 0 }, "field 'train-stride': must be an integer >= 1, got 0"],
    [{ trainStride: 1.5 }, "field 'train-stride': must be an integer >= 1, got 1.5"],
    [
      { candidatesMode: 'top-retriever', retriever: 'cooccurrence' },
      "field 'retriever': candidates mode 'top-retriever' needs retriever bpr or popularity, got cooccurrence",
    ],
    [{ retriever: 'synthetic' }, "field 'retriever': 'synthetic' is only for generated data"],
  ];
  for (const [patch, message] of refused) {
    it(`refuses ${JSON.stringify(patch)}: ${message}`, () => {
      expect(messageOf(() => buildDataset(small(), { protocol: { ...base, ...patch } }))).toBe(message);
    });
  }

  it('accepts the boundary values of each range', () => {
    const accepted: Partial<ProtocolParams>[] = [
      { kCore: 0 },
      { kCore: 1 },
      { slateSize: 1, candidates: 1 },
      { slateSize: 2, candidates: 2 },
      { historyLength: 1 },
      { coldStartQuantile: 1 },
      { coldStartShare: 0 },
      { coldStartShare: 0.99, coldStartBy: 'random' },
      { trainStride: 1 },
      { candidatesMode: 'top-retriever', retriever: 'popularity' },
      { candidatesMode: 'top-retriever', retriever: 'bpr', bprDim: 2, bprEpochs: 1 },
      { candidatesMode: 'sampled', retriever: 'cooccurrence' },
    ];
    for (const patch of accepted) {
      const ds = buildDataset(small(), { protocol: { ...base, ...patch } });
      expect(requestCount(ds), JSON.stringify(patch)).toBeGreaterThan(0);
    }
  });
});

describe('sources the protocol cannot use', () => {
  it('an empty source names its first file, or its name when it has none', () => {
    const noFile = emptySource('test', 'my-source');
    expect(messageOf(() => buildDataset(noFile, { protocol: base }))).toBe(
      'my-source: the source has no interactions',
    );
    const withFile = emptySource('test', 'my-source');
    withFile.sourceFiles.push({ path: '/data/ratings.csv', sha256: '0'.repeat(64), bytes: 0 });
    expect(messageOf(() => buildDataset(withFile, { protocol: base }))).toBe(
      '/data/ratings.csv: the source has no interactions',
    );
  });

  it('nothing left after the k-core filter names the filter and the flag', () => {
    expect(
      messageOf(() => buildDataset(source([['A', 'x', 5, 1]]), { protocol: { ...base, kCore: 5 } })),
    ).toBe("field 'k-core': no interactions survive the 5-core filter (try a smaller --k-core)");
  });

  it('no user long enough for one request names the length needed', () => {
    // Every user has 3 interactions; slate 3 + 1 history = 4 needed.
    const rows: LogRow[] = [];
    for (const u of ['A', 'B']) for (let k = 0; k < 3; k++) rows.push([u, `i${k}`, 5, k]);
    expect(
      messageOf(() => buildDataset(source(rows), { protocol: { ...base, slateSize: 3, candidates: 3 } })),
    ).toBe("field 'slate-size': no user has the 4 interactions one request needs (after the 0-core filter)");
    // Slate 2 + minHistory 2 = 4 as well; slate 2 + minHistory 1 fits.
    expect(
      messageOf(() =>
        buildDataset(source(rows), {
          protocol: { ...base, slateSize: 2, candidates: 2, minHistory: 2, kCore: 1 },
        }),
      ),
    ).toBe("field 'slate-size': no user has the 4 interactions one request needs (after the 1-core filter)");
    expect(
      requestCount(buildDataset(source(rows), { protocol: { ...base, slateSize: 2, candidates: 2 } })),
    ).toBe(2);
  });

  it('a time cut needs timestamps; without one, untimed sources build', () => {
    expect(
      messageOf(() =>
        buildDataset(small(false), { protocol: { ...base, coldStartBy: 'time', coldStartQuantile: 0.5 } }),
      ),
    ).toBe(
      "field 'cold-by': the source has no timestamps, so a time cut cannot pick cold items (use cold-start by 'random' or 'first-appearance' with a share)",
    );
    // Quantile 1 is "no time cut": nothing is cold by time, so an untimed source is fine.
    const noCut = buildDataset(small(false), {
      protocol: { ...base, coldStartBy: 'time', coldStartQuantile: 1 },
    });
    expect(noCut.manifest.protocol.coldStartBy).toBe('time');
    // A quantile is ignored when cold items are chosen by share.
    const byShare = buildDataset(small(false), {
      protocol: { ...base, coldStartBy: 'random', coldStartQuantile: 0.5, coldStartShare: 0.25 },
    });
    expect(byShare.items.cold.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2); // floor(0.25 * 8)
  });
});

describe('the protocol as run (manifest)', () => {
  it('fills every default that applied, and only those', () => {
    const timed = buildDataset(small(), { protocol: base });
    expect(timed.manifest.protocol).toStrictEqual({
      ...base,
      minHistory: 1,
      candidatesMode: 'sampled',
      trainStride: 1,
      coldStartBy: 'time',
    });
    expect(timed.manifest.name).toBe('test');
    expect(buildDataset(small(), { protocol: base, name: 'renamed' }).manifest.name).toBe('renamed');

    const cooc = {
      ...base,
      slateSize: 2,
      retriever: 'cooccurrence' as const,
      cooccurrenceDamping: 1,
      minHistory: 2,
    };
    expect(buildDataset(small(false), { protocol: cooc }).manifest.protocol).toStrictEqual({
      ...cooc,
      candidatesMode: 'sampled',
      trainStride: 2,
      coldStartBy: 'random',
      coldStartShare: 0.05,
    });
    const coocDefault = { ...base, retriever: 'cooccurrence' as const };
    expect(buildDataset(small(), { protocol: coocDefault }).manifest.protocol).toStrictEqual({
      ...coocDefault,
      minHistory: 1,
      candidatesMode: 'sampled',
      trainStride: 1,
      coldStartBy: 'time',
      cooccurrenceDamping: 0.5,
    });

    const bpr = {
      ...base,
      retriever: 'bpr' as const,
      bprDim: 4,
      bprEpochs: 2,
      coldStartBy: 'first-appearance' as const,
      coldStartShare: 0.1,
      trainStride: 3,
      candidatesMode: 'top-retriever' as const,
    };
    expect(buildDataset(small(false), { protocol: bpr }).manifest.protocol).toStrictEqual({
      ...bpr,
      minHistory: 1,
    });
    const bprDefaults = { ...base, retriever: 'bpr' as const };
    expect(buildDataset(small(), { protocol: bprDefaults }).manifest.protocol).toStrictEqual({
      ...bprDefaults,
      minHistory: 1,
      candidatesMode: 'sampled',
      trainStride: 1,
      coldStartBy: 'time',
      bprDim: 32,
      bprEpochs: 20,
    });
  });
});

describe('dense ids', () => {
  // One long user keeps a request possible; the ids under test belong to one-interaction users/items.
  const withUsers = (ids: string[], long: string): string[] => {
    const rows: LogRow[] = [
      [long, 'i0', 5, 0],
      [long, 'i1', 5, 1],
      ...ids.map((u, k): LogRow => [u, 'i0', 5, k]),
    ];
    return buildDataset(source(rows), { protocol: base }).users.rawId.filter((u) => u !== long);
  };
  const withItems = (ids: string[]): string[] => {
    const rows: LogRow[] = ids.map((i, k): LogRow => ['A', i, 5, k]);
    return buildDataset(source(rows), { protocol: base }).items.rawId;
  };

  it('follow numeric order when every raw id is an integer of up to 15 digits', () => {
    expect(withItems(['10', '9', '-3', '2', '100'])).toEqual(['-3', '2', '9', '10', '100']);
    // 12 ids already in order stay in order (a default sort would compare the indices as text).
    const twelve = Array.from({ length: 12 }, (_, k) => String(k + 1));
    expect(withItems(twelve)).toEqual(twelve);
  });

  it('follow text order otherwise (one non-integer id is enough)', () => {
    expect(withItems(['b', '10', '9', 'a'])).toEqual(['10', '9', 'a', 'b']);
    expect(withItems(['x9', 'x10'])).toEqual(['x10', 'x9']);
    expect(withItems(['9x', '10x'])).toEqual(['10x', '9x']);
    expect(withItems(['1.5', '10'])).toEqual(['1.5', '10']);
    expect(withItems(['10', '1.5'])).toEqual(['1.5', '10']);
    // 16 digits is past the integer range kept exact: text order.
    expect(withItems(['2', '1000000000000000'])).toEqual(['1000000000000000', '2']);
    expect(withUsers(['c', 'a', 'b'], 'long')).toEqual(['a', 'b', 'c']);
    expect(withUsers(['30', '4', '-1'], '1000')).toEqual(['-1', '4', '30']);
    expect(withUsers(['30', '4', '-1'], 'long')).toEqual(['-1', '30', '4']);
  });

  it('carry item metadata and user attributes to their dense ids (missing: null / no categories)', () => {
    const s = source([
      ['u2', 'm3', 5, 0],
      ['u1', 'm1', 5, 1],
      ['u1', 'm2', 5, 2],
      ['u1', 'm3', 5, 3],
    ]);
    // Interned ids follow file order: m3 = 0, m1 = 1, m2 = 2; u2 = 0, u1 = 1.
    s.itemMeta[0] = { title: 'Three', categories: ['c'], year: 2003 };
    s.itemMeta[2] = { title: 'Two', categories: ['a', 'b'], year: null };
    s.userAttributes.age = [42];
    s.userAttributes.zip = ['z2', 'z1'];
    const ds = buildDataset(s, { protocol: base });
    expect(ds.items.rawId).toEqual(['m1', 'm2', 'm3']);
    expect(ds.items.title).toEqual([null, 'Two', 'Three']);
    expect(ds.items.categories).toEqual([[], ['a', 'b'], ['c']]);
    expect(ds.items.year).toEqual([null, null, 2003]);
    expect(ds.users.rawId).toEqual(['u1', 'u2']);
    expect(ds.users.attributes).toEqual({ age: [null, 42], zip: ['z1', 'z2'] });
  });
});

describe('progress', () => {
  it('reports each stage once per step, and requests every 256 users', () => {
    // 300 users x 3 interactions (one duplicate more): each user has a valid and a test request.
    const rows: LogRow[] = [];
    for (let u = 0; u < 300; u++)
      for (let k = 0; k < 3; k++) rows.push([`u${String(u).padStart(3, '0')}`, `i${(u + k) % 7}`, 5, k]);
    rows.push(['u000', 'i0', 5, 0.5]); // repeats (u000, i0): the later one stays
    const events: string[] = [];
    buildDataset(source(rows), {
      protocol: { ...base, retriever: 'bpr', bprDim: 2, bprEpochs: 2 },
      onProgress: (stage, done, total) => events.push(`${stage} ${done}/${total}`),
    });
    expect(events).toEqual([
      'order 901/901',
      'k-core 900/900',
      'bpr 1/2',
      'bpr 2/2',
      'bpr-fold0 1/2',
      'bpr-fold0 2/2',
      'bpr-fold1 1/2',
      'bpr-fold1 2/2',
      // After users 0 and 256 (2 requests each), then the total.
      'requests 2/600',
      'requests 514/600',
      'requests 600/600',
    ]);
  });
});
