// The slates artifact (`glorank-slates/1`, packages/api/README.md): the slate each method
// generated for each test request, with GloRank's per-token probabilities. Written by every
// train stage and, merged, by the report; the dashboard's request inspector reads it.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@glorank/data';

/** The slates artifact format the dashboard's request inspector reads (packages/api). */
export const SLATES_FORMAT = 'glorank-slates/1';

export interface SlateRow {
  requestId: number;
  method: string;
  seed: number;
  slate: number[];
  tokenProbs?: number[][];
}

export interface SlatesFile {
  format: typeof SLATES_FORMAT;
  dataset: string;
  slateSize: number;
  rows: SlateRow[];
}

export async function readSlates(file: string): Promise<SlatesFile> {
  return JSON.parse(await readFile(file, 'utf8')) as SlatesFile;
}

export async function writeSlates(file: string, slates: SlatesFile): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(slates));
}
