import { describe, expect, it } from 'vitest';
import { parseRunQuery, RunQueryError } from './run-query.js';

describe('parseRunQuery', () => {
  it('reads an empty query as no filter', () => {
    expect(parseRunQuery('')).toEqual({});
    expect(parseRunQuery('   ')).toEqual({});
  });

  it('reads every kind of term', () => {
    expect(
      parseRunQuery(
        'status:finished,running tag:baseline tag:"seed sweep" experiment:ml-1m params.lr>=0.001 ' +
          'and params.method=glorank metrics.test/ndcg@6.max > 30 metrics.loss<0.5 sft "lr sweep"',
      ),
    ).toEqual({
      status: ['finished', 'running'],
      tags: ['baseline', 'seed sweep'],
      experiment: 'ml-1m',
      params: [
        { key: 'lr', op: '>=', value: 0.001 },
        { key: 'method', op: '=', value: 'glorank' },
      ],
      metrics: [
        { key: 'test/ndcg@6', agg: 'max', op: '>', value: 30 },
        { key: 'loss', agg: 'last', op: '<', value: 0.5 },
      ],
      nameContains: 'sft lr sweep',
    });
  });

  it('keeps a quoted param value as text even when it looks numeric', () => {
    expect(parseRunQuery('params.seed="7" param.x==2')).toEqual({
      params: [
        { key: 'seed', op: '=', value: '7' },
        { key: 'x', op: '=', value: 2 },
      ],
    });
  });

  it('reads id lists', () => {
    expect(parseRunQuery('id:3,14')).toEqual({ ids: [3, 14] });
  });

  it.each([
    ['status:done', /unknown status 'done'/],
    ['color:red', /unknown filter 'color:'/],
    ['loss<3', /comparisons need params/],
    ['metrics.loss<abc', /needs a number/],
    ['name:"open', /unterminated quote/],
    ['id:1,x', /positive integers/],
  ])('rejects %j with a clear message', (q, msg) => {
    expect(() => parseRunQuery(q)).toThrow(RunQueryError);
    expect(() => parseRunQuery(q)).toThrow(msg);
  });

  it('names the position of the bad term', () => {
    try {
      parseRunQuery('tag:a status:nope');
      expect.unreachable();
    } catch (err) {
      expect((err as RunQueryError).position).toBe(6);
    }
  });
});
