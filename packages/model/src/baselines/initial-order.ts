// The initial-order baseline: the stage-1 retriever's ranking, unchanged. Every reranker
// has to beat it; it needs no training and ignores the seed.
import type { RerankRequest } from '@glorank/data';
import { initialSlate } from '../glorank/demonstrations.js';
import type { Reranker } from '../methods/reranker.js';

export class InitialOrderReranker implements Reranker {
  readonly name = 'initial';

  rank(requests: readonly RerankRequest[], slateSize: number): Int32Array[] {
    return requests.map((r) => Int32Array.from(initialSlate(r, slateSize), (k) => r.candidates[k] as number));
  }
}
