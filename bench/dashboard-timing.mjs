// The page timing shared by bench/dashboard-load.mjs and bench/dashboard-ab.mjs: Debian's
// Chromium, what "usable" means for the runs page and a run page, and one cold + warm visit.
import { chromium } from 'playwright-core';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.GLORANK_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      // Each new context opens a window, and Chromium 15x builds that window's (never shown)
      // omnibox popup as a WebUI page in a renderer of its own: about 1 s of CPU during every
      // cold visit, on a two-core machine, that no user's page load pays (their window exists).
      // Measured on the runs page, 7 cold + warm visits in turns: 671 / 569 ms with it,
      // 471 / 342 ms without. It is Chromium's own UI, not page rendering.
      '--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup',
    ],
  });
}

// Both checks run in the page on animation frames (in-page clock from navigation start), so
// they count until the page is painted and its script has let go of the main thread.
/** Runs page: the first run row is in the table. */
export const runsPageUsable = () => document.querySelector('[data-testid="run-row"]') && performance.now();
/** Run page: a curve's canvas is drawn and the logs box shows the loaded tail. */
export const runPageUsable = () => {
  const logs = document.querySelector('[data-testid="run-logs"]');
  return (
    document.querySelector('[data-testid^="chart-"] canvas') &&
    logs &&
    !/Loading/.test(logs.textContent ?? '') &&
    performance.now()
  );
};

/**
 * Not part of "usable": when React has hydrated the page (the dashboard's TopBar marks <html>
 * data-hydrated; its pages are drawn from the server's HTML first), and when Chromium
 * reported the first contentful paint. Read after the check, so they do not delay it.
 */
const hydrated = () => {
  const at = document.documentElement.dataset.hydrated;
  return at !== undefined && Number(at);
};
const firstPaint = () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;

/**
 * One visit: cold (new browser context, nothing cached) and warm (the same page reloaded), in
 * ms; `detail` holds the first contentful paint and the hydration time of each.
 */
export async function visit(browser, url, check) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const once = async () => {
    const usable = await (
      await page.waitForFunction(check, null, { polling: 'raf', timeout: 60_000 })
    ).jsonValue();
    // A build from before the mark (bench/dashboard-ab.mjs against an older copy) has none.
    const hydratedAt = await page
      .waitForFunction(hydrated, null, { polling: 'raf', timeout: 3_000 })
      .then((h) => h.jsonValue())
      .catch(() => null);
    return { usable, fcp: await page.evaluate(firstPaint), hydrated: hydratedAt };
  };
  // 'commit': return as soon as the response starts, so the in-page clock measures
  // usability, not the load event.
  await page.goto(url, { waitUntil: 'commit' });
  const cold = await once();
  await page.reload({ waitUntil: 'commit' });
  const warm = await once();
  await context.close();
  return { cold: cold.usable, warm: warm.usable, detail: { cold, warm } };
}
