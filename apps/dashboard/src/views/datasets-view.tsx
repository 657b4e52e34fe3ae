'use client';
// Datasets: the folder's manifests, one dataset's counts and distributions, and the
// semantic-ID explorer (walk the code tree, list the items under a prefix).
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { BarChart } from '@/components/bar-chart';
import { LineChart } from '@/components/line-chart';
import { ErrorMessage, Loading } from '@/components/status-message';
import { formatNumber, formatTime } from '@/lib/format-values';

export function DatasetsList() {
  const q = useQuery('datasets', () => trpc.datasets.list.query());
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data) return <Loading what="datasets" />;
  return (
    <>
      <p className="muted">
        Folder: <span className="mono">{q.data.root ?? '(not configured: set GLORANK_DATASETS_DIR)'}</span>
      </p>
      {q.data.datasets.length === 0 ? <p className="muted">No converted datasets in this folder.</p> : null}
      {q.data.datasets.length > 0 ? (
        <table className="grid" data-testid="datasets-table">
          <thead>
            <tr>
              <th>name</th>
              <th>source</th>
              <th className="num">items</th>
              <th className="num">users</th>
              <th className="num">interactions</th>
              <th className="num">requests</th>
              <th>semantic IDs</th>
              <th>created</th>
              <th>content hash</th>
            </tr>
          </thead>
          <tbody>
            {q.data.datasets.map((d) => (
              <tr key={d.name}>
                <td>
                  <Link href={`/datasets/${d.name}`}>{d.name}</Link>
                </td>
                {d.manifest ? (
                  <>
                    <td>{d.manifest.sourceFormat}</td>
                    <td className="num">{d.manifest.rows.items}</td>
                    <td className="num">{d.manifest.rows.users}</td>
                    <td className="num">{d.manifest.rows.interactions}</td>
                    <td className="num">{d.manifest.rows.requests}</td>
                    <td>{d.hasCodes ? 'yes' : 'no'}</td>
                    <td className="mono">{d.manifest.createdAt.slice(0, 19).replace('T', ' ')}</td>
                    <td className="mono">{d.manifest.contentHash.slice(0, 12)}</td>
                  </>
                ) : (
                  <td colSpan={8} className="muted">
                    unreadable: {d.error}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

export function DatasetView({ name }: { name: string }) {
  const q = useQuery(`dataset:${name}`, () => trpc.datasets.get.query({ name }));
  const charts = useMemo(() => {
    if (!q.data) return null;
    const s = q.data.stats;
    const intLabels = (h: { min: number; counts: number[] }) => h.counts.map((_, i) => String(h.min + i));
    return {
      positives: { labels: intLabels(s.positivesPerRequest), values: s.positivesPerRequest.counts },
      history: { labels: intLabels(s.historyLength), values: s.historyLength.counts },
      popularity: {
        labels: s.itemPopularity.bounds.map(([a, b]) => (a === b ? String(a) : `${a}–${b}`)),
        values: s.itemPopularity.counts,
      },
      longTail: [
        {
          label: 'interactions',
          steps: s.longTail.rank,
          values: s.longTail.popularity,
          times: s.longTail.rank.map(() => 0),
        },
      ],
    };
  }, [q.data]);
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data || !charts) return <Loading what={`dataset ${name}`} />;
  const { manifest, stats, codebook } = q.data;
  return (
    <div data-testid="dataset-view">
      <h1>
        Dataset {manifest.name} <span className="muted">({manifest.sourceFormat})</span>
      </h1>
      <div className="cards">
        <Stat label="items" value={manifest.rows.items} />
        <Stat label="users" value={manifest.rows.users} />
        <Stat label="interactions" value={manifest.rows.interactions} />
        <Stat label="requests" value={manifest.rows.requests} />
        <Stat
          label="train / valid / test"
          value={`${stats.requestsBySplit.train} / ${stats.requestsBySplit.valid} / ${stats.requestsBySplit.test}`}
        />
        <Stat label="cold-start test requests" value={stats.coldStartRequests.test} />
        <Stat label="cold items" value={stats.coldItems} />
        <Stat label="top 10% items' share" value={`${(stats.top10PercentShare * 100).toFixed(1)}%`} />
      </div>
      <div className="two-cols" style={{ marginTop: 12 }}>
        <section>
          <h2>Manifest</h2>
          <dl className="kv" data-testid="manifest">
            <dt>created</dt>
            <dd className="mono">{formatTime(Date.parse(manifest.createdAt))}</dd>
            <dt>tool version</dt>
            <dd className="mono">{manifest.toolVersion}</dd>
            <dt>content hash</dt>
            <dd className="mono" title={manifest.contentHash}>
              {manifest.contentHash.slice(0, 16)}
            </dd>
            {Object.entries(manifest.protocol).map(([k, v]) => (
              <FragmentKv key={k} k={k} v={String(v)} />
            ))}
            {manifest.sourceFiles.map((f) => (
              <FragmentKv key={f.path} k="source" v={`${f.path} (${f.bytes} B, ${f.sha256.slice(0, 10)})`} />
            ))}
          </dl>
        </section>
        <section>
          <h2>Distributions</h2>
          <div className="charts">
            <BarChart title="positives per request" {...charts.positives} testId="hist-positives" />
            <BarChart title="history length" {...charts.history} testId="hist-history" />
            <BarChart
              title="items by training interactions"
              {...charts.popularity}
              logY
              testId="hist-popularity"
            />
            <LineChart
              title="popularity by item rank (long tail)"
              lines={charts.longTail}
              xMode="step"
              smoothing={0}
              logY
              height={180}
              showLast={false}
            />
          </div>
        </section>
      </div>
      <h2>Most popular items</h2>
      <table className="grid" style={{ width: 'auto' }}>
        <thead>
          <tr>
            <th className="num">item</th>
            <th>title</th>
            <th className="num">training interactions</th>
          </tr>
        </thead>
        <tbody>
          {stats.topItems.map((t) => (
            <tr key={t.item}>
              <td className="num mono">{t.item}</td>
              <td>{t.title ?? '–'}</td>
              <td className="num">{t.popularity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Semantic IDs</h2>
      {codebook ? (
        <>
          <p className="muted" data-testid="codebook-summary">
            {codebook.levels} levels; codes used per level: {codebook.usedPerLevel.join(' / ')};{' '}
            {codebook.distinctIds} distinct IDs over {codebook.items} items ({codebook.collidingItems} items
            share an ID).
          </p>
          <CodeExplorer name={name} />
        </>
      ) : (
        <p className="muted">This dataset has no codes.arrow yet (run the tokenizer).</p>
      )}
    </div>
  );
}

function FragmentKv({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd className="mono">{v}</dd>
    </>
  );
}

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className="value">{typeof value === 'number' ? formatNumber(value, 8) : value}</div>
    </div>
  );
}

function CodeExplorer({ name }: { name: string }) {
  const [prefix, setPrefix] = useState<number[]>([]);
  const [offset, setOffset] = useState(0);
  const q = useQuery(`codes:${name}:${prefix.join('.')}:${offset}`, () =>
    trpc.datasets.codes.query({ name, prefix, offset, limit: 50 }),
  );
  if (q.error) return <ErrorMessage error={q.error} />;
  if (!q.data) return <Loading what="codes" />;
  if (!q.data.tokenized) return null;
  const d = q.data;
  return (
    <div className="panel" data-testid="code-explorer">
      <div className="crumbs">
        <button
          type="button"
          onClick={() => {
            setPrefix([]);
            setOffset(0);
          }}
        >
          root
        </button>
        {/* Crumbs follow the data on screen (d.prefix), not the click that is still loading. */}
        {d.prefix.map((c, i) => (
          <button
            // biome-ignore lint/suspicious/noArrayIndexKey: a prefix position is its identity
            key={i}
            type="button"
            onClick={() => {
              setPrefix(d.prefix.slice(0, i + 1));
              setOffset(0);
            }}
          >
            › {c}
          </button>
        ))}
        <span className="muted">
          level {Math.min(d.prefix.length + 1, d.levels)} of {d.levels} · {d.total} items under this prefix
        </span>
      </div>
      {d.children.length > 0 ? (
        <div className="tree" data-testid="code-children">
          {d.children.map((c) => (
            <button
              key={c.code}
              type="button"
              title={`${c.items} items`}
              onClick={() => {
                setPrefix([...d.prefix, c.code]);
                setOffset(0);
              }}
            >
              {c.code} <span className="muted">({c.items})</span>
            </button>
          ))}
        </div>
      ) : null}
      <table className="grid" style={{ marginTop: 10 }} data-testid="code-items">
        <thead>
          <tr>
            <th className="num">item</th>
            <th>semantic ID</th>
            <th>title</th>
            <th>categories</th>
            <th className="num">popularity</th>
            <th>cold</th>
          </tr>
        </thead>
        <tbody>
          {d.items.map((it) => (
            <tr key={it.item}>
              <td className="num mono">{it.item}</td>
              <td className="mono">{it.code.join('-')}</td>
              <td>{it.title ?? '–'}</td>
              <td>{it.categories.join(', ')}</td>
              <td className="num">{it.popularity}</td>
              <td>{it.cold ? 'cold' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="toolbar" style={{ marginTop: 6 }}>
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
          previous
        </button>
        <span className="muted">
          {d.total === 0 ? 0 : offset + 1}–{Math.min(offset + 50, d.total)} of {d.total}
        </span>
        <button type="button" disabled={offset + 50 >= d.total} onClick={() => setOffset(offset + 50)}>
          next
        </button>
      </div>
    </div>
  );
}
