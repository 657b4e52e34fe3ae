// The experiment's report: the results table over all test requests and the cold-start one,
// each as Markdown, JSON and Arrow in <experiment>/results/, plus every method's slates merged
// into one slates artifact.
import path from 'node:path';
import { type MetricKey, type SlatesFile, writeFileAtomic, writeSlates } from '@glorank/data';
import type { ExperimentConfig } from './config.js';
import { GLORANK_METHODS, type MethodName } from './methods.js';
import { renderResultsMarkdown, resultsToArrow, resultsToJson } from './results-render.js';
import {
  buildResultsTable,
  type ResultsTable,
  type RunEvaluation,
  type TableContext,
} from './results-table.js';
import type { RunEvaluationResult } from './run-evaluation.js';

export interface ReportFiles {
  markdown: string;
  json: string;
  arrow: string;
  coldMarkdown: string | null;
  coldJson: string | null;
  coldArrow: string | null;
  slates: string;
}

export interface Report {
  tables: { test: ResultsTable; coldStart: ResultsTable | null };
  markdown: string;
  files: ReportFiles;
}

export interface ReportInput {
  dir: string;
  config: ExperimentConfig;
  /** Methods in table order. */
  methods: MethodName[];
  evaluations: { method: MethodName; seed: number; result: RunEvaluationResult; wallSeconds: number }[];
  backend: string;
  context: TableContext;
  slates: SlatesFile;
}

export async function writeReport(o: ReportInput): Promise<Report> {
  const baselines = o.config.evaluation.baselines ?? o.methods.filter((m) => !GLORANK_METHODS.includes(m));
  const toRuns = (pick: (r: RunEvaluationResult) => RunEvaluationResult['all'] | null): RunEvaluation[] =>
    o.evaluations.flatMap((e) => {
      const s = pick(e.result);
      return s
        ? [
            {
              method: e.method,
              seed: e.seed,
              metrics: s.metrics,
              count: s.count,
              skipped: s.skipped,
              wallSeconds: e.wallSeconds,
              backend: o.backend,
            },
          ]
        : [];
    });
  const primaryMetric = o.config.evaluation.primaryMetric as MetricKey;
  const testTable = buildResultsTable({
    subset: 'test',
    context: o.context,
    methods: o.methods,
    baselines,
    primaryMetric,
    runs: toRuns((r) => r.all),
  });
  const coldRuns = toRuns((r) => r.coldStart);
  const coldTable =
    o.config.evaluation.coldStart && coldRuns.length > 0
      ? buildResultsTable({
          subset: 'cold-start',
          context: o.context,
          methods: o.methods,
          baselines,
          primaryMetric,
          runs: coldRuns,
        })
      : null;
  const resultsDir = path.join(o.dir, 'results');
  const files: ReportFiles = {
    markdown: path.join(resultsDir, 'results.md'),
    json: path.join(resultsDir, 'results.json'),
    arrow: path.join(resultsDir, 'results.arrow'),
    coldMarkdown: coldTable ? path.join(resultsDir, 'cold-start.md') : null,
    coldJson: coldTable ? path.join(resultsDir, 'cold-start.json') : null,
    coldArrow: coldTable ? path.join(resultsDir, 'cold-start.arrow') : null,
    slates: path.join(resultsDir, 'slates.json'),
  };
  const markdown = [
    renderResultsMarkdown(testTable),
    ...(coldTable ? [renderResultsMarkdown(coldTable)] : []),
  ].join('\n');
  await writeFileAtomic(files.markdown, markdown);
  await writeFileAtomic(files.json, resultsToJson([testTable]));
  await writeFileAtomic(files.arrow, resultsToArrow([testTable]));
  if (coldTable) {
    await writeFileAtomic(files.coldMarkdown as string, renderResultsMarkdown(coldTable));
    await writeFileAtomic(files.coldJson as string, resultsToJson([coldTable]));
    await writeFileAtomic(files.coldArrow as string, resultsToArrow([coldTable]));
  }
  await writeSlates(files.slates, o.slates);
  return { tables: { test: testTable, coldStart: coldTable }, markdown, files };
}
