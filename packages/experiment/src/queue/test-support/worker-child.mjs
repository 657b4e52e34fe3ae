// A queue worker process for queue.test.ts: the built package's runWorker on the queue named
// in GLORANK_QUEUE_CHILD, one log line per job event on stdout (the test waits on them and
// SIGKILLs the process mid-stage). Imports the built package by its name (turbo builds before tests).
import { runWorker, StageQueue } from '@glorank/experiment';

const cfg = JSON.parse(process.env.GLORANK_QUEUE_CHILD ?? '{}');
const queue = await StageQueue.open({ url: cfg.url, leaseSeconds: cfg.lease, maintenanceSeconds: 1 });
const abort = new AbortController();
process.on('SIGTERM', () => abort.abort());
process.stdout.write(`ready ${cfg.name}\n`);
const summary = await runWorker(queue, {
  name: cfg.name,
  pollMs: 200,
  signal: abort.signal,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`summary ${JSON.stringify(summary)}\n`);
await queue.close();
