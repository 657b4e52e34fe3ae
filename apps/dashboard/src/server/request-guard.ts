// The dashboard's one gate in front of every request (proxy.ts): which Host and Origin headers
// it answers, and the headers every response carries. It stops DNS rebinding (a page on
// evil.example whose name later resolves to 127.0.0.1 would otherwise read, and with
// --allow-write delete, every run through the user's browser), cross-site form posts, and
// framing (clickjacking). The token check comes after it; see SECURITY.md.
import { isIP } from 'node:net';

export interface GuardSettings {
  /** The interface the server was bound to (`--host`), e.g. 127.0.0.1 or 0.0.0.0. */
  bindHost: string | null;
  /** Extra names users reach the server by (`--allow-host`, a reverse proxy's name ...). */
  allowedHosts: readonly string[];
  /** This machine's name, allowed when bound to every interface. */
  machineName: string | null;
}

export function guardSettingsFromEnv(
  env: Record<string, string | undefined>,
  machineName: string | null,
): GuardSettings {
  return {
    bindHost: env.GLORANK_DASHBOARD_HOST || null,
    allowedHosts: (env.GLORANK_DASHBOARD_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h.length > 0),
    machineName,
  };
}

/** Served with every response: no framing, no MIME sniffing, no referrer, no cross-site embedding. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);

/** `host[:port]` (as in a Host header) to its lowercase name, brackets of IPv6 removed. */
export function hostName(hostHeader: string): string | null {
  const h = hostHeader.trim().toLowerCase();
  if (h === '') return null;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    return h.slice(1, end);
  }
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(h);
  return m ? (m[1] as string) : null;
}

/**
 * True when a request naming `name` is for this server. IP literals are always fine: DNS
 * rebinding needs a name the attacker controls, and a page at a raw IP is its own origin.
 */
export function isAllowedName(name: string, settings: GuardSettings): boolean {
  if (isIP(name) !== 0) return true;
  if (LOOPBACK_NAMES.has(name)) return true;
  const bind = settings.bindHost?.toLowerCase().replace(/^\[|\]$/g, '') ?? null;
  if (bind !== null && !WILDCARD.has(bind) && name === bind) return true;
  if (settings.allowedHosts.includes(name)) return true;
  if (bind !== null && WILDCARD.has(bind) && settings.machineName !== null) {
    const machine = settings.machineName.toLowerCase();
    if (name === machine || name === machine.split('.')[0]) return true;
  }
  return false;
}

/**
 * Why a request must be refused (403), or null when it may go on. `origin` is checked when
 * the browser sent one: it must be the Host the request was sent to (same origin), or a
 * name allowed explicitly (a reverse proxy may rewrite Host). An opaque origin ("null") is
 * never the dashboard's own page.
 */
export function refusal(
  request: { host: string | null; origin: string | null },
  settings: GuardSettings,
): string | null {
  const name = request.host === null ? null : hostName(request.host);
  if (name === null) return 'missing or malformed Host header';
  if (!isAllowedName(name, settings)) {
    return `Host '${name.slice(0, 100)}' is not this dashboard's (DNS rebinding guard); if you reach it by this name, start it with --allow-host ${name.slice(0, 100)}`;
  }
  if (request.origin === null) return null;
  if (request.origin.trim() === 'null') return 'cross-origin request (opaque origin)';
  let origin: URL;
  try {
    origin = new URL(request.origin);
  } catch {
    return 'malformed Origin header';
  }
  if (origin.host === '') return 'cross-origin request (opaque origin)';
  const sameHost = origin.host === (request.host ?? '').trim().toLowerCase();
  const named = hostName(origin.host);
  const explicit = named !== null && settings.allowedHosts.includes(named);
  if (!sameHost && !explicit) return `cross-origin request from ${origin.origin.slice(0, 100)}`;
  return null;
}
