import { describe, expect, it } from 'vitest';
import { runCli as cli } from './test-support/run-cli.js';

describe('glorank CLI', () => {
  it('lists every command in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/doctor/);
    expect(r.stdout).toMatch(/Examples:/);
  });

  it('fails on an unknown flag with one line and exit code 2', async () => {
    const r = await cli(['doctor', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('fails on an unknown command with exit code 2', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('doctor --json names the chosen backend (wasm without libtensorflow)', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      chosenBackend: string;
      backends: { name: string; available: boolean }[];
    };
    const available = report.backends.filter((b) => b.available).map((b) => b.name);
    expect(available).toContain('cpu');
    expect(available).toContain('wasm');
    // The chosen backend is the first available one in the documented order.
    expect(report.chosenBackend).toBe(available[0]);
  });

  it('doctor --json names the kernels and threads on wasm', async () => {
    const r = await cli(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as {
      chosenBackend: string;
      kernels: string[];
      kernelThreads: number | null;
    };
    if (report.chosenBackend !== 'wasm') return; // tfjs-node machines report the native library's kernels
    expect(report.kernels).toEqual(
      expect.arrayContaining(['BatchMatMul (SIMD)', 'GlorankAttention', 'GlorankLayerNorm']),
    );
    expect(report.kernelThreads).toBe(1);
  });
});
