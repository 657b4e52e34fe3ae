// The dashboard end to end: the production build (`glorank dashboard` builds it when needed)
// over a store seeded by a tiny real experiment, driven in Debian's Chromium. Screenshots of
// every page go to test/test-artifacts/dashboard/.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RunLogger, type RunSummary } from '@glorank/tracking';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, failInCiWithoutChromium, launchChromium } from './fixture/browser.js';
import { freePort, REPO_ROOT, type RunningDashboard, startDashboard } from './fixture/dashboard-server.js';
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
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
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

  const open = async (route: string) => {
    await page.goto(new URL(route, server.url).toString());
  };
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
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
