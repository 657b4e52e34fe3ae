// Options every format reader takes, and the empty source it fills.
import { InteractionLog, type ItemMeta, type SourceData } from '../protocol/interaction-log.js';
import { forEachLine, type TextEncoding } from './line-reader.js';
import { parseNumericFields } from './numeric-fields.js';

export interface ReaderOptions {
  /** Skip and count malformed lines instead of failing on the first. */
  skipBadLines?: boolean;
  /** Override the format's text encoding (MovieLens .dat files are Latin-1, the rest UTF-8). */
  encoding?: TextEncoding;
  /** Called now and then with the lines read so far. */
  onLines?: (lines: number) => void;
}

export function emptySource(format: string, name: string, timed = true, implicit = false): SourceData {
  return {
    format,
    name,
    log: new InteractionLog(),
    itemMeta: [],
    userAttributes: {},
    sourceFiles: [],
    linesRead: 0,
    skippedLines: 0,
    timed,
    implicit,
  };
}

/** Finite number from a field, or BadLine-worthy null. */
export function toNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A four-digit year in a title "(1995)" or date text, else null. */
export function yearFrom(...texts: (string | null | undefined)[]): number | null {
  for (const t of texts) {
    if (!t) continue;
    const m = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(t) ?? /\b(1[89]\d\d|20\d\d)\b/.exec(t);
    if (m) return Number(m[1]);
  }
  return null;
}

/** Read one file line by line into `source`, recording its checksum and line counts. */
export async function readFileInto(
  source: SourceData,
  file: string,
  options: ReaderOptions,
  lineOptions: {
    encoding: TextEncoding;
    headerLines?: number;
    onHeader?: (line: string, lineNo: number) => void;
    onBytes?: (buf: Buffer, a: number, b: number) => boolean;
  },
  onLine: (line: string, lineNo: number) => void,
  countsAsRatings = true,
): Promise<void> {
  const progressEvery = 1 << 18;
  let seen = 0;
  const report = options.onLines && countsAsRatings ? options.onLines : null;
  const tick = (): void => {
    seen++;
    if (report && (seen & (progressEvery - 1)) === 0) report(source.linesRead + seen);
  };
  const fast = lineOptions.onBytes;
  const result = await forEachLine(
    file,
    {
      ...lineOptions,
      ...(fast
        ? {
            onBytes: (buf: Buffer, a: number, b: number) => {
              if (!fast(buf, a, b)) return false;
              tick();
              return true;
            },
          }
        : {}),
      encoding: options.encoding ?? lineOptions.encoding,
      skipBadLines: options.skipBadLines ?? false,
    },
    (line, lineNo) => {
      onLine(line, lineNo);
      tick();
    },
  );
  source.sourceFiles.push(result.source);
  if (countsAsRatings) source.linesRead += result.lines;
  source.skippedLines += result.skipped;
}

/** Fast path for `user SEP item SEP rating SEP time` lines of plain numbers (see numeric-fields.ts). */
export function numericRatingLines(
  source: SourceData,
  separator: string,
): (buf: Buffer, a: number, b: number) => boolean {
  const sep = Buffer.from(separator, 'latin1');
  const f = new Float64Array(4);
  const log = source.log;
  return (buf, a, b) => {
    if (!parseNumericFields(buf, a, b, sep, f)) return false;
    // Ids and timestamps must be whole numbers: anything else takes the string path, which
    // names the problem (movielens.ts).
    if (!Number.isInteger(f[0]) || !Number.isInteger(f[1]) || !Number.isInteger(f[3])) return false;
    log.push(
      log.users.internNumber(f[0] as number),
      log.items.internNumber(f[1] as number),
      f[2] as number,
      f[3] as number,
    );
    return true;
  };
}

/** Attribute arrays aligned with the interned users, filled by raw user id. */
export function setUserAttribute(
  source: SourceData,
  key: string,
  rawUser: string,
  value: string | number | null,
): void {
  const id = source.log.users.get(rawUser);
  if (id === undefined) return;
  let col = source.userAttributes[key];
  if (!col) {
    col = new Array(source.log.users.size).fill(null);
    source.userAttributes[key] = col;
  }
  col[id] = value;
}

/** Item metadata by raw item id; items never rated are ignored (they cannot be in the dataset). */
export function setItemMeta(source: SourceData, rawItem: string, meta: ItemMeta): void {
  const id = source.log.items.get(rawItem);
  if (id !== undefined) source.itemMeta[id] = meta;
}
