// Checkpoints: a folder with `manifest.json` (format, metadata, and name/shape/offset of
// every array) and `arrays.bin` (the float32 values, little-endian, back to back). The
// folder is built under a temporary name and renamed into place, so a reader never sees
// half a checkpoint; the manifest carries a sha256 of arrays.bin, checked on load.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildDirAtomic, UserError } from '@glorank/data';
import type { StoredArray } from './params.js';

export const CHECKPOINT_FORMAT = 'glorank-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** JSON-serialisable metadata saved with a checkpoint (config, step, Rng states ...). */
export type CheckpointMeta = Record<string, unknown>;

export interface Checkpoint {
  meta: CheckpointMeta;
  arrays: Map<string, StoredArray>;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into arrays.bin. */
  offset: number;
}

interface Manifest {
  format: string;
  version: number;
  sha256: string;
  arrays: ManifestEntry[];
  meta: CheckpointMeta;
}

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Write `checkpoint` to folder `dir` atomically, replacing an older checkpoint there. */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  if (!isLittleEndian) throw new Error('checkpoints are written on little-endian machines only');
  let total = 0;
  const entries: ManifestEntry[] = [];
  for (const [name, a] of checkpoint.arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (size !== a.values.length) {
      throw new Error(
        `checkpoint array '${name}': shape [${a.shape}] does not match ${a.values.length} values`,
      );
    }
    entries.push({ name, shape: [...a.shape], offset: total });
    total += size;
  }
  const bin = new Float32Array(total);
  for (const e of entries) bin.set((checkpoint.arrays.get(e.name) as StoredArray).values, e.offset);
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    arrays: entries,
    meta: checkpoint.meta,
  };
  await buildDirAtomic(
    dir,
    async (tmp) => {
      await fs.writeFile(path.join(tmp, 'arrays.bin'), bytes);
      await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    { force: true },
  );
}

/** True when `dir` holds a checkpoint manifest. */
export async function isCheckpoint(dir: string): Promise<boolean> {
  return fs
    .stat(path.join(dir, 'manifest.json'))
    .then((s) => s.isFile())
    .catch(() => false);
}

/** Read a checkpoint written by saveCheckpoint; a missing or damaged one is a UserError. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const manifestFile = path.join(dir, 'manifest.json');
  const binFile = path.join(dir, 'arrays.bin');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8')) as Manifest;
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UserError(
      code === 'ENOENT' ? 'not a checkpoint (no manifest.json)' : 'manifest.json is not valid JSON',
      { file: code === 'ENOENT' ? dir : manifestFile },
    );
  }
  if (manifest.format !== CHECKPOINT_FORMAT || !Array.isArray(manifest.arrays)) {
    throw new UserError(`expected format '${CHECKPOINT_FORMAT}'`, { file: manifestFile, field: 'format' });
  }
  if (manifest.version !== CHECKPOINT_VERSION) {
    throw new UserError(
      `unsupported checkpoint version ${manifest.version}, expected ${CHECKPOINT_VERSION}`,
      {
        file: manifestFile,
        field: 'version',
      },
    );
  }
  const raw = await fs.readFile(binFile).catch(() => {
    throw new UserError('missing arrays.bin', { file: binFile });
  });
  if (createHash('sha256').update(raw).digest('hex') !== manifest.sha256) {
    throw new UserError('arrays.bin does not match the checksum in manifest.json (damaged checkpoint)', {
      file: binFile,
    });
  }
  // Copy into an aligned buffer: Buffer slices need not be 4-byte aligned.
  const floats = new Float32Array(raw.byteLength / 4);
  new Uint8Array(floats.buffer).set(raw);
  const arrays = new Map<string, StoredArray>();
  for (const e of manifest.arrays) {
    const size = e.shape.reduce((x, y) => x * y, 1);
    if (e.offset + size > floats.length) {
      throw new UserError(`array '${e.name}' runs past the end of arrays.bin`, { file: manifestFile });
    }
    arrays.set(e.name, { shape: e.shape, values: floats.slice(e.offset, e.offset + size) });
  }
  return { meta: manifest.meta ?? {}, arrays };
}
