// Samples this process's CPU and memory (and the GPU through nvidia-smi when one is
// visible) for the run's system-metrics panel.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { SystemSampleInput } from '../types.js';

export interface GpuReading {
  utilPercent: number;
  memBytes: number;
}

/**
 * The first GPU's reading from the output of `nvidia-smi --query-gpu=utilization.gpu,memory.used
 * --format=csv,noheader,nounits`: one line per GPU, "<util %>, <used MiB>" (e.g. "37, 5120").
 * null when the first line is not two numbers (empty output, "[N/A]" on GPUs that do not
 * report a field, "[Not Supported]").
 */
export function parseNvidiaSmi(stdout: string): GpuReading | null {
  const first = stdout.split(/\r?\n/).find((line) => line.trim() !== '');
  if (first === undefined) return null;
  const fields = first.split(',').map((s) => s.trim());
  if (fields.length !== 2 || fields.some((f) => !/^\d+(\.\d+)?$/.test(f))) return null;
  const [util, memMiB] = fields.map(Number) as [number, number];
  return { utilPercent: util, memBytes: memMiB * 1024 * 1024 };
}

/**
 * First GPU's utilisation and memory from nvidia-smi; null when there is none or it fails.
 * `device` and `command` are what a machine with an NVIDIA GPU has (tests point them elsewhere).
 */
export function readNvidiaSmi(
  timeoutMs = 2000,
  device = '/dev/nvidia0',
  command = 'nvidia-smi',
): Promise<GpuReading | null> {
  if (!existsSync(device)) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(
      command,
      ['--query-gpu=utilization.gpu,memory.used', '--format=csv,noheader,nounits', '--id=0'],
      { timeout: timeoutMs },
      (err, stdout) => resolve(err ? null : parseNvidiaSmi(stdout)),
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
