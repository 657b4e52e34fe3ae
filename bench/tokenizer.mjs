// Tokenizer benchmark: residual k-means (levels x codebook) on random Gaussian vectors, timed,
// with the quantisation error per level. When scikit-learn is importable (Debian's
// python3-sklearn), the same vectors go through sklearn.cluster.KMeans (k-means++, n_init=1,
// same k) in the same run, and the ratios of wall time and inertia for the first level are
// printed (aim: inertia within 2% of scikit-learn, time within 3x). scikit-learn uses every
// core (OpenMP + BLAS); the tokenizer runs on one thread.
// Usage: node bench/tokenizer.mjs [--n 100000] [--d 64] [--levels 3] [--codebook 256]
//          [--seed 0] [--kernel wasm-simd|plain] [--python /usr/bin/python3] [--no-sklearn]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '@glorank/data';
import { encodeResidual, trainResidualQuantiser, useDistanceKernel } from '@glorank/model';
import { benchFlags } from './lib/flags.mjs';

const { flags, int } = benchFlags('bench/tokenizer', {
  n: { type: 'string', default: '100000' },
  d: { type: 'string', default: '64' },
  levels: { type: 'string', default: '3' },
  codebook: { type: 'string', default: '256' },
  seed: { type: 'string', default: '0' },
  kernel: { type: 'string', default: 'wasm-simd' },
  python: { type: 'string' },
  'no-sklearn': { type: 'boolean', default: false },
});
const N = int('n');
const D = int('d');
const LEVELS = int('levels');
const K = int('codebook', 2);
const SEED = int('seed', 0);
if (flags.kernel !== 'wasm-simd' && flags.kernel !== 'plain') {
  process.stderr.write(`bench/tokenizer: --kernel must be wasm-simd or plain, got '${flags.kernel}'\n`);
  process.exit(2);
}
const kernel = useDistanceKernel(flags.kernel);

const rng = new Rng(SEED);
const x = { rows: N, cols: D, data: rng.normalArray(N * D) };
let centredSq = 0;
{
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let t = 0; t < D; t++) mean[t] += x.data[i * D + t];
  for (let t = 0; t < D; t++) mean[t] /= N;
  for (let i = 0; i < N; i++) for (let t = 0; t < D; t++) centredSq += (x.data[i * D + t] - mean[t]) ** 2;
}

const fmt = (v, digits = 2) => v.toFixed(digits);
process.stdout.write(
  `tokenizer bench: ${N} x ${D} random normal vectors, ${LEVELS} levels x ${K} codes, seed ${SEED}, kernel ${kernel}\n`,
);
const levelTimes = [];
const t0 = performance.now();
let last = t0;
const quantiser = trainResidualQuantiser(x, {
  levels: LEVELS,
  codebookSize: K,
  rng: new Rng(SEED).fork('bench'),
  onLevel: (_level, r) => {
    const now = performance.now();
    levelTimes.push({ seconds: (now - last) / 1000, inertia: r.inertia, iterations: r.iterations });
    last = now;
  },
});
const trainSeconds = (performance.now() - t0) / 1000;
const enc = encodeResidual(quantiser, x);
levelTimes.forEach((l, i) => {
  process.stdout.write(
    `  level ${i + 1}: ${fmt(l.seconds)} s, ${l.iterations} iterations, inertia ${l.inertia.toExponential(5)}, ` +
      `quantisation error (mean sq residual) ${fmt(enc.residualSq[i] / N, 4)}, relative ${fmt(enc.residualSq[i] / centredSq, 4)}\n`,
  );
});
process.stdout.write(`  total: ${fmt(trainSeconds)} s for ${LEVELS} levels (one thread)\n`);

function findPython() {
  const candidates = [flags.python, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', 'import sklearn, numpy'], { stdio: 'ignore' });
      return py;
    } catch {}
  }
  return null;
}

const SKLEARN = `
import json, sys, time, os
import numpy as np
from sklearn.cluster import KMeans
import sklearn
n, d, k, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, d)
t = time.perf_counter()
km = KMeans(n_clusters=k, init='k-means++', n_init=1, random_state=seed).fit(x)
seconds = time.perf_counter() - t
print(json.dumps({'seconds': seconds, 'inertia': float(km.inertia_), 'iterations': int(km.n_iter_),
                  'version': sklearn.__version__, 'cpus': os.cpu_count()}))
`;

const python = flags['no-sklearn'] ? null : findPython();
if (python === null) {
  process.stdout.write(
    flags['no-sklearn']
      ? '  scikit-learn: skipped (--no-sklearn)\n'
      : '  scikit-learn: not found (apt-get install -y python3-sklearn, or --python <interpreter>); no ratios\n',
  );
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glorank-bench-tok-'));
  try {
    const file = path.join(dir, 'x.f32');
    writeFileSync(file, Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    const out = execFileSync(python, ['-c', SKLEARN, file, String(N), String(D), String(K), String(SEED)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const sk = JSON.parse(out.trim().split('\n').pop());
    const ours = levelTimes[0];
    process.stdout.write(
      `  scikit-learn ${sk.version} KMeans (${python}, ${sk.cpus} cpus): ${fmt(sk.seconds)} s, ${sk.iterations} iterations, ` +
        `inertia ${sk.inertia.toExponential(5)}\n`,
    );
    process.stdout.write(
      `  first level vs scikit-learn: time ratio ${fmt(ours.seconds / sk.seconds)}x (aim <= 3), ` +
        `inertia ratio ${fmt(ours.inertia / sk.inertia, 4)} (aim <= 1.02)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
