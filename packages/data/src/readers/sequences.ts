// Per-user sequence files as P5/TIGER-style repositories ship Amazon data: one line per user,
// `user item item ...` in time order, whitespace separated. No ratings and no clock: every
// interaction is positive and its timestamp is its position in the user's sequence.
import path from 'node:path';
import type { SourceData } from '../protocol/interaction-log.js';
import { BadLine } from './line-reader.js';
import { emptySource, type ReaderOptions, readFileInto } from './reader-options.js';

export async function readSequences(file: string, options: ReaderOptions = {}): Promise<SourceData> {
  const base = path
    .basename(file)
    .replace(/\.gz$/i, '')
    .replace(/\.[^.]+$/, '');
  const dirName = path.basename(path.dirname(path.resolve(file)));
  const source = emptySource('sequences', base === 'user_sequence' ? dirName : base, false, true);
  const seen = new Set<string>();
  await readFileInto(
    source,
    file,
    { ...options, encoding: options.encoding ?? 'utf8' },
    { encoding: 'utf8' },
    (line) => {
      const f = line.trim().split(/\s+/);
      if (f.length < 2) throw new BadLine('expected a user id followed by at least one item id');
      const user = f[0] as string;
      if (seen.has(user)) throw new BadLine(`user '${user}' already had a line`);
      seen.add(user);
      for (let k = 1; k < f.length; k++) source.log.add(user, f[k] as string, 1, k - 1);
    },
  );
  return source;
}
