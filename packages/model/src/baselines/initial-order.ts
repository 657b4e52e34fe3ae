// The initial-order baseline: the stage-1 retriever's ranking, unchanged. Every reranker
// has to beat it; it needs no training and ignores the seed.
import type { RerankRequest } from '@glorank/data';
import type { Reranker } from '../methods/reranker.js';
import { initialOrder } from './request-batch.js';

export class InitialOrderReranker implements Reranker {
  readonly name = 'initial';

  rank(requests: readonly RerankRequest[], slateSize: number): Int32Array[] {
    return requests.map((r) => {
      const o = initialOrder(r);
      const k = Math.min(slateSize, o.length);
      const slate = new Int32Array(k);
      for (let i = 0; i < k; i++) slate[i] = r.candidates[o[i] as number] as number;
      return slate;
    });
  }
}
