// The one adapter from the tracking store to the harness's RunTracker port: each (method,
// seed) run of an experiment becomes a run in the store, logged through RunLogger, with its
// artifacts registered. Used by `glorank experiment run` and the dashboard's test fixture.
import path from 'node:path';
import { RunLogger, type RunStore } from '@glorank/tracking';
import type { RunTracker } from './tracker.js';

export interface StoreTrackerOptions {
  /** Sampling period of the run's system metrics (RunLogger's default when absent). */
  systemIntervalMs?: number;
}

/**
 * A RunTracker writing to `store`. Artifact paths inside `runsDir` are stored relative to it,
 * so the runs folder can move; others are stored as given.
 */
export function storeTracker(
  store: RunStore,
  runsDir: string,
  options: StoreTrackerOptions = {},
): RunTracker {
  return async (info) => {
    const logger = await RunLogger.start(store, {
      experiment: info.experiment,
      name: info.name,
      config: info.config as never,
      params: info.params,
      tags: info.tags,
      codeVersion: info.codeVersion,
      datasetHash: info.datasetHash,
      backend: info.backend,
      ...(options.systemIntervalMs !== undefined ? { systemIntervalMs: options.systemIntervalMs } : {}),
    });
    return {
      logger,
      artifact: async (file, kind) => {
        const inside = !path.relative(runsDir, path.resolve(file)).startsWith('..');
        await logger.addArtifactFile(file, kind, inside ? { relativeTo: runsDir } : {});
      },
      finish: async () => {
        await logger.finish();
      },
      fail: async (error) => {
        await logger.fail(error);
      },
    };
  };
}
