// The real-data recipes of issue 13 carry the safeguards against reward hacking: the reward
// column from the independent click simulator (not the RL reward model's family), a
// pessimistic reward-model ensemble, and RL checkpoints chosen on the valid split. Beauty reads
// the sequences file under --data-root with the protocol defaults (nothing tuned to it).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentConfig } from './config.js';

const dir = path.resolve(import.meta.dirname, '../../../experiments');

describe('real-data recipes', () => {
  for (const file of ['ml-100k.yaml', 'amazon-beauty.yaml']) {
    it(`${file}: independent simulator, pessimistic ensemble, RL selected on valid`, async () => {
      const { config } = await loadExperimentConfig(path.join(dir, file));
      expect(config.evaluation.simulator).toBe('pbm');
      expect(config.rewardModel['ensemble']).toBeGreaterThanOrEqual(2);
      expect(config.rewardModel['pessimism']).toBeGreaterThan(0);
      const rl = config.methods.find((m) => m.method === 'glorank-rl') as { rl?: Record<string, unknown> };
      expect(rl.rl?.['validateEvery']).toBeGreaterThan(0);
    });
  }

  it('amazon-beauty.yaml reads the sequences file with the protocol defaults', async () => {
    const { config } = await loadExperimentConfig(path.join(dir, 'amazon-beauty.yaml'));
    expect(config.dataset).toMatchObject({
      source: 'convert',
      format: 'sequences',
      src: 'amazon-beauty-sequences/user_sequence.txt',
      protocol: {},
    });
  });
  // Issue 13: one GloRank recipe for every real dataset (tuned for the method, not one dataset),
  // the local-index ablation trained like GloRank, and the recipe's search scored on valid only.
  it('ship one GloRank recipe, chosen by a valid-split search on the same data', async () => {
    const ml = (await loadExperimentConfig(path.join(dir, 'ml-100k.yaml'))).config;
    const beauty = (await loadExperimentConfig(path.join(dir, 'amazon-beauty.yaml'))).config;
    const tuning = (await loadExperimentConfig(path.join(dir, 'tuning', 'ml-100k-valid.yaml'))).config;
    const glorank = (c: typeof ml) =>
      c.methods
        .filter((m) => m.method.startsWith('glorank-'))
        .map(({ method, ...rest }) => ({ method, rest }));
    expect(glorank(beauty)).toEqual(glorank(ml));
    const entry = (c: typeof ml, name: string) => glorank(c).find((m) => m.method === name)?.rest;
    expect(entry(ml, 'glorank-local')).toEqual(entry(ml, 'glorank-sft'));
    expect(tuning.evaluation.split).toBe('valid');
    expect(ml.evaluation.split).toBe('test');
    expect(beauty.evaluation.split).toBe('test');
    expect(tuning.dataset).toEqual(ml.dataset);
    expect(entry(tuning, 'glorank-sft')).toEqual(entry(ml, 'glorank-sft'));
  });
});
