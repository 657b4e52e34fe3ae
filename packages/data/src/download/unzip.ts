// Streaming extraction of .zip archives (stored and deflate entries), enough for the official
// MovieLens releases. Entries stream through zlib, so a 250 MB archive never sits in memory;
// names that would escape the target folder are refused.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import { UserError } from '../errors/user-error.js';

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeader: number;
}

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

async function centralDirectory(file: string, handle: fs.FileHandle): Promise<Entry[]> {
  const { size } = await handle.stat();
  const tail = await readAt(handle, Math.max(0, size - 65_557), Math.min(size, 65_557));
  const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new UserError('not a zip archive (no end-of-central-directory record)', { file });
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff)
    throw new UserError('zip64 archives are not supported', { file });
  const cd = await readAt(handle, cdOffset, cdSize);
  const entries: Entry[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (cd.readUInt32LE(at) !== 0x02014b50) throw new UserError('corrupt zip central directory', { file });
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    entries.push({
      method: cd.readUInt16LE(at + 10),
      crc: cd.readUInt32LE(at + 16),
      compressedSize: cd.readUInt32LE(at + 20),
      size: cd.readUInt32LE(at + 24),
      localHeader: cd.readUInt32LE(at + 42),
      name: cd.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Extract every entry of `file` under `dir`; returns the extracted relative paths. */
export async function extractZip(file: string, dir: string): Promise<string[]> {
  const handle = await fs.open(file, 'r');
  const written: string[] = [];
  try {
    for (const e of await centralDirectory(file, handle)) {
      const target = path.resolve(dir, e.name);
      if (path.isAbsolute(e.name) || !target.startsWith(path.resolve(dir) + path.sep)) {
        throw new UserError(`zip entry '${e.name}' would be written outside the output folder`, { file });
      }
      if (e.name.endsWith('/')) {
        await fs.mkdir(target, { recursive: true });
        continue;
      }
      if (e.method !== 0 && e.method !== 8) {
        throw new UserError(
          `zip entry '${e.name}' uses compression method ${e.method} (only stored/deflate)`,
          { file },
        );
      }
      const local = await readAt(handle, e.localHeader, 30);
      if (local.readUInt32LE(0) !== 0x04034b50)
        throw new UserError(`corrupt zip entry '${e.name}'`, { file });
      const start = e.localHeader + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      await fs.mkdir(path.dirname(target), { recursive: true });
      let crc = 0;
      let bytes = 0;
      const check = new Transform({
        transform(chunk: Buffer, _enc, done) {
          crc = crc32(chunk, crc);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const source = createReadStream(file, { start, end: start + e.compressedSize - 1 });
      try {
        if (e.compressedSize === 0) await fs.writeFile(target, '');
        else if (e.method === 0) await pipeline(source, check, createWriteStream(target));
        else await pipeline(source, createInflateRaw(), check, createWriteStream(target));
      } catch (err) {
        throw new UserError(`cannot extract '${e.name}' (${(err as Error).message})`, { file });
      }
      if (bytes !== e.size || crc >>> 0 !== e.crc) {
        throw new UserError(`zip entry '${e.name}' is corrupt (size or CRC-32 mismatch)`, { file });
      }
      written.push(e.name);
    }
  } finally {
    await handle.close();
  }
  return written;
}
