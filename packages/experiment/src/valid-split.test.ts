// evaluation.split (issue 13): a recipe is chosen on the valid split only. Valid-split runs rank
// and score exactly the valid requests, hash apart from test runs, and say so in the table.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isUserError, readDataset } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from './config.js';
import { runExperiment } from './runner.js';

const yaml = (split: string | null) => `
name: valid-split-unit
dataset:
  source: synthetic
  name: tiny-synth
  options: { users: 60, items: 160, candidates: 20, historyLength: 10, requestsPerUser: 4, seed: 3 }
methods: [initial]
seeds: [1]
${split === null ? '' : `evaluation: { split: ${split} }`}
`;

describe('evaluation.split', () => {
  it('ranks exactly the valid requests, scores them by hand-checkable P@L, and keeps test stages apart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-valid-'));
    const run = (split: string | null) =>
      runExperiment({
        config: parseExperimentConfig(yaml(split), 'unit.yaml'),
        configDir: dir,
        experimentDir: path.join(dir, 'exp'),
        dataRoot: dir,
        backend: 'auto',
        codeVersion: 'test',
      });
    const valid = await run('valid');
    const ds = await readDataset(valid.dataset.dir);
    const L = ds.manifest.protocol.slateSize;
    const validRequests = ds.requests.filter((r) => r.split === 'valid');
    expect(validRequests.length).toBeGreaterThan(0);

    // The slates are those of the valid requests, no other.
    const slates = JSON.parse(await readFile(valid.files.slates as string, 'utf8')) as {
      rows: { requestId: number }[];
    };
    expect(slates.rows.map((r) => r.requestId).sort((a, b) => a - b)).toEqual(
      validRequests.map((r) => r.id).sort((a, b) => a - b),
    );

    // The initial order is the first L candidates (they are stored in retriever order): its
    // P@L is the share of positives among them, averaged over valid requests with a positive.
    const scored = validRequests.filter((r) => r.labels.some((y) => y > 0));
    const byHand =
      scored.reduce((s, r) => s + Array.from(r.labels.subarray(0, L)).filter((y) => y > 0).length / L, 0) /
      scored.length;
    const row = valid.tables.test.rows[0];
    expect(row?.method).toBe('initial');
    expect(row?.metrics.precision.mean).toBeCloseTo(100 * byHand, 8); // tables are x100
    expect(valid.markdown).toContain(`### tiny-synth: valid requests (${scored.length} scored`);
    expect(valid.markdown).toContain('**Evaluated on the VALID split**');

    // The default (test) run reuses the dataset but neither valid stage, and reports test.
    const test = await run(null);
    expect(test.stages).toEqual({ run: 2, reused: 1 });
    expect(test.markdown).toContain('### tiny-synth: test requests');
    expect(test.markdown).not.toContain('VALID split');
    const testScored = ds.requests.filter((r) => r.split === 'test' && r.labels.some((y) => y > 0));
    expect(test.tables.test.rows[0]?.count).toBe(testScored.length);
    // ... and an explicit `split: test` is the same stages as the default.
    expect((await run('test')).stages).toEqual({ run: 0, reused: 3 });
  });

  it('rejects another split name at its field', () => {
    let message = '';
    try {
      parseExperimentConfig(yaml('train'), 'exp.yaml');
    } catch (err) {
      expect(isUserError(err)).toBe(true);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^exp\.yaml:\d+, field 'evaluation\.split': .*valid.*test/);
  });
});
