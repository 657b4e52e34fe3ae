// RunLogger in one process: batching by size and time, status on finish/fail, validation,
// system samples, artifacts, and that it is usable where @glorank/model wants a TrainLogger.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUserError } from '@glorank/data';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRunStore } from '../store/open-run-store.js';
import type { RunStore } from '../types.js';
import { RunLogger, withRunLogger } from './run-logger.js';

/** The shape @glorank/model's trainers take (restated here: tracking must not import model). */
interface TrainLoggerShape {
  log(step: number, metrics: Record<string, number>): void;
  info?(message: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RunLogger', () => {
  let dir: string;
  let store: RunStore;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-logger-'));
    store = await openRunStore(path.join(dir, 'glorank.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('buffers log() calls and writes a batch once flushPoints are buffered', async () => {
    const logger = await RunLogger.start(store, {
      name: 'batched',
      flushPoints: 10,
      flushIntervalMs: 60_000,
      systemIntervalMs: 0,
    });
    const asTrainLogger: TrainLoggerShape = logger;
    for (let step = 0; step < 4; step++) asTrainLogger.log(step, { loss: step, acc: -step }); // 8 points
    await sleep(20);
    expect((await store.listSeries(logger.runId)).length).toBe(0);
    asTrainLogger.log(4, { loss: 4, acc: -4 }); // 10 points: a flush starts
    await logger.flush();
    expect(logger.flushedPointCount).toBe(10);
    const loss = await store.getSeries(logger.runId, 'loss');
    expect(loss.steps).toEqual([0, 1, 2, 3, 4]);
    asTrainLogger.info?.('epoch 1 done');
    const done = await logger.finish();
    expect(done.status).toBe('finished');
    expect((await store.tailLogs(logger.runId)).lines.map((l) => l.message)).toEqual(['epoch 1 done']);
    expect(() => logger.log(5, { loss: 5 })).toThrow(/closed/);
  });

  it('flushes on the timer when the batch never fills', async () => {
    const logger = await RunLogger.start(store, {
      name: 'timed',
      flushPoints: 1000,
      flushIntervalMs: 50,
      systemIntervalMs: 0,
    });
    logger.log(0, { loss: 1 });
    const series = await (async () => {
      for (let i = 0; i < 100; i++) {
        const s = await store.getSeries(logger.runId, 'loss');
        if (s.totalPoints > 0) return s;
        await sleep(20);
      }
      return null;
    })();
    expect(series?.values).toEqual([1]);
    await logger.finish();
  });

  it('records params, tags, host and pid, and heartbeats while running', async () => {
    const logger = await RunLogger.start(store, {
      name: 'meta',
      experiment: 'e',
      params: { lr: 0.01 },
      tags: ['t'],
      heartbeatIntervalMs: 100,
      systemIntervalMs: 0,
    });
    expect(logger.run.host).toBe(os.hostname());
    expect(logger.run.pid).toBe(process.pid);
    expect(logger.run.heartbeatTimeoutMs).toBe(600);
    const before = logger.run.heartbeatAt;
    await sleep(250);
    const during = await store.getRun(logger.runId);
    expect(during?.status).toBe('running');
    expect(during?.heartbeatAt).toBeGreaterThan(before);
    await logger.logParams({ batch: 32 });
    await logger.addTags(['u']);
    const run = await store.getRun(logger.runId);
    expect(run?.params).toEqual({ lr: '0.01', batch: '32' });
    expect(run?.tags).toEqual(['t', 'u']);
    await logger.finish();
  });

  it('samples system metrics, including the GPU reader it is given', async () => {
    const logger = await RunLogger.start(store, {
      name: 'sys',
      systemIntervalMs: 30,
      flushIntervalMs: 40,
      readGpu: async () => ({ utilPercent: 42, memBytes: 1024 }),
    });
    // Burn a little CPU so the sample is not all zeros.
    const until = Date.now() + 150;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    await sleep(100);
    await logger.finish();
    const samples = await store.getSystemMetrics(logger.runId);
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(s.rssBytes).toBeGreaterThan(1_000_000);
      expect(s.heapUsedBytes).toBeGreaterThan(0);
      expect(s.heapTotalBytes).toBeGreaterThanOrEqual(s.heapUsedBytes);
      expect(s.gpuUtilPercent).toBe(42);
      expect(s.gpuMemBytes).toBe(1024);
      expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
    }
    expect(x).toBeGreaterThan(0);
  });

  it('hashes artifact files (SHA-256 of "abc" is the FIPS 180-2 test vector)', async () => {
    const logger = await RunLogger.start(store, { name: 'art', systemIntervalMs: 0 });
    const file = path.join(dir, 'abc.txt');
    writeFileSync(file, 'abc');
    const art = await logger.addArtifactFile(file, 'report', { relativeTo: dir });
    expect(art).toMatchObject({
      path: 'abc.txt',
      kind: 'report',
      bytes: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
    const err = await logger.addArtifactFile(path.join(dir, 'missing'), 'other').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    await logger.finish();
  });

  it('rejects bad steps and values at the call site', async () => {
    const logger = await RunLogger.start(store, { name: 'bad', systemIntervalMs: 0 });
    expect(() => logger.log(-1, { a: 1 })).toThrow(/step/);
    expect(() => logger.log(0, { a: 'x' as unknown as number })).toThrow(/metrics\.a/);
    await logger.finish();
  });

  it('withRunLogger marks the run failed and rethrows when training throws', async () => {
    let id = 0;
    await expect(
      withRunLogger(store, { name: 'boom', systemIntervalMs: 0 }, async (logger) => {
        id = logger.runId;
        logger.log(0, { loss: 2 });
        throw new Error('diverged');
      }),
    ).rejects.toThrow('diverged');
    const run = await store.getRun(id);
    expect(run?.status).toBe('failed');
    expect(run?.error).toBe('diverged');
    // Points logged before the failure were flushed by fail().
    expect(run?.metrics.loss?.last).toBe(2);

    const value = await withRunLogger(store, { name: 'ok', systemIntervalMs: 0 }, async (logger) => {
      id = logger.runId;
      return 7;
    });
    expect(value).toBe(7);
    expect((await store.getRun(id))?.status).toBe('finished');
  });

  it('keeps a batch the store refused and surfaces the error at the next call', async () => {
    const logger = await RunLogger.start(store, { name: 'gone', flushPoints: 2, systemIntervalMs: 0 });
    await store.deleteRun(logger.runId);
    logger.log(0, { a: 1 });
    await expect(logger.flush()).rejects.toThrow(/does not exist/);
    // The refused points were kept: the next flush retries them (and fails the same way).
    await expect(logger.flush()).rejects.toThrow(/does not exist/);
    expect(logger.flushedPointCount).toBe(0);
    logger.log(1, { a: 2 }); // fills the batch: a background flush fails
    await sleep(50);
    expect(() => logger.log(2, { a: 3 })).toThrow(/does not exist/);
  });
});
