// Results tables as Markdown (also what the terminal prints: padded columns read well as
// text), and as an Arrow file with one row per (method, metric) and the run context in the
// schema metadata, for notebooks and the dashboard.

import {
  calibrationLine,
  checkColumns,
  formatLeakAudit,
  formatMeanInterval,
  hackingWarning,
  isSignificant,
  METRIC_KEYS,
  type MeanInterval,
  type MetricKey,
  RESULTS_COLUMNS,
} from '@glorank/data';
import { Bool, makeVector, Schema, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { metricLabel, type ResultsTable } from './results-table.js';

function decimals(key: MetricKey): number {
  return key === 'reward' ? 4 : 2;
}

function markdownTable(header: string[], rows: string[][], alignRight: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (alignRight[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (alignRight[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function protocolLine(t: ResultsTable): string {
  const p = t.context.protocol;
  return (
    `kCore=${p.kCore}, history=${p.historyLength}, L=${p.slateSize}, N=${p.candidates}, ` +
    `rating>=${p.ratingThreshold}, coldQuantile=${p.coldStartQuantile}, retriever=${p.retriever}, ` +
    `candidates=${p.candidatesMode ?? 'top-retriever'}, trainStride=${p.trainStride ?? p.slateSize}, seed=${p.seed}`
  );
}

/** The table as Markdown: metrics x100 (reward as expected clicks per slate), mean ± 95% half-width. */
export function renderResultsMarkdown(table: ResultsTable): string {
  const c = table.context;
  const L = c.cutoff;
  const scored = table.rows.find((r) => r.seeds.length > 0);
  const split = c.split ?? 'test';
  const title = `### ${c.dataset}: ${table.subset === 'test' ? `${split} requests` : `${table.subset} ${split} requests`}`;
  const counts = scored ? ` (${scored.count} scored, ${scored.skipped} skipped without positives)` : '';
  const header = [
    'Method',
    ...METRIC_KEYS.map((k) => metricLabel(k, L)),
    `Δ ${metricLabel(table.primaryMetric, L)} vs best`,
    'Wall s',
    'Seeds',
    'Backend',
  ];
  const rows = table.rows.map((r) => [
    `${r.method}${r.method === table.bestBaseline ? ' (best baseline)' : r.baseline ? ' (baseline)' : ''}${r.rewardHacking?.level === 'flagged' ? ' ⚠ REWARD HACKING' : ''}`,
    ...METRIC_KEYS.map((k) => formatMeanInterval(r.metrics[k], decimals(k))),
    r.difference
      ? `${formatMeanInterval(r.difference[table.primaryMetric], decimals(table.primaryMetric), true)}${isSignificant(r.difference[table.primaryMetric]) ? ' *' : ''}`
      : '-',
    Number.isFinite(r.wallSeconds.mean) ? r.wallSeconds.mean.toFixed(1) : '-',
    String(r.seeds.length),
    r.backends.join(',') || '-',
  ]);
  const out = [
    `${title}${counts}`,
    '',
    markdownTable(
      header,
      rows,
      header.map((_, i) => i > 0 && i < header.length - 1),
    ),
    '',
  ];
  // Issue 13: a reward that rises while the logged-click metrics fall is not a better ranking.
  for (const r of table.rows) out.push(...hackingWarning(r, L));
  if (table.bestBaseline !== null) {
    const dHeader = ['Method', ...METRIC_KEYS.map((k) => `Δ ${metricLabel(k, L)}`)];
    const dRows = table.rows
      .filter((r) => r.difference !== null)
      .map((r) => [
        r.method,
        ...METRIC_KEYS.map((k) => {
          const d = (r.difference as Record<MetricKey, MeanInterval>)[k];
          return `${formatMeanInterval(d, decimals(k), true)}${isSignificant(d) ? ' *' : ''}`;
        }),
      ]);
    out.push(
      `Paired difference to the best baseline \`${table.bestBaseline}\` (chosen by ${metricLabel(table.primaryMetric, L)}), same seeds; * = 95% interval excludes 0:`,
      '',
      markdownTable(
        dHeader,
        dRows,
        dHeader.map((_, i) => i > 0),
      ),
      '',
    );
  }
  out.push(
    `Dataset \`${c.dataset}\` (manifest ${c.manifestHash.slice(0, 16)}), protocol ${protocolLine(table)}.`,
    `Metrics x100 at L=${L}, macro-averaged over requests; Reward = expected clicks per slate from ${c.simulator}.`,
    `Mean ± 95% Student-t half-width over seeds ${c.seeds.join(', ')}; code ${c.codeVersion}; experiment \`${c.experiment}\`.`,
    '',
  );
  // A tuning table must not be mistaken for a result (issue 13: recipes are chosen on valid only).
  if (split === 'valid')
    out.push(
      '**Evaluated on the VALID split** (evaluation.split: valid), for choosing settings; not a test result. ' +
        'The reward simulator was trained on train+valid, so its reward here is in-sample.',
      '',
    );
  // Every results table carries its benchmark's sanity check (issue 12).
  if (c.leakAudit) out.push('```', ...formatLeakAudit(c.leakAudit), '```', '');
  const calibration = calibrationLine({ context: c });
  if (calibration) out.push(calibration, '');
  if (c.simulatorWarning) out.push(`**Simulator warning:** ${c.simulatorWarning}.`, '');
  return out.join('\n');
}

/** JSON-safe copy (NaN and Infinity become null). */
export function resultsToJson(tables: readonly ResultsTable[]): string {
  return `${JSON.stringify(tables, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** Long-format Arrow IPC file: one row per (subset, method, metric); context in schema metadata. */
export function resultsToArrow(tables: readonly ResultsTable[]): Uint8Array {
  const cols = {
    dataset: [] as string[],
    subset: [] as string[],
    method: [] as string[],
    baseline: [] as boolean[],
    metric: [] as string[],
    mean: [] as number[],
    half_width: [] as number[],
    std: [] as number[],
    seeds: [] as number[],
    diff_mean: [] as number[],
    diff_half_width: [] as number[],
    wall_seconds: [] as number[],
    backend: [] as string[],
  };
  for (const t of tables) {
    for (const r of t.rows) {
      for (const k of METRIC_KEYS) {
        const m = r.metrics[k];
        const d = r.difference?.[k];
        cols.dataset.push(t.context.dataset);
        cols.subset.push(t.subset);
        cols.method.push(r.method);
        cols.baseline.push(r.baseline);
        cols.metric.push(k);
        cols.mean.push(m.mean);
        cols.half_width.push(m.halfWidth);
        cols.std.push(m.std);
        cols.seeds.push(m.n);
        cols.diff_mean.push(d?.mean ?? Number.NaN);
        cols.diff_half_width.push(d?.halfWidth ?? Number.NaN);
        cols.wall_seconds.push(r.wallSeconds.mean);
        cols.backend.push(r.backends.join(','));
      }
    }
  }
  const utf8 = (xs: string[]) => vectorFromArray(xs, new Utf8());
  const f64 = (xs: number[]) => makeVector(Float64Array.from(xs));
  const table = new Table({
    dataset: utf8(cols.dataset),
    subset: utf8(cols.subset),
    method: utf8(cols.method),
    baseline: vectorFromArray(cols.baseline, new Bool()),
    metric: utf8(cols.metric),
    mean: f64(cols.mean),
    half_width: f64(cols.half_width),
    std: f64(cols.std),
    seeds: makeVector(Int32Array.from(cols.seeds)),
    diff_mean: f64(cols.diff_mean),
    diff_half_width: f64(cols.diff_half_width),
    wall_seconds: f64(cols.wall_seconds),
    backend: utf8(cols.backend),
  });
  const metadata = new Map<string, string>([
    ['glorank.kind', 'results-table'],
    ['glorank.context', JSON.stringify(tables.map((t) => ({ subset: t.subset, ...t.context })))],
    [
      'glorank.best_baseline',
      JSON.stringify(Object.fromEntries(tables.map((t) => [t.subset, t.bestBaseline]))),
    ],
  ]);
  if (tables[0]) metadata.set('glorank.manifest_hash', tables[0].context.manifestHash);
  // The columns are @glorank/data's contract; a drift here fails every report, not a reader.
  checkColumns('results.arrow', table.schema, RESULTS_COLUMNS);
  return tableToIPC(new Table(new Schema(table.schema.fields, metadata), table.batches), 'file');
}
