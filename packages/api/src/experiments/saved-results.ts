// An experiment's saved results (the harness's results.json and cold-start.json), read as
// the CLI reads them and shaped for the dashboard: the printed tables (cells formatted by
// @glorank/data's one results module, so the page shows what `glorank experiment show`
// prints), bars with interval whiskers per metric, provenance, the harness's flags and notes,
// and the paper exports. Nothing is recomputed from the runs.
import path from 'node:path';
import {
  bestMethods,
  calibrationLine,
  differenceTable,
  exportResults,
  extraNotes,
  hackingWarning,
  METRIC_KEYS,
  mainTable,
  metricDecimals,
  metricHeading,
  type PrintedTable,
  parseResultsFile,
  provenanceLines,
  type ResultsFileTable,
  resultsTitle,
  rowFlags,
} from '@glorank/data';
import type { Artifact } from '@glorank/tracking';
import { openRegularFile } from '../artifacts/regular-file.js';
import { resolveInsideRoot } from '../artifacts/safe-path.js';

/** Null (not NaN) where undefined: the answer goes over JSON. */
const finite = (v: number) => (Number.isFinite(v) ? v : null);

export interface SavedBar {
  method: string;
  mean: number | null;
  halfWidth: number | null;
  best: boolean;
}

export interface SavedTable {
  subset: string;
  title: string;
  main: PrintedTable;
  difference: PrintedTable | null;
  bestBaseline: string | null;
  /** Flags the harness set on a method (e.g. reward up while precision falls). */
  flags: Record<string, string[]>;
  provenance: string[];
  /** The report's reward-hacking warnings (Markdown emphasis removed), one per flagged method. */
  warnings: string[];
  /** The independent simulator's calibration line (real data), null without one. */
  calibration: string | null;
  leakAudit: boolean;
  simulatorWarning: string | null;
  notes: { name: string; text: string }[];
  context: {
    dataset: string;
    manifestHash: string;
    protocol: Record<string, unknown>;
    codeVersion: string;
    simulator: string;
    seeds: number[];
  };
  /** One bar chart per metric: mean with its 95% interval per method. */
  bars: { metric: string; heading: string; decimals: number; bars: SavedBar[] }[];
}

export interface SavedResults {
  /** The experiment folder, relative to the artifact folder. */
  dir: string;
  files: string[];
  tables: SavedTable[];
  exports: { md: string; latex: string; csv: string };
}

function shape(t: ResultsFileTable): SavedTable {
  const flags: Record<string, string[]> = {};
  for (const r of t.rows) {
    const f = rowFlags(r);
    if (f.length > 0) flags[r.method] = f;
  }
  return {
    subset: t.subset,
    title: resultsTitle(t),
    main: mainTable(t),
    difference: differenceTable(t),
    bestBaseline: t.bestBaseline,
    flags,
    provenance: provenanceLines(t),
    warnings: t.rows.flatMap((r) =>
      hackingWarning(r, t.context.cutoff)
        .filter((l) => l !== '')
        .map((l) => l.replace(/^> /, '').replace(/\*\*/g, '').replace(/`/g, '')),
    ),
    calibration: calibrationLine(t),
    leakAudit: t.context['leakAudit'] !== undefined,
    simulatorWarning: t.context.simulatorWarning ?? null,
    notes: extraNotes(t),
    context: {
      dataset: t.context.dataset,
      manifestHash: t.context.manifestHash,
      protocol: t.context.protocol,
      codeVersion: t.context.codeVersion,
      simulator: t.context.simulator,
      seeds: t.context.seeds,
    },
    bars: METRIC_KEYS.map((k) => {
      const best = bestMethods(t, k);
      return {
        metric: k,
        heading: metricHeading(k, t.context.cutoff),
        decimals: metricDecimals(k),
        bars: t.rows.map((r) => ({
          method: r.method,
          mean: finite(r.metrics[k].mean),
          halfWidth: finite(r.metrics[k].halfWidth),
          best: best.has(r.method),
        })),
      };
    }),
  };
}

async function readText(file: string): Promise<string> {
  const { handle } = await openRegularFile(file);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function tryResolve(root: string, relative: string): string | null {
  try {
    return resolveInsideRoot(root, relative);
  } catch {
    return null;
  }
}

/**
 * The experiment folder inside the artifact folder: `experiments/<name>` (the harness's
 * default), else the nearest folder above one of its runs' artifacts that holds
 * results/results.json (a config with its own `output` inside the runs folder).
 */
export function findExperimentDir(root: string, name: string, artifacts: readonly Artifact[]): string | null {
  const candidates = [path.join('experiments', name)];
  for (const a of artifacts) {
    if (path.isAbsolute(a.path)) continue;
    for (let d = path.dirname(a.path); d !== '.' && d !== path.dirname(d); d = path.dirname(d))
      candidates.push(d);
  }
  for (const c of new Set(candidates)) {
    if (tryResolve(root, path.join(c, 'results', 'results.json'))) return c;
  }
  return null;
}

export async function readSavedResults(root: string, dir: string): Promise<SavedResults> {
  const files: string[] = [];
  const tables: ResultsFileTable[] = [];
  for (const name of ['results.json', 'cold-start.json']) {
    const rel = path.join(dir, 'results', name);
    const file = tryResolve(root, rel);
    if (!file) continue;
    files.push(rel);
    tables.push(...parseResultsFile(await readText(file), rel));
  }
  return {
    dir,
    files,
    tables: tables.map(shape),
    exports: {
      md: exportResults(tables, 'md'),
      latex: exportResults(tables, 'latex'),
      csv: exportResults(tables, 'csv'),
    },
  };
}
