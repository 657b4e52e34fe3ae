// Reads a dataset's codes.arrow (the tokenizer's output) into the flat layout the
// semantic-ID explorer walks.
import type { ItemCodes } from './codebook.js';

export type { ItemCodes };

export async function readItemCodes(dir: string, items: number): Promise<ItemCodes> {
  throw new Error(`codes reader not wired yet (${dir}, ${items})`);
}
