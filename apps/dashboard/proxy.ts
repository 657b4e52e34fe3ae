// Access control for a dashboard bound beyond loopback: when GLORANK_DASHBOARD_TOKEN is set,
// every request needs it, as `Authorization: Bearer <token>`, the `glorank_token` cookie, or
// once as `?token=<token>` (which sets the cookie and redirects to the clean URL).
import { timingSafeEqual } from 'node:crypto';
import { type NextRequest, NextResponse } from 'next/server';

const COOKIE = 'glorank_token';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function proxy(request: NextRequest) {
  const token = process.env.GLORANK_DASHBOARD_TOKEN;
  if (!token) return NextResponse.next();
  const bearer = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '');
  if ((bearer && same(bearer, token)) || same(request.cookies.get(COOKIE)?.value ?? '', token)) {
    return NextResponse.next();
  }
  const given = request.nextUrl.searchParams.get('token');
  if (given !== null && same(given, token)) {
    const clean = request.nextUrl.clone();
    clean.searchParams.delete('token');
    const res = NextResponse.redirect(clean);
    res.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/' });
    return res;
  }
  return new NextResponse(
    'glorank dashboard: access token required (open the URL printed by `glorank dashboard`).\n',
    {
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    },
  );
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
