// The experiment configs shipped in experiments/*.yaml (the demo and the real-data recipes)
// load through the same reader `glorank experiment run` uses, with what each must hold
// stated here independently of the schema: the folder name, every method once, three seeds,
// a hint for data that is not shipped, and the demo's PRM trained exactly as the synthetic
// comparison (test/claims, README headline) trains it.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentConfig } from './config.js';

const root = path.resolve(import.meta.dirname, '../../..');
const dir = path.join(root, 'experiments');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

// Every method the README's tables list, in their order.
const ALL_METHODS = [
  'initial',
  'dnn',
  'dlcm',
  'prm',
  'seq2slate',
  'glorank-local',
  'glorank-sft',
  'glorank-rl',
];

describe('shipped experiment configs', () => {
  it('are the five the README names', () => {
    expect(files).toEqual([
      'amazon-beauty.yaml',
      'amazon-books.yaml',
      'ml-100k.yaml',
      'ml-1m.yaml',
      'synthetic.yaml',
    ]);
  });

  for (const file of files) {
    it(`${file} loads, is named after its file, lists every method once and seeds 1-3`, async () => {
      const { config } = await loadExperimentConfig(path.join(dir, file));
      expect(config.name).toBe(file.replace(/\.yaml$/, ''));
      expect(config.methods.map((m) => m.method)).toEqual(ALL_METHODS);
      expect(config.seeds).toEqual([1, 2, 3]);
      if (config.dataset.source === 'convert') {
        // Real data is not in the repository: the config says where to get it.
        expect(config.dataset.missingHint ?? '').toMatch(/--data-root|GLORANK_REAL_DATA/);
      }
    });
  }

  it("synthetic.yaml trains PRM as the synthetic comparison does (the claims' best baseline)", async () => {
    const { config } = await loadExperimentConfig(path.join(dir, 'synthetic.yaml'));
    expect(config.dataset.source).toBe('synthetic');
    const prm = config.methods.find((m) => m.method === 'prm');
    // packages/experiment/src/synthetic-comparison.ts: epochs 2, batch 64, lr 3e-3, dim 32,
    // 2 heads, 1 layer, no step limit.
    expect(prm).toEqual({
      method: 'prm',
      epochs: 2,
      batchSize: 64,
      learningRate: 3e-3,
      maxSteps: 0,
      dim: 32,
      heads: 2,
      layers: 1,
    });
  });
});
