// storeTracker over a real SQLite store: a run per call, and `resume` continuing the latest
// run with the same experiment, name and params (how `glorank train --resume` keeps one run).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRunStore, type RunStore } from '@glorank/tracking';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeTracker } from './store-tracker.js';
import type { TrackedRunInfo } from './tracker.js';

describe('storeTracker', () => {
  let dir: string;
  let store: RunStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-store-tracker-'));
    store = await openRunStore(path.join(dir, 'glorank.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const info = (over: Partial<TrackedRunInfo> = {}): TrackedRunInfo => ({
    experiment: 'glorank-train',
    name: 'sft ds s1',
    config: { sft: { epochs: 2 } },
    params: { seed: 1, dataset: 'ds', out: '/runs/a' },
    tags: ['glorank'],
    datasetHash: 'h',
    backend: 'cpu',
    ...over,
  });

  it('resume continues the latest matching run; other names or params start new runs', async () => {
    const track = storeTracker(store, dir, { systemIntervalMs: 0 });
    const first = await track(info());
    first.logger.log(1, { 'sft/loss': 3 });
    first.logger.log(2, { 'sft/loss': 2 });
    await first.fail(new Error('interrupted'));
    const firstId = (await store.listRuns()).runs[0]?.id as number;

    // Another --out: a different run even with resume.
    const other = await track(info({ params: { seed: 1, dataset: 'ds', out: '/runs/b' }, resume: true }));
    await other.finish();
    // Without resume: a new run.
    const fresh = await track(info());
    await fresh.finish();
    expect((await store.listRuns()).total).toBe(3);

    // Resume: the latest run named 'sft ds s1' with these params is the fresh one (id 3), not run 1.
    const resumed = await track(info({ resume: true }));
    resumed.logger.log(3, { 'sft/loss': 1 });
    await resumed.finish();
    const page = await store.listRuns({ sort: { by: 'id', dir: 'asc' } });
    expect(page.total).toBe(3);
    expect(page.runs.map((r) => [r.id, r.status])).toEqual([
      [firstId, 'failed'],
      [firstId + 1, 'finished'],
      [firstId + 2, 'finished'],
    ]);
    expect((await store.getSeries(firstId + 2, 'sft/loss')).steps).toEqual([3]);
    expect(page.runs[0]?.codeVersion).toBeNull();
  });

  it('resume of a failed run reopens it and its curve continues', async () => {
    const track = storeTracker(store, dir, { systemIntervalMs: 0 });
    const first = await track(info());
    first.logger.log(1, { 'sft/loss': 3 });
    first.logger.log(2, { 'sft/loss': 2 });
    await first.fail(new Error('interrupted'));
    const resumed = await track(info({ resume: true }));
    resumed.logger.log(3, { 'sft/loss': 1 });
    await resumed.finish();
    const page = await store.listRuns();
    expect(page.total).toBe(1);
    expect(page.runs[0]?.status).toBe('finished');
    const loss = await store.getSeries(page.runs[0]?.id as number, 'sft/loss');
    expect(loss.steps).toEqual([1, 2, 3]);
    expect(loss.values).toEqual([3, 2, 1]);
  });
});
