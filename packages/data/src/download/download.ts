// `glorank data download`: fetch a registry benchmark, verify its checksums while streaming it to
// disk, unpack archives, and publish the folder atomically (nothing half-downloaded is left).
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UserError } from '../errors/user-error.js';
import { buildDirAtomic } from '../io/atomic.js';
import { loadRegistry, type RegistryEntry } from './registry.js';
import { extractZip } from './unzip.js';

export interface DownloadOptions {
  /** Registry file (default datasets/registry.json). */
  registry?: string;
  force?: boolean;
  /** Accept files the registry pins no checksum for (their sha256 is still recorded). */
  allowUnverified?: boolean;
  onProgress?: (file: string, bytes: number, total: number) => void;
}

export interface DownloadedFile {
  name: string;
  url: string;
  bytes: number;
  sha256: string;
  md5: string;
  verified: ('sha256' | 'md5')[];
  extracted: string[];
}

export interface DownloadResult {
  benchmark: string;
  dir: string;
  entry: RegistryEntry;
  files: DownloadedFile[];
  /** Folder to pass to `glorank data convert <format> --src`. */
  convertSrc: string;
}

async function fetchTo(
  url: string,
  target: string,
  onBytes: (bytes: number, total: number) => void,
): Promise<{ bytes: number; sha256: string; md5: string }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new UserError(
      `cannot reach ${url} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message})`,
    );
  }
  if (!res.ok || !res.body)
    throw new UserError(`download failed: HTTP ${res.status} ${res.statusText} from ${url}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha.update(chunk);
      md5.update(chunk);
      bytes += chunk.length;
      onBytes(bytes, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as unknown as WebReadableStream),
      tap,
      createWriteStream(target),
    );
  } catch (err) {
    throw new UserError(`download of ${url} broke off after ${bytes} bytes (${(err as Error).message})`);
  }
  if (total > 0 && bytes !== total) {
    throw new UserError(`download of ${url} is truncated: ${bytes} of ${total} bytes`);
  }
  return { bytes, sha256: sha.digest('hex'), md5: md5.digest('hex') };
}

/** Download `benchmark` from the registry into `out` (atomically; `force` replaces `out`). */
export async function downloadBenchmark(
  benchmark: string,
  out: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const registry = await loadRegistry(options.registry);
  const entry = registry.benchmarks[benchmark];
  if (!entry) {
    throw new UserError(
      `unknown benchmark '${benchmark}' (registry has: ${Object.keys(registry.benchmarks).join(', ')})`,
      { field: 'benchmark' },
    );
  }
  const unpinned = entry.files.filter((f) => !f.sha256 && !f.md5);
  if (unpinned.length > 0 && !options.allowUnverified) {
    throw new UserError(
      `the registry pins no checksum for ${unpinned.map((f) => f.name).join(', ')}; pass --allow-unverified to download anyway (the sha256 is then recorded in download.json)`,
      { field: 'benchmark' },
    );
  }
  const files = await buildDirAtomic(
    out,
    async (tmp) => {
      const done: DownloadedFile[] = [];
      for (const f of entry.files) {
        const target = path.join(tmp, f.name);
        const got = await fetchTo(f.url, target, (b, t) => options.onProgress?.(f.name, b, t));
        const verified: ('sha256' | 'md5')[] = [];
        for (const [kind, want] of [
          ['sha256', f.sha256],
          ['md5', f.md5],
        ] as const) {
          if (!want) continue;
          if (got[kind] !== want) {
            throw new UserError(
              `${kind} mismatch for ${f.name} from ${f.url}: expected ${want}, got ${got[kind]} (nothing was kept)`,
            );
          }
          verified.push(kind);
        }
        let extracted: string[] = [];
        if (f.extract) {
          extracted = await extractZip(target, tmp);
          await fs.rm(target);
        }
        done.push({
          name: f.name,
          url: f.url,
          bytes: got.bytes,
          sha256: got.sha256,
          md5: got.md5,
          verified,
          extracted,
        });
      }
      const record = {
        benchmark,
        homepage: entry.homepage,
        terms: entry.terms,
        downloadedAt: new Date().toISOString(),
        files: done,
      };
      await fs.writeFile(path.join(tmp, 'download.json'), `${JSON.stringify(record, null, 2)}\n`);
      return done;
    },
    { force: options.force ?? false },
  );
  return { benchmark, dir: out, entry, files, convertSrc: path.join(out, entry.convertSrc) };
}
