// Paint first, then start React. Next puts its framework scripts (React, its client and the
// page's chunks, about 400 kB) in the head as async scripts, so a browser fetches them right
// away and runs each the moment it arrives. On a busy two-core machine they arrive while the
// first frame is being laid out and run before it: the runs table, already in the server's
// HTML, then shows only once React has started (0.8-1.1 s in a fresh Chromium instead of
// 0.4-0.5 s for the same HTML without them, bench/dashboard-load.mjs). This moves them to
// right after the first frame: the page is drawn from the server's HTML, then hydrated.
// Plain JavaScript because server.mjs loads it as is (no build step in front of the server).

const SCRIPT = /<script src="(\/_next\/static\/[^"<>]+\.js)" async=""><\/script>/g;
const PRELOAD = /<link rel="preload" as="script"[^>]* href="\/_next\/static\/[^"<>]+\.js"\/>/g;

/**
 * The loader that replaces the scripts: after the document is parsed and one frame drawn,
 * it adds them as async scripts again (the order never mattered: Next's chunks register
 * themselves). A hidden tab draws no frames, so there it adds them at once.
 * @param {readonly string[]} sources
 */
export function loaderScript(sources) {
  const list = JSON.stringify(sources).replace(/</g, '\\u003c');
  // A module script: deferred, so the parser goes on to the body instead of waiting here for
  // the stylesheet (a classic inline script would block on it).
  return (
    '<script type="module">(function(s){function go(){for(var i=0;i<s.length;i++){var e=document.createElement("script");' +
    'e.src=s[i];e.async=true;document.head.appendChild(e)}}function later(){if(document.visibilityState==="hidden")go();' +
    'else requestAnimationFrame(function(){setTimeout(go,0)})}if(document.readyState==="loading")' +
    `document.addEventListener("DOMContentLoaded",later);else later()})(${list})</script>`
  );
}

/**
 * The document's head with Next's async framework scripts (and their preload hints) replaced
 * by the loader, or `null` when it holds none (then the page is sent as it is).
 * @param {string} head the HTML up to and including `</head>`
 * @returns {string | null}
 */
export function deferFrameworkScripts(head) {
  const sources = [...head.matchAll(SCRIPT)].map((m) => m[1]);
  if (sources.length === 0) return null;
  let placed = false;
  // The loader goes where the first script was, so it runs as early as they would have.
  const out = head.replace(SCRIPT, () => {
    if (placed) return '';
    placed = true;
    return loaderScript(sources);
  });
  return out.replace(PRELOAD, '');
}

/**
 * Makes `res` send a page's head through deferFrameworkScripts. Only for a complete HTML
 * document streamed without a length (Next's rendered pages); anything else goes out
 * untouched. The request must not ask for compression (the caller drops Accept-Encoding),
 * or the text seen here would be gzip.
 * @param {import('node:http').ServerResponse} res
 */
export function paintFirst(res) {
  const write = res.write;
  const end = res.end;
  const flushHeaders = res.flushHeaders;
  /** @type {Buffer[]} */
  let held = [];
  /** @type {boolean | null} null until the headers are known */
  let rewrite = null;
  const restore = () => {
    res.write = write;
    res.end = end;
    res.flushHeaders = flushHeaders;
  };
  const decide = () => {
    if (rewrite !== null) return rewrite;
    const type = String(res.getHeader('content-type') ?? '');
    rewrite =
      !res.headersSent && type.startsWith('text/html') && res.getHeader('content-length') === undefined;
    if (!rewrite) restore();
    return rewrite;
  };
  const toBuffer = (chunk, encoding) =>
    Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  /** The held text, rewritten once its head is complete (or `final`); null while waiting. */
  const release = (final) => {
    const text = Buffer.concat(held).toString('utf8');
    const at = text.indexOf('</head>');
    if (at < 0 && !final) return null;
    held = [];
    restore();
    if (at < 0) return text;
    const head = text.slice(0, at + '</head>'.length);
    return (deferFrameworkScripts(head) ?? head) + text.slice(head.length);
  };
  res.flushHeaders = function (...args) {
    decide();
    return flushHeaders.apply(this, args);
  };
  res.write = function (chunk, encoding, cb) {
    if (!decide()) return write.call(this, chunk, encoding, cb);
    held.push(toBuffer(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : cb;
    const text = release(false);
    if (text === null) {
      if (typeof done === 'function') process.nextTick(done);
      return true;
    }
    return write.call(this, text, 'utf8', done);
  };
  res.end = function (chunk, encoding, cb) {
    if (!decide()) return end.call(this, chunk, encoding, cb);
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function')
      held.push(toBuffer(chunk, encoding));
    const done = [chunk, encoding, cb].find((x) => typeof x === 'function');
    return end.call(this, release(true), 'utf8', done);
  };
}
