// `glorank train sft|rl|reward-model`: GloRank's training stages on a converted, tokenized
// dataset. Each stage is one call into @glorank/model; this module only parses flags,
// shows progress and records the run in the tracking store.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type ItemCodes,
  itemCodes,
  type LoadedDataset,
  readDataset,
  removeStaleTemps,
  UserError,
} from '@glorank/data';
import type {
  BackendChoice,
  EvaluatorEnsemble,
  GloRankTrainConfig,
  RewardFunction,
  TrainLogger,
} from '@glorank/model';
import { openRunStore, type RunStore, storagePaths } from '@glorank/tracking';
import { type Command, Option } from 'commander';
import { backendOption, parseIntOption } from '../support/options.js';
import { createProgress } from '../support/progress.js';

// @glorank/model and @glorank/experiment bring in TensorFlow.js: they are imported where a
// stage needs them, not at the top, so `--help` and every other command start without it.
const model = () => import('@glorank/model');

interface CommonFlags {
  config?: string;
  backend: string;
  seed: number;
  out?: string;
  force?: boolean;
  track: boolean;
  json?: boolean;
}

/**
 * Before training into `out`: an existing output is kept unless --force replaces it (or
 * --resume continues it), as `data convert` does. Temporaries that killed saves left next to
 * it are swept first (a displaced previous checkpoint is moved back, so it counts).
 */
async function prepareOut(out: string, flags: CommonFlags & { resume?: boolean }): Promise<void> {
  // Sweep first: a save killed between moving the previous checkpoint aside and moving the new
  // one in leaves no folder at `out`; the sweep moves the previous (whole) one back, and only
  // then can we tell whether `out` is occupied.
  await removeStaleTemps(path.dirname(out));
  const occupied = existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0);
  if (occupied && !flags.resume && !flags.force) {
    throw new UserError(
      'output already exists; pass --resume to continue its training or --force to replace it',
      { file: out, field: '--out' },
    );
  }
}

async function configOf(flags: CommonFlags): Promise<GloRankTrainConfig> {
  const { loadTrainConfig, resolveTrainConfig } = await model();
  return flags.config ? loadTrainConfig(path.resolve(flags.config)) : resolveTrainConfig({});
}

/**
 * What `train sft` and `train reward-model` start from, in this order: the config and an
 * occupied --out first (a mistake there should not wait for loading), then the backend, the
 * dataset and its codes.
 */
async function trainInputs(datasetDir: string, flags: CommonFlags & { resume?: boolean }) {
  const config = await configOf(flags);
  if (flags.out !== undefined) await prepareOut(path.resolve(flags.out), flags);
  const backend = await (await model()).selectBackend(flags.backend as BackendChoice);
  const dir = path.resolve(datasetDir);
  const dataset = await readDataset(dir);
  return { config, backend, dir, dataset, codes: await codesOf(dir) };
}

async function codesOf(datasetDir: string): Promise<ItemCodes> {
  const ids = await (await model()).readSemanticIds(datasetDir);
  return itemCodes(ids.codes, ids.levels, ids.codebookSizes);
}

/**
 * A tracking run when the store is available (through the one store-to-tracker adapter); the
 * trainer only sees the TrainLogger side. The checkpoint folder is a run param, so --resume
 * continues the run that trained into the same --out instead of starting a new one.
 */
async function startTracking(
  flags: CommonFlags & { resume?: boolean },
  name: string,
  config: unknown,
  dataset: LoadedDataset,
  backend: string,
  out: string,
): Promise<{ logger: TrainLogger; finish: (ok: boolean, err?: unknown) => Promise<void> }> {
  if (!flags.track) return { logger: { log: () => undefined }, finish: async () => undefined };
  let store: RunStore | null = null;
  try {
    const paths = storagePaths();
    store = await openRunStore(paths.database);
    const { storeTracker } = await import('@glorank/experiment');
    const run = await storeTracker(
      store,
      paths.runsDir,
    )({
      experiment: 'glorank-train',
      name,
      config,
      params: { seed: flags.seed, dataset: dataset.manifest.name, out },
      tags: [`dataset:${dataset.manifest.name}`, 'glorank'],
      datasetHash: dataset.manifest.contentHash,
      backend,
      resume: Boolean(flags.resume),
    });
    return {
      logger: run.logger,
      finish: async (ok, err) => {
        if (ok) await run.finish();
        else await run.fail(err);
        await store?.close();
      },
    };
  } catch (err) {
    await store?.close();
    throw err;
  }
}

function defaultOut(dataset: LoadedDataset, stage: string, seed: number): string {
  return path.join(storagePaths().runsDir, 'glorank', dataset.manifest.name, `${stage}-s${seed}`);
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'YAML or JSON config (sections model, sft, rewardModel, rl, decode)')
    .addOption(backendOption())
    .option('--seed <n>', 'random seed', parseIntOption('--seed', 0), 1)
    .option('--out <dir>', 'checkpoint folder (default <runs>/glorank/<dataset>/<stage>-s<seed>)')
    .option('--force', 'replace an existing checkpoint in --out')
    .option('--no-track', 'do not record the run in the tracking store')
    .option('--json', 'print the result as JSON (no progress output)');
}

function print(flags: CommonFlags, json: unknown, lines: string[]): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerTrain(program: Command): void {
  const train = program
    .command('train')
    .description('train GloRank: supervised (sft), the reward model, RL post-training (rl)');

  withCommon(
    train
      .command('sft')
      .description('supervised pre-training on demonstration slates (train split)')
      .argument('<datasetDir>', 'converted dataset folder with codes.arrow (run `glorank tokenize` first)')
      .addOption(
        new Option(
          '--method <name>',
          'glorank-sft, or glorank-local: the local-index ablation ("pick candidate #k")',
        )
          .choices(['glorank-sft', 'glorank-local'])
          .default('glorank-sft'),
      )
      // The ablation's earlier flag: refused with the one name it has everywhere now.
      .addOption(new Option('--local').hideHelp())
      .option('--epochs <n>', 'override sft.epochs', parseIntOption('--epochs', 0))
      .option(
        '--workers <n>',
        'override sft.workers: threads computing each gradient (2 uses both cores of a 2-core machine)',
        parseIntOption('--workers', 1),
      )
      .option(
        '--search-demos <evaluatorDir>',
        'evaluator-picked demonstrations (sft.demonstrations: search) scored by this reward-model checkpoint',
      )
      .option('--resume', 'continue from the checkpoint in --out'),
  )
    .addHelpText(
      'after',
      `
Demonstrations (sft.demonstrations: logged, the default): the logged slate reordered,
clicked items first, ties by retriever score. Requests without a positive are skipped.
With --search-demos (sft.demonstrations: search): per request, the slate the evaluator
scores highest among the logged one, the initial order, the evaluator's greedy slate and
sft.searchSamples Plackett-Luce samples; every training request is used.

Examples:
  $ glorank train sft datasets/out/synthetic
  $ glorank train sft datasets/out/ml-1m --config experiments/glorank.yaml --seed 2 --out runs/ml1m-sft
  $ glorank train sft datasets/out/synthetic --method glorank-local --json | jq .result
  $ glorank train reward-model datasets/out/synthetic --out runs/reward
  $ glorank train sft datasets/out/synthetic --search-demos runs/reward --epochs 15`,
    )
    .action(
      async (
        datasetDir: string,
        flags: CommonFlags & {
          method: 'glorank-sft' | 'glorank-local';
          local?: boolean;
          epochs?: number;
          workers?: number;
          resume?: boolean;
          searchDemos?: string;
        },
      ) => {
        if (flags.local)
          throw new UserError(
            '--local is now --method glorank-local (one name for the local-index ablation)',
            {
              field: '--local',
            },
          );
        const local = flags.method === 'glorank-local';
        const { config: base, backend, dataset, codes } = await trainInputs(datasetDir, flags);
        const config: GloRankTrainConfig = {
          ...base,
          model: { ...base.model, ...(local ? { mode: 'local' as const } : {}) },
          sft: {
            ...base.sft,
            ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
            ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
            ...(flags.searchDemos !== undefined ? { demonstrations: 'search' as const } : {}),
          },
        };
        if (config.sft.demonstrations === 'search' && flags.searchDemos === undefined)
          throw new UserError(
            "sft.demonstrations 'search' needs the evaluator: pass --search-demos <reward-model checkpoint>",
            { field: 'sft.demonstrations' },
          );
        const picker =
          flags.searchDemos !== undefined
            ? (await (await model()).loadEvaluator(path.resolve(flags.searchDemos))).evaluator
            : null;
        const out = path.resolve(
          flags.out ??
            defaultOut(dataset, config.model.mode === 'local' ? 'glorank-local' : 'sft', flags.seed),
        );
        await prepareOut(out, flags);
        const tracking = await startTracking(
          flags,
          `sft ${dataset.manifest.name} s${flags.seed}`,
          config,
          dataset,
          backend.name,
          out,
        );
        const bar = createProgress({ label: 'sft', total: 1, unit: 'steps', quiet: Boolean(flags.json) });
        const started = Date.now();
        try {
          const { trainGloRankSft } = await model();
          const { result } = await trainGloRankSft({
            dataset,
            codes,
            config,
            seed: flags.seed,
            logger: tracking.logger,
            out,
            resume: Boolean(flags.resume),
            onStep: (done, total) => bar.update(done, `of ${total}`),
            meta: { backend: backend.name },
            ...(picker !== null ? { demonstrationReward: (rs, ss) => picker.rewards(rs, ss) } : {}),
          });
          picker?.dispose();
          bar.stop();
          await tracking.finish(true);
          const seconds = (Date.now() - started) / 1000;
          print(flags, { checkpoint: out, backend: backend.name, seconds, result }, [
            `sft: ${result.steps}/${result.totalSteps} steps, last-epoch loss ${result.loss.toFixed(4)} (${seconds.toFixed(1)}s, ${backend.name})`,
            `checkpoint: ${out}`,
            `next: glorank train rl --from ${out}   or   glorank eval ${out}`,
          ]);
        } catch (err) {
          bar.stop();
          await tracking.finish(false, err);
          throw err;
        }
      },
    );

  withCommon(
    train
      .command('reward-model')
      .description(
        'train the list-wise evaluator on logged slates (RL reward, or a frozen evaluation simulator)',
      )
      .argument('<datasetDir>', 'converted dataset folder with codes.arrow')
      .option(
        '--with-valid',
        'also train on the valid split (for an evaluation simulator; no early stopping)',
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ glorank train reward-model datasets/out/ml-1m --seed 1000
  $ glorank train reward-model datasets/out/ml-1m --with-valid --seed 2000 --out runs/ml1m-simulator`,
    )
    .action(async (datasetDir: string, flags: CommonFlags & { withValid?: boolean }) => {
      const { config, backend, dir, dataset, codes } = await trainInputs(datasetDir, flags);
      const { saveEvaluator, trainRewardModel } = await model();
      const stage = flags.withValid ? 'simulator' : 'reward-model';
      const out = path.resolve(flags.out ?? defaultOut(dataset, stage, flags.seed));
      await prepareOut(out, flags);
      const bar = createProgress({ label: stage, total: 1, unit: 'steps', quiet: Boolean(flags.json) });
      const evaluator = trainRewardModel({
        dataset,
        codes,
        config,
        seed: flags.seed,
        logger: { log: () => undefined },
        splits: flags.withValid ? ['train', 'valid'] : ['train'],
        onStep: (done, total) => bar.update(done, `of ${total}`),
      });
      bar.stop();
      await saveEvaluator(out, evaluator, {
        dataset: dir,
        datasetHash: dataset.manifest.contentHash,
        seed: flags.seed,
        splits: flags.withValid ? ['train', 'valid'] : ['train'],
      });
      evaluator.dispose();
      print(flags, { checkpoint: out, backend: backend.name }, [`${stage}: ${out}`]);
    });

  withCommon(
    train
      .command('rl')
      .description('GRPO post-training of an SFT checkpoint against the list-wise evaluator')
      .requiredOption('--from <checkpoint>', 'SFT checkpoint folder')
      .option('--dataset <dir>', 'dataset folder (default: the one the checkpoint was trained on)')
      .option('--reward-model <dir>', 'evaluator checkpoint (default: train one now, seed + 1000)')
      .option('--steps <n>', 'override rl.steps', parseIntOption('--steps', 0))
      .option(
        '--workers <n>',
        'override rl.workers: threads computing each policy gradient',
        parseIntOption('--workers', 1),
      )
      .option('--resume', 'continue from the checkpoint in --out'),
  )
    .addHelpText(
      'after',
      `
Logs per round: rl/reward_mean, rl/reward_std, rl/kl, rl/clip_frac, rl/entropy, rl/loss.

Examples:
  $ glorank train rl --from runs/glorank/synthetic/sft-s1
  $ glorank train rl --from runs/ml1m-sft --reward-model runs/ml1m-reward --steps 200 --out runs/ml1m-rl`,
    )
    .action(
      async (
        flags: CommonFlags & {
          from: string;
          dataset?: string;
          rewardModel?: string;
          steps?: number;
          workers?: number;
          resume?: boolean;
        },
      ) => {
        if (flags.out !== undefined) await prepareOut(path.resolve(flags.out), flags);
        const {
          loadEvaluator,
          loadGloRankCheckpoint,
          saveEvaluator,
          selectBackend,
          trainGloRankRl,
          trainRewardModel,
        } = await model();
        const backend = await selectBackend(flags.backend as BackendChoice);
        const from = path.resolve(flags.from);
        const sft = await loadGloRankCheckpoint(from);
        const datasetDir = flags.dataset
          ? path.resolve(flags.dataset)
          : (sft.meta.dataset as string | undefined);
        if (!datasetDir)
          throw new UserError('the checkpoint does not name its dataset; pass --dataset', {
            field: 'dataset',
          });
        const dataset = await readDataset(datasetDir);
        const base = await configOf(flags);
        const config: GloRankTrainConfig = {
          ...base,
          rl: {
            ...base.rl,
            ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
            ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
          },
        };
        const out = path.resolve(flags.out ?? defaultOut(dataset, 'rl', flags.seed));
        await prepareOut(out, flags);
        let rewardModelDir = flags.rewardModel ? path.resolve(flags.rewardModel) : `${out}.reward-model`;
        let evaluator: EvaluatorEnsemble;
        if (flags.rewardModel) {
          evaluator = (await loadEvaluator(rewardModelDir)).evaluator;
        } else {
          const bar = createProgress({
            label: 'reward model',
            total: 1,
            unit: 'steps',
            quiet: Boolean(flags.json),
          });
          evaluator = trainRewardModel({
            dataset,
            codes: sft.model.codes,
            config,
            seed: flags.seed + 1000,
            logger: { log: () => undefined },
            splits: ['train'],
            onStep: (done, total) => bar.update(done, `of ${total}`),
          });
          bar.stop();
          await saveEvaluator(rewardModelDir, evaluator, {
            dataset: datasetDir,
            seed: flags.seed + 1000,
            splits: ['train'],
          });
        }
        rewardModelDir = path.resolve(rewardModelDir);
        const reward: RewardFunction = (rs, ss) => evaluator.rewards(rs, ss);
        const tracking = await startTracking(
          flags,
          `rl ${dataset.manifest.name} s${flags.seed}`,
          config,
          dataset,
          backend.name,
          out,
        );
        const bar = createProgress({
          label: 'rl',
          total: config.rl.steps,
          unit: 'rounds',
          quiet: Boolean(flags.json),
        });
        const started = Date.now();
        try {
          const { result } = await trainGloRankRl({
            from: sft.model,
            dataset,
            reward,
            config,
            seed: flags.seed,
            logger: tracking.logger,
            out,
            resume: Boolean(flags.resume),
            onStep: (done) => bar.update(done),
            meta: { backend: backend.name, from, rewardModel: rewardModelDir },
          });
          bar.stop();
          await tracking.finish(true);
          const seconds = (Date.now() - started) / 1000;
          print(
            flags,
            { checkpoint: out, rewardModel: rewardModelDir, backend: backend.name, seconds, result },
            [
              `rl: ${result.steps} rounds, sampled reward ${result.firstReward.toFixed(4)} -> ${result.lastReward.toFixed(4)} (${seconds.toFixed(1)}s, ${backend.name})`,
              `reward model: ${rewardModelDir}`,
              `checkpoint: ${out}`,
            ],
          );
        } catch (err) {
          bar.stop();
          await tracking.finish(false, err);
          throw err;
        } finally {
          evaluator.dispose();
        }
      },
    );
}
