// `glorank demo`: the main job a newcomer runs after `npm ci`: the synthetic experiment
// (experiments/synthetic.yaml) end to end, ending with its results table and how to open
// the dashboard. A second run reuses every finished stage.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '@glorank/data';
import type { Command } from 'commander';
import { backendOption } from '../support/options.js';
import { runExperimentCommand } from './experiment.js';

/** experiments/synthetic.yaml of the repository this CLI was built in. */
function demoConfig(): string {
  const file = fileURLToPath(new URL('../../../../experiments/synthetic.yaml', import.meta.url));
  if (!existsSync(file)) {
    throw new UserError('the demo config is missing; run from a glorank checkout', { file });
  }
  return file;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the built-in synthetic experiment end to end (experiments/synthetic.yaml)')
    .option('--out <dir>', 'experiment folder (default <runs>/experiments/synthetic)')
    .addOption(backendOption())
    .option('--no-track', 'do not record runs in the run store')
    .addHelpText(
      'after',
      `
Trains the initial order, DNN, DLCM, PRM, Seq2Slate and GloRank (local-index ablation, SFT,
SFT+RL) with 3 seeds on the synthetic benchmark, about 6 minutes on 2 idle CPU cores. Stopped
early, the same command resumes where it stopped.

Examples:
  $ npm run demo
  $ glorank demo --backend cpu --out /tmp/demo`,
    )
    .action(async (opts: { out?: string; backend: string; track: boolean }) => {
      await runExperimentCommand(demoConfig(), {
        backend: opts.backend,
        track: opts.track,
        ...(opts.out ? { out: opts.out } : {}),
      });
    });
}
