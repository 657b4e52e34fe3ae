// Streaming line reader every format reader builds on: gzip detected by magic bytes, sha256 of
// the source bytes computed in the same pass, Latin-1 or strict UTF-8 decoding, and malformed
// lines reported as file:line with the offending text (or skipped and counted).

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { clipMessage, excerpt } from '../errors/excerpt.js';
import { UserError } from '../errors/user-error.js';
import type { SourceFile } from '../schema/types.js';

export type TextEncoding = 'latin1' | 'utf8';

/** Thrown by a line handler for a malformed line; the reader adds file, line and text. */
export class BadLine extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadLine';
  }
}

export interface LineReadOptions {
  encoding: TextEncoding;
  /** Skip (and count) lines whose handler throws BadLine instead of failing. */
  skipBadLines?: boolean;
  /** Lines at the top that are not data (e.g. a CSV header), passed to onHeader instead. */
  headerLines?: number;
  onHeader?: (line: string, lineNo: number) => void;
  /**
   * Fast path tried first on each data line's raw bytes [a, b): return true when it handled the
   * line, false to fall back to the decoded-string handler (which then reports any problem).
   */
  onBytes?: (buf: Buffer, a: number, b: number) => boolean;
}

export interface LineReadResult {
  source: SourceFile;
  /** Data lines handed to the handler (header and blank lines excluded). */
  lines: number;
  skipped: number;
}

const MAX_SHOWN = 160;

function shown(text: string): string {
  return excerpt(text, MAX_SHOWN);
}

async function openCheck(file: string): Promise<{ gzip: boolean; bytes: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('file is missing', { file });
    if (code === 'EISDIR') throw new UserError('expected a file, found a folder', { file });
    throw new UserError(`cannot open file (${code ?? String(err)})`, { file });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new UserError('expected a file, found a folder', { file });
    if (stat.size === 0) throw new UserError('file is empty', { file });
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      throw new UserError('file is UTF-16 encoded; convert it to UTF-8 (or Latin-1 for MovieLens) first', {
        file,
      });
    }
    return { gzip: head[0] === 0x1f && head[1] === 0x8b, bytes: stat.size };
  } finally {
    await handle.close();
  }
}

/**
 * Call `onLine` for every non-blank line of `file` (plain or gzip), in order, with its 1-based
 * line number. Returns the source's sha256, size and line counts.
 */
export async function forEachLine(
  file: string,
  options: LineReadOptions,
  onLine: (line: string, lineNo: number) => void,
): Promise<LineReadResult> {
  const { gzip, bytes } = await openCheck(file);
  const hash = createHash('sha256');
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // Plain files are hashed chunk by chunk in the loop below; gzip hashes what pipe() reads.
  if (gzip) raw.on('data', (chunk) => hash.update(chunk as Buffer));
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (err) => stream.destroy(err));
  let lineNo = 0;
  let lines = 0;
  let skipped = 0;
  let carry: Buffer | null = null;
  const headerLines = options.headerLines ?? 0;
  const utf8 = options.encoding === 'utf8';

  const handle = (buf: Buffer, a: number, b: number): void => {
    lineNo++;
    if (b > a && buf[b - 1] === 13) b--;
    if (utf8 && lineNo === 1 && b - a >= 3 && buf[a] === 0xef && buf[a + 1] === 0xbb && buf[a + 2] === 0xbf)
      a += 3;
    if (b === a) return;
    if (options.onBytes && lineNo > headerLines && options.onBytes(buf, a, b)) {
      lines++;
      return;
    }
    if (utf8 && !isUtf8(buf.subarray(a, b))) {
      throw new UserError(
        `line is not valid UTF-8 (${shown(buf.toString('latin1', a, b))}); is the file Latin-1? try --encoding latin1`,
        { file, line: lineNo },
      );
    }
    const line = buf.toString(options.encoding, a, b);
    if (lineNo <= headerLines) {
      options.onHeader?.(line, lineNo);
      return;
    }
    if (line.charCodeAt(0) === 0 || line.includes('\u0000')) {
      throw new UserError('binary data where text was expected (NUL bytes)', { file, line: lineNo });
    }
    lines++;
    try {
      onLine(line, lineNo);
    } catch (err) {
      if (!(err instanceof BadLine)) throw err;
      if (options.skipBadLines) {
        skipped++;
        return;
      }
      throw new UserError(
        `${clipMessage(err.message)}: ${shown(line)} (use --skip-bad-lines to skip such lines)`,
        {
          file,
          line: lineNo,
        },
      );
    }
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!gzip) hash.update(chunk);
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let a = 0;
      let nl = buf.indexOf(10, a);
      while (nl !== -1) {
        handle(buf, a, nl);
        a = nl + 1;
        nl = buf.indexOf(10, a);
      }
      carry = a < buf.length ? buf.subarray(a) : null;
    }
    if (carry && carry.length > 0) handle(carry, 0, carry.length);
  } catch (err) {
    if (err instanceof UserError) {
      raw.destroy();
      throw err;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) {
      throw new UserError(`gzip data is truncated (unexpected end of file after line ${lineNo})`, { file });
    }
    if (e.code?.startsWith('Z_')) throw new UserError(`corrupt gzip data (${e.message})`, { file });
    throw err;
  }
  return { source: { path: file, sha256: hash.digest('hex'), bytes }, lines, skipped };
}

/** Path shown in manifests: relative names keep manifests portable across machines. */
export function sourceName(file: string, root: string): string {
  return file.startsWith(root) ? file.slice(root.length).replace(/^[/\\]+/, '') : file;
}
