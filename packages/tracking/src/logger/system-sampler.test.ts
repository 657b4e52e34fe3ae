// The system-metrics sampler: GPU readings pass through as read, a machine whose GPU reader
// answers nothing is not asked again, and without /dev/nvidia0 nvidia-smi is never run;
// nvidia-smi's output parsed, and the command it is run with.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuReading, parseNvidiaSmi, readNvidiaSmi, SystemSampler } from './system-sampler.js';

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

// nvidia-smi's CSV query output (`--format=csv,noheader,nounits`), written by hand in the
// documented format: one line per GPU, "<utilization.gpu>, <memory.used in MiB>".
describe('parseNvidiaSmi', () => {
  it('reads the first GPU of the query output', () => {
    expect(parseNvidiaSmi('37, 5120\n')).toEqual({ utilPercent: 37, memBytes: 5120 * 1024 * 1024 });
    expect(parseNvidiaSmi('0, 0')).toEqual({ utilPercent: 0, memBytes: 0 });
    // Two GPUs (no --id): the first line only.
    expect(parseNvidiaSmi('100, 143771\r\n12, 1\r\n')).toEqual({
      utilPercent: 100,
      memBytes: 143771 * 1024 * 1024,
    });
    expect(parseNvidiaSmi('\n  5 ,  17  \n')).toEqual({ utilPercent: 5, memBytes: 17 * 1024 * 1024 });
  });

  it.each([
    ['empty output', ''],
    ['a field the GPU does not report', '[N/A], 5120'],
    ['not supported', '[Not Supported], [Not Supported]'],
    ['one field', '37'],
    ['three fields', '37, 5120, 80'],
    ['units left in', '37 %, 5120 MiB'],
    ['a negative', '-1, 5120'],
  ])('%s is no reading', (_what, stdout) => {
    expect(parseNvidiaSmi(stdout)).toBeNull();
  });
});

describe('readNvidiaSmi', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-smi-'));
    await writeFile(path.join(dir, 'nvidia0'), '');
    // A stand-in nvidia-smi that records its arguments and prints one GPU's line.
    await writeFile(path.join(dir, 'nvidia-smi'), `#!/bin/sh\necho "$@" > "${dir}/args"\necho "42, 2048"\n`);
    await chmod(path.join(dir, 'nvidia-smi'), 0o755);
    await writeFile(path.join(dir, 'failing-smi'), '#!/bin/sh\necho "NVIDIA-SMI has failed" >&2\nexit 9\n');
    await chmod(path.join(dir, 'failing-smi'), 0o755);
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('asks for the first GPU in CSV without header or units, and parses its answer', async () => {
    const reading = await readNvidiaSmi(5000, path.join(dir, 'nvidia0'), path.join(dir, 'nvidia-smi'));
    expect(reading).toEqual({ utilPercent: 42, memBytes: 2048 * 1024 * 1024 });
    expect((await readFile(path.join(dir, 'args'), 'utf8')).trim()).toBe(
      '--query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits --id=0',
    );
  });

  it('is null when nvidia-smi fails or the device is absent', async () => {
    expect(await readNvidiaSmi(5000, path.join(dir, 'nvidia0'), path.join(dir, 'failing-smi'))).toBeNull();
    expect(await readNvidiaSmi(5000, path.join(dir, 'nvidia0'), path.join(dir, 'missing-smi'))).toBeNull();
    expect(await readNvidiaSmi(5000, path.join(dir, 'no-device'), path.join(dir, 'nvidia-smi'))).toBeNull();
  });
});
