// A queue worker: claims runnable stage jobs, rebuilds the job's experiment graph and runs
// that one stage with the runner's own code (ExperimentGraph + StageStore.run), writing into
// the shared artifact root (temporary folder, then rename: a killed worker leaves debris,
// never a finished-looking stage). Its lease is renewed while it computes; a worker that is
// killed stops renewing and pg-boss hands the job on once the lease runs out.
import os from 'node:os';
import path from 'node:path';
import { type BackendChoice, selectBackend } from '@glorank/model';
import type PgBoss from 'pg-boss';
import { codeVersion as readCodeVersion } from '../code-version.js';
import { ExperimentGraph, type StageAddress } from '../runner.js';
import { StageStore, stageHash } from '../stage-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { recordingTracker } from './run-record.js';
import { GPU_STAGE_QUEUE, STAGE_QUEUE, type StageJobData, type StageQueue } from './stage-queue.js';

export interface WorkerOptions {
  /** Tags this worker offers; 'gpu' lets it claim stages that ask for a GPU worker. */
  tags?: readonly string[];
  /** Shown in `queue ls` (default host:pid). */
  name?: string;
  /** Where this machine mounts the shared artifact root (default: the coordinator's path in the job). */
  artifactRoot?: string;
  /** Where this machine finds raw benchmark files (default: the coordinator's path in the job). */
  dataRoot?: string;
  /** Milliseconds between polls when no job is runnable. */
  pollMs?: number;
  /** Return once no job has been runnable for this many polls (tests, batch use); default never. */
  idlePolls?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface WorkerSummary {
  done: number;
  reused: number;
  failed: number;
  lost: number;
}

function sameAddress(a: StageAddress, b: StageAddress): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'train' || a.kind === 'eval') {
    const o = b as typeof a;
    return a.method === o.method && a.seed === o.seed;
  }
  return true;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export async function runWorker(queue: StageQueue, options: WorkerOptions = {}): Promise<WorkerSummary> {
  const name = options.name ?? `${os.hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  const queues = options.tags?.includes('gpu') ? [GPU_STAGE_QUEUE, STAGE_QUEUE] : [STAGE_QUEUE];
  const summary: WorkerSummary = { done: 0, reused: 0, failed: 0, lost: 0 };
  let idle = 0;
  // Connected before the first claim, so a job's lease is renewed from the moment it is held.
  const lease = await LeaseKeeper.start(queue.url, queue.leaseSeconds);
  // Attempt folders of dead workers on the shared root: removed when this worker starts and
  // whenever it claims a job (a retried job's dead attempt is then gone before it reruns).
  const roots = new Set<string>();
  const sweep = async (root: string) => {
    roots.add(root);
    const dead = await queue.deadAttempts(queue.leaseSeconds);
    for (const r of roots) {
      for (const gone of await new StageStore(r).removeAttemptDebris(async (tag) => dead.has(tag)))
        log(`${name}: removed ${gone}, the temporary folder of an attempt whose worker is gone`);
    }
  };
  try {
    if (options.artifactRoot) await sweep(path.join(options.artifactRoot, 'stages'));
    while (!options.signal?.aborted) {
      let job: PgBoss.JobWithMetadata<StageJobData> | null = null;
      let from = '';
      for (const q of queues) {
        job = await queue.fetch(q);
        if (job) {
          from = q;
          break;
        }
      }
      if (!job) {
        idle++;
        if (options.idlePolls !== undefined && idle >= options.idlePolls) break;
        await sleep(options.pollMs ?? 1000, options.signal);
        continue;
      }
      idle = 0;
      await sweep(
        options.artifactRoot ? path.join(options.artifactRoot, 'stages') : job.data.stageRoot,
      ).catch((err: unknown) => log(`${name}: could not sweep dead attempts' folders: ${String(err)}`));
      const outcome = await runJob(queue, lease, from, job, name, options, log);
      summary[outcome]++;
    }
  } finally {
    await lease.stop();
  }
  return summary;
}

async function runJob(
  queue: StageQueue,
  lease: LeaseKeeper,
  from: string,
  job: PgBoss.JobWithMetadata<StageJobData>,
  worker: string,
  options: WorkerOptions,
  log: (line: string) => void,
): Promise<'done' | 'reused' | 'failed' | 'lost'> {
  const data = job.data;
  const what = `${data.kind} ${data.label} (${data.experiment}, job ${job.id.slice(0, 8)}, attempt ${job.retryCount + 1})`;
  let attempt = job.retryCount + 1;
  let held = false;
  let graph: ExperimentGraph | null = null;
  try {
    attempt = await queue.startAttempt(job, worker, data.backend);
    // Renewed every lease/4 from the lease thread (training blocks this one for long stretches).
    lease.hold(job.id, attempt);
    held = true;
    const backend = await selectBackend(data.backend as BackendChoice);
    log(`${worker}: ${what}: running on ${backend.name}`);
    const store = new StageStore(
      options.artifactRoot ? path.join(options.artifactRoot, 'stages') : data.stageRoot,
    );
    const codeVersion = readCodeVersion();
    // What the stage logs to its tracked run goes into the stage folder; the coordinator
    // records it in the experiment's run store (run-record.ts says why there).
    const record = recordingTracker(store.root);
    graph = new ExperimentGraph({
      config: data.config,
      configDir: data.configDir,
      dataRoot: options.dataRoot ?? data.dataRoot,
      datasetsDir: null,
      backend: data.backend,
      codeVersion,
      store,
      tracker: record.tracker,
      onEvent: (e) => {
        if (e.type === 'info') log(`${worker}: ${e.message}`);
      },
      // Only the job's own stage is computed here; its inputs were finished before it was enqueued.
      execute: async (spec, address, s) => {
        if (!sameAddress(address, data.address)) {
          throw new Error(`input stage ${spec.kind} ${spec.label} is not finished in ${s.root}`);
        }
        const hash = stageHash(spec);
        if (hash !== data.hash) {
          throw new Error(
            `stage ${spec.kind} ${spec.label} hashes to ${hash.slice(0, 12)} on this worker but ${data.hash.slice(0, 12)} ` +
              'on the coordinator: they run different code or see different data',
          );
        }
        try {
          const recorded = {
            ...spec,
            run: async (tmp: string) => {
              const summary = await spec.run(tmp);
              await record.write(tmp);
              return summary;
            },
          };
          return (await s.run(recorded, { codeVersion, attempt: `${job.id}-${attempt}` })) as never;
        } catch (err) {
          // Another worker that took the job over (a lapsed lease) may have published the same
          // stage first; the rename into place then fails here. Its output is complete: use it.
          const finished = await s.finished(spec);
          if (finished) return finished as never;
          throw err;
        }
      },
    });
    await graph.stage(data.address);
    const outcome = graph.ran > 0 ? 'done' : 'reused';
    held = false;
    if (lease.release(job.id)) {
      await queue.finishAttempt(job.id, attempt, 'lost', 'lease lost before the stage finished');
      log(
        `${worker}: ${what}: finished after its lease was lost (the output is complete; another worker owns the job)`,
      );
      return 'lost';
    }
    await queue.boss.complete(from, job.id, { worker, backend: backend.name, outcome });
    await queue.finishAttempt(job.id, attempt, outcome);
    log(`${worker}: ${what}: ${outcome}`);
    return outcome;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (held) {
      held = false;
      // The job is another attempt's now: failing it here would fail that attempt's work.
      if (lease.release(job.id)) {
        await queue
          .finishAttempt(job.id, attempt, 'lost', `after its lease was lost: ${message}`)
          .catch(() => undefined);
        log(`${worker}: ${what}: stopped after its lease was lost: ${message}`);
        return 'lost';
      }
    }
    await queue.finishAttempt(job.id, attempt, 'failed', message).catch(() => undefined);
    await queue.boss.fail(from, job.id, { message, worker }).catch(() => undefined);
    log(`${worker}: ${what}: failed: ${message}`);
    return 'failed';
  } finally {
    if (held) lease.release(job.id);
    graph?.dispose();
  }
}
