import { describe, expect, it } from 'vitest';
import { parsePythonLiteral } from './python-literal.js';

describe('parsePythonLiteral', () => {
  it('parses the dict syntax of Amazon 2014 metadata lines', () => {
    const line =
      "{'asin': '0000031852', 'title': \"Girl's Tutu\", 'price': 3.17, 'related': {'also_bought': ['B00JHONN1S'], 'pair': ('a', 'b',)}, 'salesRank': {'Toys & Games': 211836}, 'categories': [['Sports & Outdoors', 'Dance']], 'x': None, 'y': True, 'z': False, 'n': -1e3}";
    expect(parsePythonLiteral(line)).toEqual({
      asin: '0000031852',
      title: "Girl's Tutu",
      price: 3.17,
      related: { also_bought: ['B00JHONN1S'], pair: ['a', 'b'] },
      salesRank: { 'Toys & Games': 211836 },
      categories: [['Sports & Outdoors', 'Dance']],
      x: null,
      y: true,
      z: false,
      n: -1000,
    });
  });

  it('decodes escapes and u-prefixed strings as Python writes them', () => {
    expect(parsePythonLiteral("u'caf\\xe9 \\u00e9t\\u00e9 \\'q\\' \\\\ \\n'")).toBe("café été 'q' \\ \n");
    expect(parsePythonLiteral('"it\'s"')).toBe("it's");
  });

  it('rejects what is not a literal, with a column', () => {
    expect(() => parsePythonLiteral("{'a': 1")).toThrow(/expected ',' or '}'/);
    expect(() => parsePythonLiteral("{'a': __import__('os')}")).toThrow(/unexpected character/);
    expect(() => parsePythonLiteral("'abc")).toThrow(/unterminated string/);
    expect(() => parsePythonLiteral('[1, 2] 3')).toThrow(/after the literal at column/);
  });
});
