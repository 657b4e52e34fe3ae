// `--meta` for sequence files: an item CSV/TSV (id, title, categories) gives items content, or
// the conversion fails with a one-line error naming the file; other formats refuse the flag.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSource } from '../protocol/convert.js';
import { readSequences } from './sequences.js';

async function files(meta: string, ext = 'csv') {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-seqmeta-'));
  const seq = path.join(dir, 'user_sequence.txt');
  await fs.writeFile(seq, 'u1 A B C\nu2 B C D\n');
  const m = path.join(dir, `items.${ext}`);
  await fs.writeFile(m, meta);
  return { seq, meta: m };
}

describe('sequences --meta', () => {
  it('reads titles and |-separated categories by header name, quoted fields included', async () => {
    const f = await files(
      'categories,id,title\nBeauty|Skin,A,"Cream, 50 ml (2012)"\n,C,Soap\nX,Z,not in the log\n',
    );
    const s = await readSequences(f.seq, { meta: f.meta });
    const meta = (raw: string) => s.itemMeta[s.log.items.get(raw)!];
    expect(meta('A')).toEqual({ title: 'Cream, 50 ml (2012)', categories: ['Beauty', 'Skin'], year: 2012 });
    expect(meta('C')).toEqual({ title: 'Soap', categories: [], year: null });
    expect(meta('B')).toBeUndefined();
    expect(s.sourceFiles.map((x) => path.basename(x.path))).toEqual(['user_sequence.txt', 'items.csv']);
    // Metadata lines are not interactions.
    expect(s.log.count).toBe(6);
  });

  it('reads TSV by extension', async () => {
    const f = await files('id\ttitle\nD\tBrush\n', 'tsv');
    const s = await readSequences(f.seq, { meta: f.meta });
    expect(s.itemMeta[s.log.items.get('D')!]?.title).toBe('Brush');
  });

  it('fails with the file and line when the header has no id column', async () => {
    const f = await files('asin,title\nA,x\n');
    await expect(readSequences(f.seq, { meta: f.meta })).rejects.toThrow(
      /items\.csv:1: the header must name an 'id' column/,
    );
  });

  it('is refused, not ignored, for formats without an item-file layout', async () => {
    const f = await files('id\nA\n');
    await expect(readSource('ml-100k', path.dirname(f.seq), { meta: f.meta })).rejects.toThrow(
      /--meta is read for amazon-\* and sequences only/,
    );
  });
});
