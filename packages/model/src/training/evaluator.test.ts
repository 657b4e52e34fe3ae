import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, UserError } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { contentCodes, tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import { silentLogger } from '../methods/reranker.js';
import { resolveTrainConfig } from './config.js';
import { DEFAULT_EVALUATOR_CONFIG, loadEvaluator, saveEvaluator, trainEvaluator } from './evaluator.js';

const ds = tinyBenchmark({ users: 80 });
const codes = contentCodes(ds);

describe('list-wise evaluator', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('learns a planted position effect and round-trips through a checkpoint', async () => {
    // Planted clicks: whatever item is shown first is clicked, the others never. The logged
    // slate is a random 4 candidates in random order, so every item is logged at varied
    // positions (no identity shortcut).
    const rng = new Rng(5);
    const requests = ds.requests.map((r) => {
      const exposed = Int32Array.from(rng.shuffle(Array.from(r.candidates, (_, k) => k)).slice(0, 4));
      const labels = new Float32Array(r.candidates.length);
      labels[exposed[0]!] = 1;
      return { ...r, labels, exposed };
    });
    const evaluator = trainEvaluator({
      codes,
      requests,
      config: {
        ...DEFAULT_EVALUATOR_CONFIG,
        slateSize: 4,
        historyLength: 10,
        epochs: 30,
        learningRate: 0.03,
        unexposedSwaps: 0,
        useInitialScores: false,
      },
      seed: 1,
      logger: silentLogger,
    });
    const probe = requests.slice(0, 20);
    const slates = probe.map((r) => Int32Array.from(r.candidates.subarray(4, 8)));
    const p = evaluator.clickProbabilities(probe, slates);
    for (const row of p) {
      expect(row[0]).toBeGreaterThan(0.8);
      for (let i = 1; i < 4; i++) expect(row[i]).toBeLessThan(0.2);
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-eval-'));
    await saveEvaluator(path.join(dir, 'ev'), evaluator);
    const { evaluator: loaded } = await loadEvaluator(path.join(dir, 'ev'));
    expect(loaded.rewards(probe, slates)).toEqual(evaluator.rewards(probe, slates));
    evaluator.dispose();
    loaded.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("an ensemble pays the members' mean minus pessimism x std, and round-trips", async () => {
    const config = {
      ...DEFAULT_EVALUATOR_CONFIG,
      slateSize: 4,
      historyLength: 10,
      epochs: 2,
      ensemble: 3,
      bootstrap: true,
      pessimism: 0.7,
    };
    const train = ds.requests.filter((r) => r.split === 'train');
    const ensemble = trainEvaluator({ codes, requests: train, config, seed: 4, logger: silentLogger });
    expect(ensemble.members).toHaveLength(3);
    const probe = ds.requests.filter((r) => r.split === 'test').slice(0, 12);
    const slates = probe.map((r) => Int32Array.from(r.candidates.subarray(0, 4)));
    const each = ensemble.members.map((m) => m.rewards(probe, slates));
    // Bootstrap resamples and seeds differ, so the members disagree.
    expect(each[0]).not.toEqual(each[1]);
    const got = ensemble.rewards(probe, slates);
    probe.forEach((_, i) => {
      const v = each.map((a) => a[i] as number);
      const mean = (v[0]! + v[1]! + v[2]!) / 3;
      const std = Math.sqrt(v.reduce((acc, x) => acc + (x - mean) ** 2, 0) / 3);
      expect(got[i]).toBeCloseTo(mean - 0.7 * std, 6);
    });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ens-'));
    await saveEvaluator(path.join(dir, 'ev'), ensemble);
    const { evaluator: loaded } = await loadEvaluator(path.join(dir, 'ev'));
    expect(loaded.members).toHaveLength(3);
    expect(loaded.rewards(probe, slates)).toEqual(got);
    ensemble.dispose();
    loaded.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('rejects a bad configuration naming the field', () => {
    expect(() => resolveTrainConfig({ rl: { group: 1 } }, 'x.yaml')).toThrow(UserError);
    expect(() => resolveTrainConfig({ rl: { group: 1 } }, 'x.yaml')).toThrow(/x\.yaml.*rl\.group/);
    expect(() => resolveTrainConfig({ model: { dimension: 3 } }, 'x.yaml')).toThrow(/model/);
    expect(resolveTrainConfig({ sft: { epochs: 2 } }).sft.epochs).toBe(2);
  });
});
