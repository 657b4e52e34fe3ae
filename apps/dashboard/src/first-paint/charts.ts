// The run page's first-paint script: draws the curves that are in view from the data the server
// put in the page (FirstCharts, in a JSON script), with uPlot and the same options LineChart
// uses, before React's scripts have loaded. On a cold two-core browser those scripts (about
// 400 kB) take 0.3 s or more to compile and hydrate; this one is uPlot and a page of code.
// LineChart takes each chart over when React starts (takeFirstChart), so nothing is drawn
// twice. Built by scripts/build-first-paint.mjs into public/first-paint/charts.js (the page
// loads it as an async script).
import UPlot from 'uplot';
import {
  chartOptions,
  chartPlan,
  drawnFirstCharts,
  FIRST_CHARTS_ID,
  type FirstCharts,
} from '@/lib/chart-options';

/** Charts starting below this many viewport heights are left to React: the first frame is for what is seen. */
const IN_VIEW = 1.5;

function drawFirstCharts(): void {
  const source = document.getElementById(FIRST_CHARTS_ID)?.textContent;
  if (!source) return;
  const first = JSON.parse(source) as FirstCharts;
  const drawn = drawnFirstCharts();
  const limit = window.innerHeight * IN_VIEW;
  for (const { testId, lines } of first.charts) {
    const box = document.querySelector(`[data-testid="${CSS.escape(testId)}"] .chart-canvas`);
    // Already drawn (React got there first, or this ran twice): leave it.
    if (!(box instanceof HTMLElement) || box.firstChild !== null || drawn.has(box)) continue;
    if (box.getBoundingClientRect().top > limit) break;
    const plan = chartPlan(lines, first.settings, first.height);
    const size = { width: box.clientWidth || 600, height: first.height };
    drawn.set(box, {
      chart: new UPlot(chartOptions(lines, first.settings, size), plan.data, box),
      key: plan.key,
    });
  }
}

if (document.readyState === 'loading')
  document.addEventListener('DOMContentLoaded', drawFirstCharts, { once: true });
else drawFirstCharts();
