// What every procedure sees: the run store, where artifacts and datasets live, and whether
// writes (tagging, deleting runs) are allowed. One context serves every request of a server.
import type { RunStore } from '@glorank/tracking';
import { DatasetCatalog } from './datasets/dataset-catalog.js';

export interface ApiContextOptions {
  store: RunStore;
  /** Artifact paths are resolved inside this folder; nothing outside it is ever read. */
  artifactsDir: string | null;
  /** Folder of converted datasets (one subfolder each). */
  datasetsDir: string | null;
  /** Tagging and deleting runs (default false: read-only). */
  allowWrite?: boolean;
  /** How often live subscriptions poll the store, in ms (default 1000). */
  livePollMs?: number;
}

export interface ApiContext {
  store: RunStore;
  artifactsDir: string | null;
  datasets: DatasetCatalog;
  allowWrite: boolean;
  livePollMs: number;
}

export function createApiContext(options: ApiContextOptions): ApiContext {
  return {
    store: options.store,
    artifactsDir: options.artifactsDir,
    datasets: new DatasetCatalog(options.datasetsDir),
    allowWrite: options.allowWrite ?? false,
    livePollMs: options.livePollMs ?? 1000,
  };
}
