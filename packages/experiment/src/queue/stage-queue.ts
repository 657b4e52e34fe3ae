// The experiment job queue on PostgreSQL: pg-boss (v10, the last major on Node 20) keeps the
// jobs, their leases (expire_in), retries and states; this module adds what a stage graph
// needs on top: one live job per stage hash across every experiment (enqueue under an advisory
// lock), a GPU queue beside the CPU one, lease renewal while a live worker computes (lease-keeper.ts), and an
// attempt table that records which worker ran which job, when, and on which backend.
import os from 'node:os';
import { UserError } from '@glorank/data';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { ExperimentConfig } from '../config.js';
import type { StageAddress } from '../runner.js';

/** Jobs any worker may run, and jobs only a worker started with `--tags gpu` may run. */
export const STAGE_QUEUE = 'glorank-stage';
export const GPU_STAGE_QUEUE = 'glorank-stage-gpu';
export const STAGE_QUEUES = [STAGE_QUEUE, GPU_STAGE_QUEUE] as const;
/** Our own tables live beside pg-boss's schema, never inside it. */
const SCHEMA = 'glorank_queue';
const BOSS_SCHEMA = 'pgboss';

/** Seconds a worker holds a job without renewing before the job counts as abandoned. */
export const DEFAULT_LEASE_SECONDS = 60;
/** Tries per stage before it is reported failed (pg-boss retryLimit = attempts - 1). */
export const DEFAULT_ATTEMPTS = 3;

/** What a stage job carries: enough for any worker to rebuild the experiment's graph. */
export interface StageJobData {
  format: 'glorank-stage-job/1';
  experiment: string;
  config: ExperimentConfig;
  configDir: string;
  dataRoot: string;
  /** Shared artifact root as the coordinator mounts it (a worker may mount it elsewhere). */
  stageRoot: string;
  backend: string;
  address: StageAddress;
  kind: string;
  label: string;
  hash: string;
  gpu: boolean;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface QueueJobRow {
  id: string;
  queue: string;
  state: JobState;
  experiment: string;
  kind: string;
  label: string;
  hash: string;
  gpu: boolean;
  attempts: number;
  maxAttempts: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  /** The last attempt's worker, backend and outcome (from the attempt table). */
  worker: string | null;
  backend: string | null;
  outcome: string | null;
  heartbeatAt: Date | null;
  error: string | null;
  /** Tracked runs this stage was recorded into, by run store (redacted location). */
  runs: { id: number; store: string; experiment: string }[];
}

export interface QueueOptions {
  url: string;
  leaseSeconds?: number;
  attempts?: number;
  /** How often expired leases are looked for (pg-boss maintenance), seconds. */
  maintenanceSeconds?: number;
}

export class StageQueue {
  readonly leaseSeconds: number;
  readonly attempts: number;
  readonly url: string;
  private constructor(
    readonly boss: PgBoss,
    readonly pool: pg.Pool,
    options: QueueOptions,
  ) {
    this.url = options.url;
    this.leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  }

  static async open(options: QueueOptions): Promise<StageQueue> {
    const lease = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    const boss = new PgBoss({
      connectionString: options.url,
      schema: BOSS_SCHEMA,
      max: 3,
      // An abandoned lease is noticed within this interval after it runs out.
      maintenanceIntervalSeconds:
        options.maintenanceSeconds ?? Math.max(1, Math.min(30, Math.round(lease / 4))),
      application_name: 'glorank-queue',
    });
    const errors: unknown[] = [];
    boss.on('error', (err) => errors.push(err));
    await boss.start();
    const pool = new pg.Pool({ connectionString: options.url, max: 3, application_name: 'glorank-queue' });
    const queue = new StageQueue(boss, pool, options);
    await queue.install();
    return queue;
  }

  /** Create our queues and attempt table once (serialised: concurrent CREATEs race in PostgreSQL). */
  private async install(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', ['glorank-queue-install']);
      for (const name of STAGE_QUEUES) {
        if (!(await this.boss.getQueue(name)))
          await this.boss.createQueue(name, { name, policy: 'standard' });
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${SCHEMA}.attempt (
          job_id uuid NOT NULL,
          attempt int NOT NULL,
          hash text NOT NULL,
          kind text NOT NULL,
          label text NOT NULL,
          experiment text NOT NULL,
          worker text NOT NULL,
          host text NOT NULL,
          pid int NOT NULL,
          backend text,
          started_at timestamptz NOT NULL DEFAULT now(),
          heartbeat_at timestamptz NOT NULL DEFAULT now(),
          finished_at timestamptz,
          -- running | done (computed) | reused (found finished) | failed | lost (lease gone)
          outcome text NOT NULL DEFAULT 'running',
          error text,
          PRIMARY KEY (job_id, attempt)
        )`);
      await client.query(`CREATE INDEX IF NOT EXISTS attempt_hash ON ${SCHEMA}.attempt (hash)`);
      // The tracked runs a job's stage was recorded into (one per experiment that waited on
      // it), in the run store the coordinator names (redacted location).
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${SCHEMA}.job_run (
          job_id uuid NOT NULL,
          run_id bigint NOT NULL,
          store text NOT NULL,
          experiment text NOT NULL,
          PRIMARY KEY (job_id, store, run_id)
        )`);
    } finally {
      await client
        .query('SELECT pg_advisory_unlock(hashtext($1))', ['glorank-queue-install'])
        .catch(() => undefined);
      client.release();
    }
  }

  /**
   * The live job of this stage (created, retrying or running, on either queue), or a new one.
   * Under an advisory lock on the hash, so two experiments enqueueing the same stage at once
   * share one job.
   */
  async enqueue(data: StageJobData): Promise<{ id: string; created: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`glorank-stage:${data.hash}`]);
      const live = await client.query<{ id: string }>(
        `SELECT id FROM ${BOSS_SCHEMA}.job WHERE name = ANY($1) AND singleton_key = $2 AND state < 'completed' LIMIT 1`,
        [STAGE_QUEUES, data.hash],
      );
      if (live.rows[0]) {
        await client.query('COMMIT');
        return { id: live.rows[0].id, created: false };
      }
      const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values as never) };
      const id = await this.boss.send(data.gpu ? GPU_STAGE_QUEUE : STAGE_QUEUE, data as unknown as object, {
        singletonKey: data.hash,
        retryLimit: this.attempts - 1,
        retryDelay: 1,
        expireInSeconds: this.leaseSeconds,
        db,
      });
      await client.query('COMMIT');
      if (!id) throw new Error(`internal: pg-boss did not create the job of stage ${data.hash}`);
      return { id, created: true };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** One job's state and last output (the error of a failed one), from the live or archive table. */
  async jobState(id: string): Promise<{ state: JobState; output: unknown; retryCount: number } | null> {
    for (const table of ['job', 'archive']) {
      const r = await this.pool.query<{ state: JobState; output: unknown; retry_count: number }>(
        `SELECT state, output, retry_count FROM ${BOSS_SCHEMA}.${table} WHERE id = $1`,
        [id],
      );
      const row = r.rows[0];
      if (row) return { state: row.state, output: row.output, retryCount: row.retry_count };
    }
    return null;
  }

  /** Claim the next runnable job of `queue` (pg-boss: FOR UPDATE SKIP LOCKED, state active). */
  async fetch(queue: string): Promise<PgBoss.JobWithMetadata<StageJobData> | null> {
    const jobs = await this.boss.fetch<StageJobData>(queue, { batchSize: 1, includeMetadata: true });
    return jobs[0] ?? null;
  }

  async startAttempt(
    job: PgBoss.JobWithMetadata<StageJobData>,
    worker: string,
    backend: string,
  ): Promise<number> {
    const attempt = job.retryCount + 1;
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.attempt (job_id, attempt, hash, kind, label, experiment, worker, host, pid, backend)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (job_id, attempt) DO UPDATE SET worker = EXCLUDED.worker, host = EXCLUDED.host,
         pid = EXCLUDED.pid, backend = EXCLUDED.backend, started_at = now(), heartbeat_at = now(),
         outcome = 'running', finished_at = NULL, error = NULL`,
      [
        job.id,
        attempt,
        job.data.hash,
        job.data.kind,
        job.data.label,
        job.data.experiment,
        worker,
        os.hostname(),
        process.pid,
        backend,
      ],
    );
    return attempt;
  }

  async finishAttempt(
    id: string,
    attempt: number,
    outcome: 'done' | 'reused' | 'failed' | 'lost',
    error?: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE ${SCHEMA}.attempt SET finished_at = now(), outcome = $3, error = $4 WHERE job_id = $1 AND attempt = $2`,
      [id, attempt, outcome, error ?? null],
    );
  }

  /** Note that job `jobId`'s stage is recorded into run `runId` of `store` (a redacted location). */
  async linkRun(jobId: string, runId: number, store: string, experiment: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.job_run (job_id, run_id, store, experiment) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [jobId, runId, store, experiment],
    );
  }

  /**
   * Attempts that are over although nobody said so: still 'running' but their worker has not
   * renewed for `silentSeconds` (the lease thread beats every lease/4 while the process lives,
   * also after its lease was taken over). Marked lost here; returns every attempt tag
   * (`<job id>-<attempt>`) that is over, which StageStore.removeAttemptDebris may remove.
   */
  async deadAttempts(silentSeconds: number): Promise<Set<string>> {
    await this.pool.query(
      `UPDATE ${SCHEMA}.attempt SET outcome = 'lost', finished_at = now(),
         error = 'its worker stopped renewing (killed, or cut off from the database)'
       WHERE outcome = 'running' AND heartbeat_at < now() - make_interval(secs => $1)`,
      [silentSeconds],
    );
    const r = await this.pool.query<{ tag: string }>(
      `SELECT job_id::text || '-' || attempt AS tag FROM ${SCHEMA}.attempt WHERE outcome <> 'running'`,
    );
    return new Set(r.rows.map((row) => row.tag));
  }

  /** Every stage job (live and archived), newest first, with its last attempt. */
  async list(
    filter: { experiment?: string; states?: JobState[]; limit?: number } = {},
  ): Promise<QueueJobRow[]> {
    const where: string[] = ['j.name = ANY($1)'];
    const values: unknown[] = [STAGE_QUEUES];
    if (filter.experiment) {
      values.push(filter.experiment);
      where.push(`j.data->>'experiment' = $${values.length}`);
    }
    if (filter.states?.length) {
      values.push(filter.states);
      where.push(`j.state::text = ANY($${values.length})`);
    }
    values.push(filter.limit ?? 500);
    const r = await this.pool.query(
      `WITH jobs AS (
         SELECT id, name, state, data, retry_count, retry_limit, created_on, started_on, completed_on, output FROM ${BOSS_SCHEMA}.job
         UNION ALL
         SELECT id, name, state, data, retry_count, retry_limit, created_on, started_on, completed_on, output FROM ${BOSS_SCHEMA}.archive
       )
       SELECT j.*, a.worker, a.backend, a.outcome, a.heartbeat_at, a.error AS attempt_error,
              (SELECT count(*) FROM ${SCHEMA}.attempt c WHERE c.job_id = j.id)::int AS attempt_count,
              (SELECT coalesce(json_agg(json_build_object('id', r.run_id, 'store', r.store, 'experiment', r.experiment)
                                 ORDER BY r.run_id), '[]'::json)
                 FROM ${SCHEMA}.job_run r WHERE r.job_id = j.id) AS runs
       FROM jobs j
       LEFT JOIN LATERAL (
         SELECT * FROM ${SCHEMA}.attempt a WHERE a.job_id = j.id ORDER BY a.attempt DESC LIMIT 1
       ) a ON true
       WHERE ${where.join(' AND ')}
       ORDER BY j.created_on DESC, j.id
       LIMIT $${values.length}`,
      values,
    );
    return r.rows.map((row) => {
      const data = row.data as StageJobData;
      const output = row.output as { message?: string; value?: { message?: string } } | null;
      const error =
        row.state === 'failed' || row.state === 'retry'
          ? (row.attempt_error ?? output?.message ?? output?.value?.message ?? null)
          : null;
      return {
        id: row.id,
        queue: row.name,
        state: row.state,
        experiment: data.experiment,
        kind: data.kind,
        label: data.label,
        hash: data.hash,
        gpu: data.gpu,
        attempts: row.attempt_count,
        maxAttempts: row.retry_limit + 1,
        createdOn: row.created_on,
        startedOn: row.started_on,
        completedOn: row.completed_on,
        worker: row.worker ?? null,
        backend: row.backend ?? null,
        outcome: row.outcome ?? null,
        heartbeatAt: row.heartbeat_at ?? null,
        error,
        runs: (row.runs as { id: number | string; store: string; experiment: string }[]).map((r) => ({
          ...r,
          id: Number(r.id),
        })),
      };
    });
  }

  /** Jobs by id prefix (what `queue retry|cancel` accept), with their queue names. */
  async resolve(prefixes: readonly string[]): Promise<{ id: string; queue: string; state: JobState }[]> {
    const out: { id: string; queue: string; state: JobState }[] = [];
    for (const p of prefixes) {
      const r = await this.pool.query<{ id: string; name: string; state: JobState }>(
        `SELECT id, name, state FROM ${BOSS_SCHEMA}.job WHERE name = ANY($1) AND id::text LIKE $2`,
        [STAGE_QUEUES, `${p.toLowerCase()}%`],
      );
      if (r.rows.length !== 1) {
        throw new UserError(
          r.rows.length === 0
            ? `no live stage job has an id starting with '${p}' (glorank queue ls lists them)`
            : `'${p}' matches ${r.rows.length} jobs; give more of the id`,
        );
      }
      const row = r.rows[0] as { id: string; name: string; state: JobState };
      out.push({ id: row.id, queue: row.name, state: row.state });
    }
    return out;
  }

  /** Send a failed job back for one more attempt (pg-boss retry), or a cancelled one back to the queue (resume). */
  async retry(id: string, queue: string, state: JobState): Promise<boolean> {
    const r = state === 'cancelled' ? await this.boss.resume(queue, id) : await this.boss.retry(queue, id);
    return (r as unknown as { affected?: number } | undefined)?.affected === 1;
  }

  async cancel(id: string, queue: string): Promise<boolean> {
    const r = await this.boss.cancel(queue, id);
    return (r as unknown as { affected?: number } | undefined)?.affected === 1;
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
    await this.pool.end();
  }
}
