// Real processes against one store: eight concurrent writers lose nothing, and a writer
// killed with SIGKILL keeps every flushed point and is reported crashed. Children import
// the built package (turbo builds it before tests).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeEachBackend, type StoreTarget } from '../test-support/store-backends.js';
import type { RunStore } from '../types.js';

const CHILD = fileURLToPath(new URL('../test-support/log-child.mjs', import.meta.url));

interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startChild(target: StoreTarget, config: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      GLORANK_CHILD: JSON.stringify({ location: target.location, schema: target.schema, ...config }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        const m = line.match(w.re);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
      nl = buffer.indexOf('\n');
    }
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    proc,
    lines,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      for (const line of lines) {
        const m = line.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child did not print ${re} within ${timeoutMs} ms; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          re,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        void exited.then((e) =>
          reject(new Error(`child exited (${e.code ?? e.signal}) before printing ${re}: ${e.stderr}`)),
        );
      });
    },
  };
}

describeEachBackend('multi-process logging', (ctx) => {
  const store = (): RunStore => ctx.store();

  it('eight processes log 10,000 points each at once and every point is stored', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-go-'));
    const goFile = path.join(dir, 'go');
    const children = 8;
    const steps = 5000; // two keys per step: 10,000 points per process
    try {
      const procs = Array.from({ length: children }, (_, child) =>
        startChild(ctx.target(), { mode: 'fixed', child, steps, flushPoints: 200, goFile }),
      );
      const runIds = await Promise.all(procs.map(async (p) => Number((await p.waitFor(/^ready (\d+)$/))[1])));
      writeFileSync(goFile, '');
      const exits = await Promise.all(procs.map((p) => p.exited));
      for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0 });

      const page = await store().listRuns({ filter: { experiment: 'multi-process' }, limit: 100 });
      expect(page.total).toBe(children);
      for (let child = 0; child < children; child++) {
        const runId = runIds[child] ?? 0;
        const run = page.runs.find((r) => r.id === runId);
        expect(run?.status).toBe('finished');
        expect(run?.params).toEqual({ child: String(child) });
        for (const [key, valueAt] of [
          ['a', (s: number) => child * 1e6 + s],
          ['b', (s: number) => 0.5 - (child * 1e6 + s)],
        ] as const) {
          expect(run?.metrics[key]).toMatchObject({ count: steps, minStep: 0, maxStep: steps - 1 });
          const full = await store().getSeries(runId, key, { maxPoints: steps });
          expect(full.downsampled).toBe(false);
          expect(full.steps).toEqual(Array.from({ length: steps }, (_, s) => s));
          expect(full.values).toEqual(full.steps.map(valueAt));
        }
        const logs = await store().tailLogs(runId);
        expect(logs.lines.map((l) => l.message)).toEqual([`child ${child} logged ${steps} steps`]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a logger killed with SIGKILL keeps every flushed point and is reported crashed', async () => {
    const child = startChild(ctx.target(), {
      mode: 'forever',
      child: 0,
      flushPoints: 64,
      heartbeatIntervalMs: 100,
      // Far beyond any stall of a loaded machine: while the child lives its run must read as
      // running; the crash is then read on a store whose clock the test sets past the deadline.
      heartbeatTimeoutMs: 600_000,
    });
    const runId = Number((await child.waitFor(/^ready (\d+)$/))[1]);
    await child.waitFor(/^flushed (\d{4,})$/);
    expect((await store().getRun(runId))?.status).toBe('running');
    child.proc.kill('SIGKILL');
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    // The last acknowledgement the child printed before it died.
    const flushed = Math.max(...child.lines.map((l) => Number(l.match(/^flushed (\d+)$/)?.[1] ?? 0)));
    expect(flushed).toBeGreaterThanOrEqual(1000);

    const last = await store().getRun(runId);
    expect(last?.status).toBe('running');
    const lastBeat = last?.heartbeatAt ?? 0;
    // One ms past the dead child's deadline (nothing can heartbeat any more: it has exited).
    const later = await ctx.target().openWithClock(() => Math.ceil(lastBeat) + 600_001);
    const run = await later.getRun(runId).finally(() => later.close());
    expect(run?.status).toBe('crashed');
    expect(run?.endedAt).toBe(lastBeat);
    expect(run?.endedAt).toBe(run?.heartbeatAt);
    const series = await store().getSeries(runId, 'loss', { maxPoints: 1_000_000 });
    // Every acknowledged point is there (a few more may have landed after the last line).
    expect(series.totalPoints).toBeGreaterThanOrEqual(flushed);
    expect(series.steps.slice(0, flushed)).toEqual(Array.from({ length: flushed }, (_, s) => s));
    for (let s = 0; s < series.steps.length; s++) {
      expect(series.steps[s]).toBe(s);
      expect(series.values[s]).toBe(1 / (s + 1));
    }
  });
});
