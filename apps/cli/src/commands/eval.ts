// `glorank eval <checkpoint>`: rank a split with a GloRank checkpoint and report the
// PROTOCOL.md metrics and the average reward under the evaluation simulator (the true click
// model of a synthetic dataset, or a frozen evaluator given with --simulator).
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  DATASET_FILES,
  loadClickModel,
  loggedSlateStats,
  readDataset,
  type Split,
  simulatorWarning,
  UserError,
} from '@glorank/data';
import type { BackendChoice, RewardFunction, SlateEvaluation } from '@glorank/model';
import { type Command, Option } from 'commander';
import { backendOption, parseIntOption } from '../support/options.js';

interface EvalFlags {
  dataset?: string;
  split: Split;
  decoding: 'greedy' | 'beam';
  beamWidth: number;
  simulator?: string;
  backend: string;
  json?: boolean;
}

const fmt = (x: number | null): string => (x === null ? '-' : x.toFixed(4));

function lines(e: SlateEvaluation, source: string): string[] {
  const m = e.metrics;
  const row = (name: string, mm: typeof m, reward: number | null) =>
    `${name.padEnd(10)} P ${mm.precision.toFixed(2)}  R ${mm.recall.toFixed(2)}  F1 ${mm.f1.toFixed(2)}  NDCG ${mm.ndcg.toFixed(2)}  MAP ${mm.map.toFixed(2)}  reward ${fmt(reward)}  (n=${mm.count}, skipped ${mm.skipped})`;
  return [
    `split ${e.split}, metrics x100 at L, reward = expected clicks per request (${source})`,
    row('all', m, e.reward),
    ...(e.coldStart ? [row('cold', e.coldStart.metrics, e.coldStart.reward)] : []),
  ];
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a GloRank checkpoint: precision, recall, F1, NDCG, MAP and average reward')
    .argument('<checkpoint>', 'checkpoint folder written by `glorank train sft|rl`')
    .option('--dataset <dir>', 'dataset folder (default: the one the checkpoint was trained on)')
    .addOption(
      new Option('--split <name>', 'requests to rank').choices(['train', 'valid', 'test']).default('test'),
    )
    .addOption(new Option('--decoding <how>', 'decoding').choices(['greedy', 'beam']).default('greedy'))
    .option('--beam-width <n>', 'beam width', parseIntOption('--beam-width', 1, 256), 4)
    .option(
      '--simulator <dir>',
      'frozen evaluator checkpoint for the reward (default: the true click model of synthetic data)',
    )
    .addOption(backendOption())
    .option('--json', 'print the evaluation as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ glorank eval runs/glorank/synthetic/rl-s1
  $ glorank eval runs/ml1m-sft --decoding beam --beam-width 8 --simulator runs/ml1m-simulator --json`,
    )
    .action(async (checkpoint: string, flags: EvalFlags) => {
      // Loaded here, not at the top: @glorank/model brings in TensorFlow.js, which every other
      // command (and `--help`) would pay for at start-up.
      const { evaluateGloRank, loadEvaluator, loadGloRankCheckpoint, selectBackend } = await import(
        '@glorank/model'
      );
      const backend = await selectBackend(flags.backend as BackendChoice);
      const { model, meta } = await loadGloRankCheckpoint(path.resolve(checkpoint));
      const datasetDir = flags.dataset ? path.resolve(flags.dataset) : (meta.dataset as string | undefined);
      if (!datasetDir)
        throw new UserError('the checkpoint does not name its dataset; pass --dataset', { field: 'dataset' });
      const dataset = await readDataset(datasetDir);
      let simulator: RewardFunction | null = null;
      let source = 'no simulator';
      let warning: string | null = null;
      if (flags.simulator) {
        const { evaluator } = await loadEvaluator(path.resolve(flags.simulator));
        simulator = (rs, ss) => evaluator.rewards(rs, ss);
        source = `evaluator ${flags.simulator}`;
        // A learned simulator only knows what its logs (train + valid slates) could teach it.
        warning = simulatorWarning(loggedSlateStats(dataset.requests, ['train', 'valid']));
        if (warning) process.stderr.write(`glorank eval: WARNING ${warning}\n`);
      } else if (existsSync(path.join(datasetDir, DATASET_FILES.clickModel))) {
        const clickModel = await loadClickModel(datasetDir);
        simulator = (rs, ss) =>
          Float64Array.from(rs, (r, i) => clickModel.expectedReward(r, ss[i] as Int32Array));
        source = 'true click model';
      }
      const started = Date.now();
      const result = evaluateGloRank(model, dataset, {
        split: flags.split,
        decode: { decoding: flags.decoding, beamWidth: flags.beamWidth, batchSize: 128 },
        simulator,
      });
      const seconds = (Date.now() - started) / 1000;
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ checkpoint: path.resolve(checkpoint), dataset: datasetDir, backend: backend.name, rewardSource: source, simulatorWarning: warning, seconds, ...result }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(
        `${[...lines(result, source), `(${seconds.toFixed(1)}s, ${backend.name})`].join('\n')}\n`,
      );
    });
}
