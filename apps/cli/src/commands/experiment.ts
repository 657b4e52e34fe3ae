// `glorank experiment run|show`: run an experiment config end to end (the stage graph lives in
// @glorank/experiment's runExperiment) with every (method, seed) recorded in the run store, and
// print its results table. Also used by `glorank demo`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXPORT_FORMATS, type ExportFormat, UserError } from '@glorank/data';
import type { RunExperimentOptions } from '@glorank/experiment';
import type { BackendChoice } from '@glorank/model';
import { openRunStore, type RunStore, storagePaths } from '@glorank/tracking';
import { type Command, Option } from 'commander';
import { backendOption, parseIntOption } from '../support/options.js';
import { createProgress, type Progress } from '../support/progress.js';
import { stageLinePrinter } from '../support/stage-progress.js';

export interface ExperimentRunOptions {
  dataRoot?: string;
  out?: string;
  backend: string;
  track: boolean;
  json?: boolean;
  fresh?: boolean;
  /** Run the stages on a PostgreSQL job queue (glorank worker) instead of in this process. */
  queue?: string;
  artifactRoot?: string;
  gpuStages?: string;
  lease?: number;
  attempts?: number;
}

/** Where `convert` datasets find their raw files: flag, GLORANK_REAL_DATA, then ./datasets/raw. */
function dataRootOf(flag: string | undefined): string {
  if (flag) return path.resolve(flag);
  if (process.env.GLORANK_REAL_DATA) return path.resolve(process.env.GLORANK_REAL_DATA);
  return path.resolve('datasets', 'raw');
}

/** Run one experiment config and print its tables; shared by `experiment run` and `demo`. */
export async function runExperimentCommand(configFile: string, opts: ExperimentRunOptions): Promise<void> {
  // Loaded here, not at the top: @glorank/experiment pulls in @glorank/model and TensorFlow.js,
  // which every other command (and `--help`) would pay for at start-up.
  const {
    experimentDirOf,
    loadExperimentConfig,
    QueuedStageError,
    runExperiment,
    runQueuedExperiment,
    storeTracker,
  } = await import('@glorank/experiment');
  const loaded = await loadExperimentConfig(configFile);
  const paths = storagePaths();
  const experimentDir = opts.out
    ? path.resolve(opts.out)
    : experimentDirOf(loaded.config, loaded.dir, paths.runsDir);
  const quiet = opts.json === true;
  const tty = process.stderr.isTTY && !process.env.CI;
  let store: RunStore | null = null;
  if (opts.queue && opts.fresh) {
    throw new UserError(
      '--fresh cannot be combined with --queue (finished stages are shared by experiments)',
      {
        field: '--fresh',
      },
    );
  }
  // Queue mode too: this process records each (method, seed) run from what its workers logged.
  if (opts.track) store = await openRunStore(paths.database);
  // On a terminal a bar over the stages; elsewhere one line per finished stage.
  const ui: { bar: Progress | null } = { bar: null };
  // Off a terminal (CI, nohup, a pipe) a long stage (an RL run is many minutes) would print
  // nothing between its start and end: a line when it starts and one a minute while it runs.
  const lines = stageLinePrinter((line) => process.stderr.write(line));
  try {
    const run = opts.queue
      ? (o: RunExperimentOptions) =>
          runQueuedExperiment({
            ...o,
            queueUrl: opts.queue as string,
            artifactRoot: path.resolve(
              opts.artifactRoot ?? process.env.GLORANK_ARTIFACT_ROOT ?? path.join(paths.runsDir, 'artifacts'),
            ),
            gpuStages: (opts.gpuStages ?? '').split(',').filter((k) => k.length > 0),
            ...(opts.lease !== undefined ? { leaseSeconds: opts.lease } : {}),
            ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
            ...(store ? { trackingStore: store.location } : {}),
          })
      : runExperiment;
    const result = await run({
      config: loaded.config,
      configDir: loaded.dir,
      experimentDir,
      dataRoot: dataRootOf(opts.dataRoot),
      datasetsDir: paths.datasetsDir,
      backend: opts.backend as BackendChoice,
      fresh: opts.fresh === true,
      ...(store ? { tracker: storeTracker(store, paths.runsDir) } : {}),
      onEvent: (e) => {
        if (quiet) return;
        if (e.type === 'info') {
          process.stderr.write(`${e.message}\n`);
          return;
        }
        if (tty) {
          ui.bar ??= createProgress({ label: loaded.config.name, total: e.total, unit: 'stages' });
          ui.bar.update(e.status === 'start' ? e.index - 1 : e.index, `${e.kind} ${e.label}`);
        } else {
          lines.onStage(e);
        }
      },
    });
    ui.bar?.stop();
    ui.bar = null;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            experiment: loaded.config.name,
            dir: result.dir,
            dataset: result.dataset,
            backend: result.backend,
            stages: result.stages,
            files: result.files,
            tables: result.tables,
          },
          (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
          2,
        )}\n`,
      );
      return;
    }
    process.stdout.write(`\n${result.markdown}\n`);
    process.stdout.write(
      [
        `stages: ${result.stages.run} run, ${result.stages.reused} reused; backend ${result.backend}`,
        `results: ${result.files.markdown} (also .json, .arrow${result.files.coldMarkdown ? '; cold-start.*' : ''})`,
        `slates:  ${result.files.slates}`,
        store ? `runs:    recorded in ${store.location}` : 'runs:    not recorded (--no-track)',
        'Open the dashboard to browse runs, curves and slates: npx glorank dashboard',
        '',
      ].join('\n'),
    );
  } catch (err) {
    // A stage that failed on the queue is reported by its job with its worker's error: one
    // line and exit code 1 (the stack of this waiting process says nothing about it).
    if (!(err instanceof QueuedStageError)) throw err;
    process.stderr.write(`glorank: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    lines.stop();
    ui.bar?.stop();
    await store?.close();
  }
}

async function showExperiment(target: string, opts: { json?: boolean; format?: string }): Promise<void> {
  let dir = path.resolve(target);
  if (!existsSync(path.join(dir, 'results'))) {
    const { experimentDirOf, loadExperimentConfig } = await import('@glorank/experiment');
    const loaded = await loadExperimentConfig(target);
    dir = experimentDirOf(loaded.config, loaded.dir, storagePaths().runsDir);
  }
  if (opts.format !== undefined) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
      throw new UserError(`--format ${opts.format}: expected one of ${EXPORT_FORMATS.join(', ')}`);
    }
    const { exportExperiment } = await import('@glorank/experiment');
    process.stdout.write(await exportExperiment(dir, opts.format as ExportFormat));
    return;
  }
  const file = path.join(dir, 'results', opts.json ? 'results.json' : 'results.md');
  if (!existsSync(file)) {
    throw new UserError('no results yet; run `glorank experiment run <config>` first', { file });
  }
  process.stdout.write(await readFile(file, 'utf8'));
  const cold = path.join(dir, 'results', opts.json ? 'cold-start.json' : 'cold-start.md');
  if (!opts.json && existsSync(cold)) process.stdout.write(`\n${await readFile(cold, 'utf8')}`);
}

export function registerExperiment(program: Command): void {
  const experiment = program
    .command('experiment')
    .description('run experiment configs (dataset, tokenizer, methods, seeds) and report results tables')
    .addHelpText(
      'after',
      `
Examples:
  $ glorank experiment run experiments/synthetic.yaml
  $ glorank experiment show experiments/synthetic.yaml`,
    );

  experiment
    .command('run')
    .description('run every stage of an experiment config, reusing stages that already finished')
    .argument('<config>', 'experiment config (YAML or JSON), e.g. experiments/synthetic.yaml')
    .option(
      '--data-root <dir>',
      'folder of raw benchmark files (default: $GLORANK_REAL_DATA, else ./datasets/raw)',
    )
    .option('--out <dir>', "experiment folder (default: the config's output, else <runs>/experiments/<name>)")
    .addOption(backendOption())
    .option('--no-track', 'do not record runs in the run store')
    .option('--fresh', 'run every stage again instead of reusing finished ones (e.g. after a code change)')
    .option(
      '--queue <postgres-url>',
      'run the stages on this PostgreSQL job queue (start `glorank worker` on each machine)',
    )
    .option(
      '--artifact-root <dir>',
      'with --queue: shared folder every worker mounts (default $GLORANK_ARTIFACT_ROOT, else <runs>/artifacts)',
    )
    .option(
      '--gpu-stages <kinds>',
      'with --queue: stage kinds only a `--tags gpu` worker may run, e.g. train,reward-model',
    )
    .option(
      '--lease <seconds>',
      'with --queue: retry a stage elsewhere when its worker is silent this long',
      parseIntOption('--lease', 5, 3600),
    )
    .option(
      '--attempts <n>',
      'with --queue: report a stage failed after this many tries',
      parseIntOption('--attempts', 1, 100),
    )
    .addOption(new Option('--json', 'print the results as JSON (no progress output)'))
    .addHelpText(
      'after',
      `
Stages (dataset, tokenize, train per method and seed, eval) are cached by content hash in the
experiment folder: stop it any time and run the same command again to resume. A stage's hash
covers its config and inputs, not the code: after changing code, use --fresh.

Examples:
  $ glorank experiment run experiments/synthetic.yaml
  $ glorank experiment run experiments/ml-100k.yaml --data-root ../shared/datasets
  $ GLORANK_REAL_DATA=~/data glorank experiment run experiments/ml-1m.yaml --backend wasm
  $ glorank experiment run my.yaml --json | jq '.tables.test.rows[].method'`,
    )
    .action(async (config: string, opts: ExperimentRunOptions) => {
      await runExperimentCommand(config, opts);
    });

  experiment
    .command('show')
    .description('print the saved results table of an experiment')
    .argument('<target>', 'experiment folder or its config file')
    .option('--json', 'print results.json')
    .option(
      '--format <format>',
      'export the results (test and cold-start tables) as md, latex (booktabs) or csv',
    )
    .addHelpText(
      'after',
      `
LaTeX: best mean per metric in bold, * where the paired difference to the best baseline
excludes 0; CSV: one row per (subset, method, metric) at full precision.

Examples:
  $ glorank experiment show experiments/synthetic.yaml
  $ glorank experiment show runs/experiments/synthetic --json
  $ glorank experiment show runs/experiments/synthetic --format latex > table.tex`,
    )
    .action(async (target: string, opts: { json?: boolean; format?: string }) => {
      await showExperiment(target, opts);
    });
}
