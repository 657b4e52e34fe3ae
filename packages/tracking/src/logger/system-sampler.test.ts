// The system-metrics sampler: GPU readings pass through as read, a machine whose GPU reader
// answers nothing is not asked again, and without /dev/nvidia0 nvidia-smi is never run.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type GpuReading, readNvidiaSmi, SystemSampler } from './system-sampler.js';

describe('SystemSampler', () => {
  it('records the GPU reading of every sample while the reader answers', async () => {
    const readings: GpuReading[] = [
      { utilPercent: 37, memBytes: 5 * 1024 * 1024 },
      { utilPercent: 0, memBytes: 0 },
    ];
    let calls = 0;
    const sampler = new SystemSampler(async () => readings[calls++] ?? null);
    const a = await sampler.sample();
    const b = await sampler.sample();
    expect([a.gpuUtilPercent, a.gpuMemBytes]).toEqual([37, 5 * 1024 * 1024]);
    // 0 % and 0 bytes are readings, not "no GPU".
    expect([b.gpuUtilPercent, b.gpuMemBytes]).toEqual([0, 0]);
    expect(calls).toBe(2);
    for (const s of [a, b]) {
      expect(s.rssBytes).toBeGreaterThan(0);
      expect(s.heapUsedBytes).toBeGreaterThan(0);
      expect(s.heapTotalBytes).toBeGreaterThanOrEqual(s.heapUsedBytes);
      expect(Number.isFinite(s.cpuPercent) && s.cpuPercent >= 0).toBe(true);
    }
  });

  it('stops asking once the reader finds no GPU, and reports null GPU fields', async () => {
    let calls = 0;
    const sampler = new SystemSampler(async () => {
      calls++;
      return null;
    });
    for (let i = 0; i < 3; i++) {
      const s = await sampler.sample();
      expect([s.gpuUtilPercent, s.gpuMemBytes]).toEqual([null, null]);
    }
    expect(calls).toBe(1);
  });

  it.skipIf(existsSync('/dev/nvidia0'))(
    'without /dev/nvidia0 reads no GPU (nvidia-smi is not run)',
    async () => {
      // A PATH without nvidia-smi would make a run fail the same way; the device check comes first.
      expect(await readNvidiaSmi()).toBeNull();
    },
  );
});
