// The Queue page in Chromium over a real job queue on loopback PostgreSQL (GLORANK_TEST_PG_URL,
// a database of its own): a finished stage job shows its worker and a link to the tracked run
// it was recorded into, which opens that run's page; a run in another store is named, not
// linked. Kept apart from dashboard.test.ts (no experiment seeding: one hand-made run and job).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type StageJobData, StageQueue } from '@glorank/experiment';
import { openRunStore, RunLogger, type RunStore } from '@glorank/tracking';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from './fixture/browser.js';
import { freePort, type RunningDashboard, startDashboard } from './fixture/dashboard-server.js';

const BASE_URL = process.env.GLORANK_TEST_PG_URL;
const missing = chromiumMissing() ?? (BASE_URL ? null : 'GLORANK_TEST_PG_URL is not set');
// CI has both; there a missing one fails the run instead of skipping it.
const skip = missing !== null && process.env.CI !== 'true';

describe.skipIf(skip)(`Queue page in Chromium${skip ? ` (skipped: ${missing})` : ''}`, () => {
  let root = '';
  let store: RunStore;
  let queue: StageQueue;
  let server: RunningDashboard;
  let browser: Browser;
  let runId = 0;

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS glorank_queue_page_test WITH (FORCE)');
    await admin.query('CREATE DATABASE glorank_queue_page_test');
    await admin.end();
    const url = new URL(BASE_URL as string);
    url.pathname = '/glorank_queue_page_test';

    root = mkdtempSync(path.join(os.tmpdir(), 'glorank-queue-page-'));
    const database = path.join(root, 'runs', 'glorank.db');
    store = await openRunStore(database);
    const logger = await RunLogger.start(store, {
      experiment: 'queue-page',
      name: 'dnn seed=1',
      params: { method: 'dnn', seed: 1 },
      systemIntervalMs: 0,
    });
    logger.log(0, { 'test/reward': 0.5 });
    runId = (await logger.finish()).id;

    queue = await StageQueue.open({ url: url.toString() });
    const data: StageJobData = {
      format: 'glorank-stage-job/1',
      experiment: 'queue-page',
      config: { name: 'queue-page' } as StageJobData['config'],
      configDir: '/nowhere',
      dataRoot: '/nowhere',
      stageRoot: '/nowhere/stages',
      backend: 'cpu',
      address: { kind: 'train', method: 'dnn', seed: 1 },
      kind: 'train',
      label: 'dnn-seed1',
      hash: 'queue-page-h1',
      gpu: false,
    };
    const job = await queue.enqueue(data);
    const claimed = await queue.fetch('glorank-stage');
    if (!claimed) throw new Error('the job was not claimable');
    await queue.startAttempt(claimed, 'worker-a', 'cpu');
    await queue.boss.complete('glorank-stage', job.id, {});
    await queue.finishAttempt(job.id, 1, 'done');
    await queue.linkRun(job.id, runId, store.location, 'queue-page');
    await queue.linkRun(job.id, 9999, '/elsewhere/glorank.db', 'queue-page');

    server = await startDashboard(['--port', String(await freePort()), '--db', database], {
      GLORANK_RUNS_DIR: path.join(root, 'runs'),
      GLORANK_DASHBOARD_TOKEN: '',
      GLORANK_QUEUE_URL: url.toString(),
    });
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await queue?.close();
    await store?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("shows the job with its worker and links its run in this store, which opens the run's page", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(new URL('/queue', server.url).toString());
    const row = page.locator('[data-testid="queue-table"] tbody tr', { hasText: 'dnn-seed1' });
    await row.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-status')).toBe('done');
    expect(await row.textContent()).toContain('worker-a');
    const cell = row.locator('[data-testid="queue-runs"]');
    // The run of another store is named, not linked.
    expect(await cell.textContent()).toBe(`run ${runId}, run 9999 (other store)`);
    const links = cell.locator('a');
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('href')).toBe(`/runs/${runId}`);
    await links.first().click();
    await page.waitForURL(`**/runs/${runId}`);
    await page.getByText('dnn seed=1').first().waitFor({ timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
