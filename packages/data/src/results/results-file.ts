// The experiment harness's results.json (and cold-start.json) read back, and the one place
// that formats its cells and writes it out as a paper needs it: Markdown, LaTeX (booktabs)
// and CSV. Pure and tfjs-free, so the CLI (`glorank experiment show --format`) and the
// dashboard's API (which may not load the model package) use the same code and print the same
// numbers. Cells are formatted as the harness's own report prints them (results.md): metrics
// x100 with 2 decimals, the reward with 4, mean ± 95% half-width.
import { z } from 'zod';
import { formatLeakAudit, type LeakAudit } from '../audit/leak-audit.js';
import { UserError } from '../errors/user-error.js';
import type { MeanInterval } from '../metrics/intervals.js';
import { METRIC_KEYS, type MetricKey } from '../metrics/metric-names.js';

// JSON has no NaN: the harness writes null for "not defined" (one seed has no interval).
const num = z
  .number()
  .nullable()
  .transform((v) => (v === null ? Number.NaN : v));
const interval = z.looseObject({ mean: num, halfWidth: num, n: z.number(), std: num });
const metricRecord = <T extends z.ZodType>(cell: T) =>
  z.object(Object.fromEntries(METRIC_KEYS.map((k) => [k, cell])) as Record<MetricKey, T>);

// Set by the harness when a method's reward rises over a reference while P@L and NDCG@L fall.
const hackingSchema = z.looseObject({
  reference: z.string(),
  level: z.string(),
  reward: interval,
  precision: interval,
  ndcg: interval,
});

// The independent click simulator's calibration on the logged test slates (real data).
const calibrationSchema = z.looseObject({
  slates: z.number(),
  meanPredictedClicks: z.number().nullable(),
  meanObservedClicks: z.number().nullable(),
  logLoss: z.number().nullable(),
  aucLogged: z.number().nullable(),
  aucCandidates: z.number().nullable(),
});

const rowSchema = z.looseObject({
  method: z.string(),
  rewardHacking: hackingSchema.nullish(),
  baseline: z.boolean(),
  seeds: z.array(z.number()),
  metrics: metricRecord(interval.extend({ values: z.array(num).optional() })),
  difference: metricRecord(interval).nullable(),
  wallSeconds: interval,
  backends: z.array(z.string()),
  count: z.number(),
  skipped: z.number(),
});

const contextSchema = z.looseObject({
  experiment: z.string(),
  dataset: z.string(),
  manifestHash: z.string(),
  protocol: z.record(z.string(), z.unknown()),
  cutoff: z.number(),
  codeVersion: z.string(),
  simulator: z.string(),
  seeds: z.array(z.number()),
  simulatorCalibration: calibrationSchema.optional(),
  simulatorWarning: z.string().nullish(),
});

const tableSchema = z.looseObject({
  subset: z.string(),
  context: contextSchema,
  primaryMetric: z.enum(METRIC_KEYS),
  bestBaseline: z.string().nullable(),
  rows: z.array(rowSchema),
});

export type ResultsFileRow = z.infer<typeof rowSchema>;
export type ResultsFileTable = z.infer<typeof tableSchema>;

/** Parse results.json / cold-start.json text; a malformed file is a UserError naming the field. */
export function parseResultsFile(text: string, file: string): ResultsFileTable[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not JSON: ${(err as Error).message}`, { file });
  }
  const parsed = z.array(tableSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${issue.message} (expected the harness's results format)`, {
      file,
      field: issue.path.join('.') || '(top level)',
    });
  }
  return parsed.data;
}

/** Column heading of a metric at cut-off L (P@6 ... Reward). */
export function metricHeading(key: MetricKey, cutoff: number): string {
  const names: Record<MetricKey, string> = {
    precision: 'P',
    recall: 'R',
    f1: 'F1',
    ndcg: 'NDCG',
    map: 'MAP',
    reward: 'Reward',
  };
  return key === 'reward' ? names[key] : `${names[key]}@${cutoff}`;
}

/** Decimals a metric is printed with: x100 metrics 2, the reward (clicks per slate) 4. */
export function metricDecimals(key: MetricKey): number {
  return key === 'reward' ? 4 : 2;
}

/** "24.36 ± 4.07" ("+0.04 ± 4.72" signed); '-' when undefined; no ± without an interval. */
export function formatMeanInterval(m: MeanInterval, digits: number, signed = false): string {
  if (!Number.isFinite(m.mean)) return '-';
  const sign = signed && m.mean > 0 ? '+' : '';
  const mean = `${sign}${m.mean.toFixed(digits)}`;
  return Number.isFinite(m.halfWidth) ? `${mean} ± ${m.halfWidth.toFixed(digits)}` : mean;
}

/** The 95% interval excludes 0. */
export function isSignificant(m: MeanInterval): boolean {
  return Number.isFinite(m.halfWidth) && Math.abs(m.mean) > m.halfWidth;
}

/** Methods with the best mean per metric (ties all count; none when no finite mean). */
export function bestMethods(table: ResultsFileTable, key: MetricKey): Set<string> {
  let best = Number.NEGATIVE_INFINITY;
  for (const r of table.rows)
    if (Number.isFinite(r.metrics[key].mean)) best = Math.max(best, r.metrics[key].mean);
  const digits = metricDecimals(key);
  // Best as printed: two means that print alike are both best.
  return new Set(
    table.rows
      .filter((r) => Number.isFinite(best) && r.metrics[key].mean.toFixed(digits) === best.toFixed(digits))
      .map((r) => r.method),
  );
}

function methodLabel(t: ResultsFileTable, r: ResultsFileRow): string {
  const role = r.method === t.bestBaseline ? ' (best baseline)' : r.baseline ? ' (baseline)' : '';
  const flag = r.rewardHacking?.level === 'flagged' ? ' ⚠ REWARD HACKING' : '';
  return `${r.method}${role}${flag}`;
}

// What the report's notes read of a row and of the context: plain shapes (no index signature),
// so the harness's own rows and context (`@glorank/experiment`) fit them as well as a parsed file.
interface HackingRow {
  method: string;
  rewardHacking?: {
    reference: string;
    level: string;
    reward: MeanInterval;
    precision: MeanInterval;
    ndcg: MeanInterval;
  } | null;
}
interface Calibration {
  slates: number;
  meanPredictedClicks: number | null;
  meanObservedClicks: number | null;
  logLoss: number | null;
  aucLogged: number | null;
  aucCandidates: number | null;
}

/**
 * The warning the report prints under the table for a method whose simulator reward rose over
 * its reference while P@L and NDCG@L on the logged clicks fell (issue 13); empty otherwise.
 */
export function hackingWarning(r: HackingRow, cutoff: number): string[] {
  const f = r.rewardHacking;
  if (!f) return [];
  const d = (m: MeanInterval, digits: number) => formatMeanInterval(m, digits, true);
  if (f.level === 'suspected') {
    // One seed: no interval, and differences of a few hundredths are common; a note, not an alarm.
    return [
      `Note (one seed, noise unknown): \`${r.method}\` has a higher reward than \`${f.reference}\` ` +
        `(${d(f.reward, 4)}) but lower ${metricHeading('precision', cutoff)} (${d(f.precision, 2)}) and ` +
        `${metricHeading('ndcg', cutoff)} (${d(f.ndcg, 2)}); more seeds tell whether that is reward hacking.`,
      '',
    ];
  }
  const why = 'all three paired 95% intervals exclude 0';
  return [
    `> **⚠ WARNING: REWARD HACKING ${f.level.toUpperCase()} for \`${r.method}\`.** Against \`${f.reference}\` its ` +
      `simulator reward rises by ${d(f.reward, 4)} while ${metricHeading('precision', cutoff)} changes by ${d(f.precision, 2)} ` +
      `and ${metricHeading('ndcg', cutoff)} by ${d(f.ndcg, 2)} on the logged clicks (${why}). Its reward is not evidence ` +
      'of a better ranking; read its precision and NDCG.',
    '',
  ];
}

/**
 * The independent simulator's calibration as the report's footer line; null without one. Takes
 * just the context so the harness's own report (`@glorank/experiment`) prints the same line.
 */
export function calibrationLine(t: {
  context: { simulatorCalibration?: Calibration | undefined };
}): string | null {
  const c = t.context.simulatorCalibration;
  if (!c) return null;
  const f = (x: number | null, digits: number) =>
    x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
  return (
    `Simulator calibration on the ${c.slates} logged test slates (never used to fit it): predicted ` +
    `${f(c.meanPredictedClicks, 3)} vs observed ${f(c.meanObservedClicks, 3)} clicks per slate, log loss ` +
    `${f(c.logLoss, 4)}, AUC ${f(c.aucLogged, 4)} on logged items` +
    `${c.aucLogged === null ? ' (one class only)' : ''}, AUC ${f(c.aucCandidates, 4)} clicked vs all other candidates.`
  );
}

/** The table's title as results.md prints it. */
export function resultsTitle(t: ResultsFileTable): string {
  const scored = t.rows.find((r) => r.seeds.length > 0);
  const counts = scored ? ` (${scored.count} scored, ${scored.skipped} skipped without positives)` : '';
  return `${t.context.dataset}: ${t.subset === 'test' ? 'test requests' : `${t.subset} test requests`}${counts}`;
}

export interface PrintedTable {
  header: string[];
  rows: string[][];
  /** Per column: right-aligned (numbers). */
  alignRight: boolean[];
}

/** The main table exactly as results.md prints it (cells as strings). */
export function mainTable(t: ResultsFileTable): PrintedTable {
  const L = t.context.cutoff;
  const p = t.primaryMetric;
  const header = [
    'Method',
    ...METRIC_KEYS.map((k) => metricHeading(k, L)),
    `Δ ${metricHeading(p, L)} vs best`,
    'Wall s',
    'Seeds',
    'Backend',
  ];
  const rows = t.rows.map((r) => [
    methodLabel(t, r),
    ...METRIC_KEYS.map((k) => formatMeanInterval(r.metrics[k], metricDecimals(k))),
    r.difference
      ? `${formatMeanInterval(r.difference[p], metricDecimals(p), true)}${isSignificant(r.difference[p]) ? ' *' : ''}`
      : '-',
    Number.isFinite(r.wallSeconds.mean) ? r.wallSeconds.mean.toFixed(1) : '-',
    String(r.seeds.length),
    r.backends.join(',') || '-',
  ]);
  return { header, rows, alignRight: header.map((_, i) => i > 0 && i < header.length - 1) };
}

/** The paired-difference table (to the best baseline), null without a best baseline. */
export function differenceTable(t: ResultsFileTable): PrintedTable | null {
  if (t.bestBaseline === null) return null;
  const L = t.context.cutoff;
  const header = ['Method', ...METRIC_KEYS.map((k) => `Δ ${metricHeading(k, L)}`)];
  const rows = t.rows.flatMap((r) => {
    const d = r.difference;
    if (d === null) return [];
    return [
      [
        r.method,
        ...METRIC_KEYS.map(
          (k) => `${formatMeanInterval(d[k], metricDecimals(k), true)}${isSignificant(d[k]) ? ' *' : ''}`,
        ),
      ],
    ];
  });
  return { header, rows, alignRight: header.map((_, i) => i > 0) };
}

/** The protocol as results.md's footer names it. */
export function protocolLine(t: ResultsFileTable): string {
  const p = t.context.protocol as Record<string, unknown>;
  return (
    `kCore=${p.kCore}, history=${p.historyLength}, L=${p.slateSize}, N=${p.candidates}, ` +
    `rating>=${p.ratingThreshold}, coldQuantile=${p.coldStartQuantile}, retriever=${p.retriever}, ` +
    `candidates=${p.candidatesMode ?? 'top-retriever'}, trainStride=${p.trainStride ?? p.slateSize}, seed=${p.seed}`
  );
}

/** Provenance lines (dataset hash, protocol, metric note, seeds and code version). */
export function provenanceLines(t: ResultsFileTable): string[] {
  const c = t.context;
  return [
    `Dataset \`${c.dataset}\` (manifest ${c.manifestHash.slice(0, 16)}), protocol ${protocolLine(t)}.`,
    `Metrics x100 at L=${c.cutoff}, macro-averaged over requests; Reward = expected clicks per slate from ${c.simulator}.`,
    `Mean ± 95% Student-t half-width over seeds ${c.seeds.join(', ')}; code ${c.codeVersion}; experiment \`${c.experiment}\`.`,
  ];
}

const KNOWN_TABLE = new Set(['subset', 'context', 'primaryMetric', 'bestBaseline', 'rows']);
const KNOWN_CONTEXT = new Set([
  'experiment',
  'dataset',
  'manifestHash',
  'protocol',
  'cutoff',
  'codeVersion',
  'simulator',
  'seeds',
  'leakAudit',
  'simulatorCalibration',
  'simulatorWarning',
]);

/**
 * Fields the harness adds beyond the ones above (flags, calibration footers...), as
 * `name: text` notes, so readers show them without knowing them: a string as is, anything
 * else as compact JSON. Null and empty values are left out.
 */
export function extraNotes(t: ResultsFileTable): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const add = (name: string, v: unknown) => {
    if (v === null || v === undefined || v === false) return;
    if (Array.isArray(v) && v.length === 0) return;
    if (typeof v === 'string') out.push({ name, text: v });
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
      for (const x of v) out.push({ name, text: x });
    else out.push({ name, text: JSON.stringify(v) });
  };
  for (const [k, v] of Object.entries(t)) if (!KNOWN_TABLE.has(k)) add(k, v);
  for (const [k, v] of Object.entries(t.context)) if (!KNOWN_CONTEXT.has(k)) add(k, v);
  return out;
}

const KNOWN_ROW = new Set([
  'method',
  'baseline',
  'seeds',
  'metrics',
  'difference',
  'wallSeconds',
  'backends',
  'count',
  'skipped',
  'rewardHacking',
]);

/** A row's extra fields (e.g. flags the harness sets on a method), as short texts. */
export function rowFlags(r: ResultsFileRow): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (KNOWN_ROW.has(k) || v === null || v === undefined || v === false) continue;
    if (Array.isArray(v)) out.push(...v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))));
    else if (v === true) out.push(k);
    else out.push(typeof v === 'string' ? `${k}: ${v}` : `${k}: ${JSON.stringify(v)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Exports

export type ExportFormat = 'md' | 'latex' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['md', 'latex', 'csv'];

function markdown(tbl: PrintedTable): string {
  const widths = tbl.header.map((h, i) => Math.max(h.length, ...tbl.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (tbl.alignRight[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (tbl.alignRight[i] ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(tbl.header), rule, ...tbl.rows.map(line)].join('\n');
}

/**
 * Markdown as the harness's results.md prints it (title, table, paired differences,
 * provenance, leak audit, simulator warning), then any fields the harness added as notes.
 */
export function resultsToMarkdown(tables: readonly ResultsFileTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`### ${resultsTitle(t)}`, '', markdown(mainTable(t)), '');
    for (const r of t.rows) out.push(...hackingWarning(r, t.context.cutoff));
    const d = differenceTable(t);
    if (d) {
      out.push(
        `Paired difference to the best baseline \`${t.bestBaseline}\` (chosen by ${metricHeading(t.primaryMetric, t.context.cutoff)}), same seeds; * = 95% interval excludes 0:`,
        '',
        markdown(d),
        '',
      );
    }
    out.push(...provenanceLines(t), '');
    const audit = t.context['leakAudit'] as LeakAudit | undefined;
    if (audit) out.push('```', ...formatLeakAudit(audit), '```', '');
    const calibration = calibrationLine(t);
    if (calibration) out.push(calibration, '');
    if (t.context.simulatorWarning) out.push(`**Simulator warning:** ${t.context.simulatorWarning}.`, '');
    for (const n of extraNotes(t)) out.push(`**${n.name}:** ${n.text}`, '');
  }
  return out.join('\n');
}

const LATEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  '^': '\\textasciicircum{}',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '%': '\\%',
};
export function latexEscape(s: string): string {
  return s.replace(/[\\{}$&#^_~%]/g, (c) => LATEX_SPECIAL[c]!);
}

function latexCell(m: MeanInterval, digits: number, bold: boolean, star: boolean, signed = false): string {
  if (!Number.isFinite(m.mean)) return '--';
  const sign = signed && m.mean > 0 ? '+' : '';
  const mean = `${sign}${m.mean.toFixed(digits)}`;
  const body = Number.isFinite(m.halfWidth) ? `${mean} \\pm ${m.halfWidth.toFixed(digits)}` : mean;
  const inner = bold ? `\\mathbf{${body}}` : body;
  return `$${inner}$${star ? '$^{*}$' : ''}`;
}

/**
 * LaTeX (booktabs): one tabular per table, methods by rows, each metric's mean ± half-width;
 * the best mean per metric bold; `*` where the paired difference to the best baseline excludes 0.
 */
export function resultsToLatex(tables: readonly ResultsFileTable[]): string {
  const out: string[] = [
    '% Generated by glorank from results.json; needs \\usepackage{booktabs}.',
    '% Bold: best mean per metric. *: the paired difference to the best baseline (same seeds) has a 95% interval excluding 0.',
  ];
  for (const t of tables) {
    const L = t.context.cutoff;
    const best = Object.fromEntries(METRIC_KEYS.map((k) => [k, bestMethods(t, k)])) as Record<
      MetricKey,
      Set<string>
    >;
    out.push(
      '\\begin{table}[t]',
      '\\centering',
      `\\caption{${latexEscape(resultsTitle(t))}. Mean $\\pm$ 95\\% interval over seeds ${t.context.seeds.join(', ')}; metrics $\\times 100$ at $L=${L}$.${t.rows.some((r) => r.rewardHacking?.level === 'flagged') ? ' $^{\\dagger}$Reward hacking: the simulator reward rises while P and NDCG on the logged clicks fall.' : ''}}`,
      `\\begin{tabular}{l${'r'.repeat(METRIC_KEYS.length)}}`,
      '\\toprule',
      `Method & ${METRIC_KEYS.map((k) => latexEscape(metricHeading(k, L))).join(' & ')} \\\\`,
      '\\midrule',
    );
    for (const r of t.rows) {
      const cells = METRIC_KEYS.map((k) =>
        latexCell(
          r.metrics[k],
          metricDecimals(k),
          best[k].has(r.method),
          r.difference !== null && isSignificant(r.difference[k]),
        ),
      );
      // pdflatex has no ⚠: a flagged method gets a dagger, explained in the caption.
      const role = r.method === t.bestBaseline ? ' (best baseline)' : r.baseline ? ' (baseline)' : '';
      const dagger = r.rewardHacking?.level === 'flagged' ? '$^{\\dagger}$' : '';
      out.push(`${latexEscape(r.method + role)}${dagger} & ${cells.join(' & ')} \\\\`);
    }
    out.push('\\bottomrule', '\\end{tabular}', '\\end{table}', '');
  }
  return `${out.join('\n')}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Full-precision numbers (what a plot script needs); empty where undefined. */
function csvNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : '';
}

/**
 * CSV, one row per (subset, method, metric): mean, half-width, std, seeds, the paired
 * difference to the best baseline and whether it is significant. Numbers at full precision.
 */
export function resultsToCsv(tables: readonly ResultsFileTable[]): string {
  const lines = [
    'dataset,subset,method,baseline,best_baseline,metric,mean,half_width,std,seeds,diff_mean,diff_half_width,significant',
  ];
  for (const t of tables) {
    for (const r of t.rows) {
      for (const k of METRIC_KEYS) {
        const m = r.metrics[k];
        const d = r.difference?.[k];
        lines.push(
          [
            csvField(t.context.dataset),
            csvField(t.subset),
            csvField(r.method),
            String(r.baseline),
            String(r.method === t.bestBaseline),
            k,
            csvNumber(m.mean),
            csvNumber(m.halfWidth),
            csvNumber(m.std),
            String(m.n),
            d ? csvNumber(d.mean) : '',
            d ? csvNumber(d.halfWidth) : '',
            d ? String(isSignificant(d)) : '',
          ].join(','),
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export function exportResults(tables: readonly ResultsFileTable[], format: ExportFormat): string {
  switch (format) {
    case 'md':
      return resultsToMarkdown(tables);
    case 'latex':
      return resultsToLatex(tables);
    case 'csv':
      return resultsToCsv(tables);
  }
}
