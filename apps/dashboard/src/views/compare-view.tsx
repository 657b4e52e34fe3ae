'use client';
// Several runs side by side: curves overlaid (one colour per run), params diff, metrics table.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ChartControls, type ChartLine, type ChartSettings, LineChart } from '@/components/line-chart';
import { colorAt } from '@/components/palette';
import { ErrorMessage, Loading } from '@/components/status-message';
import { formatNumber } from '@/lib/format-values';

function parseIds(text: string): { ids: number[] } | { error: string } {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = parts.find((p) => !/^\d+$/.test(p) || Number(p) < 1);
  if (bad !== undefined)
    return { error: `'${bad}' is not a run id; expected positive integers like ?ids=3,7.` };
  return { ids: parts.map(Number) };
}

export function CompareView({
  idsText,
  keysText,
  group = '',
}: {
  idsText: string;
  keysText: string | null;
  /** Overlay group means with 95% bands instead of single runs ('' for none). */
  group?: string;
}) {
  const router = useRouter();
  const [draft, setDraft] = useState(idsText);
  const parsed = parseIds(idsText);
  const [settings, setSettings] = useState<ChartSettings>({ smoothing: 0.6, xMode: 'step', logY: false });
  const ids = 'ids' in parsed ? parsed.ids : [];
  const tables = useQuery(ids.length > 0 ? `compare:${ids.join(',')}` : null, () =>
    trpc.compare.get.query({ ids }),
  );
  // Default curves: metric keys every run has, up to six.
  const keys = useMemo(() => {
    if (keysText !== null) return keysText.split(',').filter((k) => k.length > 0);
    if (!tables.data) return [];
    // Curves first (keys logged more than once), then single values, each alphabetically.
    const curve = (m: (typeof tables.data.metrics)[number]) => m.summaries.some((s) => (s?.count ?? 0) > 1);
    return tables.data.metrics
      .filter((m) => m.summaries.every((s) => s !== null))
      .sort((a, b) => Number(curve(b)) - Number(curve(a)) || a.key.localeCompare(b.key))
      .map((m) => m.key)
      .slice(0, 6);
  }, [keysText, tables.data]);
  const curves = useQuery(
    tables.data && keys.length > 0 ? `curves:${ids.join(',')}:${keys.join(',')}:${group}` : null,
    () => trpc.compare.get.query({ ids, keys, maxPoints: 1000, ...(group ? { group } : {}) }),
  );
  const go = (next: { keys?: string[]; group?: string }) => {
    const p = new URLSearchParams({ ids: ids.join(',') });
    const k = next.keys ?? keys;
    if (k.length > 0 || next.keys) p.set('keys', k.join(','));
    const g = next.group ?? group;
    if (g) p.set('group', g);
    router.replace(`/compare?${p.toString().replace(/%2C/g, ',')}`, { scroll: false });
  };
  const [onlyDiff, setOnlyDiff] = useState(false);

  const form = (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        router.push(`/compare?ids=${encodeURIComponent(draft.replace(/\s+/g, ''))}`);
      }}
    >
      <input
        type="text"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        placeholder="run ids, comma separated (or select runs in the runs table)"
        aria-label="run ids"
      />
      <button type="submit" className="primary">
        Compare
      </button>
    </form>
  );
  if ('error' in parsed) {
    return (
      <>
        {form}
        <ErrorMessage title="Invalid run ids" error={new Error(parsed.error)} />
      </>
    );
  }
  if (ids.length === 0) {
    return (
      <>
        {form}
        <p className="muted">
          Pick two or more runs: tick them in the <Link href="/runs">runs table</Link> and press Compare.
        </p>
      </>
    );
  }
  if (tables.error) {
    return (
      <>
        {form}
        <ErrorMessage error={tables.error} />
      </>
    );
  }
  if (!tables.data) return <Loading what="runs" />;
  const { runs, params, metrics } = tables.data;
  const label = (i: number) => `#${runs[i]!.id} ${runs[i]!.name}`;
  const chartLines = (key: string): ChartLine[] =>
    group && curves.data
      ? curves.data.groups.flatMap((g, i) => {
          const c = g.curves[key];
          if (!c || c.steps.length === 0) return [];
          const name = `${g.value ?? '(not set)'} (${g.runIds.length} runs)`;
          const line = (values: number[], band?: 'hi' | 'lo'): ChartLine => ({
            label: band ? `${name} ${band === 'hi' ? 'upper' : 'lower'} 95%` : `${name} mean`,
            color: colorAt(i),
            steps: c.steps,
            values,
            times: c.steps,
            ...(band ? { band } : {}),
          });
          return [line(c.mean), line(c.hi, 'hi'), line(c.lo, 'lo')];
        })
      : (curves.data?.series[key] ?? []).flatMap((s, i) =>
          s ? [{ label: label(i), color: colorAt(i), steps: s.steps, values: s.values, times: s.times }] : [],
        );
  // Metrics every run logged; when there are none the page says so instead of showing no curves.
  const shared = metrics.filter((m) => m.summaries.every((s) => s !== null)).map((m) => m.key);
  const groupChoices = ['experiment', 'status', ...params.map((p) => `params.${p.key}`)];

  return (
    <div data-testid="compare-view">
      {form}
      <p>
        {runs.map((r, i) => (
          <span key={r.id} style={{ marginRight: 16 }}>
            <span style={{ color: colorAt(i), fontWeight: 700 }}>■</span>{' '}
            <Link href={`/runs/${r.id}`} data-testid="compare-run">
              #{r.id} {r.name}
            </Link>{' '}
            <span className={`badge ${r.status}`}>{r.status}</span>
          </span>
        ))}
      </p>
      <h2>Curves</h2>
      {shared.length === 0 ? (
        <p className="warn-box" data-testid="no-shared-metrics">
          These runs share no metric: no key was logged by all {runs.length} of them. Pick metrics below to
          overlay the runs that have them.
        </p>
      ) : null}
      <details className="metric-picker" open={keysText !== null || shared.length === 0}>
        <summary>
          Metrics ({keys.length} of {metrics.length} shown)
        </summary>
        <div data-testid="metric-picker">
          {metrics.map((m) => {
            const have = m.summaries.filter((x) => x !== null).length;
            return (
              <label key={m.key} title={`logged by ${have} of ${runs.length} runs`}>
                <input
                  type="checkbox"
                  checked={keys.includes(m.key)}
                  onChange={(e) =>
                    go({
                      keys: e.target.checked
                        ? [...keys, m.key].slice(0, 12)
                        : keys.filter((k) => k !== m.key),
                    })
                  }
                />{' '}
                {m.key}
                {have < runs.length ? (
                  <span className="muted">
                    {' '}
                    ({have}/{runs.length})
                  </span>
                ) : null}
              </label>
            );
          })}
        </div>
      </details>
      <div className="toolbar">
        <ChartControls value={settings} onChange={setSettings} />
        <label>
          overlay{' '}
          <select aria-label="overlay" value={group} onChange={(e) => go({ group: e.target.value })}>
            <option value="">each run</option>
            {groupChoices.map((g) => (
              <option key={g} value={g}>
                mean ± 95% by {g}
              </option>
            ))}
          </select>
        </label>
      </div>
      {curves.error ? <ErrorMessage error={curves.error} /> : null}
      <div className="charts">
        {keys.map((k) =>
          curves.data ? (
            <LineChart
              key={k}
              title={k}
              lines={chartLines(k)}
              xMode={settings.xMode}
              smoothing={settings.smoothing}
              logY={settings.logY}
              testId={`compare-chart-${k}`}
            />
          ) : null,
        )}
      </div>
      <h2>Params</h2>
      <label className="muted">
        <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> only
        params that differ
      </label>
      <table className="grid" data-testid="params-diff">
        <thead>
          <tr>
            <th>param</th>
            {runs.map((r, i) => (
              <th key={r.id}>{label(i)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {params
            .filter((p) => !onlyDiff || p.differs)
            .map((p) => (
              <tr key={p.key} className={p.differs ? 'differs' : undefined}>
                <td>{p.key}</td>
                {p.values.map((v, i) => (
                  <td key={runs[i]!.id} className="mono">
                    {v ?? '–'}
                  </td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
      <h2>Metrics (last · min · max)</h2>
      <table className="grid" data-testid="metrics-side-by-side">
        <thead>
          <tr>
            <th>metric</th>
            {runs.map((r, i) => (
              <th key={r.id} className="num">
                {label(i)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={m.key}>
              <td>{m.key}</td>
              {m.summaries.map((s, i) => (
                <td key={runs[i]!.id} className="num mono">
                  {s ? `${formatNumber(s.last)} · ${formatNumber(s.min)} · ${formatNumber(s.max)}` : '–'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
