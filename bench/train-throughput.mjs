// GloRank training throughput: requests/s of SFT steps and of RL rounds (GRPO: sample G
// slates per request under the trie, score, inner policy epochs) at two model sizes, on the
// backend chosen at start. When a python3 that can import torch is on the machine (Debian:
// apt-get install python3-torch), the same network written in PyTorch
// (bench/peers/glorank_torch.py) runs in the same invocation on the same shapes, and the
// ratios are printed.
//
//   node bench/train-throughput.mjs [--size both|demo|paper] [--workers 1] [--profile] [--no-peer]
//        [--backend auto|wasm|cpu|node] [--python /usr/bin/python3] and, overriding the size's preset: [--batch 64]
//        [--sft-steps 32] [--rl-batch 16] [--group 8] [--rl-steps 8] [--inner 2] [--dim 32]
//        [--heads 2] [--layers 1] [--candidates 50] [--history 20] [--slate 6] [--levels 3]
//        [--codebook 64] [--items 2000]
// Sizes: demo = the demo's network (dim 32, 2 heads, 1+1 layers, history 20); paper = a
// paper-like one (dim 128, 4 heads, 2+2 layers, history 50; fewer timed steps).
// --workers N computes each gradient on N threads (the main thread and N - 1 worker threads,
// data-parallel over the batch; SftConfig.workers / GrpoConfig.workers); the timed runs
// include starting the workers (about 0.5 s).
// --profile also runs one SFT step and one RL round of each size under tf.profile and prints
// the kernels by total time (calls, ms, share), and the time outside kernels.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { itemCodes, Rng } from '@glorank/data';
import {
  DEFAULT_GRPO_CONFIG,
  DEFAULT_MODEL_CONFIG,
  DEFAULT_SFT_CONFIG,
  frozenCopy,
  GloRankModel,
  ParamStore,
  selectBackend,
  silentLogger,
  trainGrpo,
  trainSft,
} from '@glorank/model';

const SHAPE_FLAGS = [
  'batch',
  'sft-steps',
  'rl-batch',
  'group',
  'rl-steps',
  'inner',
  'dim',
  'heads',
  'layers',
  'candidates',
  'history',
  'slate',
  'levels',
  'codebook',
  'items',
];
const { values: flags } = parseArgs({
  options: {
    ...Object.fromEntries(SHAPE_FLAGS.map((name) => [name, { type: 'string' }])),
    size: { type: 'string', default: 'both' },
    backend: { type: 'string', default: 'wasm' },
    workers: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
    python: { type: 'string' },
  },
});
const fail = (msg) => {
  process.stderr.write(`bench/train-throughput: ${msg}\n`);
  process.exit(2);
};
const int = (name, value) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got '${value}'`);
  return n;
};
const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const PRESETS = {
  demo: {
    batch: 64,
    sftSteps: 32,
    rlBatch: 16,
    group: 8,
    rlSteps: 8,
    inner: 2,
    dim: 32,
    heads: 2,
    layers: 1,
    candidates: 50,
    history: 20,
    slate: 6,
    levels: 3,
    codebook: 64,
    items: 2000,
  },
  paper: {
    batch: 64,
    sftSteps: 12,
    rlBatch: 16,
    group: 8,
    rlSteps: 3,
    inner: 2,
    dim: 128,
    heads: 4,
    layers: 2,
    candidates: 50,
    history: 50,
    slate: 6,
    levels: 3,
    codebook: 64,
    items: 2000,
  },
};
const sizes = flags.size === 'both' ? ['demo', 'paper'] : [flags.size];
for (const size of sizes)
  if (!(size in PRESETS)) fail(`--size must be both, demo or paper, got '${flags.size}'`);
const overrides = Object.fromEntries(
  SHAPE_FLAGS.filter((name) => flags[name] !== undefined).map((name) => [
    camel(name),
    int(name, flags[name]),
  ]),
);
const workers = int('workers', flags.workers);

const backend = await selectBackend(flags.backend);
const tf = await import('@tensorflow/tfjs-core');

// Kernel time per kernel name from a tf.profile run, and the wall time around it.
async function profileKernels(label, f) {
  const t0 = performance.now();
  const info = await tf.profile(f);
  const wall = performance.now() - t0;
  const byName = new Map();
  let kernelMs = 0;
  for (const k of info.kernels) {
    // tf.customGrad's wrapper is recorded too ('forward', 'unnamed scope'); its time is that
    // of the kernels inside it, which are counted themselves.
    if (k.name === 'forward' || k.name === 'unnamed scope') continue;
    const ms = await k.kernelTimeMs;
    const e = byName.get(k.name) ?? { calls: 0, ms: 0, shapes: new Map() };
    e.calls += 1;
    e.ms += typeof ms === 'number' ? ms : 0;
    const sig = k.inputShapes.map((sh) => `[${sh}]`).join(' ');
    e.shapes.set(sig, (e.shapes.get(sig) ?? 0) + (typeof ms === 'number' ? ms : 0));
    byName.set(k.name, e);
    kernelMs += typeof ms === 'number' ? ms : 0;
  }
  console.log(
    `    profile ${label}: ${[...byName.values()].reduce((n, e) => n + e.calls, 0)} kernels, ${kernelMs.toFixed(1)} ms in kernels, ${(wall - kernelMs).toFixed(1)} ms outside them (wall ${wall.toFixed(1)} ms, profiling included)`,
  );
  const rows = [...byName].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12);
  for (const [name, e] of rows) {
    console.log(
      `      ${name.padEnd(22)} ${String(e.calls).padStart(5)} calls ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / Math.max(kernelMs, 1e-9)).toFixed(1).padStart(5)}%`,
    );
    // The input shapes that took longest, so the next bottleneck has an address.
    const top = [...e.shapes].sort((x, y) => y[1] - x[1]).slice(0, 2);
    console.log(`        slowest inputs: ${top.map(([sig, ms]) => `${sig} ${ms.toFixed(1)} ms`).join('; ')}`);
  }
}

async function runSize(size) {
  const S = { ...PRESETS[size], ...overrides };
  const rng = new Rng(7);
  // Random requests of the stated shape: distinct candidates, history outside them, a logged slate.
  function makeRequests(n) {
    return Array.from({ length: n }, (_, id) => {
      const pool = rng.shuffle(Array.from({ length: S.items }, (_, i) => i));
      const candidates = Int32Array.from(pool.slice(0, S.candidates));
      // The logged slate shows the first S.slate candidates; ~30% of them clicked, at least one.
      const exposed = Int32Array.from({ length: S.slate }, (_, i) => i);
      const labels = Float32Array.from(candidates, (_, k) => (k < S.slate && rng.next() < 0.3 ? 1 : 0));
      labels[0] = 1;
      return {
        id,
        user: 0,
        split: 'train',
        coldStart: false,
        ts: 0,
        history: Int32Array.from(pool.slice(S.candidates, S.candidates + S.history)),
        candidates,
        exposed,
        labels,
        initialScores: Float32Array.from(candidates, () => rng.normal()),
      };
    });
  }
  const codes = itemCodes(
    Int32Array.from({ length: S.items * S.levels }, () => rng.int(S.codebook)),
    S.levels,
  );
  const modelConfig = {
    ...DEFAULT_MODEL_CONFIG,
    dim: S.dim,
    heads: S.heads,
    hidden: 2 * S.dim,
    encoderLayers: S.layers,
    decoderLayers: S.layers,
    historyLength: S.history,
    slateSize: S.slate,
    maxCandidates: S.candidates,
  };
  const model = new GloRankModel(new ParamStore(rng.fork('init')), codes, modelConfig);
  const sftConfig = { ...DEFAULT_SFT_CONFIG, epochs: 1, batchSize: S.batch, workers };

  // Warm-up (kernel setup, wasm heap growth), then timed steps.
  await trainSft({
    model,
    requests: makeRequests(2 * S.batch),
    config: sftConfig,
    seed: 1,
    logger: silentLogger,
  });
  const sftRequests = makeRequests(S.sftSteps * S.batch);
  let t0 = performance.now();
  await trainSft({ model, requests: sftRequests, config: sftConfig, seed: 2, logger: silentLogger });
  const sftSeconds = (performance.now() - t0) / 1000;
  const sftRate = sftRequests.length / sftSeconds;

  // Reward: a cheap deterministic function of the slate, so the timing is the policy's.
  const reward = (rs, slates) =>
    Float64Array.from(rs, (r, i) => {
      let s = 0;
      for (const item of slates[i]) s += r.initialScores[r.candidates.indexOf(item)];
      return s;
    });
  const rlConfig = {
    ...DEFAULT_GRPO_CONFIG,
    batchSize: S.rlBatch,
    group: S.group,
    innerEpochs: S.inner,
    checkpointEvery: 0,
    workers,
  };
  const reference = frozenCopy(model);
  await trainGrpo({
    policy: model,
    reference,
    reward,
    requests: makeRequests(S.rlBatch),
    config: { ...rlConfig, steps: 1 },
    seed: 1,
    logger: silentLogger,
  });
  const rlRequests = makeRequests(S.rlSteps * S.rlBatch);
  t0 = performance.now();
  await trainGrpo({
    policy: model,
    reference,
    reward,
    requests: rlRequests,
    config: { ...rlConfig, steps: S.rlSteps },
    seed: 2,
    logger: silentLogger,
  });
  const rlSeconds = (performance.now() - t0) / 1000;
  const rlRate = rlRequests.length / rlSeconds;

  const params = model.store.size();
  const shape = `dim ${S.dim}, ${S.heads} heads, ${S.layers}+${S.layers} layers, ${params} parameters; ${S.candidates} candidates, history ${S.history}, slate ${S.slate} x ${S.levels} levels (codebook ${S.codebook})`;
  console.log(
    `GloRank training throughput, ${size} size (${shape}; gradients on ${workers} thread${workers > 1 ? 's' : ''})`,
  );
  console.log(
    `  tfjs-${backend.name}: SFT  ${sftRate.toFixed(1)} requests/s (batch ${S.batch}, ${S.sftSteps} steps, ${sftSeconds.toFixed(2)}s)`,
  );
  console.log(
    `  tfjs-${backend.name}: RL   ${rlRate.toFixed(2)} requests/s (batch ${S.rlBatch} x group ${S.group}, ${S.inner} inner epochs, ${S.rlSteps} rounds, ${rlSeconds.toFixed(2)}s)`,
  );

  if (!flags['no-peer']) {
    const peer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers', 'glorank_torch.py');
    // pyenv or a venv may shadow the system python that has Debian's python3-torch: the
    // system one is tried first (then python3 on PATH), or --python names the interpreter.
    const candidates = flags.python !== undefined ? [flags.python] : ['/usr/bin/python3', 'python3'];
    const python = candidates.find(
      (p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
    );
    if (python === undefined) {
      console.log(
        `  PyTorch peer: skipped (${candidates.join(' or ')} cannot import torch; apt-get install python3-torch, or --python)`,
      );
    } else {
      const args = Object.entries(S).flatMap(([k, v]) => [
        `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        String(v),
      ]);
      // PyTorch at one thread and, when we use more, at as many threads as our gradient
      // threads; the ratio is against the faster (on 2 cores, torch's second thread can slow it).
      const runs = [...new Set([1, workers])].map((threads) => {
        const out = JSON.parse(
          execFileSync(python, [peer, ...args, '--threads', String(threads)], { encoding: 'utf8' }),
        );
        console.log(
          `  PyTorch ${out.torch} (${out.threads} thread${out.threads > 1 ? 's' : ''}): SFT ${out.sft.toFixed(1)} requests/s, RL ${out.rl.toFixed(2)} requests/s, ${out.params} parameters`,
        );
        return out;
      });
      const best = (key) => Math.max(...runs.map((o) => o[key]));
      console.log(
        `  ratio tfjs/PyTorch (its faster thread count): SFT ${(sftRate / best('sft')).toFixed(2)}x, RL ${(rlRate / best('rl')).toFixed(2)}x (above 1: tfjs faster)`,
      );
    }
  }

  if (flags.profile) {
    await profileKernels('one SFT step', () =>
      trainSft({
        model,
        requests: makeRequests(S.batch),
        config: { ...sftConfig, workers: 1 },
        seed: 3,
        logger: silentLogger,
      }),
    );
    await profileKernels('one RL round', () =>
      trainGrpo({
        policy: model,
        reference,
        reward,
        requests: makeRequests(S.rlBatch),
        config: { ...rlConfig, steps: 1, workers: 1 },
        seed: 3,
        logger: silentLogger,
      }),
    );
  }
}

for (const size of sizes) await runSize(size);
