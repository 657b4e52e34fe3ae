import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../test-support/run-cli.js';

describe('glorank tokenize', () => {
  it('writes unique codes beside a dataset and reports them as JSON', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-tok-'));
    const out = path.join(root, 'syn');
    const synth = await cli([
      'data',
      'synth',
      '--out',
      out,
      '--users',
      '60',
      '--items',
      '200',
      '--seed',
      '2',
    ]);
    expect(synth.code).toBe(0);
    const r = await cli(['tokenize', out, '--codebook', '8', '--levels', '2', '--seed', '4', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.items.total).toBe(200);
    expect(report.uniqueIds).toBe(true);
    expect(report.levels).toHaveLength(2);
    expect(report.final.codebookSizes.slice(0, 2)).toEqual([8, 8]);
    expect(report.items.coldCoded).toBe(report.items.cold);
    const files = await fs.readdir(out);
    expect(files).toEqual(
      expect.arrayContaining(['codes.arrow', 'codebooks.arrow', 'tokenizer-report.json']),
    );
    // Progress stays off stdout with --json; a plain run prints the summary.
    const plain = await cli(['tokenize', out, '--codebook', '8', '--levels', '2', '--sources', 'content']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/level 1: \d+\/8 codes used/);
    expect(plain.stdout).toMatch(/final IDs: .* unique/);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('fails with one line and exit code 2 on bad flags and missing folders', async () => {
    const bad = await cli(['tokenize', '/tmp', '--sources', 'ratings']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown source 'ratings'/);
    const big = await cli(['tokenize', '/tmp', '--codebook', '40000']);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/--codebook must be an integer in \[2, 32767\]/);
    const missing = await cli(['tokenize', path.join(os.tmpdir(), 'no-such-dataset-glorank')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-dataset-glorank/);
    expect(missing.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
