// Readers and the protocol on the real benchmark copies (read in place, never copied into the repo).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../dataset/read-dataset.js';
import { buildDataset } from '../protocol/build-requests.js';
import { convertDataset, defaultProtocol } from '../protocol/convert.js';
import { requestViolations } from '../test-support/request-invariants.js';
import { readMl1m, readMl100k } from './movielens.js';
import { failInCiWithoutRealData, REAL_DATA_SKIP_REASON, realDataset } from './real-data-dir.js';
import { readSequences } from './sequences.js';

const ml100k = realDataset('ml-100k');
const beauty = realDataset('amazon-beauty-sequences');
const ml1mMeta = realDataset('ml-1m-metadata');
failInCiWithoutRealData(it, 'ml-100k', ml100k);
failInCiWithoutRealData(it, 'amazon-beauty-sequences', beauty);
failInCiWithoutRealData(it, 'ml-1m-metadata', ml1mMeta);

describe.skipIf(!ml100k)(`real MovieLens 100K${ml100k ? '' : ` (skipped: ${REAL_DATA_SKIP_REASON})`}`, () => {
  it('reads 100,000 ratings of 943 users on 1,682 items with decoded genres and accents', async () => {
    const s = await readMl100k(ml100k!);
    expect(s.log.count).toBe(100_000);
    expect(s.log.users.size).toBe(943);
    expect(s.log.items.size).toBe(1682);
    const meta = (raw: string) => s.itemMeta[s.log.items.get(raw)!]!;
    expect(meta('1')).toEqual({
      title: 'Toy Story (1995)',
      categories: ['Animation', "Children's", 'Comedy'],
      year: 1995,
    });
    expect(meta('543').title).toBe('Misérables, Les (1995)');
    expect(meta('1633').title).toBe('Á köldum klaka (Cold Fever) (1994)');
    expect(meta('267').title).toBeNull(); // listed as "unknown" in u.item
    let ratingSum = 0;
    for (let k = 0; k < s.log.count; k++) ratingSum += s.log.rating[k]!;
    expect(ratingSum).toBe(352_986); // mean 3.52986, as in the published statistics
    expect(s.userAttributes.occupation?.[s.log.users.get('1')!]).toBe('technician');
    expect(s.sourceFiles.find((f) => f.path.endsWith('u.data'))?.sha256).toBe(
      '06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490',
    );
  });

  it('converts without k-core to every rating and keeps the protocol invariants', async () => {
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ml100k-')), 'ml-100k');
    const manifest = await convertDataset({
      format: 'ml-100k',
      src: ml100k!,
      out,
      // Two BPR epochs keep the test fast; the invariants do not depend on retriever quality.
      protocol: { kCore: 0, bprEpochs: 2, coldStartQuantile: 0.8 },
    });
    expect(manifest.rows).toMatchObject({ interactions: 100_000, users: 943, items: 1682 });
    expect(manifest.sourceFiles.map((f) => f.path)).toEqual(['u.data', 'u.genre', 'u.item', 'u.user']);
    const ds = await readDataset(out);
    expect(ds.items.title.filter((t) => t?.includes('é')).length).toBeGreaterThan(5);
    expect(ds.items.categories[0]).toEqual(['Animation', "Children's", 'Comedy']);
    expect(manifest.coldStartItems).toBeGreaterThan(0);
    expect(requestViolations(ds)).toEqual([]);
    expect(manifest.requestsBySplit.test).toBe(943);
  });

  it('drops items below the default 20-core', async () => {
    const s = await readMl100k(ml100k!);
    const ds = buildDataset(s, { protocol: { ...defaultProtocol('ml-100k'), retriever: 'popularity' } });
    expect(ds.items.count).toBeLessThan(1682);
    const counts = new Map<number, number>();
    for (let k = 0; k < ds.interactions.count; k++) {
      counts.set(ds.interactions.item[k]!, (counts.get(ds.interactions.item[k]!) ?? 0) + 1);
    }
    expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(20);
  });
});

describe.skipIf(!beauty)(
  `real Amazon Beauty sequences${beauty ? '' : ` (skipped: ${REAL_DATA_SKIP_REASON})`}`,
  () => {
    it('reads 22,363 users, 12,101 items and 198,502 interactions, and builds valid requests', async () => {
      const s = await readSequences(path.join(beauty!, 'user_sequence.txt'));
      expect(s.log.users.size).toBe(22_363);
      expect(s.log.items.size).toBe(12_101);
      expect(s.log.count).toBe(198_502);
      const ds = buildDataset(s, {
        protocol: { ...defaultProtocol('sequences', s), retriever: 'popularity' },
      });
      // The file is already 5-core: the default k-core keeps everything.
      expect(ds.interactions.count).toBe(198_502);
      expect(ds.users.count).toBe(22_363);
      expect(ds.items.count).toBe(12_101);
      expect(requestViolations(ds)).toEqual([]);
    });
  },
);

describe.skipIf(!ml1mMeta)(
  `real MovieLens 1M metadata${ml1mMeta ? '' : ` (skipped: ${REAL_DATA_SKIP_REASON})`}`,
  () => {
    it('parses all 3,883 movies and 6,040 users (ratings from a generated ratings.dat)', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ml1m-'));
      for (const f of ['movies.dat', 'users.dat'])
        await fs.copyFile(path.join(ml1mMeta!, f), path.join(dir, f));
      // One rating per movie and per user, so every metadata row is kept.
      const movieIds = (await fs.readFile(path.join(dir, 'movies.dat'), 'latin1'))
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => l.split('::')[0]);
      const lines: string[] = [];
      for (let u = 1; u <= 6040; u++)
        lines.push(`${u}::${movieIds[u % movieIds.length]}::4::${978300000 + u}`);
      for (const [k, m] of movieIds.entries()) lines.push(`1::${m}::3::${979000000 + k}`);
      await fs.writeFile(path.join(dir, 'ratings.dat'), `${lines.join('\n')}\n`);
      const s = await readMl1m(dir);
      expect(s.log.items.size).toBe(3883);
      expect(s.log.users.size).toBe(6040);
      expect(s.itemMeta.filter((m) => m !== undefined).length).toBe(3883);
      const les = s.itemMeta[s.log.items.get('73')!]!;
      expect(les).toEqual({ title: 'Misérables, Les (1995)', categories: ['Drama', 'Musical'], year: 1995 });
      expect(s.userAttributes.gender?.[s.log.users.get('1')!]).toBe('F');
    });
  },
);
