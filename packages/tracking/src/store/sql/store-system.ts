// The SQL store's system-metrics area.
import type { SystemMetricsOptions, SystemSample, SystemSampleInput } from '../../types.js';
import { checkId, DEFAULT_MAX_POINTS, type SqlStoreCore } from './store-core.js';

/** System samples (CPU, memory, GPU): append, read averaged down to maxPoints. */
export class SqlSystemMetrics {
  constructor(private readonly core: SqlStoreCore) {}

  async logSystemMetrics(runId: number, samples: readonly SystemSampleInput[]): Promise<void> {
    if (samples.length === 0) return;
    const now = Date.now();
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, runId);
      await tx.bulkInsert(
        'system_metrics',
        [
          { name: 'run_id', type: 'int' },
          { name: 'time', type: 'float' },
          { name: 'cpu_percent', type: 'float' },
          { name: 'rss_bytes', type: 'int' },
          { name: 'heap_used_bytes', type: 'int' },
          { name: 'heap_total_bytes', type: 'int' },
          { name: 'gpu_util_percent', type: 'float' },
          { name: 'gpu_mem_bytes', type: 'int' },
        ],
        samples.map((s) => [
          runId,
          s.time ?? now,
          s.cpuPercent,
          Math.round(s.rssBytes),
          Math.round(s.heapUsedBytes),
          Math.round(s.heapTotalBytes),
          s.gpuUtilPercent ?? null,
          s.gpuMemBytes === undefined || s.gpuMemBytes === null ? null : Math.round(s.gpuMemBytes),
        ]),
      );
    });
  }

  async getSystemMetrics(runId: number, options: SystemMetricsOptions = {}): Promise<SystemSample[]> {
    checkId(runId, 'run');
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    const rows = await this.core.db.all<{
      time: number;
      cpu_percent: number;
      rss_bytes: number;
      heap_used_bytes: number;
      heap_total_bytes: number;
      gpu_util_percent: number | null;
      gpu_mem_bytes: number | null;
    }>('SELECT * FROM system_metrics WHERE run_id = ? ORDER BY time', [runId]);
    const samples = rows.map((r) => ({
      time: r.time,
      cpuPercent: r.cpu_percent,
      rssBytes: r.rss_bytes,
      heapUsedBytes: r.heap_used_bytes,
      heapTotalBytes: r.heap_total_bytes,
      gpuUtilPercent: r.gpu_util_percent,
      gpuMemBytes: r.gpu_mem_bytes,
    }));
    if (samples.length <= maxPoints) return samples;
    // Samples are few per run (one every few seconds); averaging consecutive groups suffices.
    const group = Math.ceil(samples.length / maxPoints);
    const out: SystemSample[] = [];
    for (let i = 0; i < samples.length; i += group) {
      const chunk = samples.slice(i, i + group);
      const mean = (f: (s: SystemSample) => number) => chunk.reduce((a, s) => a + f(s), 0) / chunk.length;
      const meanOrNull = (f: (s: SystemSample) => number | null) => {
        const vals = chunk.map(f).filter((v): v is number => v !== null);
        return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0) / vals.length;
      };
      out.push({
        time: mean((s) => s.time),
        cpuPercent: mean((s) => s.cpuPercent),
        rssBytes: Math.max(...chunk.map((s) => s.rssBytes)),
        heapUsedBytes: Math.max(...chunk.map((s) => s.heapUsedBytes)),
        heapTotalBytes: Math.max(...chunk.map((s) => s.heapTotalBytes)),
        gpuUtilPercent: meanOrNull((s) => s.gpuUtilPercent),
        gpuMemBytes: meanOrNull((s) => s.gpuMemBytes),
      });
    }
    return out;
  }
}
