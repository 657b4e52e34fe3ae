// A tiny dataset with a known answer for baseline tests: users prefer even or odd items,
// labels follow that preference, the retriever's initial scores are pure noise. A model that
// reads the user's history beats the initial order by a wide margin; one that does not, cannot.
import type { LoadedDataset, RerankRequest, Split } from '@glorank/data';
import { Rng } from '@glorank/data';

export function toyDataset(
  options: { requests?: number; items?: number; candidates?: number; seed?: number } = {},
): LoadedDataset {
  const itemCount = options.items ?? 40;
  const N = options.candidates ?? 10;
  const count = options.requests ?? 400;
  const rng = new Rng(options.seed ?? 7);
  const requests: RerankRequest[] = [];
  const users = 40;
  for (let id = 0; id < count; id++) {
    const user = id % users;
    const parity = user % 2;
    const liked = Array.from({ length: itemCount }, (_, i) => i).filter((i) => i % 2 === parity);
    const history = Int32Array.from(rng.shuffle([...liked]).slice(0, 5));
    const pool = Array.from({ length: itemCount }, (_, i) => i).filter((i) => !history.includes(i));
    const candidates = Int32Array.from(rng.shuffle(pool).slice(0, N));
    const labels = Float32Array.from(candidates, (c) => (c % 2 === parity ? 1 : 0));
    const initialScores = Float32Array.from(candidates, () => rng.normal());
    const split: Split = id < count * 0.7 ? 'train' : id < count * 0.85 ? 'valid' : 'test';
    // Every candidate was shown (labels exist for all of them).
    const exposed = Int32Array.from(candidates, (_, k) => k);
    requests.push({
      id,
      user,
      split,
      coldStart: false,
      ts: id,
      history,
      candidates,
      labels,
      initialScores,
      exposed,
    });
  }
  return {
    dir: '',
    manifest: {
      name: 'toy',
      sourceFormat: 'toy',
      sourceFiles: [],
      protocol: {
        kCore: 0,
        historyLength: 5,
        slateSize: 3,
        candidates: N,
        ratingThreshold: 1,
        coldStartQuantile: 1,
        retriever: 'popularity',
        seed: 0,
      },
      rows: { items: itemCount, users, interactions: 0, requests: count },
      requestsBySplit: { train: 0, valid: 0, test: 0 },
      coldStartItems: 0,
      toolVersion: 'test',
      createdAt: new Date(0).toISOString(),
      contentHash: 'toy',
    },
    items: {
      count: itemCount,
      rawId: Array.from({ length: itemCount }, (_, i) => `i${i}`),
      title: Array.from({ length: itemCount }, () => null),
      categories: Array.from({ length: itemCount }, () => []),
      year: Array.from({ length: itemCount }, () => null),
      popularity: new Int32Array(itemCount),
      cold: new Uint8Array(itemCount),
    },
    users: { count: users, rawId: Array.from({ length: users }, (_, u) => `u${u}`), attributes: {} },
    interactions: {
      count: 0,
      user: new Int32Array(0),
      item: new Int32Array(0),
      rating: new Float32Array(0),
      ts: new Float64Array(0),
    },
    requests,
  };
}
