// The dashboard's request gate, in front of every route (static files included):
// 1. Host and Origin must name this server (src/server/request-guard.ts: DNS rebinding and
//    cross-site requests are refused with 403);
// 2. when GLORANK_DASHBOARD_TOKEN is set, the request needs it, as `Authorization: Bearer
//    <token>`, the `glorank_token` cookie, or once as `?token=<token>` (which sets the cookie
//    and redirects to the clean URL).
// Every response, refusals included, carries SECURITY_HEADERS (no framing, no sniffing).
import { timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import { type NextRequest, NextResponse } from 'next/server';
import { guardSettingsFromEnv, refusal, SECURITY_HEADERS } from './src/server/request-guard';

const COOKIE = 'glorank_token';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function secured<T extends NextResponse>(res: T): T {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}

function plain(status: number, text: string): NextResponse {
  return secured(
    new NextResponse(`glorank dashboard: ${text}\n`, {
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    }),
  );
}

export function proxy(request: NextRequest) {
  const refused = refusal(
    { host: request.headers.get('host'), origin: request.headers.get('origin') },
    guardSettingsFromEnv(process.env, os.hostname()),
  );
  if (refused !== null) return plain(403, `${refused}.`);
  const token = process.env.GLORANK_DASHBOARD_TOKEN;
  if (!token) return secured(NextResponse.next());
  const bearer = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '');
  if ((bearer && same(bearer, token)) || same(request.cookies.get(COOKIE)?.value ?? '', token)) {
    return secured(NextResponse.next());
  }
  const given = request.nextUrl.searchParams.get('token');
  if (given !== null && same(given, token)) {
    const clean = request.nextUrl.clone();
    clean.searchParams.delete('token');
    const res = NextResponse.redirect(clean);
    res.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/' });
    return secured(res);
  }
  return plain(401, 'access token required (open the URL printed by `glorank dashboard`).');
}
