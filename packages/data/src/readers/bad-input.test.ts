import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors/user-error.js';
import { convertDataset } from '../protocol/convert.js';
import { FIXTURES } from '../test-support/real-data.js';
import { readAmazon } from './amazon.js';
import { readMl1m, readMovielensCsv } from './movielens.js';

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
    expect(err.message).toContain("rating 'five' is not a number");
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
});
