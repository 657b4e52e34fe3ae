import { itemCodes } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { codebookSummary, itemCode, itemsUnderPrefix, prefixChildren } from './codebook.js';

// 5 items, 2 levels: (0,1) (0,2) (1,1) (0,1) (2,0)
const c = itemCodes([0, 1, 0, 2, 1, 1, 0, 1, 2, 0], 2);

describe('semantic-ID tree', () => {
  it('lists children of the root and of a prefix with item counts', () => {
    expect(prefixChildren(c, [])).toEqual([
      { code: 0, items: 3 },
      { code: 1, items: 1 },
      { code: 2, items: 1 },
    ]);
    expect(prefixChildren(c, [0])).toEqual([
      { code: 1, items: 2 },
      { code: 2, items: 1 },
    ]);
    expect(prefixChildren(c, [0, 1])).toEqual([]);
    expect(prefixChildren(c, [7])).toEqual([]);
  });

  it('lists items under a prefix with pagination', () => {
    expect(itemsUnderPrefix(c, [0], { offset: 0, limit: 10 })).toEqual({ total: 3, items: [0, 1, 3] });
    expect(itemsUnderPrefix(c, [0, 1], { offset: 1, limit: 10 })).toEqual({ total: 2, items: [3] });
    expect(itemsUnderPrefix(c, [], { offset: 0, limit: 2 })).toEqual({ total: 5, items: [0, 1] });
  });

  it('summarises codebook use and ID collisions', () => {
    expect(codebookSummary(c)).toEqual({
      levels: 2,
      items: 5,
      usedPerLevel: [3, 3],
      distinctIds: 4,
      collidingItems: 2,
    });
    expect(itemCode(c, 4)).toEqual([2, 0]);
  });
});
