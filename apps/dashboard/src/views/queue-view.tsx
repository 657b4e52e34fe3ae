'use client';
// The experiment job queue (`glorank worker`, `experiment run --queue`): every stage job with
// its status, worker, time and attempts, failed ones with their error; refreshed every 5 s.
import type { QueueJobView } from '@glorank/api';
import Link from 'next/link';
import { useEffect } from 'react';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ErrorMessage, Loading } from '@/components/status-message';
import { formatSeconds } from '@/lib/format-values';

const ORDER: QueueJobView['status'][] = ['running', 'pending', 'retrying', 'failed', 'done', 'cancelled'];

export function QueueView() {
  const q = useQuery('queue', () => trpc.queue.list.query({ limit: 500 }));
  const { refetch } = q;
  useEffect(() => {
    const t = setInterval(refetch, 5000);
    return () => clearInterval(t);
  }, [refetch]);
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data) return <Loading what="queue" />;
  if (!q.data.configured) {
    return (
      <p className="muted">
        No job queue: start the dashboard with GLORANK_QUEUE_URL=postgres://… (the database given to{' '}
        <code>glorank worker --queue</code>).
      </p>
    );
  }
  const { jobs, counts } = q.data;
  if (jobs.length === 0) return <p className="muted">No stage jobs on the queue yet.</p>;
  const sorted = [...jobs].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  return (
    <>
      <p data-testid="queue-counts">
        {ORDER.filter((s) => counts && counts[s] > 0)
          .map((s) => `${counts?.[s]} ${s}`)
          .join(' · ')}
      </p>
      <table className="grid" data-testid="queue-table">
        <thead>
          <tr>
            <th>status</th>
            <th>stage</th>
            <th>experiment</th>
            <th>worker</th>
            <th>backend</th>
            <th className="num">time</th>
            <th className="num">attempts</th>
            <th>job</th>
            <th>runs</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((j) => (
            <tr key={j.id} data-status={j.status}>
              <td>
                {j.status}
                {j.gpu ? ' [gpu]' : ''}
                {j.heartbeatAgo !== null && j.heartbeatAgo > 30
                  ? ` (silent ${formatSeconds(j.heartbeatAgo)})`
                  : ''}
              </td>
              <td className="mono" title={j.hash}>
                {j.kind} {j.label}
              </td>
              <td>
                <Link href={`/runs?q=${encodeURIComponent(`experiment:${j.experiment}`)}`}>
                  {j.experiment}
                </Link>
              </td>
              <td className="mono">{j.worker ?? ''}</td>
              <td>{j.backend ?? ''}</td>
              <td className="num">{j.seconds === null ? '' : formatSeconds(j.seconds)}</td>
              <td className="num">
                {j.attempts}/{j.maxAttempts}
              </td>
              <td className="mono">{j.id.slice(0, 8)}</td>
              <td data-testid="queue-runs">
                {j.runs.map((r, i) => (
                  <span key={`${r.store}/${r.id}`}>
                    {i > 0 ? ', ' : ''}
                    {r.here ? (
                      <Link href={`/runs/${r.id}`}>run {r.id}</Link>
                    ) : (
                      <span title={`in the run store ${r.store}, not this dashboard's`}>
                        run {r.id} (other store)
                      </span>
                    )}
                  </span>
                ))}
              </td>
              <td className="mono">{j.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
