// Exports of an experiment's saved results for a paper (`glorank experiment show --format
// latex|csv|md`): reads the harness's results.json and cold-start.json from the experiment
// folder and writes them through @glorank/data's one export module, the same code the
// dashboard's API uses, so both print the same numbers.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type ExportFormat,
  exportResults,
  parseResultsFile,
  type ResultsFileTable,
  UserError,
} from '@glorank/data';

/** The files of an experiment folder's results, test table first (cold-start only when saved). */
export function resultsFiles(experimentDir: string): { test: string; coldStart: string } {
  const dir = path.join(experimentDir, 'results');
  return { test: path.join(dir, 'results.json'), coldStart: path.join(dir, 'cold-start.json') };
}

/** The saved tables of an experiment folder: all-test requests, then cold-start when present. */
export async function readResultsTables(experimentDir: string): Promise<ResultsFileTable[]> {
  const files = resultsFiles(experimentDir);
  if (!existsSync(files.test)) {
    throw new UserError('no results yet; run `glorank experiment run <config>` first', { file: files.test });
  }
  const tables = parseResultsFile(await readFile(files.test, 'utf8'), files.test);
  if (existsSync(files.coldStart)) {
    tables.push(...parseResultsFile(await readFile(files.coldStart, 'utf8'), files.coldStart));
  }
  return tables;
}

/** An experiment folder's results as Markdown, LaTeX (booktabs) or CSV. */
export async function exportExperiment(experimentDir: string, format: ExportFormat): Promise<string> {
  return exportResults(await readResultsTables(experimentDir), format);
}
