// The datasets folder as the dashboard sees it: one converted dataset per subfolder. Manifests
// are cheap and re-read on every listing; a loaded dataset (and its statistics and codes) is
// cached until its manifest's contentHash changes, so the pages stay fast after the first load.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type DatasetManifest,
  type ItemCodes,
  type LoadedDataset,
  readDataset,
  readManifest,
} from '@glorank/data';
import { TRPCError } from '@trpc/server';
import { type DatasetStats, datasetStats } from './dataset-stats.js';
import { readItemCodes } from './item-codes.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface DatasetEntry {
  name: string;
  manifest: DatasetManifest | null;
  /** Why the folder could not be read as a dataset. */
  error: string | null;
  hasCodes: boolean;
}

interface Loaded {
  hash: string;
  dataset: LoadedDataset;
  byRequest: Map<number, LoadedDataset['requests'][number]>;
  stats?: DatasetStats;
  codes?: ItemCodes | null;
}

export class DatasetCatalog {
  private readonly loaded = new Map<string, Promise<Loaded>>();

  constructor(readonly root: string | null) {}

  async list(): Promise<DatasetEntry[]> {
    if (this.root === null || !existsSync(this.root)) return [];
    const dirs = (await readdir(this.root, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && NAME.test(d.name))
      .map((d) => d.name)
      .sort();
    return Promise.all(
      dirs.map(async (name): Promise<DatasetEntry> => {
        const dir = path.join(this.root!, name);
        try {
          return { name, manifest: await readManifest(dir), error: null, hasCodes: hasCodes(dir) };
        } catch (err) {
          return { name, manifest: null, error: (err as Error).message, hasCodes: false };
        }
      }),
    ).then((all) =>
      all.filter((d) => d.manifest !== null || existsSync(path.join(this.root!, d.name, 'manifest.json'))),
    );
  }

  /** The dataset folder of `name`, or NOT_FOUND. Names are plain folder names, never paths. */
  dir(name: string): string {
    if (this.root === null) {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: 'No datasets folder configured (GLORANK_DATASETS_DIR).',
      });
    }
    const dir = path.join(this.root, name);
    if (!NAME.test(name) || !existsSync(path.join(dir, 'manifest.json'))) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `Dataset '${name}' not found in ${this.root}` });
    }
    return dir;
  }

  async manifest(name: string): Promise<DatasetManifest> {
    return readManifest(this.dir(name));
  }

  /** Name of the dataset whose manifest has this contentHash (a run's datasetHash). */
  async findByHash(hash: string): Promise<string | null> {
    const all = await this.list();
    return all.find((d) => d.manifest?.contentHash === hash)?.name ?? null;
  }

  private async load(name: string): Promise<Loaded> {
    const dir = this.dir(name);
    const manifest = await readManifest(dir);
    const cached = this.loaded.get(name);
    if (cached) {
      const hit = await cached.catch(() => null);
      if (hit && hit.hash === manifest.contentHash) return hit;
    }
    const pending = readDataset(dir).then(
      (dataset): Loaded => ({
        hash: dataset.manifest.contentHash,
        dataset,
        byRequest: new Map(dataset.requests.map((r) => [r.id, r])),
      }),
    );
    this.loaded.set(name, pending);
    pending.catch(() => this.loaded.delete(name));
    return pending;
  }

  async dataset(name: string): Promise<{ dataset: LoadedDataset; byRequest: Loaded['byRequest'] }> {
    return this.load(name);
  }

  async stats(name: string): Promise<DatasetStats> {
    const l = await this.load(name);
    l.stats ??= datasetStats(l.dataset);
    return l.stats;
  }

  /** The dataset's semantic IDs, or null when it has not been tokenized. */
  async codes(name: string): Promise<ItemCodes | null> {
    const l = await this.load(name);
    if (l.codes === undefined) {
      const dir = this.dir(name);
      l.codes = hasCodes(dir) ? await readItemCodes(dir, l.dataset.items.count) : null;
    }
    return l.codes;
  }
}

function hasCodes(dir: string): boolean {
  return existsSync(path.join(dir, 'codes.arrow'));
}
