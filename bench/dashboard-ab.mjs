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
import { chromium } from 'playwright-core';

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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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

const browser = await chromium.launch({
  executablePath: process.env.GLORANK_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
  ],
});
const runsCheck = () => document.querySelector('[data-testid="run-row"]') && performance.now();
const runCheck = () => {
  const logs = document.querySelector('[data-testid="run-logs"]');
  return (
    document.querySelector('[data-testid^="chart-"] canvas') &&
    logs &&
    !/Loading/.test(logs.textContent ?? '') &&
    performance.now()
  );
};
async function once(base, route, check) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(new URL(route, base).toString(), { waitUntil: 'commit' });
  const cold = await (
    await page.waitForFunction(check, null, { polling: 'raf', timeout: 60_000 })
  ).jsonValue();
  await page.reload({ waitUntil: 'commit' });
  const warm = await (
    await page.waitForFunction(check, null, { polling: 'raf', timeout: 60_000 })
  ).jsonValue();
  await context.close();
  return { cold, warm };
}

const results = Object.fromEntries(
  bases.map((b) => [b, { runs: { cold: [], warm: [] }, run: { cold: [], warm: [] }, runsList: [] }]),
);
// One visit each first: the servers' first-request work is not counted.
for (const b of bases) await once(b, '/runs', runsCheck);
for (let i = 0; i < rounds; i++)
  for (const b of bases) {
    const r = results[b];
    const a = await once(b, '/runs', runsCheck);
    r.runs.cold.push(a.cold);
    r.runs.warm.push(a.warm);
    const c = await once(b, `/runs/${runId}`, runCheck);
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
