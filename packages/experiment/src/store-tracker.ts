// The one adapter from the tracking store to the harness's RunTracker port: each (method,
// seed) run of an experiment becomes a run in the store, logged through RunLogger, with its
// artifacts registered. Used by `glorank experiment run`, `glorank train` and the dashboard's
// test fixture.
import path from 'node:path';
import { RunLogger, type RunStore } from '@glorank/tracking';
import type { RunTracker, TrackedRunInfo } from './tracker.js';

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
  const timing = options.systemIntervalMs !== undefined ? { systemIntervalMs: options.systemIntervalMs } : {};
  return async (info) => {
    const previous = info.resume ? await runToContinue(store, info) : null;
    const logger =
      previous !== null
        ? await RunLogger.resume(store, previous, timing)
        : await RunLogger.start(store, {
            experiment: info.experiment,
            name: info.name,
            config: info.config as never,
            params: info.params,
            tags: info.tags,
            ...(info.codeVersion !== undefined ? { codeVersion: info.codeVersion } : {}),
            datasetHash: info.datasetHash,
            backend: info.backend,
            ...timing,
          });
    return {
      id: logger.runId,
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

/** The latest run of `info.experiment` with `info.name` and every one of `info.params`, if any. */
async function runToContinue(store: RunStore, info: TrackedRunInfo): Promise<number | null> {
  const page = await store.listRuns({
    filter: {
      experiment: info.experiment,
      params: Object.entries(info.params).map(([key, value]) => ({ key, value })),
    },
    sort: { by: 'id', dir: 'desc' },
    limit: 1000,
  });
  return page.runs.find((r) => r.name === info.name)?.id ?? null;
}
