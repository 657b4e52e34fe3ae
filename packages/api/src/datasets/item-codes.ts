// Reads a dataset's codes.arrow (the tokenizer's output, via @glorank/data's checked reader)
// into the layout the semantic-ID explorer walks, and checks it covers the dataset's items.
import path from 'node:path';
import { readCodes, UserError } from '@glorank/data';
import type { ItemCodes } from './codebook.js';

export async function readItemCodes(dir: string, items: number): Promise<ItemCodes> {
  const file = path.join(dir, 'codes.arrow');
  const { levels, codes } = await readCodes(file);
  const rows = codes.length / levels;
  if (rows !== items) {
    throw new UserError(`has ${rows} items but the dataset has ${items}; expected one row per item`, {
      file,
    });
  }
  return { levels, codes, items: rows };
}
