import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { parseNumericFields } from './numeric-fields.js';

const sep = Buffer.from('::');

function parse(line: string): number[] | false {
  const buf = Buffer.from(line, 'latin1');
  const out = new Float64Array(4);
  return parseNumericFields(buf, 0, buf.length, sep, out) ? [...out] : false;
}

describe('parseNumericFields', () => {
  it('matches Number() on plain numbers, including fractions', () => {
    const rng = new Rng(1);
    for (let k = 0; k < 2000; k++) {
      const fields = [
        String(1 + rng.int(1_000_000)),
        String(1 + rng.int(200_000)),
        rng.next() < 0.5 ? String(1 + rng.int(5)) : `${rng.int(5)}.${rng.int(1000)}`,
        String(900_000_000 + rng.int(300_000_000)),
      ];
      expect(parse(fields.join('::'))).toEqual(fields.map(Number));
    }
  });

  it('declines anything the string path must judge', () => {
    for (const line of [
      '1::2::3',
      '1::2::3::4::5',
      '01::2::3::4',
      '1::2::-3::4',
      '1::2::3e2::4',
      '1::2::3.::4',
      '1:2::3::4',
      '1::2::3::4 ',
      '1::2::x::4',
      '',
      '1234567890123456::2::3::4',
    ]) {
      expect(parse(line)).toBe(false);
    }
    expect(parse('0::0::0.5::0')).toEqual([0, 0, 0.5, 0]);
  });
});
