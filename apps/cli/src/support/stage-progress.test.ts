// Off a terminal, `experiment run` must show progress inside a long stage (issue 13): a start
// line, one 'still running' line per interval with the elapsed seconds, and nothing after the
// stage ends. Fake timers stand in for the minutes a real RL stage takes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stageLinePrinter } from './stage-progress.js';

const ev = (status: 'start' | 'done' | 'reused', wallSeconds?: number) => ({
  type: 'stage' as const,
  status,
  kind: 'train',
  label: 'glorank-rl-seed1',
  index: 7,
  total: 12,
  ...(wallSeconds !== undefined ? { wallSeconds } : {}),
});

describe('stageLinePrinter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints a start line, a heartbeat every interval inside the stage, and stops at its end', () => {
    const lines: string[] = [];
    const printer = stageLinePrinter((l) => lines.push(l), 60_000);
    printer.onStage(ev('start'));
    expect(lines).toEqual(['[ 7/12] train glorank-rl-seed1: running\n']);
    vi.advanceTimersByTime(59_000);
    expect(lines.length).toBe(1);
    vi.advanceTimersByTime(1_000 + 120_000);
    expect(lines.slice(1)).toEqual([
      '[ 7/12] train glorank-rl-seed1: still running (60s)\n',
      '[ 7/12] train glorank-rl-seed1: still running (120s)\n',
      '[ 7/12] train glorank-rl-seed1: still running (180s)\n',
    ]);
    printer.onStage(ev('done', 185.25));
    expect(lines.at(-1)).toBe('[ 7/12] train glorank-rl-seed1: done in 185.3s\n');
    vi.advanceTimersByTime(600_000);
    expect(lines.length).toBe(5);
  });

  it('prints reused stages once and stop() silences a stage that never ended', () => {
    const lines: string[] = [];
    const printer = stageLinePrinter((l) => lines.push(l), 1_000);
    printer.onStage(ev('reused', 12));
    expect(lines).toEqual(['[ 7/12] train glorank-rl-seed1: reused (finished earlier in 12.0s)\n']);
    printer.onStage(ev('start'));
    vi.advanceTimersByTime(2_500);
    expect(lines.length).toBe(4);
    printer.stop();
    vi.advanceTimersByTime(10_000);
    expect(lines.length).toBe(4);
  });
});
