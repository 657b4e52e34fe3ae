// Dashboard page speed, builds side by side: the checks of bench/dashboard-load.mjs (runs page
// usable = first row painted and hydrated; run page = first curve drawn and logs shown; cold =
// new browser context, warm = reload), taken in turns against several running dashboards so
// that every build sees the same machine load. On the shared machine single runs swing by half;
// alternating is what makes a before/after comparison meaningful there.
// Usage: node bench/dashboard-ab.mjs <url>,<url>[,...] [--rounds 5] [--run <id>]
//   Each url serves the same store (e.g. `glorank dashboard --port 3118 --db <store>` for this
//   tree, and `next start -p 3119` in a built copy of an older apps/dashboard with the same
//   GLORANK_DB_URL); --run names the run page (default: the newest run of the first server).
import { parseArgs } from 'node:util';
import { launchChromium, median, runPageUsable, runsPageUsable, visit } from './dashboard-timing.mjs';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' }, run: { type: 'string' } },
});
const bases = (positionals[0] ?? '').split(',').filter(Boolean);
const rounds = Number(flags.rounds);
if (bases.length === 0 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(
    'bench/dashboard-ab: usage: dashboard-ab.mjs <url>,<url>[,...] [--rounds n] [--run id]\n',
  );
  process.exit(2);
}

async function api(base, procedure, input) {
  const s = performance.now();
  const res = await fetch(
    new URL(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, base),
  );
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${base} ${procedure}: HTTP ${res.status}`);
  return { ms: performance.now() - s, body };
}
const runId =
  flags.run ?? (await api(bases[0], 'runs.list', { query: '', limit: 1 })).body.result.data.rows[0].id;

const browser = await launchChromium();
const once = (base, route, check) => visit(browser, new URL(route, base).toString(), check);

const results = Object.fromEntries(
  bases.map((b) => [b, { runs: { cold: [], warm: [] }, run: { cold: [], warm: [] }, runsList: [] }]),
);
// One visit each first: the servers' first-request work is not counted.
for (const b of bases) await once(b, '/runs', runsPageUsable);
for (let i = 0; i < rounds; i++)
  for (const b of bases) {
    const r = results[b];
    const a = await once(b, '/runs', runsPageUsable);
    r.runs.cold.push(a.cold);
    r.runs.warm.push(a.warm);
    const c = await once(b, `/runs/${runId}`, runPageUsable);
    r.run.cold.push(c.cold);
    r.run.warm.push(c.warm);
    for (let j = 0; j < 3; j++) r.runsList.push((await api(b, 'runs.list', { query: '', limit: 100 })).ms);
  }
await browser.close();
const f = (xs) => `${median(xs).toFixed(0)} ms`;
for (const b of bases) {
  const r = results[b];
  process.stdout.write(
    `${b}  runs page cold ${f(r.runs.cold)}, warm ${f(r.runs.warm)} | run ${runId} cold ${f(r.run.cold)}, warm ${f(r.run.warm)} | bare runs.list ${f(r.runsList)}  (median of ${rounds})\n`,
  );
}
