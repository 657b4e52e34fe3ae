// Progress for long work: a live bar (done, rate, time left) on a TTY, and at most a
// line every few seconds elsewhere, so CI logs stay short.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Advance to `done` units (absolute), optionally with a short status text. */
  update(done: number, status?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Force quiet mode (e.g. when printing --json to stdout). */
  quiet?: boolean;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit ?? 'it';
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | eta {eta_formatted} {status}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    const start = Date.now();
    bar.start(options.total, 0, { rate: '0.0', status: '' });
    return {
      update(done, status = '') {
        const secs = (Date.now() - start) / 1000;
        bar.update(done, { rate: secs > 0 ? (done / secs).toFixed(1) : '0.0', status });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let lastLine = 0;
  const start = Date.now();
  return {
    update(done, status = '') {
      const now = Date.now();
      if (now - lastLine < 10_000 && done < options.total) return;
      lastLine = now;
      const secs = (now - start) / 1000;
      stream.write(
        `${options.label}: ${done}/${options.total} ${unit} (${(done / Math.max(secs, 1e-3)).toFixed(1)} ${unit}/s) ${status}\n`,
      );
    },
    stop() {},
  };
}

/**
 * One bar per stage of a task that reports (stage, done, total): a new stage stops the last
 * bar and starts its own, counted in `unitOf(stage)`; quiet prints nothing (e.g. with --json).
 */
export function stageProgress(
  quiet: boolean,
  unitOf: (stage: string) => string,
): { onProgress: (stage: string, done: number, total: number) => void; stop: () => void } {
  let stage = '';
  let bar: Progress | null = null;
  return {
    onProgress(next, done, total) {
      if (next !== stage) {
        bar?.stop();
        stage = next;
        bar = createProgress({ label: next, total: Math.max(total, done, 1), unit: unitOf(next), quiet });
      }
      bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
