// The dashboard's Queue page data (@glorank/api queue.list) read from a real job queue that
// @glorank/experiment's StageQueue wrote (pg-boss tables + the attempt table) on loopback
// PostgreSQL: pending, running (worker), done and failed (error) jobs come back as such, with
// the tracked runs they were recorded into.
// GLORANK_TEST_PG_URL names a database whose role may create databases; CI fails without it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApiContext, createCaller } from '@glorank/api';
import { type StageJobData, StageQueue } from '@glorank/experiment';
import { openRunStore } from '@glorank/tracking';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const BASE_URL = process.env.GLORANK_TEST_PG_URL;
const describePg = !BASE_URL && process.env.CI !== 'true' ? describe.skip : describe;

async function freshDatabase(name: string): Promise<string> {
  if (!BASE_URL) throw new Error('GLORANK_TEST_PG_URL is not set; CI must provide loopback PostgreSQL');
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const job = (label: string, hash: string): StageJobData => ({
  format: 'glorank-stage-job/1',
  experiment: 'view-exp',
  config: { name: 'view-exp' } as StageJobData['config'],
  configDir: '/nowhere',
  dataRoot: '/nowhere',
  stageRoot: '/nowhere/stages',
  backend: 'cpu',
  address: { kind: 'dataset' },
  kind: 'train',
  label,
  hash,
  gpu: label === 'gpu-one',
});

describePg('queue view (api queue.list over a real StageQueue)', () => {
  it('reports pending, running, done and failed jobs with worker, attempts and error', async () => {
    const url = await freshDatabase('glorank_queue_view_test');
    const queue = await StageQueue.open({ url, attempts: 1 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-queue-view-'));
    const store = await openRunStore(path.join(dir, 'glorank.db'));
    const saved = process.env.GLORANK_QUEUE_URL;
    try {
      const done = await queue.enqueue(job('done-one', 'h1'));
      // The same hash again joins the live job instead of adding one.
      expect(await queue.enqueue(job('done-one', 'h1'))).toEqual({ id: done.id, created: false });
      await queue.enqueue(job('failed-one', 'h2'));
      await queue.enqueue(job('running-one', 'h3'));
      const pending = await queue.enqueue(job('gpu-one', 'h4'));
      const claimed = new Map<string, NonNullable<Awaited<ReturnType<StageQueue['fetch']>>>>();
      for (let j = await queue.fetch('glorank-stage'); j; j = await queue.fetch('glorank-stage')) {
        claimed.set(j.data.label, j);
      }
      // The GPU job is on the GPU queue only.
      expect([...claimed.keys()].sort()).toEqual(['done-one', 'failed-one', 'running-one']);
      for (const [label, j] of claimed) await queue.startAttempt(j, `worker-${label}`, 'cpu');
      await queue.boss.complete('glorank-stage', done.id, {});
      await queue.finishAttempt(done.id, 1, 'done');
      const failed = claimed.get('failed-one');
      await queue.finishAttempt(failed?.id as string, 1, 'failed', 'boom: out of memory');
      await queue.boss.fail('glorank-stage', failed?.id as string, { message: 'boom: out of memory' });
      // The done job was recorded into a run of this dashboard's store and one of another store.
      await queue.linkRun(done.id, 7, store.location, 'view-exp');
      await queue.linkRun(done.id, 3, '/elsewhere/glorank.db', 'view-exp');

      process.env.GLORANK_QUEUE_URL = url;
      const api = createCaller(createApiContext({ store, artifactsDir: null, datasetsDir: null }));
      const view = await api.queue.list({ experiment: 'view-exp' });
      expect(view.configured).toBe(true);
      const byLabel = Object.fromEntries(view.jobs.map((j) => [j.label, j]));
      expect(byLabel['done-one']).toMatchObject({ status: 'done', worker: 'worker-done-one', attempts: 1 });
      expect(byLabel['failed-one']).toMatchObject({
        status: 'failed',
        worker: 'worker-failed-one',
        error: 'boom: out of memory',
        maxAttempts: 1,
      });
      expect(byLabel['running-one']).toMatchObject({
        status: 'running',
        worker: 'worker-running-one',
        error: null,
      });
      expect(byLabel['running-one']?.seconds).toBeGreaterThanOrEqual(0);
      // Only the run in this dashboard's store is `here` (the page links it).
      expect(byLabel['done-one']?.runs).toEqual([
        { id: 3, store: '/elsewhere/glorank.db', experiment: 'view-exp', here: false },
        { id: 7, store: store.location, experiment: 'view-exp', here: true },
      ]);
      expect(byLabel['failed-one']?.runs).toEqual([]);
      expect(byLabel['gpu-one']).toMatchObject({
        id: pending.id,
        status: 'pending',
        gpu: true,
        worker: null,
      });
      expect(view.counts).toEqual({ pending: 1, retrying: 0, running: 1, done: 1, failed: 1, cancelled: 0 });

      delete process.env.GLORANK_QUEUE_URL;
      expect(await api.queue.list({})).toMatchObject({ configured: false, jobs: [] });
    } finally {
      if (saved === undefined) delete process.env.GLORANK_QUEUE_URL;
      else process.env.GLORANK_QUEUE_URL = saved;
      await queue.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
