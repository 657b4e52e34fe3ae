'use client';
// The runs table: server-side filter/sort/pagination, rows virtualised (only the visible ones
// are in the DOM, pages of 100 fetched as they scroll into view), last/min/max per metric.
import type { RunRow } from '@glorank/api';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { trpc } from '@/client/trpc-client';
import { ErrorMessage } from '@/components/status-message';
import { formatDuration, formatNumber, formatTime } from '@/lib/format-values';

export interface RunsView {
  query: string;
  sortBy: string;
  sortKey: string;
  sortAgg: string;
  dir: 'asc' | 'desc';
  /** null: let the server pick the most common keys. */
  metrics: string[] | null;
  params: string[] | null;
}

const PAGE = 100;
const ROW = 32;
const VIEWPORT = 640;
const AGGS = ['last', 'min', 'max'] as const;

type ListInput = Parameters<typeof trpc.runs.list.query>[0];
type ListOutput = Awaited<ReturnType<typeof trpc.runs.list.query>>;

function toInput(v: RunsView): ListInput {
  const dir = v.dir;
  let sort: ListInput['sort'];
  if (v.sortBy === 'metric') sort = { by: 'metric', key: v.sortKey, agg: v.sortAgg as 'last', dir };
  else if (v.sortBy === 'param') sort = { by: 'param', key: v.sortKey, dir };
  else sort = { by: v.sortBy as 'startedAt', dir };
  return {
    query: v.query,
    sort,
    limit: PAGE,
    ...(v.metrics ? { metricKeys: v.metrics } : {}),
    ...(v.params ? { paramKeys: v.params } : {}),
  };
}

function toSearch(v: RunsView): string {
  const p = new URLSearchParams();
  if (v.query) p.set('q', v.query);
  if (v.sortBy !== 'startedAt' || v.dir !== 'desc') {
    p.set('sort', v.sortBy);
    p.set('dir', v.dir);
    if (v.sortBy === 'metric' || v.sortBy === 'param') p.set('key', v.sortKey);
    if (v.sortBy === 'metric') p.set('agg', v.sortAgg);
  }
  if (v.metrics) p.set('metrics', v.metrics.join(','));
  if (v.params) p.set('params', v.params.join(','));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function RunsTable({ initial }: { initial: RunsView }) {
  const router = useRouter();
  const [view, setView] = useState(initial);
  const [draft, setDraft] = useState(initial.query);
  const [first, setFirst] = useState<ListOutput | null>(null);
  const [pages, setPages] = useState<Map<number, RunRow[]>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const inFlight = useRef(new Set<number>());
  const generation = useRef(0);
  const input = useMemo(() => toInput(view), [view]);

  // A new view starts over at the top.
  useEffect(() => {
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

  const startRow = Math.max(0, Math.floor(scrollTop / ROW) - 10);
  const endRow = Math.min(total, Math.ceil((scrollTop + VIEWPORT) / ROW) + 10);
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

  // Fixed column widths: the table scrolls sideways instead of squeezing names to "…".
  const widths = [
    28,
    56,
    220,
    84,
    140,
    170,
    168,
    80,
    ...paramKeys.map(() => 110),
    ...metricKeys.flatMap(() => [130, 84, 84]),
  ];
  const columns = widths.map((w) => `${w}px`).join(' ');
  const tableWidth = widths.reduce((a, b) => a + b, 0) + 8;
  const rows: { index: number; row: RunRow | undefined }[] = [];
  for (let i = startRow; i < endRow; i++)
    rows.push({ index: i, row: pages.get(Math.floor(i / PAGE))?.[i % PAGE] });

  const addable = (first?.metricKeysOnPage ?? []).filter((k) => !metricKeys.includes(k));
  const addableParams = (first?.paramKeysOnPage ?? []).filter((k) => !paramKeys.includes(k));

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
          disabled={selected.size < 2}
          onClick={() => router.push(`/compare?ids=${[...selected].join(',')}`)}
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
      </form>
      {error ? <ErrorMessage error={error} title="Cannot list runs" /> : null}
      {first ? (
        <p className="muted" data-testid="runs-total">
          {total} run{total === 1 ? '' : 's'}
          {view.query ? ` matching “${view.query}”` : ''}
        </p>
      ) : null}
      {first ? (
        <div
          className="vt-scroll"
          style={{ height: Math.min(VIEWPORT, (total + 2) * ROW + 4) }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          data-testid="runs-table"
        >
          <div style={{ width: tableWidth, minWidth: '100%' }}>
            <div className="vt-row vt-head" style={{ gridTemplateColumns: columns }}>
              <div />
              <div>
                <button type="button" className="sort" onClick={() => sortBy('id')}>
                  id{arrow('id')}
                </button>
              </div>
              <div>
                <button type="button" className="sort" onClick={() => sortBy('name')}>
                  name{arrow('name')}
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
              <div>duration</div>
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
              {metricKeys.flatMap((k) =>
                AGGS.map((agg) => (
                  <div key={`m-${k}-${agg}`} className="num" title={`${k} (${agg})`}>
                    <button type="button" className="sort" onClick={() => sortBy('metric', k, agg)}>
                      {agg === 'last' ? k : agg}
                      {arrow('metric', k, agg)}
                    </button>
                    {agg === 'max' ? (
                      <button
                        type="button"
                        className="sort muted"
                        aria-label={`remove column ${k}`}
                        onClick={() => apply({ ...view, metrics: metricKeys.filter((x) => x !== k) })}
                      >
                        {' '}
                        ×
                      </button>
                    ) : null}
                  </div>
                )),
              )}
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
                      <div>
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
                      <div className="mono">{row.id}</div>
                      <div title={row.name}>
                        <Link href={`/runs/${row.id}`}>{row.name}</Link>
                      </div>
                      <div>
                        <span className={`badge ${row.status}`}>{row.status}</span>
                      </div>
                      <div title={row.experiment}>{row.experiment}</div>
                      <div>
                        {row.tags.map((t) => (
                          <span key={t} className="tag">
                            {t}
                          </span>
                        ))}
                      </div>
                      <div className="mono">{formatTime(row.startedAt)}</div>
                      <div className="num">{formatDuration((row.endedAt ?? Date.now()) - row.startedAt)}</div>
                      {paramKeys.map((k) => (
                        <div key={`p-${k}`} className="mono" title={row.params[k] ?? ''}>
                          {row.params[k] ?? '–'}
                        </div>
                      ))}
                      {metricKeys.flatMap((k) =>
                        AGGS.map((agg) => (
                          <div key={`m-${k}-${agg}`} className="num">
                            {formatNumber(row.metrics[k]?.[agg] ?? null)}
                          </div>
                        )),
                      )}
                    </>
                  ) : (
                    <div className="muted">…</div>
                  )}
                </div>
              ))}
            </div>
          </div>
        </div>
      ) : error ? null : (
        <p className="muted">Loading runs…</p>
      )}
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
