// The slates artifact: which slate each method generated for each evaluated request (and,
// for GloRank, the probability of every token it emitted along the trie). The experiment
// harness writes it as an `eval-table` artifact; the run page's evaluation table and the
// request inspector read it. The format is documented in packages/api/README.md.
import { UserError } from '@glorank/data';
import { z } from 'zod';
import { openRegularFile } from './regular-file.js';

export const SLATES_FORMAT = 'glorank-slates/1';

const slateRowSchema = z.strictObject({
  requestId: z.int().min(0),
  method: z.string().min(1),
  seed: z.int().optional(),
  slate: z.array(z.int().min(0)).min(1),
  /** [slate position][code level]: probability of the token emitted there, in [0, 1]. */
  tokenProbs: z.array(z.array(z.number().min(0).max(1)).min(1)).optional(),
});

const slatesFileSchema = z.union([
  z.array(slateRowSchema),
  z.strictObject({
    format: z.literal(SLATES_FORMAT),
    /** Dataset name or manifest contentHash the requests belong to. */
    dataset: z.string().optional(),
    /** Cut-off L the slates were generated for (default: slate length). */
    slateSize: z.int().min(1).optional(),
    rows: z.array(slateRowSchema),
  }),
]);

export type SlateRow = z.infer<typeof slateRowSchema>;

export interface SlatesFile {
  file: string;
  dataset: string | null;
  slateSize: number | null;
  rows: SlateRow[];
}

/** Validate parsed JSON as a slates file; mistakes name the row and field. */
export function parseSlates(json: unknown, file: string): SlatesFile {
  const parsed = slatesFileSchema.safeParse(json);
  if (!parsed.success) {
    // The union hides which branch was meant; re-check the rows alone for a precise path.
    const rows = Array.isArray(json) ? json : (json as { rows?: unknown } | null)?.rows;
    const issue =
      (Array.isArray(rows) ? z.array(slateRowSchema).safeParse(rows).error?.issues[0] : undefined) ??
      parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'top level';
    throw new UserError(
      `${issue?.message ?? 'invalid'}; expected ${SLATES_FORMAT} rows {requestId, method, slate, tokenProbs?}`,
      { file, field: Array.isArray(rows) && issue?.path.length ? `rows.${where}` : where },
    );
  }
  const data = parsed.data;
  const out: SlatesFile = Array.isArray(data)
    ? { file, dataset: null, slateSize: null, rows: data }
    : { file, dataset: data.dataset ?? null, slateSize: data.slateSize ?? null, rows: data.rows };
  out.rows.forEach((row, i) => {
    if (new Set(row.slate).size !== row.slate.length) {
      throw new UserError('slate lists an item twice; expected distinct items', {
        file,
        field: `rows.${i}.slate`,
      });
    }
    if (row.tokenProbs && row.tokenProbs.length !== row.slate.length) {
      throw new UserError(
        `tokenProbs has ${row.tokenProbs.length} positions but slate has ${row.slate.length}; expected one per slate item`,
        { file, field: `rows.${i}.tokenProbs` },
      );
    }
  });
  return out;
}

const cache = new Map<string, { mtimeMs: number; size: number; value: SlatesFile }>();

/**
 * Read and validate a slates file, cached until the file changes. Only a regular file is read
 * (openRegularFile): a FIFO or device registered as an eval-table is refused, never waited on.
 */
export async function readSlatesFile(file: string): Promise<SlatesFile> {
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON (${(err as Error).message})`, { file });
  }
  const value = parseSlates(json, file);
  if (cache.size > 16) cache.clear();
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, value });
  return value;
}
