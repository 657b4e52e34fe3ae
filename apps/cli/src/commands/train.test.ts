import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRunStore } from '@glorank/tracking';
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../test-support/run-cli.js';

describe('glorank train and eval', () => {
  it('trains SFT then RL on a tiny synthetic dataset and evaluates both with the true click model', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-train-'));
    const ds = path.join(root, 'ds');
    expect(
      (
        await cli([
          'data',
          'synth',
          '--out',
          ds,
          '--users',
          '50',
          '--items',
          '250',
          '--candidates',
          '20',
          '--slate-size',
          '4',
        ])
      ).code,
    ).toBe(0);
    expect((await cli(['tokenize', ds, '--codebook', '8', '--levels', '2'])).code).toBe(0);
    const config = path.join(root, 'glorank.yaml');
    await fs.writeFile(
      config,
      'model: { dim: 16, hidden: 32 }\nsft: { epochs: 1, batchSize: 32 }\nrewardModel: { epochs: 1 }\nrl: { steps: 2, batchSize: 8, group: 4 }\n',
    );
    const sftDir = path.join(root, 'sft');
    // Gradients on 2 threads: the built worker runs beside the CLI's copy of @glorank/model.
    const sft = await cli([
      'train',
      'sft',
      ds,
      '--config',
      config,
      '--workers',
      '2',
      '--out',
      sftDir,
      '--no-track',
      '--json',
    ]);
    expect(sft.code).toBe(0);
    const sftOut = JSON.parse(sft.stdout);
    expect(sftOut.result.finished).toBe(true);
    expect(sftOut.result.steps).toBeGreaterThan(0);
    const rlDir = path.join(root, 'rl');
    const rl = await cli([
      'train',
      'rl',
      '--from',
      sftDir,
      '--config',
      config,
      '--workers',
      '2',
      '--out',
      rlDir,
      '--no-track',
      '--json',
    ]);
    expect(rl.code).toBe(0);
    expect(JSON.parse(rl.stdout).result.steps).toBe(2);
    for (const dir of [sftDir, rlDir]) {
      const ev = await cli(['eval', dir, '--json']);
      expect(ev.code).toBe(0);
      const e = JSON.parse(ev.stdout);
      expect(e.rewardSource).toBe('true click model');
      expect(e.reward).toBeGreaterThan(0);
      expect(e.metrics.count + e.metrics.skipped).toBeGreaterThan(0);
      expect(e.metrics.ndcg).toBeGreaterThanOrEqual(0);
      expect(e.metrics.ndcg).toBeLessThanOrEqual(100);
    }
    const plain = await cli(['eval', rlDir, '--decoding', 'beam', '--beam-width', '2']);
    expect(plain.stdout).toMatch(
      /^all +P [\d.]+ +R [\d.]+ +F1 [\d.]+ +NDCG [\d.]+ +MAP [\d.]+ +reward [\d.]+/m,
    );
    await fs.rm(root, { recursive: true, force: true });
  });

  it('fails with one line and exit code 2 on a bad config field or a missing checkpoint', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-train-'));
    const bad = path.join(root, 'bad.yaml');
    await fs.writeFile(bad, 'rl: { group: 1 }\n');
    const r = await cli(['train', 'sft', root, '--config', bad, '--no-track']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml.*rl\.group/);
    const zero = await cli(['train', 'sft', root, '--workers', '0', '--no-track']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--workers must be an integer in \[1,/);
    // The local-index ablation's old flag is refused with its one name.
    const local = await cli(['train', 'sft', root, '--local', '--no-track']);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--local is now --method glorank-local/);
    const missing = await cli(['eval', path.join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not a checkpoint/);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('an existing --out is refused without --force (or --resume), in one line, and left untouched', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-train-'));
    const occupied = path.join(root, 'ck');
    await fs.mkdir(occupied);
    await fs.writeFile(path.join(occupied, 'manifest.json'), 'the old checkpoint');
    for (const args of [
      ['train', 'sft', path.join(root, 'ds'), '--out', occupied, '--no-track'],
      ['train', 'reward-model', path.join(root, 'ds'), '--out', occupied],
      ['train', 'rl', '--from', path.join(root, 'sft'), '--out', occupied, '--no-track'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/ck, field '--out': output already exists; pass --resume .* or --force/);
    }
    expect(await fs.readFile(path.join(occupied, 'manifest.json'), 'utf8')).toBe('the old checkpoint');
    // A save killed between moving the previous checkpoint aside and moving the new one in
    // leaves only `.<name>.tmp-<pid>-<hex>.old`: that is still an existing output. It is moved
    // back and refused like any other, not trained over.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const displaced = path.join(root, 'ck2');
    const aside = path.join(root, `.ck2.tmp-${gone}-0badc0de.old`);
    await fs.mkdir(aside);
    await fs.writeFile(path.join(aside, 'manifest.json'), 'the displaced checkpoint');
    const again = await cli(['train', 'sft', path.join(root, 'ds'), '--out', displaced, '--no-track']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/ck2, field '--out': output already exists; pass --resume/);
    expect(await fs.readFile(path.join(displaced, 'manifest.json'), 'utf8')).toBe('the displaced checkpoint');
    expect((await fs.readdir(root)).sort()).toEqual(['ck', 'ck2']);
    // --force gets past the check (and then fails on the missing dataset, as it should).
    const forced = await cli([
      'train',
      'sft',
      path.join(root, 'ds'),
      '--out',
      occupied,
      '--force',
      '--no-track',
    ]);
    expect(forced.code).toBe(2);
    expect(forced.stderr).not.toMatch(/already exists/);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('train sft --resume continues the same tracked run: one run, running again, the curve goes on', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-cli-resume-'));
    const env = { GLORANK_RUNS_DIR: path.join(root, 'runs') };
    const ds = path.join(root, 'ds');
    const synth = ['data', 'synth', '--out', ds, '--users', '50', '--items', '250', '--candidates', '20'];
    expect((await cli([...synth, '--slate-size', '4'], env)).code).toBe(0);
    expect((await cli(['tokenize', ds, '--codebook', '8', '--levels', '2'], env)).code).toBe(0);
    const config = path.join(root, 'glorank.yaml');
    await fs.writeFile(config, 'model: { dim: 16, hidden: 32 }\nsft: { epochs: 1, batchSize: 32 }\n');
    const ck = path.join(root, 'ck');
    const train = (...extra: string[]) =>
      cli(['train', 'sft', ds, '--config', config, '--out', ck, '--json', ...extra], env);
    const first = await train();
    expect(first.code).toBe(0);
    const perEpoch = JSON.parse(first.stdout).result.steps as number;
    expect(perEpoch).toBeGreaterThan(0);
    // A second epoch on the same --out: training resumes at step perEpoch and ends at 2 * perEpoch.
    const second = await train('--epochs', '2', '--resume');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).result.steps).toBe(2 * perEpoch);

    const store = await openRunStore(path.join(root, 'runs', 'glorank.db'));
    try {
      const page = await store.listRuns({ filter: { experiment: 'glorank-train' } });
      expect(page.total).toBe(1);
      const run = page.runs[0];
      expect(run?.status).toBe('finished');
      expect(run?.params.out).toBe(ck);
      const loss = await store.getSeries(run?.id as number, 'sft/loss');
      expect(loss.steps).toEqual(Array.from({ length: 2 * perEpoch }, (_, k) => k + 1));
      const logs = await store.tailLogs(run?.id as number);
      expect(logs.lines.map((l) => l.message)).toContain(
        `resuming SFT at step ${perEpoch} of ${2 * perEpoch}`,
      );
    } finally {
      await store.close();
    }
    await fs.rm(root, { recursive: true, force: true });
  });
});
