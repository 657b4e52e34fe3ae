// Renews a running job's lease from its own thread. tfjs training runs long synchronous
// stretches on the main thread, so a timer there can miss the lease (a live worker's stage
// was handed on under load); a thread keeps renewing while the process lives, and a killed
// process stops it with everything else.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// CommonJS in an eval'd thread: no module file to locate in dist or src alike.
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const client = new pg.Client({ connectionString: workerData.url, application_name: 'glorank-lease' });
let timer = null;
const tick = async () => {
  try {
    const r = await client.query(
      "UPDATE pgboss.job SET expire_in = (now() - started_on) + make_interval(secs => $2) WHERE id = $1 AND state = 'active'",
      [workerData.jobId, workerData.leaseSeconds],
    );
    if (r.rowCount === 1) {
      await client.query('UPDATE glorank_queue.attempt SET heartbeat_at = now() WHERE job_id = $1 AND attempt = $2', [
        workerData.jobId,
        workerData.attempt,
      ]);
    } else parentPort.postMessage('lost');
  } catch {}
};
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  if (timer) clearInterval(timer);
  client.end().finally(() => parentPort.close());
});
client.connect().then(() => {
  tick();
  timer = setInterval(tick, workerData.everyMs);
}, () => parentPort.postMessage('no-connection'));
`;

export interface LeaseKeeper {
  /** True once a renewal found the job no longer active (expired and handed on, or cancelled). */
  readonly lost: boolean;
  stop(): Promise<void>;
}

export function keepLease(o: {
  url: string;
  jobId: string;
  attempt: number;
  leaseSeconds: number;
}): LeaseKeeper {
  const pgPath = createRequire(import.meta.url).resolve('pg');
  const thread = new Worker(THREAD, {
    eval: true,
    workerData: { ...o, pgPath, everyMs: Math.max(250, (o.leaseSeconds * 1000) / 4) },
  });
  const state = { lost: false };
  thread.on('message', (m) => {
    if (m === 'lost') state.lost = true;
  });
  thread.on('error', () => undefined);
  const exited = new Promise<void>((r) => thread.once('exit', () => r()));
  return {
    get lost() {
      return state.lost;
    },
    async stop() {
      thread.postMessage('stop');
      // A thread stuck in a query is not waited on for long.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await thread.terminate();
    },
  };
}
