// `glorank runs ls|show|tag|rm|export`: browse and curate the run store (SQLite file by
// default, PostgreSQL with GLORANK_DB_URL or --db). All queries live in @glorank/tracking.
import path from 'node:path';
import { UserError, writeFileAtomic } from '@glorank/data';
import {
  type ListRunsOptions,
  type MetricAgg,
  type MetricFilter,
  openRunStore,
  type ParamFilter,
  RUN_STATUSES,
  type RunFilter,
  type RunSort,
  type RunStatus,
  type RunStore,
  type RunSummary,
  storagePaths,
} from '@glorank/tracking';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseIntOption } from '../support/options.js';
import { printable } from '../support/terminal-text.js';

const FIELDS = ['id', 'name', 'status', 'startedAt', 'endedAt', 'heartbeatAt'] as const;
const AGGS: readonly MetricAgg[] = ['last', 'min', 'max'];

function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

function parseStatuses(value: string): RunStatus[] {
  const list = value.split(',').map((s) => s.trim());
  for (const s of list) {
    if (!RUN_STATUSES.includes(s as RunStatus)) {
      throw new InvalidArgumentError(`--status must be among ${RUN_STATUSES.join(', ')}, got '${s}'.`);
    }
  }
  return list as RunStatus[];
}

/** `startedAt`, `name`, ..., `param:<key>`, or `<last|min|max>:<metric>`. */
function parseSort(value: string): RunSort {
  if ((FIELDS as readonly string[]).includes(value)) return { by: value as (typeof FIELDS)[number] };
  const colon = value.indexOf(':');
  const head = value.slice(0, colon);
  const key = value.slice(colon + 1);
  if (colon > 0 && key.length > 0) {
    if (head === 'param') return { by: 'param', key };
    if ((AGGS as readonly string[]).includes(head)) return { by: 'metric', key, agg: head as MetricAgg };
  }
  throw new InvalidArgumentError(
    `--sort must be one of ${FIELDS.join(', ')}, param:<name> or last|min|max:<metric>, got '${value}'.`,
  );
}

/**
 * Comparisons are read by the dashboard search box's parser (`parseRunQuery`), so `runs ls`
 * and the dashboard share one filter syntax: `--where` takes a whole query, `--param lr>=0.001`
 * is the query term `params.lr>=0.001`, `--metric min:loss<0.5` is `metrics.loss.min<0.5`.
 * Loaded only when a filter needs it, so other commands do not pay for loading the api.
 */
type QueryParser = (flag: string, query: string) => RunFilter;

async function queryParser(): Promise<QueryParser> {
  const { parseRunQuery, RunQueryError } = await import('@glorank/api');
  return (flag, query) => {
    try {
      return parseRunQuery(query);
    } catch (err) {
      if (err instanceof RunQueryError) throw new UserError(err.message, { field: flag });
      throw err;
    }
  };
}

/** `lr=0.001`, `optimizer=adam`, `batch>=32`: the query term `params.<cond>`. */
function paramFilter(parse: QueryParser, value: string): ParamFilter {
  const filter = parse('--param', `params.${value}`);
  const only = filter.params?.[0];
  if (only === undefined || filter.params?.length !== 1 || Object.keys(filter).length !== 1)
    throw new UserError(`must look like name=value or name>=number, got '${value}'`, { field: '--param' });
  return only;
}

/** `min:loss<0.5`, `last:val/ndcg>=0.3`: the query term `metrics.<key>.<agg><op><value>`. */
function metricFilter(parse: QueryParser, value: string): MetricFilter {
  const wrong = () =>
    new UserError(`must look like min:loss<0.5 (last|min|max), got '${value}'`, { field: '--metric' });
  const colon = value.indexOf(':');
  const agg = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  const op = rest.search(/[<>=!]/);
  if (colon <= 0 || !(AGGS as readonly string[]).includes(agg) || op <= 0) throw wrong();
  const filter = parse('--metric', `metrics.${rest.slice(0, op)}.${agg}${rest.slice(op)}`);
  const only = filter.metrics?.[0];
  if (only === undefined || filter.metrics?.length !== 1 || Object.keys(filter).length !== 1) throw wrong();
  return only;
}

/** The filter of `runs ls`: its field flags plus the comparisons read by the one query parser. */
async function lsFilter(opts: LsOptions): Promise<RunFilter> {
  const parse = opts.where !== undefined || opts.param || opts.metric ? await queryParser() : null;
  const where = parse && opts.where !== undefined ? parse('--where', opts.where) : {};
  const params = [
    ...(where.params ?? []),
    ...(opts.param ?? []).map((v) => paramFilter(parse as QueryParser, v)),
  ];
  const metrics = [
    ...(where.metrics ?? []),
    ...(opts.metric ?? []).map((v) => metricFilter(parse as QueryParser, v)),
  ];
  const tags = [...(where.tags ?? []), ...(opts.tag ?? [])];
  return {
    ...where,
    ...(opts.status ? { status: opts.status } : {}),
    ...(opts.experiment !== undefined ? { experiment: opts.experiment } : {}),
    ...(opts.name !== undefined ? { nameContains: opts.name } : {}),
    ...(params.length > 0 ? { params } : {}),
    ...(metrics.length > 0 ? { metrics } : {}),
    ...(tags.length > 0 ? { tags } : {}),
  };
}

function dbOption(): Option {
  return new Option(
    '--db <url|path>',
    'run store: SQLite file or postgres:// URL (default GLORANK_DB_URL or runs/glorank.db)',
  );
}

async function withStore<T>(db: string | undefined, fn: (store: RunStore) => Promise<T>): Promise<T> {
  // Every `runs` command works on existing runs: a missing store (a mistyped --db) is an
  // error, and nothing is created.
  const store = await openRunStore(db ?? storagePaths().database, { create: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function isoTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function duration(run: RunSummary): string {
  const end = run.endedAt ?? (run.status === 'running' ? Date.now() : run.heartbeatAt);
  const s = Math.max(0, Math.round((end - run.startedAt) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(3)
    : String(Number(v.toFixed(4)));
}

function table(header: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map(printable));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function parseRunId(value: string): number {
  return parseIntOption('run id', 1)(value);
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

interface LsOptions {
  db?: string;
  status?: RunStatus[];
  tag?: string[];
  experiment?: string;
  name?: string;
  param?: string[];
  metric?: string[];
  where?: string;
  sort?: RunSort;
  asc?: boolean;
  limit: number;
  offset: number;
  json?: boolean;
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list, inspect, tag, delete and export tracked runs')
    .addHelpText(
      'after',
      `
Examples:
  $ glorank runs ls --status running,crashed
  $ glorank runs ls --sort min:val/loss --asc --limit 10
  $ glorank runs show 12
  $ glorank runs tag 12 best paper
  $ glorank runs export 12 --out run-12.json
  $ GLORANK_DB_URL=postgres://user:pw@host/db glorank runs ls --json`,
    );

  runs
    .command('ls')
    .description('list runs, newest first, with filters, sorting and paging')
    .addOption(dbOption())
    .option('--status <list>', `comma-separated statuses (${RUN_STATUSES.join(', ')})`, parseStatuses)
    .option('--tag <tag>', 'only runs with this tag (repeatable: all must match)', collect(String))
    .option('--experiment <name>', 'only runs of this experiment')
    .option('--name <text>', 'run name contains this text (case-insensitive)')
    .option('--param <cond>', 'param condition, e.g. lr=0.001 or batch>=32 (repeatable)', collect(String))
    .option('--metric <cond>', 'metric condition, e.g. min:loss<0.5 (repeatable)', collect(String))
    .option(
      '--where <query>',
      "the dashboard's search syntax, e.g. 'status:finished tag:baseline params.lr>=0.001 metrics.loss.min<0.5'",
    )
    .option(
      '--sort <by>',
      'startedAt (default), name, status, endedAt, id, param:<name>, last|min|max:<metric>',
      parseSort,
    )
    .option('--asc', 'ascending order (default descending)')
    .option('--limit <n>', 'page size', parseIntOption('--limit', 1, 1000), 50)
    .option('--offset <n>', 'skip this many runs', parseIntOption('--offset', 0), 0)
    .option('--json', 'print the page as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ glorank runs ls
  $ glorank runs ls --experiment movielens --tag baseline --sort last:ndcg@6
  $ glorank runs ls --param lr=0.001 --metric 'min:loss<0.5' --json
  $ glorank runs ls --where 'experiment:ml-1m params.seed>=2 metrics.test/ndcg@6.max>30'`,
    )
    .action(async (opts: LsOptions) => {
      const sort: RunSort = { ...(opts.sort ?? { by: 'startedAt' }), dir: opts.asc ? 'asc' : 'desc' };
      const query: ListRunsOptions = {
        filter: await lsFilter(opts),
        sort,
        limit: opts.limit,
        offset: opts.offset,
      };
      const page = await withStore(opts.db, (store) => store.listRuns(query));
      if (opts.json) return print(JSON.stringify(page, null, 2));
      const metricCol = sort.by === 'metric' ? sort : null;
      const rows = page.runs.map((r) => [
        String(r.id),
        r.status,
        r.experimentName,
        r.name,
        isoTime(r.startedAt),
        duration(r),
        ...(metricCol ? [formatNumber(r.metrics[metricCol.key]?.[metricCol.agg])] : []),
        r.tags.join(','),
      ]);
      const header = [
        'ID',
        'STATUS',
        'EXPERIMENT',
        'NAME',
        'STARTED (UTC)',
        'TIME',
        ...(metricCol ? [`${metricCol.agg.toUpperCase()} ${metricCol.key}`] : []),
        'TAGS',
      ];
      const shown = page.runs.length === 0 ? 0 : page.offset + 1;
      print(`${table(header, rows)}\n${shown}-${page.offset + page.runs.length} of ${page.total} runs`);
    });

  runs
    .command('show')
    .description('one run: record, params, metric summaries, artifacts and the last log lines')
    .argument('<id>', 'run id', parseRunId)
    .addOption(dbOption())
    .option('--logs <n>', 'log lines to show', parseIntOption('--logs', 0, 10_000), 20)
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ glorank runs show 12\n  $ glorank runs show 12 --json | jq .run.params',
    )
    .action(async (id: number, opts: { db?: string; logs: number; json?: boolean }) => {
      const result = await withStore(opts.db, async (store) => {
        const run = await store.getRun(id);
        if (!run) return null;
        const [artifacts, logs] = await Promise.all([
          store.listArtifacts(id),
          opts.logs > 0
            ? store.tailLogs(id, { limit: opts.logs })
            : Promise.resolve({ lines: [], nextSeq: 0 }),
        ]);
        return { run, artifacts, logs: logs.lines };
      });
      if (!result) throw new UserError(`run ${id} does not exist`, { field: 'id' });
      if (opts.json) return print(JSON.stringify(result, null, 2));
      const { run, artifacts, logs } = result;
      const out: string[] = [
        `run ${run.id}  ${printable(run.name)}  [${run.status}]  experiment ${printable(run.experimentName)}`,
        `  started ${isoTime(run.startedAt)}  ended ${isoTime(run.endedAt)}  (${duration(run)})  last heartbeat ${isoTime(run.heartbeatAt)}`,
        printable(
          `  host ${run.host ?? '-'}  pid ${run.pid ?? '-'}  backend ${run.backend ?? '-'}  code ${run.codeVersion ?? '-'}  dataset ${run.datasetHash ?? '-'}`,
        ),
        `  tags ${run.tags.length > 0 ? printable(run.tags.join(', ')) : '-'}`,
      ];
      if (run.error) out.push(`  error ${printable(run.error)}`);
      const params = Object.entries(run.params);
      if (params.length > 0)
        out.push(
          '',
          table(
            ['PARAM', 'VALUE'],
            params.map(([k, v]) => [k, v]),
          ),
        );
      const metrics = Object.values(run.metrics);
      if (metrics.length > 0) {
        out.push(
          '',
          table(
            ['METRIC', 'POINTS', 'STEPS', 'LAST', 'MIN', 'MAX'],
            metrics.map((m) => [
              m.key,
              String(m.count),
              `${m.minStep}..${m.maxStep}`,
              formatNumber(m.last),
              formatNumber(m.min),
              formatNumber(m.max),
            ]),
          ),
        );
      }
      if (artifacts.length > 0) {
        out.push(
          '',
          table(
            ['ARTIFACT', 'KIND', 'BYTES', 'SHA256'],
            artifacts.map((a) => [a.path, a.kind, String(a.bytes), a.sha256.slice(0, 16)]),
          ),
        );
      }
      if (logs.length > 0) {
        out.push('', ...logs.map((l) => `${isoTime(l.time)} ${l.level.padEnd(5)} ${printable(l.message)}`));
      }
      print(out.join('\n'));
    });

  runs
    .command('tag')
    .description('add tags to a run (or remove them with --remove)')
    .argument('<id>', 'run id', parseRunId)
    .argument('<tags...>', 'tags')
    .addOption(dbOption())
    .option('--remove', 'remove the tags instead of adding them')
    .option('--json', 'print the run tags as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ glorank runs tag 12 best paper\n  $ glorank runs tag 12 paper --remove',
    )
    .action(async (id: number, tags: string[], opts: { db?: string; remove?: boolean; json?: boolean }) => {
      const run = await withStore(opts.db, async (store) => {
        if (opts.remove) await store.removeTags(id, tags);
        else await store.addTags(id, tags);
        return store.getRun(id);
      });
      const now = run?.tags ?? [];
      print(
        opts.json
          ? JSON.stringify({ id, tags: now })
          : `run ${id} tags: ${now.length > 0 ? printable(now.join(', ')) : '-'}`,
      );
    });

  runs
    .command('rm')
    .description('delete runs with their metrics, logs, params and artifact records (files stay on disk)')
    .argument('<ids...>', 'run ids', collect(parseRunId))
    .addOption(dbOption())
    .option('--json', 'print what was deleted as JSON')
    .addHelpText('after', '\nExamples:\n  $ glorank runs rm 12\n  $ glorank runs rm 12 13 14 --json')
    .action(async (ids: number[], opts: { db?: string; json?: boolean }) => {
      const { deleted, missing } = await withStore(opts.db, async (store) => {
        const deleted: number[] = [];
        const missing: number[] = [];
        for (const id of ids) ((await store.deleteRun(id)) ? deleted : missing).push(id);
        return { deleted, missing };
      });
      if (opts.json) print(JSON.stringify({ deleted, missing }));
      else if (deleted.length > 0) print(`deleted run${deleted.length > 1 ? 's' : ''} ${deleted.join(', ')}`);
      if (missing.length > 0)
        throw new UserError(`run ${missing.join(', ')} did not exist`, { field: 'ids' });
    });

  runs
    .command('export')
    .description('write runs with every metric point, log line, artifact record and system sample as JSON')
    .argument('<ids...>', 'run ids', collect(parseRunId))
    .addOption(dbOption())
    .option('--out <file>', 'write here (atomically) instead of stdout')
    .option('--json', 'with --out, print a JSON summary of what was written')
    .addHelpText(
      'after',
      `
The file holds {"format": "glorank-runs/1", "runs": [<glorank-run/1>, ...]}; each run has
its record, params, metric summaries, full series (steps, values, times), logs, artifacts
and system samples.

Examples:
  $ glorank runs export 12 > run-12.json
  $ glorank runs export 12 13 --out compare/runs.json`,
    )
    .action(async (ids: number[], opts: { db?: string; out?: string; json?: boolean }) => {
      const exported = await withStore(opts.db, async (store) => {
        const list = [];
        for (const id of ids) {
          const e = await store.exportRun(id);
          if (!e) throw new UserError(`run ${id} does not exist`, { field: 'ids' });
          list.push(e);
        }
        return list;
      });
      const text = `${JSON.stringify({ format: 'glorank-runs/1', runs: exported })}\n`;
      if (!opts.out) return print(text);
      const file = path.resolve(opts.out);
      await writeFileAtomic(file, text);
      const points = exported.reduce((n, e) => n + e.series.reduce((m, s) => m + s.steps.length, 0), 0);
      print(
        opts.json
          ? JSON.stringify({ file, runs: ids, points, bytes: Buffer.byteLength(text) })
          : `wrote ${exported.length} run${exported.length > 1 ? 's' : ''} (${points} metric points) to ${file}`,
      );
    });
}
