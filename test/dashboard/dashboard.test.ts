// The dashboard end to end: the production build (`glorank dashboard` builds it when needed)
// over a store seeded by a tiny real experiment, driven in Debian's Chromium. Screenshots of
// every page go to test/test-artifacts/dashboard/.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunLogger, type RunSummary } from '@glorank/tracking';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, failInCiWithoutChromium, launchChromium } from './fixture/browser.js';
import {
  freePort,
  REPO_ROOT,
  type RunningDashboard,
  runCli,
  startDashboard,
} from './fixture/dashboard-server.js';
import { type SeededStore, seedStore } from './fixture/seed-store.js';

const SHOTS = path.join(REPO_ROOT, 'test', 'test-artifacts', 'dashboard');
const missing = chromiumMissing();
failInCiWithoutChromium(missing);

describe.skipIf(missing !== null)(`dashboard in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let seeded: SeededStore;
  let server: RunningDashboard;
  let browser: Browser;
  let page: Page;
  let live: RunLogger;
  let runs: RunSummary[];
  const pageErrors: string[] = [];
  const runNamed = (name: string) => runs.find((r) => r.name === name)!;

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    seeded = await seedStore();
    // A run still training: the test logs into it while its page is open.
    live = await RunLogger.start(seeded.store, {
      experiment: 'live',
      name: 'live-run',
      params: { lr: 0.01, method: 'live' },
      flushIntervalMs: 100,
      heartbeatIntervalMs: 1000,
      systemIntervalMs: 0,
    });
    for (let step = 0; step < 20; step++) live.log(step, { 'train/loss': 2 / (1 + step) });
    live.info('training started');
    await live.flush();
    runs = (await seeded.store.listRuns({ limit: 100 })).runs;
    server = await startDashboard(
      ['--port', String(await freePort()), '--db', seeded.database, '--datasets', seeded.datasetsDir],
      { GLORANK_RUNS_DIR: seeded.runsDir, GLORANK_DASHBOARD_TOKEN: '' },
    );
    browser = await launchChromium();
    // The size the issue was reported at: every page must fit 1440 px without sideways scrolling.
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await live?.finish().catch(() => undefined);
    await seeded?.store.close();
    if (seeded) rmSync(seeded.root, { recursive: true, force: true });
  });

  afterEach(() => {
    // A page that crashed in the browser fails the test that opened it.
    expect(pageErrors.splice(0)).toEqual([]);
  });

  // The page is drawn before React starts (apps/dashboard/server.mjs): wait until it has
  // hydrated (TopBar marks <html>), so clicks reach the controls.
  const open = async (route: string) => {
    await page.goto(new URL(route, server.url).toString());
    await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  };
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  /** The page is no wider than the window (nothing cut off at the right). */
  const pageFits = () =>
    page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { documentElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return { width: g.document.documentElement.scrollWidth, window: g.innerWidth };
    });
  /** A downloaded file's bytes after clicking `button` (inside `scope` when given). */
  const download = async (button: Locator) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
    return { name: dl.suggestedFilename(), bytes: readFileSync((await dl.path())!) };
  };
  /** Cells of a Markdown table block starting at line `from` (header first, rule dropped). */
  const markdownCells = (md: string, from = 0): string[][] => {
    const lines = md.split('\n');
    let i = lines.findIndex((l, k) => k >= from && l.startsWith('|'));
    const out: string[][] = [];
    for (; i < lines.length && lines[i]!.startsWith('|'); i++) {
      if (/^\|[-:|]+\|$/.test(lines[i]!)) continue;
      out.push(
        lines[i]!.split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    }
    return out;
  };
  const tableCells = (testId: string) =>
    page
      .getByTestId(testId)
      .locator('tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll('th, td')].map((c) =>
            (c as unknown as { textContent: string }).textContent.trim(),
          ),
        ),
      );
  // Rendered text (innerText keeps table cells apart; textContent would run them together).
  // biome-ignore lint/performance/useDomNodeTextContent: layout-aware text is what is asserted.
  const rendered = (l: Locator) => l.innerText();
  const text = (selector: string) => rendered(page.locator(selector).first());

  it('seeds a real experiment: two methods, two seeds, with slates artifacts', () => {
    const names = runs.map((r) => r.name).sort();
    expect(names).toEqual(['dnn seed=1', 'dnn seed=2', 'initial seed=1', 'initial seed=2', 'live-run']);
    expect(Object.keys(runNamed('dnn seed=1').metrics)).toContain('train/epoch_loss');
  });

  it('runs page lists every run with last/min/max of chosen metrics', async () => {
    await open('/runs');
    await page.getByTestId('runs-total').filter({ hasText: '5 runs' }).waitFor();
    await page.getByTestId('run-row').nth(4).waitFor();
    await expect(page.getByTestId('run-row').count()).resolves.toBe(5);
    const table = await text('[data-testid="runs-table"]');
    for (const name of ['dnn seed=1', 'initial seed=2', 'live-run']) expect(table).toContain(name);
    await open(
      '/runs?q=params.method%3Ddnn&metrics=test/ndcg@6&sort=metric&key=test/ndcg@6&agg=max&dir=desc',
    );
    await page.getByTestId('runs-total').filter({ hasText: '2 runs' }).waitFor();
    const rows = await page.getByTestId('run-row').allInnerTexts();
    const ndcg = (name: string) => runNamed(name).metrics['test/ndcg@6']!.max!;
    const expected = ['dnn seed=1', 'dnn seed=2'].sort((a, b) => ndcg(b) - ndcg(a));
    expect(rows.map((r) => (r.includes('dnn seed=1') ? 'dnn seed=1' : 'dnn seed=2'))).toEqual(expected);
    expect(rows[0]).toContain(String(Number(ndcg(expected[0]!).toPrecision(4))));
    await shot('runs');
  });

  it('runs table fits 1440 px: one column per metric with min/max on hover, sticky name, columns remembered', async () => {
    await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear(),
    );
    await open('/runs?metrics=train/epoch_loss,test/ndcg@6');
    await page.getByTestId('runs-total').filter({ hasText: '5 runs' }).waitFor();
    const fit = await page
      .getByTestId('runs-table')
      .evaluate((t) => ({ table: t.scrollWidth, box: t.clientWidth }));
    expect(fit.table).toBeLessThanOrEqual(fit.box);
    const size = await pageFits();
    expect(size.width).toBeLessThanOrEqual(size.window);
    // One column per metric: the last value, min and max in its tooltip.
    const run = runNamed('dnn seed=1');
    const loss = run.metrics['train/epoch_loss']!;
    const cell = page
      .getByTestId('run-row')
      .filter({ hasText: 'dnn seed=1' })
      .locator('[data-metric="train/epoch_loss"]');
    const show = (v: number) => String(Number(v.toPrecision(4)));
    expect(await rendered(cell)).toBe(show(loss.last!));
    const title = (await cell.getAttribute('title'))!;
    expect(title).toContain(`min ${show(loss.min!)}`);
    expect(title).toContain(`max ${show(loss.max!)}`);
    await expect(page.locator('.vt-head > div[title*="last value"]').count()).resolves.toBe(2);
    await shot('runs-1440');
    // The name column stays in view when many columns scroll sideways.
    await open(
      '/runs?metrics=train/epoch_loss,test/ndcg@6,test/precision@6,test/recall@6,test/map@6,test/reward&params=method,seed,epochs,dim,hidden,batchSize',
    );
    await page.getByTestId('runs-total').filter({ hasText: '5 runs' }).waitFor();
    const nameCell = page
      .getByTestId('run-row')
      .filter({ hasText: 'dnn seed=1' })
      .locator('.sticky-col')
      .nth(1);
    const before = (await nameCell.boundingBox())!;
    await page.getByTestId('runs-table').evaluate((t) => {
      t.scrollLeft = 500;
    });
    await expect(page.getByTestId('runs-table').evaluate((t) => t.scrollLeft)).resolves.toBeGreaterThan(100);
    const after = (await nameCell.boundingBox())!;
    expect(after.x).toBeCloseTo(before.x, 0);
    await shot('runs-scrolled-sideways');
    // Columns chosen with the picker are remembered for the next visit without them in the address.
    await open('/runs');
    await page.getByTestId('runs-total').filter({ hasText: '5 runs' }).waitFor();
    await page.getByLabel('add metric column').selectOption('train/epoch_loss');
    await page.waitForURL(/metrics=/);
    const chosen = new URL(page.url()).searchParams.get('metrics')!.split(',');
    await open('/runs');
    await page.getByTestId('runs-total').filter({ hasText: '5 runs' }).waitFor();
    await page.locator('.vt-head').filter({ hasText: 'train/epoch_loss' }).waitFor();
    const heads = await page.locator('.vt-head .num button.sort:not(.muted)').allInnerTexts();
    expect(heads.map((h) => h.replace(/[ ↑↓].*$/, ''))).toEqual(chosen);
    await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear(),
    );
  });

  it('runs grouped by method show mean ± 95% interval per group', async () => {
    await open('/runs?q=experiment%3Adashboard-e2e&group=params.method&metrics=test/ndcg@6');
    const groups = page.getByTestId('run-groups');
    await groups.waitFor();
    const rows = await tableCells('run-groups');
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['dnn', '2'],
      ['initial', '2'],
    ]);
    // Hand-worked: two seeds, t(0.975, 1) = 12.7062; half-width = t * |a - b| / 2.
    for (const row of rows.slice(1)) {
      const [a, b] = [1, 2].map((seed) => runNamed(`${row[0]} seed=${seed}`).metrics['test/ndcg@6']!.last!);
      const mean = (a! + b!) / 2;
      const hw = (12.706204736174707 * Math.abs(a! - b!)) / 2;
      const m = row[2]!.match(/^(-?[\d.]+) ± ([\d.e+-]+)$/)!;
      expect(m, row[2]).not.toBeNull();
      const decimals = (m[1]!.split('.')[1] ?? '').length;
      expect(Math.abs(Number(m[1]) - mean)).toBeLessThanOrEqual(0.51 * 10 ** -decimals + 1e-12);
      if (m[2] === '0') expect(hw).toBeLessThan(1e-9 * Math.abs(mean) + 1e-15);
      else expect(Math.abs(Number(m[2]) - hw)).toBeLessThanOrEqual(0.51 * 10 ** -decimals + 1e-12);
    }
    await shot('runs-grouped');
    // A group's runs are one click away.
    await groups.locator('tr', { hasText: 'dnn' }).getByRole('button', { name: 'runs' }).click();
    await page.getByTestId('runs-total').filter({ hasText: '2 runs' }).waitFor();
    await page.waitForURL((u) => u.searchParams.get('q') === 'experiment:dashboard-e2e params.method=dnn');
  });

  it('parallel coordinates: params against a chosen metric over the matching runs', async () => {
    await open('/runs?q=experiment%3Adashboard-e2e&params=method,seed&pc=test/ndcg@6');
    const pc = page.getByTestId('parallel-coordinates');
    await pc.waitFor();
    await expect(pc.getAttribute('data-runs')).resolves.toBe('4');
    await expect(
      pc.locator('[data-axis]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-axis'))),
    ).resolves.toEqual(['method', 'seed', 'test/ndcg@6']);
    // Each run crosses all three axes; on the metric axis the best run sits highest.
    const lines = await pc
      .locator('polyline')
      .evaluateAll((ps) =>
        ps.map((p) => [Number(p.getAttribute('data-run')), p.getAttribute('points')] as const),
      );
    expect(lines).toHaveLength(4);
    const lastY = new Map(lines.map(([id, pts]) => [id, Number(pts!.split(' ')[2]!.split(',')[1])]));
    const value = (id: number) => runs.find((r) => r.id === id)!.metrics['test/ndcg@6']!.last!;
    const ids = [...lastY.keys()];
    const best = ids.reduce((a, b) => (value(b) > value(a) ? b : a));
    const worst = ids.reduce((a, b) => (value(b) < value(a) ? b : a));
    expect(Math.min(...lastY.values())).toBe(lastY.get(best));
    expect(Math.max(...lastY.values())).toBe(lastY.get(worst));
    await shot('runs-parallel-coordinates');
  });

  it('a malformed query shows a clear message, not a crash', async () => {
    await open('/runs?q=loss%3C3');
    const msg = await rendered(page.getByTestId('error-message'));
    expect(msg).toContain("cannot read 'loss<3'");
    expect(msg).toContain('params.<key> or metrics.<key>');
    await shot('runs-bad-query');
  });

  it('run page renders curves, params, config, logs, artifacts and the evaluation table', async () => {
    const run = runNamed('dnn seed=1');
    await open(`/runs/${run.id}`);
    await page.locator('[data-testid="chart-train/epoch_loss"] canvas').first().waitFor();
    expect(await text('[data-testid="params-table"]')).toContain('dnn');
    expect(await text('[data-testid="run-config"]')).toContain('"method": "dnn"');
    await page.getByTestId('artifacts-table').filter({ hasText: 'slates.json' }).waitFor();
    const slates = page.getByTestId('slates-table');
    await slates.waitFor();
    const slatesText = await rendered(slates);
    expect(slatesText).toContain('all test');
    expect(slatesText).toContain('cold-start');
    expect(await text('[data-testid="split-table"]')).toContain('ndcg@6');
    await page.getByLabel('log scale').check();
    await page.getByLabel('x axis').selectOption('relative');
    await page.locator('[data-testid="chart-train/epoch_loss"] canvas').first().waitFor();
    await shot('run');
  });

  it('run page: logs say "No log lines." only once loaded; curves under 10 points are not smoothed', async () => {
    // Records every text the logs box shows, from the first byte of HTML on.
    await page.addInitScript({
      content: `(() => {
        const seen = [];
        globalThis.__logTexts = seen;
        new MutationObserver(() => {
          const el = document.querySelector('[data-testid="run-logs"]');
          if (el && seen[seen.length - 1] !== el.textContent) seen.push(el.textContent || '');
        }).observe(document, { subtree: true, childList: true, characterData: true });
      })();`,
    });
    const liveRun = runNamed('live-run');
    await open(`/runs/${liveRun.id}`);
    await page.getByTestId('run-logs').filter({ hasText: 'training started' }).waitFor();
    const texts = await page.evaluate(() => (globalThis as unknown as { __logTexts: string[] }).__logTexts);
    expect(texts.length).toBeGreaterThan(0);
    expect(texts).not.toContain('No log lines.');
    // dnn trained 2 epochs: its epoch-loss curve has 2 points, drawn as logged.
    const run = runNamed('dnn seed=1');
    await open(`/runs/${run.id}`);
    await page.locator('[data-testid="chart-train/epoch_loss"] canvas').first().waitFor();
    expect(await rendered(page.getByTestId('chart-train/epoch_loss-unsmoothed'))).toContain(
      'not smoothed: fewer than 10 points',
    );
    // The chart also saves as SVG, rebuilt from the drawn chart: the 2-point curve is one line
    // through two dots, left to right, inside the plot box, with the axes' tick labels.
    const svg = (
      await download(page.getByTestId('chart-train/epoch_loss').getByRole('button', { name: 'SVG' }))
    ).bytes.toString('utf8');
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const lines = [...svg.matchAll(/<path d="([^"]+)" fill="none"/g)].map((m) => m[1]!);
    expect(lines).toHaveLength(1);
    const points = [...lines[0]!.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points).toHaveLength(2);
    expect(points[0]![0]).toBeLessThan(points[1]![0]!);
    const box = svg.match(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/)!;
    const [bx, by, bw, bh] = box.slice(1).map(Number) as [number, number, number, number];
    for (const [x, y] of points as [number, number][]) {
      expect(x).toBeGreaterThanOrEqual(bx);
      expect(x).toBeLessThanOrEqual(bx + bw);
      expect(y).toBeGreaterThanOrEqual(by);
      expect(y).toBeLessThanOrEqual(by + bh);
    }
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg.match(/<text [^>]*>[^<]+<\/text>/g)?.length).toBeGreaterThanOrEqual(4);
    const size = await pageFits();
    expect(size.width).toBeLessThanOrEqual(size.window);
    await shot('run-short-curves');
  });

  it("times are hydrated in the server's zone, then shown in the browser's", async () => {
    // Kathmandu (+05:45) cannot be the server's zone by accident of a whole-hour offset.
    const zone = 'Asia/Kathmandu';
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: zone });
    const fresh = await context.newPage();
    const errors: string[] = [];
    fresh.on('pageerror', (err) => errors.push(err.message));
    fresh.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // Independently of the dashboard's formatter: Swedish dates read YYYY-MM-DD HH:MM:SS.
    const inZone = (ms: number, timeZone: string) => new Date(ms).toLocaleString('sv-SE', { timeZone });
    try {
      const run = runNamed('dnn seed=1');
      const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
      // The server's HTML: its own zone.
      const html = await (
        await fetch(new URL(`/runs/${run.id}`, server.url), { headers: { accept: 'text/html' } })
      ).text();
      expect(html).toContain(inZone(run.startedAt, here));
      await fresh.goto(new URL(`/runs/${run.id}`, server.url).toString());
      await fresh.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      const started = fresh.locator('.card', { hasText: 'started' }).locator('.value');
      await expect.poll(() => started.textContent()).toBe(inZone(run.startedAt, zone));
      await fresh.goto(
        new URL(`/runs?q=${encodeURIComponent('experiment:dashboard-e2e')}`, server.url).toString(),
      );
      await fresh.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      const row = fresh.getByTestId('run-row').filter({ hasText: run.name });
      await expect.poll(() => row.textContent()).toContain(inZone(run.startedAt, zone));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('run page: the run and its curves in view are drawn before React starts, then React takes the charts over', async () => {
    const liveRun = runNamed('live-run');
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const fresh = await context.newPage();
    // Any page error or console error (React reports a failed hydration there) fails the test.
    const errors: string[] = [];
    fresh.on('pageerror', (err) => errors.push(err.message));
    fresh.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // Hold back Next's scripts (React, its client, the page's chunks) until released.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await fresh.route('**/_next/static/**/*.js', async (route) => {
      await released;
      await route.continue();
    });
    try {
      await fresh.goto(new URL(`/runs/${liveRun.id}`, server.url).toString(), {
        waitUntil: 'domcontentloaded',
      });
      const loss = fresh.locator('[data-testid="chart-train/loss"]');
      // Without React: the server's HTML has the run and its logs; the first-paint script drew the curve.
      await loss.locator('canvas').first().waitFor();
      expect(await fresh.locator('html[data-hydrated]').count()).toBe(0);
      expect(await fresh.getByTestId('run-logs').textContent()).toContain('training started');
      expect(await fresh.locator('h1').textContent()).toContain('live-run');
      await fresh.evaluate(() => {
        const d = (globalThis as unknown as { document: { querySelector(s: string): { id: string } | null } })
          .document;
        const drawn = d.querySelector('[data-testid="chart-train/loss"] canvas');
        if (drawn) drawn.id = 'drawn-before-react';
      });
      release();
      await fresh.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      // React took that chart over: the same canvas, one chart in the box, not a second drawing.
      await fresh.waitForTimeout(300);
      expect(await loss.locator('.uplot').count()).toBe(1);
      expect(await loss.locator('canvas#drawn-before-react').count()).toBe(1);
      // ...and drives it: a new scale rebuilds it in place.
      await fresh.getByLabel('log scale').check();
      await expect.poll(() => loss.locator('canvas#drawn-before-react').count()).toBe(0);
      expect(await loss.locator('.uplot').count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      release();
      await context.close();
    }
  });

  it('a metric logged while the page is open appears without a reload', async () => {
    const run = runNamed('live-run');
    await open(`/runs/${run.id}`);
    const last = page.getByTestId('chart-train/loss-last');
    await last.filter({ hasText: '@ step 19' }).waitFor();
    // A value on the page's global object survives only if the page is never reloaded.
    await page.evaluate(() => {
      (globalThis as unknown as { __marker: number }).__marker = 42;
    });
    live.log(20, { 'train/loss': 0.05 });
    live.log(20, { 'valid/ndcg': 0.31 });
    live.info('epoch 20 done');
    await live.flush();
    await last.filter({ hasText: '@ step 20' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('run-logs').filter({ hasText: 'epoch 20 done' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('scalars').filter({ hasText: 'valid/ndcg' }).waitFor({ timeout: 20_000 });
    await expect(
      page.evaluate(() => (globalThis as unknown as { __marker?: number }).__marker),
    ).resolves.toBe(42);
    expect(await rendered(last)).toContain('0.05');
    await shot('run-live');
  });

  it('compare shows two runs overlaid with a params diff', async () => {
    const a = runNamed('dnn seed=1');
    const b = runNamed('dnn seed=2');
    await open(`/compare?ids=${a.id},${b.id}`);
    await page.getByTestId('compare-view').waitFor();
    await expect(page.getByTestId('compare-run').allInnerTexts()).resolves.toEqual([
      `#${a.id} dnn seed=1`,
      `#${b.id} dnn seed=2`,
    ]);
    const diff = await text('[data-testid="params-diff"]');
    expect(diff).toMatch(/seed\s+1\s+2/);
    await page.locator('[data-testid^="compare-chart-"] canvas').first().waitFor();
    expect(await text('[data-testid="metrics-side-by-side"]')).toContain('test/ndcg@6');
    await shot('compare');
  });

  it("experiment page shows the harness's results.json as the CLI prints it, with charts, provenance and exports", async () => {
    const files = seeded.experiment.files;
    const md = readFileSync(files.markdown, 'utf8');
    const coldMd = readFileSync(files.coldMarkdown!, 'utf8');
    await open('/experiments');
    await page.getByRole('link', { name: 'dashboard-e2e' }).click();
    await page.getByTestId('saved-results').waitFor();
    // The tables, cell for cell, equal the report the CLI prints (results.md, cold-start.md).
    expect(await tableCells('saved-table-test')).toEqual(markdownCells(md));
    expect(await tableCells('saved-diff-test')).toEqual(
      markdownCells(
        md,
        md.split('\n').findIndex((l) => l.startsWith('Paired difference')),
      ),
    );
    expect(await tableCells('saved-table-cold-start')).toEqual(markdownCells(coldMd));
    const test = seeded.experiment.tables.test;
    const footer = await rendered(page.getByTestId('provenance-test'));
    expect(footer).toContain(test.context.manifestHash);
    expect(footer).toContain(
      `kCore=${test.context.protocol.kCore}, history=${test.context.protocol.historyLength}`,
    );
    expect(footer).toContain(`code ${test.context.codeVersion}`);
    expect(footer).toContain(test.context.simulator);
    // One bar chart per metric, one bar (with a whisker when there is an interval) per method.
    const bars = page.getByTestId('saved-test').getByTestId('bars-P@6').locator('rect');
    await expect(bars.count()).resolves.toBe(test.rows.length);
    await shot('experiment-saved');

    // Exports: the same numbers as results.json, and the same text the CLI writes.
    const saved = page.getByTestId('saved-results');
    const csv = (await download(saved.getByRole('button', { name: 'CSV', exact: true }))).bytes.toString(
      'utf8',
    );
    const head = csv.split('\n')[0]!.split(',');
    const byKey = new Map(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => {
          const f = Object.fromEntries(l.split(',').map((v, i) => [head[i], v]));
          return [`${f.subset}/${f.method}/${f.metric}`, f] as const;
        }),
    );
    const json = [
      ...(JSON.parse(readFileSync(files.json, 'utf8')) as (typeof test)[]),
      ...(JSON.parse(readFileSync(files.coldJson!, 'utf8')) as (typeof test)[]),
    ];
    let checked = 0;
    for (const t of json) {
      for (const r of t.rows) {
        for (const [k, m] of Object.entries(r.metrics)) {
          const f = byKey.get(`${t.subset}/${r.method}/${k}`)!;
          expect(f.mean === '' ? null : Number(f.mean)).toBe(m.mean);
          expect(f.half_width === '' ? null : Number(f.half_width)).toBe(m.halfWidth);
          checked++;
        }
      }
    }
    expect(checked).toBe(byKey.size);
    const latex = (await download(saved.getByRole('button', { name: 'LaTeX' }))).bytes.toString('utf8');
    expect(latex).toContain('\\toprule');
    // Every metric cell of the printed table appears in the LaTeX row of its method.
    const printed = markdownCells(md);
    for (const row of printed.slice(1)) {
      const line = latex.split('\n').find((l) => l.startsWith(`${row[0]} &`))!;
      for (const c of row.slice(1, 7)) expect(line).toContain(c.replace(' ± ', ' \\pm '));
    }
    const cli = await runCli(['experiment', 'show', seeded.experiment.dir, '--format', 'csv']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(csv);
    const cliTex = await runCli(['experiment', 'show', seeded.experiment.dir, '--format', 'latex']);
    expect(cliTex.stdout).toBe(latex);
    // Each chart saves as SVG and PNG.
    const chart = page.getByTestId('saved-test').getByTestId('bars-P@6');
    const svg = await download(chart.getByRole('button', { name: 'SVG' }));
    expect(svg.name).toMatch(/\.svg$/);
    expect(svg.bytes.toString('utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<rect/);
    const png = await download(chart.getByRole('button', { name: 'PNG' }));
    expect([...png.bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });

  it('compare: pick metrics, overlay group means with a band, and say when runs share no metric', async () => {
    const dnn = ['dnn seed=1', 'dnn seed=2'].map((n) => runNamed(n).id);
    const ini = ['initial seed=1', 'initial seed=2'].map((n) => runNamed(n).id);
    const ids = [...dnn, ...ini].join(',');
    await open(`/compare?ids=${ids}&keys=train/epoch_loss`);
    const chart = page.getByTestId('compare-chart-train/epoch_loss');
    await chart.locator('canvas').first().waitFor();
    // Each run: the two dnn runs have two epochs each (the initial order trains nothing).
    await expect(chart.getAttribute('data-points')).resolves.toBe('4');
    await page.getByLabel('overlay').selectOption('params.method');
    await page.waitForURL(/group=params\.method/);
    // Grouped: one mean line with its upper and lower 95% edges for dnn, 2 steps each.
    await chart.and(page.locator('[data-points="6"]')).waitFor();
    await shot('compare-grouped');
    // The picker adds a metric.
    // (A controlled box: it shows checked once the address has changed, so click, not check.)
    await page.getByTestId('metric-picker').getByLabel('test/ndcg@6').click();
    await page.getByTestId('compare-chart-test/ndcg@6').waitFor();
    // A run that logged none of the others' metrics: said plainly.
    await open(`/compare?ids=${runNamed('live-run').id},${ini[0]}`);
    const none = page.getByTestId('no-shared-metrics');
    await none.waitFor();
    expect(await rendered(none)).toContain('These runs share no metric');
    await shot('compare-nothing-shared');
  });

  it('experiments page shows the results table with mean and interval per method', async () => {
    await open('/experiments');
    await page.getByTestId('experiments-table').filter({ hasText: 'dashboard-e2e' }).waitFor();
    await shot('experiments');
    await page.getByRole('link', { name: 'dashboard-e2e' }).click();
    const table = page.getByTestId('results-table');
    await table.waitFor();
    const body = await rendered(table);
    expect(body).toContain('initial');
    expect(body).toContain('dnn');
    expect(body).toContain('ndcg@6');
    expect(body).toContain('±');
    await page.getByLabel('reference').selectOption('initial');
    await table.filter({ hasText: 'Δ' }).waitFor();
    await shot('experiment');
  });

  it('datasets page shows the manifest, distributions and the semantic-ID explorer', async () => {
    await open('/datasets');
    await page.getByTestId('datasets-table').filter({ hasText: 'e2e-tiny' }).waitFor();
    await page.getByRole('link', { name: 'e2e-tiny' }).click();
    await page.getByTestId('dataset-view').waitFor();
    expect(await text('[data-testid="manifest"]')).toContain('historyLength');
    await page.locator('[data-testid="hist-positives"] canvas').first().waitFor();
    await page.locator('[data-testid="hist-popularity"] canvas').first().waitFor();
    const explorer = page.getByTestId('code-explorer');
    await explorer.waitFor();
    expect(await text('[data-testid="codebook-summary"]')).toContain('2 levels');
    const firstChild = page.getByTestId('code-children').locator('button').first();
    const label = await rendered(firstChild);
    await firstChild.click();
    await explorer
      .locator('.crumbs')
      .filter({ hasText: `› ${label.split(' ')[0]}` })
      .waitFor();
    const rows = await page.getByTestId('code-items').locator('tbody tr').allInnerTexts();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(new RegExp(`\\b${label.split(' ')[0]}-\\d`));
    await shot('dataset');
  });

  it("inspector shows a request's history, candidates with labels, and each method's slate", async () => {
    const run = runNamed('dnn seed=1');
    await open(`/inspector?run=${run.id}`);
    await page.getByTestId('request-list').waitFor();
    await page.getByTestId('request-list').locator('tbody tr a').first().click();
    await page.getByTestId('request-detail').waitFor();
    await expect(page.getByTestId('candidates').locator('tbody tr').count()).resolves.toBe(20);
    await expect(page.getByTestId('history').locator('li').count()).resolves.toBe(10);
    const slate = page.getByTestId('slate').first();
    await slate.waitFor();
    expect(await rendered(slate)).toContain('dnn');
    await expect(slate.locator('li').count()).resolves.toBe(6);
    // Nothing is cut off at the right at 1440 px (the semantic-ID column included).
    const size = await pageFits();
    expect(size.width).toBeLessThanOrEqual(size.window);
    await shot('inspector');
  });

  it('unknown ids and malformed addresses show clear messages', async () => {
    const cases: [string, string][] = [
      ['/runs/99999', 'Run 99999 not found'],
      ['/runs/abc', "'abc' is not a run id"],
      ['/compare?ids=1,x', "'x' is not a run id"],
      [`/compare?ids=${runs[0]!.id},99999`, 'Run 99999 not found'],
      ['/experiments/99999', 'not found'],
      ['/datasets/nope', "Dataset 'nope' not found"],
      ['/inspector?run=99999', 'Run 99999 not found'],
      ['/no/such/page', 'Page not found'],
    ];
    for (const [route, message] of cases) {
      await open(route);
      const box = page.getByTestId('error-message').first();
      await box.waitFor();
      expect(await rendered(box), route).toContain(message);
    }
    await open('/runs/99999');
    await page.getByTestId('error-message').waitFor();
    await shot('run-not-found');
  });

  it('train --resume continues the same run: one run in the table, its curve goes on live on the open page', async () => {
    const env = { GLORANK_RUNS_DIR: seeded.runsDir, GLORANK_DB_URL: seeded.database };
    const ds = path.join(seeded.root, 'resume-ds');
    const ok = async (args: string[]) => {
      const r = await runCli(args, env);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      return r;
    };
    await ok([
      'data',
      'synth',
      '--out',
      ds,
      '--users',
      '50',
      '--items',
      '250',
      '--candidates',
      '20',
      '--slate-size',
      '4',
    ]);
    await ok(['tokenize', ds, '--codebook', '8', '--levels', '2']);
    const config = path.join(seeded.root, 'resume.yaml');
    writeFileSync(config, 'model: { dim: 16, hidden: 32 }\nsft: { epochs: 1, batchSize: 32 }\n');
    const ck = path.join(seeded.root, 'resume-ck');
    const train = (...extra: string[]) =>
      ok(['train', 'sft', ds, '--config', config, '--out', ck, '--json', ...extra]);
    const perEpoch = JSON.parse((await train()).stdout).result.steps as number;
    await open('/runs?q=experiment%3Aglorank-train');
    await page.getByTestId('runs-total').filter({ hasText: '1 run' }).waitFor();
    await page.getByTestId('run-row').getByRole('link').first().click();
    const last = page.getByTestId('chart-sft/loss-last');
    await last.filter({ hasText: `@ step ${perEpoch}` }).waitFor();
    // Resume with a second epoch while the run's page stays open.
    await train('--epochs', '2', '--resume');
    await last.filter({ hasText: `@ step ${2 * perEpoch}` }).waitFor({ timeout: 30_000 });
    await page
      .getByTestId('run-logs')
      .filter({ hasText: `resuming SFT at step ${perEpoch}` })
      .waitFor({ timeout: 30_000 });
    await page.locator('.badge.finished').first().waitFor({ timeout: 30_000 });
    await shot('run-resumed');
    await open('/runs?q=experiment%3Aglorank-train');
    await page.getByTestId('runs-total').filter({ hasText: '1 run' }).waitFor();
    // The total renders before the virtualized rows: wait for a row, then count.
    await page.getByTestId('run-row').first().waitFor();
    await expect(page.getByTestId('run-row').count()).resolves.toBe(1);
  });

  // Last: it adds runs the tests above do not expect.
  it('a long runs table keeps only the visible rows in the page and fetches the rest on scroll', async () => {
    for (let i = 0; i < 450; i++) {
      const run = await seeded.store.createRun({
        experiment: 'bulk',
        name: `bulk-${String(i).padStart(3, '0')}`,
      });
      await seeded.store.logMetrics(run.id, [{ key: 'train/loss', step: 0, value: i / 450 }]);
    }
    await open('/runs?q=experiment%3Abulk&sort=name&dir=asc');
    await page.getByTestId('runs-total').filter({ hasText: '450 runs' }).waitFor();
    await page.getByTestId('run-row').nth(10).waitFor();
    const inDom = await page.getByTestId('run-row').count();
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(60);
    await page.getByTestId('runs-table').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    // Row 450 lives on the fifth page of 100: it is fetched only now.
    await page.getByTestId('run-row').filter({ hasText: 'bulk-449' }).waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('run-row').count()).toBeLessThan(60);
    await shot('runs-scrolled');
  });
});
