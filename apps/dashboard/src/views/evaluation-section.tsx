'use client';
// A run's evaluation: final metrics by split (test, test_cold ...) and, from its slates
// artifacts, protocol metrics per method over all test requests and the cold-start ones.
import Link from 'next/link';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ErrorMessage } from '@/components/status-message';
import { formatInterval, formatNumber } from '@/lib/format-values';

export function EvaluationSection({ id }: { id: number }) {
  const q = useQuery(`evaluation:${id}`, () => trpc.run.evaluation.query({ id }));
  if (q.error) return <ErrorMessage error={q.error} title="Evaluation unavailable" />;
  if (!q.data) return null;
  const { splits, slates } = q.data;
  if (splits.rows.length === 0 && slates.length === 0) return null;
  return (
    <section data-testid="evaluation">
      <h2>Evaluation</h2>
      {splits.rows.length > 0 ? (
        <table className="grid" style={{ width: 'auto' }} data-testid="split-table">
          <thead>
            <tr>
              <th>metric</th>
              {splits.splits.map((s) => (
                <th key={s} className="num">
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {splits.rows.map((r) => (
              <tr key={r.metric}>
                <td>{r.metric}</td>
                {r.values.map((v, i) => (
                  <td key={splits.splits[i]} className="num">
                    {formatNumber(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {slates.map((t) => (
        <div key={t.artifactId}>
          <h3>
            Slates in <span className="mono">{t.path}</span>
            {t.dataset ? (
              <>
                {' '}
                on <Link href={`/datasets/${t.dataset}`}>{t.dataset}</Link> ·{' '}
                <Link href={`/inspector?run=${id}`}>inspect requests</Link>
              </>
            ) : null}
          </h3>
          {t.problem ? (
            <ErrorMessage title="Cannot evaluate these slates" error={new Error(t.problem)} />
          ) : null}
          {t.methods.length > 0 ? (
            <table className="grid" data-testid="slates-table">
              <thead>
                <tr>
                  <th>method</th>
                  <th className="num">seeds</th>
                  <th>subset</th>
                  <th className="num">requests</th>
                  {t.metrics.map((m) => (
                    <th key={m} className="num">
                      {m}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.methods.flatMap((m) =>
                  [
                    ['all test', m.all],
                    ['cold-start', m.coldStart],
                  ].map(([label, sub]) =>
                    sub && typeof sub !== 'string' ? (
                      <tr key={`${m.method}-${label}`}>
                        <td>{label === 'all test' ? m.method : ''}</td>
                        <td className="num">{label === 'all test' ? m.seeds : ''}</td>
                        <td>{label as string}</td>
                        <td className="num">{sub.requests}</td>
                        {t.metrics.map((k) => (
                          <td key={k} className="num">
                            {formatInterval(sub.metrics[k].mean, sub.metrics[k].halfWidth)}
                          </td>
                        ))}
                      </tr>
                    ) : null,
                  ),
                )}
              </tbody>
            </table>
          ) : null}
        </div>
      ))}
    </section>
  );
}
