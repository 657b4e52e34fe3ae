// Reads a dataset's codes.arrow (the tokenizer's output, via @glorank/data's checked reader)
// into the layout the semantic-ID explorer walks, and checks it covers the dataset's items.
import path from 'node:path';
import { type ItemCodes, itemCodes, readCodes, UserError } from '@glorank/data';

export async function readItemCodes(dir: string, items: number): Promise<ItemCodes> {
  const file = path.join(dir, 'codes.arrow');
  const { levels, codes } = await readCodes(file);
  const rows = codes.length / levels;
  if (rows !== items) {
    throw new UserError(`has ${rows} items but the dataset has ${items}; expected one row per item`, {
      file,
    });
  }
  try {
    return itemCodes(codes, levels);
  } catch (err) {
    // A negative code: the file is not a tokenizer output.
    if (err instanceof RangeError) throw new UserError(err.message, { file, field: 'codes' });
    throw err;
  }
}
