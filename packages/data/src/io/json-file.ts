// Reading one JSON file a dataset folder carries (manifest.json, click_model.json): a missing
// or unreadable file and bad JSON each become one UserError naming the file.
import { promises as fs } from 'node:fs';
import { UserError } from '../errors/user-error.js';

/** The parsed JSON of `file`; `missing` is the message when it does not exist. */
export async function readJsonFile(file: string, missing: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? missing : `cannot read (${code})`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON (${(err as Error).message})`, { file });
  }
}
