import type { RerankRequest } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import { evaluateSlates } from './pipeline.js';

describe('evaluateSlates (PROTOCOL.md)', () => {
  it('skips requests without a positive for the average reward, as for every metric', () => {
    const ds = tinyBenchmark({ users: 10 });
    const withPos = ds.requests.filter((r) => r.labels.some((y) => y > 0)).slice(0, 2);
    const base = ds.requests[0] as RerankRequest;
    const noPos: RerankRequest = { ...base, id: 999, labels: new Float32Array(base.candidates.length) };
    const requests = [withPos[0] as RerankRequest, noPos, withPos[1] as RerankRequest];
    const slates = requests.map((r) => Int32Array.from(r.candidates.subarray(0, 4)));
    // Hand-set rewards: 1, 100 (the skipped request), 3 -> mean over scored requests is 2.
    const byId = new Map([
      [requests[0]!.id, 1],
      [999, 100],
      [requests[2]!.id, 3],
    ]);
    const e = evaluateSlates('test', requests, slates, 4, (rs) =>
      Float64Array.from(rs, (r) => byId.get(r.id)!),
    );
    expect(e.reward).toBe(2);
    expect(e.metrics.skipped).toBe(1);
    expect(e.metrics.count).toBe(2);
    // All skipped: no reward at all rather than a mean over nothing.
    expect(evaluateSlates('test', [noPos], [slates[1]!], 4, () => Float64Array.of(5)).reward).toBeNull();
  });
});
