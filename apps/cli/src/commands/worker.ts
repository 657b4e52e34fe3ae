// `glorank worker --queue <url>`: claim runnable experiment stages from the PostgreSQL queue and
// run them with the experiment runner's own code, writing into the shared artifact root.
// `--concurrency n` starts n worker processes (each stage is CPU- or GPU-bound and tfjs keeps
// one backend per process, so parallel stages need parallel processes).
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Command } from 'commander';
import { DEFAULT_LEASE_SECONDS } from '../support/help-constants.js';
import { parseIntOption } from '../support/options.js';

interface WorkerCliOptions {
  queue: string;
  concurrency: number;
  tags?: string;
  name?: string;
  artifactRoot?: string;
  dataRoot?: string;
  lease: number;
  exitWhenIdle?: number;
}

async function workerCommand(opts: WorkerCliOptions): Promise<void> {
  if (opts.concurrency > 1) {
    // One child per slot, same arguments; a signal to the parent stops them all.
    const args = process.argv
      .slice(1)
      .filter(
        (a, i, all) =>
          all[i - 1] !== '--concurrency' && a !== '--concurrency' && !a.startsWith('--concurrency='),
      );
    const children = Array.from({ length: opts.concurrency }, (_, i) =>
      spawn(
        process.execPath,
        [
          ...process.execArgv,
          ...args,
          '--concurrency',
          '1',
          ...(opts.name ? [] : ['--name', `${defaultName()}#${i + 1}`]),
        ],
        {
          stdio: 'inherit',
        },
      ),
    );
    const stop = (sig: NodeJS.Signals) => {
      for (const c of children) c.kill(sig);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    const codes = await Promise.all(
      children.map((c) => new Promise<number>((r) => c.on('exit', (code) => r(code ?? 1)))),
    );
    process.exitCode = Math.max(...codes);
    return;
  }
  const tags = (opts.tags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  // Loaded only when a worker runs: @glorank/experiment pulls in @glorank/model and TensorFlow.js.
  const { runWorker, StageQueue } = await import('@glorank/experiment');
  const queue = await StageQueue.open({ url: opts.queue, leaseSeconds: opts.lease });
  const abort = new AbortController();
  // Ctrl-C: finish the running stage, then stop (a second Ctrl-C kills; the lease hands it on).
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('stopping after the running stage (again to kill now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const name = opts.name ?? defaultName();
    process.stderr.write(
      `worker ${name}: tags [${tags.join(', ')}], lease ${queue.leaseSeconds}s, polling ${opts.queue.replace(/:[^:@/]*@/, ':***@')}\n`,
    );
    const summary = await runWorker(queue, {
      name,
      tags,
      ...(opts.artifactRoot ? { artifactRoot: opts.artifactRoot } : {}),
      ...(opts.dataRoot ? { dataRoot: opts.dataRoot } : {}),
      ...(opts.exitWhenIdle !== undefined ? { idlePolls: opts.exitWhenIdle } : {}),
      signal: abort.signal,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stderr.write(
      `worker ${name}: ${summary.done} done, ${summary.reused} reused, ${summary.failed} failed, ${summary.lost} lost\n`,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await queue.close();
  }
}

function defaultName(): string {
  return `${os.hostname()}:${process.pid}`;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run experiment stages from a PostgreSQL job queue (start one on every machine)')
    .requiredOption('--queue <postgres-url>', 'the queue database (postgres://user:pass@host:5432/db)')
    .option('--concurrency <n>', 'worker processes to start', parseIntOption('--concurrency', 1, 256), 1)
    .option('--tags <list>', "comma-separated tags; 'gpu' lets it claim stages that ask for a GPU worker")
    .option('--name <name>', 'name shown by `glorank queue ls` (default host:pid)')
    .option(
      '--artifact-root <dir>',
      "where this machine mounts the shared artifact root (default: the coordinator's path)",
    )
    .option(
      '--data-root <dir>',
      "where this machine keeps raw benchmark files (default: the coordinator's path)",
    )
    .option(
      '--lease <seconds>',
      'a stage whose worker stops renewing for this long is retried elsewhere',
      parseIntOption('--lease', 5, 3600),
      DEFAULT_LEASE_SECONDS,
    )
    .option(
      '--exit-when-idle <polls>',
      'exit after this many empty polls (1 s apart) instead of waiting',
      parseIntOption('--exit-when-idle', 1),
    )
    .addHelpText(
      'after',
      `
Every machine must see the artifact root (an NFS/SMB mount, or the same folder) and run the same
glorank version; stages are written to a temporary folder and renamed into place, so a killed
worker never leaves a stage that looks finished.

Examples:
  $ glorank worker --queue postgres://glorank:glorank@db:5432/glorank
  $ glorank worker --queue $GLORANK_QUEUE_URL --concurrency 4 --artifact-root /mnt/glorank
  $ glorank worker --queue $GLORANK_QUEUE_URL --tags gpu`,
    )
    .action(async (opts: WorkerCliOptions) => {
      await workerCommand(opts);
    });
}
