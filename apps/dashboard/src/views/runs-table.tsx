'use client';
// The runs table: server-side filter/sort/pagination, rows virtualised (only the visible ones
// are in the DOM, pages of 100 fetched as they scroll into view), last/min/max per metric.
import type { RunRow } from '@glorank/api';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClock } from '@/client/server-clock';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ParallelCoordinates } from '@/components/parallel-coordinates';
import { ErrorMessage } from '@/components/status-message';
import { formatDuration, formatInterval, formatNumber, formatTime } from '@/lib/format-values';
import { compareHref, PAGE, type RunsView, toInput, toSearch } from '@/lib/runs-view';

// The chosen columns are remembered in this browser when the address does not name them.
const COLUMNS_KEY = 'glorank.runs.columns';
function rememberedColumns(): { metrics: string[] | null; params: string[] | null } {
  try {
    const v = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as {
      metrics?: unknown;
      params?: unknown;
    } | null;
    const list = (x: unknown) =>
      Array.isArray(x) && x.every((k) => typeof k === 'string') ? (x as string[]).slice(0, 12) : null;
    return { metrics: list(v?.metrics), params: list(v?.params) };
  } catch {
    return { metrics: null, params: null };
  }
}

const ROW = 32;
const VIEWPORT = 640;
/**
 * Rows kept in the DOM beyond the visible ones, each way. Small on purpose: every row is
 * laid out, painted and hydrated before the first view is usable (about 6 ms a row in a
 * fresh Chromium on two cores), and the rows below the fold only serve scrolling.
 */
const OVERSCAN = 3;

type ListOutput = Awaited<ReturnType<typeof trpc.runs.list.query>>;

export function RunsTable({
  initial,
  prefetched = null,
  compareLimit = null,
}: {
  initial: RunsView;
  /** The first page as the server read it for `initial` (absent when it could not). */
  prefetched?: ListOutput | null;
  /** The API's cap on runs per compare (null when the server could not read it). */
  compareLimit?: number | null;
}) {
  const router = useRouter();
  // Starts from the address's view (as the server did, so the first page it sent fits);
  // columns the address does not name come from this browser's last choice right after.
  const [view, setView] = useState<RunsView>(initial);
  const clock = useClock();
  const [draft, setDraft] = useState(initial.query);
  const [first, setFirst] = useState<ListOutput | null>(prefetched);
  const [pages, setPages] = useState<Map<number, RunRow[]>>(
    () => new Map(prefetched ? [[0, prefetched.rows]] : []),
  );
  const [error, setError] = useState<unknown>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const inFlight = useRef(new Set<number>());
  const generation = useRef(0);
  const skipFetch = useRef(prefetched !== null);
  useEffect(() => {
    if (initial.metrics !== null || initial.params !== null) return;
    const remembered = rememberedColumns();
    if (remembered.metrics || remembered.params) setView((v) => ({ ...v, ...remembered }));
  }, [initial]);
  const input = useMemo(() => toInput(view), [view]);

  // A new view starts over at the top.
  useEffect(() => {
    // The server's first page stands for the address's view until the view changes.
    if (skipFetch.current) {
      skipFetch.current = false;
      return;
    }
    const gen = ++generation.current;
    inFlight.current.clear();
    setPages(new Map());
    setFirst(null);
    setError(null);
    trpc.runs.list.query({ ...input, offset: 0 }).then(
      (out) => {
        if (gen !== generation.current) return;
        setFirst(out);
        setPages(new Map([[0, out.rows]]));
      },
      (err: unknown) => gen === generation.current && setError(err),
    );
  }, [input]);

  // Columns are fixed by the first page so later pages line up with it.
  const metricKeys = first?.metricKeys ?? [];
  const paramKeys = first?.paramKeys ?? [];
  const total = first?.total ?? 0;

  const startRow = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const endRow = Math.min(total, Math.ceil((scrollTop + VIEWPORT) / ROW) + OVERSCAN);
  useEffect(() => {
    if (!first) return;
    const gen = generation.current;
    for (let p = Math.floor(startRow / PAGE); p <= Math.floor(Math.max(0, endRow - 1) / PAGE); p++) {
      if (pages.has(p) || inFlight.current.has(p)) continue;
      inFlight.current.add(p);
      trpc.runs.list
        .query({ ...input, offset: p * PAGE, metricKeys, paramKeys })
        .then(
          (out) => gen === generation.current && setPages((m) => new Map(m).set(p, out.rows)),
          (err: unknown) => gen === generation.current && setError(err),
        )
        .finally(() => inFlight.current.delete(p));
    }
  }, [first, startRow, endRow, pages, input, metricKeys, paramKeys]);

  const apply = useCallback(
    (next: RunsView) => {
      setView(next);
      try {
        localStorage.setItem(COLUMNS_KEY, JSON.stringify({ metrics: next.metrics, params: next.params }));
      } catch {
        // Storage refused (private mode): the address still keeps the view.
      }
      router.replace(`/runs${toSearch(next)}`, { scroll: false });
    },
    [router],
  );

  const sortBy = (by: string, key = '', agg = 'last') => {
    const same = view.sortBy === by && view.sortKey === key && view.sortAgg === agg;
    apply({
      ...view,
      sortBy: by,
      sortKey: key,
      sortAgg: agg,
      dir: same && view.dir === 'desc' ? 'asc' : 'desc',
    });
  };
  const arrow = (by: string, key = '', agg = 'last') =>
    view.sortBy === by &&
    (by !== 'metric' && by !== 'param' ? true : view.sortKey === key && view.sortAgg === agg)
      ? view.dir === 'desc'
        ? ' ↓'
        : ' ↑'
      : '';

  // Column widths chosen so the default view (3 params, 3 metrics) fits 1440 px; more
  // columns scroll sideways with the selection and name columns kept in place (sticky).
  const widths = [28, 200, 84, 110, 90, 156, 60, ...paramKeys.map(() => 96), ...metricKeys.map(() => 124)];
  const columns = widths.map((w) => `${w}px`).join(' ');
  const tableWidth = widths.reduce((a, b) => a + b, 0) + 8;
  const rows: { index: number; row: RunRow | undefined }[] = [];
  for (let i = startRow; i < endRow; i++)
    rows.push({ index: i, row: pages.get(Math.floor(i / PAGE))?.[i % PAGE] });

  const addable = (first?.metricKeysOnPage ?? []).filter((k) => !metricKeys.includes(k));
  const addableParams = (first?.paramKeysOnPage ?? []).filter((k) => !paramKeys.includes(k));
  const groupChoices = ['experiment', 'status', ...(first?.paramKeysOnPage ?? []).map((k) => `params.${k}`)];
  const metricTitle = (k: string, m: RunRow['metrics'][string]) =>
    m
      ? `${k}\nlast ${formatNumber(m.last)} @ step ${m.maxStep}\nmin ${formatNumber(m.min)}\nmax ${formatNumber(m.max)}\n${m.count} points`
      : `${k}: not logged`;

  return (
    <div>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ ...view, query: draft.trim() });
        }}
      >
        <input
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="filter: status:finished tag:baseline params.lr>=0.001 metrics.loss.min<0.5 name words"
          aria-label="filter runs"
        />
        <button type="submit" className="primary">
          Filter
        </button>
        <button
          type="button"
          disabled={selected.size < 2 || (compareLimit !== null && selected.size > compareLimit)}
          title={
            compareLimit !== null && selected.size > compareLimit
              ? `compare at most ${compareLimit} runs at once`
              : undefined
          }
          onClick={() => router.push(compareHref([...selected], compareLimit))}
        >
          Compare {selected.size > 0 ? `(${selected.size})` : ''}
        </button>
        <select
          aria-label="add metric column"
          value=""
          onChange={(e) => e.target.value && apply({ ...view, metrics: [...metricKeys, e.target.value] })}
        >
          <option value="">+ metric column</option>
          {addable.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <select
          aria-label="add param column"
          value=""
          onChange={(e) => e.target.value && apply({ ...view, params: [...paramKeys, e.target.value] })}
        >
          <option value="">+ param column</option>
          {addableParams.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <select
          aria-label="group by"
          value={view.group}
          onChange={(e) => apply({ ...view, group: e.target.value })}
        >
          <option value="">group by: none</option>
          {(groupChoices.includes(view.group) || !view.group
            ? groupChoices
            : [view.group, ...groupChoices]
          ).map((k) => (
            <option key={k} value={k}>
              group by {k}
            </option>
          ))}
        </select>
        <select
          aria-label="parallel coordinates"
          value={view.pc}
          onChange={(e) => apply({ ...view, pc: e.target.value })}
        >
          <option value="">parallel coordinates: off</option>
          {[...new Set([...(view.pc ? [view.pc] : []), ...metricKeys, ...addable])].map((k) => (
            <option key={k} value={k}>
              params vs {k}
            </option>
          ))}
        </select>
      </form>
      {error ? <ErrorMessage error={error} title="Cannot list runs" /> : null}
      {first ? (
        <p className="muted" data-testid="runs-total">
          {total} run{total === 1 ? '' : 's'}
          {view.query ? ` matching “${view.query}”` : ''}
        </p>
      ) : null}
      {view.group && first ? (
        <RunGroups
          query={view.query}
          by={view.group}
          metricKeys={metricKeys}
          compareLimit={compareLimit}
          onShow={(value) => {
            const term = groupTerm(view.group, value);
            apply({ ...view, group: '', query: [view.query, term].filter(Boolean).join(' ') });
            setDraft([view.query, term].filter(Boolean).join(' '));
          }}
        />
      ) : null}
      {first && !view.group ? (
        <div
          className="vt-scroll"
          style={{ height: Math.min(VIEWPORT, (total + 2) * ROW + 4) }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          data-testid="runs-table"
        >
          <div style={{ width: tableWidth, minWidth: '100%' }}>
            <div className="vt-row vt-head" style={{ gridTemplateColumns: columns }}>
              <div className="sticky-col" style={{ left: 4 }} />
              <div className="sticky-col" style={{ left: 32 }}>
                <button type="button" className="sort" onClick={() => sortBy('name')}>
                  name{arrow('name')}
                </button>{' '}
                <button type="button" className="sort muted" onClick={() => sortBy('id')}>
                  #{arrow('id')}
                </button>
              </div>
              <div>
                <button type="button" className="sort" onClick={() => sortBy('status')}>
                  status{arrow('status')}
                </button>
              </div>
              <div>experiment</div>
              <div>tags</div>
              <div>
                <button type="button" className="sort" onClick={() => sortBy('startedAt')}>
                  started{arrow('startedAt')}
                </button>
              </div>
              <div className="num">time</div>
              {paramKeys.map((k) => (
                <div key={`p-${k}`} title={`param ${k}`}>
                  <button type="button" className="sort" onClick={() => sortBy('param', k)}>
                    {k}
                    {arrow('param', k)}
                  </button>{' '}
                  <button
                    type="button"
                    className="sort muted"
                    aria-label={`remove column ${k}`}
                    onClick={() => apply({ ...view, params: paramKeys.filter((x) => x !== k) })}
                  >
                    ×
                  </button>
                </div>
              ))}
              {metricKeys.map((k) => (
                <div
                  key={`m-${k}`}
                  className="num"
                  title={`${k}: last value (min and max on hover over a cell); click to sort`}
                >
                  <button
                    type="button"
                    className="sort"
                    onClick={() =>
                      sortBy(
                        'metric',
                        k,
                        view.sortBy === 'metric' && view.sortKey === k ? view.sortAgg : 'last',
                      )
                    }
                  >
                    {k}
                    {arrow('metric', k, view.sortAgg)}
                    {view.sortBy === 'metric' && view.sortKey === k && view.sortAgg !== 'last'
                      ? ` (${view.sortAgg})`
                      : ''}
                  </button>
                  <button
                    type="button"
                    className="sort muted"
                    aria-label={`remove column ${k}`}
                    onClick={() => apply({ ...view, metrics: metricKeys.filter((x) => x !== k) })}
                  >
                    {' '}
                    ×
                  </button>
                </div>
              ))}
            </div>
            <div style={{ height: total * ROW, position: 'relative' }}>
              {rows.map(({ index, row }) => (
                <div
                  key={index}
                  className={`vt-row${row && selected.has(row.id) ? ' selected' : ''}`}
                  style={{
                    gridTemplateColumns: columns,
                    position: 'absolute',
                    top: index * ROW,
                    left: 0,
                    right: 0,
                  }}
                  data-testid={row ? 'run-row' : 'run-row-loading'}
                >
                  {row ? (
                    <>
                      <div className="sticky-col" style={{ left: 4 }}>
                        <input
                          type="checkbox"
                          aria-label={`select run ${row.id}`}
                          checked={selected.has(row.id)}
                          onChange={(e) =>
                            setSelected((s) => {
                              const n = new Set(s);
                              if (e.target.checked) n.add(row.id);
                              else n.delete(row.id);
                              return n;
                            })
                          }
                        />
                      </div>
                      <div className="sticky-col" style={{ left: 32 }} title={`#${row.id} ${row.name}`}>
                        {/* No prefetch: each visible row would make the server render a run page (40
                            and more per screen), which slows this page and the one clicked. */}
                        <Link href={`/runs/${row.id}`} prefetch={false}>
                          {row.name}
                        </Link>{' '}
                        <span className="muted mono">#{row.id}</span>
                      </div>
                      <div>
                        <span className={`badge ${row.status}`}>{row.status}</span>
                      </div>
                      <div title={row.experiment}>{row.experiment}</div>
                      <div title={row.tags.join(', ')}>
                        {row.tags.map((t) => (
                          <span key={t} className="tag">
                            {t}
                          </span>
                        ))}
                      </div>
                      <div className="mono">{formatTime(row.startedAt, clock.timeZone)}</div>
                      <div className="num">
                        {formatDuration((row.endedAt ?? clock.now()) - row.startedAt)}
                      </div>
                      {paramKeys.map((k) => (
                        <div key={`p-${k}`} className="mono" title={row.params[k] ?? ''}>
                          {row.params[k] ?? '–'}
                        </div>
                      ))}
                      {metricKeys.map((k) => {
                        const m = row.metrics[k] ?? null;
                        return (
                          <div key={`m-${k}`} className="num" title={metricTitle(k, m)} data-metric={k}>
                            {formatNumber(m?.last ?? null)}
                          </div>
                        );
                      })}
                    </>
                  ) : (
                    <div className="muted">…</div>
                  )}
                </div>
              ))}
            </div>
          </div>
        </div>
      ) : error || first ? null : (
        <p className="muted">Loading runs…</p>
      )}
      {view.pc && first ? <RunsParallel query={view.query} params={paramKeys} metric={view.pc} /> : null}
      <details className="muted" style={{ marginTop: 10 }}>
        <summary>Filter syntax</summary>
        <p>
          <code>status:finished,running</code> <code>tag:baseline</code> <code>experiment:ml-1m</code>{' '}
          <code>id:3,4</code> <code>params.lr&gt;=0.001</code> <code>params.method=glorank</code>{' '}
          <code>metrics.test/ndcg@6.max&gt;30</code> (aggregate <code>.last</code> default, <code>.min</code>,{' '}
          <code>.max</code>); other words match the run name. Operators: = != &lt; &lt;= &gt; &gt;=.
        </p>
      </details>
    </div>
  );
}

/** The filter term that selects one group's runs. */
function groupTerm(by: string, value: string | null): string {
  const quote = (v: string) => (/[\s"]/.test(v) ? `"${v.replace(/"/g, '')}"` : v);
  if (value === null) return '';
  if (by === 'experiment') return `experiment:${quote(value)}`;
  if (by === 'status') return `status:${value}`;
  const key = by.startsWith('params.') ? by : `params.${by}`;
  return `${key}=${quote(value)}`;
}

/** Runs grouped by a field: per group the count and mean ± 95% interval of each metric's last value. */
function RunGroups({
  query,
  by,
  metricKeys,
  compareLimit,
  onShow,
}: {
  query: string;
  by: string;
  metricKeys: string[];
  compareLimit: number | null;
  onShow: (value: string | null) => void;
}) {
  const q = useQuery(`groups:${query}:${by}:${metricKeys.join(',')}`, () =>
    trpc.runs.groups.query({ query, by, metricKeys }),
  );
  if (q.error) return <ErrorMessage error={q.error} title="Cannot group runs" />;
  if (!q.data) return <p className="muted">Grouping runs…</p>;
  return (
    <div className="table-scroll">
      <table className="grid" data-testid="run-groups">
        <thead>
          <tr>
            <th>{by}</th>
            <th className="num">runs</th>
            {metricKeys.map((k) => (
              <th
                key={k}
                className="num"
                title={`${k}: mean of the runs' last values ± 95% Student-t half-width`}
              >
                {k}
              </th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {q.data.groups.map((g) => (
            <tr key={g.value ?? '\u0000'} data-testid="run-group">
              <td>{g.value ?? <span className="muted">(not set)</span>}</td>
              <td className="num">{g.count}</td>
              {metricKeys.map((k) => {
                const m = g.metrics[k];
                return (
                  <td key={k} className="num mono" title={m ? `n = ${m.n}` : 'not logged'}>
                    {m ? formatInterval(m.mean, m.halfWidth) : '–'}
                  </td>
                );
              })}
              <td>
                <button
                  type="button"
                  className="link"
                  onClick={() => onShow(g.value)}
                  disabled={g.value === null}
                >
                  runs
                </button>{' '}
                {g.runIds.length >= 2 ? (
                  <Link href={compareHref(g.runIds, compareLimit)}>
                    {compareLimit !== null && g.runIds.length > compareLimit
                      ? `compare the first ${compareLimit}`
                      : 'compare'}
                  </Link>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Cells: mean ± 95% interval over the group's runs (last value of each metric); a single run shows its
        value.
      </p>
    </div>
  );
}

/** The param columns against one metric over the matching runs (the first 500 in table order). */
function RunsParallel({ query, params, metric }: { query: string; params: string[]; metric: string }) {
  const q = useQuery(`pc:${query}:${params.join(',')}:${metric}`, () =>
    trpc.runs.list.query({ query, limit: 500, paramKeys: params, metricKeys: [metric] }),
  );
  if (q.error) return <ErrorMessage error={q.error} title="Cannot load runs" />;
  if (!q.data) return <p className="muted">Loading runs…</p>;
  const runs = q.data.rows.map((r) => ({
    id: r.id,
    name: r.name,
    params: r.params,
    value: r.metrics[metric]?.last ?? null,
  }));
  return (
    <section style={{ marginTop: 12 }}>
      <h2>
        Params against {metric}
        {q.data.total > q.data.rows.length ? (
          <span className="muted">
            {' '}
            (first {q.data.rows.length} of {q.data.total} runs)
          </span>
        ) : null}
      </h2>
      <ParallelCoordinates runs={runs} params={params} metric={metric} />
    </section>
  );
}
