// Deterministic mini-batch order: epoch e visits the examples in the order of a shuffle
// drawn from rng.fork(`${label}-${e}`), so a resumed run only needs (epoch, batch index)
// to continue exactly where an uninterrupted run would be.
import type { Rng } from '@glorank/data';

/** Example indices of every batch of epoch `epoch` (the last batch may be smaller). */
export function epochBatches(
  rng: Rng,
  label: string,
  epoch: number,
  count: number,
  batchSize: number,
): number[][] {
  const order = rng.fork(`${label}-${epoch}`).shuffle(Array.from({ length: count }, (_, i) => i));
  const out: number[][] = [];
  for (let i = 0; i < count; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

/** Batches per epoch. */
export function batchesPerEpoch(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}
