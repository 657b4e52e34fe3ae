// Data-parallel gradients on worker threads. tfjs-wasm runs single-threaded under Node, so
// a trainer that wants both cores splits each batch into shards: the main thread computes
// one, each worker (a replica of the model, given the current weights every step) computes
// another, and the shard gradients are added. Every shard's loss is already divided by the
// batch's normaliser (shard-loss.ts), so the sum is the gradient of the batch mean: the same
// update as one thread, up to float summation order.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ItemCodes, RerankRequest } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { activeBackend, type BackendName } from '../backend/select-backend.js';
import type { GloRankModel, GloRankModelConfig } from '../glorank/model.js';
import type { StoredArray } from '../nn/params.js';
import { type RolloutPart, type RolloutShard, sampleShard } from './rollout-shard.js';
import {
  type LossShard,
  type PreparedShard,
  prepareShard,
  shardCount,
  shardValueAndGrads,
} from './shard-loss.js';

/** What a worker needs to build its replica. */
export interface ReplicaSpec {
  backend: BackendName;
  codes: ItemCodes;
  config: GloRankModelConfig;
  itemFeatures?: { values: Float32Array; width: number };
}

export type WorkerRequest =
  | { type: 'load'; shard: LossShard }
  | { type: 'grads'; id: number; weights: Map<string, StoredArray>; normaliser: number }
  | { type: 'reference'; weights: Map<string, StoredArray> }
  | { type: 'rollout'; id: number; weights: Map<string, StoredArray>; shard: RolloutShard };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'grads'; id: number; loss: number; stats: number[]; grads: [string, Float32Array][] }
  | { type: 'rollout'; id: number; part: RolloutPart }
  | { type: 'error'; id: number; message: string };

/** The backend the main thread runs on, by our name, for the replicas. */
function currentBackend(): BackendName {
  const active = activeBackend();
  if (active !== null && active.tfName === tf.getBackend()) return active.name;
  const tfName = tf.getBackend();
  if (tfName === 'wasm' || tfName === 'cpu') return tfName;
  if (tfName === 'tensorflow') return 'node';
  throw new Error(`data-parallel training does not know the tfjs backend '${tfName}'`);
}

/**
 * The worker's script. From the built package it sits beside this file; when this module runs
 * from its TypeScript source (vitest), the worker is the built copy in dist/, since Node
 * cannot start a worker from a .ts file.
 */
function workerScript(): string {
  const built = import.meta.url.endsWith('.ts')
    ? new URL('../../dist/training/gradient-worker.js', import.meta.url)
    : new URL('./gradient-worker.js', import.meta.url);
  const file = fileURLToPath(built);
  if (!existsSync(file)) {
    throw new Error(
      `data-parallel training needs the built worker ${file}; run \`npm run build -w @glorank/model\` first`,
    );
  }
  return file;
}

/** Split `n` items into `parts` contiguous ranges of near-equal size (none empty when n >= parts). */
export function evenRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) out.push([Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)]);
  return out.filter(([a, b]) => b > a);
}

export interface BatchGrads {
  /** The batch-mean loss. */
  loss: number;
  /** The shard statistics summed (batch means, see ShardLoss.stats). */
  stats: number[];
  /** Gradient of the batch-mean loss per parameter name; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
}

class Replica {
  private pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(new Error(`data-parallel worker: ${m.message}`));
      else p.resolve(m);
    });
    const fail = (e: Error): void => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`data-parallel worker exited with code ${code}`));
    });
  }

  request(m: WorkerRequest & { type: 'grads' | 'rollout' }): Promise<WorkerReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(m.id, { resolve, reject });
      this.worker.postMessage(m);
    });
  }
}

/**
 * `threads` - 1 worker replicas of a model plus the main thread. Load a batch as one shard
 * per thread with `load`, then `valueAndGrads` as often as the trainer steps on it.
 */
export class GradientPool {
  private local: PreparedShard | null = null;
  private counts: number[] = [];
  private nextId = 0;

  private constructor(
    private readonly model: GloRankModel,
    private readonly replicas: Replica[],
  ) {}

  /** Start the workers (each loads the backend and builds its replica) and wait until they are ready. */
  static async start(model: GloRankModel, threads: number): Promise<GradientPool> {
    const spec: ReplicaSpec = {
      backend: currentBackend(),
      codes: model.codes,
      config: model.config,
      ...(model.itemFeatures !== undefined ? { itemFeatures: model.itemFeatures } : {}),
    };
    const script = threads > 1 ? workerScript() : '';
    const workers = Array.from(
      { length: Math.max(0, threads - 1) },
      () => new Worker(script, { workerData: spec }),
    );
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (m: WorkerReply): void => {
                if (m.type === 'ready') {
                  w.off('message', onMessage);
                  resolve();
                } else if (m.type === 'error') reject(new Error(`data-parallel worker: ${m.message}`));
              };
              w.on('message', onMessage);
              w.once('error', reject);
              w.once('exit', (code) => reject(new Error(`data-parallel worker exited with code ${code}`)));
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new GradientPool(
      model,
      workers.map((w) => new Replica(w)),
    );
  }

  /**
   * Give the workers the frozen reference policy's weights (a replica of the same network) for
   * `rollout`'s reference log-probabilities; once per RL run, it does not change.
   */
  setReference(reference: GloRankModel): void {
    if (this.replicas.length === 0) return;
    const weights = reference.store.exportArrays();
    for (const r of this.replicas)
      r.worker.postMessage({ type: 'reference', weights } satisfies WorkerRequest);
  }

  /**
   * Sample each shard's slates and their old and reference log-probabilities at the policy's
   * current weights: the first shard on the main thread, each other on a worker (after
   * `setReference`). Parts come back in shard order.
   */
  async rollout(reference: GloRankModel, shards: RolloutShard[]): Promise<RolloutPart[]> {
    if (shards.length === 0 || shards.length > this.threads)
      throw new RangeError(`GradientPool.rollout: ${shards.length} shards for ${this.threads} threads`);
    let replies: Promise<WorkerReply>[] = [];
    if (shards.length > 1) {
      const weights = this.model.store.exportArrays();
      replies = shards
        .slice(1)
        .map((shard, i) =>
          (this.replicas[i] as Replica).request({ type: 'rollout', id: this.nextId++, weights, shard }),
        );
    }
    let mine: RolloutPart;
    try {
      mine = sampleShard(this.model, reference, shards[0] as RolloutShard);
    } finally {
      if (replies.length > 0) await Promise.allSettled(replies);
    }
    const parts = [mine];
    for (const reply of await Promise.all(replies)) {
      if (reply.type !== 'rollout') throw new Error('data-parallel worker: unexpected reply');
      parts.push(reply.part);
    }
    return parts;
  }

  /** Threads taking part (workers + the main thread): the number of shards `load` wants at most. */
  get threads(): number {
    return this.replicas.length + 1;
  }

  /** Give each thread its shard (the first stays on the main thread); fewer shards leave workers idle. */
  load(shards: LossShard[]): void {
    if (shards.length === 0 || shards.length > this.threads)
      throw new RangeError(`GradientPool.load: ${shards.length} shards for ${this.threads} threads`);
    this.counts = shards.map((s) => shardCount(this.model, s));
    for (let i = 1; i < shards.length; i++)
      this.replicas[i - 1]?.worker.postMessage({
        type: 'load',
        shard: shards[i] as LossShard,
      } satisfies WorkerRequest);
    this.local = prepareShard(this.model, shards[0] as LossShard);
  }

  /** Loss, statistics and gradients of the loaded batch at the model's current weights. */
  async valueAndGrads(): Promise<BatchGrads> {
    const local = this.local;
    if (local === null) throw new Error('GradientPool.valueAndGrads before load');
    const normaliser = this.counts.reduce((a, b) => a + b, 0);
    const remote = this.counts.length - 1;
    let replies: Promise<WorkerReply>[] = [];
    if (remote > 0) {
      const weights = this.model.store.exportArrays();
      replies = this.replicas
        .slice(0, remote)
        .map((r) => r.request({ type: 'grads', id: this.nextId++, weights, normaliser }));
    }
    // The main thread's shard runs while the workers compute theirs.
    let mine: ReturnType<typeof shardValueAndGrads>;
    let answers: WorkerReply[];
    try {
      mine = shardValueAndGrads(this.model, local, normaliser);
    } catch (e) {
      await Promise.allSettled(replies); // no worker reply is left unhandled
      throw e;
    }
    const { grads } = mine;
    try {
      answers = await Promise.all(replies);
    } catch (e) {
      for (const g of grads.values()) g.dispose();
      throw e;
    }
    let loss = mine.loss;
    const statValues = mine.stats;
    for (const reply of answers) {
      if (reply.type !== 'grads') throw new Error('data-parallel worker: unexpected reply');
      loss += reply.loss;
      reply.stats.forEach((v, i) => {
        statValues[i] = (statValues[i] ?? 0) + v;
      });
      for (const [name, values] of reply.grads) {
        const g = grads.get(name);
        if (g === undefined) continue;
        grads.set(
          name,
          tf.tidy(() => tf.add(g, tf.tensor(values, g.shape, 'float32'))),
        );
        g.dispose();
      }
    }
    return { loss, stats: statValues, grads };
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.worker.terminate()));
    this.local = null;
  }
}

/** Contiguous SFT shards of a batch, one per thread. */
export function sftShards(
  requests: RerankRequest[],
  targets: Int32Array[],
  weights: Float32Array[] | undefined,
  threads: number,
): LossShard[] {
  return evenRanges(requests.length, threads).map(([a, b]) => ({
    kind: 'sft',
    requests: requests.slice(a, b),
    targets: targets.slice(a, b),
    ...(weights !== undefined ? { weights: weights.slice(a, b) } : {}),
  }));
}
