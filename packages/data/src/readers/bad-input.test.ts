import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { excerpt } from '../errors/excerpt.js';
import { UserError } from '../errors/user-error.js';
import { convertDataset } from '../protocol/convert.js';
import { FIXTURES } from '../test-support/fixtures.js';
import { readAmazon } from './amazon.js';
import { readMl1m, readMl100k, readMovielensCsv } from './movielens.js';

async function ml1mWith(ratings: string | Uint8Array, name = 'ratings.dat'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-bad-'));
  await fs.writeFile(path.join(dir, name), ratings);
  return dir;
}

async function failure(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

const GOOD = '1::10::5::978300760\n1::11::3::978300761\n';

describe('bad input', () => {
  it('names file, line and the offending text of a malformed line', async () => {
    const dir = await ml1mWith(`${GOOD}2::12::five::978300762\n2::13::4::978300763\n`);
    const err = await failure(readMl1m(dir));
    expect(err.message).toContain(`${path.join(dir, 'ratings.dat')}:3`);
    expect(err.message).toContain('rating "five" is not a number');
    expect(err.message).toContain('"2::12::five::978300762"');
    expect(err.message).toContain('--skip-bad-lines');
  });

  it('skips and counts malformed lines with skipBadLines', async () => {
    const dir = await ml1mWith(`${GOOD}2::12::five::978300762\ngarbage\n2::13::4::978300763\n`);
    const s = await readMl1m(dir, { skipBadLines: true });
    expect(s.log.count).toBe(3);
    expect(s.skippedLines).toBe(2);
    expect(s.linesRead).toBe(5);
  });

  it('fails clearly on truncated gzip', async () => {
    const gz = gzipSync(Buffer.from(GOOD.repeat(2000)));
    const dir = await ml1mWith(gz.subarray(0, Math.floor(gz.length / 2)), 'ratings.dat.gz');
    const err = await failure(readMl1m(dir));
    expect(err.message).toMatch(/ratings\.dat\.gz: gzip data is truncated/);
  });

  it('fails on a file that is not UTF-8 where UTF-8 is required, naming the line', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-enc-'));
    await fs.copyFile(path.join(FIXTURES, 'movielens-csv', 'ratings.csv'), path.join(dir, 'ratings.csv'));
    // movies.csv saved as Latin-1 (the é of Amélie is the single byte 0xE9).
    const latin1 = Buffer.from(
      'movieId,title,genres\n2,Alien (1979),Horror\n1,Amélie (2001),Comedy\n',
      'latin1',
    );
    await fs.writeFile(path.join(dir, 'movies.csv'), latin1);
    const err = await failure(readMovielensCsv(dir));
    expect(err.message).toContain(`${path.join(dir, 'movies.csv')}:3`);
    expect(err.message).toContain('not valid UTF-8');
    // It reads with the encoding overridden.
    const s = await readMovielensCsv(dir, { encoding: 'latin1' });
    expect(s.itemMeta[s.log.items.get('1')!]?.title).toBe('Amélie (2001)');
  });

  it('fails on UTF-16 text and binary data', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, 'utf16le')]);
    expect((await failure(readMl1m(await ml1mWith(utf16)))).message).toContain('UTF-16');
    const binary = Buffer.from([0x31, 0x00, 0x02, 0x03, 0x0a]);
    expect((await failure(readMl1m(await ml1mWith(binary)))).message).toMatch(/ratings\.dat:1: binary data/);
  });

  it('fails on empty and missing files', async () => {
    expect((await failure(readMl1m(await ml1mWith('')))).message).toMatch(/ratings\.dat: file is empty/);
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-none-'));
    expect((await failure(readMl1m(empty))).message).toContain('expected ratings.dat (or ratings.dat.gz)');
    expect((await failure(readMl1m(path.join(empty, 'nope')))).message).toContain(
      'source folder does not exist',
    );
    expect((await failure(readAmazon(empty, '2014'))).message).toContain('no Amazon 2014 reviews file');
  });

  it('refuses an existing --out without --force before reading anything', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-out-'));
    const err = await failure(
      convertDataset({ format: 'ml-1m', src: path.join(out, 'does-not-exist'), out }),
    );
    expect(err.message).toContain('already exists (use --force');
    expect(await fs.readdir(out)).toEqual([]);
  });

  describe('issue 17: bounded excerpts and MovieLens ids', () => {
    async function ml100kWith(data: string | Uint8Array): Promise<string> {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ml100k-bad-'));
      await fs.writeFile(path.join(dir, 'u.data'), data);
      return dir;
    }

    it('a 10 MB bad field gives a message of bounded size that still names file:line and the field', async () => {
      const huge = 'x'.repeat(10 * 1024 * 1024);
      const err = await failure(readMl1m(await ml1mWith(`${GOOD}3::14::${huge}::978300762\n`)));
      expect(err.message.length).toBeLessThan(1000);
      expect(err.message).toContain('ratings.dat:3');
      expect(err.message).toMatch(/rating "x{80}\.\.\." \(10485760 chars\) is not a number/);
    });

    it('a 10 MB line in a generic reader is bounded too (the line-reader clips any message)', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-amazon-bad-'));
      const big = JSON.stringify({
        reviewerID: 'u',
        asin: 'i',
        overall: 'y'.repeat(5_000_000),
        unixReviewTime: 1,
      });
      await fs.writeFile(path.join(dir, 'reviews_Beauty_5.json'), `${big}\n`);
      const err = await failure(readAmazon(dir, '2014'));
      expect(err.message).toContain('reviews_Beauty_5.json:1');
      expect(err.message.length).toBeLessThan(1500);
    });

    it.each([
      ['abc\t10\t5\t881250949', /u\.data:2.*user id "abc" is not a non-negative integer/],
      ['1\tabc\t5\t881250949', /u\.data:2.*item id "abc" is not a non-negative integer/],
      ['1.5\t10\t5\t881250949', /user id "1\.5"/],
      ['-1\t10\t5\t881250949', /user id "-1"/],
      ['1\t10\t-3\t881250949', /u\.data:2.*rating "-3" is negative/],
      ['1\t10\t3\t-881250949', /u\.data:2.*timestamp "-881250949" is not a non-negative whole number/],
      ['1\t10\t3\t8812.5', /timestamp "8812\.5"/],
    ])('ml-100k refuses %j with file:line', async (line, message) => {
      const err = await failure(readMl100k(await ml100kWith(`1\t9\t4\t881250948\n${line}\n`)));
      expect(err.message).toMatch(message);
    });

    it('ml-100k refuses raw bytes as ids, shown as visible escapes', async () => {
      const bytes = Buffer.concat([
        Buffer.from('1\t9\t4\t881250948\n'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('\t10\t5\t881250949\n'),
      ]);
      const err = await failure(readMl100k(await ml100kWith(bytes)));
      expect(err.message).toMatch(/u\.data:2.*user id "\u00ff\u00fe"|user id "ÿþ"/);
    });

    it('ml-1m refuses non-integer ids and negative ratings with file:line', async () => {
      const ids = await failure(readMl1m(await ml1mWith(`${GOOD}x7::12::4::978300762\n`)));
      expect(ids.message).toMatch(/ratings\.dat:3.*user id "x7"/);
      const neg = await failure(readMl1m(await ml1mWith(`${GOOD}2::12::-4::978300762\n`)));
      expect(neg.message).toMatch(/ratings\.dat:3.*rating "-4" is negative/);
    });

    it('excerpt quotes, escapes and bounds', () => {
      expect(excerpt('a\u001b[2Jb')).toBe('"a\\u001b[2Jb"');
      expect(excerpt('y'.repeat(100), 10)).toBe('"yyyyyyyyyy..." (100 chars)');
      expect(excerpt(undefined)).toBe('undefined');
      expect(excerpt({ a: 1 })).toBe('{"a":1}');
      expect(excerpt('😀'.repeat(10), 3)).toBe('"😀..." (20 chars)');
    });
  });
});
