// A stage that fails: its (method, seed) run is marked failed with that error, the runs that
// finished before it are finished, the experiment rejects with the error, and the lock is
// released, so the next run starts at once and reuses every stage that finished.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from './config.js';
import { runExperiment, type StageExecutor } from './runner.js';
import { tinyExperimentYaml } from './test-support/tiny-experiment.js';
import type { RunTracker } from './tracker.js';

const yaml = tinyExperimentYaml('runner-failure');

describe('runExperiment when a stage fails', () => {
  it('marks that run failed, finishes the earlier ones, rejects, and releases the lock', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-exp-fail-'));
    const experimentDir = path.join(dir, 'exp');
    const outcomes: string[] = [];
    const tracker: RunTracker = async (info) => ({
      logger: { log: () => undefined },
      artifact: async () => undefined,
      finish: async () => {
        outcomes.push(`${info.name}: finished`);
      },
      fail: async (err) => {
        outcomes.push(`${info.name}: failed (${(err as Error).message})`);
      },
    });
    // The disk fills up at the end of dnn's training on seed 2 (after the stage has opened its
    // tracked run and trained); every other stage runs as usual.
    const failing: StageExecutor = (spec, address, store) => {
      const fails = address.kind === 'train' && address.method === 'dnn' && address.seed === 2;
      const run = fails
        ? async (d: string) => {
            await spec.run(d);
            throw new Error('ENOSPC: no space left on device');
          }
        : spec.run;
      return store.run({ ...spec, run } as never, { fresh: false, codeVersion: 'test' });
    };
    const options = {
      config: parseExperimentConfig(yaml, 'failure.yaml'),
      configDir: dir,
      experimentDir,
      dataRoot: dir,
      datasetsDir: null,
      backend: 'auto' as const,
      codeVersion: 'test',
      tracker,
    };

    await expect(runExperiment({ ...options, execute: failing })).rejects.toThrow(/ENOSPC/);
    expect(outcomes).toEqual([
      'initial seed=1: finished',
      'dnn seed=1: finished',
      'initial seed=2: finished',
      'dnn seed=2: failed (ENOSPC: no space left on device)',
    ]);
    // No lock file is left behind, and a second run is not refused as "already running".
    expect(existsSync(path.join(experimentDir, '.lock'))).toBe(false);
    outcomes.length = 0;
    const second = await runExperiment(options);
    // dataset + 2 methods x 2 seeds x (train + eval) = 9 stages; the 7 that finished are reused
    // (dataset, initial's 4, dnn seed 1 train + eval); dnn seed 2 trains and evaluates.
    expect(second.stages).toEqual({ run: 2, reused: 7 });
    expect(outcomes).toContain('dnn seed=2: finished');
    expect(outcomes.some((o) => o.includes('failed'))).toBe(false);
  }, 120_000);
});
