// Tracked runs of queued stages. The coordinator, not the worker, records them: it holds the
// experiment's tracking settings (a SQLite store on its own disk works as well as a shared
// PostgreSQL one, and no store credentials travel in job rows), it opens each (method, seed)
// run exactly as the local runner does and finishes or fails it when the chain ends, and a
// train and an eval stage of one run may run on two different workers. The worker only writes
// what the stage told its tracker (training curves, final metrics, artifacts) into the stage
// folder, published with the stage by the same rename; the coordinator replays that file into
// the run once the stage is finished. Curves therefore reach the run store when the stage
// ends, not while it trains (README: limits).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactKind } from '@glorank/tracking';
import type { RunTracker, TrackedRun } from '../tracker.js';

/** The record's file inside a stage folder. */
export const RUN_RECORD_FILE = 'tracked-run.jsonl';

type RecordLine =
  | { type: 'log'; step: number; metrics: Record<string, number> }
  | { type: 'info'; message: string }
  /** `file` relative to the stage root, so a machine mounting it elsewhere finds it. */
  | { type: 'artifact'; file: string; kind: ArtifactKind };

/**
 * A worker's tracker: buffers what the stage logs; `write(dir)` puts it in the stage's
 * temporary folder before the stage is published.
 */
export function recordingTracker(stageRoot: string): {
  tracker: RunTracker;
  write(dir: string): Promise<void>;
} {
  const lines: RecordLine[] = [];
  let opened = false;
  const run: TrackedRun = {
    logger: {
      log: (step, metrics) => lines.push({ type: 'log', step, metrics: { ...metrics } }),
      info: (message) => lines.push({ type: 'info', message }),
    },
    artifact: async (file, kind) => {
      const rel = path.relative(stageRoot, path.resolve(file));
      lines.push({ type: 'artifact', file: rel.startsWith('..') ? path.resolve(file) : rel, kind });
    },
    // The coordinator closes the run when its (method, seed) chain ends.
    finish: async () => undefined,
    fail: async () => undefined,
  };
  return {
    tracker: async () => {
      opened = true;
      return run;
    },
    write: async (dir) => {
      if (!opened) return;
      await writeFile(
        path.join(dir, RUN_RECORD_FILE),
        lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''),
      );
    },
  };
}

/** Replay a finished stage's record into the coordinator's run; false when the stage has none. */
export async function replayRunRecord(
  stageDir: string,
  stageRoot: string,
  run: TrackedRun,
): Promise<boolean> {
  const file = path.join(stageDir, RUN_RECORD_FILE);
  if (!existsSync(file)) return false;
  const text = await readFile(file, 'utf8');
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const line = JSON.parse(raw) as RecordLine;
    if (line.type === 'log') run.logger.log(line.step, line.metrics);
    else if (line.type === 'info') run.logger.info?.(line.message);
    else
      await run.artifact(path.isAbsolute(line.file) ? line.file : path.join(stageRoot, line.file), line.kind);
  }
  return true;
}
