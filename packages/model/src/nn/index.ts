// Reusable tfjs building blocks for every network in @glorank/model (GloRank, the
// evaluator, the baselines). Import from '../nn/index.js' inside the package.
//
//   const store = new ParamStore(rng.fork('init'));           // named, seeded parameters
//   const emb = new Embedding(store, 'item', items, dim);      // ids -> [..., dim]
//   const enc = new EncoderBlock(store, 'enc0', { dim, heads, hidden });
//   const dec = new DecoderBlock(store, 'dec0', { dim, heads, hidden });
//   const out = new Dense(store, 'head', dim, classes);        // W stored [in, out]
//   y = enc.apply(x, lengthMask(lengths, t))                   // additive masks:
//   z = dec.apply(y2, causalMask(t2), y, memoryMask)           //   0 = see, MASK_VALUE = hidden
//   const opt = new Adam(store, { lr: 1e-3, clipNorm: 1 });
//   const { value, grads } = store.valueAndGrads(() => loss());  // grads keyed by store name
//   opt.step(grads); dispose value and grads
//   await saveCheckpoint(dir, { meta, arrays: new Map([...store.exportArrays('params/'),
//                                                      ...opt.exportState('adam/')]) });
//   const ck = await loadCheckpoint(dir); store.importArrays(ck.arrays, 'params/');
//
// Shapes: activations are [batch, time, dim]; masks broadcast to [batch, queries, keys].
// Everything is tfjs-core ops, so it runs on wasm, cpu and tfjs-node(-gpu) unchanged; run
// forward passes inside tf.tidy.

export type { AdamOptions } from './adam.js';
export { Adam } from './adam.js';
export type { KeysValues } from './attention.js';
export { causalMask, lengthMask, MASK_VALUE, MultiHeadAttention, paddingMask } from './attention.js';
export type { Checkpoint, CheckpointMeta } from './checkpoint.js';
export { isCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { Activation } from './layers.js';
export { activate, Dense, Embedding, FeedForward, gelu, LayerNorm, layerNorm } from './layers.js';
export type { Init, StoredArray } from './params.js';
export { ParamStore } from './params.js';
export type { BlockOptions } from './transformer.js';
export { DecoderBlock, EncoderBlock } from './transformer.js';
