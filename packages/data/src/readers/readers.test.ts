import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SourceData } from '../protocol/interaction-log.js';
import { FIXTURES } from '../test-support/fixtures.js';
import { readAmazon } from './amazon.js';
import { readDelimited } from './delimited.js';
import { readMl1m, readMovielensCsv } from './movielens.js';
import { readSequences } from './sequences.js';

/**
 * Copy a fixture folder into a temp folder under the official file names, gzipping the
 * files when asked (as released). Fixtures are hand-written; those named like a licensed
 * benchmark's files carry a `.fixture` suffix in the repository, dropped here.
 */
async function staged(name: string, gzip: boolean): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `glorank-${name}-`));
  for (const f of await fs.readdir(path.join(FIXTURES, name))) {
    const bytes = await fs.readFile(path.join(FIXTURES, name, f));
    const official = f.replace(/\.fixture$/, '');
    if (gzip) await fs.writeFile(path.join(dir, `${official}.gz`), gzipSync(bytes));
    else await fs.writeFile(path.join(dir, official), bytes);
  }
  return dir;
}

function rows(s: SourceData): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  for (let k = 0; k < s.log.count; k++) {
    out.push([
      s.log.users.raw[s.log.user[k]!]!,
      s.log.items.raw[s.log.item[k]!]!,
      s.log.rating[k]!,
      s.log.ts[k]!,
    ]);
  }
  return out;
}

function metaOf(s: SourceData, raw: string) {
  return s.itemMeta[s.log.items.get(raw)!];
}

describe('MovieLens 1M reader (fixture in the official format)', () => {
  it('reads ratings, Latin-1 titles, genres and user attributes', async () => {
    const s = await readMl1m(await staged('ml-1m', false));
    expect(s.log.count).toBe(20);
    expect(rows(s)[0]).toEqual(['1', '2', 4, 978300000 + 3600]);
    expect(metaOf(s, '1')).toEqual({ title: 'Amélie (2001)', categories: ['Comedy', 'Romance'], year: 2001 });
    expect(metaOf(s, '5')?.title).toBe('Léon: The Professional (1994)');
    expect(s.userAttributes.gender?.[s.log.users.get('1')!]).toBe('F');
    expect(s.userAttributes.age?.[s.log.users.get('4')!]).toBe(35);
    expect(s.sourceFiles.map((f) => path.basename(f.path))).toEqual([
      'ratings.dat',
      'movies.dat',
      'users.dat',
    ]);
    expect(s.sourceFiles[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the same content from .gz files and records the gz checksum', async () => {
    const plain = await readMl1m(await staged('ml-1m', false));
    const gz = await readMl1m(await staged('ml-1m', true));
    expect(rows(gz)).toEqual(rows(plain));
    expect(metaOf(gz, '1')).toEqual(metaOf(plain, '1'));
    expect(gz.sourceFiles[0]!.sha256).not.toBe(plain.sourceFiles[0]!.sha256);
  });
});

describe('MovieLens CSV reader', () => {
  it('handles quoted titles, doubled quotes, UTF-8 and "(no genres listed)"', async () => {
    const s = await readMovielensCsv(path.join(FIXTURES, 'movielens-csv'));
    expect(s.log.count).toBe(20);
    expect(rows(s)[0]).toEqual(['1', '2', 2, 1100003600]);
    expect(metaOf(s, '2')).toEqual({
      title: 'Good, the Bad and the Ugly, The (1966)',
      categories: ['Action', 'Western'],
      year: 1966,
    });
    expect(metaOf(s, '4')?.title).toBe('"Great Performances" Cats (1998)');
    expect(metaOf(s, '1')?.title).toBe('Amélie (2001)');
    expect(metaOf(s, '5')).toEqual({ title: 'Unknown Film', categories: [], year: null });
  });
});

describe('Amazon readers', () => {
  it('2014: JSON reviews and Python-literal metadata, gzipped, found by name', async () => {
    const dir = await staged('amazon-2014', true);
    const s = await readAmazon(dir, '2014');
    expect(s.name).toBe('amazon-2014-beauty');
    expect(s.log.count).toBe(20);
    expect(rows(s)[0]).toEqual(['A1ALICE0EXAMPLE', 'B000000001', 1, 1388534400]);
    expect(metaOf(s, 'B000000003')).toEqual({
      title: 'Crème Brûlée Lip Balm',
      categories: ['Beauty', 'Skin Care', 'Lips'],
      year: null,
    });
    expect(metaOf(s, 'B000000006')?.title).toBe("Mom's Mint Foot Scrub été");
    // The unrated item in the metadata is not kept.
    expect(s.log.items.get('B999999999')).toBeUndefined();
    expect(s.sourceFiles.map((f) => path.basename(f.path))).toEqual([
      'reviews_Beauty_5.json.gz',
      'meta_Beauty.json.gz',
    ]);
  });

  it('2018: JSON metadata with category lists and dates', async () => {
    const s = await readAmazon(path.join(FIXTURES, 'amazon-2018', 'Beauty_5.json'), '2018');
    expect(s.log.count).toBe(20);
    expect(rows(s)[0]![3]).toBe(1388534400 + 4 * 365 * 86400);
    expect(metaOf(s, 'B000000002')).toEqual({
      title: 'Citrus Hand Soap',
      categories: ['Beauty', 'Bath & Body'],
      year: 2011,
    });
  });

  it('2023: user_id/parent_asin, millisecond timestamps, main category first', async () => {
    const s = await readAmazon(await staged('amazon-2023', true), '2023');
    expect(s.log.count).toBe(20);
    const [user, item, rating, ts] = rows(s)[0]!;
    expect([user, item, rating]).toEqual(['AGALICE0EXAMPLE', 'B000000001', 1]);
    expect(ts).toBeCloseTo(1388534400 + 9 * 365 * 86400 + 0.123, 6);
    expect(metaOf(s, 'B000000005')).toEqual({
      title: 'Argan Hair Oil',
      categories: ['All Beauty', 'Hair Care'],
      year: 2019,
    });
  });
});

describe('sequence and generic delimited readers', () => {
  it('reads per-user sequences as implicit interactions in order', async () => {
    const s = await readSequences(path.join(await staged('sequences', false), 'user_sequence.txt'));
    expect(s.implicit).toBe(true);
    expect(s.timed).toBe(false);
    expect(rows(s).slice(0, 3)).toEqual([
      ['U1', 'I1', 1, 0],
      ['U1', 'I2', 1, 1],
      ['U1', 'I3', 1, 2],
    ]);
    expect(s.log.count).toBe(20);
  });

  it('maps named TSV columns, parsing ISO times', async () => {
    const s = await readDelimited(path.join(FIXTURES, 'interactions.tsv'), {
      columns: { user: 'session', item: 'product', rating: 'score', time: 'when' },
      timeUnit: 'iso',
    });
    expect(s.log.count).toBe(20);
    expect(rows(s)[0]).toEqual(['s1', 'p1', 2, Date.UTC(2020, 0, 2, 10) / 1000]);
    await expect(
      readDelimited(path.join(FIXTURES, 'interactions.tsv'), { columns: { user: 'who', item: 'product' } }),
    ).rejects.toThrow(/interactions\.tsv:1, field 'user': no column named 'who'/);
  });
});
