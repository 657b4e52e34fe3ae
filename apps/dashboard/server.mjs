// The dashboard's server: Next's own request handler (the production build, proxy.ts and all
// routes as `next start` serves them) behind one change, src/server/first-paint.mjs: pages
// are drawn from the server's HTML before React's scripts load. `glorank dashboard` starts it.
// Usage: node server.mjs [--port 3000] [--hostname 127.0.0.1]   (after `next build`)
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import next from 'next';
import { paintFirst } from './src/server/first-paint.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', short: 'p', default: '3000' },
    hostname: { type: 'string', short: 'H', default: '127.0.0.1' },
  },
});
const port = Number(values.port);
const hostname = values.hostname;

/** A browser loading a page (not Next's client asking for a route's data, not a file or API call). */
function isDocument(req) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.headers.rsc !== undefined || req.headers['next-router-prefetch'] !== undefined) return false;
  const url = req.url ?? '/';
  if (url.startsWith('/_next/') || url.startsWith('/api/')) return false;
  return String(req.headers.accept ?? '').includes('text/html');
}

const app = next({ dev: false, dir: import.meta.dirname, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
const server = createServer((req, res) => {
  if (isDocument(req)) {
    // Pages go out uncompressed so their head can be rewritten; they are small and local.
    delete req.headers['accept-encoding'];
    paintFirst(res);
  }
  handle(req, res);
});
server.listen(port, hostname, () => {
  const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
  process.stdout.write(`glorank dashboard server ready on http://${shown}:${port}\n`);
});
