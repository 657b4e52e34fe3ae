import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCodes, writeCodes } from './codes-file.js';

describe('codes.arrow', () => {
  it('round-trips semantic IDs and rejects a wrong layout', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-codes-'));
    const file = path.join(dir, 'codes.arrow');
    const codes = Int16Array.of(0, 255, 3, 1, 2, 3);
    await writeCodes(file, { levels: 3, codes });
    const back = await readCodes(file);
    expect(back.levels).toBe(3);
    expect([...back.codes]).toEqual([0, 255, 3, 1, 2, 3]);
    await expect(writeCodes(file, { levels: 4, codes })).rejects.toThrow(RangeError);
    await fs.writeFile(file, 'junk');
    await expect(readCodes(file)).rejects.toThrow(/codes\.arrow: not a readable Arrow IPC file/);
  });
});
