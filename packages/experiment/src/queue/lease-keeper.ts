// Renews the leases of a worker's running jobs from a thread of its own, started once per
// worker process with its own database connection. tfjs training runs long synchronous
// stretches on the main thread, so a timer there misses a short lease under load, and a
// thread started per job spent the lease loading `pg` and connecting (both seen on the
// shared 2-core machine: live workers' stages were handed on). A killed process stops the
// thread with everything else, so its jobs' leases run out.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// CommonJS in an eval'd thread: no module file to locate in dist or src alike.
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const client = new pg.Client({ connectionString: workerData.url, application_name: 'glorank-lease' });
const held = new Map();
// The lease is renewed only while the job is still this attempt's (a lapsed lease handed on
// makes the job active again under a higher retry_count); the attempt's heartbeat is beaten
// while the process lives, lease or not, so its temporary folder is not swept from under it.
const renew = async (jobId, attempt) => {
  try {
    const r = await client.query(
      "UPDATE pgboss.job SET expire_in = (now() - started_on) + make_interval(secs => $2) WHERE id = $1 AND state = 'active' AND retry_count = $3",
      [jobId, workerData.leaseSeconds, attempt - 1],
    );
    await client.query('UPDATE glorank_queue.attempt SET heartbeat_at = now() WHERE job_id = $1 AND attempt = $2', [jobId, attempt]);
    if (r.rowCount !== 1 && held.has(jobId)) parentPort.postMessage({ lost: jobId });
  } catch {}
};
let timer = null;
parentPort.on('message', (m) => {
  if (m.hold) {
    held.set(m.hold, m.attempt);
    renew(m.hold, m.attempt);
  } else if (m.release) held.delete(m.release);
  else if (m.stop) {
    if (timer) clearInterval(timer);
    client.end().finally(() => parentPort.close());
  }
});
client.connect().then(() => {
  timer = setInterval(() => { for (const [id, attempt] of held) renew(id, attempt); }, workerData.everyMs);
  parentPort.postMessage({ ready: true });
}, (err) => parentPort.postMessage({ failed: String(err) }));
`;

export class LeaseKeeper {
  private readonly lost = new Set<string>();
  private constructor(private readonly thread: Worker) {
    thread.on('message', (m: { lost?: string }) => {
      if (m.lost) this.lost.add(m.lost);
    });
  }

  /** Start the thread and wait until it is connected (before the worker claims a job). */
  static async start(url: string, leaseSeconds: number): Promise<LeaseKeeper> {
    const thread = new Worker(THREAD, {
      eval: true,
      workerData: {
        url,
        leaseSeconds,
        pgPath: createRequire(import.meta.url).resolve('pg'),
        everyMs: Math.max(250, (leaseSeconds * 1000) / 4),
      },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean; failed?: string }) => {
        if (m.ready) resolve();
        else if (m.failed) reject(new Error(`lease thread could not connect: ${m.failed}`));
        else return;
        thread.off('message', onMessage);
      };
      thread.on('message', onMessage);
      thread.once('error', reject);
    });
    return new LeaseKeeper(thread);
  }

  /** Renew this job's lease (now and every lease/4) until released. */
  hold(jobId: string, attempt: number): void {
    this.lost.delete(jobId);
    this.thread.postMessage({ hold: jobId, attempt });
  }

  /** Stop renewing; true when a renewal found the job no longer this worker's (expired, cancelled). */
  release(jobId: string): boolean {
    this.thread.postMessage({ release: jobId });
    const lost = this.lost.has(jobId);
    this.lost.delete(jobId);
    return lost;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((r) => this.thread.once('exit', () => r()));
    this.thread.postMessage({ stop: true });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await this.thread.terminate();
  }
}
