// The benchmark registry (datasets/registry.json): official download URLs with the checksums
// their publishers give, what format each is, and which extracted folder to convert.
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors/user-error.js';

export interface RegistryFile {
  url: string;
  /** File name the download is saved as. */
  name: string;
  /** Pinned checksums; a download must match every one given. */
  sha256?: string | null;
  md5?: string | null;
  /** Unpack the .zip after verifying it (the archive is then removed). */
  extract?: boolean;
}

export interface RegistryEntry {
  description: string;
  homepage: string;
  /** Reader to convert it with (`glorank data convert <format>`). */
  format: string;
  /** Path inside the download folder to pass as --src. */
  convertSrc: string;
  /** Terms of use in one line (these datasets may not be redistributed). */
  terms: string;
  files: RegistryFile[];
}

export interface Registry {
  version: 1;
  benchmarks: Record<string, RegistryEntry>;
}

/** datasets/registry.json of the checkout this package was built in. */
export function defaultRegistryPath(): string {
  return fileURLToPath(new URL('../../../../datasets/registry.json', import.meta.url));
}

export async function loadRegistry(file: string = defaultRegistryPath()): Promise<Registry> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new UserError('benchmark registry not found', { file });
  }
  let reg: Registry;
  try {
    reg = JSON.parse(text) as Registry;
  } catch (err) {
    throw new UserError(`registry is not valid JSON (${(err as Error).message})`, { file });
  }
  if (reg?.version !== 1 || typeof reg.benchmarks !== 'object') {
    throw new UserError('expected {"version": 1, "benchmarks": {...}}', { file, field: 'version' });
  }
  for (const [name, e] of Object.entries(reg.benchmarks)) {
    if (!Array.isArray(e.files) || e.files.length === 0) {
      throw new UserError('benchmark lists no files', { file, field: `benchmarks.${name}.files` });
    }
    for (const f of e.files) {
      if (typeof f.url !== 'string' || typeof f.name !== 'string' || f.name.includes('/')) {
        throw new UserError('each file needs a url and a plain file name', {
          file,
          field: `benchmarks.${name}.files`,
        });
      }
      if (f.sha256 && !/^[0-9a-f]{64}$/.test(f.sha256)) {
        throw new UserError(`sha256 of ${f.name} is not 64 hex digits`, {
          file,
          field: `benchmarks.${name}`,
        });
      }
      if (f.md5 && !/^[0-9a-f]{32}$/.test(f.md5)) {
        throw new UserError(`md5 of ${f.name} is not 32 hex digits`, { file, field: `benchmarks.${name}` });
      }
    }
  }
  return reg;
}
