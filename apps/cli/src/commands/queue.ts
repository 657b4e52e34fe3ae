// `glorank queue ls|retry|cancel`: the experiment stage jobs on a PostgreSQL queue: pending,
// running (on which worker, for how long), done, failed (with the error).
import { UserError } from '@glorank/data';
import type { JobState, QueueJobRow, StageQueue } from '@glorank/experiment';
import type { Command } from 'commander';
import { parseIntOption } from '../support/options.js';

const STATES: readonly JobState[] = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'];

function queueUrl(flag: string | undefined): string {
  const url = flag ?? process.env.GLORANK_QUEUE_URL;
  if (!url)
    throw new UserError('no queue database: pass --queue <postgres-url> or set GLORANK_QUEUE_URL', {
      field: '--queue',
    });
  return url;
}

async function withQueue<T>(flag: string | undefined, fn: (q: StageQueue) => Promise<T>): Promise<T> {
  const url = queueUrl(flag);
  // Loaded here, not at the top: @glorank/experiment pulls in @glorank/model and TensorFlow.js.
  const { StageQueue } = await import('@glorank/experiment');
  const queue = await StageQueue.open({ url });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
  }
}

function seconds(from: Date | null, to: Date | null): string {
  if (!from) return '';
  const s = ((to ?? new Date()).getTime() - from.getTime()) / 1000;
  return s >= 90 ? `${(s / 60).toFixed(1)}m` : `${s.toFixed(0)}s`;
}

/** What `queue ls` and the api call a job's state: pending, running, done, failed, cancelled. */
export function queueStatus(j: QueueJobRow): string {
  if (j.state === 'created' || j.state === 'retry') return j.attempts > 0 ? 'retrying' : 'pending';
  if (j.state === 'active') return 'running';
  if (j.state === 'completed') return j.outcome === 'reused' ? 'done (reused)' : 'done';
  return j.state;
}

/** The tracked runs a job's stage was recorded into: `run 12` (`glorank runs show 12`); the store when not the only one. */
export function runLinks(j: QueueJobRow): string {
  const stores = new Set(j.runs.map((r) => r.store));
  return j.runs.map((r) => (stores.size > 1 ? `${r.id}@${r.store}` : String(r.id))).join(',');
}

function table(rows: QueueJobRow[]): string {
  const head = [
    'id',
    'status',
    'stage',
    'experiment',
    'worker',
    'backend',
    'time',
    'attempts',
    'runs',
    'error',
  ];
  const body = rows.map((j) => [
    j.id.slice(0, 8),
    queueStatus(j) + (j.gpu ? ' [gpu]' : ''),
    `${j.kind} ${j.label}`,
    j.experiment,
    j.worker ?? '',
    j.backend ?? '',
    seconds(j.startedOn, j.completedOn),
    `${j.attempts}/${j.maxAttempts}`,
    runLinks(j),
    (j.error ?? '').replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  return [head, ...body]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function registerQueue(program: Command): void {
  const queue = program
    .command('queue')
    .description('list, retry and cancel experiment stages on a PostgreSQL job queue')
    .addHelpText(
      'after',
      `
The queue URL comes from --queue or GLORANK_QUEUE_URL.

Examples:
  $ glorank queue ls --queue postgres://glorank:glorank@db:5432/glorank
  $ glorank queue ls --state failed --json
  $ glorank queue retry 3f2a91c0
  $ glorank queue cancel --experiment ml-100k`,
    );

  queue
    .command('ls')
    .description(
      'stage jobs, newest first: pending, running (worker, time), done, failed (error), and the ids of the tracked runs they record into (glorank runs show <id>)',
    )
    .option('--queue <postgres-url>', 'queue database (default $GLORANK_QUEUE_URL)')
    .option('--experiment <name>', 'only this experiment')
    .option('--state <list>', `comma-separated job states (${STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many jobs', parseIntOption('--limit', 1), 200)
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        queue?: string;
        experiment?: string;
        state?: string;
        limit: number;
        json?: boolean;
      }) => {
        const states = opts.state?.split(',').map((s) => s.trim()) ?? [];
        for (const s of states) {
          if (!STATES.includes(s as JobState))
            throw new UserError(`unknown state '${s}'; expected one of ${STATES.join(', ')}`, {
              field: '--state',
            });
        }
        const rows = await withQueue(opts.queue, (q) =>
          q.list({
            ...(opts.experiment ? { experiment: opts.experiment } : {}),
            states: states as JobState[],
            limit: opts.limit,
          }),
        );
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              rows.map((r) => ({ ...r, status: queueStatus(r) })),
              null,
              2,
            )}\n`,
          );
          return;
        }
        process.stdout.write(rows.length === 0 ? 'no stage jobs\n' : `${table(rows)}\n`);
      },
    );

  queue
    .command('retry')
    .description('send failed (or cancelled) stage jobs back to the queue')
    .argument('<ids...>', 'job ids or unique prefixes (from queue ls)')
    .option('--queue <postgres-url>', 'queue database (default $GLORANK_QUEUE_URL)')
    .action(async (ids: string[], opts: { queue?: string }) => {
      await withQueue(opts.queue, async (q) => {
        for (const job of await q.resolve(ids)) {
          if (job.state !== 'failed' && job.state !== 'cancelled') {
            throw new UserError(
              `job ${job.id} is ${job.state}; only failed or cancelled jobs can be retried`,
            );
          }
          await q.retry(job.id, job.queue, job.state);
          process.stdout.write(`${job.id}: back on the queue\n`);
        }
      });
    });

  queue
    .command('cancel')
    .description('cancel pending or running stage jobs (a running stage finishes but is not marked done)')
    .argument('[ids...]', 'job ids or unique prefixes (from queue ls)')
    .option('--queue <postgres-url>', 'queue database (default $GLORANK_QUEUE_URL)')
    .option('--experiment <name>', 'every unfinished job of this experiment')
    .action(async (ids: string[], opts: { queue?: string; experiment?: string }) => {
      if (ids.length === 0 && !opts.experiment) throw new UserError('name job ids or --experiment <name>');
      await withQueue(opts.queue, async (q) => {
        const jobs = await q.resolve(ids);
        if (opts.experiment) {
          const live = await q.list({ experiment: opts.experiment, states: ['created', 'retry', 'active'] });
          jobs.push(...live.map((j) => ({ id: j.id, queue: j.queue, state: j.state })));
        }
        for (const job of jobs) {
          const ok = await q.cancel(job.id, job.queue);
          process.stdout.write(`${job.id}: ${ok ? 'cancelled' : `not cancelled (${job.state})`}\n`);
        }
      });
    });
}
