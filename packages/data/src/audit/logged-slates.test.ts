import { describe, expect, it } from 'vitest';
import type { RerankRequest } from '../schema/types.js';
import { testRequest } from '../test-support/request.js';
import { loggedSlateStats, simulatorWarning } from './logged-slates.js';

const req = (split: RerankRequest['split'], labels: number[], exposed: number[]) =>
  testRequest(
    labels.map((_, i) => i),
    labels,
    { id: 0, split, exposed: Int32Array.from(exposed) },
  );

describe('logged slate statistics', () => {
  it('counts all-click, no-click and mixed slates and the click rate by shown position (hand-worked)', () => {
    const s = loggedSlateStats([
      req('train', [1, 0, 1, 0], [2, 0]), // shown: #2 (click), #0 (click): all clicks
      req('train', [1, 0, 0, 0], [1, 0]), // #1 (no), #0 (click): mixed
      req('valid', [0, 0, 0, 1], [0, 1]), // no clicks
      req('test', [1, 1, 1, 1], [0, 1]), // test: not what the simulator learns from
    ]);
    expect(s).toEqual({
      slates: 3,
      allClicked: 1,
      noneClicked: 1,
      mixed: 1,
      clickRateByPosition: [1 / 3, 2 / 3],
    });
    expect(simulatorWarning(s)).toBeNull();
  });

  it('warns when (nearly) every logged slate is all clicks, as on implicit data', () => {
    const implicit = Array.from({ length: 100 }, () => req('train', [1, 1, 0], [0, 1]));
    const w = simulatorWarning(loggedSlateStats(implicit));
    expect(w).toMatch(
      /only 0\.0% of the 100 logged slates mix clicks and non-clicks \(100\.0% are all clicks\)/,
    );
    expect(w).toMatch(/cannot have learned position or list effects/);
    // 4 mixed slates in 100 is still below the 5% default.
    const few = [
      ...implicit.slice(0, 96),
      ...Array.from({ length: 4 }, () => req('train', [1, 0, 0], [0, 1])),
    ];
    expect(simulatorWarning(loggedSlateStats(few))).not.toBeNull();
    const enough = [
      ...implicit.slice(0, 95),
      ...Array.from({ length: 5 }, () => req('train', [1, 0, 0], [0, 1])),
    ];
    expect(simulatorWarning(loggedSlateStats(enough))).toBeNull();
  });
});
