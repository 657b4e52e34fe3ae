// What trainers log through. `log()` only buffers (it sits in the training loop); points go
// to the store in batches, by count or by time, one flush at a time. Heartbeats keep the run
// `running`; a process that dies stops them and the next reader marks the run `crashed`,
// while every batch flushed before stays. It fits @glorank/model's TrainLogger structurally.
import os from 'node:os';
import { UserError } from '@glorank/base';
import { describeArtifactFile } from '../artifacts/file-artifact.js';
import type {
  Artifact,
  ArtifactInput,
  ArtifactKind,
  CreateRunInput,
  LogLevel,
  LogLineInput,
  MetricPoint,
  ParamValue,
  RunRecord,
  RunStore,
  SystemSampleInput,
} from '../types.js';
import { type GpuReading, SystemSampler } from './system-sampler.js';

export interface RunLoggerOptions extends CreateRunInput {
  /** Flush when this many metric points are buffered (default 1000). */
  flushPoints?: number;
  /** Flush whatever is buffered at least this often (default 2000 ms). */
  flushIntervalMs?: number;
  /** Default 10 000 ms; the stored deadline (`heartbeatTimeoutMs`) defaults to 6 intervals. */
  heartbeatIntervalMs?: number;
  /** System metrics sampling period, default 15 000 ms; 0 turns it off. */
  systemIntervalMs?: number;
  /** GPU reader for system samples (default: nvidia-smi when /dev/nvidia0 exists). */
  readGpu?: () => Promise<GpuReading | null>;
  /** Also print log lines (e.g. `(line) => process.stderr.write(line + '\n')`). */
  echo?: (line: string) => void;
}

export class RunLogger {
  private points: MetricPoint[] = [];
  private lines: LogLineInput[] = [];
  private samples: SystemSampleInput[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly flushPoints: number;
  private flushedPoints = 0;

  private constructor(
    readonly store: RunStore,
    private current: RunRecord,
    private readonly options: RunLoggerOptions,
  ) {
    this.flushPoints = options.flushPoints ?? 1000;
  }

  /** Creates the run (status `running`) and starts flushing, heartbeats and sampling. */
  static async start(store: RunStore, options: RunLoggerOptions): Promise<RunLogger> {
    const heartbeatIntervalMs = RunLogger.checkIntervals(options);
    const run = await store.createRun({
      ...options,
      host: options.host ?? os.hostname(),
      pid: options.pid ?? process.pid,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? heartbeatIntervalMs * 6,
    });
    return RunLogger.begin(store, run, options);
  }

  /**
   * Continues run `runId` from this process (a resumed training): the run is reopened
   * (running again, see RunStore.reopenRun) and logging goes on into it, so metric curves
   * continue at the trainer's steps. The run's name, config, params and tags are kept.
   */
  static async resume(
    store: RunStore,
    runId: number,
    options: Omit<RunLoggerOptions, keyof CreateRunInput> & Pick<CreateRunInput, 'host' | 'pid'> = {},
  ): Promise<RunLogger> {
    RunLogger.checkIntervals(options);
    const run = await store.reopenRun(runId, {
      host: options.host ?? os.hostname(),
      pid: options.pid ?? process.pid,
    });
    return RunLogger.begin(store, run, { ...options, name: run.name });
  }

  /** Validates the timing options; returns the heartbeat interval. */
  private static checkIntervals(options: Partial<RunLoggerOptions>): number {
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
    for (const [field, v] of [
      ['heartbeatIntervalMs', heartbeatIntervalMs],
      ['flushIntervalMs', options.flushIntervalMs ?? 2000],
      ['flushPoints', options.flushPoints ?? 1000],
    ] as const) {
      if (!(v > 0)) throw new UserError(`expected a positive number, got ${v}`, { field });
    }
    return heartbeatIntervalMs;
  }

  /** The logger over an open run: starts flushing, heartbeats and sampling. */
  private static begin(store: RunStore, run: RunRecord, options: RunLoggerOptions): RunLogger {
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
    const flushIntervalMs = options.flushIntervalMs ?? 2000;
    const systemIntervalMs = options.systemIntervalMs ?? 15_000;
    const logger = new RunLogger(store, run, options);
    // unref: a trainer that forgets finish() must still exit; its run then reads as crashed.
    logger.every(flushIntervalMs, () => {
      if (logger.points.length + logger.lines.length + logger.samples.length > 0) void logger.flushQuietly();
    });
    logger.every(heartbeatIntervalMs, () => {
      logger.store.heartbeat(run.id).catch((err: unknown) => logger.recordFailure(err));
    });
    if (systemIntervalMs > 0) {
      const sampler = new SystemSampler(options.readGpu);
      logger.every(systemIntervalMs, () => {
        sampler
          .sample()
          .then((s) => logger.samples.push(s))
          .catch((err: unknown) => logger.recordFailure(err));
      });
    }
    return logger;
  }

  get runId(): number {
    return this.current.id;
  }

  get run(): RunRecord {
    return this.current;
  }

  /** Points accepted by the store so far (a crash after this many loses none of them). */
  get flushedPointCount(): number {
    return this.flushedPoints;
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private recordFailure(err: unknown): void {
    this.failure ??= err;
  }

  private throwFailure(): void {
    if (this.failure === null) return;
    const err = this.failure;
    this.failure = null;
    throw err;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`run ${this.current.id} logger is closed (finish/fail was called)`);
  }

  /** Metric values at a training step; buffered, flushed in the background. */
  log(step: number, metrics: Record<string, number>): void {
    this.ensureOpen();
    this.throwFailure();
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new UserError(`expected a non-negative integer step, got ${step}`, { field: 'step' });
    }
    const time = Date.now();
    for (const [key, value] of Object.entries(metrics)) {
      if (typeof value !== 'number') {
        throw new UserError(`expected a number, got ${typeof value}`, { field: `metrics.${key}` });
      }
      this.points.push({ key, step, value, time });
    }
    if (this.points.length >= this.flushPoints) void this.flushQuietly();
  }

  private line(level: LogLevel, message: string): void {
    this.ensureOpen();
    this.lines.push({ level, message, time: Date.now() });
    this.options.echo?.(level === 'info' ? message : `${level}: ${message}`);
  }

  info(message: string): void {
    this.line('info', message);
  }
  warn(message: string): void {
    this.line('warn', message);
  }
  error(message: string): void {
    this.line('error', message);
  }
  debug(message: string): void {
    this.line('debug', message);
  }

  async logParams(params: Record<string, ParamValue>): Promise<void> {
    await this.store.logParams(this.current.id, params);
  }

  async addTags(tags: string[]): Promise<void> {
    await this.store.addTags(this.current.id, tags);
  }

  async addArtifact(artifact: ArtifactInput): Promise<Artifact> {
    return this.store.addArtifact(this.current.id, artifact);
  }

  /** Hashes `file` and records it; the stored path is absolute unless `relativeTo` is given. */
  async addArtifactFile(
    file: string,
    kind: ArtifactKind,
    options: { relativeTo?: string } = {},
  ): Promise<Artifact> {
    return this.addArtifact(await describeArtifactFile(file, kind, options));
  }

  private flushQuietly(): Promise<void> {
    return this.flush().catch((err: unknown) => this.recordFailure(err));
  }

  /** Writes everything buffered so far; resolves once it is in the store. */
  flush(): Promise<void> {
    const next = this.chain.then(() => this.writeBuffers());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async writeBuffers(): Promise<void> {
    const points = this.points;
    const lines = this.lines;
    const samples = this.samples;
    this.points = [];
    this.lines = [];
    this.samples = [];
    try {
      if (points.length > 0) await this.store.logMetrics(this.current.id, points);
      this.flushedPoints += points.length;
    } catch (err) {
      // Keep the batch (ahead of newer points) for the next flush.
      this.points = points.concat(this.points);
      this.lines = lines.concat(this.lines);
      this.samples = samples.concat(this.samples);
      throw err;
    }
    try {
      if (lines.length > 0) await this.store.appendLogs(this.current.id, lines);
      if (samples.length > 0) await this.store.logSystemMetrics(this.current.id, samples);
    } catch (err) {
      this.lines = lines.concat(this.lines);
      this.samples = samples.concat(this.samples);
      throw err;
    }
  }

  private async close(status: 'finished' | 'failed', error?: string): Promise<RunRecord> {
    this.ensureOpen();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.failure = null;
    this.closed = true;
    try {
      await this.flush();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.store
        .setRunStatus(this.current.id, 'failed', {
          error: `buffered metrics could not be written: ${message}`,
        })
        .catch(() => undefined);
      throw err;
    }
    this.current = await this.store.setRunStatus(
      this.current.id,
      status,
      error !== undefined ? { error } : {},
    );
    return this.current;
  }

  /** Flushes and marks the run `finished`. */
  finish(): Promise<RunRecord> {
    return this.close('finished');
  }

  /** Flushes and marks the run `failed` with the error's message. */
  fail(error: unknown): Promise<RunRecord> {
    const message = error instanceof Error ? error.message : String(error);
    return this.close('failed', message);
  }
}

/** Runs `train` with a fresh logger: `finished` when it resolves, `failed` (and rethrown) when it throws. */
export async function withRunLogger<T>(
  store: RunStore,
  options: RunLoggerOptions,
  train: (logger: RunLogger) => Promise<T>,
): Promise<T> {
  const logger = await RunLogger.start(store, options);
  let result: T;
  try {
    result = await train(logger);
  } catch (err) {
    await logger.fail(err).catch(() => undefined);
    throw err;
  }
  await logger.finish();
  return result;
}
