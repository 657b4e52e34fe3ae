// Compute-backend selection, done once at start: tfjs-node-gpu, tfjs-node, wasm, then the
// pure-JS cpu backend. Everything above this file is backend-agnostic tfjs-core code.
import * as tf from '@tensorflow/tfjs-core';
import './register-gradients.js';
import { UserError } from '@glorank/data';
import { installWasmKernels, wasmKernelsInstalled, wasmThreads } from './wasm-kernels.js';
import { registerWasmSegmentSum } from './wasm-segment-sum.js';

/** Backends in the order `auto` tries them. */
export const BACKEND_ORDER = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];
export type BackendChoice = BackendName | 'auto';

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is not available (load error or failed initialisation). */
  reason?: string;
}

export interface BackendInfo {
  /** The backend in use. */
  name: BackendName;
  /** tfjs's own name for it ('tensorflow', 'wasm', 'cpu'). */
  tfName: string;
  /** Every backend tried before (and including) the chosen one. */
  probes: BackendProbe[];
  tfjsVersion: string;
  /** GloRank's own kernels registered on this backend (wasm: SIMD BatchMatMul, fused attention and layer norm). */
  kernels: string[];
  /**
   * Threads one kernel runs on: 1 on wasm (tfjs-wasm's threaded build needs a browser Worker,
   * tfjs issue #3830; gradients go multi-threaded through data-parallel workers instead,
   * SftConfig.workers / GrpoConfig.workers); null where the native library decides (tfjs-node).
   */
  kernelThreads: number | null;
}

const TF_NAMES: Record<BackendName, string> = {
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const NODE_PACKAGES: Partial<Record<BackendName, string>> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

export function isBackendChoice(s: string): s is BackendChoice {
  return s === 'auto' || (BACKEND_ORDER as readonly string[]).includes(s);
}

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

/**
 * Run `load` with tfjs's "kernel ... for backend 'tensorflow' is already registered" warnings
 * dropped: tfjs-node and tfjs-node-gpu both register that backend's ~160 kernels at import, so
 * where both packages are present (an optional install whose native library failed, as on
 * machines without libtensorflow) probing the second printed one line per kernel. Every
 * other warning passes through, and console.warn is restored afterwards.
 */
export async function withoutDuplicateKernelWarnings<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (
      typeof args[0] === 'string' &&
      /^The kernel '.*' for backend 'tensorflow' is already registered$/.test(args[0])
    )
      return;
    warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}

async function tryActivate(name: BackendName): Promise<BackendProbe> {
  try {
    const pkg = NODE_PACKAGES[name];
    if (pkg !== undefined) {
      // A variable specifier keeps bundlers and tsc from resolving an optional package.
      const spec: string = pkg;
      await withoutDuplicateKernelWarnings(() => import(spec));
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmSegmentSum();
      installWasmKernels();
    }
    const ok = await tf.setBackend(TF_NAMES[name]);
    if (!ok) return { name, available: false, reason: `tf.setBackend('${TF_NAMES[name]}') returned false` };
    await tf.ready();
    return { name, available: true };
  } catch (err) {
    return { name, available: false, reason: describe(err) };
  }
}

let active: BackendInfo | null = null;

/**
 * Choose and activate a backend. `auto` takes the first that loads; a named backend must
 * load or the call fails with a UserError naming what went wrong.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (!isBackendChoice(choice)) {
    throw new UserError(`unknown backend '${choice}', expected one of auto, ${BACKEND_ORDER.join(', ')}`, {
      field: 'backend',
    });
  }
  if (active !== null && (choice === 'auto' || choice === active.name) && tf.getBackend() === active.tfName) {
    return active;
  }
  const probes: BackendProbe[] = [];
  const order: readonly BackendName[] = choice === 'auto' ? BACKEND_ORDER : [choice];
  for (const name of order) {
    const probe = await tryActivate(name);
    probes.push(probe);
    if (probe.available) {
      active = {
        name,
        tfName: TF_NAMES[name],
        probes,
        tfjsVersion: tf.version_core,
        kernels: name === 'wasm' ? wasmKernelsInstalled() : [],
        kernelThreads: name === 'wasm' ? wasmThreads(tf.backend()) : name === 'cpu' ? 1 : null,
      };
      return active;
    }
  }
  const last = probes[probes.length - 1];
  throw new UserError(
    choice === 'auto'
      ? 'no tfjs backend could be loaded'
      : `backend '${choice}' is not available: ${last?.reason ?? 'unknown reason'}` +
          (NODE_PACKAGES[choice] ? ` (install the optional package ${NODE_PACKAGES[choice]})` : ''),
    { field: 'backend' },
  );
}

/** Probe every backend without keeping any but the one active at the end (for `doctor`). */
export async function probeBackends(): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of BACKEND_ORDER) out.push(await tryActivate(name));
  return out;
}

/** The active backend, or null before selectBackend ran. */
export function activeBackend(): BackendInfo | null {
  return active;
}
