// Content-addressed stage cache inside an experiment folder. A stage's hash covers its kind,
// its config and the hashes of its inputs, so a finished stage is reused exactly when nothing
// it depends on changed. Code is not in the hash (a model change would otherwise recompute the
// dataset and every baseline); each stage records the code version that computed it instead.
// Outputs are built in a temporary folder that is renamed into place
// with `stage.json` (the done marker) written last: a killed run leaves either a finished
// stage or debris that the next run removes, never a half-written stage that looks done.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildDirAtomic, writeFileAtomic } from '@glorank/data';

/** Bump when the layout of stage outputs changes, so old caches are not misread. */
export const STAGE_FORMAT = 1;
export const STAGE_MARKER = 'stage.json';

export interface StageSpec<S> {
  /** Stage kind, also the folder grouping stages ('convert', 'tokenize', 'train', 'eval' ...). */
  kind: string;
  /** Human-readable name within the kind ('dnn-seed1'). */
  label: string;
  /** Everything that determines the output (JSON-serialisable). */
  config: unknown;
  /** Hashes of upstream stages or input files this stage reads. */
  inputs: Record<string, string>;
  /** Write outputs into `dir` (a temporary folder) and return a JSON summary. */
  run(dir: string): Promise<S>;
}

export interface StageRecord<S> {
  kind: string;
  label: string;
  hash: string;
  /** Final folder of the stage's outputs. */
  dir: string;
  config: unknown;
  inputs: Record<string, string>;
  summary: S;
  wallSeconds: number;
  startedAt: string;
  finishedAt: string;
  /** True when the stage was found finished and not run again. */
  reused: boolean;
  /** The code that computed it (codeVersion()); absent in stages written before it was recorded. */
  codeVersion?: string;
}

/** JSON with object keys sorted, so equal configs hash equally whatever the key order. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value);
  }
  if (ArrayBuffer.isView(value)) return stableStringify(Array.from(value as unknown as ArrayLike<number>));
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

export function stageHash(spec: Pick<StageSpec<unknown>, 'kind' | 'config' | 'inputs'>): string {
  return contentHash({ format: STAGE_FORMAT, kind: spec.kind, config: spec.config, inputs: spec.inputs });
}

const TEMP_NAME = /^\..+\.tmp-\d+-[0-9a-f]+(\.old)?$/;
/**
 * A queue attempt's temporary folder on a shared root: `.<stage folder>.attempt-<tag>`. Named
 * by the attempt, not the process id, because process ids mean nothing on another machine.
 */
const ATTEMPT_NAME = /^\..+\.attempt-([A-Za-z0-9_-]+)$/;

export interface StageEvents {
  onStart?(kind: string, label: string, hash: string): void;
  onDone?(record: StageRecord<unknown>): void;
}

export class StageStore {
  constructor(
    /** Folder holding `<kind>/<label>-<hash>/` stage folders. */
    readonly root: string,
    private readonly events: StageEvents = {},
  ) {}

  dirOf(spec: Pick<StageSpec<unknown>, 'kind' | 'label' | 'config' | 'inputs'>): string {
    const safe = spec.label.replace(/[^A-Za-z0-9._-]/g, '_');
    return path.join(this.root, spec.kind, `${safe}-${stageHash(spec).slice(0, 16)}`);
  }

  /** The finished record of a stage, or null when it has not finished. */
  async finished<S>(
    spec: Pick<StageSpec<S>, 'kind' | 'label' | 'config' | 'inputs'>,
  ): Promise<StageRecord<S> | null> {
    const dir = this.dirOf(spec);
    const marker = path.join(dir, STAGE_MARKER);
    if (!existsSync(marker)) return null;
    const saved = JSON.parse(await readFile(marker, 'utf8')) as StageRecord<S>;
    if (saved.hash !== stageHash(spec)) return null;
    return { ...saved, dir, reused: true };
  }

  /** Run the stage unless it already finished; either way return its record. */
  async run<S>(
    spec: StageSpec<S>,
    options: {
      fresh?: boolean;
      codeVersion?: string;
      /**
       * Build in `.<stage folder>.attempt-<tag>` (a queue job attempt) instead of a
       * process-id temporary, and leave other temporaries alone: on a root shared by machines,
       * a process id that is dead here may be a live worker elsewhere. removeAttemptDebris
       * removes the folders of attempts known dead.
       */
      attempt?: string;
    } = {},
  ): Promise<StageRecord<S>> {
    const done = options.fresh ? null : await this.finished<S>(spec);
    if (done) {
      this.events.onDone?.(done);
      return done;
    }
    const hash = stageHash(spec);
    const dir = this.dirOf(spec);
    this.events.onStart?.(spec.kind, spec.label, hash);
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const build =
      options.attempt === undefined
        ? (fill: (tmp: string) => Promise<StageRecord<S>>) => buildDirAtomic(dir, fill, { force: true })
        : (fill: (tmp: string) => Promise<StageRecord<S>>) =>
            buildAttemptDir(dir, options.attempt as string, fill);
    const record = await build(async (tmp) => {
      const summary = await spec.run(tmp);
      const rec: StageRecord<S> = {
        kind: spec.kind,
        label: spec.label,
        hash,
        dir,
        config: spec.config,
        inputs: spec.inputs,
        summary,
        wallSeconds: (Date.now() - started) / 1000,
        startedAt,
        finishedAt: new Date().toISOString(),
        reused: false,
        ...(options.codeVersion !== undefined ? { codeVersion: options.codeVersion } : {}),
      };
      // The marker goes last: its presence means every other output is complete.
      await writeFileAtomic(path.join(tmp, STAGE_MARKER), `${JSON.stringify(rec, null, 2)}\n`);
      return rec;
    });
    this.events.onDone?.(record);
    return record;
  }

  /**
   * Remove the attempt folders (StageStore.run's `attempt`) whose attempt `isDead` says is
   * over; returns their paths relative to the root.
   */
  async removeAttemptDebris(isDead: (tag: string) => Promise<boolean>): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    const removed: string[] = [];
    for (const kind of await readdir(this.root, { withFileTypes: true })) {
      if (!kind.isDirectory()) continue;
      const kindDir = path.join(this.root, kind.name);
      for (const entry of await readdir(kindDir).catch(() => [] as string[])) {
        const m = ATTEMPT_NAME.exec(entry);
        if (!m || !(await isDead(m[1] as string))) continue;
        await rm(path.join(kindDir, entry), { recursive: true, force: true });
        removed.push(path.join(kind.name, entry));
      }
    }
    return removed;
  }

  /** Remove temporary folders a killed run left behind (call while holding the experiment lock). */
  async removeDebris(): Promise<number> {
    if (!existsSync(this.root)) return 0;
    let removed = 0;
    for (const kind of await readdir(this.root, { withFileTypes: true })) {
      if (!kind.isDirectory()) continue;
      const kindDir = path.join(this.root, kind.name);
      for (const entry of await readdir(kindDir)) {
        if (TEMP_NAME.test(entry)) {
          await rm(path.join(kindDir, entry), { recursive: true, force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}

/**
 * buildDirAtomic for a shared root: fill `.<dir>.attempt-<tag>`, then rename it onto `dir`.
 * Never replaces a finished stage (the rename fails when another attempt published first) and
 * never sweeps other folders.
 */
async function buildAttemptDir<T>(dir: string, tag: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.attempt-${tag}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const result = await fill(tmp);
    await rename(tmp, dir);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
