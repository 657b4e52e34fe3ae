// From source files to a dataset folder: pick the reader for the format, apply the request
// protocol (defaults per format, overridable), and write the folder atomically.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeDataset } from '../dataset/write-dataset.js';
import { UserError } from '../errors/user-error.js';
import { type AmazonOptions, readAmazon } from '../readers/amazon.js';
import { type ColumnMapping, readDelimited } from '../readers/delimited.js';
import type { TextEncoding } from '../readers/line-reader.js';
import { readMl1m, readMl100k, readMovielensCsv } from '../readers/movielens.js';
import type { ReaderOptions } from '../readers/reader-options.js';
import { readSequences } from '../readers/sequences.js';
import type { DatasetManifest, ProtocolParams } from '../schema/types.js';
import { buildDataset, type ProgressFn } from './build-requests.js';
import type { SourceData } from './interaction-log.js';

export const SOURCE_FORMATS = [
  'ml-100k',
  'ml-1m',
  'movielens-csv',
  'amazon-2014',
  'amazon-2018',
  'amazon-2023',
  'sequences',
  'csv',
] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export interface SourceOptions extends ReaderOptions {
  /**
   * Item metadata file: Amazon's meta file (default: found beside the reviews), or for
   * `sequences` a CSV/TSV with a header naming `id`, `title`, `categories` ('|'-separated).
   */
  meta?: string;
  /** csv: column mapping, delimiter, header row, time unit. */
  columns?: ColumnMapping;
  delimiter?: string;
  header?: boolean;
  timeUnit?: 's' | 'ms' | 'iso';
}

export function isSourceFormat(x: string): x is SourceFormat {
  return (SOURCE_FORMATS as readonly string[]).includes(x);
}

/** Protocol defaults of ARCHITECTURE.md, per format: k-core 20 for MovieLens, 5 for Amazon-like data. */
export function defaultProtocol(
  format: SourceFormat,
  source?: Pick<SourceData, 'timed' | 'implicit'>,
): ProtocolParams {
  const movielens = format === 'ml-100k' || format === 'ml-1m' || format === 'movielens-csv';
  const implicit = source?.implicit ?? format === 'sequences';
  const timed = source?.timed ?? format !== 'sequences';
  return {
    kCore: movielens ? 20 : 5,
    historyLength: 50,
    slateSize: 6,
    candidates: 50,
    ratingThreshold: implicit ? 1 : 4,
    // Without a clock (sequence files) "first seen after a time cut" has no meaning: a seeded
    // random 5% of the items is held out instead, so the cold-start table is never empty.
    coldStartQuantile: timed ? 0.9 : 1,
    coldStartBy: timed ? 'time' : 'random',
    ...(timed ? {} : { coldStartShare: 0.05 }),
    // Negatives sampled by traffic, the list ordered by item co-occurrence with the history:
    // passes the leak audit (README "Request protocol"); 'top-retriever' is the old, leaking one.
    candidatesMode: 'sampled',
    retriever: 'cooccurrence',
    cooccurrenceDamping: 0.5,
    // Sparse logs (5-core Amazon: 9 interactions per user) need sliding training windows to
    // give more training than test requests; MovieLens users are long enough for disjoint ones.
    ...(movielens ? {} : { trainStride: 1 }),
    seed: 0,
    minHistory: 1,
  };
}

/** Read a benchmark's source files (a folder for MovieLens, a file or folder otherwise). */
export async function readSource(
  format: SourceFormat,
  src: string,
  options: SourceOptions = {},
): Promise<SourceData> {
  if (options.meta && !format.startsWith('amazon-') && format !== 'sequences') {
    // MovieLens ships its own item files and csv has no item-file layout: never ignore a flag.
    throw new UserError(`--meta is read for amazon-* and sequences only, not for ${format}`, {
      field: 'meta',
    });
  }
  switch (format) {
    case 'ml-100k':
      return readMl100k(src, options);
    case 'ml-1m':
      return readMl1m(src, options);
    case 'movielens-csv':
      return readMovielensCsv(src, options);
    case 'amazon-2014':
    case 'amazon-2018':
    case 'amazon-2023':
      return readAmazon(src, format.slice(7) as '2014' | '2018' | '2023', options as AmazonOptions);
    case 'sequences':
      return readSequences(src, options);
    case 'csv':
      if (!options.columns)
        throw new UserError('csv needs a column mapping (--user-col, --item-col ...)', { field: 'columns' });
      return readDelimited(src, { ...options, columns: options.columns });
  }
}

export interface ConvertOptions extends SourceOptions {
  format: SourceFormat;
  src: string;
  out: string;
  /** Overrides of the format's default protocol. */
  protocol?: Partial<ProtocolParams>;
  force?: boolean;
  name?: string;
  encoding?: TextEncoding;
  onProgress?: ProgressFn;
}

/** Convert a benchmark into a dataset folder; returns the written manifest. */
export async function convertDataset(options: ConvertOptions): Promise<DatasetManifest> {
  const exists = await fs
    .stat(options.out)
    .then(() => true)
    .catch(() => false);
  // Fail before minutes of reading, not after.
  if (exists && !options.force) {
    throw new UserError('output directory already exists (use --force to replace it)', { file: options.out });
  }
  const onProgress = options.onProgress;
  const source = await readSource(options.format, options.src, {
    ...options,
    ...(onProgress ? { onLines: (n: number) => onProgress('read', n, 0) } : {}),
  });
  const root = path.resolve(options.src);
  const rootDir = (await fs.stat(root)).isDirectory() ? root : path.dirname(root);
  source.sourceFiles = source.sourceFiles.map((f) => ({
    ...f,
    path: path.relative(rootDir, path.resolve(f.path)),
  }));
  const protocol = { ...defaultProtocol(options.format, source), ...(options.protocol ?? {}) };
  const content = buildDataset(source, {
    protocol,
    ...(options.name ? { name: options.name } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  onProgress?.('write', 0, 1);
  const manifest = await writeDataset(options.out, content, { force: options.force ?? false });
  onProgress?.('write', 1, 1);
  return manifest;
}
