// Amazon review datasets (McAuley lab): the 2014 release (`reviews_<Cat>_5.json.gz`; metadata
// `meta_<Cat>.json.gz` whose lines are Python literals), 2018 (JSON lines, `reviewerID`, `asin`,
// `overall`, `unixReviewTime`; JSON metadata) and 2023 (`<Cat>.jsonl.gz` with `user_id`,
// `parent_asin`, `rating`, `timestamp` in ms; `meta_<Cat>.jsonl.gz`). Memory holds the id maps
// and the compact interaction columns only; metadata of unrated items is dropped as it streams.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { excerpt } from '../errors/excerpt.js';
import { UserError } from '../errors/user-error.js';
import type { SourceData } from '../protocol/interaction-log.js';
import { BadLine } from './line-reader.js';
import { parsePythonLiteral } from './python-literal.js';
import { emptySource, type ReaderOptions, readFileInto, setItemMeta, yearFrom } from './reader-options.js';

export type AmazonRelease = '2014' | '2018' | '2023';

export interface AmazonOptions extends ReaderOptions {
  /** Metadata file; default: found beside the reviews file by the release's naming. */
  meta?: string;
}

const REVIEW_FILE: Record<AmazonRelease, RegExp> = {
  '2014': /^reviews_(.+?)(_5)?\.json(\.gz)?$/,
  '2018': /^(?!meta_)(.+?)(_5)?\.json(\.gz)?$/,
  '2023': /^(?!meta_)(.+?)\.jsonl(\.gz)?$/,
};

function metaNames(release: AmazonRelease, category: string): string[] {
  const ext = release === '2023' ? 'jsonl' : 'json';
  return [`meta_${category}.${ext}.gz`, `meta_${category}.${ext}`];
}

/** The reviews file (src itself, or the one reviews file in the src folder) and its category. */
async function locate(src: string, release: AmazonRelease): Promise<{ reviews: string; category: string }> {
  const stat = await fs.stat(src).catch(() => null);
  if (!stat) throw new UserError('source does not exist', { file: src });
  let reviews = src;
  if (stat.isDirectory()) {
    const names = (await fs.readdir(src)).filter((n) => REVIEW_FILE[release].test(n));
    if (names.length !== 1) {
      throw new UserError(
        names.length === 0
          ? `no Amazon ${release} reviews file in this folder (expected e.g. ${release === '2014' ? 'reviews_Beauty_5.json.gz' : release === '2018' ? 'Beauty_5.json.gz' : 'All_Beauty.jsonl.gz'})`
          : `several reviews files (${names.join(', ')}); pass one with --src`,
        { file: src },
      );
    }
    reviews = path.join(src, names[0] as string);
  }
  const m = REVIEW_FILE[release].exec(path.basename(reviews));
  return { reviews, category: m?.[1] ?? path.basename(reviews).replace(/\..*$/, '') };
}

function parseJson(line: string): Record<string, unknown> {
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadLine('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    if (err instanceof BadLine) throw err;
    throw new BadLine(`not valid JSON (${(err as Error).message})`);
  }
}

function field(obj: Record<string, unknown>, key: string, kind: 'string' | 'number'): string | number {
  const v = obj[key];
  if (kind === 'number' && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
    return Number(v);
  if (typeof v !== kind || (kind === 'number' && !Number.isFinite(v as number))) {
    throw new BadLine(`field '${key}' is ${v === undefined ? 'missing' : excerpt(v)}, expected a ${kind}`);
  }
  return v as string | number;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() === '' ? [] : [v.trim()];
  if (!Array.isArray(v)) return [];
  return v.flatMap((x) => strings(x));
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

export async function readAmazon(
  src: string,
  release: AmazonRelease,
  options: AmazonOptions = {},
): Promise<SourceData> {
  const { reviews, category } = await locate(src, release);
  const source = emptySource(`amazon-${release}`, `amazon-${release}-${category.toLowerCase()}`);
  const keys =
    release === '2023'
      ? { user: 'user_id', item: 'parent_asin', rating: 'rating', time: 'timestamp', timeScale: 1 / 1000 }
      : { user: 'reviewerID', item: 'asin', rating: 'overall', time: 'unixReviewTime', timeScale: 1 };
  await readFileInto(source, reviews, options, { encoding: 'utf8' }, (line) => {
    const o = parseJson(line);
    const user = field(o, keys.user, 'string') as string;
    const item = field(o, keys.item, 'string') as string;
    const rating = field(o, keys.rating, 'number') as number;
    const time = (field(o, keys.time, 'number') as number) * keys.timeScale;
    source.log.add(user, item, rating, time);
  });

  const dir = path.dirname(reviews);
  const meta =
    options.meta ??
    metaNames(release, category)
      .map((n) => path.join(dir, n))
      .find((f) => existsSync(f));
  if (meta) {
    await readFileInto(
      source,
      meta,
      options,
      { encoding: 'utf8' },
      (line) => {
        let o: Record<string, unknown>;
        if (release === '2014' && !line.startsWith('{"')) {
          try {
            o = parsePythonLiteral(line) as Record<string, unknown>;
          } catch (err) {
            throw new BadLine(`not a Python literal (${(err as Error).message})`);
          }
          if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new BadLine('expected a dict');
        } else {
          o = parseJson(line);
        }
        const item = field(o, release === '2023' ? 'parent_asin' : 'asin', 'string') as string;
        const title = typeof o.title === 'string' && o.title.trim() !== '' ? o.title.trim() : null;
        let categories: string[];
        let year: number | null = null;
        if (release === '2014') {
          categories = unique(strings(o.categories));
        } else if (release === '2018') {
          categories = unique(strings(o.category));
          year = yearFrom(typeof o.date === 'string' ? o.date : null);
        } else {
          const main = typeof o.main_category === 'string' ? [o.main_category] : [];
          categories = unique([...main, ...strings(o.categories)]);
          const details = (o.details ?? {}) as Record<string, unknown>;
          const date = details['Date First Available'] ?? details['Release date'];
          year = yearFrom(typeof date === 'string' ? date : null);
        }
        setItemMeta(source, item, { title, categories, year });
      },
      false,
    );
  }
  return source;
}
