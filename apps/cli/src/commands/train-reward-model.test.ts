// `glorank train reward-model` (the RL reward and the frozen evaluation simulator) and a
// forced backend that this machine lacks.

import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadEvaluator } from '@glorank/model';
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../test-support/run-cli.js';

/** Weight files of a checkpoint folder by name (the manifest names the dataset path, so not it). */
async function weights(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of await fs.readdir(dir)) {
    if (f === 'manifest.json') continue;
    out.set(f, await fs.readFile(path.join(dir, f)));
  }
  return out;
}

describe('glorank train reward-model', () => {
  it('writes an evaluator checkpoint that loads, repeats for a seed, and --with-valid trains on valid too', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-rm-'));
    const ds = path.join(root, 'ds');
    const synth = ['data', 'synth', '--out', ds, '--users', '40', '--items', '200', '--candidates', '16'];
    expect((await cli([...synth, '--slate-size', '4'])).code).toBe(0);
    expect((await cli(['tokenize', ds, '--codebook', '8', '--levels', '2'])).code).toBe(0);
    const config = path.join(root, 'rm.yaml');
    await fs.writeFile(config, 'rewardModel: { epochs: 1, ensemble: 2 }\n');
    const train = async (out: string, ...extra: string[]) => {
      const r = await cli([
        'train',
        'reward-model',
        ds,
        '--config',
        config,
        '--out',
        out,
        '--json',
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { checkpoint: string; backend: string };
    };

    const a = await train(path.join(root, 'a'), '--seed', '7');
    expect(a.checkpoint).toBe(path.join(root, 'a'));
    const loaded = await loadEvaluator(a.checkpoint);
    expect(loaded.checkpoint.meta['seed']).toBe(7);
    expect(loaded.checkpoint.meta['splits']).toEqual(['train']);
    expect(loaded.checkpoint.meta['dataset']).toBe(ds);
    loaded.evaluator.dispose();

    // Same seed: the same weights, byte for byte; another seed: other weights.
    const b = await train(path.join(root, 'b'), '--seed', '7');
    const c = await train(path.join(root, 'c'), '--seed', '8');
    const [wa, wb, wc] = await Promise.all([a, b, c].map((x) => weights(x.checkpoint)));
    expect([...wb!.keys()].sort()).toEqual([...wa!.keys()].sort());
    for (const [f, buf] of wa!) expect(buf.equals(wb!.get(f)!), f).toBe(true);
    expect([...wa!].some(([f, buf]) => !buf.equals(wc!.get(f)!))).toBe(true);

    const sim = await train(path.join(root, 'sim'), '--seed', '7', '--with-valid');
    const simLoaded = await loadEvaluator(sim.checkpoint);
    expect(simLoaded.checkpoint.meta['splits']).toEqual(['train', 'valid']);
    simLoaded.evaluator.dispose();
    await fs.rm(root, { recursive: true, force: true });
  }, 300_000);

  it('a forced backend this machine lacks is one line naming it, exit 2', async () => {
    // libtensorflow's native binding is not built here (nor in CI): 'node' cannot load.
    let nodeLoads = true;
    try {
      createRequire(import.meta.url)('@tensorflow/tfjs-node');
    } catch {
      nodeLoads = false;
    }
    const r = await cli(['train', 'reward-model', '/nonexistent-dataset', '--backend', 'node']);
    if (nodeLoads) {
      // The backend exists: the run gets past it and fails on the missing dataset instead.
      expect(r.stderr).not.toMatch(/backend 'node' is not available/);
      return;
    }
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^glorank: field 'backend': backend 'node' is not available: .*tfjs-node/);
    const unknown = await cli(['train', 'reward-model', '/nonexistent-dataset', '--backend', 'tpu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });
});
