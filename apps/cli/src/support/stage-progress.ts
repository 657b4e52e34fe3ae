// Stage progress off a terminal (CI, nohup, a pipe): a line when each stage starts, a
// 'still running (Ns)' line every interval while it runs (an RL stage takes many minutes and
// would otherwise print nothing between its start and end), and a line when it ends.
import type { ExperimentEvent } from '@glorank/experiment';

type StageEvent = Extract<ExperimentEvent, { type: 'stage' }>;

export function stageLine(e: StageEvent): string {
  const where = `[${String(e.index).padStart(String(e.total).length)}/${e.total}]`;
  const what = `${e.kind} ${e.label}`;
  if (e.status === 'reused')
    return `${where} ${what}: reused (finished earlier in ${e.wallSeconds?.toFixed(1)}s)`;
  if (e.status === 'done') return `${where} ${what}: done in ${e.wallSeconds?.toFixed(1)}s`;
  return `${where} ${what}: running`;
}

export interface StageLinePrinter {
  onStage(e: StageEvent): void;
  /** Stop every heartbeat (the run ended or failed). */
  stop(): void;
}

/** Lines for `write`; heartbeats every `intervalMs` (default a minute) inside running stages. */
export function stageLinePrinter(write: (line: string) => void, intervalMs = 60_000): StageLinePrinter {
  const running = new Map<string, NodeJS.Timeout>();
  const stopOne = (key: string) => {
    clearInterval(running.get(key));
    running.delete(key);
  };
  return {
    onStage(e) {
      const key = `${e.kind} ${e.label}`;
      if (e.status !== 'start') {
        stopOne(key);
        write(`${stageLine(e)}\n`);
        return;
      }
      const since = Date.now();
      write(`${stageLine(e)}\n`);
      const timer = setInterval(() => {
        const secs = Math.round((Date.now() - since) / 1000);
        write(`${stageLine(e).replace(/: running$/, '')}: still running (${secs}s)\n`);
      }, intervalMs);
      // A heartbeat never keeps the process alive on its own.
      timer.unref();
      running.set(key, timer);
    },
    stop() {
      for (const key of [...running.keys()]) stopOne(key);
    },
  };
}
