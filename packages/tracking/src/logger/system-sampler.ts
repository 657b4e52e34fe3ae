// Samples this process's CPU and memory (and the GPU through nvidia-smi when one is
// visible) for the run's system-metrics panel.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SystemSampleInput } from '../types.js';

export interface GpuReading {
  utilPercent: number;
  memBytes: number;
}

/** First GPU's utilisation and memory from nvidia-smi; null when there is none or it fails. */
export function readNvidiaSmi(timeoutMs = 2000): Promise<GpuReading | null> {
  if (!existsSync('/dev/nvidia0')) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=utilization.gpu,memory.used', '--format=csv,noheader,nounits', '--id=0'],
      { timeout: timeoutMs },
      (err, stdout) => {
        if (err) return resolve(null);
        const [util, memMiB] = stdout
          .trim()
          .split(',')
          .map((s) => Number(s.trim()));
        if (
          util === undefined ||
          memMiB === undefined ||
          !Number.isFinite(util) ||
          !Number.isFinite(memMiB)
        ) {
          return resolve(null);
        }
        resolve({ utilPercent: util, memBytes: memMiB * 1024 * 1024 });
      },
    );
  });
}

export class SystemSampler {
  private lastCpu = process.cpuUsage();
  private lastTime = process.hrtime.bigint();
  private gpuAvailable = true;

  constructor(private readonly readGpu: () => Promise<GpuReading | null> = readNvidiaSmi) {}

  async sample(): Promise<SystemSampleInput> {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedUs = Number(now - this.lastTime) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastTime = now;
    const mem = process.memoryUsage();
    // A machine without a usable nvidia-smi is not asked again every sample.
    const gpu = this.gpuAvailable ? await this.readGpu() : null;
    if (!gpu) this.gpuAvailable = false;
    return {
      time: Date.now(),
      cpuPercent: elapsedUs > 0 ? ((cpu.user + cpu.system) / elapsedUs) * 100 : 0,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      gpuUtilPercent: gpu?.utilPercent ?? null,
      gpuMemBytes: gpu?.memBytes ?? null,
    };
  }
}
