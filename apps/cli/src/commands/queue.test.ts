// `glorank queue`, `glorank worker` and `experiment run --queue` through the built CLI: user
// mistakes are one line with exit code 2; on an empty loopback PostgreSQL queue
// (GLORANK_TEST_PG_URL, a database of its own; CI fails without it) ls, retry and an idle
// worker behave, and a queued experiment whose stage fails ends with one line, exit code 1. The queue's work itself is tested in @glorank/experiment (queue.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

const BASE_URL = process.env.GLORANK_TEST_PG_URL;
const noQueueEnv = { GLORANK_QUEUE_URL: '' };

describe('glorank queue / worker: user errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-cli-queue-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('queue ls without a queue URL names the flag and the variable', async () => {
    const r = await runCli(['queue', 'ls'], noQueueEnv);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--queue.*GLORANK_QUEUE_URL/);
  });

  it('worker requires --queue; experiment run refuses --fresh with --queue', async () => {
    expect((await runCli(['worker'], noQueueEnv)).code).toBe(2);
    const cfg = path.join(dir, 'q.yaml');
    writeFileSync(
      cfg,
      'name: q\ndataset:\n  source: synthetic\n  name: q\n  options: { users: 20, items: 40, seed: 1 }\nmethods: [initial]\nseeds: [1]\n',
    );
    const r = await runCli(['experiment', 'run', cfg, '--queue', 'postgres://x@127.0.0.1:1/none', '--fresh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fresh cannot be combined with --queue/);
  });
});

const describePg = !BASE_URL && process.env.CI !== 'true' ? describe.skip : describe;

describePg('glorank queue / worker on an empty loopback queue', () => {
  let url = '';
  beforeAll(async () => {
    if (!BASE_URL) throw new Error('GLORANK_TEST_PG_URL is not set; CI must provide loopback PostgreSQL');
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS glorank_queue_cli_test WITH (FORCE)');
    await admin.query('CREATE DATABASE glorank_queue_cli_test');
    await admin.end();
    const u = new URL(BASE_URL);
    u.pathname = '/glorank_queue_cli_test';
    url = u.toString();
  }, 60_000);

  it('ls shows no jobs, retry of an unknown id and an unknown state are user errors, an idle worker exits', async () => {
    const ls = await runCli(['queue', 'ls', '--queue', url]);
    expect(ls).toMatchObject({ code: 0, stdout: 'no stage jobs\n' });
    const retry = await runCli(['queue', 'retry', 'deadbeef'], { GLORANK_QUEUE_URL: url });
    expect(retry.code).toBe(2);
    expect(retry.stderr).toMatch(/no live stage job has an id starting with 'deadbeef'/);
    const state = await runCli(['queue', 'ls', '--queue', url, '--state', 'bogus']);
    expect(state.code).toBe(2);
    expect(state.stderr).toMatch(/field '--state': unknown state 'bogus'/);
    const worker = await runCli(['worker', '--queue', url, '--name', 'idle', '--exit-when-idle', '1']);
    expect(worker.code).toBe(0);
    expect(worker.stderr).toMatch(/worker idle: 0 done, 0 reused, 0 failed, 0 lost/);
    // Credentials never reach the log.
    expect(worker.stderr).not.toMatch(/glorank:glorank@/);
  }, 120_000);

  it('experiment run --queue: a stage failing on the queue ends with its error in one line and exit code 1, no stack', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-cli-queue-fail-'));
    try {
      // 30 items cannot give 20 candidates per request: the dataset stage fails on the worker.
      const cfg = path.join(dir, 'bad.yaml');
      writeFileSync(
        cfg,
        'name: bad\ndataset:\n  source: synthetic\n  name: bad\n  options: { users: 20, items: 30, candidates: 20, seed: 1 }\nmethods: [initial]\nseeds: [1]\n',
      );
      const env = {
        GLORANK_RUNS_DIR: path.join(dir, 'runs'),
        GLORANK_DATASETS_DIR: path.join(dir, 'datasets'),
      };
      const [run, worker] = await Promise.all([
        runCli(['experiment', 'run', cfg, '--queue', url, '--attempts', '1', '--no-track'], env),
        runCli(['worker', '--queue', url, '--name', 'wf', '--exit-when-idle', '5'], env),
      ]);
      expect(worker.stderr).toMatch(/1 failed/);
      expect(run.code).toBe(1);
      const last = run.stderr.trim().split('\n').at(-1);
      expect(last).toMatch(
        /^glorank: stage dataset bad failed on the queue after 1 attempt\(s\) \(job [0-9a-f-]+\): .*items/,
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
