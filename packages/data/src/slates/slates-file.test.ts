import { describe, expect, it } from 'vitest';
import { parseSlates } from './slates-file.js';

const row = {
  requestId: 4,
  method: 'glorank-rl',
  slate: [7, 2, 9],
  tokenProbs: [
    [0.9, 0.5],
    [1, 1],
    [0.2, 0.7],
  ],
};

describe('parseSlates', () => {
  it('accepts a bare array of rows', () => {
    const f = parseSlates([row, { requestId: 4, method: 'initial', slate: [2, 7, 9] }], 'a.json');
    expect(f.rows).toHaveLength(2);
    expect(f.dataset).toBeNull();
    expect(f.rows[1]!.tokenProbs).toBeUndefined();
  });

  it('accepts the wrapped form with dataset and slate size', () => {
    const f = parseSlates(
      { format: 'glorank-slates/1', dataset: 'ml-1m', slateSize: 3, rows: [row] },
      'b.json',
    );
    expect(f.dataset).toBe('ml-1m');
    expect(f.slateSize).toBe(3);
  });

  it.each([
    [[{ ...row, slate: [] }], /b\.json, field 'rows\.0\.slate'/],
    [[row, { ...row, requestId: -1 }], /field 'rows\.1\.requestId'/],
    [{ format: 'glorank-slates/1', rows: [{ ...row, method: 3 }] }, /field 'rows\.0\.method'/],
    [[{ ...row, slate: [1, 1, 2] }], /lists an item twice/],
    [[{ ...row, tokenProbs: [[0.5]] }], /tokenProbs has 1 positions but slate has 3/],
    [[{ ...row, tokenProbs: [[2], [1], [1]] }], /rows\.0\.tokenProbs\.0\.0/],
    [{ rows: 'nope' }, /b\.json/],
  ])('rejects %j naming the field', (json, msg) => {
    expect(() => parseSlates(json, 'b.json')).toThrow(msg);
  });
});
