// RunLogger in one process: batching by size and time, status on finish/fail, validation,
// system samples, artifacts, and that it is usable where @glorank/model wants a TrainLogger.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUserError } from '@glorank/base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '../schema/migrate.js';
import { openRunStore } from '../store/open-run-store.js';
import { SqlRunStore } from '../store/sql-run-store.js';
import { SqliteDriver } from '../store/sqlite-driver.js';
import type { RunStore } from '../types.js';
import { RunLogger, withRunLogger } from './run-logger.js';

/** The shape @glorank/model's trainers take (restated here: tracking must not import model). */
interface TrainLoggerShape {
  log(step: number, metrics: Record<string, number>): void;
  info?(message: string): void;
}

// No test here waits on the wall clock: the logger's interval timers are vitest's fake
// timers (advanced by hand), the store's clock is injected where heartbeats are read, and
// background writes are awaited as events (the store call settling), not by sleeping.

/** Lets every queued promise job run (better-sqlite3 calls complete synchronously inside them). */
const drain = () => new Promise<void>((r) => setImmediate(r));

/** What `p` settled to once every queued job has run, or 'pending' (the event did not happen). */
function outcome<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, drain().then(() => 'pending' as const)]);
}

/** The store with an event per call: `next(method)` resolves when the next such call settles. */
function watched(store: RunStore): {
  store: RunStore;
  next(method: keyof RunStore): Promise<'ok' | 'error'>;
} {
  const waiters = new Map<string, ((outcome: 'ok' | 'error') => void)[]>();
  const settle = (method: string, outcome: 'ok' | 'error') => {
    const list = waiters.get(method) ?? [];
    waiters.delete(method);
    for (const w of list) w(outcome);
  };
  const proxy = new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (out instanceof Promise) {
          out.then(
            () => settle(String(prop), 'ok'),
            () => settle(String(prop), 'error'),
          );
        }
        return out;
      };
    },
  });
  return {
    store: proxy,
    next: (method) =>
      new Promise((resolve) => {
        waiters.set(method, [...(waiters.get(method) ?? []), resolve]);
      }),
  };
}

/** The same SQLite store with run times and heartbeat deadlines read from `clock`. */
async function clockedStore(file: string, clock: () => number): Promise<RunStore> {
  const driver = new SqliteDriver(file);
  await migrate(driver, file);
  return new SqlRunStore(driver, file, { clock });
}

describe('RunLogger', () => {
  let dir: string;
  let store: RunStore;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-logger-'));
    store = await openRunStore(path.join(dir, 'glorank.db'));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
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
    await drain();
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

  it('resume() continues the same run: status running again, the curve goes on at the next steps', async () => {
    const first = await RunLogger.start(store, {
      experiment: 'glorank-train',
      name: 'sft ds s1',
      params: { seed: 1 },
      flushIntervalMs: 60_000,
      systemIntervalMs: 0,
    });
    // Steps 1..3 are logged, then the process is interrupted (the CLI marks the run failed).
    for (const step of [1, 2, 3]) first.log(step, { 'sft/loss': 10 - step });
    const failed = await first.fail(new Error('interrupted'));
    expect(failed.status).toBe('failed');
    expect(failed.endedAt).not.toBeNull();

    const resumed = await RunLogger.resume(store, first.runId, {
      flushIntervalMs: 60_000,
      systemIntervalMs: 0,
    });
    expect(resumed.runId).toBe(first.runId);
    const reopened = await store.getRun(first.runId);
    expect(reopened?.status).toBe('running');
    expect(reopened?.endedAt).toBeNull();
    expect(reopened?.error).toBeNull();
    expect(reopened?.pid).toBe(process.pid);
    // The trainer resumes from its step-2 checkpoint: step 3 is computed again (new value), then 4, 5.
    for (const step of [3, 4, 5]) resumed.log(step, { 'sft/loss': 20 - step });
    const done = await resumed.finish();
    expect(done.status).toBe('finished');
    const loss = await store.getSeries(first.runId, 'sft/loss');
    expect(loss.steps).toEqual([1, 2, 3, 4, 5]);
    expect(loss.values).toEqual([9, 8, 17, 16, 15]);
    // One run in the experiment, params kept.
    const page = await store.listRuns({ filter: { experiment: 'glorank-train' } });
    expect(page.total).toBe(1);
    expect(page.runs[0]?.params).toEqual({ seed: '1' });
    const missing = await RunLogger.resume(store, 9999, { systemIntervalMs: 0 }).catch((e: unknown) => e);
    expect(isUserError(missing)).toBe(true);
    expect(String(missing)).toMatch(/run 9999 does not exist/);
  });

  it('flushes on the timer when the batch never fills', async () => {
    const w = watched(store);
    const logger = await RunLogger.start(w.store, {
      name: 'timed',
      flushPoints: 1000,
      flushIntervalMs: 50,
      systemIntervalMs: 0,
    });
    logger.log(0, { loss: 1 });
    await vi.advanceTimersByTimeAsync(49);
    await drain();
    expect((await store.getSeries(logger.runId, 'loss')).totalPoints).toBe(0);
    const written = w.next('logMetrics');
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome(written)).toBe('ok');
    expect((await store.getSeries(logger.runId, 'loss')).values).toEqual([1]);
    await logger.finish();
  });

  it('records params, tags, host and pid, and heartbeats while running', async () => {
    let now = 5_000_000;
    const clocked = await clockedStore(path.join(dir, 'glorank.db'), () => now);
    const w = watched(clocked);
    const logger = await RunLogger.start(w.store, {
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
    expect(logger.run.heartbeatAt).toBe(5_000_000);
    // One interval later the logger heartbeats: the stored heartbeat is the clock's reading.
    now += 100;
    const beat = w.next('heartbeat');
    await vi.advanceTimersByTimeAsync(100);
    expect(await outcome(beat)).toBe('ok');
    const during = await clocked.getRun(logger.runId);
    expect(during?.status).toBe('running');
    expect(during?.heartbeatAt).toBe(5_000_100);
    // A logger whose timers stop firing (a hung trainer) reads as crashed after 6 intervals...
    now += 601;
    expect((await clocked.getRun(logger.runId))?.status).toBe('crashed');
    // ...and its next heartbeat revives the run.
    const late = w.next('heartbeat');
    await vi.advanceTimersByTimeAsync(100);
    expect(await outcome(late)).toBe('ok');
    expect((await clocked.getRun(logger.runId))?.status).toBe('running');
    await logger.logParams({ batch: 32 });
    await logger.addTags(['u']);
    const run = await clocked.getRun(logger.runId);
    expect(run?.params).toEqual({ lr: '0.01', batch: '32' });
    expect(run?.tags).toEqual(['t', 'u']);
    expect((await logger.finish()).status).toBe('finished');
    await clocked.close();
  });

  it('samples system metrics, including the GPU reader it is given', async () => {
    const w = watched(store);
    const logger = await RunLogger.start(w.store, {
      name: 'sys',
      systemIntervalMs: 30,
      flushIntervalMs: 40,
      readGpu: async () => ({ utilPercent: 42, memBytes: 1024 }),
    });
    // Sampling is asynchronous (it awaits the GPU reader); step the timers until a flush has
    // written a sample, counting steps rather than waiting on the clock.
    let flushed = false;
    void w.next('logSystemMetrics').then(() => {
      flushed = true;
    });
    for (let i = 0; i < 100 && !flushed; i++) {
      await vi.advanceTimersByTimeAsync(10);
      await drain();
    }
    expect(flushed).toBe(true);
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
    const w = watched(store);
    const logger = await RunLogger.start(w.store, { name: 'gone', flushPoints: 2, systemIntervalMs: 0 });
    await store.deleteRun(logger.runId);
    logger.log(0, { a: 1 });
    await expect(logger.flush()).rejects.toThrow(/does not exist/);
    // The refused points were kept: the next flush retries them (and fails the same way).
    await expect(logger.flush()).rejects.toThrow(/does not exist/);
    expect(logger.flushedPointCount).toBe(0);
    const refused = w.next('logMetrics');
    logger.log(1, { a: 2 }); // fills the batch: a background flush fails
    expect(await outcome(refused)).toBe('error');
    await drain();
    expect(() => logger.log(2, { a: 3 })).toThrow(/does not exist/);
  });
});
