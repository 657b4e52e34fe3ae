'use client';
// One run, live: curves grow while it trains (tRPC subscription over server-sent events),
// logs tail, status changes; plus params, config, artifacts, evaluation and system metrics.
import type { LiveUpdate } from '@glorank/api';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useClock } from '@/client/server-clock';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';
import { ChartControls, type ChartLine, type ChartSettings, LineChart } from '@/components/line-chart';
import { ErrorMessage, Loading } from '@/components/status-message';
import { chartKeys, type SeriesPoints } from '@/lib/chart-data';
import { FIRST_CHARTS_ID, firstChartsJson } from '@/lib/chart-options';
import { formatBytes, formatDuration, formatNumber, formatTime } from '@/lib/format-values';
import { EvaluationSection } from '@/views/evaluation-section';

/** Refetch (server-downsampled) once live appends make a curve this long. */
const REFETCH_AT = 3000;

type RunGet = Awaited<ReturnType<typeof trpc.run.get.query>>;
type LogLine = LiveUpdate['logs'][number];
type Curves = Awaited<ReturnType<typeof trpc.run.series.query>>;
type LogTail = Awaited<ReturnType<typeof trpc.run.logs.query>>;

/** What the server read with the page: the charted keys, their curves (null when too many points to send) and the log tail. */
export interface RunStart {
  keys: string[];
  curves: Curves | null;
  tail: LogTail;
}

/** The chart settings a run page opens with (the first-paint script draws with these too). */
const DEFAULT_SETTINGS: ChartSettings = { smoothing: 0.6, xMode: 'step', logY: false };
const CHART_HEIGHT = 220;
/** Where the page's first-paint script is served (built from src/first-paint/charts.ts). */
const FIRST_PAINT_SCRIPT = '/first-paint/charts.js';
type RunInitial = RunGet & { start?: RunStart };

function curveMap(curves: Curves): Map<string, SeriesPoints> {
  const map = new Map<string, SeriesPoints>();
  for (const s of curves) map.set(s.key, { steps: s.steps, values: s.values, times: s.times });
  return map;
}

export function RunView({ idText, initial = null }: { idText: string; initial?: RunInitial | null }) {
  const id = /^\d+$/.test(idText) ? Number(idText) : null;
  // The server sends the run with the page when it could read it; otherwise ask for it here.
  const fetched = useQuery(id === null || initial !== null ? null : `run:${id}`, () =>
    trpc.run.get.query({ id: id! }),
  );
  const run: { data: RunInitial | undefined; error: unknown } =
    initial !== null ? { data: initial, error: undefined } : fetched;
  if (id === null) {
    return (
      <ErrorMessage
        title="Invalid run id"
        error={new Error(`'${idText}' is not a run id; expected a positive integer such as /runs/12.`)}
      />
    );
  }
  if (run.error) return <ErrorMessage error={run.error} />;
  if (!run.data) return <Loading what={`run ${id}`} />;
  // The detail is in the server's HTML (its times in the server's zone until hydrated, see
  // useClock); its curves in view are drawn from it by the first-paint script before React starts.
  return <RunDetail key={id} initial={run.data} />;
}

function RunDetail({ initial }: { initial: RunInitial }) {
  const id = initial.run.id;
  // The curves and log tail the server sent with the page stand in for the first requests.
  const start = useRef(initial.start ?? null);
  const [status, setStatus] = useState({
    status: initial.run.status,
    endedAt: initial.run.endedAt,
    heartbeatAt: initial.run.heartbeatAt,
  });
  const [series, setSeries] = useState<Map<string, SeriesPoints> | null>(() =>
    start.current?.curves ? curveMap(start.current.curves) : null,
  );
  // null until the first tail has arrived: "No log lines." only once that is known.
  const [logs, setLogs] = useState<LogLine[] | null>(() => start.current?.tail.lines ?? null);
  const [settings, setSettings] = useState<ChartSettings>(DEFAULT_SETTINGS);
  const clock = useClock();
  const [reload, setReload] = useState(0);
  const [liveError, setLiveError] = useState<unknown>(null);
  const [keys, setKeys] = useState(() => chartKeys(initial.run.metrics));

  // Initial curves and log tail, then a subscription for everything newer; `reload` restarts
  // it when live appends have made a curve too long (the server downsamples it again).
  useEffect(() => {
    let sub: { unsubscribe(): void } | null = null;
    let live = true;
    (async () => {
      // The page's own data serves the first start when it covers these keys; the live
      // subscription below then brings anything logged since the server read it.
      const seed =
        reload === 0 && start.current?.keys.join('\u0000') === keys.join('\u0000') ? start.current : null;
      const [curves, tail] = await Promise.all([
        seed?.curves
          ? seed.curves
          : keys.length > 0
            ? trpc.run.series.query({ id, keys, maxPoints: 1000 })
            : Promise.resolve([]),
        seed ? seed.tail : trpc.run.logs.query({ id, limit: 200 }),
      ]);
      if (!live) return;
      const map = curveMap(curves);
      // State already holds the page's curves and logs; setting them again would redraw.
      if (!seed?.curves) setSeries(new Map(map));
      if (!seed) setLogs(tail.lines);
      const since: Record<string, number> = {};
      for (const [k, s] of map) if (s.steps.length > 0) since[k] = s.steps.at(-1)!;
      sub = trpc.run.live.subscribe(
        { id, since, afterSeq: tail.nextSeq },
        {
          onData(update) {
            setStatus({ status: update.status, endedAt: update.endedAt, heartbeatAt: update.heartbeatAt });
            if (update.logs.length > 0) setLogs((l) => [...(l ?? []), ...update.logs].slice(-1000));
            if (update.points.length === 0) return;
            const newKeys = update.points.map((p) => p.key).filter((k) => !map.has(k));
            if (newKeys.length > 0)
              setKeys((k) => chartKeys(Object.fromEntries([...k, ...newKeys].map((x) => [x, true]))));
            // `map` is this subscription's own copy of the curves; state gets a fresh Map each time.
            let tooLong = false;
            for (const p of update.points) {
              const cur = map.get(p.key) ?? { steps: [], values: [], times: [] };
              const lastStep = cur.steps.at(-1) ?? Number.NEGATIVE_INFINITY;
              const keep = p.steps.map((s) => s > lastStep);
              const merged = {
                steps: [...cur.steps, ...p.steps.filter((_, i) => keep[i])],
                values: [...cur.values, ...p.values.filter((_, i) => keep[i])],
                times: [...cur.times, ...p.times.filter((_, i) => keep[i])],
              };
              map.set(p.key, merged);
              if (merged.steps.length > REFETCH_AT) tooLong = true;
            }
            setSeries(new Map(map));
            if (tooLong) setReload((r) => r + 1);
          },
          onError(err) {
            setLiveError(err);
          },
        },
      );
    })().catch((err: unknown) => live && setLiveError(err));
    return () => {
      live = false;
      sub?.unsubscribe();
    };
  }, [id, keys, reload]);

  const run = initial.run;
  const lines = useMemo(() => {
    const out = new Map<string, ChartLine[]>();
    for (const k of keys) {
      const s = series?.get(k);
      if (s) out.set(k, [{ label: k, ...s }]);
    }
    return out;
  }, [keys, series]);

  // The curves in the page for its first-paint script, as LineChart will draw them on start.
  const [firstCharts] = useState(() => firstChartsJson(keys, series, DEFAULT_SETTINGS, CHART_HEIGHT));

  // Metrics logged once (final evaluations) read better as a table than as one-dot charts.
  const scalars = keys.flatMap((k) => {
    const s = series?.get(k);
    return s && s.steps.length === 1 ? [[k, s] as const] : [];
  });

  return (
    <div>
      <h1>
        {run.name} <span className="muted mono">#{run.id}</span>{' '}
        <span className={`badge ${status.status}`} data-testid="run-status">
          {status.status}
        </span>
      </h1>
      <div className="cards">
        <Card label="experiment" value={run.experimentName} />
        <Card label="started" value={formatTime(run.startedAt, clock.timeZone)} />
        <Card label="duration" value={formatDuration((status.endedAt ?? clock.now()) - run.startedAt)} />
        <Card label="backend" value={run.backend ?? '–'} />
        <Card label="host" value={run.host ?? '–'} />
        <Card label="code version" value={run.codeVersion ?? '–'} />
        <Card
          label="dataset"
          value={
            initial.datasetName ? (
              <Link href={`/datasets/${initial.datasetName}`}>{initial.datasetName}</Link>
            ) : (
              (run.datasetHash?.slice(0, 12) ?? '–')
            )
          }
        />
        <Card label="last heartbeat" value={formatTime(status.heartbeatAt, clock.timeZone)} />
      </div>
      <RunTags id={id} initial={run.tags} writable={!initial.readOnly} />
      {run.error ? <ErrorMessage title="Run failed" error={new Error(run.error)} /> : null}

      <h2>Curves</h2>
      <ChartControls value={settings} onChange={setSettings} />
      {liveError ? <ErrorMessage title="Live updates stopped" error={liveError} /> : null}
      {keys.length === 0 ? <p className="muted">No metrics logged yet.</p> : null}
      {series === null && keys.length > 0 ? <Loading what="curves" /> : null}
      {firstCharts !== null ? (
        <>
          <script
            type="application/json"
            id={FIRST_CHARTS_ID}
            // biome-ignore lint/security/noDangerouslySetInnerHtml: JSON with '<' escaped, never run.
            dangerouslySetInnerHTML={{ __html: firstCharts }}
          />
          <script async src={FIRST_PAINT_SCRIPT} />
        </>
      ) : null}
      <div className="charts">
        {keys.map((k) => {
          const l = lines.get(k);
          return l && l[0]!.steps.length > 1 ? (
            <LineChart
              key={k}
              title={k}
              lines={l}
              xMode={settings.xMode}
              smoothing={settings.smoothing}
              logY={settings.logY}
              height={CHART_HEIGHT}
              testId={`chart-${k}`}
            />
          ) : null;
        })}
      </div>
      {scalars.length > 0 ? (
        <>
          <h3>Single values</h3>
          <table className="grid" style={{ width: 'auto' }} data-testid="scalars">
            <thead>
              <tr>
                <th>metric</th>
                <th className="num">value</th>
                <th className="num">step</th>
              </tr>
            </thead>
            <tbody>
              {scalars.map(([k, s]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td className="num">{formatNumber(s.values[0] ?? null)}</td>
                  <td className="num">{s.steps[0]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      <div className="two-cols" style={{ marginTop: 16 }}>
        <section>
          <h2>Params</h2>
          <table className="grid" data-testid="params-table">
            <tbody>
              {Object.entries(run.params)
                .sort((a, b) => a[0].localeCompare(b[0]))
                .map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td className="mono">{v}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          {Object.keys(run.params).length === 0 ? <p className="muted">No params.</p> : null}
        </section>
        <section>
          <h2>Config</h2>
          <pre className="config" data-testid="run-config">
            {JSON.stringify(run.config, null, 2)}
          </pre>
        </section>
      </div>

      <h2>Logs</h2>
      <pre className="logs" data-testid="run-logs">
        {logs === null
          ? 'Loading log lines…'
          : logs.length === 0
            ? 'No log lines.'
            : logs.map((l) => (
                <span key={l.seq} className={l.level}>
                  {formatTime(l.time, clock.timeZone)} {l.level.padEnd(5)} {l.message}
                  {'\n'}
                </span>
              ))}
      </pre>

      <ArtifactsSection id={id} />
      <EvaluationSection id={id} />
      <SystemSection id={id} settings={settings} />
    </div>
  );
}

// Tags, editable (and the run deletable) only when the server was started with --allow-write.
function RunTags({ id, initial, writable }: { id: number; initial: string[]; writable: boolean }) {
  const router = useRouter();
  const [tags, setTags] = useState(initial);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<unknown>(null);
  const change = (add: string[], remove: string[]) =>
    trpc.runs.tag.mutate({ id, add, remove }).then(setTags, setError);
  return (
    <div className="toolbar" style={{ marginTop: 8 }} data-testid="run-tags">
      {tags.map((t) => (
        <span key={t} className="tag">
          {t}
          {writable ? (
            <button
              type="button"
              className="sort"
              aria-label={`remove tag ${t}`}
              onClick={() => change([], [t])}
            >
              {' '}
              ×
            </button>
          ) : null}
        </span>
      ))}
      {writable ? (
        <>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (draft.trim()) void change([draft.trim()], []).then(() => setDraft(''));
            }}
          >
            <input
              type="text"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="add tag"
              aria-label="add tag"
              style={{ minWidth: 120 }}
            />
          </form>
          <button
            type="button"
            onClick={() => {
              if (window.confirm(`Delete run ${id} and everything logged for it?`)) {
                trpc.runs.delete.mutate({ id }).then(() => router.push('/runs'), setError);
              }
            }}
          >
            Delete run
          </button>
        </>
      ) : null}
      {error ? <ErrorMessage error={error} /> : null}
    </div>
  );
}

function Card({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className="value" style={{ fontSize: 14 }}>
        {value}
      </div>
    </div>
  );
}

function ArtifactsSection({ id }: { id: number }) {
  const q = useQuery(`artifacts:${id}`, () => trpc.run.artifacts.query({ id }));
  return (
    <section>
      <h2>Artifacts</h2>
      {q.error ? <ErrorMessage error={q.error} /> : null}
      {q.data && q.data.length === 0 ? <p className="muted">No artifacts.</p> : null}
      {q.data && q.data.length > 0 ? (
        <table className="grid" data-testid="artifacts-table">
          <thead>
            <tr>
              <th>kind</th>
              <th>path</th>
              <th className="num">size</th>
              <th>sha256</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((a) => (
              <tr key={a.id}>
                <td>{a.kind}</td>
                <td className="mono">
                  {a.available ? (
                    <a href={`/api/artifacts/${id}/${a.id}`}>{a.path}</a>
                  ) : (
                    <span title={a.problem ?? ''}>
                      {a.path} <span className="muted">(not served: {a.problem})</span>
                    </span>
                  )}
                </td>
                <td className="num">{formatBytes(a.bytes)}</td>
                <td className="mono">{a.sha256.slice(0, 12)}</td>
                <td className="mono">{formatTime(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function SystemSection({ id, settings }: { id: number; settings: ChartSettings }) {
  const q = useQuery(`system:${id}`, () => trpc.run.system.query({ id, maxPoints: 500 }));
  if (!q.data || q.data.length === 0) return null;
  const steps = q.data.map((_, i) => i);
  const times = q.data.map((s) => s.time);
  return (
    <section>
      <h2>System</h2>
      <div className="charts">
        <LineChart
          title="CPU % (one core = 100)"
          lines={[{ label: 'cpu', steps, times, values: q.data.map((s) => s.cpuPercent) }]}
          xMode={settings.xMode === 'step' ? 'relative' : settings.xMode}
          smoothing={0}
          logY={false}
          height={160}
          showLast={false}
        />
        <LineChart
          title="memory MiB"
          lines={[
            { label: 'rss', steps, times, values: q.data.map((s) => s.rssBytes / 2 ** 20) },
            { label: 'heap used', steps, times, values: q.data.map((s) => s.heapUsedBytes / 2 ** 20) },
          ]}
          xMode={settings.xMode === 'step' ? 'relative' : settings.xMode}
          smoothing={0}
          logY={false}
          height={160}
          showLast={false}
        />
      </div>
    </section>
  );
}
