import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from './config.js';
import { type ExperimentEvent, runExperiment } from './runner.js';
import { tinyExperimentYaml } from './test-support/tiny-experiment.js';
import type { TrackedRunInfo } from './tracker.js';

const yaml = (epochs: number) => tinyExperimentYaml('runner-unit', epochs);

describe('runExperiment', () => {
  it('runs every stage once, reuses them on a re-run, and reruns only what a change touches', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-exp-'));
    const datasetsDir = path.join(dir, 'datasets');
    const tracked: TrackedRunInfo[] = [];
    const logged: Record<string, number>[] = [];
    const artifacts: string[] = [];
    const events: ExperimentEvent[] = [];
    const run = (epochs: number, codeVersion = 'test') =>
      runExperiment({
        config: parseExperimentConfig(yaml(epochs), 'unit.yaml'),
        configDir: dir,
        experimentDir: path.join(dir, 'exp'),
        dataRoot: dir,
        datasetsDir,
        backend: 'auto',
        codeVersion,
        onEvent: (e) => events.push(e),
        tracker: async (info) => {
          tracked.push(info);
          return {
            logger: { log: (_s, m) => logged.push(m) },
            artifact: async (file) => {
              artifacts.push(file);
            },
            finish: async () => undefined,
            fail: async () => undefined,
          };
        },
      });

    const first = await run(1);
    // dataset + 2 methods x 2 seeds x (train + eval)
    expect(first.stages).toEqual({ run: 9, reused: 0 });
    expect(first.tables.test.rows.map((r) => r.method)).toEqual(['initial', 'dnn']);
    for (const row of first.tables.test.rows) {
      expect(row.seeds).toEqual([1, 2]);
      for (const k of ['precision', 'recall', 'f1', 'ndcg', 'map', 'reward'] as const) {
        expect(Number.isFinite(row.metrics[k].mean)).toBe(true);
      }
    }
    // initial order ignores the seed: zero-width interval.
    expect(first.tables.test.rows[0]!.metrics.precision.halfWidth).toBe(0);
    expect(first.markdown).toContain('Reward');
    for (const f of Object.values(first.files)) if (f) expect(existsSync(f)).toBe(true);
    const arrow = tableFromIPC(await readFile(first.files.arrow!));
    expect(arrow.numRows).toBe(2 * 6);
    const slates = JSON.parse(await readFile(first.files.slates!, 'utf8'));
    expect(slates.format).toBe('glorank-slates/1');
    expect(slates.rows.length).toBe(4 * 60);
    // Tracking: one run per method and seed, with the params the dashboard groups by.
    expect(tracked.map((t) => t.name).sort()).toEqual([
      'dnn seed=1',
      'dnn seed=2',
      'initial seed=1',
      'initial seed=2',
    ]);
    expect(tracked[0]!.params).toMatchObject({ method: 'initial', seed: 1 });
    expect(logged.some((m) => 'test/precision@6' in m && 'test/reward' in m)).toBe(true);
    expect(artifacts.some((a) => a.endsWith('slates.json'))).toBe(true);
    // The dataset is published for the dashboard.
    expect(first.dataset.publishedDir).toBe(path.join(datasetsDir, 'tiny-synth'));
    expect(existsSync(path.join(datasetsDir, 'tiny-synth', 'requests.arrow'))).toBe(true);

    tracked.length = 0;
    const second = await run(1);
    expect(second.stages).toEqual({ run: 0, reused: 9 });
    expect(tracked).toEqual([]);
    expect(second.markdown).toBe(first.markdown);

    const third = await run(2);
    // Only dnn's train and eval stages depend on its epochs.
    expect(third.stages).toEqual({ run: 4, reused: 5 });
    const rerun = events.filter((e) => e.type === 'stage' && e.status === 'done').slice(-4);
    expect(rerun.every((e) => e.type === 'stage' && e.label.startsWith('dnn'))).toBe(true);

    // Code is not in the stage hash: another code version reuses every stage, and the table
    // says which code computed them (each stage.json records it).
    const markers = (await readdir(path.join(dir, 'exp', 'stages'), { recursive: true })).filter(
      (f) => path.basename(f) === 'stage.json',
    );
    expect(markers.length).toBe(13);
    for (const f of markers) {
      const rec = JSON.parse(await readFile(path.join(dir, 'exp', 'stages', f), 'utf8')) as {
        codeVersion?: string;
      };
      expect(rec.codeVersion).toBe('test');
    }
    const fourth = await run(2, 'test-2');
    expect(fourth.stages).toEqual({ run: 0, reused: 9 });
    expect(fourth.markdown).toContain(
      'code test-2, with reused stages computed by other code (9 by test; --fresh recomputes them)',
    );
    expect(
      events.some(
        (e) =>
          e.type === 'info' && /9 reused stage\(s\) were computed by other code than test-2/.test(e.message),
      ),
    ).toBe(true);
  });

  it("stops with the config's hint when raw benchmark files are missing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-exp-missing-'));
    const config = parseExperimentConfig(
      `name: missing\ndataset:\n  source: convert\n  name: ml-1m\n  format: ml-1m\n  src: ml-1m\n  missingHint: Download it first.\nmethods: [initial]\n`,
      'missing.yaml',
    );
    await expect(
      runExperiment({
        config,
        configDir: dir,
        experimentDir: path.join(dir, 'exp'),
        dataRoot: dir,
        backend: 'cpu',
      }),
    ).rejects.toThrow(
      /field 'dataset\.src': the raw files of 'ml-1m' are not at .*ml-1m\. Download it first\./,
    );
  });
});
