// MovieLens readers: 100K (`u.data`, `u.item`, `u.user`; tab and '|' separated), 1M
// (`ratings.dat`, `movies.dat`, `users.dat`; '::' separated), both Latin-1, and the CSV
// releases (20M/25M/32M/latest: `ratings.csv`, `movies.csv`; UTF-8 with quoted fields).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { excerpt } from '../errors/excerpt.js';
import { UserError } from '../errors/user-error.js';
import type { SourceData } from '../protocol/interaction-log.js';
import { splitDelimited } from './delimited-fields.js';
import { BadLine } from './line-reader.js';
import {
  emptySource,
  numericRatingLines,
  type ReaderOptions,
  readFileInto,
  setItemMeta,
  setUserAttribute,
  toNumber,
  yearFrom,
} from './reader-options.js';

/** The 19 genre flags of u.item, in order (used when u.genre is absent). */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

/** `file` inside `dir`, or `file`.gz; a clear error names what is missing. */
export function findSourceFile(dir: string, name: string, required = true): string | null {
  for (const candidate of [path.join(dir, name), path.join(dir, `${name}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  if (!required) return null;
  if (!existsSync(dir)) throw new UserError('source folder does not exist', { file: dir });
  throw new UserError(`expected ${name} (or ${name}.gz) in this folder`, { file: dir });
}

// MovieLens ids are non-negative decimal integers in every release. Anything else (`abc`,
// bytes such as \xff\xfe, `1.5`) is a damaged file; accepting it would also turn the dense id
// order from numeric into text order for the whole dataset.
const INTEGER_ID = /^\d{1,15}$/;

function rating(user: string, item: string, r: string, ts: string, source: SourceData): void {
  if (user === '' || item === '') throw new BadLine('empty user or item id');
  if (!INTEGER_ID.test(user)) throw new BadLine(`user id ${excerpt(user)} is not a non-negative integer`);
  if (!INTEGER_ID.test(item)) throw new BadLine(`item id ${excerpt(item)} is not a non-negative integer`);
  const rv = toNumber(r);
  const tv = toNumber(ts);
  if (rv === null) throw new BadLine(`rating ${excerpt(r)} is not a number`);
  if (rv < 0) throw new BadLine(`rating ${excerpt(r)} is negative, expected 0 or more`);
  if (tv === null) throw new BadLine(`timestamp ${excerpt(ts)} is not a number`);
  if (tv < 0 || !Number.isInteger(tv))
    throw new BadLine(`timestamp ${excerpt(ts)} is not a non-negative whole number of seconds`);
  source.log.add(user, item, rv, tv);
}

/** Reads an optional file of a MovieLens folder (or its .gz), if present, without counting it as ratings. */
async function readOptionalFile(
  source: SourceData,
  dir: string,
  name: string,
  options: ReaderOptions,
  lineOptions: Parameters<typeof readFileInto>[3],
  onLine: (line: string) => void,
): Promise<void> {
  const file = findSourceFile(dir, name, false);
  if (file) await readFileInto(source, file, options, lineOptions, onLine, false);
}

/** A movie row of ml-1m and the CSV releases: title with its year, '|'-separated genres. */
function setMovieMeta(source: SourceData, id: string, rawTitle: string, genres: string): void {
  const title = rawTitle.trim();
  setItemMeta(source, id, {
    title: title || null,
    categories: genres.split('|').filter((g) => g !== '' && g !== '(no genres listed)'),
    year: yearFrom(title),
  });
}

export async function readMl100k(dir: string, options: ReaderOptions = {}): Promise<SourceData> {
  const source = emptySource('ml-100k', path.basename(path.resolve(dir)) || 'ml-100k');
  const enc = { encoding: 'latin1' as const };
  const data = findSourceFile(dir, 'u.data') as string;
  await readFileInto(source, data, options, { ...enc, onBytes: numericRatingLines(source, '\t') }, (line) => {
    const f = line.split('\t');
    if (f.length !== 4)
      throw new BadLine(`expected 4 tab-separated fields (user, item, rating, timestamp), got ${f.length}`);
    rating(f[0] as string, f[1] as string, f[2] as string, f[3] as string, source);
  });
  let genres: string[] = [...ML100K_GENRES];
  const named: string[] = [];
  await readOptionalFile(source, dir, 'u.genre', options, enc, (line) => {
    const [name, idx] = line.split('|');
    const i = toNumber(idx);
    if (!name || i === null) throw new BadLine('expected name|index');
    named[i] = name;
  });
  if (named.length === 19) genres = named;
  await readFileInto(
    source,
    findSourceFile(dir, 'u.item') as string,
    options,
    enc,
    (line) => {
      const f = line.split('|');
      if (f.length !== 5 + genres.length) {
        throw new BadLine(`expected ${5 + genres.length} '|'-separated fields, got ${f.length}`);
      }
      const categories: string[] = [];
      for (let g = 0; g < genres.length; g++) {
        const flag = f[5 + g];
        if (flag !== '0' && flag !== '1')
          throw new BadLine(`genre flag ${g + 1} is ${excerpt(flag)}, expected 0 or 1`);
        if (flag === '1') categories.push(genres[g] as string);
      }
      const title = (f[1] as string).trim();
      setItemMeta(source, f[0] as string, {
        title: title === '' || title === 'unknown' ? null : title,
        categories,
        year: yearFrom(title, f[2]),
      });
    },
    false,
  );
  await readOptionalFile(source, dir, 'u.user', options, enc, (line) => {
    const f = line.split('|');
    if (f.length !== 5)
      throw new BadLine(
        `expected 5 '|'-separated fields (id, age, gender, occupation, zip), got ${f.length}`,
      );
    const id = f[0] as string;
    setUserAttribute(source, 'age', id, toNumber(f[1]));
    setUserAttribute(source, 'gender', id, f[2] || null);
    setUserAttribute(source, 'occupation', id, f[3] || null);
    setUserAttribute(source, 'zip', id, f[4] || null);
  });
  return source;
}

export async function readMl1m(dir: string, options: ReaderOptions = {}): Promise<SourceData> {
  const source = emptySource('ml-1m', path.basename(path.resolve(dir)) || 'ml-1m');
  const enc = { encoding: 'latin1' as const };
  const ratings = findSourceFile(dir, 'ratings.dat') as string;
  await readFileInto(
    source,
    ratings,
    options,
    { ...enc, onBytes: numericRatingLines(source, '::') },
    (line) => {
      const f = line.split('::');
      if (f.length !== 4)
        throw new BadLine(`expected UserID::MovieID::Rating::Timestamp, got ${f.length} fields`);
      rating(f[0] as string, f[1] as string, f[2] as string, f[3] as string, source);
    },
  );
  await readOptionalFile(source, dir, 'movies.dat', options, enc, (line) => {
    const f = line.split('::');
    if (f.length !== 3) throw new BadLine(`expected MovieID::Title::Genres, got ${f.length} fields`);
    setMovieMeta(source, f[0] as string, f[1] as string, f[2] as string);
  });
  await readOptionalFile(source, dir, 'users.dat', options, enc, (line) => {
    const f = line.split('::');
    if (f.length !== 5)
      throw new BadLine(`expected UserID::Gender::Age::Occupation::Zip-code, got ${f.length} fields`);
    const id = f[0] as string;
    setUserAttribute(source, 'gender', id, f[1] || null);
    setUserAttribute(source, 'age', id, toNumber(f[2]));
    setUserAttribute(source, 'occupation', id, toNumber(f[3]));
    setUserAttribute(source, 'zip', id, f[4] || null);
  });
  return source;
}

function checkHeader(file: string, expected: readonly string[]) {
  return (line: string): void => {
    const got = splitDelimited(line, ',').map((h) => h.trim());
    for (let i = 0; i < expected.length; i++) {
      if (got[i] !== expected[i]) {
        throw new UserError(`header is ${excerpt(line)}, expected it to start with ${expected.join(',')}`, {
          file,
          line: 1,
        });
      }
    }
  };
}

export async function readMovielensCsv(dir: string, options: ReaderOptions = {}): Promise<SourceData> {
  const source = emptySource('movielens-csv', path.basename(path.resolve(dir)) || 'movielens');
  const ratings = findSourceFile(dir, 'ratings.csv') as string;
  const head = ['userId', 'movieId', 'rating', 'timestamp'];
  await readFileInto(
    source,
    ratings,
    options,
    {
      encoding: 'utf8',
      headerLines: 1,
      onHeader: checkHeader(ratings, head),
      onBytes: numericRatingLines(source, ','),
    },
    (line) => {
      // ratings.csv never quotes: a plain split is both correct and fast.
      const f = line.split(',');
      if (f.length !== 4)
        throw new BadLine(`expected 4 comma-separated fields (${head.join(',')}), got ${f.length}`);
      rating(f[0] as string, f[1] as string, f[2] as string, f[3] as string, source);
    },
  );
  const movies = findSourceFile(dir, 'movies.csv', false);
  if (movies) {
    await readFileInto(
      source,
      movies,
      options,
      { encoding: 'utf8', headerLines: 1, onHeader: checkHeader(movies, ['movieId', 'title', 'genres']) },
      (line) => {
        let f: string[];
        try {
          f = splitDelimited(line, ',');
        } catch (err) {
          throw new BadLine((err as Error).message);
        }
        if (f.length !== 3) throw new BadLine(`expected 3 fields (movieId,title,genres), got ${f.length}`);
        setMovieMeta(source, f[0] as string, f[1] as string, f[2] as string);
      },
      false,
    );
  }
  return source;
}
