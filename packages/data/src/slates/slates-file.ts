// The slates file (`glorank-slates/1`), defined once: which slate each method generated for
// each evaluated request and, for GloRank, the probability of every token it emitted along the
// trie. The experiment harness writes it (one per train stage, merged into the report); the
// dashboard's run page and request inspector read it. Format: packages/api/README.md.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@glorank/base';
import { z } from 'zod';
import { UserError } from '../errors/user-error.js';

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

/** A slates file as glorank writes it. */
export interface SlatesFile {
  format: typeof SLATES_FORMAT;
  dataset: string;
  slateSize: number;
  rows: SlateRow[];
}

/** A slates file as read: the written form, or a bare array of rows. */
export interface ParsedSlates {
  file: string;
  dataset: string | null;
  slateSize: number | null;
  rows: SlateRow[];
}

/** Validate parsed JSON as a slates file; mistakes name the row and field. */
export function parseSlates(json: unknown, file: string): ParsedSlates {
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
  const out: ParsedSlates = Array.isArray(data)
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

/** Parse JSON text as a slates file (errors name the file). */
export function parseSlatesText(text: string, file: string): ParsedSlates {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON (${(err as Error).message})`, { file });
  }
  return parseSlates(json, file);
}

/** Read and validate a slates file written by glorank. */
export async function readSlates(file: string): Promise<ParsedSlates> {
  return parseSlatesText(await readFile(file, 'utf8'), file);
}

export async function writeSlates(file: string, slates: SlatesFile): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(slates));
}
