// `glorank experiment run --queue`: the same runExperiment, with a stage executor that enqueues
// each unfinished stage (keyed by its hash, so a stage already queued or running for another
// experiment is shared) as soon as its inputs are finished, and waits for a worker to finish
// it. Every (method, seed) chain is walked at once, so independent stages run in parallel on
// as many workers as there are; the report is written here once every stage is done.
import path from 'node:path';
import { selectBackend } from '@glorank/model';
import { codeVersion as readCodeVersion } from '../code-version.js';
import {
  type ExperimentResult,
  type RunExperimentOptions,
  runExperiment,
  type StageAddress,
  type StageExecutor,
  type StageRunSpec,
  type StageTracking,
} from '../runner.js';
import { type StageRecord, type StageStore, stageHash } from '../stage-store.js';
import { replayRunRecord } from './run-record.js';
import { type StageJobData, StageQueue } from './stage-queue.js';

export interface QueuedExperimentOptions extends RunExperimentOptions {
  queueUrl: string;
  /** Shared artifact root every worker mounts; stages live in <root>/stages, shared by experiments. */
  artifactRoot: string;
  /** Stage kinds ('train', 'reward-model', ...) that only a worker tagged gpu may run. */
  gpuStages?: readonly string[];
  leaseSeconds?: number;
  attempts?: number;
  pollMs?: number;
  /**
   * The run store the tracker writes to, as `queue ls` and the dashboard may show it (a
   * redacted location): jobs are linked to their tracked runs under this name.
   */
  trackingStore?: string;
  /** Told of every job this run enqueued or joined. */
  onJob?: (job: { id: string; created: boolean; kind: string; label: string; hash: string }) => void;
}

/** A stage that failed on the queue as often as it may. */
export class QueuedStageError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function queueExecutor(
  queue: StageQueue,
  base: Omit<StageJobData, 'address' | 'kind' | 'label' | 'hash' | 'gpu'>,
  options: Pick<QueuedExperimentOptions, 'gpuStages' | 'pollMs' | 'onJob' | 'trackingStore'>,
): StageExecutor {
  const gpu = new Set(options.gpuStages ?? []);
  return async <S>(
    spec: StageRunSpec<S>,
    address: StageAddress,
    store: StageStore,
    tracking?: StageTracking,
  ) => {
    const hash = stageHash(spec);
    // Opened here, as the local runner opens it when the stage starts computing, so the run
    // exists (running) while a worker computes its stage and the job can link to it.
    const run = (await tracking?.run()) ?? null;
    const job = await queue.enqueue({
      ...base,
      address,
      kind: spec.kind,
      label: spec.label,
      hash,
      gpu: gpu.has(spec.kind),
    });
    options.onJob?.({ ...job, kind: spec.kind, label: spec.label, hash });
    if (run?.id !== undefined)
      await queue.linkRun(job.id, run.id, options.trackingStore ?? 'unnamed', base.experiment);
    let completedSeen = false;
    for (;;) {
      // The stage marker, not the job state, says done: it is written last, after every output.
      const rec = await store.finished<S>(spec);
      if (rec) {
        if (run) await replayRunRecord(rec.dir, store.root, run);
        return { ...rec, reused: false } as StageRecord<S>;
      }
      const state = await queue.jobState(job.id);
      if (!state) throw new Error(`internal: job ${job.id} of stage ${spec.kind} ${spec.label} vanished`);
      if (state.state === 'failed') {
        const last = (await queue.list({ limit: 1000 })).find((j) => j.id === job.id);
        const out = state.output as { message?: string; value?: { message?: string } } | null;
        throw new QueuedStageError(
          `stage ${spec.kind} ${spec.label} failed on the queue after ${last?.attempts ?? state.retryCount + 1} attempt(s) ` +
            `(job ${job.id}): ${last?.error ?? out?.message ?? out?.value?.message ?? 'no error recorded'}; ` +
            '`glorank queue retry <id>` sends it back',
        );
      }
      if (state.state === 'cancelled') {
        throw new QueuedStageError(
          `stage ${spec.kind} ${spec.label} was cancelled on the queue (job ${job.id})`,
        );
      }
      if (state.state === 'completed') {
        // A shared mount may show the rename a moment after the worker's completion.
        if (completedSeen) {
          throw new Error(
            `job ${job.id} completed but stage ${spec.kind} ${spec.label} is not finished in ${store.root}: ` +
              'does this machine mount the same artifact root as the workers?',
          );
        }
        completedSeen = true;
        await sleep(2000);
        continue;
      }
      await sleep(options.pollMs ?? 1000);
    }
  };
}

/** Run an experiment on the queue: enqueue stages as their inputs finish, follow them, write the report. */
export async function runQueuedExperiment(options: QueuedExperimentOptions): Promise<ExperimentResult> {
  const queue = await StageQueue.open({
    url: options.queueUrl,
    ...(options.leaseSeconds !== undefined ? { leaseSeconds: options.leaseSeconds } : {}),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
  });
  try {
    // The backend is part of train stage hashes: a named one is the workers' to load; `auto`
    // resolves here, as the local runner would.
    const choice = options.backend ?? 'auto';
    const backend = choice === 'auto' ? (await selectBackend('auto')).name : choice;
    const stageRoot = path.join(path.resolve(options.artifactRoot), 'stages');
    const execute = queueExecutor(
      queue,
      {
        format: 'glorank-stage-job/1',
        experiment: options.config.name,
        config: options.config,
        configDir: path.resolve(options.configDir),
        dataRoot: path.resolve(options.dataRoot),
        stageRoot,
        backend,
      },
      options,
    );
    return await runExperiment({
      ...options,
      backendName: backend,
      codeVersion: options.codeVersion ?? readCodeVersion(),
      stageRoot,
      execute,
      concurrent: true,
    });
  } finally {
    await queue.close();
  }
}
