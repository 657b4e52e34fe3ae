// Worker-thread side of data-parallel training (data-parallel.ts): a replica of the model
// that takes the current weights and returns the gradient of its shard's loss.
import { parentPort, workerData } from 'node:worker_threads';
import { Rng } from '@glorank/data';
import { selectBackend } from '../backend/select-backend.js';
import { GloRankModel } from '../glorank/model.js';
import { ParamStore } from '../nn/params.js';
import type { ReplicaSpec, WorkerReply, WorkerRequest } from './data-parallel.js';
import { sampleShard } from './rollout-shard.js';
import { type PreparedShard, prepareShard, shardValueAndGrads } from './shard-loss.js';

const port = parentPort;
if (port === null) throw new Error('gradient-worker.js runs as a worker thread');
const spec = workerData as ReplicaSpec;
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

try {
  await selectBackend(spec.backend);
  // Weights are replaced before every gradient, so the initial draw does not matter.
  const model = new GloRankModel(new ParamStore(new Rng(0)), spec.codes, spec.config, spec.itemFeatures);
  // The frozen reference policy of RL (same network), built on its first weights.
  let reference: GloRankModel | null = null;
  let prepared: PreparedShard | null = null;
  let loadError: string | null = null;
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'load') {
      try {
        prepared = prepareShard(model, m.shard);
        loadError = null;
      } catch (e) {
        prepared = null;
        loadError = e instanceof Error ? (e.stack ?? e.message) : String(e);
      }
      return;
    }
    if (m.type === 'reference') {
      reference ??= new GloRankModel(new ParamStore(new Rng(0)), spec.codes, spec.config, spec.itemFeatures);
      reference.store.importArrays(m.weights, '', 'reference weights');
      return;
    }
    if (m.type === 'rollout') {
      try {
        if (reference === null) throw new Error('rollout asked before the reference weights were sent');
        model.store.importArrays(m.weights, '', 'data-parallel weights');
        const part = sampleShard(model, reference, m.shard);
        post({ type: 'rollout', id: m.id, part }, [
          part.tokens.buffer as ArrayBuffer,
          part.slates.buffer as ArrayBuffer,
          part.oldLogProbs.buffer as ArrayBuffer,
          part.refLogProbs.buffer as ArrayBuffer,
        ]);
      } catch (e) {
        post({ type: 'error', id: m.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
      return;
    }
    try {
      if (prepared === null) throw new Error(loadError ?? 'gradients asked before a shard was loaded');
      const shard = prepared;
      model.store.importArrays(m.weights, '', 'data-parallel weights');
      const { loss, stats: statValues, grads } = shardValueAndGrads(model, shard, m.normaliser);
      const out: [string, Float32Array][] = [];
      for (const [name, g] of grads) {
        out.push([name, Float32Array.from(g.dataSync() as Float32Array)]);
        g.dispose();
      }
      post(
        { type: 'grads', id: m.id, loss, stats: statValues, grads: out },
        out.map(([, v]) => v.buffer as ArrayBuffer),
      );
    } catch (e) {
      post({ type: 'error', id: m.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'error', id: -1, message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
