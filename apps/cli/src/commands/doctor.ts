// `glorank doctor`: what this machine offers glorank (Node, backends, GPU, versions, paths).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { redactLocation, storagePaths } from '@glorank/tracking';
import type { Command } from 'commander';
import { CLI_VERSION } from '../support/version.js';

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  memoryGiB: number;
  backends: { name: string; available: boolean; reason?: string }[];
  chosenBackend: string;
  /** GloRank's own kernels on the chosen backend, and the threads one kernel runs on (null: the native library decides). */
  kernels: string[];
  kernelThreads: number | null;
  gpu: { visible: boolean; devices: string[] };
  packages: Record<string, string | null>;
  storage: ReturnType<typeof storagePaths>;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string | null {
  try {
    const entry = require.resolve(name);
    let dir = entry;
    // Walk up to the package's own package.json.
    for (let i = 0; i < 6; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      const file = `${dir}/package.json`;
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? null;
      }
    }
    return null;
  } catch {
    return null;
  }
}

function gpuDevices(): string[] {
  const devices: string[] = [];
  for (let i = 0; i < 16; i++) if (existsSync(`/dev/nvidia${i}`)) devices.push(`/dev/nvidia${i}`);
  return devices;
}

export async function doctorReport(): Promise<DoctorReport> {
  // Loaded here, not at the top: @glorank/model brings in TensorFlow.js, which every other
  // command (and `--help`) would pay for at start-up.
  const { probeBackends, selectBackend } = await import('@glorank/model');
  const probes = await probeBackends();
  const chosen = await selectBackend('auto');
  const devices = gpuDevices();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    backends: probes.map((p) => (p.reason ? { ...p, reason: p.reason } : p)),
    chosenBackend: chosen.name,
    kernels: chosen.kernels,
    kernelThreads: chosen.kernelThreads,
    gpu: { visible: devices.length > 0, devices },
    packages: {
      glorank: CLI_VERSION,
      '@tensorflow/tfjs-core': packageVersion('@tensorflow/tfjs-core'),
      '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
      '@tensorflow/tfjs-node': packageVersion('@tensorflow/tfjs-node'),
      '@tensorflow/tfjs-node-gpu': packageVersion('@tensorflow/tfjs-node-gpu'),
      'apache-arrow': packageVersion('apache-arrow'),
    },
    storage: { ...storagePaths(), database: redactLocation(storagePaths().database) },
  };
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Node, compute backends, GPU visibility, package versions and storage paths')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  $ glorank doctor\n  $ glorank doctor --json | jq .chosenBackend')
    .action(async (opts: { json?: boolean }) => {
      const r = await doctorReport();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const lines = [
        `node        ${r.node} (${r.platform}, ${r.cpus} cpus, ${r.memoryGiB} GiB)`,
        `backend     ${r.chosenBackend}`,
        ...r.backends.map(
          (b) => `  ${b.available ? 'ok ' : 'no '} ${b.name}${b.reason ? `  (${b.reason})` : ''}`,
        ),
        `kernels     ${r.kernels.length > 0 ? r.kernels.join(', ') : 'tfjs only'}`,
        `threads     ${r.kernelThreads === null ? 'chosen by the native library' : `${r.kernelThreads} per kernel`}; --workers N runs GloRank's gradients and RL sampling on N threads (data-parallel; ${os.availableParallelism()} here)`,
        `gpu         ${r.gpu.visible ? r.gpu.devices.join(', ') : 'none visible'}`,
        ...Object.entries(r.packages).map(([k, v]) => `  ${k.padEnd(30)} ${v ?? 'not installed'}`),
        `runs        ${r.storage.runsDir}`,
        `datasets    ${r.storage.datasetsDir}`,
        `database    ${r.storage.database}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
