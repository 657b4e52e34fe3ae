'use client';
// Navigation with the current section highlighted, and the store the dashboard reads.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect } from 'react';
import { trpc } from '@/client/trpc-client';
import { useQuery } from '@/client/use-query';

const SECTIONS = [
  { href: '/runs', label: 'Runs' },
  { href: '/compare', label: 'Compare' },
  { href: '/experiments', label: 'Experiments' },
  { href: '/datasets', label: 'Datasets' },
  { href: '/inspector', label: 'Request inspector' },
  { href: '/queue', label: 'Queue' },
] as const;

export function TopBar() {
  const pathname = usePathname();
  const meta = useQuery('meta', () => trpc.meta.info.query());
  // Pages are drawn from the server's HTML before React starts (server.mjs); this marks when
  // the controls respond (ms since navigation), for scripted browsers (the e2e suite, bench/).
  useEffect(() => {
    document.documentElement.dataset.hydrated = String(Math.round(performance.now()));
  }, []);
  return (
    <header className="top">
      {/* No prefetch: every page view would make the server render each section (ten requests
          right after load, on a machine often busy training), for little gain: the sections
          are rendered per request anyway. */}
      <Link href="/runs" className="brand" prefetch={false}>
        glorank
      </Link>
      <nav>
        {SECTIONS.map((s) => (
          <Link
            key={s.href}
            href={s.href}
            prefetch={false}
            className={pathname.startsWith(s.href) ? 'active' : undefined}
          >
            {s.label}
          </Link>
        ))}
      </nav>
      <span className="meta" data-testid="store-location">
        {meta.data
          ? `${meta.data.store.backend}: ${meta.data.store.location}${meta.data.readOnly ? ' · read-only' : ' · writes on'}`
          : ''}
      </span>
    </header>
  );
}
