import { isUserError } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from './config.js';

function errorOf(text: string): string {
  try {
    parseExperimentConfig(text, 'exp.yaml');
  } catch (err) {
    expect(isUserError(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

const minimal = `
name: tiny
dataset:
  source: synthetic
methods:
  - initial
  - method: dnn
    epochs: 2
`;

describe('experiment config', () => {
  it('fills defaults and expands bare method names', () => {
    const cfg = parseExperimentConfig(minimal, 'exp.yaml');
    expect(cfg.seeds).toEqual([1, 2, 3]);
    expect(cfg.methods[0]).toEqual({ method: 'initial' });
    expect(cfg.methods[1]).toMatchObject({ method: 'dnn', epochs: 2, batchSize: 64 });
    expect(cfg.tokenizer).toMatchObject({ levels: 3, codebook: 256 });
    expect(cfg.evaluation.simulator).toBe('auto');
    expect(cfg.dataset.source === 'synthetic' && cfg.dataset.name).toBe('synthetic');
  });

  it('accepts JSON too', () => {
    const cfg = parseExperimentConfig(
      JSON.stringify({ name: 'j', dataset: { source: 'folder', path: 'd' }, methods: ['prm'], seeds: [4] }),
      'exp.json',
    );
    expect(cfg.methods[0]?.method).toBe('prm');
    expect(cfg.seeds).toEqual([4]);
  });

  it('names the field, the line and the expected value', () => {
    const msg = errorOf(minimal.replace('epochs: 2', 'epochs: -1'));
    expect(msg).toMatch(/^exp\.yaml:8, field 'methods\[1\]\.epochs': /);
    expect(msg).toMatch(/>=0/);
    expect(msg).toMatch(/got -1/);
  });

  it('lists the allowed method names for an unknown method', () => {
    const msg = errorOf(minimal.replace('- initial', '- lambdamart'));
    expect(msg).toMatch(/field 'methods\[0\]\.method'/);
    expect(msg).toMatch(/initial/);
    expect(msg).toMatch(/glorank-rl/);
  });

  it('rejects a misspelt field at its own line', () => {
    const msg = errorOf(minimal.replace('epochs: 2', 'epoch: 2'));
    expect(msg).toMatch(
      /^exp\.yaml:8, field 'methods\[1\]\.epoch': unknown field; expected one of method, epochs,/,
    );
  });

  it('points a missing field at its parent and says what is expected', () => {
    const msg = errorOf('name: x\nmethods: [initial]\n');
    expect(msg).toMatch(/field 'dataset'/);
    expect(msg).toMatch(/expected object/);
  });

  it('rejects duplicate methods and seeds', () => {
    expect(errorOf(`${minimal}  - initial\n`)).toMatch(/listed twice/);
    expect(errorOf(`${minimal}seeds: [1, 1]\n`)).toMatch(/distinct seeds/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(errorOf('name: x\ndataset: [unclosed\n')).toMatch(
      /^exp\.yaml:3: not valid YAML\/JSON: Flow sequence/,
    );
  });

  it('rejects a wrong dataset source with the choices', () => {
    const msg = errorOf(minimal.replace('source: synthetic', 'source: kaggle'));
    expect(msg).toMatch(/field 'dataset\.source'/);
    expect(msg).toMatch(/synthetic/);
    expect(msg).toMatch(/convert/);
  });

  it('validates GloRank sections with the training config and points at the field', () => {
    const cfg = parseExperimentConfig(
      `${minimal}  - { method: glorank-sft, model: { dim: 16, heads: 2 }, sft: { epochs: 2 } }\n  - { method: glorank-rl, rl: { steps: 5 } }\n`,
      'exp.yaml',
    );
    expect(cfg.methods[2]).toMatchObject({ method: 'glorank-sft', model: { dim: 16 }, maxSteps: 0 });
    expect(errorOf(`${minimal}  - method: glorank-sft\n    sft:\n      epochs: -2\n`)).toMatch(
      /^exp\.yaml:11, field 'methods\[2\]\.sft\.epochs': .*>=0/,
    );
    expect(errorOf(`${minimal}rewardModel: { seed: 3, layers: -1 }\n`)).toMatch(
      /field 'rewardModel\.layers'/,
    );
  });
});
