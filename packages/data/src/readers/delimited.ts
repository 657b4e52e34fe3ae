// Generic CSV/TSV interactions with a column mapping: columns by header name (or 0-based index
// with --no-header), rating optional (implicit feedback), time in seconds, milliseconds or ISO-8601.
import path from 'node:path';
import { excerpt } from '../errors/excerpt.js';
import { UserError } from '../errors/user-error.js';
import type { SourceData } from '../protocol/interaction-log.js';
import { splitDelimited } from './delimited-fields.js';
import { BadLine } from './line-reader.js';
import { emptySource, type ReaderOptions, readFileInto, toNumber } from './reader-options.js';

export interface ColumnMapping {
  user: string;
  item: string;
  rating?: string;
  time?: string;
}

export interface DelimitedOptions extends ReaderOptions {
  columns: ColumnMapping;
  /** Field separator; default tab for .tsv/.tab files, comma otherwise. */
  delimiter?: string;
  /** False when the file has no header row (columns are then 0-based indices). */
  header?: boolean;
  timeUnit?: 's' | 'ms' | 'iso';
}

function parseTime(text: string, unit: 's' | 'ms' | 'iso'): number | null {
  if (unit === 'iso') {
    const t = Date.parse(text.trim());
    return Number.isFinite(t) ? t / 1000 : null;
  }
  const n = toNumber(text);
  if (n === null) return null;
  return unit === 'ms' ? n / 1000 : n;
}

export async function readDelimited(file: string, options: DelimitedOptions): Promise<SourceData> {
  const base = path.basename(file).replace(/\.(gz)$/i, '');
  const delimiter = options.delimiter ?? (/\.(tsv|tab)$/i.test(base) ? '\t' : ',');
  const hasRating = options.columns.rating !== undefined;
  const source = emptySource(
    'csv',
    base.replace(/\.[^.]+$/, ''),
    options.columns.time !== undefined,
    !hasRating,
  );
  const header = options.header ?? true;
  const index: Record<keyof ColumnMapping, number> = { user: -1, item: -1, rating: -1, time: -1 };
  const resolve = (names: string[] | null): void => {
    for (const key of ['user', 'item', 'rating', 'time'] as const) {
      const want = options.columns[key];
      if (want === undefined) continue;
      const at = names ? names.indexOf(want) : Number(want);
      if (!Number.isInteger(at) || at < 0) {
        throw new UserError(
          names
            ? `no column named '${want}' for ${key} (header has ${names.join(', ')})`
            : `column for ${key} must be a 0-based index without a header, got ${excerpt(want)}`,
          { file, line: names ? 1 : undefined, field: key },
        );
      }
      index[key] = at;
    }
  };
  if (!header) resolve(null);
  const unit = options.timeUnit ?? 's';
  let position = 0;
  await readFileInto(
    source,
    file,
    options,
    {
      encoding: 'utf8',
      headerLines: header ? 1 : 0,
      onHeader: (line) => resolve(splitDelimited(line, delimiter).map((h) => h.trim())),
    },
    (line) => {
      let f: string[];
      try {
        f = splitDelimited(line, delimiter);
      } catch (err) {
        throw new BadLine((err as Error).message);
      }
      const width = Math.max(index.user, index.item, index.rating, index.time) + 1;
      if (f.length < width) throw new BadLine(`expected at least ${width} fields, got ${f.length}`);
      const user = (f[index.user] as string).trim();
      const item = (f[index.item] as string).trim();
      if (user === '' || item === '') throw new BadLine('empty user or item id');
      let r = 1;
      if (index.rating >= 0) {
        const v = toNumber(f[index.rating]);
        if (v === null) throw new BadLine(`rating ${excerpt(f[index.rating])} is not a number`);
        r = v;
      }
      let t = position++;
      if (index.time >= 0) {
        const v = parseTime(f[index.time] as string, unit);
        if (v === null)
          throw new BadLine(
            `time ${excerpt(f[index.time])} is not a ${unit === 'iso' ? 'ISO-8601 date' : 'number'}`,
          );
        t = v;
      }
      source.log.add(user, item, r, t);
    },
  );
  return source;
}
