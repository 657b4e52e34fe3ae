'use client';
// Experiments and their results tables: per method, mean and 95% interval over seeds of each
// metric's final value, and the paired difference to a reference method.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ErrorMessage, Loading } from '@/components/status-message';
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
