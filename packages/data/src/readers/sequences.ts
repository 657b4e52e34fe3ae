// Per-user sequence files as P5/TIGER-style repositories ship Amazon data: one line per user,
// `user item item ...` in time order, whitespace separated. No ratings and no clock: every
// interaction is positive and its timestamp is its position in the user's sequence.
// Optional item file (`meta`): CSV or TSV with a header naming `id`, and optionally `title` and
// `categories` (several separated by '|'), so cold items get content-based semantic IDs.
import path from 'node:path';
import { UserError } from '../errors/user-error.js';
import type { SourceData } from '../protocol/interaction-log.js';
import { splitDelimited } from './delimited-fields.js';
import { BadLine } from './line-reader.js';
import { emptySource, type ReaderOptions, readFileInto, setItemMeta, yearFrom } from './reader-options.js';

export interface SequencesOptions extends ReaderOptions {
  /** Item file: header with `id` and optionally `title`, `categories` ('|'-separated). */
  meta?: string;
}

export async function readSequences(file: string, options: SequencesOptions = {}): Promise<SourceData> {
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
  if (options.meta) await readItemFile(source, options.meta, options);
  return source;
}

async function readItemFile(source: SourceData, file: string, options: ReaderOptions): Promise<void> {
  const delimiter = /\.tsv(\.gz)?$/i.test(file) ? '\t' : ',';
  let col: { id: number; title: number; categories: number } | null = null;
  await readFileInto(
    source,
    file,
    { ...options, encoding: options.encoding ?? 'utf8' },
    {
      encoding: 'utf8',
      headerLines: 1,
      onHeader: (line) => {
        const names = splitDelimited(line, delimiter).map((h) => h.trim().toLowerCase());
        const id = names.indexOf('id');
        if (id < 0) {
          throw new UserError(
            `the header must name an 'id' column (and optionally 'title', 'categories'), found '${names.join(delimiter)}'`,
            { file, line: 1 },
          );
        }
        col = { id, title: names.indexOf('title'), categories: names.indexOf('categories') };
      },
    },
    (line) => {
      const c = col as { id: number; title: number; categories: number } | null;
      if (!c) throw new BadLine('missing header line');
      let f: string[];
      try {
        f = splitDelimited(line, delimiter);
      } catch (err) {
        throw new BadLine((err as Error).message);
      }
      const id = f[c.id]?.trim();
      if (!id) throw new BadLine("empty 'id' field");
      const title = c.title >= 0 ? f[c.title]?.trim() || null : null;
      const categories =
        c.categories >= 0
          ? (f[c.categories] ?? '')
              .split('|')
              .map((x) => x.trim())
              .filter((x) => x.length > 0)
          : [];
      setItemMeta(source, id, { title, categories, year: yearFrom(title) });
    },
    false,
  );
}
