// The compare links of the runs table: never more runs than the API's compare.get accepts
// (issue 18: a group of 49-50 runs used to link 50 ids, which the API refuses over 48).
import { MAX_COMPARE_RUNS } from '@glorank/api';
import { describe, expect, it } from 'vitest';
import { compareHref } from './runs-view';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('compareHref', () => {
  it('links every run up to the limit, in order', () => {
    expect(compareHref([7, 3, 12], 48)).toBe('/compare?ids=7,3,12');
    expect(compareHref(ids(48), 48)).toBe(`/compare?ids=${ids(48).join(',')}`);
  });

  it('links the first runs beyond the limit', () => {
    expect(compareHref(ids(50), 48)).toBe(`/compare?ids=${ids(48).join(',')}`);
    expect(compareHref([5, 4, 3, 2], 2)).toBe('/compare?ids=5,4');
  });

  it('without a known limit, links them all (the API then names its own limit)', () => {
    expect(compareHref(ids(60), null)).toBe(`/compare?ids=${ids(60).join(',')}`);
  });

  it('the limit the server page passes is the one compare.get enforces', async () => {
    const { createCaller } = await import('@glorank/api');
    // Input validation runs before the procedure touches the store, so no store is needed
    // to see where the API draws the line.
    const caller = createCaller({} as never);
    await expect(caller.compare.get({ ids: ids(MAX_COMPARE_RUNS + 1) })).rejects.toThrow(
      `compare at most ${MAX_COMPARE_RUNS} runs at once`,
    );
    await expect(caller.compare.get({ ids: ids(MAX_COMPARE_RUNS) })).rejects.not.toThrow(/compare at most/);
  });
});
