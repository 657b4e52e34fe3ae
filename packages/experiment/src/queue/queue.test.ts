// The stage graph on a PostgreSQL queue, with real worker processes on loopback PostgreSQL
// (GLORANK_TEST_PG_URL; its role may create databases, and this file uses its own). Checks
// against the local runner as the reference: same results numbers, same slates, same stage
// hashes, same tracked runs (names, params, curves, final metrics, artifacts), each train and
// eval job linked to its run; a worker SIGKILLed mid-stage leaves every stage computed exactly
// once and its temporary folder is removed once its attempt is known dead; a second and
// third experiment sharing the dataset and tokenizer reuse them (one job per stage hash even
// when enqueued at once); a stage that fails every attempt is reported with its error.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRunStore, type RunStore } from '@glorank/tracking';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExperimentConfig, parseExperimentConfig } from '../config.js';
import { runExperiment } from '../runner.js';
import { STAGE_MARKER } from '../stage-store.js';
import { storeTracker } from '../store-tracker.js';
import { type QueuedExperimentOptions, runQueuedExperiment } from './coordinator.js';
import { StageQueue } from './stage-queue.js';
import { runWorker } from './worker.js';

const CHILD = fileURLToPath(new URL('./test-support/worker-child.mjs', import.meta.url));
const BASE_URL = process.env.GLORANK_TEST_PG_URL;
const LEASE = 12;

const experiment = (name: string, methods: string, datasetSeed = 3) =>
  parseExperimentConfig(
    `
name: ${name}
dataset:
  source: synthetic
  name: tiny-queue-${datasetSeed}
  options: { users: 60, items: 160, candidates: 20, historyLength: 10, requestsPerUser: 4, seed: ${datasetSeed} }
tokenizer: { levels: 2, codebook: 8, seed: 0 }
methods:
${methods}
seeds: [1, 2]
`,
    `${name}.yaml`,
  );

const METHODS_A = `  - initial
  - { method: dnn, epochs: 1, dim: 8, hidden: 16, batchSize: 32 }
  - { method: glorank-sft, model: { dim: 16, heads: 2 }, sft: { epochs: 2, batchSize: 32 } }`;

/** A fresh database of our own beside the one the URL names. */
async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(BASE_URL as string);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Worker {
  name: string;
  proc: ChildProcess;
  lines: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

function startWorker(url: string, name: string): Worker {
  const proc = spawn(process.execPath, [CHILD], {
    env: { ...process.env, GLORANK_QUEUE_CHILD: JSON.stringify({ url, name, lease: LEASE }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buffer = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr?.on('data', () => undefined);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    name,
    proc,
    lines,
    exited,
    waitFor: (re, timeoutMs = 120_000) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`${name}: no line matching ${re} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

/** `kind/label/hash` of every finished stage folder under a stage root; also counts temp folders. */
function finishedStages(root: string): { stages: string[]; temps: number } {
  const stages: string[] = [];
  let temps = 0;
  for (const kind of readdirSync(root)) {
    for (const entry of readdirSync(path.join(root, kind))) {
      if (entry.startsWith('.')) {
        temps++;
        continue;
      }
      const marker = path.join(root, kind, entry, STAGE_MARKER);
      // A folder without its marker would be a half-written stage taken for done.
      expect(existsSync(marker), `${kind}/${entry} has its ${STAGE_MARKER}`).toBe(true);
      const rec = JSON.parse(readFileSync(marker, 'utf8')) as { kind: string; label: string; hash: string };
      stages.push(`${rec.kind}/${rec.label}/${rec.hash}`);
    }
  }
  return { stages: stages.sort(), temps };
}

/** results.json without wall-clock fields (the only thing allowed to differ between runs). */
function numbersOf(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'), (key, value) => (key === 'wallSeconds' ? undefined : value));
}

/**
 * Every run of a store as the local/queue comparison sees it: name, status, params, tags, each
 * series (steps and values; wall-clock series left out), artifacts by kind and file name.
 */
async function runsOf(store: RunStore, runsDir: string) {
  const page = await store.listRuns({ limit: 1000 });
  const out = [];
  for (const r of [...page.runs].sort((a, b) => a.name.localeCompare(b.name))) {
    const e = await store.exportRun(r.id);
    if (!e) throw new Error(`run ${r.id} vanished`);
    out.push({
      experiment: e.run.experimentName,
      name: e.run.name,
      status: e.run.status,
      params: e.run.params,
      tags: [...e.run.tags].sort(),
      backend: e.run.backend,
      datasetHash: e.run.datasetHash,
      series: e.series
        .filter((x) => !/wall|seconds|per_sec|time/i.test(x.key))
        .map((x) => ({ key: x.key, steps: x.steps, values: x.values }))
        .sort((a, b) => a.key.localeCompare(b.key)),
      // A checkpoint by its manifest (weights hash, arrays, meta): its meta names the dataset
      // folder it was trained from (local vs shared root), and the queue's job data (jsonb)
      // orders config keys differently, so the file's own bytes differ.
      artifacts: e.artifacts
        .map((a) => {
          if (a.kind !== 'checkpoint') return `${a.kind}:${path.basename(a.path)}:${a.sha256}`;
          const m = JSON.parse(readFileSync(path.resolve(runsDir, a.path), 'utf8'));
          m.meta.dataset = m.meta.dataset === undefined ? undefined : path.basename(m.meta.dataset);
          return m;
        })
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    });
  }
  return out;
}

const missing = !BASE_URL;
// In CI the database must be there: fail rather than skip.
const describePg = missing && process.env.CI !== 'true' ? describe.skip : describe;

describePg('experiment stages on a PostgreSQL queue (GLORANK_TEST_PG_URL)', () => {
  let url = '';
  let dir = '';
  let artifactRoot = '';
  let workers: Worker[] = [];
  let queue: StageQueue;
  /** runQueuedExperiment with this suite's settings; `extra` overrides them. */
  const onQueue = (config: ExperimentConfig, extra: Partial<QueuedExperimentOptions> = {}) =>
    runQueuedExperiment({
      config,
      configDir: dir,
      experimentDir: path.join(dir, config.name),
      dataRoot: dir,
      backend: 'auto',
      codeVersion: 'test',
      queueUrl: url,
      artifactRoot,
      leaseSeconds: LEASE,
      pollMs: 200,
      ...extra,
    });

  beforeAll(async () => {
    if (missing) throw new Error('GLORANK_TEST_PG_URL is not set; CI must provide loopback PostgreSQL');
    url = await freshDatabase('glorank_queue_test');
    dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-queue-'));
    artifactRoot = path.join(dir, 'artifacts');
    queue = await StageQueue.open({ url });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    await queue?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("3 worker processes give the local runner's results and stage hashes; a SIGKILLed worker's stage runs again elsewhere, every stage done exactly once", async () => {
    const config = experiment('queue-a', METHODS_A);
    // Each side records its runs in a run store of its own (SQLite: the coordinator's store
    // need not be reachable from the workers).
    const localStore = await openRunStore(path.join(dir, 'local-runs.db'));
    const queueStore = await openRunStore(path.join(dir, 'queue-runs.db'));
    const local = await runExperiment({
      config,
      configDir: dir,
      experimentDir: path.join(dir, 'local-a'),
      dataRoot: dir,
      backend: 'auto',
      codeVersion: 'test',
      tracker: storeTracker(localStore, dir, { systemIntervalMs: 0 }),
    });

    workers = ['w1', 'w2', 'w3'].map((n) => startWorker(url, n));
    await Promise.all(workers.map((w) => w.waitFor(/^ready/)));
    const queued = onQueue(config, {
      tracker: storeTracker(queueStore, dir, { systemIntervalMs: 0 }),
      trackingStore: queueStore.location,
    });
    // Kill whichever worker starts the longest stage, while it computes.
    const victimLine = await Promise.race(
      workers.map((w) => w.waitFor(/train glorank-sft-seed1 .*: running/).then((l) => ({ w, l }))),
    );
    // Killed once its attempt's temporary folder exists on the shared root (it is left there).
    const trainRoot = path.join(artifactRoot, 'stages', 'train');
    const attemptFolders = () =>
      existsSync(trainRoot)
        ? readdirSync(trainRoot).filter((e) => /^\.glorank-sft-seed1-.*\.attempt-/.test(e))
        : [];
    for (let i = 0; i < 300 && attemptFolders().length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    victimLine.w.proc.kill('SIGKILL');
    await victimLine.w.exited;
    const debris = attemptFolders();
    expect(debris).toHaveLength(1);
    const result = await queued;

    // Same numbers and slates as the local runner; only wall-clock fields may differ.
    expect(numbersOf(result.files.json)).toEqual(numbersOf(local.files.json));
    expect(readFileSync(result.files.slates, 'utf8')).toBe(readFileSync(local.files.slates, 'utf8'));
    // Same stage hashes (kind, label, hash), each finished exactly once on the shared root.
    const shared = finishedStages(path.join(artifactRoot, 'stages'));
    const reference = finishedStages(path.join(dir, 'local-a', 'stages'));
    expect(shared.stages).toEqual(reference.stages);
    expect(shared.stages).toHaveLength(14);

    // The same tracked runs as the local runner: one per (method, seed), same names, params,
    // tags, curves, final metrics and artifacts, finished.
    const localRuns = await runsOf(localStore, dir);
    const queueRuns = await runsOf(queueStore, dir);
    expect(localRuns.map((r) => r.name)).toEqual([
      'dnn seed=1',
      'dnn seed=2',
      'glorank-sft seed=1',
      'glorank-sft seed=2',
      'initial seed=1',
      'initial seed=2',
    ]);
    expect(queueRuns).toEqual(localRuns);
    expect(queueRuns.every((r) => r.status === 'finished')).toBe(true);
    // Final metrics are there (not only equal): every run has its test precision and reward.
    for (const r of queueRuns)
      expect(r.series.map((x) => x.key)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^test\/precision@\d+$/), 'test/reward']),
      );

    // The coordinator trusts the stage marker, written before the worker marks its job
    // complete: give the last worker a moment to do so.
    let jobs = await queue.list({ experiment: 'queue-a' });
    for (let i = 0; i < 120 && !jobs.every((j) => j.state === 'completed' && j.outcome === 'done'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      jobs = await queue.list({ experiment: 'queue-a' });
    }
    expect(jobs).toHaveLength(14);
    expect(jobs.map((j) => `${j.state}/${j.outcome}`)).toEqual(Array(14).fill('completed/done'));
    const attempts = await queue.pool.query<{
      hash: string;
      kind: string;
      label: string;
      worker: string;
      outcome: string;
    }>('SELECT hash, kind, label, worker, outcome FROM glorank_queue.attempt ORDER BY started_at');
    const doneByHash = new Map<string, number>();
    for (const a of attempts.rows)
      if (a.outcome === 'done') doneByHash.set(a.hash, (doneByHash.get(a.hash) ?? 0) + 1);
    expect([...doneByHash.values()].every((n) => n === 1)).toBe(true);
    expect(doneByHash.size).toBe(14);
    // The killed attempt never finished; the stage was then computed by another worker.
    const sft = attempts.rows.filter((a) => a.kind === 'train' && a.label === 'glorank-sft-seed1');
    expect(sft.length).toBeGreaterThanOrEqual(2);
    // Marked lost by a worker that found it silent, which removed its temporary folder.
    expect(sft[0]).toMatchObject({ worker: victimLine.w.name, outcome: 'lost' });
    expect(readdirSync(trainRoot).filter((e) => e.includes('.attempt-'))).toEqual([]);
    expect(finishedStages(path.join(artifactRoot, 'stages')).temps).toBe(0);
    const removedBy = workers.flatMap((w) => w.lines).filter((l) => l.includes(`removed train/${debris[0]}`));
    expect(removedBy).toHaveLength(1);

    // Each train and eval job links to its run in the coordinator's store; other stages to none.
    const idByName = new Map(
      (await queueStore.listRuns({ limit: 1000 })).runs.map((r) => [r.name, r.id] as const),
    );
    for (const j of jobs) {
      if (j.kind !== 'train' && j.kind !== 'eval') {
        expect(j.runs).toEqual([]);
        continue;
      }
      const m = /^(.*)-seed(\d+)$/.exec(j.label) as RegExpExecArray;
      expect(j.runs, `${j.kind} ${j.label}`).toEqual([
        { id: idByName.get(`${m[1]} seed=${m[2]}`), store: queueStore.location, experiment: 'queue-a' },
      ]);
    }
    await localStore.close();
    await queueStore.close();
    expect(sft.filter((a) => a.outcome === 'done')).toHaveLength(1);
    expect(sft.find((a) => a.outcome === 'done')?.worker).not.toBe(victimLine.w.name);
    // Three workers shared the work.
    expect(new Set(attempts.rows.map((a) => a.worker)).size).toBe(3);
  }, 600_000);

  it('experiments sharing the dataset and tokenizer reuse them, and two enqueueing a new shared stage at once share one job', async () => {
    workers = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
    workers.push(startWorker(url, 'w4'));
    // B shares A's dataset and tokenizer (finished): nothing of them is enqueued again.
    const events: string[] = [];
    const jobsB: { kind: string; created: boolean }[] = [];
    const b = await onQueue(
      experiment(
        'queue-b',
        `  - { method: glorank-sft, model: { dim: 16, heads: 2 }, sft: { epochs: 1, batchSize: 32 } }`,
      ),
      {
        onEvent: (e) => {
          if (e.type === 'stage' && e.status !== 'start') events.push(`${e.kind}:${e.status}`);
        },
        onJob: (j) => jobsB.push(j),
      },
    );
    expect(events).toContain('dataset:reused');
    expect(events).toContain('tokenize:reused');
    expect(jobsB.map((j) => j.kind).sort()).toEqual(['eval', 'eval', 'train', 'train']);
    expect(b.stages).toEqual({ run: 4, reused: 2 });

    // C and D start together on a dataset nobody has built: one job each for dataset and tokenizer.
    const jobs: { experiment: string; id: string; kind: string }[] = [];
    const run = (name: string, methods: string) =>
      onQueue(experiment(name, methods, 4), {
        onJob: (j) => jobs.push({ experiment: name, id: j.id, kind: j.kind }),
      });
    await Promise.all([
      run(
        'queue-c',
        `  - { method: glorank-sft, model: { dim: 16, heads: 2 }, sft: { epochs: 1, batchSize: 32 } }`,
      ),
      run(
        'queue-d',
        `  - initial\n  - { method: glorank-sft, model: { dim: 16, heads: 2 }, sft: { epochs: 1, batchSize: 32 } }`,
      ),
    ]);
    for (const kind of ['dataset', 'tokenize']) {
      const ofKind = jobs.filter((j) => j.kind === kind);
      // Either both joined one job, or one found the stage finished by the time it asked.
      expect(new Set(ofKind.map((j) => j.id)).size).toBe(1);
    }
    // The same glorank-sft training (same config, seeds, inputs) is shared by C and D too.
    const attempts = await queue.pool.query<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM glorank_queue.attempt a
       WHERE outcome = 'done' GROUP BY hash, kind HAVING count(*) > 1`,
    );
    expect(attempts.rows).toEqual([]);
    const shared = finishedStages(path.join(artifactRoot, 'stages'));
    expect(shared.stages.filter((s) => s.startsWith('dataset/'))).toHaveLength(2);
    expect(shared.stages.filter((s) => s.startsWith('tokenize/'))).toHaveLength(2);
  }, 600_000);

  it('a stage failing every attempt is reported with its error, not retried forever', async () => {
    const failUrl = await freshDatabase('glorank_queue_fail_test');
    // This worker's artifact root is a file: every attempt of the dataset stage fails to write.
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const failQueue = await StageQueue.open({ url: failUrl, leaseSeconds: LEASE, maintenanceSeconds: 1 });
    const abort = new AbortController();
    const worker = runWorker(failQueue, {
      name: 'broken',
      artifactRoot: blocker,
      pollMs: 100,
      signal: abort.signal,
    });
    try {
      const err = await onQueue(experiment('queue-fail', '  - initial', 5), {
        queueUrl: failUrl,
        artifactRoot: path.join(dir, 'fail-artifacts'),
        attempts: 2,
        pollMs: 100,
      }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(
        /stage dataset tiny-queue-5 failed on the queue after 2 attempt\(s\).*(ENOTDIR|EEXIST|not a directory)/,
      );
      const [job] = await failQueue.list({ experiment: 'queue-fail' });
      expect(job).toMatchObject({ state: 'failed', attempts: 2, maxAttempts: 2, worker: 'broken' });
    } finally {
      abort.abort();
      expect((await worker).failed).toBe(2);
      await failQueue.close();
    }
  }, 300_000);
});
