// Reading the slates artifact (`glorank-slates/1`, defined in @glorank/data) for the run page's
// evaluation table and the request inspector: validated, cached until the file changes, and only
// from a regular file. The format is documented in packages/api/README.md.
import { type ParsedSlates, parseSlatesText, UserError } from '@glorank/data';
import { openRegularFile } from './regular-file.js';

const cache = new Map<string, { mtimeMs: number; size: number; value: ParsedSlates }>();

/**
 * Read and validate a slates file, cached until the file changes. Only a regular file is read
 * (openRegularFile): a FIFO or device registered as an eval-table is refused, never waited on.
 */
export async function readSlatesFile(file: string): Promise<ParsedSlates> {
  const { handle, stat: st } = await openRegularFile(file).catch((err: Error) => {
    throw new UserError(err.message, { file });
  });
  let text: string;
  try {
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value;
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  const value = parseSlatesText(text, file);
  if (cache.size > 16) cache.clear();
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, value });
  return value;
}
