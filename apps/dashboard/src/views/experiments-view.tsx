'use client';
import type { SavedTable } from '@glorank/api';
// Experiments and their results tables: per method, mean and 95% interval over seeds of each
// metric's final value, and the paired difference to a reference method.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { IntervalBars } from '@/components/interval-bars';
import { ErrorMessage, Loading } from '@/components/status-message';
import { downloadText, fileSafe } from '@/lib/chart-export';
import { formatInterval, formatTime } from '@/lib/format-values';

export function ExperimentsList() {
  const q = useQuery('experiments', () => trpc.experiments.list.query());
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data) return <Loading what="experiments" />;
  if (q.data.length === 0) return <p className="muted">No experiments yet.</p>;
  return (
    <table className="grid" data-testid="experiments-table">
      <thead>
        <tr>
          <th>name</th>
          <th>description</th>
          <th className="num">runs</th>
          <th>last run</th>
          <th>created</th>
        </tr>
      </thead>
      <tbody>
        {q.data.map((e) => (
          <tr key={e.id}>
            <td>
              <Link href={`/experiments/${e.id}`}>{e.name}</Link>
            </td>
            <td>{e.description ?? ''}</td>
            <td className="num">
              <Link href={`/runs?q=${encodeURIComponent(`experiment:${e.name}`)}`}>{e.runCount}</Link>
            </td>
            <td className="mono">{formatTime(e.lastRunAt)}</td>
            <td className="mono">{formatTime(e.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ExperimentResults({
  idText,
  prefix,
  reference,
}: {
  idText: string;
  prefix: string | null;
  reference: string | null;
}) {
  const router = useRouter();
  const experiment = /^\d+$/.test(idText) ? Number(idText) : idText;
  const q = useQuery(`results:${idText}:${prefix}:${reference}`, () =>
    trpc.experiments.results.query({
      experiment,
      ...(prefix !== null ? { prefix } : {}),
      ...(reference ? { reference } : {}),
    }),
  );
  const go = (next: { prefix?: string; reference?: string }) => {
    const p = new URLSearchParams();
    const pre = next.prefix ?? q.data?.prefix ?? '';
    const ref = next.reference ?? reference ?? '';
    if (pre) p.set('prefix', pre);
    if (ref) p.set('reference', ref);
    router.replace(`/experiments/${encodeURIComponent(idText)}?${p.toString()}`);
  };
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data) return <Loading what="results" />;
  const d = q.data;
  const shortKey = (k: string) =>
    d.prefix && k.startsWith(`${d.prefix}/`) ? k.slice(d.prefix.length + 1) : k;
  return (
    <div>
      <h1>
        Experiment {d.experiment.name} <span className="muted mono">#{d.experiment.id}</span>
      </h1>
      {d.experiment.description ? <p>{d.experiment.description}</p> : null}
      <p className="muted">
        {d.runCount} runs (
        {Object.entries(d.statusCounts)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}
        ); cells: mean ± 95% interval half-width over the seeds of finished runs.{' '}
        <Link href={`/runs?q=${encodeURIComponent(`experiment:${d.experiment.name}`)}`}>all runs</Link>
      </p>
      <SavedResultsView experiment={experiment} name={d.experiment.name} />
      <h2>From the tracked runs</h2>
      <p className="muted">
        Any logged split, recomputed from the runs' last values, with the paired difference to a method you
        choose (the saved tables above are the harness's own).
      </p>
      <div className="toolbar">
        <label>
          metric split{' '}
          <select value={d.prefix} onChange={(e) => go({ prefix: e.target.value })} aria-label="metric split">
            {d.prefixes.length === 0 ? <option value="">(all)</option> : null}
            {d.prefixes.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          difference to{' '}
          <select
            value={d.reference ?? ''}
            onChange={(e) => go({ reference: e.target.value })}
            aria-label="reference"
          >
            <option value="">(none)</option>
            {d.rows.map((r) => (
              <option key={r.method} value={r.method}>
                {r.method}
              </option>
            ))}
          </select>
        </label>
      </div>
      {d.rows.length === 0 ? <p className="muted">No finished runs yet.</p> : null}
      {d.rows.length > 0 ? (
        <table className="grid" data-testid="results-table">
          <thead>
            <tr>
              <th>method</th>
              <th className="num">seeds</th>
              {d.keys.map((k) => (
                <th key={k} className="num" title={k}>
                  {shortKey(k)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr key={r.method}>
                <td>
                  <Link href={`/compare?ids=${r.runIds.join(',')}`}>{r.method}</Link>
                </td>
                <td className="num">{r.seeds.length}</td>
                {d.keys.map((k) => {
                  const c = r.cells[k];
                  return (
                    <td key={k} className="num mono">
                      {c ? formatInterval(c.mean, c.halfWidth) : '–'}
                      {c?.vsReference ? (
                        <div
                          className="muted"
                          style={{
                            color:
                              c.vsReference.mean - c.vsReference.halfWidth > 0
                                ? 'var(--good)'
                                : c.vsReference.mean + c.vsReference.halfWidth < 0
                                  ? 'var(--bad)'
                                  : undefined,
                          }}
                        >
                          Δ {c.vsReference.mean >= 0 ? '+' : ''}
                          {formatInterval(c.vsReference.mean, c.vsReference.halfWidth)}
                        </div>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function PrintedTable({
  table,
  testId,
  flags,
}: {
  table: SavedTable['main'];
  testId: string;
  flags?: Record<string, string[]>;
}) {
  return (
    <div className="table-scroll">
      <table className="grid" data-testid={testId}>
        <thead>
          <tr>
            {table.header.map((h, i) => (
              <th key={h} className={table.alignRight[i] ? 'num' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => {
            // The method name without the role and flag the report appends to it.
            const method = r[0]!.split(/ \(| ⚠/)[0]!;
            const rowFlags = flags?.[method] ?? [];
            return (
              <tr key={r[0]}>
                {r.map((c, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional.
                  <td key={i} className={table.alignRight[i] ? 'num mono' : undefined}>
                    {c}
                    {i === 0 && rowFlags.length > 0
                      ? rowFlags.map((f) => (
                          <span key={f} className="flag" data-testid="result-flag">
                            {f}
                          </span>
                        ))
                      : null}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The harness's saved results.json: its tables as the CLI prints them, charts, provenance, exports. */
function SavedResultsView({ experiment, name }: { experiment: number | string; name: string }) {
  const q = useQuery(`saved:${experiment}`, () => trpc.experiments.saved.query({ experiment }));
  if (q.error) return <ErrorMessage error={q.error} title="Cannot read the saved results" />;
  if (q.data === undefined) return <Loading what="saved results" />;
  if (q.data === null) {
    return (
      <p className="muted" data-testid="no-saved-results">
        No saved results.json for this experiment (the harness writes it at the end of{' '}
        <code>glorank experiment run</code>).
      </p>
    );
  }
  const saved = q.data;
  const stem = fileSafe(name);
  return (
    <section data-testid="saved-results">
      <div className="toolbar">
        <span className="muted">
          From <code>{saved.files.join(', ')}</code>. Export:
        </span>
        <button
          type="button"
          onClick={() => downloadText(saved.exports.latex, `${stem}-results.tex`, 'application/x-tex')}
        >
          LaTeX
        </button>
        <button
          type="button"
          onClick={() => downloadText(saved.exports.csv, `${stem}-results.csv`, 'text/csv')}
        >
          CSV
        </button>
        <button
          type="button"
          onClick={() => downloadText(saved.exports.md, `${stem}-results.md`, 'text/markdown')}
        >
          Markdown
        </button>
      </div>
      {saved.tables.map((t) => (
        <div key={t.subset} data-testid={`saved-${t.subset}`}>
          <h2>{t.title}</h2>
          <PrintedTable table={t.main} testId={`saved-table-${t.subset}`} flags={t.flags} />
          {t.warnings.map((w) => (
            <p key={w} className="warn-box" data-testid="reward-hacking-warning">
              {w}
            </p>
          ))}
          {t.difference ? (
            <>
              <p>
                Paired difference to the best baseline <code>{t.bestBaseline}</code>, same seeds; * = 95%
                interval excludes 0:
              </p>
              <PrintedTable table={t.difference} testId={`saved-diff-${t.subset}`} />
            </>
          ) : null}
          <div className="bar-grid">
            {t.bars.map((b) => (
              <IntervalBars
                key={b.metric}
                title={b.heading}
                bars={b.bars}
                decimals={b.decimals}
                fileStem={`${stem}-${t.subset}`}
              />
            ))}
          </div>
          <footer className="provenance muted" data-testid={`provenance-${t.subset}`}>
            {t.provenance.map((line) => (
              <div key={line}>{line.replace(/`/g, '')}</div>
            ))}
            <div>
              Dataset hash <code>{t.context.manifestHash}</code>; simulator: {t.context.simulator}
            </div>
            {t.calibration ? <div data-testid="simulator-calibration">{t.calibration}</div> : null}
            {t.simulatorWarning ? <div className="warn">Simulator warning: {t.simulatorWarning}</div> : null}
            {t.notes.map((n) => (
              <div key={`${n.name}:${n.text}`} data-testid="result-note">
                <strong>{n.name}:</strong> {n.text}
              </div>
            ))}
          </footer>
        </div>
      ))}
    </section>
  );
}
