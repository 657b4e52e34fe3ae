// Builds the run page's first-paint script (src/first-paint/charts.ts, with uPlot and the
// shared chart options) into public/first-paint/charts.js, one minified browser script that
// Next serves as a static file. Runs before `next build` (npm run build).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outfile = path.join(root, 'public', 'first-paint', 'charts.js');
await mkdir(path.dirname(outfile), { recursive: true });
await build({
  entryPoints: [path.join(root, 'src', 'first-paint', 'charts.ts')],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  // Resolves '@/…' through tsconfig.json's paths, as Next does.
  tsconfig: path.join(root, 'tsconfig.json'),
  logLevel: 'warning',
});
