'use client';
// One request seen whole: the user's history, the candidates with labels and stage-1 scores,
// and the slate each method generated (from a run's slates artifact) with GloRank's
// probability for every token it emitted along the trie.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ErrorMessage, Loading } from '@/components/status-message';
import { formatNumber } from '@/lib/format-values';

interface Props {
  runText: string;
  dataset: string;
  requestText: string;
  split: string;
  coldOnly: boolean;
}

type Split = 'train' | 'valid' | 'test';

export function InspectorView(props: Props) {
  const router = useRouter();
  const [runDraft, setRunDraft] = useState(props.runText);
  const [datasetDraft, setDatasetDraft] = useState(props.dataset);
  const runBad = props.runText !== '' && !/^\d+$/.test(props.runText);
  const requestBad = props.requestText !== '' && !/^\d+$/.test(props.requestText);
  const runId = props.runText !== '' && !runBad ? Number(props.runText) : undefined;
  const dataset = props.dataset || undefined;
  const split = (['train', 'valid', 'test'].includes(props.split) ? props.split : 'test') as Split;
  const target = { ...(runId !== undefined ? { runId } : {}), ...(dataset ? { dataset } : {}) };
  const hasTarget = runId !== undefined || dataset !== undefined;
  const datasets = useQuery('datasets', () => trpc.datasets.list.query());
  const [offset, setOffset] = useState(0);
  const list = useQuery(
    hasTarget && !runBad ? `requests:${props.runText}:${dataset}:${split}:${props.coldOnly}:${offset}` : null,
    () => trpc.inspector.requests.query({ ...target, split, coldOnly: props.coldOnly, offset, limit: 100 }),
  );
  const requestId = props.requestText !== '' && !requestBad ? Number(props.requestText) : null;
  const detail = useQuery(
    hasTarget && requestId !== null && !runBad ? `request:${props.runText}:${dataset}:${requestId}` : null,
    () => trpc.inspector.request.query({ ...target, requestId: requestId! }),
  );

  const go = (next: Partial<Props>) => {
    const v = { ...props, ...next };
    const p = new URLSearchParams();
    if (v.runText) p.set('run', v.runText);
    if (v.dataset) p.set('dataset', v.dataset);
    if (v.requestText) p.set('request', v.requestText);
    if (v.split !== 'test') p.set('split', v.split);
    if (v.coldOnly) p.set('cold', '1');
    router.push(`/inspector?${p.toString()}`);
  };

  return (
    <div>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          go({ runText: runDraft.trim(), dataset: datasetDraft, requestText: '' });
        }}
      >
        <label>
          run{' '}
          <input
            type="text"
            style={{ minWidth: 80, flex: 0 }}
            value={runDraft}
            onChange={(e) => setRunDraft(e.target.value)}
            placeholder="run id"
            aria-label="run id"
          />
        </label>
        <label>
          or dataset{' '}
          <select value={datasetDraft} onChange={(e) => setDatasetDraft(e.target.value)} aria-label="dataset">
            <option value="">(the run's dataset)</option>
            {datasets.data?.datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <select
          value={split}
          aria-label="split"
          onChange={(e) => {
            setOffset(0);
            go({ split: e.target.value });
          }}
        >
          <option value="test">test</option>
          <option value="valid">valid</option>
          <option value="train">train</option>
        </select>
        <label>
          <input
            type="checkbox"
            checked={props.coldOnly}
            onChange={(e) => {
              setOffset(0);
              go({ coldOnly: e.target.checked });
            }}
          />{' '}
          cold-start only
        </label>
        <button type="submit" className="primary">
          Show
        </button>
      </form>
      {runBad ? (
        <ErrorMessage
          title="Invalid run id"
          error={new Error(`'${props.runText}' is not a run id; expected a positive integer.`)}
        />
      ) : null}
      {requestBad ? (
        <ErrorMessage
          title="Invalid request id"
          error={new Error(`'${props.requestText}' is not a request id; expected a non-negative integer.`)}
        />
      ) : null}
      {!hasTarget && !runBad ? (
        <p className="muted">
          Give a run (its slates artifact supplies each method's slates) or a dataset (requests only).
        </p>
      ) : null}
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.data ? (
        <div className="two-cols">
          <section>
            <h2>
              Requests <span className="muted">({list.data.total})</span>
            </h2>
            <div className="list-scroll">
              <table className="grid" data-testid="request-list">
                <thead>
                  <tr>
                    <th className="num">request</th>
                    <th className="num">user</th>
                    <th className="num">positives</th>
                    <th>cold</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.requests.map((r) => (
                    <tr key={r.id} className={r.id === requestId ? 'differs' : undefined}>
                      <td className="num">
                        <a
                          href={`#r${r.id}`}
                          onClick={(e) => {
                            e.preventDefault();
                            go({ requestText: String(r.id) });
                          }}
                        >
                          {r.id}
                        </a>
                      </td>
                      <td className="num">{r.user}</td>
                      <td className="num">{r.positives}</td>
                      <td>{r.coldStart ? 'cold' : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="toolbar" style={{ marginTop: 6 }}>
              <button
                type="button"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - 100))}
              >
                previous
              </button>
              <button
                type="button"
                disabled={offset + 100 >= list.data.total}
                onClick={() => setOffset(offset + 100)}
              >
                next
              </button>
            </div>
          </section>
          <section>
            {detail.error ? <ErrorMessage error={detail.error} /> : null}
            {requestId === null ? <p className="muted">Pick a request.</p> : null}
            {requestId !== null && !detail.data && !detail.error ? (
              <Loading what={`request ${requestId}`} />
            ) : null}
            {detail.data ? <RequestDetail data={detail.data} runId={runId} /> : null}
          </section>
        </div>
      ) : hasTarget && !list.error && !runBad ? (
        <Loading what="requests" />
      ) : null}
    </div>
  );
}

type Detail = Awaited<ReturnType<typeof trpc.inspector.request.query>>;

function RequestDetail({ data, runId }: { data: Detail; runId: number | undefined }) {
  const byScore = [...data.candidates].sort((a, b) => b.initialScore - a.initialScore);
  return (
    <div data-testid="request-detail">
      <h2>
        Request {data.request.id} <span className="muted">· user {data.request.user}</span>{' '}
        <span className="tag">{data.request.split}</span>
        {data.request.coldStart ? <span className="tag">cold-start</span> : null} ·{' '}
        <Link href={`/datasets/${data.dataset}`}>{data.dataset}</Link>
      </h2>
      <h3>Slates</h3>
      {data.slates.length === 0 ? (
        <p className="muted">
          {runId === undefined
            ? 'Give a run to see the slates its methods generated.'
            : 'This run has no slates for this request (no eval-table artifact, or the request was not evaluated).'}
        </p>
      ) : null}
      <div className="slate-list" data-testid="slates">
        {data.slates.map((s) => (
          <div key={`${s.artifactId}-${s.method}-${s.seed}`} className="panel" data-testid="slate">
            <strong>{s.method}</strong>
            {s.seed !== null ? <span className="muted"> seed {s.seed}</span> : null}
            {s.metrics ? (
              <span className="muted">
                {' '}
                · P {formatNumber(s.metrics.precision * 100, 3)} · NDCG{' '}
                {formatNumber(s.metrics.ndcg * 100, 3)}
              </span>
            ) : (
              <span className="muted"> · no positive candidate</span>
            )}
            <ol style={{ margin: '6px 0 0', paddingLeft: 20 }}>
              {s.items.map((it) => (
                <li key={it.item}>
                  <span className={it.label && it.label > 0 ? 'label-pos' : undefined}>
                    {it.title ?? `item ${it.item}`}
                  </span>{' '}
                  <span className="muted mono">#{it.item}</span>
                  {it.cold ? <span className="tag">cold</span> : null}
                  {it.code ? (
                    <div className="mono" data-testid="token-probs">
                      {it.code.map((c, l) => (
                        <span
                          // biome-ignore lint/suspicious/noArrayIndexKey: code level is the identity
                          key={l}
                          className="token"
                          style={{
                            background:
                              it.tokenProbs?.[l] !== undefined
                                ? `rgba(31, 95, 191, ${0.12 + 0.6 * it.tokenProbs[l]!})`
                                : '#eef0f3',
                          }}
                          title={it.tokenProbs?.[l] !== undefined ? `p = ${it.tokenProbs[l]}` : undefined}
                        >
                          {c}
                          {it.tokenProbs?.[l] !== undefined ? ` · ${it.tokenProbs[l]!.toFixed(2)}` : ''}
                        </span>
                      ))}
                      {it.tokenProbs ? (
                        <span className="muted">
                          {' '}
                          p(item) ={' '}
                          {formatNumber(
                            it.tokenProbs.reduce((a, b) => a * b, 1),
                            3,
                          )}
                        </span>
                      ) : null}
                    </div>
                  ) : it.tokenProbs ? (
                    <div className="mono muted">
                      token p: {it.tokenProbs.map((p) => p.toFixed(2)).join(' › ')}
                    </div>
                  ) : null}
                </li>
              ))}
            </ol>
          </div>
        ))}
      </div>
      <div className="two-cols" style={{ marginTop: 12 }}>
        <section>
          <h3>History ({data.history.length}, oldest first)</h3>
          <ol className="list-scroll" style={{ paddingLeft: 24, margin: 0 }} data-testid="history">
            {data.history.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: an item can recur in a history
              <li key={i}>
                {h.title ?? `item ${h.item}`} <span className="muted mono">#{h.item}</span>
              </li>
            ))}
          </ol>
        </section>
        <section>
          <h3>Candidates ({data.candidates.length}, by stage-1 score)</h3>
          <table className="grid" data-testid="candidates">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>item</th>
                <th className="num">label</th>
                <th className="num">stage-1 score</th>
                <th>semantic ID</th>
              </tr>
            </thead>
            <tbody>
              {byScore.map((c, i) => (
                <tr key={c.item}>
                  <td className="num">{i + 1}</td>
                  <td className={c.label > 0 ? 'label-pos' : undefined}>
                    {c.title ?? `item ${c.item}`} <span className="muted mono">#{c.item}</span>
                    {c.cold ? <span className="tag">cold</span> : null}
                  </td>
                  <td className="num">{c.label}</td>
                  <td className="num">{formatNumber(c.initialScore)}</td>
                  <td className="mono">{c.code ? c.code.join('-') : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
