import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { deferFrameworkScripts, loaderScript, paintFirst } from './first-paint.mjs';

// A head as Next 16 writes it (abridged from a real /runs page): the stylesheet, a preload
// hint, the async framework scripts, the noModule polyfill, metadata.
const A = '/_next/static/chunks/1wnov70f88xjy.js';
const B = '/_next/static/chunks/turbopack-2u1d16houkiyo.js';
const HEAD =
  '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>' +
  '<link rel="stylesheet" href="/_next/static/chunks/2h9e7el1h85qx.css" data-precedence="next"/>' +
  '<link rel="preload" as="script" fetchPriority="low" href="/_next/static/chunks/310vm2bl3xxpt.js"/>' +
  `<script src="${A}" async=""></script><script src="${B}" async=""></script>` +
  '<title>glorank dashboard</title>' +
  '<script src="/_next/static/chunks/0cz1d0mv5g_q7.js" noModule=""></script></head>';
const BODY = '<body><div data-testid="run-row">run</div></body></html>';

describe('deferFrameworkScripts', () => {
  it('replaces the async scripts by one loader of the same files, in their place, and drops the preload hint', () => {
    const out = deferFrameworkScripts(HEAD)!;
    expect(out).toBe(
      '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>' +
        '<link rel="stylesheet" href="/_next/static/chunks/2h9e7el1h85qx.css" data-precedence="next"/>' +
        `${loaderScript([A, B])}<title>glorank dashboard</title>` +
        '<script src="/_next/static/chunks/0cz1d0mv5g_q7.js" noModule=""></script></head>',
    );
  });

  it('leaves a head without framework scripts alone', () => {
    expect(deferFrameworkScripts('<html><head><title>x</title></head>')).toBeNull();
    // Scripts from elsewhere are not Next's chunks.
    expect(
      deferFrameworkScripts('<head><script src="https://cdn.example/x.js" async=""></script></head>'),
    ).toBeNull();
  });

  it('writes a loader that cannot close its own script element', () => {
    const loader = loaderScript(['/_next/static/chunks/a</script><b>.js']);
    expect(loader.match(/<\/script>/g)).toHaveLength(1);
    expect(loader.startsWith('<script type="module">')).toBe(true);
    expect(loader).toContain('"/_next/static/chunks/a\\u003c/script>\\u003cb>.js"');
  });
});

/** A server whose responses go through paintFirst; `send` writes the body its own way. */
async function serve(send: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    paintFirst(res);
    send(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const get = async () => {
    const res = await fetch(url);
    return { text: await res.text(), length: res.headers.get('content-length') };
  };
  return { get, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('paintFirst', () => {
  it('rewrites a streamed page whose head arrives in pieces, split inside a tag', async () => {
    const page = HEAD + BODY;
    const s = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.flushHeaders();
      // Pieces as Next's stream writes them, cut mid-tag, as Uint8Array and string.
      const cuts = [40, 170, 260, page.length - 10];
      let at = 0;
      for (const cut of cuts) {
        res.write(new TextEncoder().encode(page.slice(at, cut)));
        at = cut;
      }
      res.end(page.slice(at));
    });
    const { text } = await s.get();
    expect(text).toBe(deferFrameworkScripts(HEAD)! + BODY);
    await s.close();
  });

  it('rewrites a page sent whole with end()', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(HEAD + BODY);
    });
    expect((await s.get()).text).toBe(deferFrameworkScripts(HEAD)! + BODY);
    await s.close();
  });

  it('sends a page with a fixed length, and anything not HTML, unchanged', async () => {
    const fixed = await serve((_req, res) => {
      const body = Buffer.from(HEAD + BODY);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-length', body.length);
      res.end(body);
    });
    const got = await fixed.get();
    expect(got.text).toBe(HEAD + BODY);
    expect(got.length).toBe(String(Buffer.byteLength(HEAD + BODY)));
    await fixed.close();
    const json = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"html":"');
      res.end(`${HEAD.replace(/"/g, "'")}"}`);
    });
    expect((await json.get()).text).toBe(`{"html":"${HEAD.replace(/"/g, "'")}"}`);
    await json.close();
  });

  it('sends a page that never closes its head as it came', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.write('<html><body>');
      res.end('not found</body></html>');
    });
    expect((await s.get()).text).toBe('<html><body>not found</body></html>');
    await s.close();
  });
});
