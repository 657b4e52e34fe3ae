// A trainer stand-in for the multi-process tests: opens the store named in
// GLORANK_CHILD (JSON), logs through RunLogger, and reports progress on stdout as lines
// `ready <runId>`, `flushed <points>` and `done`. Imports the built package, as a trainer would.
import { existsSync } from 'node:fs';
import { openRunStore, RunLogger } from '@glorank/tracking';

const cfg = JSON.parse(process.env.GLORANK_CHILD ?? '{}');
const say = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const store = await openRunStore(cfg.location, cfg.schema ? { schema: cfg.schema } : {});
const logger = await RunLogger.start(store, {
  name: `child-${cfg.child}`,
  experiment: 'multi-process',
  params: { child: cfg.child },
  flushPoints: cfg.flushPoints,
  flushIntervalMs: 50,
  heartbeatIntervalMs: cfg.heartbeatIntervalMs ?? 1000,
  heartbeatTimeoutMs: cfg.heartbeatTimeoutMs ?? 60_000,
  systemIntervalMs: 0,
});
say(`ready ${logger.runId}`);
// Start together so the writers really contend for the database.
while (cfg.goFile && !existsSync(cfg.goFile)) await sleep(5);

if (cfg.mode === 'fixed') {
  for (let step = 0; step < cfg.steps; step++) {
    logger.log(step, { a: cfg.child * 1e6 + step, b: 0.5 - (cfg.child * 1e6 + step) });
    if (step % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  logger.info(`child ${cfg.child} logged ${cfg.steps} steps`);
  await logger.finish();
  await store.close();
  say('done');
} else {
  // Log until killed; report how many points the store has acknowledged.
  for (let step = 0; ; step++) {
    logger.log(step, { loss: 1 / (step + 1) });
    if (step % 50 === 49) {
      await logger.flush();
      say(`flushed ${logger.flushedPointCount}`);
      await sleep(2);
    }
  }
}
