// The experiment job queue (glorank worker / experiment run --queue) for the dashboard's Queue
// page: stage jobs pending, running (on which worker, for how long), done and failed (with the
// error), read-only. The queue database is GLORANK_QUEUE_URL; the tables are pg-boss's
// (schema pgboss) and @glorank/experiment's attempt table (schema glorank_queue). Read with
// plain SQL rather than through @glorank/experiment, which would load tfjs into the server.
import pg from 'pg';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';

const QUEUES = ['glorank-stage', 'glorank-stage-gpu'];

export interface QueueJobView {
  id: string;
  status: 'pending' | 'retrying' | 'running' | 'done' | 'failed' | 'cancelled';
  gpu: boolean;
  experiment: string;
  kind: string;
  label: string;
  hash: string;
  worker: string | null;
  backend: string | null;
  /** Seconds since it started (running) or that it ran (finished); null before it starts. */
  seconds: number | null;
  /** Seconds since its worker last renewed the lease (running jobs). */
  heartbeatAgo: number | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  error: string | null;
  /**
   * Tracked runs the stage was recorded into (by `experiment run --queue`); `here` when the
   * run is in this dashboard's run store, so it can be linked.
   */
  runs: { id: number; store: string; experiment: string; here: boolean }[];
}

const pools = new Map<string, pg.Pool>();
function poolOf(url: string): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'glorank-dashboard-queue' });
    pools.set(url, pool);
  }
  return pool;
}

function statusOf(state: string, attempts: number): QueueJobView['status'] {
  if (state === 'created' || state === 'retry') return attempts > 0 ? 'retrying' : 'pending';
  if (state === 'active') return 'running';
  if (state === 'completed') return 'done';
  return state === 'cancelled' ? 'cancelled' : 'failed';
}

export async function readQueue(
  url: string,
  filter: { experiment?: string; limit: number },
  /** This dashboard's run store location (redacted), to tell its runs from other stores'. */
  storeLocation?: string,
): Promise<{ jobs: QueueJobView[]; counts: Record<QueueJobView['status'], number> }> {
  const pool = poolOf(url);
  const installed = await pool.query(
    `SELECT to_regclass('pgboss.job') IS NOT NULL AS boss, to_regclass('glorank_queue.attempt') IS NOT NULL AS ours,
            to_regclass('glorank_queue.job_run') IS NOT NULL AS links`,
  );
  // A queue made by an older glorank has no run links yet.
  const runs = installed.rows[0]?.links
    ? `(SELECT coalesce(json_agg(json_build_object('id', l.run_id, 'store', l.store, 'experiment', l.experiment)
          ORDER BY l.run_id), '[]'::json) FROM glorank_queue.job_run l WHERE l.job_id = j.id)`
    : `'[]'::json`;
  const counts = { pending: 0, retrying: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  if (!installed.rows[0]?.boss || !installed.rows[0]?.ours) return { jobs: [], counts };
  const values: unknown[] = [QUEUES, filter.limit];
  let where = 'j.name = ANY($1)';
  if (filter.experiment) {
    values.push(filter.experiment);
    where += ` AND j.data->>'experiment' = $${values.length}`;
  }
  const r = await pool.query(
    `WITH jobs AS (
       SELECT id, name, state::text, data, retry_limit, created_on, started_on, completed_on, output FROM pgboss.job
       UNION ALL
       SELECT id, name, state::text, data, retry_limit, created_on, started_on, completed_on, output FROM pgboss.archive
     )
     SELECT j.id, j.state, j.data, j.retry_limit, j.created_on, j.output,
            EXTRACT(EPOCH FROM (COALESCE(j.completed_on, now()) - j.started_on)) AS seconds,
            EXTRACT(EPOCH FROM (now() - a.heartbeat_at)) AS heartbeat_ago,
            a.worker, a.backend, a.error,
            (SELECT count(*) FROM glorank_queue.attempt c WHERE c.job_id = j.id)::int AS attempts,
            ${runs} AS runs
     FROM jobs j
     LEFT JOIN LATERAL (
       SELECT worker, backend, error, heartbeat_at FROM glorank_queue.attempt a
       WHERE a.job_id = j.id ORDER BY a.attempt DESC LIMIT 1
     ) a ON true
     WHERE ${where}
     ORDER BY j.created_on DESC, j.id
     LIMIT $2`,
    values,
  );
  const jobs = r.rows.map((row): QueueJobView => {
    const data = row.data as { experiment: string; kind: string; label: string; hash: string; gpu: boolean };
    const status = statusOf(row.state, row.attempts);
    const output = row.output as { message?: string; value?: { message?: string } } | null;
    counts[status]++;
    return {
      id: row.id,
      status,
      gpu: data.gpu,
      experiment: data.experiment,
      kind: data.kind,
      label: data.label,
      hash: data.hash,
      worker: row.worker ?? null,
      backend: row.backend ?? null,
      seconds: row.seconds === null ? null : Number(row.seconds),
      heartbeatAgo: status === 'running' && row.heartbeat_ago !== null ? Number(row.heartbeat_ago) : null,
      attempts: row.attempts,
      maxAttempts: row.retry_limit + 1,
      createdAt: new Date(row.created_on).toISOString(),
      error:
        status === 'failed' || status === 'retrying'
          ? (row.error ?? output?.message ?? output?.value?.message ?? null)
          : null,
      runs: (row.runs as { id: number | string; store: string; experiment: string }[]).map((l) => ({
        id: Number(l.id),
        store: l.store,
        experiment: l.experiment,
        here: l.store === storeLocation,
      })),
    };
  });
  return { jobs, counts };
}

export const queueRouter = router({
  /** Stage jobs newest first with counts per status; configured false without GLORANK_QUEUE_URL. */
  list: publicProcedure
    .input(
      z
        .strictObject({
          experiment: z.string().min(1).max(200).optional(),
          limit: z.int().min(1).max(2000).default(500),
        })
        .default({ limit: 500 }),
    )
    .query(async ({ input, ctx }) => {
      const url = process.env.GLORANK_QUEUE_URL;
      if (!url) return { configured: false as const, jobs: [], counts: null };
      return {
        configured: true as const,
        ...(await readQueue(
          url,
          {
            ...(input.experiment ? { experiment: input.experiment } : {}),
            limit: input.limit,
          },
          ctx.store.location,
        )),
      };
    }),
});
