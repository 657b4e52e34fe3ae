// The command tree. Each command group lives in its own module under commands/ and
// registers itself here; this file holds no command logic.
import { isUserError } from '@glorank/data';
import { Command, CommanderError } from 'commander';
import { registerDashboard } from './commands/dashboard.js';
import { registerData } from './commands/data.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerExperiment } from './commands/experiment.js';
import { registerQueue } from './commands/queue.js';
import { registerRuns } from './commands/runs.js';
import { registerTokenize } from './commands/tokenize.js';
import { registerTrain } from './commands/train.js';
import { registerWorker } from './commands/worker.js';
import { CLI_VERSION } from './support/version.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('glorank')
    .description('Generative list-wise reranking with global semantic-ID action spaces (GloRank).')
    .version(CLI_VERSION, '-v, --version')
    .exitOverride()
    // Usage errors stay on one line: the message, then where to look.
    .configureOutput({ outputError: (str, write) => write(`${str.trimEnd()} (see --help)\n`) })
    .addHelpText(
      'after',
      `
Examples:
  $ glorank doctor --json          show backends, versions and storage paths
  $ glorank demo                   run the built-in synthetic experiment end to end
  $ glorank <command> --help       details and examples for one command
`,
    );
  program.allowExcessArguments(false);
  registerDoctor(program);
  registerDemo(program);
  registerExperiment(program);
  registerRuns(program);
  registerDashboard(program);
  registerData(program);
  registerTokenize(program);
  registerTrain(program);
  registerEval(program);
  registerWorker(program);
  registerQueue(program);
  return program;
}

/** Run the CLI on `argv` (process.argv layout); resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    // A command that sets its own exit code (worker, dashboard, a failed queued stage) keeps it:
    // main.ts assigns this result to process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; parse errors were already printed.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (isUserError(err)) {
      process.stderr.write(`glorank: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
